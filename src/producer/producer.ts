/**
 * The public Producer: validates and serializes a record, picks its partition, appends it to
 * the accumulator, and lets the SenderLoop deliver it. Owns one Cluster (or borrows kafka-wire/kafkajs's).
 *
 * send() is synchronous in the common case (metadata known, memory available): the record is
 * encoded into its batch before send() returns, and the returned promise settles when the
 * broker acknowledges the batch. Otherwise the record waits, in order, for topic metadata
 * (per topic) and then for buffer memory, each bounded by `maxBlockMs` (blocked-sends.ts).
 *
 * A failed record rejects its promise; the promise is marked handled first, so ignoring it
 * (fire-and-forget) never raises unhandledRejection. Failures also go to the logger and to
 * the `onError` hook.
 */
import { Cluster } from '../cluster/cluster.js'
import { type CommonClientOptions, type ResolvedCommonOptions, resolveClientOptions } from '../cluster/options.js'
import { ownOrBorrowed } from '../cluster/shared.js'
import { type ClientTelemetryReporter, clientInstanceId, startClientTelemetry } from '../cluster/telemetry/index.js'
import { channels, type ProducerSendMessage, traced } from '../diagnostics/index.js'
import { ClosedError, ConfigError, ErrorCode, RecordTooLargeError } from '../errors.js'
import { TIMED_OUT, withDeadline } from '../internal/deadline.js'
import type { Log } from '../internal/log.js'
import type { Metric } from '../internal/metrics.js'
import { PRODUCER_CLUSTER, senderSeams } from '../internal/seams.js'
import { loadCodec, recordBatchSizeUpperBound } from '../protocol/records/index.js'
import { APPEND_BATCH_FULL, APPEND_NEW_BATCH, RecordAccumulator, type TopicQueues } from './accumulator.js'
import {
  builderWriterFactory,
  type HeaderPairs,
  type ProducerBatch,
  type RecordMetadata,
  type Resolve,
} from './batch.js'
import { abortError, BlockedSends, type PendingSend } from './blocked-sends.js'
import { BufferPool } from './buffer-pool.js'
import { ProducerMetrics } from './metrics.js'
import {
  PRODUCER_OPTION_NAMES,
  type ProducerConfig,
  type ProducerErrorInfo,
  type ResolvedProducerConfig,
  resolveProducerConfig,
} from './options.js'
import { partitionForKey } from './partitioner.js'
import { ProducerState } from './producer-state.js'
import { Sender, SenderLoop } from './sender.js'
import {
  type DefaultData,
  defaultSerializer,
  type HeaderValue,
  headerPairs,
  normalizeHeaders,
  type RecordHeaders,
  type Serializer,
  toBytes,
} from './serializers.js'
import { IllegalStateError, TransactionAbortedError } from './transactions/errors.js'
import {
  ProducerTransactions,
  type TransactionOffsetsInput,
  type TxnCluster,
} from './transactions/producer-transactions.js'
import type { TxnGroupMetadata } from './transactions/transaction-manager.js'
import { clusterTransport, type ProducerCluster } from './transport.js'

/** Options of a Producer: the shared client options plus the producer's own. */
export interface ProducerOptions<K = DefaultData, V = DefaultData> extends CommonClientOptions, ProducerConfig<K, V> {}

/** One record to send. */
export interface ProducerRecord<K = DefaultData, V = DefaultData> {
  topic: string
  /** The value; null (or undefined with the default serializer) is a tombstone. */
  value: V
  /** Records with equal keys go to the same partition. */
  key?: K | null
  /** An explicit partition, bypassing the partitioner. */
  partition?: number
  /** CreateTime in ms since the epoch (or a Date). Default: now. */
  timestamp?: number | Date
  /** An object (array values repeat a key) or [key, value] pairs. */
  headers?: RecordHeaders
}

export interface ProducerSendOptions {
  /** Aborts a send that is still waiting for metadata or buffer memory (not one already buffered). */
  signal?: AbortSignal
}

export interface ProducerCloseOptions {
  /** How long to wait for buffered records to be delivered; then they fail. Default: no limit. */
  timeoutMs?: number
}

/** A partition as partitionsFor() reports it. */
export interface PartitionInfo {
  topic: string
  partition: number
  /** Node id of the leader; -1 when there is none. */
  leader: number
  replicas: number[]
  isr: number[]
  offlineReplicas: number[]
}

const noop = (): void => {}

export class Producer<K = DefaultData, V = DefaultData> {
  readonly #config: ResolvedProducerConfig<K, V>
  readonly #cluster: ProducerCluster
  readonly #releaseCluster: () => Promise<void>
  readonly #telemetry: ClientTelemetryReporter | undefined
  readonly #logger: Log
  readonly #pool: BufferPool
  readonly #acc: RecordAccumulator
  readonly #state: ProducerState
  readonly #sender: Sender
  readonly #loop: SenderLoop
  readonly #keySerializer: Serializer<K>
  readonly #valueSerializer: Serializer<V>
  /** Largest record accepted: min(maxRequestSize, bufferMemory). */
  readonly #maxRecordSize: number
  /** Sends waiting for topic metadata or buffer memory (blocked-sends.ts). */
  readonly #blocked: BlockedSends
  /** The topic of the last append (most producers write one topic at a time). */
  #lastTopic: TopicQueues | null = null
  #closed = false
  #closePromise: Promise<void> | undefined
  #connected: Promise<void> | undefined
  /** Set when transactionalId is (docs/transactions.md). */
  readonly #txn: ProducerTransactions | undefined
  readonly #clientId: string
  readonly #metrics: ProducerMetrics

  constructor(options: ProducerOptions<K, V>) {
    const { common: resolvedCommon, own } = resolveClientOptions(options, PRODUCER_OPTION_NAMES, 'producer')
    const config = resolveProducerConfig<K, V>(own as ProducerConfig<K, V>, {
      requestTimeoutMs: options.requestTimeoutMs,
      retryBackoffMs: options.retryBackoffMs,
      retryBackoffMaxMs: options.retryBackoffMaxMs,
    })
    this.#config = config
    this.#clientId = resolvedCommon.clientId
    if (config.compressionType !== 0) {
      try {
        loadCodec(config.compressionType)
      } catch (err) {
        throw new ConfigError('compressionType', (err as Error).message)
      }
    }
    this.#logger = resolvedCommon.logger.child({ transactionalId: config.transactionalId })
    this.#pool = new BufferPool(config.bufferMemory, config.batchSize)
    this.#metrics = new ProducerMetrics(this.#clientId, this.#pool, () => this.#sender.inFlightCount)
    if (config.idempotenceDisabledReason !== undefined)
      this.#logger.info({ reason: config.idempotenceDisabledReason }, 'kafka-wire producer: idempotence disabled')
    // A fake (tests), the kafkajs layer's cluster borrowed (SHARED_CLUSTER, cluster/shared.ts), or its own.
    const fake = (options as { [PRODUCER_CLUSTER]?: ProducerCluster })[PRODUCER_CLUSTER]
    const { cluster, release } =
      fake === undefined
        ? ownOrBorrowed(options, resolvedCommon, {
            maxInFlightRequests: { produce: config.maxInFlightRequestsPerConnection },
            sensors: this.#metrics.network,
          })
        : { cluster: fake, release: () => fake.close() }
    this.#cluster = cluster
    this.#releaseCluster = release
    const txnTag = { transactional_id: config.transactionalId }
    this.#telemetry =
      cluster instanceof Cluster ? startClientTelemetry(cluster, () => this.metrics(), txnTag) : undefined
    this.#keySerializer = config.keySerializer ?? (defaultSerializer as Serializer<K>)
    this.#valueSerializer = config.valueSerializer ?? (defaultSerializer as Serializer<V>)
    this.#maxRecordSize = Math.min(config.maxRequestSize, config.bufferMemory)
    this.#acc = new RecordAccumulator(
      {
        batchSize: config.batchSize,
        lingerMs: config.lingerMs,
        deliveryTimeoutMs: config.deliveryTimeoutMs,
        adaptivePartitioning: config.adaptivePartitioning,
      },
      this.#pool,
      builderWriterFactory({
        compression: config.compressionType,
        compressionLevel: config.compressionLevel,
        batchSize: config.batchSize,
        transactional: config.transactionalId !== undefined,
      }),
    )
    this.#txn = config.transactionalId === undefined ? undefined : this.#createTransactions(config, resolvedCommon)
    this.#state = new ProducerState(config.idempotent, this.#txn?.hooks)
    this.#sender = new Sender(this.#acc, this.#state, {
      acks: config.acks,
      maxRequestSize: config.maxRequestSize,
      maxInFlightRequestsPerConnection: config.maxInFlightRequestsPerConnection,
      requestTimeoutMs: config.requestTimeoutMs,
      retries: config.retries,
      deliveryTimeoutMs: config.deliveryTimeoutMs,
      retryBackoffMs: config.retryBackoffMs,
      retryBackoffMaxMs: config.retryBackoffMaxMs,
      sensors: this.#metrics,
      onBatchFailed: (error, batch) => {
        this.#metrics.failed(batch, Date.now())
        this.#batchFailed(error, batch)
      },
      onBatchSplit: (batch, parts) => {
        const { topic, partition, recordCount, estimatedSizeInBytes: bytes } = batch
        this.#logger.warn(
          { topic, partition, recordCount, bytes, parts: parts.length },
          "kafka-wire producer: a batch refused as MESSAGE_TOO_LARGE is resent split (the topic's max.message.bytes is below batchSize?)",
        )
      },
      onCurrentLeader: (topic, partition, leaderId, leaderEpoch, endpoint) => {
        this.#cluster.updateLeader(topic, partition, leaderId, leaderEpoch, endpoint)
      },
      ...senderSeams(options),
      ...(this.#txn === undefined
        ? {}
        : {
            transactionalId: config.transactionalId!,
            maxProduceVersion: () => this.#txn!.maxProduceVersion(),
          }),
    })
    const transport = clusterTransport(this.#cluster, {
      requestTimeoutMs: config.requestTimeoutMs,
      ensureConnected: () => this.#ensureConnected(),
      clientId: resolvedCommon.clientId,
    })
    this.#loop = new SenderLoop(this.#sender, this.#state, transport, {
      logger: this.#logger,
      retryBackoffMs: config.retryBackoffMs,
      retryBackoffMaxMs: config.retryBackoffMaxMs,
    })
    this.#acc.onCompressed = () => this.#loop.wakeup()
    this.#blocked = new BlockedSends({
      cluster: this.#cluster,
      pool: this.#pool,
      acc: this.#acc,
      maxBlockMs: config.maxBlockMs,
      retryBackoffMs: config.retryBackoffMs,
      bufferMemory: config.bufferMemory,
      append: (p, buffer) => this.#appendPending(p, buffer),
      wakeup: () => this.#loop.wakeup(),
      onSendFailed: (error, topic, partition) => this.#reportSendError(error, topic, partition),
    })
  }

  /**
   * Sends a record. Resolves with its metadata once the broker acknowledged it (at once with
   * offset -1n for acks 0); rejects with a typed error. Ignoring the promise is safe.
   */
  send(record: ProducerRecord<K, V>, options?: ProducerSendOptions): Promise<RecordMetadata> {
    if (channels.producerSend.hasSubscribers && typeof record === 'object' && record !== null) {
      return this.#tracedSend(record, options)
    }
    return this.#send(record, options)
  }

  /**
   * send() observed on `kafka-wire:producer:send` (src/diagnostics): `start` is published before
   * the record is serialized, and the header pairs a subscriber adds to the payload are sent with it.
   */
  #tracedSend(record: ProducerRecord<K, V>, options: ProducerSendOptions | undefined): Promise<RecordMetadata> {
    let headers: [string, HeaderValue][]
    try {
      headers = (normalizeHeaders(record.headers) ?? []).map(([k, v]) => [k, v])
    } catch {
      return this.#send(record, options) // invalid headers: the send fails as it would unobserved
    }
    const message: ProducerSendMessage = {
      clientId: this.#clientId,
      topic: record.topic,
      partition: record.partition,
      key: record.key,
      headers,
    }
    return traced(channels.producerSend, message, () => this.#send({ ...record, headers: message.headers }, options))
  }

  #send(record: ProducerRecord<K, V>, options?: ProducerSendOptions): Promise<RecordMetadata> {
    // The hot path: validate and serialize into locals, append, allocate nothing else.
    if (this.#closed) {
      return this.#rejectNow(new ClosedError('Cannot send a record: the producer is closed'), recordTopic(record))
    }
    if (this.#txn !== undefined) {
      try {
        this.#txn.checkSend()
      } catch (err) {
        return this.#rejectNow(err as Error, recordTopic(record))
      }
    }
    let topic: string
    let key: Uint8Array | null
    let value: Uint8Array | null
    let headers: HeaderPairs | null = null
    let timestamp: number
    let partition = -1
    try {
      if (typeof record !== 'object' || record === null) throw new TypeError('send() needs a record object')
      topic = record.topic
      if (typeof topic !== 'string' || topic.length === 0)
        throw new TypeError('record.topic must be a non-empty string')
      const rawKey = record.key
      key = rawKey === undefined || rawKey === null ? null : toBytes(this.#keySerializer(rawKey, topic, 'key'), 'key')
      value = toBytes(this.#valueSerializer(record.value, topic, 'value'), 'value')
      if (record.headers !== undefined && record.headers !== null) headers = headerPairs(record.headers)
      const ts = record.timestamp
      if (ts === undefined || ts === null) timestamp = Date.now()
      else {
        timestamp = ts instanceof Date ? ts.getTime() : ts
        if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
          throw new TypeError(`Invalid timestamp ${String(ts)}: expected a non-negative integer (ms) or a Date`)
        }
      }
      const rp = record.partition
      if (rp !== undefined && rp !== null) {
        if (!Number.isInteger(rp) || rp < 0) {
          throw new TypeError(`Invalid partition ${String(rp)}: expected a non-negative integer`)
        }
        partition = rp
      }
    } catch (err) {
      return this.#rejectNow(err as Error, recordTopic(record))
    }
    const size = recordBatchSizeUpperBound(key, value, headers)
    if (size > this.#maxRecordSize) {
      const which = size > this.#config.maxRequestSize ? 'maxRequestSize' : 'bufferMemory'
      const error = new RecordTooLargeError(
        ErrorCode.MESSAGE_TOO_LARGE,
        `The record is ${size} bytes when serialized, which is larger than ${which} (${this.#maxRecordSize})`,
        { topic },
      )
      return this.#rejectNow(error, topic)
    }
    const signal = options?.signal
    if (signal?.aborted) return this.#rejectNow(abortError(signal), topic)
    if (this.#blocked.canAppendNow(topic)) {
      let promise: Promise<RecordMetadata> | null
      try {
        promise = this.#append(topic, partition, record.key, record.value, key, value, headers, timestamp, size, null)
      } catch (err) {
        return this.#rejectNow(err as Error, topic)
      }
      if (promise !== null) return promise
    }
    return this.#blocked.block({
      topic,
      partition,
      rawKey: record.key,
      rawValue: record.value,
      key,
      value,
      headers,
      timestamp,
      size,
      deadline: 0,
      signal,
      onAbort: undefined,
      promise: null,
      resolve: noop,
      reject: noop,
      settled: false,
    })
  }

  /** The producer's metrics now, with the Java producer's names (docs/observability.md, "Client metrics"). */
  metrics(): Metric[] {
    return this.#metrics.snapshot()
  }

  /** The id the broker gave this client for KIP-714 telemetry, or null if none came within timeoutMs. */
  clientInstanceId(timeoutMs: number): Promise<string | null> {
    return clientInstanceId(this.#telemetry, timeoutMs)
  }

  /** Sends everything buffered now and waits until those records (and earlier sends) are settled. */
  async flush(): Promise<void> {
    this.#acc.beginFlush()
    try {
      this.#loop.wakeup()
      // Sends still waiting for metadata or memory count as sent: wait until the last of each
      // queue is buffered (the queues are FIFO, so every earlier one is too), then for the batches.
      const queued = this.#blocked.allSettled()
      if (queued !== null) {
        await queued
        // Their batches were appended after the wakeup above (with a linger deadline): send them now.
        this.#loop.wakeup()
      }
      const batches = [...this.#acc.incomplete]
      if (batches.length > 0) await Promise.all(batches.map((b) => new Promise<void>((r) => b.onDone(r))))
    } finally {
      this.#acc.endFlush()
    }
  }

  /**
   * Flushes and closes. Records not delivered within `timeoutMs` fail with ClosedError.
   * Idempotent: later calls return the same promise.
   */
  close(options: ProducerCloseOptions = {}): Promise<void> {
    if (this.#closePromise === undefined) {
      this.#closed = true
      this.#closePromise = this.#close(options.timeoutMs)
    }
    return this.#closePromise
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  // --- transactions (docs/transactions.md) -------------------------------------------------------

  /**
   * Finds the transaction coordinator and gets this transactionalId's producer id and epoch,
   * fencing older producers with the same id and aborting what they left open. Call once.
   */
  async initTransactions(): Promise<void> {
    const txn = this.#requireTxn('initTransactions')
    await this.#ensureConnected()
    await txn.initTransactions()
  }

  /** Opens a transaction (local: the coordinator learns of it with the first record or offsets). */
  beginTransaction(): void {
    this.#requireTxn('beginTransaction').beginTransaction()
  }

  /**
   * Adds a consumer group's offsets to the open transaction: they are committed with it (and
   * discarded if it aborts). `offsets` take commitSync's shape (the next offset to read);
   * `groupMetadata` is `consumer.groupMetadata()`, whose generation fences a zombie member.
   */
  async sendOffsetsToTransaction(offsets: TransactionOffsetsInput, groupMetadata: TxnGroupMetadata): Promise<void> {
    await this.#requireTxn('sendOffsetsToTransaction').sendOffsetsToTransaction(offsets, groupMetadata)
  }

  /** Flushes the transaction's records, then commits it (EndTxn). */
  async commitTransaction(): Promise<void> {
    await this.#requireTxn('commitTransaction').commitTransaction()
  }

  /** Drops the records not yet sent, waits for those on the wire, then aborts the transaction. */
  async abortTransaction(): Promise<void> {
    await this.#requireTxn('abortTransaction').abortTransaction()
  }

  /** Runs `fn` in a transaction: begin, run, commit; on a throw, abort and rethrow. */
  async transaction<T>(fn: (producer: this) => Promise<T> | T): Promise<T> {
    return this.#requireTxn('transaction').transaction(() => fn(this))
  }

  /** The partitions of a topic (waiting up to maxBlockMs for its metadata). */
  async partitionsFor(topic: string, options: { signal?: AbortSignal } = {}): Promise<PartitionInfo[]> {
    if (this.#closed) throw new ClosedError('The producer is closed')
    const md = await this.#blocked.topicMetadata(topic, Date.now() + this.#config.maxBlockMs, options.signal)
    return md.partitions.map((p) => ({
      topic,
      partition: p.partition,
      leader: p.leaderId,
      replicas: [...p.replicas],
      isr: [...p.isr],
      offlineReplicas: [...p.offlineReplicas],
    }))
  }

  /** Buffer memory in use by unsent and in-flight batches, in bytes. */
  get bufferedBytes(): number {
    return this.#pool.usedMemory
  }

  /**
   * send() calls waiting for topic metadata or buffer memory (the Java client's
   * `waiting-threads`). Above 0, the producer is behind: pause sending to bound memory.
   */
  get waitingSends(): number {
    return this.#blocked.size
  }

  // --- send path ------------------------------------------------------------------------------

  /**
   * Appends now if metadata is known (and covers an explicit partition) and memory is
   * available (or `buffer` is given). Returns null when the send has to wait.
   */
  #append(
    topic: string,
    partition: number,
    rawKey: unknown,
    rawValue: unknown,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: HeaderPairs | null,
    timestamp: number,
    size: number,
    buffer: Buffer | null,
    pending?: PendingSend,
  ): Promise<RecordMetadata> | null {
    const md = this.#cluster.topic(topic)
    if (md === undefined || md.partitions.length === 0) return null
    let tq = this.#lastTopic
    if (tq === null || tq.name !== topic) tq = this.#lastTopic = this.#acc.topicQueues(topic)
    tq.update(md)
    if (partition >= tq.numPartitions) return null
    let sticky = false
    if (partition < 0) {
      partition = this.#partition(topic, rawKey, rawValue, key, tq)
      if (partition < 0) {
        partition = this.#acc.stickyPartition(tq)
        sticky = true
      }
    }
    const acc = this.#acc
    const now = Date.now()
    const promise = acc.append(
      tq,
      partition,
      sticky,
      timestamp,
      key,
      value,
      headers,
      key === null ? -1 : key.length,
      value === null ? -1 : value.length,
      size,
      now,
      buffer,
      pending as { promise: Promise<RecordMetadata>; resolve: Resolve } | undefined,
    )
    if (promise === null) return null
    const flags = acc.appendFlags
    if (flags & APPEND_BATCH_FULL) this.#loop.wakeup()
    else if (flags & APPEND_NEW_BATCH) this.#loop.wakeupAt(now + this.#config.lingerMs)
    return promise
  }

  #appendPending(p: PendingSend, buffer: Buffer | null): Promise<RecordMetadata> | null {
    // The batch takes the send's own promise: no second promise per waiting send.
    return this.#append(
      p.topic,
      p.partition,
      p.rawKey,
      p.rawValue,
      p.key,
      p.value,
      p.headers,
      p.timestamp,
      p.size,
      buffer,
      p,
    )
  }

  /** Explicit partitioner decisions; -1 for the sticky partitioner. */
  #partition(topic: string, rawKey: unknown, rawValue: unknown, key: Uint8Array | null, tq: TopicQueues): number {
    const n = tq.numPartitions
    const custom = this.#config.partitioner
    if (custom !== undefined) {
      const chosen = custom({
        topic,
        key: rawKey,
        keyBytes: key,
        value: rawValue,
        numPartitions: n,
        availablePartitions: tq.availablePartitions,
      })
      if (chosen !== undefined && chosen !== -1) {
        if (!Number.isInteger(chosen) || chosen < 0 || chosen >= n) {
          throw new RangeError(`The partitioner returned ${String(chosen)} for topic ${topic} with ${n} partitions`)
        }
        return chosen
      }
    }
    if (key !== null && !this.#config.partitionerIgnoreKeys) return partitionForKey(key, n)
    return -1
  }

  #rejectNow(error: Error, topic: unknown): Promise<RecordMetadata> {
    this.#reportSendError(error, typeof topic === 'string' ? topic : '', undefined)
    const p = Promise.reject(error)
    p.catch(noop)
    return p
  }

  #reportSendError(error: Error, topic: string, partition: number | undefined): void {
    this.#logger.error({ topic: topic || undefined, partition, err: error }, 'kafka-wire producer: send failed')
    this.#hook(error, { topic, ...(partition === undefined ? {} : { partition }), recordCount: 1 })
  }

  #batchFailed(error: Error, batch: ProducerBatch): void {
    this.#txn?.manager.onBatchFailed(error)
    const { topic, partition, recordCount } = batch
    this.#logger.error({ topic, partition, recordCount, err: error }, 'kafka-wire producer: delivery failed')
    this.#hook(error, { topic: batch.topic, partition: batch.partition, recordCount: batch.recordCount })
  }

  #hook(error: Error, info: ProducerErrorInfo): void {
    const onError = this.#config.onError
    if (onError === undefined) return
    try {
      onError(error, info)
    } catch (err) {
      this.#logger.error({ err }, 'kafka-wire producer: the onError hook threw')
    }
  }

  // --- plumbing -------------------------------------------------------------------------------

  #requireTxn(call: string): ProducerTransactions {
    if (this.#closed) throw new ClosedError(`${call}(): the producer is closed`)
    if (this.#txn === undefined) throw new IllegalStateError(`${call}() needs the transactionalId option`)
    return this.#txn
  }

  #createTransactions(config: ResolvedProducerConfig<K, V>, common: ResolvedCommonOptions): ProducerTransactions {
    const cluster = this.#cluster as unknown as TxnCluster
    return new ProducerTransactions(config.transactionalId!, config.transactionTimeoutMs, {
      cluster,
      logger: this.#logger,
      maxBlockMs: config.maxBlockMs,
      retryBackoffMs: config.retryBackoffMs,
      retryBackoffMaxMs: config.retryBackoffMaxMs,
      requestTimeoutMs: config.requestTimeoutMs,
      featureMaxAgeMs: common.metadataMaxAgeMs,
      setProducerIdAndEpoch: (id, epoch) => {
        this.#state.setProducerIdAndEpoch(id, epoch)
        this.#loop.wakeup()
      },
      wakeSender: () => this.#loop.wakeup(),
      flush: () => this.flush(),
      // Settled sends stay in their queue until its loop shifts them: count the live ones.
      incompleteBatches: () => this.#acc.incomplete.size + this.#blocked.live,
      someBatchSettled: () =>
        new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer)
            resolve()
          }
          const timer = setTimeout(done, Math.max(5, config.retryBackoffMs))
          for (const b of [...this.#acc.incomplete]) b.onDone(done)
        }),
      dropUnsent: (error) => {
        this.#blocked.failAll(error)
        this.#sender.failUnsent(error)
      },
    })
  }

  #ensureConnected(): Promise<void> {
    this.#connected ??= this.#cluster.connect().catch((err) => {
      this.#connected = undefined
      throw err
    })
    return this.#connected
  }

  async #close(timeoutMs: number | undefined): Promise<void> {
    if (this.#txn !== undefined) {
      // Java: close() with an open transaction leaves it to the coordinator (it aborts it on
      // timeout or when the next instance initializes); unsent records of it fail now.
      const state = this.#txn.manager.state
      if (state === 'IN_TRANSACTION' || state === 'ABORTABLE_ERROR' || state === 'ABORTING_TRANSACTION') {
        const error = new TransactionAbortedError('The producer was closed with the transaction open')
        this.#blocked.failAll(error)
        this.#sender.failUnsent(error)
      }
      this.#txn.close(new ClosedError('The producer was closed'))
    }
    this.#acc.beginClose()
    this.#loop.wakeup()
    const deadline = timeoutMs === undefined || !Number.isFinite(timeoutMs) ? undefined : Date.now() + timeoutMs
    try {
      if ((await withDeadline(this.flush(), deadline)) === TIMED_OUT) {
        const error = new ClosedError(
          `The producer was closed before the record was delivered (timeoutMs ${timeoutMs})`,
        )
        this.#blocked.failAll(error)
        this.#pool.failWaiters(error)
        this.#sender.abortAll(error)
      }
    } finally {
      this.#loop.stop()
      await this.#telemetry?.close(deadline)
      await this.#releaseCluster()
    }
  }
}

// --- helpers ----------------------------------------------------------------------------------

function recordTopic(record: unknown): string | undefined {
  return typeof record === 'object' && record !== null ? (record as { topic?: string }).topic : undefined
}

/**
 * kafka.producer(): kafkajs's Producer on kafka-wire's Producer (owner: core).
 *
 * kafkajs takes `acks` and `compression` per send(); kafka-wire's Producer has them per producer.
 * So the layer keeps one native Producer per (acks, compression) pair it has seen — usually just
 * one — all sharing one Cluster (one set of connections). A send() appends its messages and waits
 * for all of them; the result is kafkajs's RecordMetadata list: one entry per partition, in
 * topic order then ascending partition, with the partition's first offset as `baseOffset`.
 *
 * Transactions (transaction()) run on one more native Producer with the transactionalId.
 */
import { resolveCommonOptions, SharedCluster, withRequestObserver } from '../cluster/index.js'
import { PRODUCE_ACK_TIMEOUT, PRODUCE_RESPONSE_LISTENER, SHARED_CLUSTER } from '../internal/seams.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import {
  Producer as NativeProducer,
  type RecordMetadata as NativeRecordMetadata,
  type ProducerOptions,
} from '../producer/index.js'
import { compressionName } from './compression.js'
import type { KafkaJSContext } from './context.js'
import {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  toKafkaJSError,
  toKafkaJSRetryError,
} from './errors.js'
import { KafkaJSInstrumentation } from './instrumentation.js'
import type { KafkaJSLogger } from './logger.js'
import { isDefaultPartitioner } from './partitioners.js'
import type {
  InstrumentationEvent,
  Message,
  PartitionerArgs,
  PartitionMetadata,
  ProducerBatch,
  ProducerConfig,
  ProducerEvents,
  ProducerRecord,
  RecordMetadata,
  RemoveInstrumentationEventListener,
  RetryOptions,
  TopicMessages,
} from './types.js'

export const PRODUCER_EVENTS: ProducerEvents = Object.freeze({
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size',
})

type Status = 'disconnected' | 'connecting' | 'connected' | 'disconnecting'

/** kafkajs's default `timeout` of send(): how long the broker may wait for the replicas' acknowledgements. */
const DEFAULT_ACK_TIMEOUT_MS = 30000

/** What a partition's last successful Produce response said beyond the offset (PRODUCE_RESPONSE_LISTENER). */
interface Acknowledged {
  logAppendTime: bigint
  logStartOffset: bigint
}

export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata[]>
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>
  sendOffsets(offsets: {
    consumerGroupId: string
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[]
  }): Promise<void>
  commit(): Promise<void>
  abort(): Promise<void>
  isActive(): boolean
}

/** kafkajs's retrier's worst case: the sum of its backoffs (each capped by maxRetryTime). */
export function retryBudgetMs(retry: RetryOptions): number {
  const retries = retry.retries ?? 5
  let t = retry.initialRetryTime ?? 300
  let total = 0
  for (let i = 0; i < Math.min(retries, 50); i++) {
    total += t
    t = Math.min(t * (retry.multiplier ?? 2), retry.maxRetryTime ?? 30000)
  }
  return Math.min(total, 2 ** 31 - 1)
}

/** How long a connect may take: kafkajs's retrier budget over `retries + 1` attempts of connectionTimeout. */
export function connectBudgetMs(context: KafkaJSContext): number {
  const retry = context.retry
  const attempts = Math.min(retry.retries ?? 5, 50) + 1
  const connectionTimeout = context.config.connectionTimeout ?? 1000
  return Math.min(retryBudgetMs(retry) + connectionTimeout * attempts, 2 ** 31 - 1)
}

export class KafkaJSProducer {
  readonly events: ProducerEvents = PRODUCER_EVENTS
  readonly #context: KafkaJSContext
  readonly #config: ProducerConfig
  readonly #logger: KafkaJSLogger
  readonly #instrumentation: KafkaJSInstrumentation
  readonly #retry: RetryOptions
  /** kafkajs's createPartitioner() result, or undefined when kafka-wire's (Java's) partitioner serves. */
  readonly #partitioner: ((args: PartitionerArgs) => number) | undefined
  #status: Status = 'disconnected'
  /** Connected by connect(); every native Producer of this layer borrows it (SHARED_CLUSTER). */
  #shared: SharedCluster | undefined
  #common: ProducerOptions | undefined
  readonly #natives = new Map<string, NativeProducer>()
  /** By topicPartitionKey: the latest response of each partition written to (its log start offset only grows). */
  readonly #acknowledged = new Map<string, Acknowledged>()
  readonly #onAcknowledged = (topic: string, partition: number, logAppendTime: bigint, logStartOffset: bigint) => {
    const key = topicPartitionKey(topic, partition)
    const entry = this.#acknowledged.get(key)
    if (entry === undefined) this.#acknowledged.set(key, { logAppendTime, logStartOffset })
    else {
      entry.logAppendTime = logAppendTime
      entry.logStartOffset = logStartOffset
    }
  }
  /** Topics checked to exist (allowAutoTopicCreation: false). */
  readonly #checkedTopics = new Set<string>()
  #txnProducer: NativeProducer | undefined
  #txnInitialized = false
  #txnOpen = false

  constructor(context: KafkaJSContext, config: ProducerConfig = {}) {
    this.#context = context
    this.#config = config
    this.#logger = context.logger.namespace('Producer')
    this.#instrumentation = new KafkaJSInstrumentation(PRODUCER_EVENTS, 'producer.events', this.#logger)
    const idempotent = config.idempotent === true
    this.#retry = { ...context.retry, ...(config.retry ?? { retries: idempotent ? Number.MAX_SAFE_INTEGER : 5 }) }
    if (idempotent && (this.#retry.retries ?? 5) < 1) {
      throw new KafkaJSNonRetriableError('Idempotent producer must allow retries to protect against transient errors')
    }
    if (idempotent && (this.#retry.retries ?? 5) < Number.MAX_SAFE_INTEGER) {
      this.#logger.warn('Limiting retries for the idempotent producer may invalidate EoS guarantees')
    }
    this.#partitioner = isDefaultPartitioner(config.createPartitioner) ? undefined : config.createPartitioner!()
  }

  async connect(): Promise<void> {
    if (this.#shared !== undefined && this.#status === 'connected') {
      // kafkajs lets connect() be called again: it reconnects the same cluster and emits CONNECT.
      try {
        await this.#shared.cluster.connect({ timeoutMs: connectBudgetMs(this.#context) })
      } catch (err) {
        throw toKafkaJSError(err)
      }
      this.#instrumentation.emit(PRODUCER_EVENTS.CONNECT)
      return
    }
    this.#status = 'connecting'
    try {
      const common = withRequestObserver(
        await this.#context.clientOptions('Producer'),
        this.#instrumentation.requestObserver,
      )
      const options: ProducerOptions = {
        ...common,
        ...(this.#config.metadataMaxAge === undefined ? {} : { metadataMaxAgeMs: this.#config.metadataMaxAge }),
      }
      const shared = new SharedCluster(resolveCommonOptions(options), {
        maxInFlightRequests: { produce: this.#maxInFlight() },
      })
      const cluster = shared.cluster
      this.#shared = shared
      this.#common = options
      // kafkajs's connect runs under the cluster's retrier (the Kafka-level `retry`): bound ours by its budget.
      const timeoutMs = connectBudgetMs(this.#context)
      try {
        await cluster.connect({ timeoutMs })
      } catch (err) {
        await cluster.close().catch(() => {})
        this.#shared = undefined
        throw toKafkaJSRetryError(err, { retryCount: this.#context.retry.retries ?? 5, retryTime: timeoutMs })
      }
    } catch (err) {
      this.#status = 'disconnected'
      throw err instanceof KafkaJSError ? err : toKafkaJSError(err)
    }
    this.#status = 'connected'
    this.#instrumentation.emit(PRODUCER_EVENTS.CONNECT)
  }

  async disconnect(): Promise<void> {
    this.#status = 'disconnecting'
    const natives = [...this.#natives.values(), ...(this.#txnProducer ? [this.#txnProducer] : [])]
    // Flush them all before any closes: they share the cluster, which only this layer closes.
    await Promise.allSettled(natives.map((p) => p.flush()))
    await Promise.allSettled(natives.map((p) => p.close()))
    await this.#shared?.cluster.close().catch(() => {})
    this.#natives.clear()
    this.#txnProducer = undefined
    this.#txnInitialized = false
    this.#txnOpen = false
    this.#shared = undefined
    this.#checkedTopics.clear()
    this.#acknowledged.clear()
    this.#status = 'disconnected'
    this.#instrumentation.emit(PRODUCER_EVENTS.DISCONNECT)
  }

  isIdempotent(): boolean {
    return this.#config.idempotent === true
  }

  on(
    eventName: ProducerEvents[keyof ProducerEvents],
    listener: (event: InstrumentationEvent<any>) => void,
  ): RemoveInstrumentationEventListener<typeof eventName> {
    return this.#instrumentation.on(eventName, listener)
  }

  logger(): KafkaJSLogger {
    return this.#logger
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const { topic, messages, acks, timeout, compression } = record ?? ({} as ProducerRecord)
    return this.sendBatch({
      ...(acks === undefined ? {} : { acks }),
      ...(timeout === undefined ? {} : { timeout }),
      ...(compression === undefined ? {} : { compression }),
      topicMessages: [{ topic, messages }],
    })
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.#sendBatch(batch, false)
  }

  async transaction(): Promise<Transaction> {
    if (!this.#config.transactionalId) {
      throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer')
    }
    if (this.#txnOpen) {
      throw new KafkaJSNonRetriableError(
        'There is already an ongoing transaction for this producer. Please end the transaction before beginning another.',
      )
    }
    const native = this.#transactional()
    try {
      if (!this.#txnInitialized) {
        await native.initTransactions()
        this.#txnInitialized = true
      }
      native.beginTransaction()
    } catch (err) {
      throw toKafkaJSError(err)
    }
    this.#txnOpen = true
    let ended = false
    const isActive = (): boolean => this.#txnOpen && !ended
    const guard =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> => {
        if (!isActive()) {
          return Promise.reject(new KafkaJSNonRetriableError('Cannot continue to use transaction once ended'))
        }
        return fn(...args)
      }
    const end = async (how: () => Promise<void>): Promise<void> => {
      try {
        await how()
      } catch (err) {
        throw toKafkaJSError(err)
      }
      ended = true
      this.#txnOpen = false
    }
    return {
      send: guard((record: ProducerRecord) =>
        this.#sendBatch({ ...record, topicMessages: [{ topic: record?.topic, messages: record?.messages }] }, true),
      ),
      sendBatch: guard((b: ProducerBatch) => this.#sendBatch(b, true)),
      sendOffsets: guard(async ({ consumerGroupId, topics }) => {
        const offsets = topics.flatMap(({ topic, partitions }) =>
          partitions.map(({ partition, offset }) => ({ topic, partition, offset: BigInt(offset) })),
        )
        try {
          // kafkajs sends no generation or member (a TxnOffsetCommit v0-style commit): neither does the layer.
          await native.sendOffsetsToTransaction(offsets, {
            groupId: consumerGroupId,
            generationId: -1,
            memberId: '',
            groupInstanceId: null,
          })
        } catch (err) {
          throw toKafkaJSError(err)
        }
      }),
      commit: guard(() => end(() => native.commitTransaction())),
      abort: guard(() => end(() => native.abortTransaction())),
      isActive,
    }
  }

  // --- sending ---------------------------------------------------------------------------------

  async #sendBatch(batch: ProducerBatch, transactional: boolean): Promise<RecordMetadata[]> {
    const { acks = -1, timeout, compression, topicMessages = [] } = batch ?? {}
    // kafkajs's checks (messageProducer.js), in its order and with its messages.
    if (topicMessages.some(({ topic }) => !topic)) throw new KafkaJSNonRetriableError('Invalid topic')
    if ((this.#config.idempotent || transactional) && acks !== -1) {
      throw new KafkaJSNonRetriableError(
        "Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees",
      )
    }
    for (const { topic, messages } of topicMessages) {
      if (!messages) throw new KafkaJSNonRetriableError(`Invalid messages array [${messages}] for topic "${topic}"`)
      const withoutValue = messages.find((m) => m.value === undefined)
      if (withoutValue) {
        throw new KafkaJSNonRetriableError(
          `Invalid message without value for topic "${topic}": ${JSON.stringify(withoutValue)}`,
        )
      }
    }
    if (this.#status === 'disconnecting') {
      throw new KafkaJSNonRetriableError(
        "The producer is disconnecting; therefore, it can't safely accept messages anymore",
      )
    }
    if (this.#status === 'disconnected' || this.#shared === undefined) {
      throw new KafkaJSError('The producer is disconnected')
    }
    const merged = mergeTopics(topicMessages)
    const codec = compressionName(compression)
    if (codec === undefined) throw new KafkaJSNonRetriableError(`Unsupported compression codec ${String(compression)}`)
    const ackTimeout = timeout ?? DEFAULT_ACK_TIMEOUT_MS
    // kafkajs writes any int32 into the request (the broker decides); anything else cannot be sent.
    if (!Number.isInteger(ackTimeout) || ackTimeout < -2147483648 || ackTimeout > 2147483647) {
      throw new KafkaJSNonRetriableError(`Invalid timeout ${String(timeout)}: must be an integer of milliseconds`)
    }
    const native = transactional ? this.#transactional() : this.#native(acks, codec, ackTimeout)

    if (this.#config.allowAutoTopicCreation === false) await this.#checkTopicsExist(merged.map((t) => t.topic))

    // The hot path (the benchmark's sendBatch of 1,000 records): one native send per message,
    // no per-message allocation beyond the record itself.
    const promises: Promise<NativeRecordMetadata>[] = []
    for (const { topic, messages } of merged) {
      const partitionMetadata = this.#partitioner ? await this.#partitionMetadata(topic) : undefined
      for (const message of messages) {
        const partition =
          this.#partitioner && partitionMetadata
            ? this.#partitioner({ topic, partitionMetadata, message })
            : message.partition
        promises.push(native.send(toNativeRecord(topic, message, partition)))
      }
    }
    let results: NativeRecordMetadata[]
    try {
      // Promise.all handles every promise, so later failures of the same call are not unhandled.
      results = await Promise.all(promises)
    } catch (err) {
      throw this.#sendError(err)
    }
    if (acks === 0) return []
    return toRecordMetadata(merged, results, this.#acknowledged)
  }

  /**
   * kafkajs's send() path: its retrier rejects with KafkaJSNumberOfRetriesExceeded once a retriable
   * error outlived the retries, and passes non-retriable ones through as they are (bail).
   */
  #sendError(err: unknown): Error {
    const e = toKafkaJSError(err)
    if (e instanceof KafkaJSError && e.retriable) {
      return new KafkaJSNumberOfRetriesExceeded(e, {
        retryCount: this.#retry.retries ?? 5,
        retryTime: this.#retry.maxRetryTime ?? 30000,
      })
    }
    return e
  }

  async #checkTopicsExist(topics: string[]): Promise<void> {
    const unchecked = topics.filter((t) => !this.#checkedTopics.has(t))
    if (unchecked.length === 0) return
    try {
      await this.#shared!.cluster.topicMetadata(unchecked, {
        allowAutoTopicCreation: false,
        timeoutMs: retryBudgetMs(this.#retry),
      })
    } catch (err) {
      throw this.#sendError(err)
    }
    for (const t of unchecked) this.#checkedTopics.add(t)
  }

  async #partitionMetadata(topic: string): Promise<PartitionMetadata[]> {
    try {
      const md = await this.#shared!.cluster.topicMetadata([topic], {
        allowAutoTopicCreation: this.#config.allowAutoTopicCreation !== false,
      })
      return (md.get(topic)?.partitions ?? []).map((p) => ({
        partitionErrorCode: p.errorCode,
        partitionId: p.partition,
        leader: p.leaderId,
        replicas: [...p.replicas],
        isr: [...p.isr],
        offlineReplicas: [...p.offlineReplicas],
      }))
    } catch (err) {
      throw this.#sendError(err)
    }
  }

  #maxInFlight(): number {
    const n = this.#config.maxInFlightRequests
    return n === undefined || n === null || n < 1 ? 5 : n
  }

  /** Native settings every producer of this layer shares. */
  #nativeOptions(): ProducerOptions {
    const c = this.#config
    return {
      ...this.#common!,
      [SHARED_CLUSTER]: this.#shared,
      [PRODUCE_RESPONSE_LISTENER]: this.#onAcknowledged,
      // kafkajs sends at once; records of one send() still share a batch (they are appended together).
      lingerMs: 0,
      // kafkajs sends each call's messages as one request per broker, however many: batches just
      // under the 1 MiB request limit come close (the 16 KB default made a sendBatch of 1,000 × 1 KB
      // records 63 requests, 4× slower; 256 KB still four, and with maxInFlightRequests 1 four round
      // trips: 1 MB batches took P3 from 120–135k to 155–186k records/s and P5 from 133k to 196k,
      // alternating A/B, docs/performance.md), with the memory budget raised to match.
      batchSize: 1_000_000,
      bufferMemory: 67_108_864,
      maxInFlightRequestsPerConnection: Math.min(this.#maxInFlight(), 5),
      ...(c.retry?.retries === undefined ? {} : { retries: Math.max(0, Math.min(c.retry.retries, 2147483647)) }),
    } as ProducerOptions
  }

  #native(acks: number, codec: NonNullable<ProducerOptions['compressionType']>, ackTimeoutMs: number): NativeProducer {
    const key = `${acks}/${codec}/${ackTimeoutMs}`
    let p = this.#natives.get(key)
    if (p === undefined) {
      try {
        p = new NativeProducer({
          ...this.#nativeOptions(),
          [PRODUCE_ACK_TIMEOUT]: ackTimeoutMs,
          acks: acks as 0 | 1 | -1,
          compressionType: codec,
          ...(this.#config.idempotent ? { enableIdempotence: true } : {}),
        } as ProducerOptions)
      } catch (err) {
        throw toKafkaJSError(err)
      }
      this.#natives.set(key, p)
    }
    return p
  }

  #transactional(): NativeProducer {
    if (this.#txnProducer === undefined) {
      if (this.#shared === undefined) throw new KafkaJSError('The producer is disconnected')
      try {
        this.#txnProducer = new NativeProducer({
          ...this.#nativeOptions(),
          [PRODUCE_ACK_TIMEOUT]: DEFAULT_ACK_TIMEOUT_MS,
          acks: 'all',
          transactionalId: this.#config.transactionalId!,
          ...(this.#config.transactionTimeout === undefined
            ? {}
            : { transactionTimeoutMs: this.#config.transactionTimeout }),
        } as ProducerOptions)
      } catch (err) {
        throw toKafkaJSError(err)
      }
    }
    return this.#txnProducer
  }
}

function mergeTopics(topicMessages: TopicMessages[]): TopicMessages[] {
  const merged: TopicMessages[] = []
  for (const { topic, messages } of topicMessages) {
    const found = merged.find((m) => m.topic === topic)
    if (found) found.messages = [...found.messages, ...messages]
    else merged.push({ topic, messages })
  }
  return merged
}

interface NativeRecord {
  topic: string
  key: Buffer | string | null
  value: Buffer | string | null
  partition?: number
  timestamp?: number
  headers?: Record<string, Buffer | string | (Buffer | string)[]>
}

function toNativeRecord(topic: string, m: Message, partition: number | undefined | null): NativeRecord {
  const record: NativeRecord = { topic, key: m.key ?? null, value: m.value }
  if (partition !== undefined && partition !== null) record.partition = partition
  if (m.timestamp !== undefined && m.timestamp !== null) record.timestamp = Number(m.timestamp)
  if (m.headers) {
    let headers: NativeRecord['headers']
    for (const k in m.headers) {
      const v = m.headers[k]
      if (v === undefined) continue
      headers ??= {}
      headers[k] = v
    }
    if (headers) record.headers = headers
  }
  return record
}

/**
 * kafkajs's shape: one entry per (topic, partition), topics in send order, partitions ascending.
 * `logAppendTime` (the broker's, on a LogAppendTime topic, which kafka-wire also gives as the
 * records' timestamp) and `logStartOffset` come from the partition's latest response.
 */
function toRecordMetadata(
  merged: TopicMessages[],
  results: NativeRecordMetadata[],
  acknowledged: ReadonlyMap<string, Acknowledged>,
): RecordMetadata[] {
  const first = new Map<string, Map<number, NativeRecordMetadata>>()
  for (const { topic } of merged) first.set(topic, new Map())
  for (const r of results) {
    const partitions = first.get(r.topic)!
    const prev = partitions.get(r.partition)
    if (prev === undefined || r.offset < prev.offset) partitions.set(r.partition, r)
  }
  const out: RecordMetadata[] = []
  for (const [topic, partitions] of first) {
    for (const partition of [...partitions.keys()].sort((a, b) => a - b)) {
      const r = partitions.get(partition)!
      const ack = acknowledged.get(topicPartitionKey(topic, partition))
      out.push({
        topicName: topic,
        partition,
        errorCode: 0,
        baseOffset: String(r.offset),
        logAppendTime: ack === undefined || ack.logAppendTime < 0n ? '-1' : String(r.timestamp),
        logStartOffset: ack === undefined ? '-1' : String(ack.logStartOffset),
      })
    }
  }
  return out
}

/** kafkajs's name for the producer type. */
export type Producer = KafkaJSProducer

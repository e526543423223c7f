/**
 * The transactional half of the Producer: owns the TransactionManager and its loop, talks to the
 * cluster for them (coordinator lookup, transactional RPCs at the versions TV1/TV2 allow, the
 * finalized `transaction.version` feature from ApiVersions), and implements the public calls
 * (initTransactions … commitTransaction / abortTransaction / transaction()) on top of the
 * Producer's send path through `TransactionHost`.
 */
import type { Cluster } from '../../cluster/cluster.js'
import { type Clock, systemClock } from '../../internal/clock.js'
import { raceWith, withDeadline } from '../../internal/deadline.js'
import type { Log } from '../../internal/log.js'
import { Apis } from '../../protocol/index.js'
import type { TransactionalHooks } from '../producer-state.js'
import { IllegalStateError, TransactionAbortedError } from './errors.js'
import { TransactionLoop } from './loop.js'
import {
  TransactionManager,
  type TxnGroupMetadata,
  type TxnOffset,
  type TxnRequest,
  type TxnResponse,
  type TxnResult,
} from './transaction-manager.js'

export type TxnCluster = Pick<Cluster, 'findCoordinator' | 'invalidateCoordinator' | 'send' | 'sendAny'>

/** What the Producer provides. */
export interface TransactionHost {
  cluster: TxnCluster
  logger: Log
  maxBlockMs: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  requestTimeoutMs: number
  /** Time and timers (maxBlockMs waits, the loop's backoffs); the system clock by default. */
  clock?: Clock
  /** How long a finalized-feature reading stays fresh (metadataMaxAgeMs). */
  featureMaxAgeMs: number
  /** Stamps new batches with this producer id and epoch. */
  setProducerIdAndEpoch(producerId: bigint, epoch: number): void
  wakeSender(): void
  flush(): Promise<void>
  /** Batches not yet settled plus sends not yet appended. */
  incompleteBatches(): number
  /** Resolves when one of the incomplete batches settles (or soon, to re-check). */
  someBatchSettled(): Promise<void>
  /** Fails batches not on the wire and sends not yet appended. */
  dropUnsent(error: Error): void
}

/** Offsets as commitSync takes them: an array or Map of { topic, partition, offset, metadata? }. */
export type TransactionOffsetsInput =
  | Iterable<{
      topic: string
      partition: number
      offset: bigint | number
      metadata?: string | null
      leaderEpoch?: number | null
    }>
  | ReadonlyMap<
      unknown,
      {
        topic: string
        partition: number
        offset: bigint | number
        metadata?: string | null
        leaderEpoch?: number | null
      }
    >

export class ProducerTransactions {
  readonly manager: TransactionManager
  readonly #host: TransactionHost
  readonly #loop: TransactionLoop
  readonly #clock: Clock
  /** When the finalized features were last read; they are re-read at a boundary once stale. */
  #featuresReadAt = Number.NEGATIVE_INFINITY
  #featureRead: Promise<void> | undefined

  constructor(transactionalId: string, transactionTimeoutMs: number, host: TransactionHost) {
    this.#host = host
    this.#clock = host.clock ?? systemClock
    this.manager = new TransactionManager({
      transactionalId,
      transactionTimeoutMs,
      retryBackoffMs: host.retryBackoffMs,
      retryBackoffMaxMs: host.retryBackoffMaxMs,
      onProducerIdAndEpoch: (id, epoch) => host.setProducerIdAndEpoch(id, epoch),
    })
    this.#loop = new TransactionLoop(
      this.manager,
      {
        findCoordinator: (keyType, key) =>
          host.cluster.findCoordinator(keyType, key, { timeoutMs: host.requestTimeoutMs }),
        send: (request) => this.#send(request),
      },
      {
        clock: this.#clock,
        logger: host.logger,
        incompleteBatches: () => host.incompleteBatches(),
        onChange: () => {
          if (this.manager.dropsUnsentBatches) host.dropUnsent(this.#dropError())
          host.wakeSender()
        },
      },
    )
  }

  /** The ProducerState hooks. */
  readonly hooks: TransactionalHooks = {
    maySend: (topic, partition) => {
      const ok = this.manager.maybeAddPartition(topic, partition)
      if (!ok && this.manager.hasPendingPartitions) this.#loop.wakeup()
      return ok
    },
    epochBumpRequired: () => this.manager.requestEpochBump(),
  }

  /** The Produce version cap: TV1 must not let the leader add partitions implicitly (v12+). */
  maxProduceVersion(): number {
    return this.manager.transactionVersion === 2 ? 13 : 11
  }

  checkSend(): void {
    this.manager.checkSend()
  }

  async initTransactions(): Promise<void> {
    // The feature read counts against maxBlockMs too (a broker that accepts and never answers).
    const deadline = this.#clock.now() + this.#host.maxBlockMs
    await raceWith(
      this.#readFeatures(true),
      { deadline },
      `reading the finalized features for initTransactions() (maxBlockMs ${this.#host.maxBlockMs} ms)`,
    )
    const result = this.manager.initTransactions(this.#clock.now())
    this.#loop.wakeup()
    await result.await(Math.max(0, deadline - this.#clock.now()), this.#clock, 'initTransactions()')
  }

  beginTransaction(): void {
    this.manager.beginTransaction()
    // The transaction version is re-read in the background (commit/abort wait for that reading)
    // and applies from the next transaction.
    if (this.#featuresStale()) void this.#readFeatures(false)
  }

  async sendOffsetsToTransaction(offsets: TransactionOffsetsInput, group: TxnGroupMetadata): Promise<void> {
    if (group === null || typeof group !== 'object' || typeof group.groupId !== 'string' || group.groupId === '') {
      throw new TypeError('sendOffsetsToTransaction() needs consumer.groupMetadata() (with a groupId)')
    }
    const list = toOffsets(offsets)
    const result = this.manager.sendOffsetsToTransaction(
      list,
      {
        groupId: group.groupId,
        generationId: group.generationId ?? -1,
        memberId: group.memberId ?? '',
        groupInstanceId: group.groupInstanceId ?? null,
      },
      this.#clock.now(),
    )
    this.#loop.wakeup()
    await this.#await(result, 'sendOffsetsToTransaction()')
  }

  async commitTransaction(): Promise<void> {
    await this.#currentFeatures()
    const result = this.manager.beginCommit(this.#clock.now(), this.#host.incompleteBatches())
    this.#loop.wakeup()
    if (!result.done) {
      // EndTxn waits for every batch; flush sends the lingering ones now.
      const flushed = this.#host.flush().then(() => this.#loop.wakeup())
      flushed.catch(() => {})
    }
    await this.#await(result, 'commitTransaction()')
  }

  async abortTransaction(): Promise<void> {
    await this.#currentFeatures()
    const error = this.#dropError()
    const result = this.manager.beginAbort(this.#clock.now(), this.#host.incompleteBatches())
    // Unsent batches (and sends still waiting for metadata) fail at once, also when nothing had
    // started the transaction on the broker; EndTxn(abort) waits for the batches on the wire.
    this.#host.dropUnsent(error)
    if (!result.done) void this.#waitForBatches(result, error)
    this.#loop.wakeup()
    await this.#await(result, 'abortTransaction()')
  }

  /** begin, run, commit; abort (and rethrow) when `fn` or the commit throws. */
  async transaction<T>(fn: () => Promise<T> | T): Promise<T> {
    this.beginTransaction()
    let value: T
    try {
      value = await fn()
      await this.commitTransaction()
    } catch (err) {
      const state = this.manager.state
      if (state === 'IN_TRANSACTION' || state === 'ABORTABLE_ERROR') {
        try {
          await this.abortTransaction()
        } catch (abortErr) {
          this.#host.logger.warn({ err: abortErr }, 'kafka-wire producer: abort after a failed transaction failed')
        }
      }
      throw err
    }
    return value
  }

  close(error: Error): void {
    this.manager.close(error)
    this.#loop.stop()
  }

  // --- plumbing -------------------------------------------------------------------------------

  /** What unsent records fail with: the abortable error that doomed the transaction, or TransactionAbortedError. */
  #dropError(): Error {
    const last = this.manager.lastError
    return this.manager.state === 'ABORTABLE_ERROR' && last !== undefined
      ? last
      : new TransactionAbortedError('The transaction was aborted before the record was sent')
  }

  /** While aborting: drop what gets re-queued (retries), wake the loop as batches settle. */
  async #waitForBatches(result: TxnResult, error: Error): Promise<void> {
    while (!result.done && this.#host.incompleteBatches() > 0) {
      this.#host.dropUnsent(error)
      await this.#host.someBatchSettled()
      this.#loop.wakeup()
    }
    this.#loop.wakeup()
  }

  /**
   * Waits for a result up to maxBlockMs (Java's `result.await(maxBlockTimeMs)`): a TimeoutError
   * leaves the request going and the call pending, to be retried as itself (transaction-manager.ts).
   */
  #await(result: TxnResult, call: string): Promise<void> {
    return result.await(this.#host.maxBlockMs, this.#clock, call)
  }

  #featuresStale(): boolean {
    return this.#clock.now() - this.#featuresReadAt > this.#host.featureMaxAgeMs
  }

  /**
   * Before a transaction ends (Java re-checks the finalized features at beginCommit/beginAbort):
   * waits for the reading in flight, or takes a new one when stale, at most maxBlockMs; a failed or
   * slow reading leaves the version as it was (the next transaction boundary tries again).
   */
  async #currentFeatures(): Promise<void> {
    if (this.#featureRead === undefined && !this.#featuresStale()) return
    if (this.manager.state !== 'IN_TRANSACTION' && this.manager.state !== 'ABORTABLE_ERROR') return
    await withDeadline(this.#readFeatures(false), this.#clock.now() + this.#host.maxBlockMs)
  }

  /** Reads the finalized `transaction.version` (ApiVersions v3+) from any broker. */
  #readFeatures(wait: boolean): Promise<void> {
    this.#featureRead ??= (async () => {
      try {
        const res = await this.#host.cluster.sendAny(
          Apis.ApiVersions,
          { clientSoftwareName: 'kafka-wire', clientSoftwareVersion: '0' },
          { timeoutMs: this.#host.requestTimeoutMs },
        )
        const level = res.finalizedFeatures?.find((f) => f.name === 'transaction.version')?.maxVersionLevel ?? 0
        this.manager.setFinalizedTransactionVersion(level)
        this.#featuresReadAt = this.#clock.now()
        this.#host.logger.debug(
          { transactionVersion: level },
          'kafka-wire producer: finalized transaction.version read',
        )
      } catch (err) {
        if (wait) throw err
        this.#host.logger.warn({ err }, 'kafka-wire producer: reading the finalized features failed')
      } finally {
        this.#featureRead = undefined
      }
    })()
    return this.#featureRead
  }

  async #send(request: Exclude<TxnRequest, { kind: 'FindCoordinator' }>): Promise<TxnResponse> {
    const cluster = this.#host.cluster
    const api = Apis[request.kind]
    // Cluster.send applies min(negotiated, maxVersion) (TV1 caps EndTxn, TxnOffsetCommit, Produce).
    const opts = {
      timeoutMs: this.#host.requestTimeoutMs,
      ...(Number.isFinite(request.maxVersion) ? { maxVersion: request.maxVersion } : {}),
    }
    return (await cluster.send(request.nodeId, api as any, request.body as any, opts)) as TxnResponse
  }
}

function toOffsets(input: TransactionOffsetsInput): TxnOffset[] {
  if (input === null || typeof input !== 'object') throw new TypeError('offsets must be an array or a Map')
  const values = input instanceof Map ? input.values() : (input as Iterable<never>)
  const out: TxnOffset[] = []
  for (const o of values as Iterable<{
    topic: string
    partition: number
    offset: bigint | number
    metadata?: string | null
    leaderEpoch?: number | null
  }>) {
    if (o === null || typeof o !== 'object' || typeof o.topic !== 'string' || !Number.isInteger(o.partition)) {
      throw new TypeError('each offset must be { topic: string, partition: number, offset: bigint | number }')
    }
    const offset = typeof o.offset === 'bigint' ? o.offset : Number.isSafeInteger(o.offset) ? BigInt(o.offset) : null
    if (offset === null || offset < 0n)
      throw new RangeError(`invalid offset ${String(o.offset)} for ${o.topic}-${o.partition}`)
    out.push({
      topic: o.topic,
      partition: o.partition,
      offset,
      metadata: o.metadata ?? null,
      ...(typeof o.leaderEpoch === 'number' ? { leaderEpoch: o.leaderEpoch } : {}),
    })
  }
  return out
}

export { IllegalStateError }

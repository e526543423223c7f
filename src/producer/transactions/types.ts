/**
 * The transaction manager's vocabulary: states and their valid transitions, the requests it plans
 * and the responses it takes, the result of a blocking call, and the error-code groups its
 * handlers share (transaction-manager.ts is the state machine itself).
 */
import { ErrorCode } from '../../error-codes.js'
import { TimeoutError } from '../../errors.js'
import type { Clock } from '../../internal/clock.js'
import type { Apis, RequestOf, ResponseOf } from '../../protocol/index.js'
import { IllegalStateError } from './errors.js'

export type TransactionState =
  | 'UNINITIALIZED'
  | 'INITIALIZING'
  | 'READY'
  | 'IN_TRANSACTION'
  | 'COMMITTING_TRANSACTION'
  | 'ABORTING_TRANSACTION'
  | 'ABORTABLE_ERROR'
  | 'FATAL_ERROR'

/** Valid previous states per target state (Java's `isTransitionValid`; FATAL_ERROR from any). */
export const VALID_FROM: Record<Exclude<TransactionState, 'FATAL_ERROR'>, readonly TransactionState[]> = {
  UNINITIALIZED: [],
  INITIALIZING: ['UNINITIALIZED', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
  READY: ['INITIALIZING', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
  IN_TRANSACTION: ['READY'],
  COMMITTING_TRANSACTION: ['IN_TRANSACTION'],
  ABORTING_TRANSACTION: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
  ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING_TRANSACTION', 'ABORTABLE_ERROR'],
}

export type InitProducerIdBody = RequestOf<typeof Apis.InitProducerId>
export type AddPartitionsBody = RequestOf<typeof Apis.AddPartitionsToTxn>
export type AddOffsetsBody = RequestOf<typeof Apis.AddOffsetsToTxn>
export type TxnOffsetCommitBody = RequestOf<typeof Apis.TxnOffsetCommit>
export type EndTxnBody = RequestOf<typeof Apis.EndTxn>
export type DescribeTransactionsBody = RequestOf<typeof Apis.DescribeTransactions>
export interface TxnOffsetPartition {
  partitionIndex: number
  committedOffset: bigint
  committedLeaderEpoch: number
  committedMetadata: string | null
}

/** A request the caller must send; `maxVersion` caps the negotiated version (TV1 limits). */
export type TxnRequest =
  | { kind: 'FindCoordinator'; keyType: 'transaction' | 'group'; key: string }
  | { kind: 'InitProducerId'; nodeId: number; body: InitProducerIdBody; maxVersion: number }
  | { kind: 'AddPartitionsToTxn'; nodeId: number; body: AddPartitionsBody; maxVersion: number }
  | { kind: 'AddOffsetsToTxn'; nodeId: number; body: AddOffsetsBody; maxVersion: number }
  | { kind: 'TxnOffsetCommit'; nodeId: number; body: TxnOffsetCommitBody; maxVersion: number }
  | { kind: 'EndTxn'; nodeId: number; body: EndTxnBody; maxVersion: number }
  | { kind: 'DescribeTransactions'; nodeId: number; body: DescribeTransactionsBody; maxVersion: number }

export type TxnResponse =
  | ResponseOf<typeof Apis.InitProducerId>
  | ResponseOf<typeof Apis.AddPartitionsToTxn>
  | ResponseOf<typeof Apis.AddOffsetsToTxn>
  | ResponseOf<typeof Apis.TxnOffsetCommit>
  | ResponseOf<typeof Apis.EndTxn>
  | ResponseOf<typeof Apis.DescribeTransactions>

export interface TxnPoll {
  request: TxnRequest | undefined
  /** When to poll again at the latest (a backoff ends); Infinity: only a response or a call changes anything. */
  nextPollMs: number
}

/** Offsets as commitSync takes them: the next offset to read per partition. */
export interface TxnOffset {
  topic: string
  partition: number
  offset: bigint
  metadata?: string | null
  leaderEpoch?: number
}

/** consumer.groupMetadata(). */
export interface TxnGroupMetadata {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

export interface TransactionManagerOptions {
  transactionalId: string
  transactionTimeoutMs: number
  retryBackoffMs: number
  retryBackoffMaxMs?: number
  /** The backoff's jitter source (default Math.random), for tests. */
  random?: () => number
  /** A new producer id / epoch to stamp batches with (InitProducerId, TV2 EndTxn). */
  onProducerIdAndEpoch?: (producerId: bigint, epoch: number) => void
}

/**
 * The outcome of a blocking call (Java's TransactionalRequestResult). The request behind it goes
 * on after a wait for it timed out (`await`); until the application has seen the outcome (Java's
 * `isAcked`) the call is pending: only the same call may follow, and it waits for this result.
 */
export class TxnResult {
  readonly promise: Promise<void>
  done = false
  error: Error | undefined
  /** A wait timed out and no wait has seen the outcome since. */
  #unobserved = false
  #resolve!: () => void
  #reject!: (err: Error) => void
  constructor(readonly operation: 'initTransactions' | 'commitTransaction' | 'abortTransaction' | 'sendOffsets') {
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    this.promise.catch(() => {})
  }
  /** The application has seen the outcome: done, and not left behind by a timed-out wait. */
  get acked(): boolean {
    return this.done && !this.#unobserved
  }

  /**
   * Waits at most `timeoutMs` (maxBlockMs) on `clock`: the outcome, or a TimeoutError naming `call`
   * while the request goes on; calling `await` again (the retried call) waits for the same outcome.
   */
  await(timeoutMs: number, clock: Clock, call: string): Promise<void> {
    if (this.done) {
      this.#unobserved = false
      return this.promise
    }
    return new Promise<void>((resolve, reject) => {
      let waiting = true
      const timer = clock.setTimeout(() => {
        waiting = false
        this.#unobserved = true
        reject(
          new TimeoutError(
            `${call} did not complete within maxBlockMs (${timeoutMs} ms); it goes on in the background: call ${call} again to wait for its outcome`,
          ),
        )
      }, timeoutMs)
      const settle = (fn: () => void) => {
        if (!waiting) return
        waiting = false
        clock.clearTimeout(timer)
        this.#unobserved = false
        fn()
      }
      this.promise.then(
        () => settle(resolve),
        (err: Error) => settle(() => reject(err)),
      )
    })
  }

  resolve(): void {
    if (this.done) return
    this.done = true
    this.#resolve()
  }
  reject(err: Error): void {
    if (this.done) return
    this.done = true
    this.error = err
    this.#reject(err)
  }
}

/**
 * The last blocking call (init, commit, abort) until the application has seen its outcome
 * (`TxnResult.acked`), Java's pendingTransition: the same call retried gets the same result (also
 * one reached in the background after its wait timed out); any other call is refused until then.
 */
export class PendingCall {
  #result: TxnResult | undefined

  /** The unseen call, if any. */
  get call(): TxnResult | undefined {
    if (this.#result?.acked) this.#result = undefined
    return this.#result
  }

  set(result: TxnResult): void {
    this.#result = result
  }

  /** The pending result when `operation` is that call; undefined when none; throws for another call. */
  cached(operation: TxnResult['operation']): TxnResult | undefined {
    const p = this.call
    if (p === undefined || p.operation === operation) return p
    this.throwIfPending(`${operation}()`)
  }

  throwIfPending(operation: string): void {
    const p = this.call
    if (p === undefined) return
    throw new IllegalStateError(
      `Cannot call ${operation} because the previous call to ${p.operation}() has not completed or timed out: call ${p.operation}() again`,
    )
  }

  /** Fails the call (close, a fatal error) and forgets it: every later call throws on its own. */
  reject(error: Error): void {
    this.#result?.reject(error)
    this.#result = undefined
  }
}

export const COORDINATOR_MOVED: ReadonlySet<number> = new Set([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
])
export const RETRY_AFTER_BACKOFF: ReadonlySet<number> = new Set([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
])
export const FENCED: ReadonlySet<number> = new Set([ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH])

export function errorName(code: number): string {
  for (const [name, c] of Object.entries(ErrorCode)) if (c === code) return name
  return `error ${code}`
}

export function isRetriableTxnCode(code: number): boolean {
  return COORDINATOR_MOVED.has(code) || RETRY_AFTER_BACKOFF.has(code) || code === ErrorCode.REQUEST_TIMED_OUT
}

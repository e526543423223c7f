/**
 * The transactional producer's state machine (Java's TransactionManager), sans-IO: the caller
 * polls it with `now` for the next transactional request to send (one at a time, in priority
 * order), sends it, and feeds back the response, the error or the looked-up coordinator.
 *
 * States: UNINITIALIZED → INITIALIZING → READY → IN_TRANSACTION → COMMITTING_TRANSACTION /
 * ABORTING_TRANSACTION → READY, plus ABORTABLE_ERROR (only an abort may follow) and FATAL_ERROR
 * (the producer can only be closed). `beginTransaction()` is local; the RPCs are:
 * - FindCoordinator (key type 1 for the transactional id, 0 for a group of sendOffsets);
 * - InitProducerId (transactionalId, timeout; with the current id/epoch for a KIP-360 epoch bump);
 * - TV1 only: AddPartitionsToTxn (≤ v3) before a partition's first produce, AddOffsetsToTxn
 *   before TxnOffsetCommit; TV2 (KIP-890 part 2): Produce v12+ adds partitions implicitly;
 * - TxnOffsetCommit to the group coordinator (≤ v4 TV1, v5 TV2);
 * - EndTxn (≤ v4 TV1; v5 TV2, whose response carries the bumped epoch to adopt).
 *
 * EndTxn is held until no batch of the transaction is incomplete (commit flushes first, abort
 * first drops unsent batches and waits for the ones on the wire), and skipped when nothing
 * started the transaction. The transaction version (TV1/TV2) comes from the finalized
 * `transaction.version` feature, set through `setFinalizedTransactionVersion` and applied only
 * at a transaction boundary (initTransactions, the end of a transaction); the first switch from
 * TV1 to TV2 bumps the epoch before the next transaction (KIP-890, as Java's client).
 *
 * Error handling follows the tables in /work/shared notes §2.4 (Java 4.3.1): retriable errors
 * are retried here (CONCURRENT_TRANSACTIONS and COORDINATOR_LOAD_IN_PROGRESS with backoff,
 * NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE / transport errors with a new coordinator
 * lookup); the rest make the transaction abortable or the producer fatal.
 *
 * Beside it: request-queue.ts orders, schedules and routes the operations this module creates
 * (priority queue, in-flight request, coordinators); requests.ts maps per-partition bodies and
 * answers (AddPartitionsToTxn, TxnOffsetCommit) to and from the wire.
 */

import { ErrorCode } from '../../error-codes.js'
import { BrokerError, KafkaError } from '../../errors.js'
import { topicPartitionKey } from '../../internal/topic-partition.js'
import type { Apis, ResponseOf } from '../../protocol/index.js'
import { completionProbeOp } from './completion-probe.js'
import {
  IllegalStateError,
  ProducerFencedError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionFatalError,
} from './errors.js'
import { type Op, TxnRequestQueue } from './request-queue.js'
import { addPartitionsTopics, foldAddPartitions, foldTxnOffsetCommit, txnOffsetCommitTopics } from './requests.js'
import {
  COORDINATOR_MOVED,
  errorName,
  FENCED,
  PendingCall,
  RETRY_AFTER_BACKOFF,
  type TransactionManagerOptions,
  type TransactionState,
  type TxnGroupMetadata,
  type TxnOffset,
  type TxnPoll,
  type TxnRequest,
  type TxnResponse,
  TxnResult,
  VALID_FROM,
} from './types.js'

export type { TransactionState, TxnGroupMetadata, TxnOffset, TxnPoll, TxnRequest, TxnResponse }
export { TxnResult }

const TV1_CAPS = { addPartitions: 3, addOffsets: 4, txnOffsetCommit: 4, endTxn: 4 }
const ADD_PARTITIONS_RETRY_BACKOFF_MS = 20

export class TransactionManager {
  readonly transactionalId: string
  readonly #o: TransactionManagerOptions
  #state: TransactionState = 'UNINITIALIZED'
  #lastError: Error | undefined
  #producerId = -1n
  #epoch = -1
  /** 2 when TV2 is used for the current transaction. */
  #tv: 1 | 2 = 1
  #finalizedTv: 1 | 2 | undefined
  /** The queued operations, the one in flight and the coordinators (request-queue.ts). */
  readonly #requests: TxnRequestQueue
  /** The last blocking call until its outcome was seen: a timed-out call is retried as itself. */
  readonly #pending = new PendingCall()
  // Per transaction:
  readonly #partitionsInTxn = new Set<string>()
  readonly #pendingPartitions = new Map<string, { topic: string; partition: number }>()
  readonly #partitionsBeingAdded = new Set<string>()
  #transactionStarted = false
  #epochBumpRequired = false
  /** TV2: the previous transaction's markers may still be written (completion-probe.ts); 'off' after a refusal. */
  #probe: 'idle' | 'probing' | 'off' = 'idle'

  constructor(options: TransactionManagerOptions) {
    this.transactionalId = options.transactionalId
    this.#o = options
    this.#requests = new TxnRequestQueue(options.transactionalId, options)
  }

  get state(): TransactionState {
    return this.#state
  }
  get producerId(): bigint {
    return this.#producerId
  }
  get epoch(): number {
    return this.#epoch
  }
  /** The transaction version of the current (or next) transaction. */
  get transactionVersion(): 1 | 2 {
    return this.#tv
  }
  get lastError(): Error | undefined {
    return this.#lastError
  }
  /** Whether unsent batches must be dropped now (aborting, or an abortable error is pending). */
  get dropsUnsentBatches(): boolean {
    return this.#state === 'ABORTING_TRANSACTION' || this.#state === 'ABORTABLE_ERROR'
  }
  get isTransactionOpen(): boolean {
    return this.#state === 'IN_TRANSACTION'
  }

  /**
   * The finalized `transaction.version` from ApiVersions (v3+). Applied at initTransactions and when
   * a transaction ends (Java: at initTransactions and beginCommit/beginAbort, the EndTxn keeping the
   * version the transaction began with), so the change takes effect from the next transaction.
   */
  setFinalizedTransactionVersion(level: number): void {
    this.#finalizedTv = level >= 2 ? 2 : 1
  }

  // --- application calls ----------------------------------------------------------------------

  initTransactions(now: number): TxnResult {
    const cached = this.#pending.cached('initTransactions')
    if (cached !== undefined) return cached
    this.#throwIfFatal()
    if (this.#state !== 'UNINITIALIZED') throw new IllegalStateError(`initTransactions() in state ${this.#state}`)
    this.#applyTv()
    this.#transition('INITIALIZING')
    const result = new TxnResult('initTransactions')
    this.#pending.set(result)
    this.#requests.enqueue(this.#initProducerIdOp(result, false), now)
    return result
  }

  beginTransaction(): void {
    this.#pending.throwIfPending('beginTransaction()')
    this.#throwIfFatal()
    if (this.#state !== 'READY') {
      throw new IllegalStateError(
        this.#state === 'UNINITIALIZED' || this.#state === 'INITIALIZING'
          ? 'Call initTransactions() before beginTransaction()'
          : `beginTransaction() in state ${this.#state}: a transaction is already open`,
      )
    }
    this.#partitionsInTxn.clear()
    this.#pendingPartitions.clear()
    this.#partitionsBeingAdded.clear()
    this.#transactionStarted = false
    this.#transition('IN_TRANSACTION')
  }

  /** Throws unless records may be sent now (inside an open transaction). */
  checkSend(): void {
    this.#throwIfFatal()
    this.#pending.throwIfPending('send()')
    if (this.#state === 'ABORTABLE_ERROR') throw this.#abortableFor('send()')
    if (this.#state !== 'IN_TRANSACTION') {
      throw new IllegalStateError(`Cannot send in state ${this.#state}: call beginTransaction() first`)
    }
  }

  sendOffsetsToTransaction(offsets: readonly TxnOffset[], group: TxnGroupMetadata, now: number): TxnResult {
    this.#pending.throwIfPending('sendOffsetsToTransaction()')
    this.#throwIfFatal()
    if (this.#state === 'ABORTABLE_ERROR') throw this.#abortableFor('sendOffsetsToTransaction()')
    if (this.#state !== 'IN_TRANSACTION') {
      throw new IllegalStateError(`sendOffsetsToTransaction() in state ${this.#state}: no transaction is open`)
    }
    const result = new TxnResult('sendOffsets')
    this.#transactionStarted = true
    if (offsets.length === 0) {
      result.resolve()
      return result
    }
    if (this.#tv === 1) this.#requests.enqueue(this.#addOffsetsOp(result, offsets, group), now)
    else this.#requests.enqueue(this.#txnOffsetCommitOp(result, offsets, group), now)
    return result
  }

  /** Moves to COMMITTING_TRANSACTION; EndTxn(commit) goes once no batch is incomplete. */
  /**
   * `incompleteBatches`: records of the transaction not yet settled; the transaction may have
   * started on the broker once they are sent, so EndTxn is decided when they settled.
   */
  beginCommit(now: number, incompleteBatches = 0): TxnResult {
    const cached = this.#pending.cached('commitTransaction')
    if (cached !== undefined) return cached
    this.#throwIfFatal()
    if (this.#state === 'ABORTABLE_ERROR') throw this.#abortableFor('commitTransaction()')
    if (this.#state !== 'IN_TRANSACTION') {
      throw new IllegalStateError(`commitTransaction() in state ${this.#state}: no transaction is open`)
    }
    this.#transition('COMMITTING_TRANSACTION')
    return this.#beginEnd(true, now, incompleteBatches)
  }

  /** Moves to ABORTING_TRANSACTION; EndTxn(abort) goes once the batches on the wire settled. */
  beginAbort(now: number, incompleteBatches = 0): TxnResult {
    const cached = this.#pending.cached('abortTransaction')
    if (cached !== undefined) return cached
    this.#throwIfFatal()
    if (this.#state !== 'IN_TRANSACTION' && this.#state !== 'ABORTABLE_ERROR') {
      throw new IllegalStateError(`abortTransaction() in state ${this.#state}: no transaction is open`)
    }
    this.#transition('ABORTING_TRANSACTION')
    // Requests of the aborted transaction that have not gone out are dropped; the caller of one
    // on the wire (sendOffsetsToTransaction) learns now, its response is ignored.
    const aborted = new TransactionAbortedError('The transaction was aborted')
    this.#requests.rejectQueued(aborted)
    this.#requests.rejectInFlight(aborted)
    this.#pendingPartitions.clear()
    return this.#beginEnd(false, now, incompleteBatches)
  }

  // --- produce path hooks ---------------------------------------------------------------------

  /**
   * Whether a batch for this partition may be drained now. TV2: always inside the transaction
   * (the Produce adds it). TV1: once AddPartitionsToTxn added it; the first ask queues the add.
   */
  maybeAddPartition(topic: string, partition: number): boolean {
    if (this.#state !== 'IN_TRANSACTION' && this.#state !== 'COMMITTING_TRANSACTION') return false
    if (this.#tv === 2) {
      if (this.#probe === 'probing') return false // the previous transaction is still completing
      // A produce that fails may still have added the partition on the broker: the
      // transaction counts as started from the first attempt, so it is ended with an EndTxn.
      this.#transactionStarted = true
      return true
    }
    const key = topicPartitionKey(topic, partition)
    if (this.#partitionsInTxn.has(key)) return true
    if (!this.#partitionsBeingAdded.has(key)) this.#pendingPartitions.set(key, { topic, partition })
    return false
  }

  /** Partitions waiting for AddPartitionsToTxn (TV1). */
  get hasPendingPartitions(): boolean {
    return this.#pendingPartitions.size > 0 || this.#partitionsBeingAdded.size > 0
  }

  /** A sequenced batch failed for good: the partition's sequences need a new epoch. */
  requestEpochBump(): void {
    this.#epochBumpRequired = true
  }

  /** A batch of the transaction failed for good. */
  onBatchFailed(error: Error): void {
    if (error instanceof TransactionAbortedError) return
    if (this.#state !== 'IN_TRANSACTION' && this.#state !== 'COMMITTING_TRANSACTION') return
    const code = error instanceof BrokerError ? error.errorCode : undefined
    if (code === ErrorCode.PRODUCER_FENCED || (code === ErrorCode.INVALID_PRODUCER_EPOCH && this.#tv === 2)) {
      // Under TV2 every transaction bumps the epoch: a produce with a stale epoch means a newer
      // instance (or the coordinator's timeout abort) fenced this one.
      this.#fatal(new ProducerFencedError(`The producer was fenced: ${error.message}`, { cause: error }))
    } else if (
      code === ErrorCode.INVALID_PRODUCER_ID_MAPPING ||
      code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
      code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED
    ) {
      this.#fatal(
        new TransactionFatalError(`A transactional produce failed: ${error.message}`, 'fatal', { cause: error }),
      )
    } else {
      this.#abortable(
        new TransactionAbortableError(`A record of the transaction failed: ${error.message}`, { cause: error }),
      )
    }
  }

  /** The producer closed: pending calls fail. */
  close(error: Error): void {
    this.#requests.rejectQueued(error)
    this.#pending.reject(error)
  }

  // --- driver interface -----------------------------------------------------------------------

  poll(now: number, incompleteBatches: number): TxnPoll {
    if (this.#requests.hasInFlight) return { request: undefined, nextPollMs: Number.POSITIVE_INFINITY }
    if (this.#tv === 1 && this.#pendingPartitions.size > 0 && !this.#requests.has('AddPartitionsToTxn')) {
      this.#requests.enqueue(this.#addPartitionsOp(), now)
    }
    return this.#requests.next(now, incompleteBatches)
  }

  /** FindCoordinator answered. */
  onCoordinator(request: TxnRequest, nodeId: number): void {
    this.#requests.onCoordinator(request, nodeId)
  }

  onResponse(request: TxnRequest, response: TxnResponse, now: number): void {
    const inFlight = this.#requests.settle(request)
    if (inFlight === null) return
    // After a fatal error nothing moves any more (its callers were failed already).
    if (this.#state === 'FATAL_ERROR') return
    inFlight.op?.handle(response, now)
  }

  /** The request failed as a whole (transport error, timeout): look the coordinator up again and retry. */
  onError(request: TxnRequest, error: unknown, now: number): void {
    const inFlight = this.#requests.settle(request)
    if (inFlight === null) return
    const err = error instanceof Error ? error : new KafkaError(String(error))
    if (request.kind === 'FindCoordinator') {
      // The cluster retried until its deadline; try again after a backoff, failing only on fatal errors.
      if (err instanceof KafkaError && !err.retriable) {
        this.#fatal(new TransactionFatalError(`FindCoordinator failed: ${err.message}`, 'fatal', { cause: err }))
        return
      }
      this.#requests.delayAll(now + this.#o.retryBackoffMs)
      return
    }
    const op = inFlight.op!
    this.#requests.forgetCoordinator(op)
    if (op.onError) op.onError()
    else this.#requests.retry(op, now, this.#o.retryBackoffMs)
  }

  // --- operations -----------------------------------------------------------------------------

  #initProducerIdOp(result: TxnResult, bump: boolean): Op {
    const op: Op = {
      kind: 'InitProducerId',
      coordinator: 'transaction',
      result,
      retryAt: 0,
      attempts: 0,
      build: (nodeId) => ({
        kind: 'InitProducerId',
        nodeId,
        maxVersion: Number.POSITIVE_INFINITY,
        body: {
          transactionalId: this.transactionalId,
          transactionTimeoutMs: this.#o.transactionTimeoutMs,
          producerId: bump ? this.#producerId : -1n,
          producerEpoch: bump ? this.#epoch : -1,
        },
      }),
      handle: (res, now) => {
        const r = res as ResponseOf<typeof Apis.InitProducerId>
        if (r.errorCode === ErrorCode.NONE) {
          this.#epochBumpRequired = false
          this.#setProducerIdAndEpoch(r.producerId, r.producerEpoch)
          this.#transition('READY')
          this.#complete(result)
          return
        }
        this.#handleCommonError(op, r.errorCode, now, 'InitProducerId')
      },
    }
    return op
  }

  #addPartitionsOp(): Op {
    const op: Op = {
      kind: 'AddPartitionsToTxn',
      coordinator: 'transaction',
      retryAt: 0,
      attempts: 0,
      build: (nodeId) => {
        // Everything asked for so far goes in this request.
        for (const [key] of this.#pendingPartitions) this.#partitionsBeingAdded.add(key)
        this.#pendingPartitions.clear()
        return {
          kind: 'AddPartitionsToTxn',
          nodeId,
          maxVersion: TV1_CAPS.addPartitions,
          body: {
            v3AndBelowTransactionalId: this.transactionalId,
            v3AndBelowProducerId: this.#producerId,
            v3AndBelowProducerEpoch: this.#epoch,
            v3AndBelowTopics: addPartitionsTopics(this.#partitionsBeingAdded),
          },
        }
      },
      handle: (res, now) => {
        if (this.#state !== 'IN_TRANSACTION' && this.#state !== 'COMMITTING_TRANSACTION') return
        const { worst, added } = foldAddPartitions(res as ResponseOf<typeof Apis.AddPartitionsToTxn>)
        if (worst === ErrorCode.NONE) {
          for (const key of this.#partitionsBeingAdded) this.#partitionsInTxn.add(key)
          this.#partitionsBeingAdded.clear()
          this.#transactionStarted = true
          return
        }
        for (const key of added) {
          this.#partitionsInTxn.add(key)
          this.#partitionsBeingAdded.delete(key)
        }
        if (worst === ErrorCode.CONCURRENT_TRANSACTIONS) {
          // The previous transaction is still completing: retry soon (Java's 20 ms when nothing is in yet).
          this.#requests.retry(
            op,
            now,
            this.#partitionsInTxn.size === 0 ? ADD_PARTITIONS_RETRY_BACKOFF_MS : this.#o.retryBackoffMs,
          )
          return
        }
        if (
          worst === ErrorCode.TOPIC_AUTHORIZATION_FAILED ||
          worst === ErrorCode.OPERATION_NOT_ATTEMPTED ||
          worst === ErrorCode.TRANSACTION_ABORTABLE ||
          worst === ErrorCode.UNKNOWN_PRODUCER_ID
        ) {
          this.#abortable(new TransactionAbortableError(`AddPartitionsToTxn failed: ${errorName(worst)}`))
          return
        }
        this.#handleCommonError(op, worst, now, 'AddPartitionsToTxn')
      },
    }
    return op
  }

  #addOffsetsOp(result: TxnResult, offsets: readonly TxnOffset[], group: TxnGroupMetadata): Op {
    const op: Op = {
      kind: 'AddOffsetsToTxn',
      coordinator: 'transaction',
      result,
      retryAt: 0,
      attempts: 0,
      build: (nodeId) => ({
        kind: 'AddOffsetsToTxn',
        nodeId,
        maxVersion: TV1_CAPS.addOffsets,
        body: {
          transactionalId: this.transactionalId,
          producerId: this.#producerId,
          producerEpoch: this.#epoch,
          groupId: group.groupId,
        },
      }),
      handle: (res, now) => {
        if (this.#state !== 'IN_TRANSACTION') return
        const code = (res as ResponseOf<typeof Apis.AddOffsetsToTxn>).errorCode
        if (code === ErrorCode.NONE) {
          this.#requests.enqueue(this.#txnOffsetCommitOp(result, offsets, group), now)
          return
        }
        if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED || code === ErrorCode.TRANSACTION_ABORTABLE) {
          this.#abortable(new TransactionAbortableError(`AddOffsetsToTxn failed: ${errorName(code)}`), result)
          return
        }
        this.#handleCommonError(op, code, now, 'AddOffsetsToTxn')
      },
    }
    return op
  }

  #txnOffsetCommitOp(result: TxnResult, offsets: readonly TxnOffset[], group: TxnGroupMetadata): Op {
    let remaining = [...offsets]
    const op: Op = {
      kind: 'TxnOffsetCommit',
      coordinator: 'group',
      groupId: group.groupId,
      result,
      retryAt: 0,
      attempts: 0,
      // TV2: the group coordinator adds __consumer_offsets to the transaction, which fails with
      // CONCURRENT_TRANSACTIONS (a retry after retryBackoffMs) while the previous one completes.
      heldBack: () => this.#probe === 'probing',
      build: (nodeId) => ({
        kind: 'TxnOffsetCommit',
        nodeId,
        maxVersion: this.#tv === 2 ? 5 : TV1_CAPS.txnOffsetCommit,
        body: {
          transactionalId: this.transactionalId,
          groupId: group.groupId,
          producerId: this.#producerId,
          producerEpoch: this.#epoch,
          generationIdOrMemberEpoch: group.generationId,
          memberId: group.memberId,
          groupInstanceId: group.groupInstanceId,
          topics: txnOffsetCommitTopics(remaining),
        },
      }),
      handle: (res, now) => {
        if (this.#state !== 'IN_TRANSACTION') return
        const { worst, retry } = foldTxnOffsetCommit(res as ResponseOf<typeof Apis.TxnOffsetCommit>, remaining)
        if (worst === ErrorCode.NONE) {
          this.#complete(result)
          return
        }
        remaining = retry
        if (
          worst === ErrorCode.UNKNOWN_MEMBER_ID ||
          worst === ErrorCode.ILLEGAL_GENERATION ||
          worst === ErrorCode.FENCED_INSTANCE_ID ||
          worst === ErrorCode.GROUP_AUTHORIZATION_FAILED ||
          worst === ErrorCode.TRANSACTION_ABORTABLE
        ) {
          // The consumer's generation moved on (a rebalance): its partitions may belong to
          // another member now, so this transaction must not commit (KIP-447).
          this.#abortable(
            new TransactionAbortableError(
              `TxnOffsetCommit for group ${group.groupId} failed: ${errorName(worst)} (group metadata mismatch)`,
            ),
            result,
          )
          return
        }
        if (worst === ErrorCode.REQUEST_TIMED_OUT) {
          this.#requests.forgetGroupCoordinator(group.groupId)
          this.#requests.retry(op, now, this.#o.retryBackoffMs)
          return
        }
        this.#handleCommonError(op, worst, now, 'TxnOffsetCommit')
      },
    }
    return op
  }

  #beginEnd(commit: boolean, now: number, incompleteBatches: number): TxnResult {
    const result = new TxnResult(commit ? 'commitTransaction' : 'abortTransaction')
    this.#pending.set(result)
    // TV1: nothing added (and nothing being added) means the coordinator knows no transaction.
    // TV2: no produce was attempted and no offsets sent. Records still buffered may start it.
    const started = (): boolean => this.#transactionStarted || this.#partitionsBeingAdded.size > 0
    if (!started() && incompleteBatches === 0) {
      this.#afterEnd(result, now)
      return result
    }
    const op: Op = {
      skip: (now2) => {
        if (started()) return false
        this.#afterEnd(result, now2)
        return true
      },
      kind: 'EndTxn',
      coordinator: 'transaction',
      result,
      retryAt: 0,
      attempts: 0,
      waitForBatches: true,
      build: (nodeId) => ({
        kind: 'EndTxn',
        nodeId,
        maxVersion: this.#tv === 2 ? 5 : TV1_CAPS.endTxn,
        body: {
          transactionalId: this.transactionalId,
          producerId: this.#producerId,
          producerEpoch: this.#epoch,
          committed: commit,
        },
      }),
      handle: (res, now2) => {
        const r = res as ResponseOf<typeof Apis.EndTxn>
        const code = r.errorCode
        if (code === ErrorCode.NONE) {
          // TV2: the coordinator bumped the epoch (or gave a new id on overflow).
          if (this.#tv === 2 && r.producerId >= 0n && r.producerEpoch >= 0) {
            this.#setProducerIdAndEpoch(r.producerId, r.producerEpoch)
          }
          if (this.#tv === 2 && this.#probe === 'idle') this.#startProbe(now2)
          this.#afterEnd(result, now2)
          return
        }
        if (code === ErrorCode.TRANSACTION_ABORTABLE || code === ErrorCode.UNKNOWN_PRODUCER_ID) {
          if (commit) {
            this.#abortable(new TransactionAbortableError(`EndTxn(commit) failed: ${errorName(code)}`), result)
          } else {
            this.#fatal(new TransactionFatalError(`EndTxn(abort) failed: ${errorName(code)}`))
          }
          return
        }
        this.#handleCommonError(op, code, now2, 'EndTxn')
      },
    }
    this.#requests.enqueue(op, now)
    return result
  }

  /**
   * After EndTxn (or when none was needed): the next transaction's version, then READY, or an
   * epoch bump through InitProducerId (with the current id and epoch) first when
   * - a sequenced batch failed for good (KIP-360): under TV1, or under TV2 when no EndTxn bumped it;
   * - the finalized transaction.version went from 1 to 2 (Java's `clientSideEpochBumpRequired`):
   *   the transaction just ended under TV1, the next one starts TV2 on a fresh epoch, so that
   *   nothing of the TV1 transaction (its explicitly added partitions, a fenced epoch) carries
   *   over into a TV2 transaction whose partitions are added implicitly.
   */
  #afterEnd(result: TxnResult, now: number): void {
    const ended = this.#tv
    this.#applyTv()
    const upgraded = ended === 1 && this.#tv === 2
    if (upgraded || (this.#epochBumpRequired && (ended === 1 || !this.#transactionStarted))) {
      this.#transition('INITIALIZING')
      this.#requests.enqueue(this.#initProducerIdOp(result, true), now)
      return
    }
    this.#epochBumpRequired = false
    this.#transition('READY')
    this.#complete(result)
  }

  /** Error codes every transactional request handles the same way. */
  #handleCommonError(op: Op, code: number, now: number, api: string): void {
    if (COORDINATOR_MOVED.has(code)) {
      this.#requests.forgetCoordinator(op)
      this.#requests.retry(op, now, 0)
    } else if (RETRY_AFTER_BACKOFF.has(code)) {
      this.#requests.retry(op, now, this.#o.retryBackoffMs)
    } else if (FENCED.has(code)) {
      this.#fatal(
        new ProducerFencedError(
          `${api} failed with ${errorName(code)}: another producer with transactionalId ${this.transactionalId} ` +
            'has been started (or the transaction timed out and the coordinator bumped the epoch). Close this producer.',
        ),
      )
    } else if (
      code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
      code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED
    ) {
      this.#fatal(new TransactionFatalError(`${api} failed: ${errorName(code)}`, 'fatal'))
    } else {
      // INVALID_TXN_STATE, INVALID_PRODUCER_ID_MAPPING, INVALID_TRANSACTION_TIMEOUT, unknown codes.
      this.#fatal(new TransactionFatalError(`${api} failed: ${errorName(code)}`, 'fatal'))
    }
  }

  #startProbe(now: number): void {
    this.#probe = 'probing'
    const end = (to: 'idle' | 'off') => () => void (this.#probe = this.#probe === 'probing' ? to : this.#probe)
    const retry = (op: Op, at: number, delayMs: number) => this.#requests.retry(op, at, delayMs)
    const host = { transactionalId: this.transactionalId, done: end('idle'), disable: end('off'), retry }
    this.#requests.enqueue(completionProbeOp(host, now), now)
  }

  // --- helpers --------------------------------------------------------------------------------

  #setProducerIdAndEpoch(producerId: bigint, epoch: number): void {
    this.#producerId = producerId
    this.#epoch = epoch
    this.#o.onProducerIdAndEpoch?.(producerId, epoch)
  }

  #applyTv(): void {
    if (this.#finalizedTv !== undefined) this.#tv = this.#finalizedTv
  }

  #transition(to: Exclude<TransactionState, 'FATAL_ERROR'>): void {
    if (!VALID_FROM[to].includes(this.#state)) {
      // An invalid transition is a bug: poison the manager (KAFKA-14831) rather than continue.
      const err = new IllegalStateError(`Invalid transaction state transition ${this.#state} → ${to}`)
      this.#fatal(new TransactionFatalError(err.message, 'fatal', { cause: err }))
      throw err
    }
    this.#state = to
  }

  #complete(result: TxnResult): void {
    result.resolve() // #pending keeps it until the outcome is seen
  }

  #abortable(error: TransactionAbortableError, result?: TxnResult): void {
    if (this.#state === 'FATAL_ERROR') return
    this.#lastError = error
    if (this.#state !== 'ABORTING_TRANSACTION') this.#state = 'ABORTABLE_ERROR'
    this.#pendingPartitions.clear()
    this.#partitionsBeingAdded.clear()
    this.#requests.rejectQueued(error)
    result?.reject(error)
    this.#requests.rejectInFlight(error)
    // A commit in progress fails (a timed-out one stays pending: its retry throws this error).
    if (this.#pending.call?.operation === 'commitTransaction') this.#pending.call.reject(error)
  }

  #fatal(error: Error): void {
    this.#lastError = error
    this.#state = 'FATAL_ERROR'
    this.#requests.rejectInFlight(error)
    this.#requests.rejectQueued(error)
    this.#pending.reject(error)
  }

  #throwIfFatal(): void {
    if (this.#state === 'FATAL_ERROR') throw this.#lastError ?? new TransactionFatalError('The producer failed')
  }

  #abortableFor(call: string): Error {
    const last = this.#lastError
    return new TransactionAbortableError(
      `${call} is not allowed: the transaction must be aborted (${last?.message ?? 'abortable error'})`,
      { cause: last },
    )
  }
}

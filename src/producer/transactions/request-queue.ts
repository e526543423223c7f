/**
 * The transactional requests waiting to go out (Java's TransactionManager `pendingRequests`,
 * `inFlightRequest` and `lookupCoordinator`): a priority queue of operations, the one request in
 * flight, and the coordinators they go to (the transaction coordinator; one group coordinator per
 * group of sendOffsetsToTransaction). Owned by TransactionManager, which creates the operations
 * (what to send, how to handle the answer) and decides every state change; this module only
 * orders, schedules (the one backoff, internal/backoff.ts), routes and tracks them. Sans-IO like
 * its owner: `next(now, …)` picks the request to send, a FindCoordinator first when the
 * operation's coordinator is unknown.
 */
import { backoff } from '../../internal/backoff.js'
import type { TxnPoll, TxnRequest, TxnResponse, TxnResult } from './types.js'

/** Why a request is queued, in Java's priority order (lower first). */
const PRIORITY = {
  InitProducerId: 1,
  DescribeTransactions: 2,
  AddPartitionsToTxn: 2,
  AddOffsetsToTxn: 2,
  TxnOffsetCommit: 2,
  EndTxn: 3,
}

/** One transactional operation: what to send to its coordinator and how to handle the answer. */
export interface Op {
  kind: keyof typeof PRIORITY
  coordinator: 'transaction' | 'group'
  /** The group id for group-coordinator requests. */
  groupId?: string
  build(nodeId: number): TxnRequest
  handle(response: TxnResponse, now: number): void
  result?: TxnResult
  retryAt: number
  attempts: number
  /** EndTxn: wait until no batch is incomplete. */
  waitForBatches?: boolean
  /** Checked when the op is due: true completes it without a request. */
  skip?: (now: number) => boolean
  /** Checked when the op is due: true keeps it queued (looked at again at the next poll). */
  heldBack?: () => boolean
  /** A transport error ends the op instead of a retry (the TV2 completion probe). */
  onError?: () => void
  /**
   * Not part of the open transaction, so an abort or an abortable error does not drop it (the TV2
   * completion probe concerns the previous transaction; dropped, it would hold the next one's
   * partitions forever).
   */
  outlivesTransaction?: boolean
}

export class TxnRequestQueue {
  readonly #transactionalId: string
  readonly #retryBackoffMaxMs: number
  readonly #random: (() => number) | undefined
  #txnCoordinator: number | undefined
  readonly #groupCoordinators = new Map<string, number>()
  #queue: Op[] = []
  #inFlight: { request: TxnRequest; op: Op | undefined } | undefined

  constructor(transactionalId: string, options: { retryBackoffMaxMs?: number; random?: () => number }) {
    this.#transactionalId = transactionalId
    this.#retryBackoffMaxMs = options.retryBackoffMaxMs ?? 1000
    this.#random = options.random
  }

  get hasInFlight(): boolean {
    return this.#inFlight !== undefined
  }

  /** The operation whose request is on the wire (not for a FindCoordinator). */
  get inFlightOp(): Op | undefined {
    return this.#inFlight?.op
  }

  has(kind: Op['kind']): boolean {
    return this.#queue.some((o) => o.kind === kind)
  }

  /** Queues `op` behind the ones of equal or higher priority, due no sooner than `now`. */
  enqueue(op: Op, now: number): void {
    op.retryAt = Math.max(op.retryAt, now)
    const i = this.#queue.findIndex((o) => PRIORITY[o.kind] > PRIORITY[op.kind])
    if (i < 0) this.#queue.push(op)
    else this.#queue.splice(i, 0, op)
  }

  /** Queues `op` again after the exponential backoff from `delayMs` (0: at once). */
  retry(op: Op, now: number, delayMs: number): void {
    op.attempts++
    op.retryAt = now + backoff(op.attempts - 1, delayMs, this.#retryBackoffMaxMs, this.#random)
    this.enqueue(op, now)
  }

  /** Nothing queued is due before `untilMs` (FindCoordinator failed). */
  delayAll(untilMs: number): void {
    for (const op of this.#queue) op.retryAt = Math.max(op.retryAt, untilMs)
  }

  /** Rejects the callers of every queued operation of the transaction and drops them. */
  rejectQueued(error: Error): void {
    for (const op of this.#queue) if (!op.outlivesTransaction) op.result?.reject(error)
    this.#queue = this.#queue.filter((op) => op.outlivesTransaction)
  }

  /** Rejects the caller of the operation on the wire (its response will be ignored by its handler). */
  rejectInFlight(error: Error): void {
    this.#inFlight?.op?.result?.reject(error)
  }

  forgetCoordinator(op: Op): void {
    if (op.coordinator === 'transaction') this.#txnCoordinator = undefined
    else this.#groupCoordinators.delete(op.groupId!)
  }

  forgetGroupCoordinator(groupId: string): void {
    this.#groupCoordinators.delete(groupId)
  }

  /**
   * The request to send now: the first due operation in priority order (EndTxn not while batches
   * are incomplete), or a FindCoordinator for it; else when to look again.
   */
  next(now: number, incompleteBatches: number): TxnPoll {
    let nextPollMs = Number.POSITIVE_INFINITY
    for (const op of this.#queue) {
      if (op.waitForBatches && incompleteBatches > 0) continue
      if (op.heldBack?.()) continue
      if (op.retryAt > now) {
        if (op.retryAt < nextPollMs) nextPollMs = op.retryAt
        continue
      }
      if (op.skip?.(now)) {
        this.#queue.splice(this.#queue.indexOf(op), 1)
        return this.next(now, incompleteBatches)
      }
      const nodeId = op.coordinator === 'transaction' ? this.#txnCoordinator : this.#groupCoordinators.get(op.groupId!)
      const request: TxnRequest =
        nodeId === undefined
          ? { kind: 'FindCoordinator', keyType: op.coordinator, key: op.groupId ?? this.#transactionalId }
          : op.build(nodeId)
      this.#inFlight = { request, op: nodeId === undefined ? undefined : op }
      if (nodeId !== undefined) this.#queue.splice(this.#queue.indexOf(op), 1)
      return { request, nextPollMs }
    }
    return { request: undefined, nextPollMs }
  }

  /** FindCoordinator answered. */
  onCoordinator(request: TxnRequest, nodeId: number): void {
    if (this.#inFlight?.request !== request || request.kind !== 'FindCoordinator') return
    this.#inFlight = undefined
    if (request.keyType === 'transaction') this.#txnCoordinator = nodeId
    else this.#groupCoordinators.set(request.key, nodeId)
  }

  /**
   * `request` settled: the in-flight slot is free. Returns its operation (undefined for a
   * FindCoordinator), or null when `request` is not the one in flight (a stale answer).
   */
  settle(request: TxnRequest): { op: Op | undefined } | null {
    const inFlight = this.#inFlight
    if (inFlight?.request !== request) return null
    this.#inFlight = undefined
    return { op: inFlight.op }
  }
}

/**
 * One share session with one broker, sans-IO (KIP-932; Java's ShareSessionHandler): like a fetch
 * session (KIP-227), the broker remembers the partitions this member fetches from it, so each
 * request names only what changed. The epoch is 0 to open the session (the request lists every
 * partition), then increments with each request, ShareFetch or ShareAcknowledge alike (1 after
 * Int32 max), and -1 closes it. A request whose outcome is unknown (transport error, timeout) or
 * a session error from the broker starts over with epoch 0: the broker then drops the old session,
 * releasing whatever it had acquired for us.
 */
import { ErrorCode } from '../errors.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import type { SharePartition } from './acknowledgements.js'

/** Top-level errors after which the broker no longer has our share session. */
const SESSION_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.SHARE_SESSION_NOT_FOUND,
  ErrorCode.INVALID_SHARE_SESSION_EPOCH,
  ErrorCode.SHARE_SESSION_LIMIT_REACHED,
])

/** What the share consumer keeps per partition leader: its requests go one at a time. */
export interface LeaderState {
  readonly session: ShareSession
  /** Requests running or queued on this leader. */
  busy: number
  tail: Promise<void>
  /** Records fetched from this leader not handed out yet. */
  buffered: number
  failures: number
  backoffUntil: number
}

export function newLeaderState(nodeId: number): LeaderState {
  return {
    session: new ShareSession(nodeId),
    busy: 0,
    tail: Promise.resolve(),
    buffered: 0,
    failures: 0,
    backoffUntil: 0,
  }
}

/** Runs `fn` once the leader's earlier requests are done (a share session's epochs are sequential). */
export async function inTurn(leader: LeaderState, fn: () => Promise<void>): Promise<void> {
  leader.busy++
  const prev = leader.tail
  let release!: () => void
  leader.tail = new Promise<void>((r) => {
    release = r
  })
  try {
    await prev
    await fn()
  } finally {
    leader.busy--
    release()
  }
}

export const INITIAL_EPOCH = 0
export const FINAL_EPOCH = -1
const INT32_MAX = 2147483647

export function nextEpoch(epoch: number): number {
  if (epoch < 0) return INITIAL_EPOCH
  return epoch === INT32_MAX ? 1 : epoch + 1
}

/** What a ShareFetch request says about the session's partitions. */
export interface ShareFetchPlan {
  epoch: number
  /** Partitions to name in Topics: all of them on a new session, else only the added ones (+ those carrying acks). */
  added: SharePartition[]
  /** Partitions to remove from the session (ForgottenTopicsData). */
  forgotten: SharePartition[]
}

export class ShareSession {
  readonly nodeId: number
  #epoch = INITIAL_EPOCH
  /** Partitions the broker has in the session (as of the last successful request). */
  readonly #inSession = new Map<string, SharePartition>()

  constructor(nodeId: number) {
    this.nodeId = nodeId
  }

  get epoch(): number {
    return this.#epoch
  }

  /** True once a request opened the session (acknowledgements need an open session). */
  get isOpen(): boolean {
    return this.#epoch > INITIAL_EPOCH
  }

  has(p: SharePartition): boolean {
    return this.#inSession.has(topicPartitionKey(p.topic, p.partition))
  }

  /** The session's part of a ShareFetch that should fetch `wanted` (the partitions led by this broker). */
  planFetch(wanted: readonly SharePartition[]): ShareFetchPlan {
    const wantedKeys = new Set(wanted.map((p) => topicPartitionKey(p.topic, p.partition)))
    if (this.#epoch === INITIAL_EPOCH) return { epoch: INITIAL_EPOCH, added: [...wanted], forgotten: [] }
    const added = wanted.filter((p) => !this.#inSession.has(topicPartitionKey(p.topic, p.partition)))
    const forgotten = [...this.#inSession.entries()].filter(([k]) => !wantedKeys.has(k)).map(([, p]) => p)
    return { epoch: this.#epoch, added, forgotten }
  }

  /** The broker answered `plan` without a top-level error: the session now holds what it asked for. */
  fetchSucceeded(plan: ShareFetchPlan): void {
    if (plan.epoch === INITIAL_EPOCH) this.#inSession.clear()
    for (const p of plan.forgotten) this.#inSession.delete(topicPartitionKey(p.topic, p.partition))
    for (const p of plan.added) this.#inSession.set(topicPartitionKey(p.topic, p.partition), p)
    this.#epoch = nextEpoch(plan.epoch)
  }

  /** A ShareAcknowledge at `epoch` succeeded (it changes no partitions). */
  acknowledgeSucceeded(epoch: number): void {
    this.#epoch = nextEpoch(epoch)
  }

  /** A top-level error from the broker: starts over when it means the broker lost the session. */
  onError(errorCode: number): void {
    if (SESSION_ERRORS.has(errorCode)) this.reset()
  }

  /** The session is gone or its state unknown: the next request opens a new one. */
  reset(): void {
    this.#epoch = INITIAL_EPOCH
    this.#inSession.clear()
  }
}

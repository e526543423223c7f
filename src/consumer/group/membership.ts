/**
 * The contract between the Consumer and a group membership protocol. The classic protocol
 * (JoinGroup/SyncGroup/Heartbeat/LeaveGroup, classic.ts) implements it today; KIP-848's
 * ConsumerGroupHeartbeat protocol is meant to sit beside it behind the same interface: the
 * consumer only asks "make the member active", "what generation do commits carry", "rejoin",
 * "leave", and learns the assignment through SubscriptionState and the rebalance listener.
 */
import type { LogContext } from '../../internal/log.js'
import type { ConsumerGroupMetadata } from '../types.js'

export interface CommitGeneration {
  /** The generation id (classic) or member epoch (KIP-848) that fences commits. */
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

export interface GroupMembership {
  readonly groupId: string
  readonly protocol: 'classic' | 'consumer'
  /**
   * Runs at the start of every poll(): records the poll (maxPollIntervalMs), finds the coordinator,
   * joins/rejoins and runs the rebalance listener as needed. Listener callbacks are awaited (they are
   * not bounded by the deadline, as in Java). Resolves true when the member is stable with an
   * assignment, false when the deadline passed first (the join goes on; the next poll() picks it up).
   * Rejects with a fatal error (fenced instance, authorization, ...).
   */
  poll(deadline: number): Promise<boolean>
  /** The application called poll() (resets the maxPollIntervalMs clock). */
  notePoll(now: number): void
  /** Generation to put in an OffsetCommit; null when the member is (re)joining. */
  commitGeneration(): CommitGeneration | null
  readonly rebalanceInProgress: boolean
  /** Node id of the group coordinator, looking it up if needed. */
  coordinator(deadline: number, signal?: AbortSignal): Promise<number>
  markCoordinatorUnknown(reason: string): void
  /** A commit came back with a group error (generation fencing): updates the member's state. */
  onCommitError(errorCode: number, sent: CommitGeneration): void
  /** The subscription (topic set) changed: rejoin on the next poll. */
  requestRejoin(reason: string): void
  /** The leader checks that the metadata it assigned from is unchanged (partition counts). */
  checkMetadata(partitionCounts: ReadonlyMap<string, number>): void
  groupMetadata(): ConsumerGroupMetadata
  /** Revokes the assignment (listener) and leaves the group (dynamic members). Used by close() and unsubscribe(). */
  leave(reason: string, deadline: number): Promise<void>
  /** Stops heartbeats and releases resources; no network traffic. Idempotent. */
  close(): void
}

/** A log record's group context: the member's generation and id (the consumer binds the group id). */
export function memberContext(g: { generationId: number; memberId: string }, c: LogContext = {}): LogContext {
  return { generationId: g.generationId, memberId: g.memberId || undefined, ...c }
}

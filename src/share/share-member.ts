/**
 * A share group member as the heartbeat driver (consumer/group/member-heartbeat-driver.ts) runs it:
 * ShareHeartbeatState (heartbeat-state.ts) behind the same poll / onResponse / onFailure / handle
 * shape as KIP-848's ConsumerMember, so share heartbeats run on the heartbeat worker thread like the
 * other groups' (issue #21: an application that blocks its event loop keeps its place in the group).
 * What crosses the thread boundary (config, commands, notices) is structured-cloneable. Sans-IO,
 * driven with `now`; tested with plain numbers as time.
 */
import { ErrorCode } from '../errors.js'
import {
  type ShareHeartbeatRequestBody,
  type ShareHeartbeatResponseLike,
  ShareHeartbeatState,
  type TopicIdPartitions,
} from './heartbeat-state.js'

export interface ShareMemberConfig {
  groupId: string
  /** Chosen on the main thread (KIP-1082): ShareFetch and ShareAcknowledge carry it too. */
  memberId: string
  clientRack: string | null
  retryBackoffMs: number
}

/** What the main thread tells the member. */
export type ShareMemberCommand =
  /** Subscribe, or change the subscription (an empty one stops heartbeats); sent at once. */
  | { type: 'subscribe'; topics: string[] }
  /** Leave the group (epoch -1) once, then stop; answered by `left`. */
  | { type: 'leave' }

/** What the member tells the main thread. */
export type ShareMemberNotice =
  /** The coordinator sent an assignment (partitions by topic id); it applies at once. */
  | { type: 'assignment'; memberEpoch: number; assignment: TopicIdPartitions[] }
  /** UNKNOWN_MEMBER_ID / FENCED_MEMBER_EPOCH: the assignment is gone; the member rejoins with epoch 0. */
  | { type: 'fenced'; errorCode: number; message: string | null }
  /** NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE / a transport failure: find the coordinator again. */
  | { type: 'coordinator'; errorCode: number }
  /** Unrecoverable (authorization, an id that belongs to a consumer group, ...): poll() raises it. */
  | { type: 'fatal'; errorCode: number; message: string | null }
  /** The leave heartbeat was answered, failed, or was not needed. */
  | { type: 'left' }

export class ShareMember {
  readonly state: ShareHeartbeatState
  sent = 0
  received = 0
  #inFlight: ShareHeartbeatRequestBody | null = null
  #leaving: 'no' | 'due' | 'sent' | 'done' = 'no'

  constructor(config: ShareMemberConfig) {
    this.state = new ShareHeartbeatState(config.groupId, config.clientRack, config.retryBackoffMs, config.memberId)
  }

  handle(now: number, cmd: ShareMemberCommand): ShareMemberNotice[] {
    if (cmd.type === 'subscribe') {
      if (this.#leaving !== 'no') return []
      this.state.subscribe(cmd.topics, now)
      return []
    }
    if (this.#leaving !== 'no') return []
    // Nothing to leave when the coordinator never gave us an epoch and nothing is on the way.
    if (this.state.epoch <= 0 && this.#inFlight === null) {
      this.#leaving = 'done'
      return [{ type: 'left' }]
    }
    this.#leaving = 'due'
    return []
  }

  poll(
    now: number,
    _lastPollAt: number,
    coordinatorKnown: boolean,
  ): { request: ShareHeartbeatRequestBody | null; notices: ShareMemberNotice[]; nextWakeAt: number } {
    const s = this.state
    if (this.#leaving === 'due') {
      if (!coordinatorKnown) {
        this.#leaving = 'done'
        return { request: null, notices: [{ type: 'left' }], nextWakeAt: Number.POSITIVE_INFINITY }
      }
      // Sent even with a heartbeat in flight (its answer is then ignored), as ConsumerMember's leave.
      this.#leaving = 'sent'
      this.#inFlight = s.buildLeave()
      s.inFlight = true
      this.sent++
      return { request: this.#inFlight, notices: [], nextWakeAt: Number.POSITIVE_INFINITY }
    }
    if (this.#leaving !== 'no' || !coordinatorKnown || !s.due(now)) {
      // Without a coordinator nothing is scheduled: the driver ticks again when one is given.
      const idle =
        this.#leaving !== 'no' || !coordinatorKnown || s.inFlight || s.fatal !== null || s.subscription.length === 0
      return { request: null, notices: [], nextWakeAt: idle ? Number.POSITIVE_INFINITY : s.nextAt }
    }
    this.#inFlight = s.build()
    s.inFlight = true
    this.sent++
    return { request: this.#inFlight, notices: [], nextWakeAt: Number.POSITIVE_INFINITY }
  }

  onResponse(now: number, res: ShareHeartbeatResponseLike): ShareMemberNotice[] {
    const sent = this.#inFlight
    this.#inFlight = null
    if (sent === null) return []
    this.received++
    if (this.#leaving !== 'no') return this.#leftIfSent()
    switch (this.state.onResponse(sent, res, now)) {
      case 'assignment':
        return [{ type: 'assignment', memberEpoch: this.state.epoch, assignment: this.state.assignment }]
      case 'fenced':
        return [{ type: 'fenced', errorCode: res.errorCode, message: res.errorMessage }]
      case 'coordinator':
        return [{ type: 'coordinator', errorCode: res.errorCode }]
      case 'fatal':
        return [{ type: 'fatal', errorCode: res.errorCode, message: this.state.fatal?.message ?? res.errorMessage }]
      default:
        return []
    }
  }

  onFailure(now: number): ShareMemberNotice[] {
    const sent = this.#inFlight
    this.#inFlight = null
    if (sent === null) return []
    if (this.#leaving !== 'no') return this.#leftIfSent()
    this.state.onError(now)
    return [{ type: 'coordinator', errorCode: ErrorCode.NETWORK_EXCEPTION }]
  }

  #leftIfSent(): ShareMemberNotice[] {
    this.state.inFlight = false
    if (this.#leaving !== 'sent') return []
    this.#leaving = 'done'
    return [{ type: 'left' }]
  }
}

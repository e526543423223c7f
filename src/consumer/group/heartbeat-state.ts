/**
 * The heartbeat of one classic group member, as a sans-IO state machine (Java's Heartbeat plus the
 * decisions of AbstractCoordinator.HeartbeatThread). It runs inside the heartbeat worker thread
 * (heartbeat-worker.ts) and, with `heartbeatThread: false`, on the main thread
 * (heartbeat-service.ts); both drive it the same way:
 *
 *   const step = hb.poll(now, lastPollAt)   // → maybe a request to send, notices, next wake-up time
 *   ... send it ...; hb.onResponse(now, errorCode) / hb.onFailure(now)   // → maybe a notice
 *
 * Three clocks: the heartbeat interval (next heartbeat `heartbeatIntervalMs` after the last send),
 * the session (no successful heartbeat for `sessionTimeoutMs` → the coordinator is presumed gone),
 * and the poll interval (poll() not called for `maxPollIntervalMs` → leave the group: Java's
 * "consumer poll timeout has expired"). `lastPollAt` is read from memory the main thread writes, so
 * the poll clock keeps working while the main event loop is blocked.
 *
 * Time is wall-clock milliseconds (Date.now()): the worker and main threads have different
 * performance.timeOrigin, but share Date.
 */

import { ErrorCode } from '../../error-codes.js'

/** The error code of a coordinator notice that no response caused (session expiry, transport failure). */
export const NO_RESPONSE = ErrorCode.UNKNOWN_SERVER_ERROR

export interface MemberIdentity {
  groupId: string
  memberId: string
  generationId: number
  groupInstanceId: string | null
}

export interface HeartbeatConfig {
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
  retryBackoffMs: number
}

/** What the heartbeat tells the main side. The main side acts on it in its next poll(). */
export type HeartbeatNotice =
  /** The group is rebalancing: rejoin (keeping member id and generation). */
  | { type: 'rebalance'; generationId: number }
  /** The coordinator reported the member or generation unknown: rejoin from scratch; partitions are lost. */
  | { type: 'reset'; generationId: number; errorCode: number; resetMemberId: boolean }
  /** The coordinator moved or is unreachable: find it again. */
  | { type: 'coordinator'; generationId: number; errorCode: number }
  /** poll() was not called within maxPollIntervalMs: the member left (dynamic) or stopped heartbeating (static). */
  | { type: 'poll-timeout'; generationId: number; leaveSent: boolean }
  /** A fatal error (fenced static member, authorization): the consumer must fail. */
  | { type: 'fatal'; generationId: number; errorCode: number }

export type HeartbeatRequest =
  | { kind: 'heartbeat'; generationId: number }
  | { kind: 'leave'; generationId: number; reason: string }

export interface HeartbeatStep {
  request: HeartbeatRequest | null
  notices: HeartbeatNotice[]
  /** When to call poll() again at the latest (absolute ms); Infinity when stopped. */
  nextWakeAt: number
}

export class MemberHeartbeat {
  identity: MemberIdentity
  readonly config: HeartbeatConfig
  /** Not heartbeating (before start, after a fatal error, poll timeout, reset or coordinator loss). */
  stopped = true
  inFlight = false
  /** Generation of the heartbeat in flight; a response for an older generation is ignored. */
  #inFlightGeneration = -1
  #heartbeatDeadline = 0
  #sessionDeadline = 0
  /** A transport failure was reported since the last success (or start): report the next one no more. */
  #failureReported = false
  /** Counters for tests and diagnostics. */
  sent = 0
  received = 0

  constructor(identity: MemberIdentity, config: HeartbeatConfig) {
    this.identity = identity
    this.config = config
  }

  /** Starts (or restarts after a rejoin) heartbeating for a generation. The first heartbeat is one interval away. */
  start(identity: MemberIdentity, now: number): void {
    this.identity = identity
    this.stopped = false
    this.inFlight = false
    this.#failureReported = false
    this.#heartbeatDeadline = now + this.config.heartbeatIntervalMs
    this.#sessionDeadline = now + this.config.sessionTimeoutMs
  }

  stop(): void {
    this.stopped = true
  }

  /** Time-driven decisions. `lastPollAt` = when the application last called poll(). */
  poll(now: number, lastPollAt: number): HeartbeatStep {
    const notices: HeartbeatNotice[] = []
    if (this.stopped) return { request: null, notices, nextWakeAt: Number.POSITIVE_INFINITY }
    const generationId = this.identity.generationId
    const pollDeadline = lastPollAt + this.config.maxPollIntervalMs
    if (now >= pollDeadline) {
      this.stopped = true
      const dynamic = this.identity.groupInstanceId === null
      notices.push({ type: 'poll-timeout', generationId, leaveSent: dynamic })
      return {
        request: dynamic ? { kind: 'leave', generationId, reason: 'consumer poll timeout has expired' } : null,
        notices,
        nextWakeAt: Number.POSITIVE_INFINITY,
      }
    }
    if (now >= this.#sessionDeadline) {
      // No successful heartbeat within the session timeout: presume the coordinator dead (Java marks it unknown).
      this.stopped = true
      notices.push({ type: 'coordinator', generationId, errorCode: NO_RESPONSE })
      return { request: null, notices, nextWakeAt: Number.POSITIVE_INFINITY }
    }
    let request: HeartbeatRequest | null = null
    if (!this.inFlight && now >= this.#heartbeatDeadline) {
      request = { kind: 'heartbeat', generationId }
      this.inFlight = true
      this.#inFlightGeneration = generationId
      this.#heartbeatDeadline = now + this.config.heartbeatIntervalMs
      this.sent++
    }
    const next = Math.min(
      this.inFlight ? Number.POSITIVE_INFINITY : this.#heartbeatDeadline,
      this.#sessionDeadline,
      pollDeadline,
    )
    return { request, notices, nextWakeAt: this.inFlight ? Math.min(this.#sessionDeadline, pollDeadline) : next }
  }

  /** A Heartbeat response arrived. Returns a notice for the main side, if any. */
  onResponse(now: number, errorCode: number): HeartbeatNotice | null {
    this.inFlight = false
    if (this.stopped || this.#inFlightGeneration !== this.identity.generationId) return null
    const generationId = this.identity.generationId
    switch (errorCode) {
      case ErrorCode.NONE:
        this.received++
        this.#failureReported = false
        this.#sessionDeadline = now + this.config.sessionTimeoutMs
        return null
      case ErrorCode.REBALANCE_IN_PROGRESS:
        // Still a live member: keep heartbeating until the main side sends JoinGroup (and pauses us).
        this.received++
        this.#sessionDeadline = now + this.config.sessionTimeoutMs
        return { type: 'rebalance', generationId }
      case ErrorCode.ILLEGAL_GENERATION:
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.stopped = true
        return { type: 'reset', generationId, errorCode, resetMemberId: errorCode === ErrorCode.UNKNOWN_MEMBER_ID }
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        this.stopped = true
        return { type: 'coordinator', generationId, errorCode }
      case ErrorCode.FENCED_INSTANCE_ID:
      case ErrorCode.GROUP_AUTHORIZATION_FAILED:
        this.stopped = true
        return { type: 'fatal', generationId, errorCode }
      default:
        // COORDINATOR_LOAD_IN_PROGRESS and anything else: retry after the backoff.
        this.#heartbeatDeadline = now + this.config.retryBackoffMs
        return null
    }
  }

  /**
   * The request failed without a response (connection error, timeout): retry after the backoff.
   * The first failure after a success also returns a 'coordinator' notice: Java marks the
   * coordinator unknown on a disconnect and looks it up again at once, instead of waiting out the
   * session; the main side does that (and restarts heartbeats against whatever coordinator it
   * finds), while this keeps retrying meanwhile, so a blocked main thread loses nothing.
   */
  onFailure(now: number): HeartbeatNotice | null {
    this.inFlight = false
    this.#heartbeatDeadline = now + this.config.retryBackoffMs
    if (this.stopped || this.#inFlightGeneration !== this.identity.generationId || this.#failureReported) return null
    this.#failureReported = true
    return { type: 'coordinator', generationId: this.identity.generationId, errorCode: NO_RESPONSE }
  }

  get sessionDeadline(): number {
    return this.#sessionDeadline
  }
  get heartbeatDeadline(): number {
    return this.#heartbeatDeadline
  }
}

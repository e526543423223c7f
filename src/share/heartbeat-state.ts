/**
 * A share group member's heartbeat state, sans-IO (KIP-932; Java's ShareMembershipManager and
 * ShareHeartbeatRequestManager, reduced to what a share member needs): the member id (chosen by the
 * client), the member epoch, when the next ShareGroupHeartbeat is due and what it carries, and the
 * assignment (topic ids and partitions) the coordinator sent last. Unlike a consumer group member, a
 * share member never reports or revokes partitions: an assignment applies as soon as it arrives.
 * Driven with `now` by membership.ts; tested with plain numbers as time.
 */
import { randomBytes } from 'node:crypto'
import { brokerError, ErrorCode, type KafkaError } from '../errors.js'
import { Apis } from '../protocol/index.js'

/** Assignment as the coordinator sends it: partitions by topic id. */
export interface TopicIdPartitions {
  topicId: string
  partitions: number[]
}

export interface ShareHeartbeatRequestBody {
  groupId: string
  memberId: string
  memberEpoch: number
  rackId: string | null
  subscribedTopicNames: string[] | null
}

export interface ShareHeartbeatResponseLike {
  errorCode: number
  errorMessage: string | null
  memberId: string | null
  memberEpoch: number
  heartbeatIntervalMs: number
  assignment: { topicPartitions: readonly { topicId: string; partitions: readonly number[] }[] } | null
}

/** What a response meant for the driver. */
export type HeartbeatOutcome = 'ok' | 'assignment' | 'coordinator' | 'retry' | 'fenced' | 'fatal'

export const LEAVE_EPOCH = -1

export class ShareHeartbeatState {
  readonly groupId: string
  readonly memberId: string
  readonly #rack: string | null
  readonly #retryBackoffMs: number
  epoch = 0
  /** From the last response; until then heartbeats are sent as soon as due. */
  intervalMs = 0
  nextAt = 0
  inFlight = false
  /** The last assignment received (empty until the first one, and after being fenced). */
  assignment: TopicIdPartitions[] = []
  fatal: KafkaError | null = null
  #subscription: string[] = []
  /** Whether the coordinator has our subscription and rack (a full request is sent otherwise). */
  #fullSent = false

  constructor(groupId: string, rack: string | null, retryBackoffMs: number, memberId?: string) {
    this.groupId = groupId
    this.#rack = rack
    this.#retryBackoffMs = retryBackoffMs
    // KIP-1082: the client chooses its member id, a UUID kept for the consumer's lifetime.
    this.memberId = memberId ?? randomBytes(16).toString('base64url')
  }

  get subscription(): readonly string[] {
    return this.#subscription
  }

  /** A new subscription goes out with the next heartbeat, which is due now. */
  subscribe(topics: readonly string[], now: number): void {
    this.#subscription = [...new Set(topics)].sort()
    this.#fullSent = false
    this.nextAt = now
  }

  /** Whether a heartbeat should be sent now (a member with no subscription does not join). */
  due(now: number): boolean {
    return this.fatal === null && !this.inFlight && this.#subscription.length > 0 && now >= this.nextAt
  }

  /** The next heartbeat's body: subscription and rack only when the coordinator may not have them. */
  build(): ShareHeartbeatRequestBody {
    const full = !this.#fullSent || this.epoch === 0
    return {
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: this.epoch,
      rackId: full ? this.#rack : null,
      subscribedTopicNames: full ? [...this.#subscription] : null,
    }
  }

  /** The body that leaves the group (epoch -1). */
  buildLeave(): ShareHeartbeatRequestBody {
    return {
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: LEAVE_EPOCH,
      rackId: null,
      subscribedTopicNames: null,
    }
  }

  onResponse(sent: ShareHeartbeatRequestBody, res: ShareHeartbeatResponseLike, now: number): HeartbeatOutcome {
    this.inFlight = false
    const code = res.errorCode
    if (code === ErrorCode.NONE) {
      this.epoch = res.memberEpoch
      if (res.heartbeatIntervalMs > 0) this.intervalMs = res.heartbeatIntervalMs
      if (sent.subscribedTopicNames !== null) this.#fullSent = true
      this.nextAt = now + this.intervalMs
      if (res.assignment === null) return 'ok'
      this.assignment = res.assignment.topicPartitions.map((t) => ({
        topicId: t.topicId,
        partitions: [...t.partitions].sort((a, b) => a - b),
      }))
      return 'assignment'
    }
    this.#fullSent = false
    if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.FENCED_MEMBER_EPOCH) {
      // Our partitions went to others (their acquired records are released by the broker): rejoin now.
      this.epoch = 0
      this.assignment = []
      this.nextAt = now
      return 'fenced'
    }
    if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
      this.nextAt = now + this.#retryBackoffMs
      return 'coordinator'
    }
    if (code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || code === ErrorCode.REQUEST_TIMED_OUT) {
      this.nextAt = now + this.#retryBackoffMs
      return 'retry'
    }
    // GROUP_AUTHORIZATION_FAILED, INVALID_REQUEST, GROUP_MAX_SIZE_REACHED, UNSUPPORTED_VERSION,
    // INCONSISTENT_GROUP_PROTOCOL (the id belongs to a consumer group), ...: poll() raises it.
    this.fatal = brokerError(code, res.errorMessage, { apiKey: Apis.ShareGroupHeartbeat.apiKey })
    return 'fatal'
  }

  /** The request failed without a response (connection, timeout): try again after the backoff. */
  onError(now: number): void {
    this.inFlight = false
    this.#fullSent = false
    this.nextAt = now + this.#retryBackoffMs
  }
}

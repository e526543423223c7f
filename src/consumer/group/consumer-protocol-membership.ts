/**
 * KIP-848 'consumer' group protocol membership (Java's ConsumerMembershipManager, main-thread half).
 * The member's state machine (consumer-member.ts) runs in the heartbeat worker thread, which sends
 * ConsumerGroupHeartbeat on its own connection and posts notices here; this side does what involves
 * the application, in poll():
 *
 *   new target   → resolve topic ids to names (metadata) → revoked = owned − target: mark pending
 *                  revocation, auto-commit, onPartitionsRevoked (awaited) → assign the target,
 *                  onPartitionsAssigned (awaited) → `reconciled` to the worker, which acks it in its
 *                  next heartbeat. A newer target arriving meanwhile restarts from it.
 *   fenced/stale → onPartitionsLost, clear the assignment → `rejoin` (epoch 0, same member id).
 *   fatal        → onPartitionsLost, then poll() throws.
 *   leave        → onPartitionsRevoked (or Lost) → `leave` with epoch -1 (-2 for a static member).
 *
 * Member id: a UUID made here (KIP-1082), kept for the consumer's life. The member epoch is what
 * commits carry (OffsetCommit's GenerationIdOrMemberEpoch) and what groupMetadata() reports as generationId.
 */

import { randomUUID } from 'node:crypto'
import type { Cluster } from '../../cluster/index.js'
import { brokerError, ErrorCode, errorInfo, KafkaError } from '../../errors.js'
import { sleep, TIMED_OUT, withDeadline } from '../../internal/deadline.js'
import type { Log, LogContext } from '../../internal/log.js'
import { topicPartitionKey } from '../../internal/topic-partition.js'
import { Apis } from '../../protocol/index.js'
import type { TopicPartition } from '../assignors/types.js'
import { CommitFailedError } from '../errors.js'
import type { GroupSensors, HeartbeatStats } from '../metrics.js'
import type { ResolvedConsumerOptions } from '../options.js'
import type { SubscriptionState } from '../subscription-state.js'
import type { ConsumerGroupMetadata } from '../types.js'
import type { ClusterForGroup } from './classic.js'
import {
  CONSUMER_PROTOCOL_NOT_SUPPORTED,
  JOIN_EPOCH,
  LEAVE_EPOCH,
  type MemberNotice,
  STATIC_LEAVE_EPOCH,
  type TopicIdPartitions,
} from './consumer-member.js'
import { type ConsumerHeartbeatHandle, createConsumerHeartbeat } from './member-heartbeat-service.js'
import { type CommitGeneration, type GroupMembership, memberContext } from './membership.js'
import { invokeRebalanceListener, type ListenerCallback } from './rebalance-listener.js'

/** How often an assignment with topic ids the metadata does not know yet is looked at again. */
const UNRESOLVED_RECHECK_MS = 1000
/** How long close()/unsubscribe() wait at most for the leave heartbeat to be answered. */
const LEAVE_WAIT_MS = 5000

export type ClusterForConsumerGroup = ClusterForGroup & Pick<Cluster, 'topicById' | 'sendAny'>

export interface ConsumerProtocolMembershipContext {
  cluster: ClusterForConsumerGroup
  options: ResolvedConsumerOptions
  requestTimeoutMs: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  subscriptions: SubscriptionState
  /** Commits every consumed offset (auto-commit before a revocation); throws on failure. */
  beforeRebalance: () => Promise<void>
  /** Something changed that a waiting poll() should notice. */
  wake: () => void
  logger?: Log
  /** For tests: the heartbeat handle factory (default: the worker thread, or the in-process driver). */
  createHeartbeat?: typeof createConsumerHeartbeat
  /** rebalance-latency: from a new target assignment to its reconciliation (Java's RECONCILING → STABLE). */
  sensors?: GroupSensors
}

interface Target {
  joinId: number
  localEpoch: number
  target: TopicIdPartitions[]
}

export type ConsumerMemberMainState = 'UNSUBSCRIBED' | 'JOINING' | 'RECONCILING' | 'STABLE' | 'LOST' | 'FATAL'

export class ConsumerProtocolMembership implements GroupMembership {
  readonly protocol = 'consumer' as const
  readonly groupId: string
  /** KIP-1082: generated once, kept across fencing and rejoins. */
  readonly memberId = randomUUID()
  readonly #ctx: ConsumerProtocolMembershipContext
  readonly #instanceId: string | null
  readonly #heartbeat: ConsumerHeartbeatHandle
  #memberEpoch = JOIN_EPOCH
  /** A log record's group context: the member epoch as generationId, the member id. */
  readonly #at = (c?: LogContext) => memberContext({ generationId: this.#memberEpoch, memberId: this.memberId }, c)
  /** The subscription last sent to the worker (null: not subscribed there; the next poll() joins). */
  #sentSubscription: string | null = null
  /** A broker-side RE2J regex (subscribe({ pattern })), sent as SubscribedTopicRegex. */
  #regex: string | null = null
  #target: Target | null = null
  #reconciled: { joinId: number; localEpoch: number; complete: boolean } | null = null
  #nextUnresolvedCheck = 0
  #reconciling = false
  #lost: 'fenced' | 'stale' | null = null
  #fatal: Error | null = null
  #fatalLostDone = false
  #pendingError: Error | null = null
  #listenerError: unknown = null
  #coordinatorId: number | null = null
  #coordinatorLookup: Promise<number> | null = null
  /** The worker asked for the coordinator (it failed or moved): post it even if unchanged. */
  #pushCoordinator = true
  #leaveWaiters: Array<() => void> = []
  #closed = false
  readonly #abort = new AbortController()
  /** Topic names of ids learned from metadata (kept: a deleted topic's id may still be in a target). */
  readonly #topicNames = new Map<string, string>()
  /** Diagnostics: reconciliations completed by this member. */
  rebalances = 0

  constructor(ctx: ConsumerProtocolMembershipContext) {
    if (ctx.options.groupId === null) throw new KafkaError('groupId is required for group membership', 'ERR_CONFIG')
    this.#ctx = ctx
    this.groupId = ctx.options.groupId
    this.#instanceId = ctx.options.groupInstanceId
    const o = ctx.options
    this.#heartbeat = (ctx.createHeartbeat ?? createConsumerHeartbeat)({
      cluster: ctx.cluster as Cluster,
      config: {
        groupId: this.groupId,
        memberId: this.memberId,
        instanceId: this.#instanceId,
        rackId: o.clientRack,
        rebalanceTimeoutMs: o.maxPollIntervalMs,
        serverAssignor: o.groupRemoteAssignor,
        retryBackoffMs: ctx.retryBackoffMs,
        retryBackoffMaxMs: ctx.retryBackoffMaxMs,
      },
      onNotice: (n) => this.#onNotice(n),
      useThread: o.heartbeatThread,
      ...(ctx.logger ? { logger: ctx.logger } : {}),
    })
  }

  get memberEpoch(): number {
    return this.#memberEpoch
  }
  get heartbeatStats(): HeartbeatStats {
    return this.#heartbeat.stats
  }
  /** For Consumer.metrics: the member epoch stands for the generation. */
  get generation(): { generationId: number; memberId: string } {
    return { generationId: this.#memberEpoch, memberId: this.memberId }
  }
  get state(): ConsumerMemberMainState {
    if (this.#fatal !== null) return 'FATAL'
    if (this.#lost !== null) return 'LOST'
    if (this.#sentSubscription === null) return 'UNSUBSCRIBED'
    if (this.#memberEpoch === JOIN_EPOCH) return 'JOINING'
    return this.#reconciling || this.#needsReconcile() ? 'RECONCILING' : 'STABLE'
  }
  get rebalanceInProgress(): boolean {
    const s = this.state
    return s === 'JOINING' || s === 'RECONCILING' || s === 'LOST'
  }

  notePoll(now: number): void {
    this.#heartbeat.notePoll(now)
  }

  groupMetadata(): ConsumerGroupMetadata {
    const inGroup = this.#memberEpoch > JOIN_EPOCH
    return {
      groupId: this.groupId,
      generationId: inGroup ? this.#memberEpoch : -1,
      memberId: inGroup ? this.memberId : '',
      groupInstanceId: this.#instanceId,
    }
  }

  commitGeneration(): CommitGeneration | null {
    if (this.#memberEpoch <= JOIN_EPOCH || this.#lost !== null) return null
    return { generationId: this.#memberEpoch, memberId: this.memberId, groupInstanceId: this.#instanceId }
  }

  /** Broker-side regex subscription (SubscribedTopicRegex), or null to go back to topic names. */
  setRegex(regex: string | null): void {
    this.#regex = regex
    this.#ctx.wake()
  }

  requestRejoin(_reason: string): void {
    // The subscription changed: the next poll() sends it (a delta heartbeat), no rejoin needed.
    this.#ctx.wake()
  }

  checkMetadata(_partitionCounts: ReadonlyMap<string, number>): void {
    // The broker assigns: it notices partition count changes itself.
  }

  onCommitError(errorCode: number, sent: CommitGeneration): void {
    // STALE_MEMBER_EPOCH / UNKNOWN_MEMBER_ID: the heartbeat brings the new epoch or the fencing.
    if (errorCode === ErrorCode.FENCED_INSTANCE_ID && sent.generationId === this.#memberEpoch) {
      this.#fatal ??= brokerError(errorCode, `static member ${this.#instanceId} was fenced by another instance`)
    }
  }

  // -------------------------------------------------------------------------------------------
  // Coordinator

  async coordinator(deadline: number, signal?: AbortSignal): Promise<number> {
    for (;;) {
      if (this.#closed) throw new KafkaError('consumer closed', 'ERR_CLOSED')
      if (this.#coordinatorId !== null) {
        if (this.#pushCoordinator) this.#postCoordinator(this.#coordinatorId)
        return this.#coordinatorId
      }
      this.#coordinatorLookup ??= this.#ctx.cluster
        .findCoordinator('group', this.groupId, { signal: this.#abort.signal })
        .finally(() => {
          this.#coordinatorLookup = null
        })
      const lookup = this.#coordinatorLookup
      const id = await withDeadline(lookup, deadline)
      if (id === TIMED_OUT) {
        lookup.catch(() => {})
        throw new KafkaError(`Timed out finding the coordinator of group ${this.groupId}`, 'ERR_TIMEOUT', {
          retriable: true,
        })
      }
      if (signal?.aborted) throw signal.reason
      if (this.#coordinatorId === null) {
        this.#coordinatorId = id
        this.#pushCoordinator = true
      }
    }
  }

  #postCoordinator(id: number): void {
    this.#pushCoordinator = false
    this.#heartbeat.setCoordinator(id).catch((err) => {
      this.#pushCoordinator = true
      this.#ctx.logger?.warn(this.#at({ err }), 'kafka-wire group: cannot start heartbeats')
      if (err instanceof KafkaError && err.code === 'ERR_HEARTBEAT_WORKER_MISSING') {
        this.#fatal ??= err
        this.#ctx.wake()
      }
    })
  }

  markCoordinatorUnknown(reason: string): void {
    if (this.#coordinatorId === null) return
    this.#ctx.logger?.info(this.#at({ nodeId: this.#coordinatorId, reason }), 'kafka-wire group: coordinator lost')
    this.#coordinatorId = null
    this.#ctx.cluster.invalidateCoordinator('group', this.groupId)
  }

  /** Finds the coordinator again now (the main thread may not poll() for a while). */
  #relookupCoordinator(): void {
    this.markCoordinatorUnknown('the heartbeat failed or the coordinator moved')
    this.#pushCoordinator = true
    this.coordinator(Date.now() + this.#ctx.requestTimeoutMs).catch((err) =>
      this.#ctx.logger?.debug(this.#at({ err }), 'kafka-wire group: coordinator lookup failed'),
    )
  }

  // -------------------------------------------------------------------------------------------
  // Notices from the heartbeat worker (main thread, between other tasks)

  #onNotice(n: MemberNotice): void {
    if (this.#closed) return
    switch (n.type) {
      case 'epoch':
        this.#memberEpoch = n.memberEpoch
        break
      case 'assignment':
        this.#memberEpoch = n.memberEpoch
        this.#target = { joinId: n.joinId, localEpoch: n.localEpoch, target: n.target }
        this.#ctx.sensors?.rebalanceStarted(Date.now())
        break
      case 'fenced':
        this.#ctx.logger?.info(
          this.#at({ errorCode: errorName(n.errorCode), reason: n.message || undefined }),
          'kafka-wire group: member fenced; rejoining',
        )
        this.#memberEpoch = JOIN_EPOCH
        this.#target = null
        this.#lost = 'fenced'
        break
      case 'stale':
        this.#ctx.logger?.warn(
          this.#at({ maxPollIntervalMs: this.#ctx.options.maxPollIntervalMs, left: true }),
          'kafka-wire group: poll() not called within maxPollIntervalMs; the next poll() rejoins',
        )
        this.#memberEpoch = JOIN_EPOCH
        this.#target = null
        this.#lost = 'stale'
        break
      case 'coordinator':
        this.#relookupCoordinator()
        break
      case 'error':
        this.#pendingError = brokerError(n.errorCode, n.message ?? 'ConsumerGroupHeartbeat failed')
        break
      case 'fatal':
        this.#fatal ??= fatalError(n.errorCode, n.message, this.#ctx.options)
        break
      case 'left':
        for (const w of this.#leaveWaiters.splice(0)) w()
        break
    }
    this.#ctx.wake()
  }

  // -------------------------------------------------------------------------------------------
  // poll()

  async poll(deadline: number): Promise<boolean> {
    const subs = this.#ctx.subscriptions
    if (this.#fatal !== null) await this.#throwFatal()
    if (!subs.hasAutoAssignedPartitions || this.#closed) return true
    try {
      await this.coordinator(deadline)
    } catch (err) {
      if (err instanceof KafkaError && err.retriable) return false
      throw err
    }
    if (this.#lost !== null) {
      await this.#loseAll()
      this.#lost = null
      this.#reconciled = null
      this.#sendSubscription(true)
      this.#heartbeat.command({ type: 'rejoin' })
    } else {
      this.#sendSubscription(false)
    }
    await this.#maybeReconcile()
    if (this.#fatal !== null) await this.#throwFatal()
    const listenerError = this.#listenerError
    if (listenerError !== null) {
      this.#listenerError = null
      throw listenerError
    }
    const pending = this.#pendingError
    if (pending !== null) {
      this.#pendingError = null
      throw pending
    }
    return this.state === 'STABLE'
  }

  async #throwFatal(): Promise<never> {
    if (!this.#fatalLostDone) {
      this.#fatalLostDone = true
      await this.#loseAll()
    }
    throw this.#fatal
  }

  #sendSubscription(force: boolean): void {
    const subs = this.#ctx.subscriptions
    const subscription = {
      topicNames: this.#regex === null ? [...subs.subscription()].sort() : [],
      regex: this.#regex,
    }
    const key = JSON.stringify(subscription)
    if (!force && key === this.#sentSubscription) return
    this.#sentSubscription = key
    this.#heartbeat.command({ type: 'subscribe', subscription })
  }

  async #invokeListener(kind: ListenerCallback, tps: TopicPartition[]) {
    const err = await invokeRebalanceListener(
      this.#ctx.subscriptions,
      this.#ctx.logger?.child(this.#at()),
      this.groupId,
      kind,
      tps,
      this.#ctx.cluster,
    )
    if (err !== undefined) this.#listenerError ??= err
  }

  /** onPartitionsLost for everything owned, then an empty assignment. */
  async #loseAll(): Promise<void> {
    const subs = this.#ctx.subscriptions
    const owned = subs.assignedPartitions()
    if (owned.length === 0 || !subs.hasAutoAssignedPartitions) return
    subs.markPendingRevocation(owned)
    await this.#invokeListener('onPartitionsLost', owned)
    if (subs.hasAutoAssignedPartitions) subs.assignFromSubscribed([])
  }

  #needsReconcile(): boolean {
    const t = this.#target
    if (t === null) return false
    const r = this.#reconciled
    if (r === null || r.joinId !== t.joinId || r.localEpoch !== t.localEpoch) return true
    return !r.complete && Date.now() >= this.#nextUnresolvedCheck
  }

  async #maybeReconcile(): Promise<void> {
    if (this.#reconciling) return
    this.#reconciling = true
    try {
      while (this.#needsReconcile() && !this.#closed && this.#lost === null && this.#fatal === null) {
        await this.#reconcile(this.#target!)
      }
    } finally {
      this.#reconciling = false
    }
  }

  /** One reconciliation of `t` (returns early when a newer target, a fence or close interrupts it). */
  async #reconcile(t: Target): Promise<void> {
    const subs = this.#ctx.subscriptions
    const names = await this.#resolveTopicIds(t.target.map((x) => x.topicId))
    if (this.#target !== t) return
    const resolved: TopicPartition[] = []
    const ownedIds: TopicIdPartitions[] = []
    for (const x of t.target) {
      const topic = names.get(x.topicId)
      if (topic === undefined) continue
      ownedIds.push(x)
      for (const partition of x.partitions) resolved.push({ topic, partition })
    }
    const complete = ownedIds.length === t.target.length
    if (!complete) this.#nextUnresolvedCheck = Date.now() + UNRESOLVED_RECHECK_MS
    const owned = subs.assignedPartitions()
    const resolvedKeys = new Set(resolved.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
    const ownedKeys = new Set(owned.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
    const revoked = owned.filter((tp) => !resolvedKeys.has(topicPartitionKey(tp.topic, tp.partition)))
    const added = resolved.filter((tp) => !ownedKeys.has(topicPartitionKey(tp.topic, tp.partition)))
    if (revoked.length > 0) {
      // No more fetching for them, so the position cannot pass what the commit below records.
      subs.markPendingRevocation(revoked)
      if (this.#ctx.options.enableAutoCommit) await this.#commitBeforeRevocation()
      await this.#invokeListener('onPartitionsRevoked', revoked)
      if (!subs.hasAutoAssignedPartitions) return
      subs.assignFromSubscribed(owned.filter((tp) => resolvedKeys.has(topicPartitionKey(tp.topic, tp.partition))))
      // A newer target (or a fence) arrived meanwhile: start over from it.
      if (this.#target !== t || this.#lost !== null) return
    }
    subs.assignFromSubscribed(resolved)
    await this.#invokeListener('onPartitionsAssigned', added)
    this.rebalances++
    this.#ctx.sensors?.rebalanceCompleted(Date.now())
    this.#reconciled = { joinId: t.joinId, localEpoch: t.localEpoch, complete }
    this.#heartbeat.command({ type: 'reconciled', joinId: t.joinId, localEpoch: t.localEpoch, owned: ownedIds })
  }

  /**
   * Commits all consumed offsets before giving partitions up (Java's maybeAutoCommitSyncBeforeRebalance).
   * STALE_MEMBER_EPOCH is retried once the heartbeat brought a newer epoch; a failure is logged
   * and the reconciliation goes on.
   */
  async #commitBeforeRevocation(): Promise<void> {
    const deadline = Date.now() + Math.min(this.#ctx.options.maxPollIntervalMs, this.#ctx.options.defaultApiTimeoutMs)
    for (;;) {
      const epoch = this.#memberEpoch
      try {
        await this.#ctx.beforeRebalance()
        return
      } catch (err) {
        const stale =
          err instanceof CommitFailedError &&
          (err.cause as { errorCode?: number } | undefined)?.errorCode === ErrorCode.STALE_MEMBER_EPOCH
        if (stale && Date.now() < deadline && !this.#closed && this.#lost === null) {
          if (this.#memberEpoch === epoch) await sleep(this.#ctx.retryBackoffMs, this.#abort.signal).catch(() => {})
          continue
        }
        this.#ctx.logger?.warn(this.#at({ err }), 'kafka-wire group: auto-commit before the revocation failed')
        return
      }
    }
  }

  /** Topic names for ids: the metadata cache, the ids seen before, else a metadata request for all topics. */
  async #resolveTopicIds(ids: string[]): Promise<Map<string, string>> {
    const cluster = this.#ctx.cluster
    const out = new Map<string, string>()
    const unknown: string[] = []
    for (const id of ids) {
      const name = cluster.topicById(id)?.name ?? this.#topicNames.get(id)
      if (name !== undefined && name !== '') out.set(id, name)
      else unknown.push(id)
    }
    const learned: string[] = []
    if (unknown.length > 0) {
      try {
        const res = await cluster.sendAny(Apis.Metadata, { topics: null, allowAutoTopicCreation: false })
        const wanted = new Set(unknown)
        for (const t of res.topics) {
          if (t.name === null || t.errorCode !== ErrorCode.NONE) continue
          this.#topicNames.set(t.topicId, t.name)
          if (wanted.has(t.topicId)) {
            out.set(t.topicId, t.name)
            learned.push(t.name)
          }
        }
      } catch (err) {
        this.#ctx.logger?.debug(this.#at({ err }), 'kafka-wire group: resolving topic ids failed')
      }
    }
    // Track the assigned topics' metadata (leaders) from now on.
    if (learned.length > 0) await cluster.refreshMetadata({ topics: learned }).catch(() => {})
    return out
  }

  // -------------------------------------------------------------------------------------------
  // Leaving

  async leave(reason: string, deadline: number): Promise<void> {
    const subs = this.#ctx.subscriptions
    const owned = subs.assignedPartitions()
    if (owned.length > 0) {
      subs.markPendingRevocation(owned)
      const inGroup = this.#memberEpoch > JOIN_EPOCH && this.#lost === null && this.#fatal === null
      await this.#invokeListener(inGroup ? 'onPartitionsRevoked' : 'onPartitionsLost', owned)
      if (subs.hasAutoAssignedPartitions) subs.assignFromSubscribed([])
    }
    if (this.#sentSubscription !== null && this.#fatal === null) {
      this.#ctx.logger?.debug(this.#at({ reason }), 'kafka-wire group: leaving')
      const left = new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, Math.min(LEAVE_WAIT_MS, deadline - Date.now())))
        function done() {
          clearTimeout(timer)
          resolve()
        }
        this.#leaveWaiters.push(done)
      })
      this.#heartbeat.command({ type: 'leave', epoch: this.#instanceId === null ? LEAVE_EPOCH : STATIC_LEAVE_EPOCH })
      await left
    }
    this.#sentSubscription = null
    this.#memberEpoch = JOIN_EPOCH
    this.#target = null
    this.#reconciled = null
    this.#lost = null
    const err = this.#listenerError
    this.#listenerError = null
    if (err !== null && !reason.startsWith('the consumer is being closed')) throw err
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const w of this.#leaveWaiters.splice(0)) w()
    this.#abort.abort(new KafkaError('consumer closed', 'ERR_CLOSED'))
    this.#heartbeat.close()
  }
}

function errorName(code: number): string {
  return errorInfo(code).name
}

/** The error poll() throws for a fatal heartbeat error, with what to do about it. */
function fatalError(code: number, message: string | null, options: ResolvedConsumerOptions): Error {
  const broker = message ? ` (broker: ${message})` : ''
  switch (code) {
    case ErrorCode.UNSUPPORTED_VERSION:
      return brokerError(code, CONSUMER_PROTOCOL_NOT_SUPPORTED)
    case ErrorCode.UNSUPPORTED_ASSIGNOR:
      return brokerError(
        code,
        `groupRemoteAssignor '${options.groupRemoteAssignor}' is not one of the broker's group.consumer.assignors${broker}`,
      )
    case ErrorCode.UNRELEASED_INSTANCE_ID:
      return brokerError(
        code,
        `groupInstanceId '${options.groupInstanceId}' is still held by a member that did not leave; ` +
          `it is released when that member's session times out${broker}`,
      )
    case ErrorCode.GROUP_MAX_SIZE_REACHED:
      return brokerError(code, `group ${options.groupId} is full (group.consumer.max.size)${broker}`)
    case ErrorCode.INVALID_REGULAR_EXPRESSION:
      return brokerError(code, `the broker rejected the subscribed pattern (RE2J syntax)${broker}`)
    default:
      return brokerError(code, message ?? 'ConsumerGroupHeartbeat failed')
  }
}

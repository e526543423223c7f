/**
 * Classic consumer group membership (Java's AbstractCoordinator + ConsumerCoordinator, group side):
 * FindCoordinator, JoinGroup, SyncGroup, LeaveGroup on the main thread; Heartbeat on the heartbeat
 * thread (heartbeat-service.ts), whose notices land here and are acted on in the next poll().
 *
 * Rebalance flow, driven by poll():
 *   onJoinPrepare   (auto-commit, then eager: revoke everything; cooperative: revoke only topics no
 *                   longer subscribed; a lost generation: onPartitionsLost) — in poll(), awaited
 *   join attempt    (JoinGroup → leader assigns → SyncGroup) — a task that outlives a short poll():
 *                   the next poll() keeps waiting for the same attempt, as Java's join future
 *   onJoinComplete  (cooperative: revoke what moved away, then rejoin for round two; assign what
 *                   was added) — in poll(), awaited
 *
 * Invariants: after every await, `#closed`, `#generation` and `#state` are re-checked; a notice or
 * response for an older generation is ignored. Liveness never waits for the application: the
 * heartbeat runs on its own thread, including while listener callbacks run.
 */

import type { Cluster } from '../../cluster/index.js'
import { channels, clientIdOf, traced } from '../../diagnostics/index.js'
import { brokerError, ErrorCode, FencedInstanceIdError, KafkaError } from '../../errors.js'
import { sleep, TIMED_OUT, withDeadline } from '../../internal/deadline.js'
import type { Log, LogContext } from '../../internal/log.js'
import { topicPartitionKey } from '../../internal/topic-partition.js'
import { Apis } from '../../protocol/index.js'
import type { ConsumerPartitionAssignor, RebalanceProtocol, TopicPartition } from '../assignors/types.js'
import type { GroupSensors, HeartbeatStats } from '../metrics.js'
import type { ResolvedConsumerOptions } from '../options.js'
import type { SubscriptionState } from '../subscription-state.js'
import type { ConsumerGroupMetadata } from '../types.js'
import { assignedMetadataChange, performAssignment } from './classic-assignment.js'
import { decodeAssignment, encodeSubscription } from './consumer-protocol.js'
import { createHeartbeat, type HeartbeatHandle } from './heartbeat-service.js'
import type { HeartbeatNotice, MemberIdentity } from './heartbeat-state.js'
import { type CommitGeneration, type GroupMembership, memberContext } from './membership.js'
import { invokeRebalanceListener, type ListenerCallback } from './rebalance-listener.js'

/** JoinGroup may legitimately wait for the whole rebalance timeout; Java adds 5 s on top. */
const JOIN_GROUP_TIMEOUT_LAPSE_MS = 5000

export type MemberState = 'UNJOINED' | 'PREPARING_REBALANCE' | 'COMPLETING_REBALANCE' | 'STABLE'

interface Generation {
  generationId: number
  memberId: string
  protocolName: string | null
}

const NO_GENERATION: Generation = { generationId: -1, memberId: '', protocolName: null }

type JoinOutcome =
  | { kind: 'joined'; generation: Generation; assignment: Buffer; leaderAssignedTopics: Map<string, number> | null }
  | { kind: 'retry'; backoff: boolean; reason: string }
  | { kind: 'fatal'; error: Error }

export type ClusterForGroup = Pick<
  Cluster,
  'send' | 'findCoordinator' | 'invalidateCoordinator' | 'refreshMetadata' | 'topic' | 'brokers' | 'connectionOptions'
>

export interface ClassicMembershipContext {
  cluster: ClusterForGroup
  options: ResolvedConsumerOptions
  requestTimeoutMs: number
  retryBackoffMs: number
  subscriptions: SubscriptionState
  assignors: ConsumerPartitionAssignor[]
  protocol: RebalanceProtocol
  /** Auto-commit before a rebalance (enableAutoCommit); errors are logged, not thrown. */
  beforeRebalance: () => Promise<void>
  /** Something changed that a waiting poll() should notice (a rebalance notice). */
  wake: () => void
  logger?: Log
  /** For tests: a heartbeat handle factory (default: the worker thread, or the in-process driver). */
  createHeartbeat?: typeof createHeartbeat
  sensors?: GroupSensors // rebalance-latency: from the JoinGroup to the assignment (metrics.ts)
}

export class ClassicMembership implements GroupMembership {
  readonly protocol = 'classic' as const
  readonly groupId: string
  readonly #ctx: ClassicMembershipContext
  readonly #groupInstanceId: string | null
  #generation: Generation = NO_GENERATION
  readonly #at = (c?: LogContext) => memberContext(this.#generation, c)
  #state: MemberState = 'UNJOINED'
  #rejoinNeeded = true
  #needsJoinPrepare = true
  #coordinatorId: number | null = null
  #coordinatorLookup: Promise<number> | null = null
  #joinTask: Promise<JoinOutcome> | null = null
  #fatal: Error | null = null
  #listenerError: unknown = null
  #closed = false
  readonly #abort = new AbortController()
  readonly #heartbeat: HeartbeatHandle
  #heartbeatRunning = false
  /** Partition counts the leader assigned from; a change makes it rejoin. */
  #assignedMetadata: Map<string, number> | null = null
  /** Diagnostics: rebalances completed by this member. */
  rebalances = 0

  constructor(ctx: ClassicMembershipContext) {
    if (ctx.options.groupId === null) throw new KafkaError('groupId is required for group membership', 'ERR_CONFIG')
    this.#ctx = ctx
    this.groupId = ctx.options.groupId
    this.#groupInstanceId = ctx.options.groupInstanceId
    const o = ctx.options
    this.#heartbeat = (ctx.createHeartbeat ?? createHeartbeat)({
      cluster: ctx.cluster as Cluster,
      config: {
        sessionTimeoutMs: o.sessionTimeoutMs,
        heartbeatIntervalMs: o.heartbeatIntervalMs,
        maxPollIntervalMs: o.maxPollIntervalMs,
        retryBackoffMs: ctx.retryBackoffMs,
      },
      identity: this.#identity(),
      onNotice: (n) => this.#onNotice(n),
      useThread: o.heartbeatThread,
      ...(ctx.logger ? { logger: ctx.logger } : {}),
    })
  }

  get state(): MemberState {
    return this.#state
  }
  get generation(): Readonly<Generation> {
    return this.#generation
  }
  get rejoinNeeded(): boolean {
    return this.#rejoinNeeded
  }
  get heartbeatStats(): HeartbeatStats {
    return this.#heartbeat.stats
  }
  get rebalanceInProgress(): boolean {
    return this.#state === 'PREPARING_REBALANCE' || this.#state === 'COMPLETING_REBALANCE'
  }

  #identity(): MemberIdentity {
    return {
      groupId: this.groupId,
      memberId: this.#generation.memberId,
      generationId: this.#generation.generationId,
      groupInstanceId: this.#groupInstanceId,
    }
  }

  notePoll(now: number): void {
    this.#heartbeat.notePoll(now)
  }

  groupMetadata(): ConsumerGroupMetadata {
    return {
      groupId: this.groupId,
      generationId: this.#generation.generationId,
      memberId: this.#generation.memberId,
      groupInstanceId: this.#groupInstanceId,
    }
  }

  commitGeneration(): CommitGeneration | null {
    if (this.#state !== 'STABLE') return null
    return {
      generationId: this.#generation.generationId,
      memberId: this.#generation.memberId,
      groupInstanceId: this.#groupInstanceId,
    }
  }

  // -------------------------------------------------------------------------------------------
  // Coordinator

  async coordinator(deadline: number, signal?: AbortSignal): Promise<number> {
    for (;;) {
      if (this.#closed) throw new KafkaError('consumer closed', 'ERR_CLOSED')
      if (this.#coordinatorId !== null) return this.#coordinatorId
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
        // Heartbeats stopped because the coordinator was lost: resume them for the same generation.
        if (this.#state === 'STABLE' && !this.#heartbeatRunning) this.#startHeartbeat()
      }
    }
  }

  markCoordinatorUnknown(reason: string): void {
    if (this.#coordinatorId === null) return
    this.#ctx.logger?.info(this.#at({ nodeId: this.#coordinatorId, reason }), 'kafka-wire group: coordinator lost')
    this.#coordinatorId = null
    this.#ctx.cluster.invalidateCoordinator('group', this.groupId)
    this.#heartbeat.stop()
    this.#heartbeatRunning = false
  }

  #startHeartbeat(): void {
    const coordinatorId = this.#coordinatorId
    if (coordinatorId === null || this.#closed) return
    this.#heartbeatRunning = true
    this.#heartbeat.start(this.#identity(), coordinatorId).catch((err) => {
      this.#heartbeatRunning = false
      this.#ctx.logger?.warn(this.#at({ err }), 'kafka-wire group: cannot start heartbeats')
      // Without its worker script the member can never heartbeat: it would keep fetching partitions
      // the coordinator hands to others once the session expires. poll() throws instead (as Java's
      // poll() raises its heartbeat thread's failure).
      if (err instanceof KafkaError && err.code === 'ERR_HEARTBEAT_WORKER_MISSING') {
        this.#fatal = err
        this.#ctx.wake()
      }
    })
  }

  // -------------------------------------------------------------------------------------------
  // Notices from the heartbeat thread (main thread, between other tasks)

  #onNotice(n: HeartbeatNotice): void {
    if (this.#closed) return
    if (n.generationId !== -1 && n.generationId !== this.#generation.generationId) return
    switch (n.type) {
      case 'rebalance':
        this.requestRejoin('the group is rebalancing')
        break
      case 'reset':
        this.#heartbeatRunning = false
        this.#resetGeneration(`heartbeat failed with ${n.errorCode}`, n.resetMemberId)
        break
      case 'coordinator':
        this.#heartbeatRunning = false
        this.markCoordinatorUnknown('heartbeat session expired or coordinator moved')
        break
      case 'poll-timeout':
        this.#heartbeatRunning = false
        this.#ctx.logger?.warn(
          this.#at({ maxPollIntervalMs: this.#ctx.options.maxPollIntervalMs, left: n.leaveSent }),
          'kafka-wire group: poll() not called within maxPollIntervalMs; the next poll() rejoins',
        )
        this.#resetGeneration('consumer poll timeout has expired', this.#groupInstanceId === null)
        break
      case 'fatal':
        this.#heartbeatRunning = false
        this.#fatal =
          n.errorCode === ErrorCode.FENCED_INSTANCE_ID && this.#groupInstanceId !== null
            ? fencedInstance(this.#groupInstanceId)
            : brokerError(n.errorCode, 'heartbeat failed')
        break
    }
    this.#ctx.wake()
  }

  requestRejoin(reason: string): void {
    if (!this.#rejoinNeeded) this.#ctx.logger?.debug(this.#at({ reason }), 'kafka-wire group: rejoin requested')
    this.#rejoinNeeded = true
    this.#ctx.wake()
  }

  /** The member lost its generation: whatever it owns is lost (onPartitionsLost at the next onJoinPrepare). */
  #resetGeneration(reason: string, resetMemberId: boolean): void {
    this.#ctx.logger?.info(this.#at({ reason }), 'kafka-wire group: resetting the generation')
    this.#generation = resetMemberId ? NO_GENERATION : { ...NO_GENERATION, memberId: this.#generation.memberId }
    this.#state = 'UNJOINED'
    this.#rejoinNeeded = true
    this.#needsJoinPrepare = true
    this.#heartbeat.stop()
    this.#heartbeatRunning = false
  }

  onCommitError(errorCode: number, sent: CommitGeneration): void {
    if (sent.generationId !== this.#generation.generationId) return
    if (errorCode === ErrorCode.REBALANCE_IN_PROGRESS) this.requestRejoin('commit saw a rebalance')
    else if (errorCode === ErrorCode.UNKNOWN_MEMBER_ID || errorCode === ErrorCode.ILLEGAL_GENERATION) {
      this.#resetGeneration(`commit failed with ${errorCode}`, errorCode === ErrorCode.UNKNOWN_MEMBER_ID)
    } else if (errorCode === ErrorCode.FENCED_INSTANCE_ID && this.#groupInstanceId !== null) {
      this.#fatal = fencedInstance(this.#groupInstanceId)
    }
  }

  checkMetadata(partitionCounts: ReadonlyMap<string, number>): void {
    const assigned = this.#assignedMetadata
    if (assigned === null || this.#state !== 'STABLE') return
    const change = assignedMetadataChange(assigned, partitionCounts)
    if (change !== null) this.requestRejoin(change)
  }

  // -------------------------------------------------------------------------------------------
  // poll()

  async poll(deadline: number): Promise<boolean> {
    this.#throwIfFatal()
    const subs = this.#ctx.subscriptions
    if (!subs.hasAutoAssignedPartitions) return true
    for (;;) {
      this.#throwIfFatal()
      if (this.#closed) return false
      if (this.#joinTask === null && this.#state === 'STABLE' && !this.#rejoinNeeded) {
        if (this.#coordinatorId === null) {
          // Keep the generation; heartbeats resume once the coordinator is found again.
          try {
            await this.coordinator(deadline)
          } catch (err) {
            if (!(err instanceof KafkaError && err.retriable)) throw err
            return false
          }
        }
        return true
      }
      try {
        await this.coordinator(deadline)
      } catch (err) {
        if (err instanceof KafkaError && err.retriable) return false
        throw err
      }
      if (this.#needsJoinPrepare) {
        this.#needsJoinPrepare = false
        await this.#onJoinPrepare()
        if (this.#closed) return false
      }
      if (this.#joinTask === null) {
        this.#heartbeat.stop()
        this.#heartbeatRunning = false
        this.#state = 'PREPARING_REBALANCE'
        this.#ctx.sensors?.rebalanceStarted(Date.now())
        this.#joinTask = this.#joinOnce().finally(() => this.#ctx.wake())
      }
      const outcome = await withDeadline(this.#joinTask, deadline)
      if (outcome === TIMED_OUT) return false
      this.#joinTask = null
      if (this.#closed) return false
      if (outcome.kind === 'fatal') {
        this.#fatal = outcome.error
        throw outcome.error
      }
      if (outcome.kind === 'retry') {
        this.#ctx.logger?.debug(this.#at({ reason: outcome.reason }), 'kafka-wire group: join retry')
        if (this.#state !== 'UNJOINED') this.#state = 'UNJOINED'
        // close() aborts the wait early; the loop then sees #closed.
        if (outcome.backoff)
          await sleep(Math.min(this.#ctx.retryBackoffMs, deadline - Date.now()), this.#abort.signal).catch(() => {})
        if (Date.now() >= deadline) return false
        continue
      }
      if (this.#generation !== outcome.generation) continue
      this.#state = 'STABLE'
      this.#rejoinNeeded = false
      await this.#onJoinComplete(outcome)
      this.#needsJoinPrepare = true
      const err = this.#listenerError
      if (err !== null) {
        this.#listenerError = null
        throw err
      }
    }
  }

  #throwIfFatal(): void {
    if (this.#fatal !== null) throw this.#fatal
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

  async #onJoinPrepare(): Promise<void> {
    const subs = this.#ctx.subscriptions
    const generationValid = this.#generation.generationId >= 0 && this.#generation.memberId !== ''
    if (generationValid && this.#ctx.options.enableAutoCommit) {
      try {
        await this.#ctx.beforeRebalance()
      } catch (err) {
        this.#ctx.logger?.warn(this.#at({ err }), 'kafka-wire group: auto-commit before the rebalance failed')
      }
    }
    const owned = subs.assignedPartitions()
    if (!generationValid) {
      if (owned.length > 0) {
        subs.markPendingRevocation(owned)
        await this.#invokeListener('onPartitionsLost', owned)
        subs.assignFromSubscribed([])
      }
      return
    }
    if (this.#ctx.protocol === 'EAGER') {
      subs.markPendingRevocation(owned)
      if (owned.length > 0) await this.#invokeListener('onPartitionsRevoked', owned)
      subs.assignFromSubscribed([])
    } else {
      const subscribed = subs.subscription()
      const gone = owned.filter((tp) => !subscribed.has(tp.topic))
      if (gone.length > 0) {
        subs.markPendingRevocation(gone)
        await this.#invokeListener('onPartitionsRevoked', gone)
        const goneKeys = new Set(gone.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
        subs.assignFromSubscribed(owned.filter((tp) => !goneKeys.has(topicPartitionKey(tp.topic, tp.partition))))
      }
    }
  }

  async #onJoinComplete(outcome: Extract<JoinOutcome, { kind: 'joined' }>): Promise<void> {
    const subs = this.#ctx.subscriptions
    const assignment = decodeAssignment(outcome.assignment)
    const assignor = this.#ctx.assignors.find((a) => a.name === outcome.generation.protocolName)
    assignor?.onAssignment?.(assignment, outcome.generation.generationId)
    this.#assignedMetadata = outcome.leaderAssignedTopics
    const subscribed = subs.subscription()
    const assigned = assignment.partitions.filter((tp) => subscribed.has(tp.topic))
    if (assigned.length !== assignment.partitions.length) {
      this.requestRejoin('assignment includes topics this member does not subscribe to')
    }
    // Heartbeats first: listener callbacks may run long.
    this.#startHeartbeat()
    this.rebalances++
    this.#ctx.sensors?.rebalanceCompleted(Date.now())
    const owned = subs.assignedPartitions()
    const assignedKeys = new Set(assigned.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
    const ownedKeys = new Set(owned.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
    const added = assigned.filter((tp) => !ownedKeys.has(topicPartitionKey(tp.topic, tp.partition)))
    const revoked = owned.filter((tp) => !assignedKeys.has(topicPartitionKey(tp.topic, tp.partition)))
    if (revoked.length > 0) {
      // Cooperative round one: give up what moves, then rejoin so the new owner gets it in round two.
      subs.markPendingRevocation(revoked)
      await this.#invokeListener('onPartitionsRevoked', revoked)
      if (this.#ctx.protocol === 'COOPERATIVE') this.requestRejoin('partitions revoked in a cooperative rebalance')
    }
    subs.assignFromSubscribed(assigned)
    await this.#invokeListener('onPartitionsAssigned', added)
  }

  // -------------------------------------------------------------------------------------------
  // One join attempt: JoinGroup, (leader) assignment, SyncGroup. Never touches the assignment.

  async #joinOnce(): Promise<JoinOutcome> {
    const ctx = this.#ctx
    const o = ctx.options
    const coordinatorId = this.#coordinatorId
    if (coordinatorId === null) return { kind: 'retry', backoff: false, reason: 'coordinator unknown' }
    const subs = ctx.subscriptions
    const topics = [...subs.subscription()].sort()
    const owned = subs.assignedPartitions()
    const protocols = ctx.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics,
        userData: a.subscriptionUserData?.(new Set(topics), owned, this.#generation.generationId) ?? null,
        ownedPartitions: ctx.protocol === 'COOPERATIVE' ? owned : [],
        generationId: this.#generation.generationId,
        rackId: o.clientRack,
      }),
    }))
    const sentMemberId = this.#generation.memberId
    let join: Awaited<ReturnType<ClusterForGroup['send']>> & { errorCode: number }
    try {
      join = (await this.#traced(channels.groupJoin, coordinatorId, this.#generation, () =>
        ctx.cluster.send(
          coordinatorId,
          Apis.JoinGroup,
          {
            groupId: this.groupId,
            sessionTimeoutMs: o.sessionTimeoutMs,
            rebalanceTimeoutMs: o.maxPollIntervalMs,
            memberId: sentMemberId,
            groupInstanceId: this.#groupInstanceId,
            protocolType: 'consumer',
            protocols,
            reason: this.#rejoinNeeded ? 'rejoining' : null,
          },
          {
            workload: 'group',
            signal: this.#abort.signal,
            timeoutMs: Math.max(ctx.requestTimeoutMs, o.maxPollIntervalMs + JOIN_GROUP_TIMEOUT_LAPSE_MS),
          },
        ),
      )) as any
    } catch (err) {
      return this.#transportFailure(err, 'JoinGroup')
    }
    if (this.#closed) return { kind: 'retry', backoff: false, reason: 'closed' }
    const res = join as unknown as {
      errorCode: number
      generationId: number
      protocolName: string | null
      leader: string
      skipAssignment: boolean
      memberId: string
      members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[]
    }
    switch (res.errorCode) {
      case ErrorCode.NONE:
        break
      case ErrorCode.MEMBER_ID_REQUIRED:
        this.#generation = { ...NO_GENERATION, memberId: res.memberId }
        return { kind: 'retry', backoff: false, reason: 'member id assigned' }
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.#generation = NO_GENERATION
        return { kind: 'retry', backoff: false, reason: 'unknown member id' }
      case ErrorCode.ILLEGAL_GENERATION:
        this.#generation = { ...NO_GENERATION, memberId: this.#generation.memberId }
        return { kind: 'retry', backoff: false, reason: 'illegal generation' }
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        this.markCoordinatorUnknown(`JoinGroup error ${res.errorCode}`)
        return { kind: 'retry', backoff: true, reason: 'coordinator moved' }
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return { kind: 'retry', backoff: true, reason: `JoinGroup error ${res.errorCode}` }
      case ErrorCode.FENCED_INSTANCE_ID:
        return { kind: 'fatal', error: fencedInstance(this.#groupInstanceId ?? '') }
      default:
        if (res.errorCode !== ErrorCode.NONE && brokerError(res.errorCode).retriable) {
          return { kind: 'retry', backoff: true, reason: `JoinGroup error ${res.errorCode}` }
        }
        return { kind: 'fatal', error: brokerError(res.errorCode, `JoinGroup of group ${this.groupId} failed`) }
    }
    const generation: Generation = {
      generationId: res.generationId,
      memberId: res.memberId,
      protocolName: res.protocolName,
    }
    this.#generation = generation
    this.#state = 'COMPLETING_REBALANCE'
    let assignments: { memberId: string; assignment: Buffer }[] = []
    let leaderAssignedTopics: Map<string, number> | null = null
    if (res.leader === res.memberId && !res.skipAssignment) {
      try {
        const result = await performAssignment(
          this.#ctx,
          this.groupId,
          res.protocolName ?? '',
          res.members,
          this.#abort.signal,
        )
        assignments = result.assignments
        leaderAssignedTopics = result.partitionCounts
      } catch (err) {
        // Closing (the cluster closed under the assignment's metadata refresh) is not a group failure.
        if (this.#closed || (err instanceof KafkaError && err.code === 'ERR_CLOSED'))
          return { kind: 'retry', backoff: false, reason: 'closed' }
        return err instanceof KafkaError && err.retriable
          ? { kind: 'retry', backoff: true, reason: `assignment failed: ${String(err)}` }
          : { kind: 'fatal', error: err as Error }
      }
      if (this.#closed || this.#generation !== generation)
        return { kind: 'retry', backoff: false, reason: 'state changed' }
    }
    let sync: { errorCode: number; assignment: Buffer }
    try {
      sync = (await this.#traced(channels.groupSync, coordinatorId, generation, () =>
        ctx.cluster.send(
          coordinatorId,
          Apis.SyncGroup,
          {
            groupId: this.groupId,
            generationId: generation.generationId,
            memberId: generation.memberId,
            groupInstanceId: this.#groupInstanceId,
            protocolType: 'consumer',
            protocolName: generation.protocolName,
            assignments,
          },
          { workload: 'group', signal: this.#abort.signal },
        ),
      )) as any
    } catch (err) {
      return this.#transportFailure(err, 'SyncGroup')
    }
    if (this.#closed || this.#generation !== generation)
      return { kind: 'retry', backoff: false, reason: 'state changed' }
    switch (sync.errorCode) {
      case ErrorCode.NONE:
        // The state turns STABLE when poll() takes this outcome (onJoinComplete), not before.
        return { kind: 'joined', generation, assignment: sync.assignment, leaderAssignedTopics }
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return { kind: 'retry', backoff: false, reason: 'rebalance in progress at SyncGroup' }
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        this.#resetGeneration(`SyncGroup error ${sync.errorCode}`, sync.errorCode === ErrorCode.UNKNOWN_MEMBER_ID)
        return { kind: 'retry', backoff: false, reason: `SyncGroup error ${sync.errorCode}` }
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        this.markCoordinatorUnknown(`SyncGroup error ${sync.errorCode}`)
        return { kind: 'retry', backoff: true, reason: 'coordinator moved' }
      case ErrorCode.FENCED_INSTANCE_ID:
        return { kind: 'fatal', error: fencedInstance(this.#groupInstanceId ?? '') }
      default:
        if (brokerError(sync.errorCode).retriable) {
          return { kind: 'retry', backoff: true, reason: `SyncGroup error ${sync.errorCode}` }
        }
        return { kind: 'fatal', error: brokerError(sync.errorCode, `SyncGroup of group ${this.groupId} failed`) }
    }
  }

  #transportFailure(err: unknown, api: string): JoinOutcome {
    if (this.#closed) return { kind: 'retry', backoff: false, reason: 'closed' }
    if (err instanceof KafkaError && !err.retriable && err.code !== 'ERR_CLOSED') return { kind: 'fatal', error: err }
    this.markCoordinatorUnknown(`${api} failed: ${String(err)}`)
    return { kind: 'retry', backoff: true, reason: `${api} failed: ${String(err)}` }
  }

  // -------------------------------------------------------------------------------------------
  // Leaving

  /** A JoinGroup / SyncGroup traced on its channel (src/diagnostics) when someone subscribes. */
  #traced<T>(
    channel: typeof channels.groupJoin,
    coordinatorId: number,
    g: Generation,
    send: () => Promise<T>,
  ): Promise<T> {
    if (!channel.hasSubscribers) return send()
    const { memberId, generationId } = g
    const clientId = clientIdOf(this.#ctx.cluster)
    return traced(channel, { clientId, groupId: this.groupId, memberId, generationId, coordinatorId }, send)
  }

  async leave(reason: string, deadline: number): Promise<void> {
    const subs = this.#ctx.subscriptions
    const owned = subs.assignedPartitions()
    const generationValid = this.#generation.generationId >= 0 && this.#generation.memberId !== ''
    if (owned.length > 0) {
      subs.markPendingRevocation(owned)
      await this.#invokeListener(
        generationValid && this.#state === 'STABLE' ? 'onPartitionsRevoked' : 'onPartitionsLost',
        owned,
      )
      if (subs.hasAutoAssignedPartitions) subs.assignFromSubscribed([])
    }
    this.#heartbeat.stop()
    this.#heartbeatRunning = false
    const memberId = this.#generation.memberId
    const coordinatorId = this.#coordinatorId
    // Static members keep their place on close: a restart within the session timeout gets it back (KIP-345).
    if (this.#groupInstanceId === null && memberId !== '' && coordinatorId !== null && this.#state !== 'UNJOINED') {
      try {
        const timeoutMs = Math.max(1, Math.min(this.#ctx.requestTimeoutMs, deadline - Date.now()))
        await this.#ctx.cluster.send(
          coordinatorId,
          Apis.LeaveGroup,
          { groupId: this.groupId, members: [{ memberId, groupInstanceId: null, reason }] },
          { workload: 'group', timeoutMs },
        )
      } catch (err) {
        this.#ctx.logger?.warn(this.#at({ err }), 'kafka-wire group: LeaveGroup failed')
      }
    }
    this.#generation = this.#groupInstanceId === null ? NO_GENERATION : { ...NO_GENERATION, memberId }
    this.#state = 'UNJOINED'
    this.#rejoinNeeded = true
    this.#needsJoinPrepare = true
    this.#joinTask = null
    const err = this.#listenerError
    this.#listenerError = null
    if (err !== null && !reason.startsWith('the consumer is being closed')) throw err
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#abort.abort(new KafkaError('consumer closed', 'ERR_CLOSED'))
    this.#heartbeat.close()
  }
}

/** FENCED_INSTANCE_ID: another member joined with our groupInstanceId; fatal for this consumer. */
function fencedInstance(groupInstanceId: string): FencedInstanceIdError {
  return new FencedInstanceIdError(
    ErrorCode.FENCED_INSTANCE_ID,
    `Member with groupInstanceId ${groupInstanceId} was fenced by another instance with the same id`,
  )
}

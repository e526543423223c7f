/**
 * What the consumer consumes and where it stands: the subscription (topics, pattern or manual
 * assignment), the assigned partitions and, per partition, the fetch position, paused flag, reset
 * and validation state (Java's SubscriptionState). Pure state, no I/O, no clock reads: callers
 * pass `now`. Owned by Consumer; the fetcher, the offsets module and the group membership read
 * and update it through these methods.
 *
 * Every change to the assignment bumps `assignmentId`, so async code can re-check after an await
 * that the partition it fetched for is still assigned with the same state object.
 */

import { topicPartitionKey } from '../internal/topic-partition.js'
import { IllegalStateError } from './errors.js'
import type { AutoOffsetReset } from './options.js'
import { type ConsumerRebalanceListener, formatTp, sortTps, type TopicPartition } from './types.js'

export type SubscriptionType = 'NONE' | 'AUTO_TOPICS' | 'AUTO_PATTERN' | 'USER_ASSIGNED'

/** Java's FetchStates. */
export type FetchState = 'INITIALIZING' | 'FETCHING' | 'AWAIT_RESET' | 'AWAIT_VALIDATION'

export interface FetchPosition {
  offset: bigint
  /** Leader epoch of the last consumed record (or of the committed offset); -1 when unknown. */
  offsetEpoch: number
  /** The leader (and its epoch) the position was validated against. */
  leaderId: number
  leaderEpoch: number
}

export class TopicPartitionState {
  readonly topic: string
  readonly partition: number
  readonly key: string
  state: FetchState = 'INITIALIZING'
  position: FetchPosition | null = null
  paused = false
  /** Set while a cooperative rebalance revokes this partition: no more fetching, not returned. */
  pendingRevocation = false
  resetStrategy: AutoOffsetReset | null = null
  /** Earliest time a reset/validation request may be (re)sent. */
  nextRetryAt = 0
  requestInFlight = false
  highWatermark = -1n
  logStartOffset = -1n
  lastStableOffset = -1n
  /** Rack-aware fetching (KIP-392): where to fetch from, -1 = leader. */
  preferredReadReplica = -1
  constructor(topic: string, partition: number) {
    this.topic = topic
    this.partition = partition
    this.key = topicPartitionKey(topic, partition)
  }
  get tp(): TopicPartition {
    return { topic: this.topic, partition: this.partition }
  }
  /** Has a position the fetcher may use. */
  get hasValidPosition(): boolean {
    return this.state === 'FETCHING'
  }
  get isFetchable(): boolean {
    return this.state === 'FETCHING' && !this.paused && !this.pendingRevocation
  }
}

export class SubscriptionState {
  #type: SubscriptionType = 'NONE'
  #topics = new Set<string>()
  #pattern: RegExp | null = null
  /** Topics subscribed by any member (the leader needs metadata for all of them). */
  #groupSubscription = new Set<string>()
  #assignment = new Map<string, TopicPartitionState>()
  #listener: ConsumerRebalanceListener = {}
  readonly #defaultReset: AutoOffsetReset
  /** Bumped on every assignment change. */
  assignmentId = 0

  constructor(defaultReset: AutoOffsetReset) {
    this.#defaultReset = defaultReset
  }

  get type(): SubscriptionType {
    return this.#type
  }
  get listener(): ConsumerRebalanceListener {
    return this.#listener
  }
  get pattern(): RegExp | null {
    return this.#pattern
  }
  get defaultResetStrategy(): AutoOffsetReset {
    return this.#defaultReset
  }

  #setType(type: SubscriptionType): void {
    if (this.#type === 'NONE') this.#type = type
    else if (this.#type !== type) {
      throw new IllegalStateError('Subscription to topics, a pattern and manual assignment are mutually exclusive')
    }
  }

  /** Subscribes to a list of topics. Returns true if the topic set changed. */
  subscribe(topics: Iterable<string>, listener: ConsumerRebalanceListener = {}): boolean {
    this.#setType('AUTO_TOPICS')
    this.#listener = listener
    const next = new Set(topics)
    const changed = next.size !== this.#topics.size || [...next].some((t) => !this.#topics.has(t))
    this.#topics = next
    return changed
  }

  subscribePattern(pattern: RegExp, listener: ConsumerRebalanceListener = {}): void {
    this.#setType('AUTO_PATTERN')
    this.#listener = listener
    this.#pattern = pattern
  }

  /** For a pattern subscription: sets the topics matching it (from metadata). Returns true on change. */
  subscribeFromPattern(topics: Iterable<string>): boolean {
    if (this.#type !== 'AUTO_PATTERN') throw new IllegalStateError('Not subscribed to a pattern')
    const next = new Set(topics)
    const changed = next.size !== this.#topics.size || [...next].some((t) => !this.#topics.has(t))
    this.#topics = next
    return changed
  }

  get hasAutoAssignedPartitions(): boolean {
    return this.#type === 'AUTO_TOPICS' || this.#type === 'AUTO_PATTERN'
  }

  /** The subscribed topics (for a pattern: those matched so far). */
  subscription(): Set<string> {
    return new Set(this.hasAutoAssignedPartitions ? this.#topics : [])
  }

  set groupSubscription(topics: Iterable<string>) {
    this.#groupSubscription = new Set(topics)
  }
  /** Topics we need metadata for: ours plus, on the leader, every member's. */
  metadataTopics(): Set<string> {
    if (this.#type === 'USER_ASSIGNED') return new Set([...this.#assignment.values()].map((s) => s.topic))
    return new Set([...this.#topics, ...this.#groupSubscription])
  }

  /** Manual assignment (no group). Keeps the state of partitions that stay assigned. */
  assignFromUser(partitions: TopicPartition[]): boolean {
    if (partitions.length === 0) {
      this.unsubscribe()
      return true
    }
    this.#setType('USER_ASSIGNED')
    return this.#setAssignment(partitions)
  }

  /** Assignment from the group (after SyncGroup). Keeps the state of partitions that stay assigned. */
  assignFromSubscribed(partitions: TopicPartition[]): boolean {
    if (!this.hasAutoAssignedPartitions) throw new IllegalStateError('Not subscribed')
    return this.#setAssignment(partitions)
  }

  #setAssignment(partitions: TopicPartition[]): boolean {
    const next = new Map<string, TopicPartitionState>()
    for (const { topic, partition } of partitions) {
      const key = topicPartitionKey(topic, partition)
      next.set(key, this.#assignment.get(key) ?? new TopicPartitionState(topic, partition))
    }
    const changed = next.size !== this.#assignment.size || [...next.keys()].some((k) => !this.#assignment.has(k))
    this.#assignment = next
    if (changed) this.assignmentId++
    return changed
  }

  unsubscribe(): void {
    this.#type = 'NONE'
    this.#topics = new Set()
    this.#pattern = null
    this.#groupSubscription = new Set()
    this.#listener = {}
    if (this.#assignment.size > 0) this.assignmentId++
    this.#assignment = new Map()
  }

  assignedPartitions(): TopicPartition[] {
    return sortTps([...this.#assignment.values()].map((s) => s.tp))
  }
  assignedStates(): IterableIterator<TopicPartitionState> {
    return this.#assignment.values()
  }
  get assignedCount(): number {
    return this.#assignment.size
  }
  isAssigned(tp: TopicPartition): boolean {
    return this.#assignment.has(topicPartitionKey(tp.topic, tp.partition))
  }
  stateOf(tp: TopicPartition): TopicPartitionState | undefined {
    return this.#assignment.get(topicPartitionKey(tp.topic, tp.partition))
  }
  stateByKey(key: string): TopicPartitionState | undefined {
    return this.#assignment.get(key)
  }
  #assigned(tp: TopicPartition): TopicPartitionState {
    const s = this.stateOf(tp)
    if (s === undefined) throw new IllegalStateError(`No current assignment for partition ${formatTp(tp)}`)
    return s
  }

  /** seek(): a position chosen by the application; valid at once (Java's seekUnvalidated then no validation for manual seeks without epoch). */
  seek(
    tp: TopicPartition,
    offset: bigint,
    leaderEpoch = -1,
    currentLeader?: { nodeId: number; leaderEpoch: number },
  ): void {
    const s = this.#assigned(tp)
    s.position = {
      offset,
      offsetEpoch: leaderEpoch,
      leaderId: currentLeader?.nodeId ?? -1,
      leaderEpoch: currentLeader?.leaderEpoch ?? -1,
    }
    s.state = 'FETCHING'
    s.resetStrategy = null
    s.nextRetryAt = 0
    s.requestInFlight = false
  }

  /** A position that must be validated against the current leader (committed offset with an epoch, leader change). */
  seekUnvalidated(tp: TopicPartition, position: FetchPosition): void {
    const s = this.#assigned(tp)
    s.position = position
    s.resetStrategy = null
    s.nextRetryAt = 0
    s.requestInFlight = false
    s.state = position.offsetEpoch >= 0 ? 'AWAIT_VALIDATION' : 'FETCHING'
  }

  /** Moves the position forward after records were returned (keeps the validated leader). */
  advance(s: TopicPartitionState, offset: bigint, offsetEpoch: number): void {
    if (s.position === null) return
    s.position = {
      offset,
      offsetEpoch: offsetEpoch >= 0 ? offsetEpoch : s.position.offsetEpoch,
      leaderId: s.position.leaderId,
      leaderEpoch: s.position.leaderEpoch,
    }
  }

  position(tp: TopicPartition): FetchPosition | null {
    return this.#assigned(tp).position
  }

  requestOffsetReset(tp: TopicPartition, strategy: AutoOffsetReset = this.#defaultReset): void {
    const s = this.#assigned(tp)
    s.state = 'AWAIT_RESET'
    s.resetStrategy = strategy
    s.nextRetryAt = 0
    s.requestInFlight = false
  }

  /** Partitions with neither a position nor a pending reset: they need their committed offset (or the default reset). */
  initializingPartitions(): TopicPartitionState[] {
    return [...this.#assignment.values()].filter((s) => s.state === 'INITIALIZING' && !s.pendingRevocation)
  }

  /** For every initializing partition: reset with the default strategy. Returns those that need it with strategy 'none'. */
  resetInitializingPartitions(): TopicPartitionState[] {
    const none: TopicPartitionState[] = []
    for (const s of this.initializingPartitions()) {
      if (this.#defaultReset === 'none') none.push(s)
      else this.requestOffsetReset(s.tp)
    }
    return none
  }

  partitionsNeedingReset(now: number): TopicPartitionState[] {
    return [...this.#assignment.values()].filter(
      (s) => s.state === 'AWAIT_RESET' && !s.requestInFlight && s.nextRetryAt <= now && !s.pendingRevocation,
    )
  }

  partitionsNeedingValidation(now: number): TopicPartitionState[] {
    return [...this.#assignment.values()].filter(
      (s) => s.state === 'AWAIT_VALIDATION' && !s.requestInFlight && s.nextRetryAt <= now && !s.pendingRevocation,
    )
  }

  /** True when every assigned partition has a valid position (or is paused/revoking). */
  hasAllFetchPositions(): boolean {
    for (const s of this.#assignment.values()) if (s.state !== 'FETCHING' && !s.pendingRevocation) return false
    return true
  }

  fetchablePartitions(): TopicPartitionState[] {
    const out: TopicPartitionState[] = []
    for (const s of this.#assignment.values()) if (s.isFetchable) out.push(s)
    return out
  }

  pause(tps: TopicPartition[]): void {
    for (const tp of tps) this.#assigned(tp).paused = true
  }
  resume(tps: TopicPartition[]): void {
    for (const tp of tps) this.#assigned(tp).paused = false
  }
  pausedPartitions(): TopicPartition[] {
    return sortTps([...this.#assignment.values()].filter((s) => s.paused).map((s) => s.tp))
  }

  markPendingRevocation(tps: TopicPartition[]): void {
    for (const tp of tps) {
      const s = this.stateOf(tp)
      if (s !== undefined) s.pendingRevocation = true
    }
  }

  /** Positions of every partition with a valid position: what auto-commit and commitSync() without arguments commit. */
  allConsumed(): Map<string, { topic: string; partition: number; offset: bigint; leaderEpoch: number }> {
    const out = new Map<string, { topic: string; partition: number; offset: bigint; leaderEpoch: number }>()
    for (const s of this.#assignment.values()) {
      if (s.state === 'FETCHING' && s.position !== null) {
        out.set(s.key, {
          topic: s.topic,
          partition: s.partition,
          offset: s.position.offset,
          leaderEpoch: s.position.offsetEpoch,
        })
      }
    }
    return out
  }
}

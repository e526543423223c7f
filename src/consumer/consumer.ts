/**
 * The public Consumer (Java's KafkaConsumer). Owns the Cluster, the SubscriptionState, the Fetcher,
 * the Offsets manager and, with a groupId, the group membership: classic (group/classic.ts) or
 * KIP-848 'consumer' (group/consumer-protocol-membership.ts), chosen by groupProtocol.
 *
 * poll(timeout), like Java's:
 *   1. wakeup pending? → WakeupError; auto-commit due? → commitAsync of the positions returned so far
 *   2. group: find the coordinator, (re)join, run listener callbacks (membership.poll)
 *   3. positions: committed offsets, resets (ListOffsets), validation (OffsetForLeaderEpoch)
 *   4. buffered records? → return up to maxPollRecords, after sending the next fetches (prefetch)
 *   5. else send fetches and wait for data, a wakeup, a rebalance notice or the timeout
 *
 * The application's processing never delays heartbeats (they run on the heartbeat thread), and an
 * application that stops calling poll() for maxPollIntervalMs is taken out of the group by that thread.
 */
import { type Cluster, ownOrBorrowed, resolveClientOptions } from '../cluster/index.js'
import { type ClientTelemetryReporter, clientInstanceId, startClientTelemetry } from '../cluster/telemetry/index.js'
import { type ConsumerPollMessage, channels, traced, tracedYield } from '../diagnostics/index.js'
import { ClosedError, ConfigError, KafkaError, TimeoutError } from '../errors.js'
import { TIMED_OUT, throwIfAborted, withDeadline } from '../internal/deadline.js'
import type { Log } from '../internal/log.js'
import type { Metric } from '../internal/metrics.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import { createAssignors, selectRebalanceProtocol } from './assignors/index.js'
import { type CommittedOffset, commitAsyncCall, committedOffsets } from './commit-calls.js'
import { ConsumerRecords, processMessage, recordSeamsOf, rewindUnseen } from './consumer-records.js'
import { IllegalStateError, WakeupError } from './errors.js'
import { Fetcher } from './fetcher.js'
import { ClassicMembership } from './group/classic.js'
import { ConsumerProtocolMembership } from './group/consumer-protocol-membership.js'
import type { GroupMembership } from './group/membership.js'
import { ConsumerMetrics, type ConsumerStats, consumerStats } from './metrics.js'
import { awaitPosition, currentLag, type ListedOffset, listOffsets } from './offset-lookups.js'
import { Offsets } from './offsets.js'
import {
  CONSUMER_OPTION_NAMES,
  type ConsumerOptions,
  type ResolvedConsumerOptions,
  resolveConsumerOptions,
} from './options.js'
import {
  brokerSideRegex,
  checkSubscriptionMetadata,
  ensureAssignedTopicsMetadata,
  isSubscriptionPattern,
  type SubscriptionPattern,
} from './subscription-metadata.js'
import { SubscriptionState } from './subscription-state.js'
import { TopicErrorWarnings } from './topic-warnings.js'
import {
  type CommitCallback,
  type ConsumerGroupMetadata,
  type ConsumerRebalanceListener,
  type ConsumerRecord,
  formatTp,
  type OffsetsInput,
  offsetsList,
  partitionsArg,
  type TopicPartition,
} from './types.js'
import { Signal } from './util.js'

export type { CommittedOffset } from './commit-calls.js'
export type { ListedOffset } from './offset-lookups.js'
export type { SubscriptionPattern } from './subscription-metadata.js'

/** Options of poll(). */
export interface PollOptions {
  /** Aborting it rejects the poll with AbortError (records already fetched stay buffered for the next poll). */
  signal?: AbortSignal
}

/** While a subscribed topic is missing, how soon the consumer asks for its metadata again. */
const MISSING_TOPIC_RECHECK_MS = 1000

let nextClientNumber = 1

export class Consumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly #options: ResolvedConsumerOptions
  readonly #cluster: Cluster
  readonly #releaseCluster: () => Promise<void>
  readonly #telemetry: ClientTelemetryReporter | undefined
  readonly #logger: Log | undefined
  readonly #subscriptions: SubscriptionState
  readonly #fetcher: Fetcher<K, V>
  readonly #metrics: ConsumerMetrics
  readonly #offsets: Offsets
  readonly #membership: ClassicMembership | ConsumerProtocolMembership | null
  readonly #requestTimeoutMs: number
  readonly #retryBackoffMs: number
  readonly #metadataMaxAgeMs: number
  /** Fired when something a waiting poll() cares about happens: data, wakeup, rebalance notice, close. */
  readonly #signal = new Signal()
  #wakeupPending = false
  #polling = false
  #closed = false
  #closing: Promise<void> | null = null
  #connected: Promise<void> | null = null
  #isConnected = false
  #groupPoll: Promise<boolean> | null = null
  #nextAutoCommit = 0
  #nextMetadataCheck = 0
  #metadataCheck: Promise<void> | null = null
  #knownTopics = new Set<string>()
  #asyncError: unknown = null

  constructor(options: ConsumerOptions<K, V>) {
    const defaults = options?.clientId === undefined ? { clientId: `kafka-wire-consumer-${nextClientNumber++}` } : {}
    const { common: resolvedCommon } = resolveClientOptions(options, CONSUMER_OPTION_NAMES, 'consumer', defaults)
    this.#options = resolveConsumerOptions(options)
    // Classic only (the broker assigns under 'consumer'); validates the option either way.
    const assignors = createAssignors(this.#options.partitionAssignmentStrategy as any)
    this.#logger = resolvedCommon.logger.child({ groupId: this.#options.groupId ?? undefined })
    this.#requestTimeoutMs = resolvedCommon.requestTimeoutMs
    this.#retryBackoffMs = resolvedCommon.retryBackoffMs
    this.#metadataMaxAgeMs = resolvedCommon.metadataMaxAgeMs
    const topicWarnings = new TopicErrorWarnings(this.#logger, this.#options.allowAutoCreateTopics)
    this.#metrics = new ConsumerMetrics(resolvedCommon.clientId, {
      assignedPartitions: () => this.#subscriptions.assignedPartitions().length,
      heartbeats: () => this.#membership?.heartbeatStats,
    })
    // Its own Cluster, or the kafkajs layer's, borrowed (SHARED_CLUSTER, cluster/shared.ts).
    const cluster = ownOrBorrowed(options, resolvedCommon, {
      sensors: this.#metrics.network,
      allowAutoTopicCreation: this.#options.allowAutoCreateTopics,
      onTopicErrors: (errors) => {
        const subscribed = this.#subscriptions.metadataTopics()
        if (![...errors.keys()].some((t) => subscribed.has(t))) return
        topicWarnings.report(errors, subscribed, Date.now())
        // Look again soon (not in metadataMaxAgeMs): the topic may be created any moment.
        this.#nextMetadataCheck = Math.min(this.#nextMetadataCheck, Date.now() + MISSING_TOPIC_RECHECK_MS)
      },
    })
    this.#cluster = cluster.cluster
    this.#releaseCluster = cluster.release
    const { groupId: group_id, groupInstanceId: group_instance_id, clientRack: client_rack } = this.#options
    const tags = { group_id, group_instance_id, client_rack }
    this.#telemetry = startClientTelemetry(this.#cluster, () => this.metrics(), tags)
    this.#subscriptions = new SubscriptionState(this.#options.autoOffsetReset)
    const wake = () => this.#signal.fire()
    this.#fetcher = new Fetcher<K, V>({
      cluster: this.#cluster,
      subscriptions: this.#subscriptions,
      options: this.#options,
      requestTimeoutMs: this.#requestTimeoutMs,
      retryBackoffMs: resolvedCommon.retryBackoffMs,
      retryBackoffMaxMs: resolvedCommon.retryBackoffMaxMs,
      ...(options.keyDeserializer ? { keyDeserializer: options.keyDeserializer } : {}),
      ...(options.valueDeserializer ? { valueDeserializer: options.valueDeserializer } : {}),
      ...recordSeamsOf(options),
      onData: wake,
      sensors: this.#metrics,
      ...(this.#logger ? { logger: this.#logger } : {}),
    })
    const groupContext = {
      cluster: this.#cluster,
      options: this.#options,
      requestTimeoutMs: this.#requestTimeoutMs,
      retryBackoffMs: this.#retryBackoffMs,
      subscriptions: this.#subscriptions,
      beforeRebalance: () => this.#commitAllConsumedSync(Date.now() + this.#options.defaultApiTimeoutMs),
      wake,
      sensors: this.#metrics,
      ...(this.#logger ? { logger: this.#logger } : {}),
    }
    this.#membership =
      this.#options.groupId === null
        ? null
        : this.#options.groupProtocol === 'consumer'
          ? new ConsumerProtocolMembership({ ...groupContext, retryBackoffMaxMs: resolvedCommon.retryBackoffMaxMs })
          : new ClassicMembership({ ...groupContext, assignors, protocol: selectRebalanceProtocol(assignors) })
    this.#offsets = new Offsets({
      cluster: this.#cluster,
      subscriptions: this.#subscriptions,
      options: this.#options,
      membership: this.#membership as GroupMembership | null,
      requestTimeoutMs: this.#requestTimeoutMs,
      retryBackoffMs: this.#retryBackoffMs,
      onChange: wake,
      sensors: this.#metrics,
      ...(this.#logger ? { logger: this.#logger } : {}),
    })
  }

  // --- Subscription ---------------------------------------------------------------------------

  /**
   * Subscribes to topics (a list, or every topic matching a RegExp) with group management. Replaces
   * a previous subscription; the change takes effect (rebalance) in the next poll().
   */
  subscribe(topics: readonly string[] | RegExp | SubscriptionPattern, listener?: ConsumerRebalanceListener): void {
    this.#ensureOpen()
    const membership = this.#membership
    if (membership === null) {
      throw new ConfigError('groupId', 'subscribe() needs a groupId (use assign() to consume without a group)')
    }
    const kip848 = membership instanceof ConsumerProtocolMembership ? membership : null
    if (isSubscriptionPattern(topics)) {
      const regex = brokerSideRegex(topics, kip848 !== null)
      this.#subscriptions.subscribe([], listener ?? {})
      kip848!.setRegex(regex)
      return
    }
    kip848?.setRegex(null)
    if (topics instanceof RegExp) {
      this.#subscriptions.subscribePattern(topics, listener ?? {})
      this.#nextMetadataCheck = 0
      membership.requestRejoin('subscribed to a pattern')
      return
    }
    if (!Array.isArray(topics)) {
      throw new TypeError('subscribe() takes an array of topic names, a RegExp or { pattern } (broker-side regex)')
    }
    if (topics.length === 0) {
      void this.unsubscribe()
      return
    }
    for (const t of topics) {
      if (typeof t !== 'string' || t.trim() === '') throw new TypeError(`invalid topic name ${String(t)}`)
    }
    if (this.#subscriptions.subscribe(topics, listener ?? {})) membership.requestRejoin('subscription changed')
  }

  /** Manual assignment: no group membership, no rebalances. An empty list unassigns. */
  assign(partitions: readonly TopicPartition[]): void {
    this.#ensureOpen()
    // Buffered data of partitions no longer assigned is dropped when drained (CompletedFetch checks the assignment).
    this.#subscriptions.assignFromUser(partitionsArg('assign()', partitions))
  }

  /** Leaves the group (revoking the assignment through the listener) and clears the subscription. */
  async unsubscribe(): Promise<void> {
    this.#ensureOpen()
    if (this.#membership !== null && this.#subscriptions.hasAutoAssignedPartitions) {
      await this.#membership.leave('the consumer unsubscribed', Date.now() + this.#options.defaultApiTimeoutMs)
    }
    this.#subscriptions.unsubscribe()
  }

  assignment(): TopicPartition[] {
    return this.#subscriptions.assignedPartitions()
  }

  subscription(): string[] {
    return [...this.#subscriptions.subscription()].sort()
  }

  groupMetadata(): ConsumerGroupMetadata {
    if (this.#membership === null) throw new KafkaError('groupMetadata() needs a groupId', 'ERR_INVALID_GROUP_ID')
    return this.#membership.groupMetadata()
  }

  // --- Poll -----------------------------------------------------------------------------------

  /**
   * Waits up to `timeoutMs` for records and returns at most maxPollRecords of them. Runs the group
   * protocol (joins, rebalance listener callbacks) and commits (auto-commit) as Java's poll() does.
   * An aborted `signal` rejects it with AbortError (like wakeup(), the group work goes on).
   */
  poll(timeoutMs = 1000, options: PollOptions = {}): Promise<ConsumerRecords<K, V>> {
    if (!channels.consumerPoll.hasSubscribers) return this.#poll(timeoutMs, options)
    const message: ConsumerPollMessage = {
      clientId: this.#cluster.options.clientId,
      groupId: this.#options.groupId,
      timeoutMs,
    }
    return traced(channels.consumerPoll, message, () => this.#poll(timeoutMs, options), this.#fetcher.pollView)
  }

  async #poll(timeoutMs: number, options: PollOptions): Promise<ConsumerRecords<K, V>> {
    this.#ensureOpen()
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) throw new RangeError('poll() timeout must be >= 0')
    const signal = options.signal
    throwIfAborted(signal)
    if (this.#polling)
      throw new IllegalStateError('poll() is already running: the consumer is not safe for concurrent polls')
    if (this.#subscriptions.type === 'NONE') {
      throw new IllegalStateError('Consumer is not subscribed to any topics or assigned any partitions')
    }
    this.#polling = true
    // An abort wakes the waiting poll, which then throws at its next check.
    const onAbort = () => this.#signal.fire()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const deadline = Date.now() + timeoutMs
      this.#membership?.notePoll(Date.now())
      for (;;) {
        this.#checkWakeup()
        throwIfAborted(signal)
        this.#throwAsyncError()
        if (this.#closed) return ConsumerRecords.empty()
        await this.#ensureConnected(deadline, signal)
        this.#maybeAutoCommit()
        this.#maybeCheckMetadata()
        if (this.#membership !== null && this.#subscriptions.hasAutoAssignedPartitions) {
          const haveFetchable = this.#subscriptions.fetchablePartitions().length > 0
          this.#groupPoll ??= this.#membership
            .poll(haveFetchable ? Date.now() : deadline)
            .catch((err) => {
              this.#asyncError ??= err
              return false
            })
            .finally(() => {
              this.#groupPoll = null
            })
          const woken = this.#signal.wait()
          const r = await Promise.race([this.#groupPoll, woken.then(() => 'woken' as const)])
          this.#checkWakeup()
          throwIfAborted(signal)
          this.#throwAsyncError()
          if (this.#closed) return ConsumerRecords.empty()
          if (r === false && !haveFetchable && Date.now() >= deadline) return ConsumerRecords.empty()
        }
        ensureAssignedTopicsMetadata(this.#cluster, this.#subscriptions, this.#knownTopics, this.#logger)
        // Every position known (the steady state): nothing to wait for, not even a microtask.
        if (!this.#subscriptions.hasAllFetchPositions()) {
          try {
            await withDeadline(this.#offsets.updateFetchPositions(deadline), undefined, signal)
          } catch (err) {
            if (!(err instanceof TimeoutError) && !(err instanceof KafkaError && err.retriable)) throw err
          }
        }
        const positionError = this.#offsets.takeAsyncError()
        if (positionError !== null) throw positionError
        if (this.#closed) return ConsumerRecords.empty()
        const records = this.#fetcher.collect(this.#options.maxPollRecords)
        if (!records.isEmpty) {
          // Prefetch while the application processes this batch.
          this.#fetcher.sendFetches()
          return records
        }
        this.#fetcher.sendFetches()
        const now = Date.now()
        if (now >= deadline) return records
        let waitUntil = deadline
        if (!this.#subscriptions.hasAllFetchPositions()) waitUntil = Math.min(deadline, now + this.#retryBackoffMs)
        if (this.#fetcher.inFlightCount === 0 && this.#subscriptions.fetchablePartitions().length > 0) {
          // Nothing could be sent (leaders unknown): look again soon.
          waitUntil = Math.min(waitUntil, now + this.#retryBackoffMs)
        }
        if (!this.#fetcher.hasBufferedData) await withDeadline(this.#signal.wait(), waitUntil)
        // Never spin on microtasks alone: let timers and I/O run between two rounds.
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      this.#polling = false
    }
  }

  /** Iterates records forever (poll() underneath) until close() or wakeup(). Breaking out rewinds to the first record not yielded. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
    let pending: ConsumerRecord<K, V>[] = []
    let index = 0
    try {
      for (;;) {
        if (this.#closed || this.#closing !== null) return
        let records: ConsumerRecords<K, V>
        try {
          records = await this.poll(1000)
        } catch (err) {
          if (err instanceof WakeupError) return
          throw err
        }
        pending = [...records]
        index = 0
        while (index < pending.length) {
          const r = pending[index]!
          index++
          if (!channels.consumerProcess.hasSubscribers) yield r
          else yield* tracedYield(channels.consumerProcess, processMessage(this.#cluster, this.#options, r), r)
        }
        pending = []
      }
    } finally {
      // Records fetched but not handed out: make the next poll() return them again.
      if (index < pending.length && !this.#closed) rewindUnseen(pending, index, this.#subscriptions, this.#fetcher)
    }
  }

  /** The current or next poll() rejects with WakeupError (once). Safe to call from anywhere, any time. */
  wakeup(): void {
    this.#wakeupPending = true
    this.#signal.fire()
  }

  #checkWakeup(): void {
    if (this.#wakeupPending) {
      this.#wakeupPending = false
      throw new WakeupError()
    }
  }

  #throwAsyncError(): void {
    const err = this.#asyncError
    if (err !== null) {
      this.#asyncError = null
      throw err
    }
  }

  #ensureOpen(): void {
    if (this.#closed || this.#closing !== null) throw new ClosedError('The consumer is closed')
  }

  async #ensureConnected(deadline: number, signal?: AbortSignal): Promise<void> {
    // Connected already: no deadline timer (this runs at every poll()).
    if (this.#isConnected) return
    this.#connected ??= this.#cluster.connect().then(
      () => {
        this.#isConnected = true
      },
      (err) => {
        this.#connected = null
        throw err
      },
    )
    const r = await withDeadline(this.#connected, Math.max(deadline, Date.now() + this.#requestTimeoutMs), signal)
    if (r === TIMED_OUT) throw new TimeoutError('Timed out connecting to the bootstrap servers')
  }

  #maybeCheckMetadata(): void {
    const now = Date.now()
    if (now < this.#nextMetadataCheck || this.#metadataCheck !== null || this.#membership === null) return
    if (!this.#subscriptions.hasAutoAssignedPartitions) return
    this.#nextMetadataCheck = now + this.#metadataMaxAgeMs
    this.#metadataCheck = this.#checkMetadata()
      .catch((err) => {
        this.#logger?.debug({ err }, 'kafka-wire consumer: metadata check failed')
        this.#nextMetadataCheck = Date.now() + this.#retryBackoffMs
      })
      .finally(() => {
        this.#metadataCheck = null
      })
  }

  #checkMetadata(): Promise<void> {
    return checkSubscriptionMetadata({
      cluster: this.#cluster,
      subscriptions: this.#subscriptions,
      membership: this.#membership!,
      excludeInternalTopics: this.#options.excludeInternalTopics,
      isClosed: () => this.#closed,
    })
  }

  // --- Commits --------------------------------------------------------------------------------

  #maybeAutoCommit(): void {
    if (!this.#options.enableAutoCommit || this.#membership === null) return
    const now = Date.now()
    if (this.#nextAutoCommit === 0) {
      this.#nextAutoCommit = now + this.#options.autoCommitIntervalMs
      return
    }
    if (now < this.#nextAutoCommit) return
    this.#nextAutoCommit = now + this.#options.autoCommitIntervalMs
    const offsets = [...this.#subscriptions.allConsumed().values()]
    if (offsets.length === 0) return
    if (this.#subscriptions.hasAutoAssignedPartitions && this.#membership.commitGeneration() === null) return
    this.#offsets.commit(offsets, { deadline: now + this.#requestTimeoutMs, retry: false }).catch((err) => {
      this.#logger?.warn({ err }, 'kafka-wire consumer: auto-commit failed')
    })
  }

  async #commitAllConsumedSync(deadline: number): Promise<void> {
    const offsets = [...this.#subscriptions.allConsumed().values()]
    if (offsets.length === 0) return
    await this.#offsets.commit(offsets, { deadline, retry: true })
  }

  /**
   * Commits `offsets` (default: the positions of everything returned by poll() so far), retrying
   * retriable errors until success, a non-retriable error or the timeout (defaultApiTimeoutMs).
   */
  async commitSync(offsets?: OffsetsInput, options: { timeoutMs?: number } = {}): Promise<void> {
    this.#ensureOpen()
    const list = offsets === undefined ? [...this.#subscriptions.allConsumed().values()] : offsetsList(offsets)
    await this.#offsets.commit(list, {
      deadline: Date.now() + (options.timeoutMs ?? this.#options.defaultApiTimeoutMs),
      retry: true,
    })
  }

  /**
   * Commits `offsets` (default: everything poll() returned so far) without retrying. The promise
   * resolves when the commit is done and rejects with its error; it is marked handled, so a
   * fire-and-forget `commitAsync()` never raises unhandledRejection (a failure nobody handles is
   * logged at warn). Commits are applied in the order they were made.
   *
   * Compatibility path (Java's OffsetCommitCallback): `commitAsync(offsets?, callback)` or
   * `commitAsync(callback)` also calls `callback(error, offsets)` when done; the promise is the same.
   */
  commitAsync(offsets?: OffsetsInput | CommitCallback, callback?: CommitCallback): Promise<void> {
    return commitAsyncCall(
      offsets,
      callback,
      (list) => {
        this.#ensureOpen()
        const all = list ?? [...this.#subscriptions.allConsumed().values()]
        return {
          list: all,
          done: this.#offsets.commit(all, { deadline: Date.now() + this.#requestTimeoutMs, retry: false }),
        }
      },
      this.#logger,
    )
  }

  /** The committed offsets of these partitions, in the same order (offset null where none). */
  async committed(
    partitions: readonly TopicPartition[],
    options: { timeoutMs?: number } = {},
  ): Promise<CommittedOffset[]> {
    this.#ensureOpen()
    const deadline = Date.now() + (options.timeoutMs ?? this.#options.defaultApiTimeoutMs)
    await this.#ensureConnected(deadline)
    return committedOffsets(partitions, await this.#offsets.fetchCommitted([...partitions], deadline))
  }

  // --- Positions ------------------------------------------------------------------------------

  /** Sets the next offset to read. Takes effect at the next poll(); buffered records of the partition are dropped. */
  seek(tp: TopicPartition, offset: bigint | number | { offset: bigint | number; leaderEpoch?: number }): void {
    this.#ensureOpen()
    partitionsArg('seek()', [tp])
    const o = typeof offset === 'object' && offset !== null ? offset : { offset }
    const value = typeof o.offset === 'bigint' ? o.offset : Number.isSafeInteger(o.offset) ? BigInt(o.offset) : -1n
    if (value < 0n) throw new RangeError(`seek offset must be >= 0, got ${String(o.offset)}`)
    this.#subscriptions.seek(tp, value, o.leaderEpoch ?? -1, this.#cluster.leaderFor(tp.topic, tp.partition))
    this.#fetcher.clearBufferedDataFor(new Set([topicPartitionKey(tp.topic, tp.partition)]))
  }

  /** Seeks to the first offset (evaluated lazily, at the next poll() or position()). Default: every assigned partition. */
  seekToBeginning(partitions?: readonly TopicPartition[]): void {
    this.#seekTo(partitions, 'earliest')
  }

  /** Seeks to the end (evaluated lazily). Default: every assigned partition. */
  seekToEnd(partitions?: readonly TopicPartition[]): void {
    this.#seekTo(partitions, 'latest')
  }

  #seekTo(partitions: readonly TopicPartition[] | undefined, strategy: 'earliest' | 'latest'): void {
    this.#ensureOpen()
    const tps = partitions ?? this.#subscriptions.assignedPartitions()
    for (const tp of tps) this.#subscriptions.requestOffsetReset(tp, strategy)
    this.#fetcher.clearBufferedDataFor(new Set(tps.map((tp) => topicPartitionKey(tp.topic, tp.partition))))
  }

  /** The offset of the next record poll() would return for an assigned partition (looking it up if needed). */
  async position(tp: TopicPartition, options: { timeoutMs?: number } = {}): Promise<bigint> {
    this.#ensureOpen()
    const deadline = Date.now() + (options.timeoutMs ?? this.#options.defaultApiTimeoutMs)
    const state = this.#subscriptions.stateOf(tp)
    if (state === undefined)
      throw new IllegalStateError(`You can only check the position of assigned partitions (${formatTp(tp)})`)
    await this.#ensureConnected(deadline)
    return awaitPosition(tp, deadline, {
      cluster: this.#cluster,
      offsets: this.#offsets,
      subscriptions: this.#subscriptions,
      retryBackoffMs: this.#retryBackoffMs,
      checkWakeup: () => this.#checkWakeup(),
    })
  }

  /** Java's currentLag(): the high watermark (last stable offset with read_committed) the last fetch saw, minus the position. */
  currentLag(tp: TopicPartition): bigint | null {
    return currentLag(this.#subscriptions.stateOf(tp), this.#options.isolationLevel)
  }

  /** The first offsets of partitions (any partitions, not only assigned ones). */
  async beginningOffsets(
    partitions: readonly TopicPartition[],
    options: { timeoutMs?: number } = {},
  ): Promise<ListedOffset[]> {
    return this.#listOffsets(partitions, () => -2n, options.timeoutMs)
  }

  /** The end offsets (offset of the next record to be written; last stable offset with read_committed). */
  async endOffsets(
    partitions: readonly TopicPartition[],
    options: { timeoutMs?: number } = {},
  ): Promise<ListedOffset[]> {
    return this.#listOffsets(partitions, () => -1n, options.timeoutMs)
  }

  /** For each partition, the first offset whose timestamp is >= the given one (offset null if none). */
  async offsetsForTimes(
    query: readonly (TopicPartition & { timestamp: number | bigint })[],
    options: { timeoutMs?: number } = {},
  ): Promise<ListedOffset[]> {
    const ts = new Map(query.map((q) => [topicPartitionKey(q.topic, q.partition), BigInt(q.timestamp)]))
    return this.#listOffsets(query, (tp) => ts.get(topicPartitionKey(tp.topic, tp.partition))!, options.timeoutMs)
  }

  async #listOffsets(
    partitions: readonly TopicPartition[],
    timestamp: (tp: TopicPartition) => bigint,
    timeoutMs?: number,
  ): Promise<ListedOffset[]> {
    this.#ensureOpen()
    const deadline = Date.now() + (timeoutMs ?? this.#options.defaultApiTimeoutMs)
    await this.#ensureConnected(deadline)
    return listOffsets(this.#cluster, this.#offsets, partitions, timestamp, deadline)
  }

  // --- Flow control ---------------------------------------------------------------------------

  /** Stops returning (and fetching) records of these partitions until resume(). Survives nothing but a rebalance. */
  pause(partitions: readonly TopicPartition[]): void {
    this.#ensureOpen()
    this.#subscriptions.pause(partitionsArg('pause()', partitions))
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#ensureOpen()
    this.#subscriptions.resume(partitionsArg('resume()', partitions))
    this.#signal.fire()
  }

  paused(): TopicPartition[] {
    return this.#subscriptions.pausedPartitions()
  }

  // --- Close ----------------------------------------------------------------------------------

  /**
   * Commits (with auto-commit on), revokes the assignment through the listener, leaves the group
   * (dynamic members; static members keep their place for sessionTimeoutMs), and closes every
   * connection. Idempotent.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? 30000)
    return this.#closing
  }

  async #close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    this.#signal.fire()
    try {
      // Let a poll() in progress finish its step (it sees #closing and returns).
      if (this.#groupPoll !== null)
        await withDeadline(
          this.#groupPoll.catch(() => {}),
          deadline,
        )
      if (this.#membership !== null && this.#connected !== null) {
        if (this.#options.enableAutoCommit && this.#subscriptions.assignedCount > 0) {
          try {
            await this.#commitAllConsumedSync(deadline)
          } catch (err) {
            this.#logger?.warn({ err }, 'kafka-wire consumer: auto-commit on close failed')
          }
        }
        if (this.#subscriptions.hasAutoAssignedPartitions) {
          try {
            await this.#membership.leave('the consumer is being closed', deadline)
          } catch (err) {
            this.#logger?.warn({ err }, 'kafka-wire consumer: leaving the group failed')
          }
        }
      }
    } finally {
      this.#closed = true
      this.#signal.fire()
      this.#membership?.close()
      this.#fetcher.close()
      this.#offsets.close()
      await this.#telemetry?.close(deadline)
      await this.#releaseCluster().catch(() => {})
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** The consumer's metrics now, with the Java consumer's names (docs/observability.md, "Client metrics"). */
  metrics(): Metric[] {
    return this.#metrics.snapshot()
  }

  /** The id the broker gave this client for KIP-714 telemetry, or null if none came within timeoutMs. */
  clientInstanceId(timeoutMs: number): Promise<string | null> {
    return clientInstanceId(this.#telemetry, timeoutMs)
  }

  /** Group and fetch counters for tests and tools (kafka-wire's own, not Java's). */
  get stats(): ConsumerStats {
    return consumerStats(this.#fetcher, this.#membership)
  }
}

/**
 * Fetching (Java's Fetcher + FetchCollector; CompletedFetch is completed-fetch.ts): Fetch requests to partition leaders
 * (or a preferred read replica, KIP-392), at most one in flight per broker, each through an
 * incremental fetch session (fetch-session.ts). Responses are buffered per partition and decoded
 * lazily, record by record, as poll() drains them.
 *
 * Memory is bounded by bytes, never by a record count (docs/DESIGN.md, "Consumer: memory"): per
 * broker at most one Fetch in flight (≤ fetchMaxBytes), and no new Fetch to a broker while the
 * responses it sent that still hold un-polled records add up to fetchMaxBytes or more; a partition
 * is fetched at most one response ahead of the one being drained, each ≤ maxPartitionFetchBytes,
 * and a Fetch to a broker one of whose partitions is held at that bound does not wait at the broker
 * (maxWaitMs 0, #22): parked for fetchMaxWaitMs, it would keep that partition, once drained, from
 * being fetched until it returned (one Fetch in flight per broker).
 * A response's whole size counts until its last partition is drained: the records are views
 * into the response's frame, so one buffered partition keeps the whole frame alive.
 *
 * A Fetch that fails as a whole backs its broker off exponentially (retryBackoffMs doubling up to
 * retryBackoffMaxMs, ±20 % jitter: internal/backoff.ts), reset by the next response.
 *
 * The Sender's shape (producer/sender.ts): `poll(now, metadata)` plans the Fetches to send and when
 * to poll again, `build(plan, version)` makes a plan's request body, `onResponse(plan, response,
 * now)` / `onError(plan, error, now)` settle it; none of them awaits or reads a clock.
 * `sendFetches()` is the thin driver over the cluster: one `cluster.send(node, Fetch, build, {
 * maxVersion })` per plan (docs/DESIGN.md, "Cluster: one send contract"), settle, wake poll().
 *
 * Stale metadata is reported here, never inferred by Cluster: a partition error of
 * METADATA_ERRORS (as Java's FetchCollector) or a top-level error whose `invalidatesMetadata`
 * flag is set calls `cluster.invalidateMetadata({ topic, reason })`.
 *
 * Called by Consumer.poll(): `sendFetches()` (non-blocking), `collect(maxRecords)` (synchronous).
 * Errors on partitions either change SubscriptionState (reset, metadata refresh) or are raised from
 * collect() when the partition's data is reached (so records before them are still returned).
 */
import type { Cluster } from '../cluster/index.js'
import { type ConsumerFetchMessage, channels, clientIdOf, traced } from '../diagnostics/index.js'
import { ErrorCode } from '../error-codes.js'
import { brokerError, errorInfo, KafkaError, ProtocolError } from '../errors.js'
import { backoff } from '../internal/backoff.js'
import type { Log } from '../internal/log.js'
import type { RecordShape } from '../internal/seams.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import { Apis, ZERO_UUID } from '../protocol/index.js'
import type { RequestOf, ResponseOf } from '../protocol/schema/dsl.js'
import { CompletedFetch, type FetchedFrame, identity } from './completed-fetch.js'
import { type ConsumedRecordOf, ConsumerRecords, type PollView, pollView } from './consumer-records.js'
import {
  CorruptRecordError,
  LogTruncationError,
  OffsetOutOfRangeNoResetError,
  RecordDeserializationError,
} from './errors.js'
import { FetchSessionHandler, groupByTopic, groupForgotten, type PartitionFetchData } from './fetch-session.js'
import type { FetchSensors } from './metrics.js'
import type { ResolvedConsumerOptions } from './options.js'
import type { SubscriptionState, TopicPartitionState } from './subscription-state.js'
import type { ConsumerRecord, Deserializer, TopicPartition } from './types.js'

export type ClusterForFetch = Pick<
  Cluster,
  'send' | 'leaderFor' | 'topic' | 'requestMetadataRefresh' | 'invalidateMetadata' | 'brokers'
>

const METADATA_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
])

export type FetchRequestBody = RequestOf<typeof Apis.Fetch>
export type FetchResponseBody = ResponseOf<typeof Apis.Fetch>

/** What poll() reads from the cluster's metadata (and the one flag it may set). */
export interface FetchMetadata {
  leaderFor(topic: string, partition: number): { nodeId: number; leaderEpoch: number } | undefined
  topic(name: string): { topicId: string } | undefined
  readonly brokers: { has(nodeId: number): boolean }
  requestMetadataRefresh(): void
}

/** One Fetch to send, planned by poll(); build() fills in what the response is read with. */
export interface FetchRequestPlan {
  readonly nodeId: number
  readonly partitions: Map<string, PartitionFetchData>
  readonly timeoutMs: number
  /** How long the broker may hold the Fetch for data: fetchMaxWaitMs, or 0 while the broker has a partition held back (#22). */
  readonly maxWaitMs: number
  /** The highest Fetch version the request may use: 12 (topic names) while a topic id is unknown. */
  readonly maxVersion: number | undefined
  readonly sentMs: number
  built: {
    useIds: boolean
    sessionPartitions: ReadonlyMap<string, PartitionFetchData>
    idToName: Map<string, string>
  } | null
}

export interface FetcherPoll {
  requests: FetchRequestPlan[]
  /** Absolute time of the next poll (a broker's backoff ends); Infinity when only data or a response changes anything. */
  nextPollMs: number
}

export interface FetcherContext {
  cluster: ClusterForFetch
  subscriptions: SubscriptionState
  options: ResolvedConsumerOptions
  requestTimeoutMs: number
  keyDeserializer?: Deserializer<any>
  valueDeserializer?: Deserializer<any>
  /** Builds the records collect() returns in place of ConsumerRecords (internal/seams.ts). */
  recordShape?: RecordShape | null
  /** With recordShape: what poll-channel subscribers see of its records (pollView, internal/seams.ts). */
  consumedRecordOf?: ConsumedRecordOf | null
  /** Data (or an error) arrived: wake a waiting poll(). */
  onData: () => void
  logger?: Log
  /** Backoff after a failed Fetch to a broker, doubling per consecutive failure (defaults 100 and 1000). */
  retryBackoffMs?: number
  retryBackoffMaxMs?: number
  /** The clock (default Date.now) and the backoff's jitter source (default Math.random), for tests. */
  now?: () => number
  random?: () => number
  sensors?: FetchSensors // the consumer's fetch metrics (metrics.ts): per response and per collect()
}

export class Fetcher<K = Buffer | null, V = Buffer | null> {
  readonly #ctx: FetcherContext
  readonly #sessions = new Map<number, FetchSessionHandler>()
  readonly #inFlight = new Set<number>()
  /** Per node: whether the session was built with topic ids (v13+). */
  readonly #sessionUsesIds = new Map<number, boolean>()
  #completed: CompletedFetch[] = []
  /** Responses with data buffered so far (to tell whether a fetch brought data). */
  #pushed = 0
  #nextInLine: CompletedFetch | null = null
  #closed = false
  /** Per broker after failed Fetches: how many in a row, and until when none is sent (exponential backoff). */
  readonly #backoff = new Map<number, { failures: number; untilMs: number }>()
  readonly #abort = new AbortController()
  readonly #keyDe: Deserializer<K>
  readonly #valueDe: Deserializer<V>
  readonly #shape: RecordShape | null
  readonly pollView: PollView<K, V> | undefined
  /** Diagnostics. */
  fetchesSent = 0
  bytesFetched = 0

  constructor(ctx: FetcherContext) {
    this.#ctx = ctx
    this.#keyDe = ctx.keyDeserializer ?? identity
    this.#valueDe = ctx.valueDeserializer ?? identity
    this.#shape = ctx.recordShape ?? null
    this.pollView = pollView<K, V>(ctx.consumedRecordOf ?? null)
  }

  /** Whether there are buffered records that collect() can return without waiting. */
  get hasBufferedData(): boolean {
    if (this.#nextInLine !== null && !this.#nextInLine.consumed) return this.#isReturnable(this.#nextInLine)
    return this.#completed.some((c) => this.#isReturnable(c))
  }

  #now(): number {
    return this.#ctx.now?.() ?? Date.now()
  }

  /** When the earliest broker backing off after a failed Fetch may be fetched from again (Infinity: none). */
  get nextRetryMs(): number {
    let next = Number.POSITIVE_INFINITY
    for (const b of this.#backoff.values()) if (b.untilMs < next) next = b.untilMs
    return next
  }

  get inFlightCount(): number {
    return this.#inFlight.size
  }

  #isReturnable(c: CompletedFetch): boolean {
    const s = c.state
    return this.#ctx.subscriptions.stateByKey(s.key) === s && s.isFetchable
  }

  /**
   * Per partition: how many responses are buffered and the last one (the next fetch continues after
   * it); per broker: the bytes of the frames that still hold un-polled records. Drops data nobody can
   * return any more (unassigned, reset), and the data of paused partitions from a broker whose
   * buffer is full, since it would hold back every other partition of that broker until resume()
   * (it is fetched again after resume(); Java keeps paused data, but with no byte limit).
   */
  #buffered(): { byKey: Map<string, { count: number; last: CompletedFetch }>; bytesByNode: Map<number, number> } {
    const limit = this.#ctx.options.fetchMaxBytes
    let { byKey, bytesByNode, pausedNodes } = this.#count()
    const dropPausedFrom = [...pausedNodes].filter((n) => (bytesByNode.get(n) ?? 0) >= limit)
    if (dropPausedFrom.length > 0) {
      const drop = (c: CompletedFetch) =>
        c.state.paused && c.frame !== null && dropPausedFrom.includes(c.frame.nodeId) && c.error === null
      this.#completed = this.#completed.filter((c) => !drop(c))
      if (this.#nextInLine !== null && drop(this.#nextInLine)) this.#nextInLine = null
      ;({ byKey, bytesByNode } = this.#count())
    }
    return { byKey, bytesByNode }
  }

  #count(): {
    byKey: Map<string, { count: number; last: CompletedFetch }>
    bytesByNode: Map<number, number>
    pausedNodes: Set<number>
  } {
    const subs = this.#ctx.subscriptions
    const byKey = new Map<string, { count: number; last: CompletedFetch }>()
    const bytesByNode = new Map<number, number>()
    const frames = new Set<FetchedFrame>()
    const pausedNodes = new Set<number>()
    const add = (c: CompletedFetch) => {
      const b = byKey.get(c.state.key)
      if (b === undefined) byKey.set(c.state.key, { count: 1, last: c })
      else {
        b.count++
        b.last = c
      }
      const f = c.frame
      if (f !== null && !frames.has(f)) {
        frames.add(f)
        bytesByNode.set(f.nodeId, (bytesByNode.get(f.nodeId) ?? 0) + f.bytes)
      }
      if (f !== null && c.state.paused) pausedNodes.add(f.nodeId)
    }
    const live = (c: CompletedFetch) => subs.stateByKey(c.state.key) === c.state && c.state.hasValidPosition
    if (this.#nextInLine !== null && !this.#nextInLine.consumed) {
      if (live(this.#nextInLine)) add(this.#nextInLine)
      else this.#nextInLine = null
    }
    if (this.#completed.some((c) => !live(c))) this.#completed = this.#completed.filter(live)
    for (const c of this.#completed) add(c)
    return { byKey, bytesByNode, pausedNodes }
  }

  /** Where the next fetch of this partition starts: after its buffered data, else at the position. */
  #nextFetchOffsetFor(s: TopicPartitionState): bigint {
    let next = s.position!.offset
    if (this.#nextInLine !== null && !this.#nextInLine.consumed && this.#nextInLine.state === s) {
      next = this.#nextInLine.endOffset
    }
    for (const c of this.#completed) if (c.state === s) next = c.error === null ? c.endOffset : -1n
    return next
  }

  /**
   * The thin driver: sends the Fetches poll() plans (the body built for the version Cluster.send
   * chooses, at most `plan.maxVersion`) and hands the outcome to onResponse()/onError(). Returns
   * how many were sent.
   */
  sendFetches(now: number = this.#now()): number {
    const { requests } = this.poll(now, this.#ctx.cluster)
    for (const plan of requests) void this.#dispatch(plan)
    return requests.length
  }

  async #dispatch(plan: FetchRequestPlan): Promise<void> {
    const ctx = this.#ctx
    let data = false
    try {
      this.fetchesSent++
      const send = () =>
        ctx.cluster.send(plan.nodeId, Apis.Fetch, (version) => this.build(plan, version).body, {
          workload: 'fetch',
          ...(plan.maxVersion === undefined ? {} : { maxVersion: plan.maxVersion }),
          signal: this.#abort.signal,
          timeoutMs: plan.timeoutMs,
        })
      const res = await (channels.consumerFetch.hasSubscribers
        ? traced(channels.consumerFetch, fetchMessage(ctx, plan), send)
        : send())
      data = this.onResponse(plan, res, this.#now())
    } catch (err) {
      this.onError(plan, err, this.#now())
    } finally {
      if (!this.#closed) {
        // Keep the pipeline full while the application processes (bounded by #buffered()).
        if (data) this.sendFetches()
        ctx.onData()
      }
    }
  }

  /**
   * The sans-IO core, in the Sender's shape: the Fetches to send now, one per broker that leads a
   * fetchable partition, has no Fetch in flight, is not backing off after a failure, whose
   * buffered responses hold less than fetchMaxBytes; and when to poll again (a backoff's end). A
   * broker one of whose fetchable partitions is held back by its buffered responses gets a Fetch
   * that does not wait (maxWaitMs 0): the drain that frees the partition calls poll() again.
   * Each planned broker counts as in flight until onResponse() or onError().
   */
  poll(now: number, metadata: FetchMetadata): FetcherPoll {
    if (this.#closed) return { requests: [], nextPollMs: Number.POSITIVE_INFINITY }
    const ctx = this.#ctx
    const o = ctx.options
    const buffered = this.#buffered()
    const byNode = new Map<number, Map<string, PartitionFetchData>>()
    let needMetadata = false
    let nextPollMs = Number.POSITIVE_INFINITY
    const held = new Set<number>()
    for (const s of ctx.subscriptions.fetchablePartitions()) {
      // Pipelining: one response ahead of the one being drained (the broker's buffer is checked below).
      const b = buffered.byKey.get(s.key)
      const leader = metadata.leaderFor(s.topic, s.partition)
      if (b !== undefined && (b.count >= 2 || b.last.error !== null || b.last.endOffset < 0n)) {
        // Held back until poll() drains it. A Fetch of its broker's other partitions must not park
        // there for fetchMaxWaitMs (often with nothing to fetch): one in flight per broker, it would
        // keep this partition from being fetched once drained (#22). It returns at once instead.
        if (leader !== undefined && leader.nodeId >= 0) held.add(readFrom(s, leader.nodeId, metadata))
        continue
      }
      if (leader === undefined || leader.nodeId < 0) {
        needMetadata = true
        continue
      }
      const position = s.position!
      if (
        leader.leaderEpoch >= 0 &&
        position.leaderEpoch >= 0 &&
        leader.leaderEpoch > position.leaderEpoch &&
        position.offsetEpoch >= 0
      ) {
        // The leader changed: make sure the log was not truncated below our position first.
        ctx.subscriptions.seekUnvalidated(s.tp, {
          ...position,
          leaderId: leader.nodeId,
          leaderEpoch: leader.leaderEpoch,
        })
        continue
      }
      if (position.leaderEpoch !== leader.leaderEpoch || position.leaderId !== leader.nodeId) {
        s.position = { ...position, leaderId: leader.nodeId, leaderEpoch: leader.leaderEpoch }
      }
      const nodeId = readFrom(s, leader.nodeId, metadata)
      if (this.#inFlight.has(nodeId)) continue
      const backoff = this.#backoff.get(nodeId)
      if (backoff !== undefined && backoff.untilMs > now) {
        if (backoff.untilMs < nextPollMs) nextPollMs = backoff.untilMs
        continue
      }
      // The memory bound: this broker's buffered responses must be drained below fetchMaxBytes first.
      if ((buffered.bytesByNode.get(nodeId) ?? 0) >= o.fetchMaxBytes) continue
      const topicId = metadata.topic(s.topic)?.topicId ?? ZERO_UUID
      let partitions = byNode.get(nodeId)
      if (partitions === undefined) byNode.set(nodeId, (partitions = new Map()))
      partitions.set(s.key, {
        topic: s.topic,
        topicId,
        partition: s.partition,
        fetchOffset: b === undefined ? position.offset : b.last.endOffset,
        logStartOffset: -1n,
        maxBytes: o.maxPartitionFetchBytes,
        currentLeaderEpoch: leader.leaderEpoch,
        lastFetchedEpoch: b === undefined ? position.offsetEpoch : b.last.lastBatchEpoch,
      })
    }
    if (needMetadata) metadata.requestMetadataRefresh()
    // Brokers whose session holds partitions we no longer fetch still get a request (to forget them)
    // only when they also have something to fetch; an idle session simply expires on the broker.
    const requests: FetchRequestPlan[] = []
    for (const [nodeId, partitions] of byNode) {
      this.#inFlight.add(nodeId)
      const maxWaitMs = held.has(nodeId) ? 0 : o.fetchMaxWaitMs
      let idsKnown = true
      for (const p of partitions.values()) if (p.topicId === ZERO_UUID) idsKnown = false
      requests.push({
        nodeId,
        partitions,
        timeoutMs: ctx.requestTimeoutMs + maxWaitMs,
        maxWaitMs,
        maxVersion: idsKnown ? undefined : 12,
        sentMs: now,
        built: null,
      })
    }
    return { requests, nextPollMs }
  }

  /**
   * The request body of a planned Fetch for `version` (Cluster.send's choice, capped at
   * `plan.maxVersion`; capped here too for direct callers): topic ids from v13, names below;
   * through the broker's fetch session.
   */
  build(plan: FetchRequestPlan, version: number): { body: FetchRequestBody; version: number } {
    const o = this.#ctx.options
    const nodeId = plan.nodeId
    let session = this.#sessions.get(nodeId)
    if (session === undefined) this.#sessions.set(nodeId, (session = new FetchSessionHandler()))
    if (plan.maxVersion !== undefined && version > plan.maxVersion) version = plan.maxVersion
    const useIds = version >= 13
    if (this.#sessionUsesIds.get(nodeId) !== useIds) {
      session.reset()
      this.#sessionUsesIds.set(nodeId, useIds)
    }
    const req = session.build(plan.partitions)
    const idToName = new Map<string, string>()
    for (const p of req.sessionPartitions.values()) idToName.set(p.topicId, p.topic)
    plan.built = { useIds, sessionPartitions: req.sessionPartitions, idToName }
    const body: FetchRequestBody = {
      replicaId: -1,
      maxWaitMs: plan.maxWaitMs,
      minBytes: o.fetchMinBytes,
      maxBytes: o.fetchMaxBytes,
      isolationLevel: o.isolationLevel === 'read_committed' ? 1 : 0,
      sessionId: req.sessionId,
      sessionEpoch: req.sessionEpoch,
      topics: groupByTopic(req.toSend, useIds),
      forgottenTopicsData: groupForgotten(req.toForget, useIds),
      rackId: o.clientRack ?? '',
    } as FetchRequestBody
    return { body, version }
  }

  /** A Fetch completed: buffers its partitions' data. Returns whether any data was buffered. */
  onResponse(plan: FetchRequestPlan, res: FetchResponseBody, now: number): boolean {
    const ctx = this.#ctx
    const nodeId = plan.nodeId
    this.#inFlight.delete(nodeId)
    ctx.sensors?.fetchResponse(res, now - plan.sentMs, now)
    const built = plan.built
    const session = this.#sessions.get(nodeId)
    if (this.#closed || built === null || session === undefined) return false
    this.#backoff.delete(nodeId)
    if (!session.handleResponse(res.errorCode, res.sessionId)) {
      ctx.logger?.debug({ nodeId, errorCode: errorInfo(res.errorCode).name }, 'kafka-wire: fetch session reset')
      if (
        res.errorCode !== ErrorCode.FETCH_SESSION_ID_NOT_FOUND &&
        res.errorCode !== ErrorCode.INVALID_FETCH_SESSION_EPOCH
      ) {
        const info = brokerError(res.errorCode)
        if (info.invalidatesMetadata) ctx.cluster.invalidateMetadata({ reason: `Fetch: ${info.errorName}` })
      }
      return false
    }
    const pushedBefore = this.#pushed
    let bytes = 0
    for (const topic of res.responses) for (const p of topic.partitions) bytes += p.records?.length ?? 0
    const frame: FetchedFrame = { nodeId, bytes }
    for (const topic of res.responses) {
      const name = built.useIds ? built.idToName.get(topic.topicId) : topic.topic
      if (name === undefined) continue
      for (const p of topic.partitions) {
        const sent = built.sessionPartitions.get(topicPartitionKey(name, p.partitionIndex))
        if (sent === undefined) continue
        this.#handlePartition(nodeId, frame, sent, p)
      }
    }
    return this.#pushed > pushedBefore
  }

  /**
   * A Fetch failed as a whole (connection lost, timeout; not when aborted by close()): the next one
   * to this broker is a full fetch, after an exponential backoff (retryBackoffMs doubling up to
   * retryBackoffMaxMs, ±20 %), and metadata is refreshed.
   */
  onError(plan: FetchRequestPlan, err: unknown, now: number): void {
    const ctx = this.#ctx
    const nodeId = plan.nodeId
    this.#inFlight.delete(nodeId)
    if (this.#closed) return
    this.#sessions.get(nodeId)?.handleError()
    if (err instanceof KafkaError && err.code === 'ERR_ABORTED') return
    const failures = (this.#backoff.get(nodeId)?.failures ?? 0) + 1
    const waitMs = backoff(failures - 1, ctx.retryBackoffMs ?? 100, ctx.retryBackoffMaxMs ?? 1000, ctx.random)
    this.#backoff.set(nodeId, { failures, untilMs: now + waitMs })
    ctx.logger?.debug({ nodeId, retryInMs: waitMs, err }, 'kafka-wire consumer: fetch failed')
    ctx.cluster.requestMetadataRefresh()
  }

  #handlePartition(
    nodeId: number,
    frame: FetchedFrame,
    sent: PartitionFetchData,
    p: {
      partitionIndex: number
      errorCode: number
      highWatermark: bigint
      lastStableOffset: bigint
      logStartOffset: bigint
      divergingEpoch?: { epoch: number; endOffset: bigint }
      abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null
      preferredReadReplica: number
      records: Buffer | null
    },
  ): void {
    const ctx = this.#ctx
    const subs = ctx.subscriptions
    const s = subs.stateOf({ topic: sent.topic, partition: sent.partition })
    // Still assigned, still fetchable, and nobody seeked meanwhile?
    if (s === undefined || !s.hasValidPosition) return
    const tp = s.tp
    if (s.position!.offset !== sent.fetchOffset) {
      // A pipelined fetch: its data is used only if it continues exactly where the buffered data ends.
      if (p.errorCode !== ErrorCode.NONE || sent.fetchOffset !== this.#nextFetchOffsetFor(s)) return
    }
    switch (p.errorCode) {
      case ErrorCode.NONE: {
        s.highWatermark = p.highWatermark
        if (p.logStartOffset >= 0n) s.logStartOffset = p.logStartOffset
        if (p.lastStableOffset >= 0n) s.lastStableOffset = p.lastStableOffset
        s.preferredReadReplica = p.preferredReadReplica >= 0 ? p.preferredReadReplica : -1
        const diverging = p.divergingEpoch
        if (diverging !== undefined && diverging.epoch >= 0 && diverging.endOffset >= 0n) {
          this.#handleTruncation(s, diverging.endOffset, diverging.epoch)
          return
        }
        if (p.records === null || p.records.length === 0) return
        this.bytesFetched += p.records.length
        this.#pushed++
        const c = new CompletedFetch(
          s,
          sent.fetchOffset,
          p.records,
          ctx.options.checkCrcs,
          ctx.options.isolationLevel === 'read_committed',
          p.abortedTransactions,
        )
        c.frame = frame
        this.#completed.push(c)
        return
      }
      case ErrorCode.OFFSET_OUT_OF_RANGE: {
        s.preferredReadReplica = -1
        if (subs.defaultResetStrategy === 'none') {
          const c = new CompletedFetch(s, sent.fetchOffset, null, false, false, null)
          c.error = new OffsetOutOfRangeNoResetError(tp, sent.fetchOffset)
          c.consumed = false
          this.#completed.push(c)
        } else {
          ctx.logger?.info(
            { topic: tp.topic, partition: tp.partition, offset: sent.fetchOffset, reset: subs.defaultResetStrategy },
            'kafka-wire consumer: fetch offset out of range; resetting',
          )
          subs.requestOffsetReset(tp)
        }
        return
      }
      case ErrorCode.UNKNOWN_LEADER_EPOCH:
        // Our metadata is newer than the broker's: retry later.
        return
      default:
        if (METADATA_ERRORS.has(p.errorCode)) {
          s.preferredReadReplica = -1
          ctx.cluster.invalidateMetadata({ topic: tp.topic, reason: `Fetch: ${errorInfo(p.errorCode).name}` })
          return
        }
        {
          const c = new CompletedFetch(s, sent.fetchOffset, null, false, false, null)
          const err = brokerError(p.errorCode, `Fetch from node ${nodeId} failed`, {
            topic: tp.topic,
            partition: tp.partition,
          })
          if (err.invalidatesMetadata)
            ctx.cluster.invalidateMetadata({ topic: tp.topic, reason: `Fetch: ${err.errorName}` })
          c.error = err
          c.consumed = false
          this.#completed.push(c)
        }
    }
  }

  /** The log diverged from what we consumed: go back to where it diverged (or fail with autoOffsetReset 'none'). */
  #handleTruncation(s: TopicPartitionState, endOffset: bigint, epoch: number): void {
    const position = s.position!
    if (endOffset >= position.offset) return
    if (this.#ctx.subscriptions.defaultResetStrategy === 'none') {
      const c = new CompletedFetch(s, position.offset, null, false, false, null)
      c.error = new LogTruncationError(s.tp, position.offset, endOffset)
      c.consumed = false
      this.#completed.push(c)
      return
    }
    this.#ctx.logger?.warn(
      { topic: s.topic, partition: s.partition, offset: position.offset, resumeOffset: endOffset },
      'kafka-wire consumer: log truncation detected; resuming at the end offset',
    )
    s.position = { ...position, offset: endOffset, offsetEpoch: epoch }
  }

  /**
   * Drains up to `maxRecords` buffered records into a ConsumerRecords, advancing positions.
   * Throws a partition's deferred error when it is reached first.
   */
  collect(maxRecords: number): ConsumerRecords<K, V> {
    const subs = this.#ctx.subscriptions
    const out = new Map<string, { tp: TopicPartition; records: ConsumerRecord<K, V>[] }>()
    let remaining = maxRecords
    const pausedKeep: CompletedFetch[] = []
    try {
      while (remaining > 0) {
        let c = this.#nextInLine
        if (c === null || c.consumed) {
          c = this.#completed.shift() ?? null
          this.#nextInLine = c
          if (c === null) break
        }
        const s = c.state
        if (subs.stateByKey(s.key) !== s || !s.hasValidPosition || s.pendingRevocation) {
          // Unassigned, reset or seeked since the fetch: drop.
          this.#nextInLine = null
          continue
        }
        if (s.paused) {
          // Keep it for after resume().
          pausedKeep.push(c)
          this.#nextInLine = null
          continue
        }
        if (s.position!.offset !== c.nextFetchOffset) {
          this.#nextInLine = null
          continue
        }
        if (c.error !== null) {
          const err = c.error
          this.#nextInLine = null
          if (out.size > 0) {
            // Return what we have; raise the error at the next collect().
            this.#completed.unshift(c)
            break
          }
          throw err
        }
        const entry = out.get(s.key) ?? { tp: s.tp, records: [] }
        const before = entry.records.length
        try {
          c.fetch(before + remaining, entry.records, this.#keyDe, this.#valueDe, this.#shape)
        } catch (err) {
          this.#nextInLine = null
          const rest = new CompletedFetch(s, c.nextFetchOffset, null, false, false, null)
          // Bytes the batch reader could not trust (CRC, framing) name the partition and offset, as Java's
          // CorruptRecordException does; a deserializer's error is already a RecordDeserializationError.
          rest.error =
            err instanceof ProtocolError
              ? new CorruptRecordError(s.tp, c.nextFetchOffset, err)
              : err instanceof KafkaError
                ? err
                : new RecordDeserializationError(String(err), s.tp, c.nextFetchOffset, err)
          rest.consumed = false
          rest.nextFetchOffset = c.nextFetchOffset
          // Advance past what was returned, then stop at the bad record.
          if (c.nextFetchOffset !== s.position!.offset) subs.advance(s, c.nextFetchOffset, c.lastEpoch)
          if (entry.records.length > 0 || out.size > 0) {
            if (entry.records.length > 0) out.set(s.key, entry)
            this.#completed.unshift(rest)
            break
          }
          throw rest.error
        }
        const added = entry.records.length - before
        if (added > 0) out.set(s.key, entry)
        remaining -= added
        if (c.nextFetchOffset !== s.position!.offset) subs.advance(s, c.nextFetchOffset, c.lastEpoch)
        if (added > 0) this.#ctx.sensors?.lag(s, this.#now())
        if (c.consumed) this.#nextInLine = null
      }
    } finally {
      if (pausedKeep.length > 0) this.#completed.push(...pausedKeep)
    }
    if (remaining < maxRecords) this.#ctx.sensors?.consumed(maxRecords - remaining, this.#now())
    return new ConsumerRecords<K, V>(out)
  }

  /** Drops buffered data of partitions no longer assigned or whose position moved (seek). */
  clearBufferedDataFor(keys: Set<string>): void {
    this.#completed = this.#completed.filter((c) => !keys.has(c.state.key))
    if (this.#nextInLine !== null && keys.has(this.#nextInLine.state.key)) this.#nextInLine = null
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#abort.abort()
    this.#completed = []
    this.#nextInLine = null
  }
}

/** The broker a partition is fetched from: its preferred read replica (KIP-392) when known, else its leader. */
function readFrom(s: TopicPartitionState, leaderId: number, metadata: FetchMetadata): number {
  return s.preferredReadReplica >= 0 && metadata.brokers.has(s.preferredReadReplica) ? s.preferredReadReplica : leaderId
}

/** The `kafka-wire:consumer:fetch` payload of a plan (built only when someone subscribes). */
function fetchMessage(ctx: FetcherContext, plan: FetchRequestPlan): ConsumerFetchMessage {
  const partitions = [...plan.partitions.values()].map((p) => ({
    topic: p.topic,
    partition: p.partition,
    fetchOffset: p.fetchOffset,
  }))
  return { clientId: clientIdOf(ctx.cluster), groupId: ctx.options.groupId, nodeId: plan.nodeId, partitions }
}

/**
 * Positions from the partition leaders (Java's OffsetFetcher and OffsetsForLeaderEpochClient):
 * resetting positions (ListOffsets, for autoOffsetReset, seekToBeginning and seekToEnd) and
 * validating them after a leader change (OffsetForLeaderEpoch, KIP-320: truncation detection).
 * Owned by Offsets (offsets.ts), whose thin driver sends the requests; the committed offsets
 * (OffsetFetch / OffsetCommit) stay there.
 *
 * The Fetcher's sans-IO shape (fetcher.ts, producer/sender.ts): `poll(now, metadata)` plans one
 * request per leader and kind for the partitions awaiting a reset or a validation whose backoff
 * has ended, marks them in flight and says when to poll again; `onResponse(request, response, now,
 * metadata)` / `onError(request, error, now, metadata)` settle it into SubscriptionState. None of
 * them awaits or reads a clock, so test/unit/consumer/offset-fetcher.test.ts steps them with plain
 * numbers as time.
 *
 * A partition whose request failed (its own error code, or the whole request) is retried after the
 * one exponential backoff (internal/backoff.ts: retryBackoffMs doubling to retryBackoffMaxMs, ±20 %),
 * counted per partition and reset by its next success. Stale metadata is reported here (the
 * error code's `invalidatesMetadata` flag), never inferred by Cluster.
 *
 * A response is applied only to a partition still in the state it was requested for (same
 * TopicPartitionState, same state, same reset strategy or position): a seek, reassignment or newer
 * reset in the meantime wins.
 */
import { ErrorCode } from '../error-codes.js'
import { errorInfo } from '../errors.js'
import { backoff } from '../internal/backoff.js'
import type { Log } from '../internal/log.js'
import type { Apis, RequestOf, ResponseOf } from '../protocol/index.js'
import { LogTruncationError } from './errors.js'
import type { AutoOffsetReset } from './options.js'
import type { FetchPosition, SubscriptionState, TopicPartitionState } from './subscription-state.js'
import { tpKey } from './types.js'

export const LATEST_TIMESTAMP = -1n
export const EARLIEST_TIMESTAMP = -2n

export type ListOffsetsBody = RequestOf<typeof Apis.ListOffsets>
export type ListOffsetsResponseBody = ResponseOf<typeof Apis.ListOffsets>
export type OffsetForLeaderEpochBody = RequestOf<typeof Apis.OffsetForLeaderEpoch>
export type OffsetForLeaderEpochResponseBody = ResponseOf<typeof Apis.OffsetForLeaderEpoch>

/** What the OffsetFetcher reads from the cluster's metadata, and how it reports it stale. */
export interface PositionMetadata {
  leaderFor(topic: string, partition: number): { nodeId: number; leaderEpoch: number } | undefined
  requestMetadataRefresh(): void
  invalidateMetadata(cause: { topic?: string; reason?: string }): void
}

/** A ListOffsets to a leader for partitions awaiting a reset, with the strategy each was asked for. */
export interface ResetRequest {
  readonly kind: 'ListOffsets'
  readonly nodeId: number
  readonly body: ListOffsetsBody
  readonly states: readonly TopicPartitionState[]
  readonly strategies: ReadonlyMap<string, AutoOffsetReset | null>
}

/** An OffsetForLeaderEpoch to a leader for positions awaiting validation, with the position each had. */
export interface ValidateRequest {
  readonly kind: 'OffsetForLeaderEpoch'
  readonly nodeId: number
  readonly body: OffsetForLeaderEpochBody
  readonly states: readonly TopicPartitionState[]
  readonly positions: ReadonlyMap<string, FetchPosition>
}

export type PositionRequest = ResetRequest | ValidateRequest

export interface PositionsPoll {
  requests: PositionRequest[]
  /** Absolute time of the next poll (a partition's backoff ends); Infinity when only a response or a state change matters. */
  nextPollMs: number
}

export interface OffsetFetcherOptions {
  subscriptions: SubscriptionState
  isolationLevel: 'read_committed' | 'read_uncommitted'
  requestTimeoutMs: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  logger?: Log
  /** The backoff's jitter source (default Math.random), for tests. */
  random?: () => number
}

export class OffsetFetcher {
  readonly #o: OffsetFetcherOptions
  /** Per partition key: failed attempts in a row (reset or validation), for the exponential backoff. */
  readonly #failures = new Map<string, number>()

  constructor(options: OffsetFetcherOptions) {
    this.#o = options
  }

  /**
   * Plans the requests for every partition awaiting a validation or a reset (not in flight, not
   * backing off, not being revoked), one per leader and kind, and marks those partitions in flight.
   * A partition without a known leader asks for a metadata refresh and waits for the next poll.
   */
  poll(now: number, metadata: PositionMetadata): PositionsPoll {
    const subs = this.#o.subscriptions
    const requests: PositionRequest[] = []
    let missingLeader = false
    for (const [nodeId, states] of this.#byLeader(subs.partitionsNeedingValidation(now), metadata)) {
      if (nodeId < 0) missingLeader = true
      else requests.push(this.#validateRequest(nodeId, states, metadata))
    }
    for (const [nodeId, states] of this.#byLeader(subs.partitionsNeedingReset(now), metadata)) {
      if (nodeId < 0) missingLeader = true
      else requests.push(this.#resetRequest(nodeId, states, metadata))
    }
    if (missingLeader) metadata.requestMetadataRefresh()
    for (const r of requests) for (const s of r.states) s.requestInFlight = true
    let nextPollMs = Number.POSITIVE_INFINITY
    const waiting = [
      ...subs.partitionsNeedingValidation(Number.POSITIVE_INFINITY),
      ...subs.partitionsNeedingReset(Number.POSITIVE_INFINITY),
    ]
    for (const s of waiting) if (s.nextRetryAt > now) nextPollMs = Math.min(nextPollMs, s.nextRetryAt)
    return { requests, nextPollMs }
  }

  /**
   * Applies a response. Returns a LogTruncationError when a validation found the log truncated
   * below the position and autoOffsetReset is 'none' (the partition then retries after a backoff
   * and reports it again); other partitions of the response are applied regardless.
   */
  onResponse(
    request: PositionRequest,
    response: ListOffsetsResponseBody | OffsetForLeaderEpochResponseBody,
    now: number,
    metadata: PositionMetadata,
  ): LogTruncationError | undefined {
    for (const s of request.states) s.requestInFlight = false
    if (request.kind === 'ListOffsets') {
      this.#onResetResponse(request, response as ListOffsetsResponseBody, now, metadata)
      return undefined
    }
    return this.#onValidateResponse(request, response as OffsetForLeaderEpochResponseBody, now, metadata)
  }

  /** The request failed as a whole (connection, timeout): every partition backs off; a reset also refreshes metadata. */
  onError(request: PositionRequest, error: unknown, now: number, metadata: PositionMetadata): void {
    this.#o.logger?.debug(
      { nodeId: request.nodeId, request: request.kind, err: error },
      'kafka-wire consumer: offset lookup failed',
    )
    for (const s of request.states) {
      s.requestInFlight = false
      this.#failed(s, now)
    }
    if (request.kind === 'ListOffsets') metadata.requestMetadataRefresh()
  }

  // --- ListOffsets ----------------------------------------------------------------------------

  #resetRequest(nodeId: number, states: TopicPartitionState[], metadata: PositionMetadata): ResetRequest {
    const byTopic = new Map<string, { partitionIndex: number; timestamp: bigint; currentLeaderEpoch: number }[]>()
    for (const s of states) {
      let list = byTopic.get(s.topic)
      if (list === undefined) byTopic.set(s.topic, (list = []))
      list.push({
        partitionIndex: s.partition,
        timestamp: s.resetStrategy === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP,
        currentLeaderEpoch: metadata.leaderFor(s.topic, s.partition)?.leaderEpoch ?? -1,
      })
    }
    return {
      kind: 'ListOffsets',
      nodeId,
      body: listOffsetsBody(byTopic, this.#o.isolationLevel, this.#o.requestTimeoutMs),
      states,
      strategies: new Map(states.map((s) => [s.key, s.resetStrategy])),
    }
  }

  #onResetResponse(request: ResetRequest, res: ListOffsetsResponseBody, now: number, metadata: PositionMetadata): void {
    const subs = this.#o.subscriptions
    const results = new Map<string, ListOffsetsResponseBody['topics'][number]['partitions'][number]>()
    for (const t of res.topics) for (const p of t.partitions) results.set(tpKey(t.name, p.partitionIndex), p)
    for (const s of request.states) {
      if (
        subs.stateByKey(s.key) !== s ||
        s.state !== 'AWAIT_RESET' ||
        s.resetStrategy !== request.strategies.get(s.key)
      )
        continue
      const r = results.get(s.key)
      if (r === undefined || r.errorCode !== ErrorCode.NONE) {
        this.#failed(s, now)
        if (r !== undefined) reportStale(metadata, r.errorCode, s.topic, 'ListOffsets')
        continue
      }
      this.#failures.delete(s.key)
      subs.seek(s.tp, r.offset, r.leaderEpoch, metadata.leaderFor(s.topic, s.partition))
    }
  }

  // --- OffsetForLeaderEpoch -------------------------------------------------------------------

  #validateRequest(nodeId: number, states: TopicPartitionState[], metadata: PositionMetadata): ValidateRequest {
    const byTopic = new Map<string, { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[]>()
    for (const s of states) {
      let list = byTopic.get(s.topic)
      if (list === undefined) byTopic.set(s.topic, (list = []))
      list.push({
        partition: s.partition,
        currentLeaderEpoch: metadata.leaderFor(s.topic, s.partition)?.leaderEpoch ?? -1,
        leaderEpoch: s.position!.offsetEpoch,
      })
    }
    return {
      kind: 'OffsetForLeaderEpoch',
      nodeId,
      body: { replicaId: -1, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) },
      states,
      positions: new Map(states.map((s) => [s.key, s.position!])),
    }
  }

  #onValidateResponse(
    request: ValidateRequest,
    res: OffsetForLeaderEpochResponseBody,
    now: number,
    metadata: PositionMetadata,
  ): LogTruncationError | undefined {
    const subs = this.#o.subscriptions
    let truncation: LogTruncationError | undefined
    const results = new Map<string, { errorCode: number; leaderEpoch: number; endOffset: bigint }>()
    for (const t of res.topics) for (const p of t.partitions) results.set(tpKey(t.topic, p.partition), p)
    for (const s of request.states) {
      if (subs.stateByKey(s.key) !== s || s.state !== 'AWAIT_VALIDATION' || s.position !== request.positions.get(s.key))
        continue
      const r = results.get(s.key)
      if (r === undefined || r.errorCode !== ErrorCode.NONE) {
        this.#failed(s, now)
        if (r !== undefined) reportStale(metadata, r.errorCode, s.topic, 'OffsetForLeaderEpoch')
        continue
      }
      const position = s.position!
      if (r.endOffset < 0n || r.leaderEpoch < 0) {
        // The broker knows no such epoch: fall back to the reset strategy.
        this.#failures.delete(s.key)
        if (subs.defaultResetStrategy === 'none') {
          subs.seek(s.tp, position.offset, position.offsetEpoch, {
            nodeId: request.nodeId,
            leaderEpoch: position.leaderEpoch,
          })
        } else subs.requestOffsetReset(s.tp)
      } else if (r.endOffset < position.offset) {
        if (subs.defaultResetStrategy === 'none') {
          // Reported to the application; the partition stays awaiting validation.
          truncation ??= new LogTruncationError(s.tp, position.offset, r.endOffset)
          this.#failed(s, now)
          continue
        }
        this.#failures.delete(s.key)
        this.#o.logger?.warn(
          { topic: s.topic, partition: s.partition, offset: position.offset, resumeOffset: r.endOffset },
          'kafka-wire consumer: log truncation detected; resuming at the end offset',
        )
        subs.seek(s.tp, r.endOffset, r.leaderEpoch, metadata.leaderFor(s.topic, s.partition))
      } else {
        this.#failures.delete(s.key)
        subs.seek(s.tp, position.offset, position.offsetEpoch, metadata.leaderFor(s.topic, s.partition))
      }
    }
    return truncation
  }

  // --- helpers --------------------------------------------------------------------------------

  /** Groups partitions by leader; those without a known leader under -1. */
  #byLeader(states: TopicPartitionState[], metadata: PositionMetadata): Map<number, TopicPartitionState[]> {
    const byLeader = new Map<number, TopicPartitionState[]>()
    for (const s of states) {
      const leader = metadata.leaderFor(s.topic, s.partition)
      const nodeId = leader === undefined || leader.nodeId < 0 ? -1 : leader.nodeId
      let list = byLeader.get(nodeId)
      if (list === undefined) byLeader.set(nodeId, (list = []))
      list.push(s)
    }
    return byLeader
  }

  #failed(s: TopicPartitionState, now: number): void {
    const failures = (this.#failures.get(s.key) ?? 0) + 1
    this.#failures.set(s.key, failures)
    s.nextRetryAt = now + backoff(failures - 1, this.#o.retryBackoffMs, this.#o.retryBackoffMaxMs, this.#o.random)
  }
}

/** A ListOffsets body (replica -1: a consumer), shared with Offsets.listOffsets(). */
export function listOffsetsBody(
  byTopic: Map<string, { partitionIndex: number; timestamp: bigint; currentLeaderEpoch: number }[]>,
  isolationLevel: 'read_committed' | 'read_uncommitted',
  timeoutMs: number,
): ListOffsetsBody {
  return {
    replicaId: -1,
    isolationLevel: isolationLevel === 'read_committed' ? 1 : 0,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    timeoutMs,
  } as ListOffsetsBody
}

/**
 * Reports cached metadata stale when a partition's error code says so (its `invalidatesMetadata`
 * flag: NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, FENCED_LEADER_EPOCH, ...). Cluster
 * never reads error codes out of responses (docs/DESIGN.md, "Cluster: one send contract").
 */
export function reportStale(
  metadata: Pick<PositionMetadata, 'invalidateMetadata'>,
  code: number,
  topic: string,
  api: string,
): void {
  if (code === ErrorCode.NONE) return
  const info = errorInfo(code)
  if (info.invalidatesMetadata) metadata.invalidateMetadata({ topic, reason: `${api}: ${info.name}` })
}

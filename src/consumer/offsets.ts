/**
 * Offsets (Java's ConsumerCoordinator commit side): committing to and fetching from the group
 * coordinator (OffsetCommit / OffsetFetch), listing offsets by timestamp for the application
 * (offsetsForTimes, beginningOffsets, endOffsets), and the thin driver of the sans-IO OffsetFetcher
 * (offset-fetcher.ts: resets by ListOffsets, validation by OffsetForLeaderEpoch). Owned by Consumer.
 *
 * Ordering: commits go to the coordinator over one connection, answered in order, so a later
 * commit is applied after an earlier one. commitSync retries; a retry never re-sends a partition
 * for which a later commit (e.g. a commitAsync issued meanwhile) was already sent: an earlier commit
 * never overwrites a later one.
 */
import type { Cluster } from '../cluster/index.js'
import { type ConsumerCommitMessage, channels, clientIdOf, traced } from '../diagnostics/index.js'
import { ErrorCode } from '../error-codes.js'
import { brokerError, KafkaError, TimeoutError } from '../errors.js'
import { backoff } from '../internal/backoff.js'
import { sleep, TIMED_OUT, withDeadline } from '../internal/deadline.js'
import type { Log } from '../internal/log.js'
import { Apis, ZERO_UUID } from '../protocol/index.js'
import { CommitFailedError, IllegalStateError, NoOffsetForPartitionError } from './errors.js'
import type { CommitGeneration, GroupMembership } from './group/membership.js'
import type { CommitSensors } from './metrics.js'
import { listOffsetsBody, OffsetFetcher, type PositionRequest, reportStale } from './offset-fetcher.js'
import type { ResolvedConsumerOptions } from './options.js'
import type { SubscriptionState } from './subscription-state.js'
import { type OffsetAndMetadata, type TopicPartition, type TopicPartitionOffset, tpKey } from './types.js'

export type ClusterForOffsets = Pick<
  Cluster,
  'send' | 'leaderFor' | 'topic' | 'requestMetadataRefresh' | 'invalidateMetadata' | 'topicMetadata'
> & { readonly options?: { readonly retryBackoffMaxMs: number } }

export interface OffsetsContext {
  cluster: ClusterForOffsets
  subscriptions: SubscriptionState
  options: ResolvedConsumerOptions
  membership: GroupMembership | null
  requestTimeoutMs: number
  retryBackoffMs: number
  /** Cap of the exponential retry backoff (default: the cluster's retryBackoffMaxMs, else 1000). */
  retryBackoffMaxMs?: number
  logger?: Log
  /** A background position task finished: wake a waiting poll(). */
  onChange?: () => void
  /** The consumer's commit-latency / commit-rate (metrics.ts). */
  sensors?: CommitSensors
}

interface CommitEntry {
  topic: string
  partition: number
  offset: bigint
  metadata: string | null
  leaderEpoch: number
}

class RetriableCommitError extends KafkaError {}

export class Offsets {
  readonly #ctx: OffsetsContext
  #seq = 0
  #committedTask: Promise<void> | null = null
  #asyncError: unknown = null
  /** Per partition: sequence number of the latest commit sent for it. */
  readonly #lastSent = new Map<string, number>()
  #closed = false
  readonly #positions: OffsetFetcher

  constructor(ctx: OffsetsContext) {
    this.#ctx = ctx
    this.#positions = new OffsetFetcher({
      subscriptions: ctx.subscriptions,
      isolationLevel: ctx.options.isolationLevel,
      requestTimeoutMs: ctx.requestTimeoutMs,
      retryBackoffMs: ctx.retryBackoffMs,
      retryBackoffMaxMs: this.#retryBackoffMaxMs(),
      ...(ctx.logger ? { logger: ctx.logger } : {}),
    })
  }

  #retryBackoffMaxMs(): number {
    return this.#ctx.retryBackoffMaxMs ?? this.#ctx.cluster.options?.retryBackoffMaxMs ?? 1000
  }

  close(): void {
    this.#closed = true
  }

  #membership(): GroupMembership {
    const m = this.#ctx.membership
    if (m === null) throw new KafkaError('This operation needs a groupId', 'ERR_INVALID_GROUP_ID')
    return m
  }

  // -------------------------------------------------------------------------------------------
  // OffsetCommit

  /**
   * Commits `offsets`. With `retry` (commitSync) retriable errors are retried until `deadline`;
   * without (commitAsync) the first failure is final.
   */
  commit(offsets: TopicPartitionOffset[], opts: { deadline: number; retry: boolean }): Promise<void> {
    if (!channels.consumerCommit.hasSubscribers) return this.#commit(offsets, opts)
    const offset = (o: TopicPartitionOffset) => (Number.isSafeInteger(o.offset) ? BigInt(o.offset) : o.offset)
    const message: ConsumerCommitMessage = {
      clientId: clientIdOf(this.#ctx.cluster),
      groupId: this.#ctx.options.groupId,
      offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: offset(o) as bigint })),
    }
    return traced(channels.consumerCommit, message, () => this.#commit(offsets, opts))
  }

  async #commit(offsets: TopicPartitionOffset[], opts: { deadline: number; retry: boolean }): Promise<void> {
    const membership = this.#membership()
    const seq = ++this.#seq
    const entries: CommitEntry[] = offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: BigInt(o.offset),
      metadata: o.metadata ?? '',
      leaderEpoch: o.leaderEpoch ?? -1,
    }))
    if (entries.length === 0) return
    let attempt = 0
    for (;;) {
      // Never re-send what a later commit already covers.
      const pending = entries.filter((e) => (this.#lastSent.get(tpKey(e.topic, e.partition)) ?? 0) <= seq)
      if (pending.length === 0) return
      try {
        const r = await withDeadline(this.#commitOnce(membership, pending, seq, opts.deadline), opts.deadline)
        if (r === TIMED_OUT) throw new TimeoutError('Timed out committing offsets (the commit may still be applied)')
        return
      } catch (err) {
        const retriable =
          err instanceof RetriableCommitError ||
          (err instanceof KafkaError && err.retriable && !(err instanceof CommitFailedError))
        if (!opts.retry || !retriable || this.#closed) throw unwrap(err)
        const wait = backoff(attempt++, this.#ctx.retryBackoffMs, this.#retryBackoffMaxMs())
        if (Date.now() + wait >= opts.deadline) {
          throw new TimeoutError(`Timed out committing offsets: ${String((err as Error).message)}`, { cause: err })
        }
        await sleep(wait)
      }
    }
  }

  async #commitOnce(membership: GroupMembership, entries: CommitEntry[], seq: number, deadline: number): Promise<void> {
    const ctx = this.#ctx
    const subscribed = ctx.subscriptions.hasAutoAssignedPartitions
    let generation: CommitGeneration
    if (subscribed) {
      const g = membership.commitGeneration()
      if (g === null) {
        if (membership.rebalanceInProgress) {
          throw brokerError(
            ErrorCode.REBALANCE_IN_PROGRESS,
            'Offset commit cannot be completed since the consumer is undergoing a rebalance; call poll() to complete it, then retry',
          )
        }
        throw new CommitFailedError()
      }
      generation = g
    } else {
      generation = { generationId: -1, memberId: '', groupInstanceId: null }
    }
    const coordinatorId = await membership.coordinator(deadline)
    const ids = new Map<string, string>()
    for (const e of entries) ids.set(e.topic, ctx.cluster.topic(e.topic)?.topicId ?? ZERO_UUID)
    // v10+ names topics by id only: while an id is unknown, v9 at most.
    const maxVersion = [...ids.values()].some((id) => id === ZERO_UUID) ? 9 : undefined
    let version = -1
    const byTopic = new Map<string, CommitEntry[]>()
    for (const e of entries) {
      let list = byTopic.get(e.topic)
      if (list === undefined) byTopic.set(e.topic, (list = []))
      list.push(e)
      this.#lastSent.set(tpKey(e.topic, e.partition), seq)
    }
    let res: Awaited<ReturnType<Cluster['send']>> & any
    const started = Date.now()
    try {
      res = await ctx.cluster.send(
        coordinatorId,
        Apis.OffsetCommit,
        (v) => {
          version = v
          return {
            groupId: membership.groupId,
            generationIdOrMemberEpoch: generation.generationId,
            memberId: generation.memberId,
            groupInstanceId: generation.groupInstanceId,
            topics: [...byTopic].map(([topic, list]) => ({
              name: topic,
              topicId: ids.get(topic) ?? ZERO_UUID,
              partitions: list.map((e) => ({
                partitionIndex: e.partition,
                committedOffset: e.offset,
                committedLeaderEpoch: e.leaderEpoch,
                committedMetadata: e.metadata,
              })),
            })),
          }
        },
        { workload: 'group', ...(maxVersion === undefined ? {} : { maxVersion }), timeoutMs: ctx.requestTimeoutMs },
      )
    } catch (err) {
      if (err instanceof KafkaError && (err.retriable || err.code === 'ERR_CONNECTION')) {
        membership.markCoordinatorUnknown(`OffsetCommit failed: ${String(err)}`)
      }
      throw err
    }
    const answered = Date.now() // Java records every OffsetCommit answered, error codes included
    ctx.sensors?.committed(answered - started, answered)
    const idToName = new Map([...ids].map(([name, id]) => [id, name]))
    const errors: KafkaError[] = []
    let retriable = true
    for (const t of res.topics) {
      const topic = version >= 10 ? (idToName.get(t.topicId) ?? t.name) : t.name
      for (const p of t.partitions) {
        const code = p.errorCode
        if (code === ErrorCode.NONE) continue
        const where = { topic, partition: p.partitionIndex }
        reportStale(ctx.cluster, code, topic, 'OffsetCommit')
        switch (code) {
          case ErrorCode.COORDINATOR_NOT_AVAILABLE:
          case ErrorCode.NOT_COORDINATOR:
          case ErrorCode.REQUEST_TIMED_OUT:
            membership.markCoordinatorUnknown(`OffsetCommit error ${code}`)
            errors.push(brokerError(code, null, where))
            break
          case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
          case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
            errors.push(brokerError(code, null, where))
            break
          case ErrorCode.REBALANCE_IN_PROGRESS:
            membership.onCommitError(code, generation)
            retriable = false
            errors.push(
              brokerError(
                code,
                'Offset commit cannot be completed since the group is rebalancing; call poll() to complete the rebalance',
                where,
              ),
            )
            break
          case ErrorCode.UNKNOWN_MEMBER_ID:
          case ErrorCode.ILLEGAL_GENERATION:
          case ErrorCode.STALE_MEMBER_EPOCH:
            membership.onCommitError(code, generation)
            retriable = false
            errors.push(new CommitFailedError(undefined, { cause: brokerError(code, null, where), ...where }))
            break
          case ErrorCode.FENCED_INSTANCE_ID:
            membership.onCommitError(code, generation)
            retriable = false
            errors.push(brokerError(code, null, where))
            break
          default:
            retriable = false
            errors.push(brokerError(code, 'OffsetCommit failed', where))
        }
      }
    }
    if (errors.length === 0) return
    const first = errors.find((e) => !e.retriable) ?? errors[0]!
    if (retriable && errors.every((e) => e.retriable))
      throw new RetriableCommitError(first.message, first.code, { cause: first, retriable: true })
    throw first
  }

  // -------------------------------------------------------------------------------------------
  // OffsetFetch

  async fetchCommitted(tps: TopicPartition[], deadline: number): Promise<Map<string, OffsetAndMetadata | null>> {
    const membership = this.#membership()
    const out = new Map<string, OffsetAndMetadata | null>()
    if (tps.length === 0) return out
    let attempt = 0
    for (;;) {
      try {
        const r = await withDeadline(this.#fetchCommittedOnce(membership, tps, deadline), deadline)
        if (r === TIMED_OUT) throw new TimeoutError('Timed out fetching committed offsets')
        return r
      } catch (err) {
        if (!(err instanceof KafkaError && err.retriable) || this.#closed) throw err
        const wait = backoff(attempt++, this.#ctx.retryBackoffMs, this.#retryBackoffMaxMs())
        if (Date.now() + wait >= deadline) {
          throw new TimeoutError(`Timed out fetching committed offsets: ${err.message}`, { cause: err })
        }
        await sleep(wait)
      }
    }
  }

  async #fetchCommittedOnce(
    membership: GroupMembership,
    tps: TopicPartition[],
    deadline: number,
  ): Promise<Map<string, OffsetAndMetadata | null>> {
    const ctx = this.#ctx
    const coordinatorId = await membership.coordinator(deadline)
    const byTopic = new Map<string, number[]>()
    for (const tp of tps) {
      let list = byTopic.get(tp.topic)
      if (list === undefined) byTopic.set(tp.topic, (list = []))
      list.push(tp.partition)
    }
    const ids = new Map<string, string>()
    for (const topic of byTopic.keys()) ids.set(topic, ctx.cluster.topic(topic)?.topicId ?? ZERO_UUID)
    // v10+ names topics by id only: while an id is unknown, v9 at most.
    const maxVersion = [...ids.values()].some((id) => id === ZERO_UUID) ? 9 : undefined
    let version = -1
    const topics = [...byTopic].map(([name, partitionIndexes]) => ({
      name,
      topicId: ids.get(name) ?? ZERO_UUID,
      partitionIndexes,
    }))
    let res: any
    try {
      res = await ctx.cluster.send(
        coordinatorId,
        Apis.OffsetFetch,
        (v) => {
          version = v
          return v >= 8
            ? {
                groups: [{ groupId: membership.groupId, memberId: null, memberEpoch: -1, topics }],
                requireStable: true,
              }
            : { groupId: membership.groupId, topics, requireStable: true }
        },
        { workload: 'group', ...(maxVersion === undefined ? {} : { maxVersion }), timeoutMs: ctx.requestTimeoutMs },
      )
    } catch (err) {
      // A coordinator that cannot be reached (it died, or left the cluster metadata) is marked
      // unknown, so the retry looks it up again instead of trying the dead node.
      if (err instanceof KafkaError && (err.retriable || err.code === 'ERR_CONNECTION'))
        membership.markCoordinatorUnknown(`OffsetFetch failed: ${String(err)}`)
      throw err
    }
    let groupError: number
    let resTopics: { name: string; topicId?: string; partitions: any[] }[]
    if (version >= 8) {
      const g = res.groups[0]
      groupError = g?.errorCode ?? ErrorCode.NONE
      resTopics = g?.topics ?? []
    } else {
      groupError = res.errorCode ?? ErrorCode.NONE
      resTopics = res.topics
    }
    if (groupError !== ErrorCode.NONE) this.#throwGroupError(membership, groupError)
    const idToName = new Map([...ids].map(([name, id]) => [id, name]))
    const out = new Map<string, OffsetAndMetadata | null>()
    for (const t of resTopics) {
      const topic = version >= 10 ? (idToName.get(t.topicId!) ?? t.name) : t.name
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) {
          reportStale(ctx.cluster, p.errorCode, topic, 'OffsetFetch')
          if (p.errorCode === ErrorCode.UNSTABLE_OFFSET_COMMIT) {
            throw brokerError(p.errorCode, 'pending transactional offsets', { topic, partition: p.partitionIndex })
          }
          if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
            out.set(tpKey(topic, p.partitionIndex), null)
            continue
          }
          throw brokerError(p.errorCode, 'OffsetFetch failed', { topic, partition: p.partitionIndex })
        }
        out.set(
          tpKey(topic, p.partitionIndex),
          p.committedOffset >= 0n
            ? { offset: p.committedOffset, metadata: p.metadata, leaderEpoch: p.committedLeaderEpoch ?? -1 }
            : null,
        )
      }
    }
    return out
  }

  #throwGroupError(membership: GroupMembership, code: number): never {
    if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
      membership.markCoordinatorUnknown(`OffsetFetch error ${code}`)
    }
    throw brokerError(code, `OffsetFetch for group ${membership.groupId} failed`)
  }

  // -------------------------------------------------------------------------------------------
  // Positions: committed offsets, resets, validation

  /**
   * Gives every assigned partition a position: committed offset (group), else the reset strategy.
   * Throws NoOffsetForPartitionError for partitions that have neither and autoOffsetReset 'none'.
   */
  async updateFetchPositions(deadline: number): Promise<void> {
    const subs = this.#ctx.subscriptions
    // Java's fast path: with every position known there is nothing to validate, reset or initialize.
    if (subs.hasAllFetchPositions()) return
    // Validation and resets run in the background; their results land in SubscriptionState and wake poll().
    this.#sendPositionRequests(Date.now())
    if (subs.initializingPartitions().length > 0) {
      if (this.#ctx.membership !== null) {
        // Not bounded by this poll's timeout: a later poll() picks up the same request (as Java does).
        this.#committedTask ??= this.#refreshCommittedOffsets().finally(() => {
          this.#committedTask = null
          this.#ctx.onChange?.()
        })
        const r = await withDeadline(this.#committedTask, deadline)
        if (r === TIMED_OUT) return
      }
      const none = subs.resetInitializingPartitions()
      if (none.length > 0) throw new NoOffsetForPartitionError(none.map((s) => s.tp))
    }
    this.#sendPositionRequests(Date.now())
  }

  /**
   * The OffsetFetcher's thin driver: sends what it plans (resets, validations) without waiting;
   * each settled request updates SubscriptionState and wakes poll(). Returns how many were sent.
   */
  #sendPositionRequests(now: number): number {
    const { requests } = this.#positions.poll(now, this.#ctx.cluster)
    for (const request of requests) this.#sendPositionRequest(request)
    return requests.length
  }

  #sendPositionRequest(request: PositionRequest): void {
    const { cluster } = this.#ctx
    const sent =
      request.kind === 'ListOffsets'
        ? cluster.send(request.nodeId, Apis.ListOffsets, request.body, { timeoutMs: this.#ctx.requestTimeoutMs })
        : cluster.send(request.nodeId, Apis.OffsetForLeaderEpoch, request.body)
    ;(sent as Promise<Parameters<OffsetFetcher['onResponse']>[1]>)
      .then(
        (response) => {
          const truncation = this.#positions.onResponse(request, response, Date.now(), cluster)
          if (truncation !== undefined) this.#asyncError ??= truncation
        },
        (err) => this.#positions.onError(request, err, Date.now(), cluster),
      )
      .catch((err) => {
        this.#asyncError ??= err
      })
      .finally(() => this.#ctx.onChange?.())
  }

  /** An error from a background position task (truncation with autoOffsetReset 'none'), thrown once. */
  takeAsyncError(): unknown {
    const err = this.#asyncError
    this.#asyncError = null
    return err
  }

  async #refreshCommittedOffsets(): Promise<void> {
    const subs = this.#ctx.subscriptions
    const initializing = subs.initializingPartitions()
    if (initializing.length === 0) return
    const committed = await this.fetchCommitted(
      initializing.map((s) => s.tp),
      Date.now() + this.#ctx.options.defaultApiTimeoutMs,
    )
    for (const s of initializing) {
      if (subs.stateByKey(s.key) !== s || s.state !== 'INITIALIZING') continue
      const c = committed.get(s.key)
      if (c === undefined || c === null) continue
      const leader = this.#ctx.cluster.leaderFor(s.topic, s.partition)
      subs.seekUnvalidated(s.tp, {
        offset: c.offset,
        offsetEpoch: c.leaderEpoch,
        leaderId: leader?.nodeId ?? -1,
        leaderEpoch: leader?.leaderEpoch ?? -1,
      })
    }
  }

  /** ListOffsets on one broker; result keyed by tpKey. */
  async #listOffsetsFrom(
    nodeId: number,
    requests: { topic: string; partition: number; timestamp: bigint }[],
  ): Promise<Map<string, { errorCode: number; offset: bigint; timestamp: bigint; leaderEpoch: number }>> {
    const ctx = this.#ctx
    const byTopic = new Map<string, { partitionIndex: number; timestamp: bigint; currentLeaderEpoch: number }[]>()
    for (const r of requests) {
      let list = byTopic.get(r.topic)
      if (list === undefined) byTopic.set(r.topic, (list = []))
      list.push({
        partitionIndex: r.partition,
        timestamp: r.timestamp,
        currentLeaderEpoch: ctx.cluster.leaderFor(r.topic, r.partition)?.leaderEpoch ?? -1,
      })
    }
    const res = await ctx.cluster.send(
      nodeId,
      Apis.ListOffsets,
      listOffsetsBody(byTopic, ctx.options.isolationLevel, ctx.requestTimeoutMs),
      { timeoutMs: ctx.requestTimeoutMs },
    )
    const out = new Map<string, { errorCode: number; offset: bigint; timestamp: bigint; leaderEpoch: number }>()
    for (const t of res.topics) {
      for (const p of t.partitions) {
        out.set(tpKey(t.name, p.partitionIndex), {
          errorCode: p.errorCode,
          offset: p.offset,
          timestamp: p.timestamp,
          leaderEpoch: p.leaderEpoch,
        })
      }
    }
    return out
  }

  /**
   * Offsets by timestamp for any partitions (assigned or not): -2n earliest, -1n latest, else the
   * first offset whose timestamp is >= the given one (null when there is none).
   */
  async listOffsets(
    tps: TopicPartition[],
    timestamp: (tp: TopicPartition) => bigint,
    deadline: number,
  ): Promise<Map<string, { offset: bigint; timestamp: bigint; leaderEpoch: number } | null>> {
    const ctx = this.#ctx
    const out = new Map<string, { offset: bigint; timestamp: bigint; leaderEpoch: number } | null>()
    let pending = [...tps]
    let attempt = 0
    while (pending.length > 0) {
      if (this.#closed) throw new KafkaError('consumer closed', 'ERR_CLOSED')
      await ctx.cluster.topicMetadata([...new Set(pending.map((tp) => tp.topic))], {
        timeoutMs: Math.max(1, deadline - Date.now()),
      })
      const byLeader = new Map<number, TopicPartition[]>()
      for (const tp of pending) {
        const leader = ctx.cluster.leaderFor(tp.topic, tp.partition)
        if (leader === undefined || leader.nodeId < 0) continue
        let list = byLeader.get(leader.nodeId)
        if (list === undefined) byLeader.set(leader.nodeId, (list = []))
        list.push(tp)
      }
      const retry: TopicPartition[] = pending.filter((tp) => {
        const l = ctx.cluster.leaderFor(tp.topic, tp.partition)
        return l === undefined || l.nodeId < 0
      })
      await Promise.all(
        [...byLeader].map(async ([nodeId, list]) => {
          try {
            const res = await this.#listOffsetsFrom(
              nodeId,
              list.map((tp) => ({ ...tp, timestamp: timestamp(tp) })),
            )
            for (const tp of list) {
              const r = res.get(tpKey(tp.topic, tp.partition))
              if (r === undefined) retry.push(tp)
              else if (r.errorCode === ErrorCode.NONE) {
                out.set(
                  tpKey(tp.topic, tp.partition),
                  r.offset >= 0n ? { offset: r.offset, timestamp: r.timestamp, leaderEpoch: r.leaderEpoch } : null,
                )
              } else {
                const err = brokerError(r.errorCode, 'ListOffsets failed', tp)
                if (!err.retriable) throw err
                reportStale(ctx.cluster, r.errorCode, tp.topic, 'ListOffsets')
                retry.push(tp)
              }
            }
          } catch (err) {
            if (!(err instanceof KafkaError && err.retriable)) throw err
            retry.push(...list)
          }
        }),
      )
      pending = retry
      if (pending.length > 0) {
        const wait = backoff(attempt++, ctx.retryBackoffMs, this.#retryBackoffMaxMs())
        if (Date.now() + wait >= deadline) throw new TimeoutError('Timed out listing offsets')
        ctx.cluster.requestMetadataRefresh()
        await sleep(wait)
      }
    }
    return out
  }
}

function unwrap(err: unknown): unknown {
  if (err instanceof RetriableCommitError && err.cause !== undefined) return err.cause
  return err
}

export { IllegalStateError }

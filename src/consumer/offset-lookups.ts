/**
 * Offset lookups of the Consumer: beginningOffsets, endOffsets, offsetsForTimes (ListOffsets
 * through the Offsets module, after checking that the partitions exist) and position()'s wait.
 */
import type { Cluster } from '../cluster/index.js'
import { brokerError, ErrorCode, TimeoutError } from '../errors.js'
import { sleep } from '../internal/deadline.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import { IllegalStateError } from './errors.js'
import type { Offsets } from './offsets.js'
import type { SubscriptionState } from './subscription-state.js'
import { formatTp, type TopicPartition } from './types.js'

export interface ListedOffset extends TopicPartition {
  /** Null when there is no such offset (offsetsForTimes past the last record). */
  offset: bigint | null
  timestamp: bigint
  leaderEpoch: number
}

/**
 * Fails at once, naming the partition, for a partition its topic does not have (a lookup would
 * otherwise wait for a leader until the deadline). A missing topic fails as topicMetadata does
 * (UnknownTopicOrPartitionError naming it). The cache is refreshed once before deciding, in case
 * partitions were just added.
 */
export async function requireExistingPartitions(
  cluster: Pick<Cluster, 'topicMetadata' | 'refreshMetadata'>,
  partitions: readonly TopicPartition[],
  deadline: number,
): Promise<void> {
  const topics = [...new Set(partitions.map((tp) => tp.topic))]
  if (topics.length === 0) return
  let refreshed = false
  for (;;) {
    const md = await cluster.topicMetadata(topics, { timeoutMs: Math.max(1, deadline - Date.now()) })
    const missing = partitions.find((tp) => tp.partition >= (md.get(tp.topic)?.partitions.length ?? 0))
    if (missing === undefined) return
    if (refreshed) {
      const count = md.get(missing.topic)?.partitions.length ?? 0
      throw brokerError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `Partition ${formatTp(missing)} does not exist: ${missing.topic} has ${count} partition${count === 1 ? '' : 's'}`,
        { topic: missing.topic, partition: missing.partition },
      )
    }
    await cluster.refreshMetadata({ topics, timeoutMs: Math.max(1, deadline - Date.now()) })
    refreshed = true
  }
}

/** ListOffsets for `partitions` (timestamp -2 earliest, -1 latest, else a time), in their order. */
export async function listOffsets(
  cluster: Pick<Cluster, 'topicMetadata' | 'refreshMetadata'>,
  offsets: Pick<Offsets, 'listOffsets'>,
  partitions: readonly TopicPartition[],
  timestamp: (tp: TopicPartition) => bigint,
  deadline: number,
): Promise<ListedOffset[]> {
  await requireExistingPartitions(cluster, partitions, deadline)
  const res = await offsets.listOffsets([...partitions], timestamp, deadline)
  return partitions.map((tp) => {
    const r = res.get(topicPartitionKey(tp.topic, tp.partition))
    return {
      topic: tp.topic,
      partition: tp.partition,
      offset: r?.offset ?? null,
      timestamp: r?.timestamp ?? -1n,
      leaderEpoch: r?.leaderEpoch ?? -1,
    }
  })
}

/** position(): the partition's fetch position, looking it up (committed offset or reset) until the deadline. */
export async function awaitPosition(
  tp: TopicPartition,
  deadline: number,
  ctx: {
    cluster: Pick<Cluster, 'topicMetadata'>
    offsets: Pick<Offsets, 'updateFetchPositions'>
    subscriptions: SubscriptionState
    retryBackoffMs: number
    checkWakeup: () => void
  },
): Promise<bigint> {
  for (;;) {
    ctx.checkWakeup()
    const s = ctx.subscriptions.stateOf(tp)
    if (s === undefined) throw new IllegalStateError(`${formatTp(tp)} is no longer assigned`)
    if (s.hasValidPosition) return s.position!.offset
    if (Date.now() >= deadline) throw new TimeoutError(`Timed out getting the position of ${formatTp(tp)}`)
    await ctx.cluster.topicMetadata([tp.topic], { timeoutMs: Math.max(1, deadline - Date.now()) })
    await ctx.offsets.updateFetchPositions(deadline)
    if (!s.hasValidPosition) await sleep(Math.min(ctx.retryBackoffMs, deadline - Date.now()))
  }
}

/** Java's currentLag() for one partition's state; null when the position or the end is not known locally. */
export function currentLag(
  s:
    | {
        hasValidPosition: boolean
        position: { offset: bigint } | null
        lastStableOffset: bigint
        highWatermark: bigint
      }
    | undefined,
  isolationLevel: 'read_committed' | 'read_uncommitted',
): bigint | null {
  if (s === undefined || !s.hasValidPosition) return null
  const end = isolationLevel === 'read_committed' ? s.lastStableOffset : s.highWatermark
  return end < 0n ? null : end - s.position!.offset
}

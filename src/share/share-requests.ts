/**
 * ShareFetch and ShareAcknowledge request bodies, from a share session's plan and the
 * acknowledgements taken for the request (pure functions; share-consumer.ts sends them).
 */
import type { Apis } from '../protocol/index.js'
import type { RequestOf } from '../protocol/schema/dsl.js'
import type { SharePartition, TakenAcks } from './acknowledgements.js'
import type { ResolvedShareConsumerOptions } from './options.js'
import type { ShareFetchPlan } from './share-session.js'

type AckPartition = { partitionIndex: number; acknowledgementBatches: TakenAcks['batches'] }

/** Partitions by topic id; a partition named twice keeps the acknowledgements. */
function byTopicId(entries: Iterable<[SharePartition, TakenAcks['batches']]>): Map<string, AckPartition[]> {
  const topics = new Map<string, AckPartition[]>()
  for (const [p, batches] of entries) {
    let list = topics.get(p.topicId)
    if (list === undefined) topics.set(p.topicId, (list = []))
    const existing = list.find((x) => x.partitionIndex === p.partition)
    if (existing !== undefined) existing.acknowledgementBatches = batches
    else list.push({ partitionIndex: p.partition, acknowledgementBatches: batches })
  }
  return topics
}

/**
 * A ShareFetch naming the plan's added partitions and those carrying acknowledgements; MaxBytes is
 * `maxBytes` (a ShareFetchBudget's, at most fetchMaxBytes), else fetchMaxBytes.
 */
export function shareFetchBody(
  o: ResolvedShareConsumerOptions,
  memberId: string,
  plan: ShareFetchPlan,
  acks: ReadonlyMap<string, TakenAcks>,
  maxBytes: number = o.fetchMaxBytes,
): RequestOf<typeof Apis.ShareFetch> {
  const topics = byTopicId([
    ...plan.added.map((p): [SharePartition, TakenAcks['batches']] => [p, []]),
    ...[...acks.values()].map((t): [SharePartition, TakenAcks['batches']] => [t.partition, t.batches]),
  ])
  const forgotten = new Map<string, number[]>()
  for (const p of plan.forgotten) forgotten.set(p.topicId, [...(forgotten.get(p.topicId) ?? []), p.partition])
  return {
    groupId: o.groupId,
    memberId,
    shareSessionEpoch: plan.epoch,
    maxWaitMs: o.fetchMaxWaitMs,
    minBytes: o.fetchMinBytes,
    maxBytes: Math.min(maxBytes, o.fetchMaxBytes),
    maxRecords: o.maxPollRecords,
    batchSize: o.maxPollRecords,
    shareAcquireMode: o.shareAcquireMode === 'record_limit' ? 1 : 0,
    isRenewAck: false,
    topics: [...topics].map(([topicId, partitions]) => ({
      topicId,
      partitions: partitions.map((p) => ({ ...p, partitionMaxBytes: 0 })),
    })),
    forgottenTopicsData: [...forgotten].map(([topicId, partitions]) => ({ topicId, partitions })),
  }
}

export function shareAcknowledgeBody(
  groupId: string,
  memberId: string,
  epoch: number,
  acks: ReadonlyMap<string, TakenAcks>,
): RequestOf<typeof Apis.ShareAcknowledge> {
  const topics = byTopicId(
    [...acks.values()].map((t): [SharePartition, TakenAcks['batches']] => [t.partition, t.batches]),
  )
  return {
    groupId,
    memberId,
    shareSessionEpoch: epoch,
    isRenewAck: false,
    topics: [...topics].map(([topicId, partitions]) => ({ topicId, partitions })),
  }
}

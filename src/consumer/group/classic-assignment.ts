/**
 * The classic protocol's leader step (Java's ConsumerCoordinator.onLeaderElected): decode every
 * member's subscription, fetch metadata for all their topics, run the selected client-side assignor
 * (rack-aware when members report racks), encode the assignments for SyncGroup.
 */
import { isUsableTopic } from '../../cluster/index.js'
import { KafkaError } from '../../errors.js'
import type { MemberSubscription } from '../assignors/types.js'
import type { ClassicMembershipContext } from './classic.js'
import { decodeSubscription, encodeAssignment } from './consumer-protocol.js'

export async function performAssignment(
  ctx: ClassicMembershipContext,
  groupId: string,
  protocolName: string,
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[],
  signal: AbortSignal,
): Promise<{ assignments: { memberId: string; assignment: Buffer }[]; partitionCounts: Map<string, number> }> {
  const assignor = ctx.assignors.find((a) => a.name === protocolName)
  if (assignor === undefined)
    throw new KafkaError(`Coordinator selected unknown assignor ${protocolName}`, 'ERR_ASSIGNOR')
  const subscriptions = new Map<string, MemberSubscription>()
  const allTopics = new Set<string>()
  for (const m of members) {
    const s = decodeSubscription(m.memberId, m.groupInstanceId, m.metadata)
    subscriptions.set(m.memberId, s)
    for (const t of s.topics) allTopics.add(t)
  }
  ctx.subscriptions.groupSubscription = allTopics
  const topics = [...allTopics]
  if (topics.length > 0) await ctx.cluster.refreshMetadata({ topics, signal })
  const partitionCounts = new Map<string, number>()
  const racks = new Map<string, string[][]>()
  const useRacks = [...subscriptions.values()].some((s) => s.rackId !== null)
  for (const topic of topics) {
    const md = ctx.cluster.topic(topic)
    if (!isUsableTopic(md)) continue
    partitionCounts.set(topic, md.partitions.length)
    if (useRacks) {
      racks.set(
        topic,
        md.partitions.map((p) =>
          p.replicas.map((id) => ctx.cluster.brokers.get(id)?.rack).filter((r): r is string => typeof r === 'string'),
        ),
      )
    }
  }
  // Awaited: an assignor may be asynchronous (assignors/async.ts: kafkajs's assigners are).
  const result = await assignor.assign(partitionCounts, subscriptions, useRacks ? racks : undefined)
  const assignments: { memberId: string; assignment: Buffer }[] = []
  for (const m of members) {
    const a = result.get(m.memberId) ?? { partitions: [], userData: null }
    assignments.push({ memberId: m.memberId, assignment: encodeAssignment(a) })
  }
  ctx.logger?.debug(
    { groupId, members: members.length, assignor: protocolName },
    'kafka-wire group: the leader assigned',
  )
  return { assignments, partitionCounts }
}

/**
 * Why the leader must rejoin, or null: the subscribed topics' partition counts differ from those it
 * assigned from (Java's assignment snapshot against the metadata snapshot). The comparison is
 * two-way: a topic gone from the metadata (deleted) must have its partitions revoked, and a topic
 * that did not exist at assignment and now has partitions (created after subscribe()) must be
 * assigned — not held off until the group rebalances for another reason.
 */
export function assignedMetadataChange(
  assigned: ReadonlyMap<string, number>,
  partitionCounts: ReadonlyMap<string, number>,
): string | null {
  for (const [topic, count] of assigned) {
    const now = partitionCounts.get(topic) ?? 0
    if (now === count) continue
    return now === 0
      ? `${topic} is gone from the metadata`
      : `partition count of ${topic} changed from ${count} to ${now}`
  }
  for (const [topic, count] of partitionCounts) {
    if (count > 0 && !assigned.has(topic))
      return `${topic} appeared in the metadata with ${count} partition${count === 1 ? '' : 's'}`
  }
  return null
}

/**
 * Input clean-up and output building shared by the assignors, so that each assignor file holds
 * only its algorithm.
 */
import { compareStrings, compareTopicPartitions } from './ordering.js'
import type { GroupAssignment, MemberSubscription, TopicPartition } from './types.js'

/**
 * The topics that can be assigned: subscribed by at least one member and with at least one
 * partition, in sorted order. Java's leader builds partitionsPerTopic from exactly these topics;
 * doing it here too keeps a caller's extra entries from skewing the sticky quotas.
 */
export function assignableTopics(
  partitionsPerTopic: ReadonlyMap<string, number>,
  subscriptions: ReadonlyMap<string, MemberSubscription>,
): Map<string, number> {
  const subscribed = new Set<string>()
  for (const subscription of subscriptions.values()) {
    for (const topic of subscription.topics) subscribed.add(topic)
  }
  const topics = [...subscribed].filter((topic) => (partitionsPerTopic.get(topic) ?? 0) > 0).sort(compareStrings)
  return new Map(topics.map((topic) => [topic, Math.trunc(partitionsPerTopic.get(topic)!)]))
}

/** Member ids in code-unit order: the iteration order of the sticky algorithms, which makes them deterministic. */
export function sortedMemberIds(subscriptions: ReadonlyMap<string, MemberSubscription>): string[] {
  return [...subscriptions.keys()].sort(compareStrings)
}

/** An empty partition list for every member. */
export function emptyAssignment(subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, TopicPartition[]> {
  return new Map(sortedMemberIds(subscriptions).map((memberId) => [memberId, []]))
}

/**
 * Wraps raw lists into GroupAssignments (no userData): members in id order, partitions sorted by
 * topic then partition, so equal assignments are equal however they were built.
 */
export function toGroupAssignments(raw: ReadonlyMap<string, TopicPartition[]>): Map<string, GroupAssignment> {
  const result = new Map<string, GroupAssignment>()
  for (const memberId of [...raw.keys()].sort(compareStrings)) {
    const partitions = raw.get(memberId)!
    const sorted = partitions.map(({ topic, partition }) => ({ topic, partition })).sort(compareTopicPartitions)
    result.set(memberId, { partitions: sorted, userData: null })
  }
  return result
}

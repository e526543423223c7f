/**
 * Orderings shared by the assignors. They reproduce Java's: `String.compareTo` compares UTF-16
 * code units, which is what JavaScript's `<` does on strings (and `localeCompare` does not), so a
 * kafka-wire leader orders members and topics exactly as a Java leader would.
 */
import type { MemberSubscription, TopicPartition } from './types.js'

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Topic, then partition: the order of every assignor's output. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition
}

/**
 * Java's AbstractPartitionAssignor.MemberInfo order, used by range and roundrobin: static members
 * first, by group instance id (so a restarted static member keeps its place, KIP-345), then
 * dynamic members by member id.
 */
export function compareMembers(
  a: Pick<MemberSubscription, 'memberId' | 'groupInstanceId'>,
  b: Pick<MemberSubscription, 'memberId' | 'groupInstanceId'>,
): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) {
    return compareStrings(a.groupInstanceId, b.groupInstanceId)
  }
  if (a.groupInstanceId !== null) return -1
  if (b.groupInstanceId !== null) return 1
  return compareStrings(a.memberId, b.memberId)
}

/**
 * The shared core of 'sticky' and 'cooperative-sticky' (Java's AbstractStickyAssignor): a
 * balanced assignment that keeps as many partitions as possible where they are. The two
 * assignors differ only in where a member's previous assignment comes from (its userData, or the
 * ownedPartitions of its subscription) and in what cooperative-sticky does afterwards.
 *
 * Balanced means: with identical subscriptions, partition counts differ by at most one; with
 * different ones, no partition could move to a member with two or fewer than its holder.
 */
import { assignableTopics, sortedMemberIds } from '../normalize.js'
import type { MemberSubscription, PartitionRacks, TopicPartition } from '../types.js'
import { PartitionCatalog } from './catalog.js'
import { assignConstrained } from './constrained-builder.js'
import { assignGeneral } from './general-builder.js'
import { type Ownership, resolveOwnership } from './ownership.js'
import { StickyRackInfo } from './rack-info.js'
import type { MemberData } from './user-data.js'

export interface StickyResult {
  /** member → assigned partitions (every member has an entry). */
  assignment: Map<string, TopicPartition[]>
  /** The previous ownership the assignment started from, with conflicts resolved. */
  ownership: Ownership
}

export function stickyAssign(
  partitionsPerTopic: ReadonlyMap<string, number>,
  subscriptions: ReadonlyMap<string, MemberSubscription>,
  memberData: ReadonlyMap<string, MemberData>,
  partitionRacks: PartitionRacks | undefined,
): StickyResult {
  const catalog = new PartitionCatalog(assignableTopics(partitionsPerTopic, subscriptions))
  const members = sortedMemberIds(subscriptions)
  const ownership = resolveOwnership(members, memberData, catalog)
  if (members.length === 0) return { assignment: new Map(), ownership }

  const racks = new StickyRackInfo(catalog, subscriptions, partitionRacks)
  const topics = new Map(members.map((m) => [m, new Set(subscriptions.get(m)!.topics)]))
  const assignment = allSubscriptionsEqual(topics.values())
    ? assignConstrained(catalog, members, ownership, racks)
    : assignGeneral(catalog, members, topics, memberData, ownership, racks)
  return { assignment, ownership }
}

function allSubscriptionsEqual(subscriptions: Iterable<ReadonlySet<string>>): boolean {
  let first: ReadonlySet<string> | undefined
  for (const topics of subscriptions) {
    if (first === undefined) first = topics
    else if (topics.size !== first.size || [...topics].some((t) => !first!.has(t))) return false
  }
  return true
}

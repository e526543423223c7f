/**
 * Rack-awareness shared by range and the sticky assignors (KIP-881): a member that reports a
 * `rackId` should, where balance allows, get partitions with a replica on its rack, so it can
 * fetch from a follower in its own rack (KIP-392) instead of across racks.
 */
import type { MemberSubscription, PartitionRacks } from './types.js'

/** member id → rack, for members that report a non-empty rack (Java ignores empty strings too). */
export function memberRacks(subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, string> {
  const racks = new Map<string, string>()
  for (const [memberId, subscription] of subscriptions) {
    if (subscription.rackId) racks.set(memberId, subscription.rackId)
  }
  return racks
}

/** The distinct racks of a partition's replicas; empty when unknown. */
export function replicaRacks(
  partitionRacks: PartitionRacks | undefined,
  topic: string,
  partition: number,
): Set<string> {
  return new Set(partitionRacks?.get(topic)?.[partition] ?? [])
}

/**
 * Java's AbstractPartitionAssignor.useRackAwareAssignment: worth it only if some member rack
 * holds replicas, and not every partition has replicas on every rack (then any member is as
 * good as any other, and the plain algorithm keeps more stickiness).
 */
export function useRackAwareAssignment(
  consumerRacks: ReadonlySet<string>,
  racksPerPartition: Iterable<ReadonlySet<string>>,
): boolean {
  const partitions = [...racksPerPartition]
  const allPartitionRacks = new Set<string>()
  for (const racks of partitions) for (const rack of racks) allPartitionRacks.add(rack)
  if (![...consumerRacks].some((rack) => allPartitionRacks.has(rack))) return false
  return !partitions.every((racks) => racks.size === allPartitionRacks.size)
}

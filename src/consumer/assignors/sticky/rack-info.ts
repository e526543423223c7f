/**
 * Rack information for the sticky builders (Java's AbstractStickyAssignor.RackInfo). When
 * rack-aware assignment is not worth it (see racks.ts), it reports no racks at all, and every
 * rack check passes, so the builders run their plain algorithm.
 */
import { memberRacks, replicaRacks, useRackAwareAssignment } from '../racks.js'
import type { MemberSubscription, PartitionRacks, TopicPartition } from '../types.js'
import type { PartitionCatalog } from './catalog.js'

export class StickyRackInfo {
  /** member → rack; empty when rack-aware assignment is off. */
  readonly memberRacks: ReadonlyMap<string, string>
  /** partition → racks of its replicas; empty when rack-aware assignment is off. */
  readonly partitionRacks: ReadonlyMap<TopicPartition, ReadonlySet<string>>
  /** partition → how many members sit on one of its racks (scarce partitions are placed first). */
  readonly #membersOnRacks = new Map<TopicPartition, number>()

  constructor(
    catalog: PartitionCatalog,
    subscriptions: ReadonlyMap<string, MemberSubscription>,
    partitionRacks: PartitionRacks | undefined,
  ) {
    const racks = memberRacks(subscriptions)
    const byPartition = new Map<TopicPartition, Set<string>>()
    if (racks.size > 0) {
      for (const tp of catalog.all()) byPartition.set(tp, replicaRacks(partitionRacks, tp.topic, tp.partition))
    }
    const enabled = useRackAwareAssignment(new Set(racks.values()), byPartition.values())
    this.memberRacks = enabled ? racks : new Map()
    this.partitionRacks = enabled ? byPartition : new Map()
    if (enabled) {
      const membersPerRack = new Map<string, number>()
      for (const rack of racks.values()) membersPerRack.set(rack, (membersPerRack.get(rack) ?? 0) + 1)
      for (const [tp, set] of byPartition) {
        let count = 0
        for (const rack of set) count += membersPerRack.get(rack) ?? 0
        this.#membersOnRacks.set(tp, count)
      }
    }
  }

  get enabled(): boolean {
    return this.memberRacks.size > 0
  }

  /** True if the member has a rack and the partition has no replica there. */
  racksMismatch(member: string, tp: TopicPartition): boolean {
    const rack = this.memberRacks.get(member)
    return rack !== undefined && !(this.partitionRacks.get(tp)?.has(rack) ?? false)
  }

  /** Partitions with the fewest members on their racks first (stable), so they get a matching member. */
  sortByRackMembers(partitions: TopicPartition[]): TopicPartition[] {
    if (!this.enabled) return partitions
    return [...partitions].sort((a, b) => (this.#membersOnRacks.get(a) ?? 0) - (this.#membersOnRacks.get(b) ?? 0))
  }

  /** Index of the first member in `members`, cycling from `first`, on one of the partition's racks; -1 if none. */
  nextRackMember(tp: TopicPartition, members: readonly string[], first: number): number {
    const racks = this.partitionRacks.get(tp)
    if (!racks || racks.size === 0) return -1
    for (let i = 0; i < members.length; i++) {
      const index = (first + i) % members.length
      const rack = this.memberRacks.get(members[index]!)
      if (rack !== undefined && racks.has(rack)) return index
    }
    return -1
  }
}

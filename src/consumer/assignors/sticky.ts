/**
 * The 'sticky' assignor (Java's StickyAssignor), EAGER only: balanced, and keeping as many
 * partitions as possible with their previous owner across rebalances.
 *
 * Under the eager protocol a member revokes everything before it joins, so its subscription has
 * no ownedPartitions; instead each member remembers its last assignment (`onAssignment`) and
 * sends it, with that generation, as userData in Java's StickyAssignor format. The leader reads
 * every member's previous assignment from there.
 */
import { toGroupAssignments } from './normalize.js'
import { stickyAssign } from './sticky/sticky-assign.js'
import { DEFAULT_GENERATION, decodeStickyUserData, encodeStickyUserData } from './sticky/user-data.js'
import type {
  ConsumerPartitionAssignor,
  GroupAssignment,
  MemberSubscription,
  PartitionRacks,
  RebalanceProtocol,
  TopicPartition,
} from './types.js'

export class StickyAssignor implements ConsumerPartitionAssignor {
  readonly name: string = 'sticky'
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER']
  /** This member's last assignment; null until it has had one (then it sends no userData, as Java). */
  #memberAssignment: TopicPartition[] | null = null
  #generation = DEFAULT_GENERATION

  subscriptionUserData(): Buffer | null {
    return this.#memberAssignment === null ? null : encodeStickyUserData(this.#memberAssignment, this.#generation)
  }

  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<string, MemberSubscription>,
    partitionRacks?: PartitionRacks,
  ): Map<string, GroupAssignment> {
    const memberData = new Map([...subscriptions].map(([id, s]) => [id, decodeStickyUserData(s.userData)]))
    return toGroupAssignments(stickyAssign(partitionsPerTopic, subscriptions, memberData, partitionRacks).assignment)
  }

  onAssignment(assignment: GroupAssignment, generationId: number): void {
    this.#memberAssignment = assignment.partitions.map(({ topic, partition }) => ({ topic, partition }))
    this.#generation = generationId
  }
}

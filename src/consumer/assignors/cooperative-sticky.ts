/**
 * The 'cooperative-sticky' assignor (Java's CooperativeStickyAssignor, KIP-429): the sticky
 * algorithm under the COOPERATIVE protocol (EAGER also supported, for upgrades).
 *
 * Cooperative members keep their partitions while rejoining and report them as ownedPartitions;
 * the generation they were assigned in travels in the subscription (v2+) and, for older
 * subscription versions, in userData as an int32.
 *
 * The cooperative rule: a partition is never given to a new owner while another member still
 * owns it. So when a partition moves from A to B, this round's assignment leaves it out of B's
 * list; A sees it missing from its own list and revokes it, which triggers a second rebalance in
 * which B gets it. Java derives the withheld partitions from its builders' bookkeeping; here the
 * rule is applied directly to the final assignment: a partition is withheld from a member that
 * is not its valid owner (the one claimant of the highest generation) while any other member
 * claims it. Where Java's bookkeeping is right the result is the same; it also covers the cases
 * it misses (with different subscriptions, kafka-clients 4.3.1 can give a partition to a stale
 * claimant while its valid owner still has it; see the Java oracle test).
 */
import { toGroupAssignments } from './normalize.js'
import { stickyAssign } from './sticky/sticky-assign.js'
import {
  DEFAULT_GENERATION,
  decodeCooperativeGeneration,
  encodeCooperativeUserData,
  type MemberData,
} from './sticky/user-data.js'
import type {
  ConsumerPartitionAssignor,
  GroupAssignment,
  MemberSubscription,
  PartitionRacks,
  RebalanceProtocol,
  TopicPartition,
} from './types.js'

export class CooperativeStickyAssignor implements ConsumerPartitionAssignor {
  readonly name: string = 'cooperative-sticky'
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['COOPERATIVE', 'EAGER']
  #generation = DEFAULT_GENERATION

  subscriptionUserData(): Buffer {
    return encodeCooperativeUserData(this.#generation)
  }

  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<string, MemberSubscription>,
    partitionRacks?: PartitionRacks,
  ): Map<string, GroupAssignment> {
    const memberData = new Map([...subscriptions].map(([id, s]) => [id, cooperativeMemberData(s)]))
    const { assignment, ownership } = stickyAssign(partitionsPerTopic, subscriptions, memberData, partitionRacks)

    const claimants = new Map<TopicPartition, string[]>()
    for (const [member, claimed] of ownership.claims) {
      for (const tp of claimed) {
        const list = claimants.get(tp)
        if (list) list.push(member)
        else claimants.set(tp, [member])
      }
    }
    const stillOwnedElsewhere = (member: string, tp: TopicPartition) =>
      ownership.owners.get(tp) !== member && (claimants.get(tp) ?? []).some((other) => other !== member)

    const adjusted = new Map<string, TopicPartition[]>()
    for (const [member, partitions] of assignment) {
      adjusted.set(
        member,
        partitions.filter((tp) => !stillOwnedElsewhere(member, tp)),
      )
    }
    return toGroupAssignments(adjusted)
  }

  onAssignment(_assignment: GroupAssignment, generationId: number): void {
    this.#generation = generationId
  }
}

/** Java's CooperativeStickyAssignor.memberData: the subscription's generation if it has one, else userData's. */
function cooperativeMemberData(subscription: MemberSubscription): MemberData {
  const generation =
    subscription.generationId >= 0 ? subscription.generationId : decodeCooperativeGeneration(subscription.userData)
  return { partitions: subscription.ownedPartitions, generation }
}

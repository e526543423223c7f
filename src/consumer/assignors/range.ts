/**
 * The 'range' assignor (Java's RangeAssignor), EAGER only.
 *
 * Per topic: partitions in numeric order, the topic's subscribers in member order (static
 * members by group instance id first, then member id); each subscriber gets a contiguous range,
 * the first `partitions % subscribers` one extra. Two members, two topics of 3 partitions:
 * C0 = [t0p0, t0p1, t1p0, t1p1], C1 = [t0p2, t1p2]. Topics with the same subscribers and
 * partition count are thus co-partitioned (partition i of each goes to the same member), which
 * joins rely on.
 *
 * Rack-aware variant (when members report racks and replicas are not on every rack): first,
 * partitions are given to members on a replica's rack within the same per-topic quotas (for
 * co-partitioned topics, partition i of all of them together, so co-partitioning survives);
 * then the rest are assigned by plain ranges.
 */
import { assignableTopics, emptyAssignment, toGroupAssignments } from './normalize.js'
import { compareMembers } from './ordering.js'
import { memberRacks, replicaRacks, useRackAwareAssignment } from './racks.js'
import type {
  ConsumerPartitionAssignor,
  GroupAssignment,
  MemberSubscription,
  PartitionRacks,
  RebalanceProtocol,
  TopicPartition,
} from './types.js'

export class RangeAssignor implements ConsumerPartitionAssignor {
  readonly name: string = 'range'
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER']

  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<string, MemberSubscription>,
    partitionRacks?: PartitionRacks,
  ): Map<string, GroupAssignment> {
    const assignment = emptyAssignment(subscriptions)
    const ordered = [...subscriptions.values()].sort(compareMembers)
    const racks = memberRacks(subscriptions)
    const states = [...assignableTopics(partitionsPerTopic, subscriptions)].map(
      ([topic, count]) =>
        new TopicState(
          topic,
          count,
          ordered.filter((s) => s.topics.includes(topic)).map((s) => s.memberId),
          racks,
          partitionRacks,
        ),
    )

    if (states.some((state) => state.needsRackAware)) assignWithRackMatching(states, assignment)
    for (const state of states) assignRanges(state, () => true, assignment)
    return toGroupAssignments(assignment)
  }
}

/** The assignment progress of one topic: per-member quotas as in plain range assignment. */
class TopicState {
  readonly unassigned = new Set<number>()
  readonly needsRackAware: boolean
  /** Rack set per partition; empty when none of the topic's members has a rack (Java's empty map). */
  readonly partitionRacks: Set<string>[]
  readonly #assignedCount = new Map<string, number>()
  readonly #perMember: number
  #remainingWithExtra: number

  constructor(
    readonly topic: string,
    partitionCount: number,
    /** Subscribers in member order. */
    readonly members: readonly string[],
    readonly racks: ReadonlyMap<string, string>,
    partitionRacks: PartitionRacks | undefined,
  ) {
    for (let p = 0; p < partitionCount; p++) this.unassigned.add(p)
    for (const member of members) this.#assignedCount.set(member, 0)
    this.#perMember = members.length === 0 ? 0 : Math.floor(partitionCount / members.length)
    this.#remainingWithExtra = members.length === 0 ? 0 : partitionCount % members.length

    const consumerRacks = new Set(members.flatMap((m) => (racks.has(m) ? [racks.get(m)!] : [])))
    this.partitionRacks =
      consumerRacks.size === 0
        ? []
        : Array.from({ length: partitionCount }, (_, p) => replicaRacks(partitionRacks, topic, p))
    this.needsRackAware = useRackAwareAssignment(consumerRacks, this.partitionRacks)
  }

  /** Members without a rack match every partition. */
  racksMatch(member: string, partition: number): boolean {
    const rack = this.racks.get(member)
    return rack === undefined || (this.partitionRacks[partition]?.has(rack) ?? false)
  }

  maxAssignable(member: string): number {
    const quota = this.#perMember + (this.#remainingWithExtra > 0 ? 1 : 0)
    return Math.max(0, quota - (this.#assignedCount.get(member) ?? 0))
  }

  onAssigned(member: string, partitions: readonly number[]): void {
    const count = (this.#assignedCount.get(member) ?? 0) + partitions.length
    this.#assignedCount.set(member, count)
    if (count > this.#perMember) this.#remainingWithExtra--
    for (const p of partitions) this.unassigned.delete(p)
  }

  /** Identifies topics that can be co-partitioned: same subscribers (and racks), same partition count. */
  coPartitioningKey(): string {
    return JSON.stringify([this.members.map((m) => [m, this.racks.get(m) ?? null]), this.partitionRacks.length])
  }
}

function give(
  member: string,
  partitions: number[],
  state: TopicState,
  assignment: Map<string, TopicPartition[]>,
): void {
  const list = assignment.get(member)!
  for (const partition of partitions) list.push({ topic: state.topic, partition })
  state.onAssigned(member, partitions)
}

/** Each member in order takes the first unassigned partitions it may have, up to its quota. */
function assignRanges(
  state: TopicState,
  mayAssign: (member: string, partition: number) => boolean,
  assignment: Map<string, TopicPartition[]>,
): void {
  for (const member of state.members) {
    if (state.unassigned.size === 0) break
    const limit = state.maxAssignable(member)
    const partitions: number[] = []
    for (const p of state.unassigned) {
      if (partitions.length >= limit) break
      if (mayAssign(member, p)) partitions.push(p)
    }
    if (partitions.length > 0) give(member, partitions, state, assignment)
  }
}

function assignWithRackMatching(states: readonly TopicState[], assignment: Map<string, TopicPartition[]>): void {
  const groups = new Map<string, TopicState[]>()
  for (const state of states) {
    const key = state.coPartitioningKey()
    const group = groups.get(key)
    if (group) group.push(state)
    else groups.set(key, [state])
  }
  for (const group of groups.values()) {
    if (group.length > 1) assignCoPartitionedWithRackMatching(group, assignment)
    else if (group[0]!.needsRackAware) {
      const state = group[0]!
      assignRanges(state, (member, p) => state.racksMatch(member, p), assignment)
    }
  }
}

/**
 * Partition i of every co-partitioned topic goes to the first member whose rack matches it in all
 * of them and that still has quota in all of them, so co-partitioning is never broken for racks.
 */
function assignCoPartitionedWithRackMatching(
  states: readonly TopicState[],
  assignment: Map<string, TopicPartition[]>,
): void {
  const remaining = [...states[0]!.members]
  const partitionCount = states[0]!.partitionRacks.length
  for (let p = 0; p < partitionCount && remaining.length > 0; p++) {
    const member = remaining.find((m) => states.every((s) => s.racksMatch(m, p) && s.maxAssignable(m) > 0))
    if (member === undefined) continue
    for (const state of states) give(member, [p], state, assignment)
    if (states.every((s) => s.maxAssignable(member) === 0)) remaining.splice(remaining.indexOf(member), 1)
  }
}

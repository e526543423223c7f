/** Shared builders, checks and generators for the assignor tests. */
import fc from 'fast-check'
import { expect } from 'vitest'
import type {
  ConsumerPartitionAssignor,
  GroupAssignment,
  MemberSubscription,
  TopicPartition,
} from '../../../../src/consumer/assignors/index.js'

export function tp(topic: string, partition: number): TopicPartition {
  return { topic, partition }
}

export function member(
  memberId: string,
  topics: string[],
  extra: Partial<Omit<MemberSubscription, 'memberId' | 'topics'>> = {},
): MemberSubscription {
  return {
    memberId,
    groupInstanceId: null,
    topics,
    userData: null,
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
    ...extra,
  }
}

export function group(...members: MemberSubscription[]): Map<string, MemberSubscription> {
  return new Map(members.map((m) => [m.memberId, m]))
}

export function topics(entries: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(entries))
}

/** member → ['t0-0', 't0-1', ...], for readable expectations. */
export function names(assignment: Map<string, GroupAssignment>): Record<string, string[]> {
  const result: Record<string, string[]> = {}
  for (const [id, a] of assignment) result[id] = a.partitions.map((p) => `${p.topic}-${p.partition}`)
  return result
}

export function counts(assignment: Map<string, GroupAssignment>): Map<string, number> {
  return new Map([...assignment].map(([id, a]) => [id, a.partitions.length]))
}

/** partition key → member. */
export function ownerMap(assignment: Map<string, GroupAssignment>): Map<string, string> {
  const owners = new Map<string, string>()
  for (const [id, a] of assignment) for (const p of a.partitions) owners.set(`${p.topic}-${p.partition}`, id)
  return owners
}

/**
 * The invariants every assignor keeps: an entry per member, no partition twice, only partitions
 * that exist, only to members subscribed to the topic, and (unless `allowUnassigned`, for
 * cooperative first rounds) every partition of a subscribed topic assigned.
 */
export function expectValid(
  assignment: Map<string, GroupAssignment>,
  partitionsPerTopic: Map<string, number>,
  subscriptions: Map<string, MemberSubscription>,
  allowUnassigned = false,
): void {
  // Violations are collected and asserted once: an expect() per partition is slow in properties.
  const errors: string[] = []
  if ([...assignment.keys()].sort().join() !== [...subscriptions.keys()].sort().join())
    errors.push('not one entry per member')
  const seen = new Set<string>()
  for (const [id, a] of assignment) {
    for (const p of a.partitions) {
      const key = `${p.topic}-${p.partition}`
      if (seen.has(key)) errors.push(`${key} assigned twice`)
      seen.add(key)
      if (!subscriptions.get(id)?.topics.includes(p.topic)) errors.push(`${key} to ${id}, not subscribed`)
      if (!(p.partition >= 0 && p.partition < (partitionsPerTopic.get(p.topic) ?? 0)))
        errors.push(`${key} does not exist`)
    }
  }
  if (!allowUnassigned) {
    const subscribed = new Set([...subscriptions.values()].flatMap((s) => s.topics))
    for (const [topic, count] of partitionsPerTopic) {
      if (!subscribed.has(topic)) continue
      for (let p = 0; p < count; p++) if (!seen.has(`${topic}-${p}`)) errors.push(`${topic}-${p} unassigned`)
    }
  }
  expect(errors).toEqual([])
}

export function spread(assignment: Map<string, GroupAssignment>): number {
  const sizes = [...assignment.values()].map((a) => a.partitions.length)
  return sizes.length === 0 ? 0 : Math.max(...sizes) - Math.min(...sizes)
}

/**
 * The general sticky balance property: no member could take a partition from a member with at
 * least two more partitions than itself (which it is subscribed to).
 */
export function expectNoImprovingMove(
  assignment: Map<string, GroupAssignment>,
  subscriptions: Map<string, MemberSubscription>,
): void {
  const size = counts(assignment)
  const errors: string[] = []
  for (const [id, a] of assignment) {
    for (const p of a.partitions) {
      for (const [other, s] of subscriptions) {
        if (other === id || !s.topics.includes(p.topic) || size.get(id)! - size.get(other)! <= 1) continue
        errors.push(
          `${p.topic}-${p.partition} could move from ${id} (${size.get(id)}) to ${other} (${size.get(other)})`,
        )
      }
    }
  }
  expect(errors).toEqual([])
}

/** Partitions whose owner changed between two assignments (ignoring ones absent from either). */
export function moved(before: Map<string, GroupAssignment>, after: Map<string, GroupAssignment>): string[] {
  const a = ownerMap(before)
  const b = ownerMap(after)
  return [...a].filter(([key, owner]) => b.has(key) && b.get(key) !== owner).map(([key]) => key)
}

/** Simulates the member side: each member's assignor instance gets `onAssignment`, then builds its subscription. */
export class SimulatedGroup {
  readonly assignors = new Map<string, ConsumerPartitionAssignor>()
  readonly owned = new Map<string, TopicPartition[]>()
  readonly topics = new Map<string, string[]>()
  generation = 0

  constructor(readonly create: () => ConsumerPartitionAssignor) {}

  join(memberId: string, topics: string[]): void {
    this.assignors.set(memberId, this.create())
    this.owned.set(memberId, [])
    this.topics.set(memberId, topics)
  }

  leave(memberId: string): void {
    this.assignors.delete(memberId)
    this.owned.delete(memberId)
    this.topics.delete(memberId)
  }

  subscriptions(eager: boolean): Map<string, MemberSubscription> {
    const result = new Map<string, MemberSubscription>()
    for (const [id, assignor] of this.assignors) {
      const topics = this.topics.get(id)!
      const owned = eager ? [] : this.owned.get(id)!
      result.set(
        id,
        member(id, topics, {
          userData: assignor.subscriptionUserData?.(new Set(topics), owned, this.generation) ?? null,
          ownedPartitions: owned,
          generationId: this.generation,
        }),
      )
    }
    return result
  }

  /** One rebalance: the leader (any member's instance) assigns; each member takes its part. */
  rebalance(partitionsPerTopic: Map<string, number>, eager: boolean): Map<string, GroupAssignment> {
    const subscriptions = this.subscriptions(eager)
    const leader = [...this.assignors.values()][0]!
    const assignment = leader.assign(partitionsPerTopic, subscriptions)
    this.generation++
    for (const [id, a] of assignment) {
      this.assignors.get(id)!.onAssignment?.(a, this.generation)
      this.owned.set(id, a.partitions)
    }
    return assignment
  }
}

/** A random group: up to `maxTopics` topics with 1..maxPartitions partitions, members subscribing to subsets. */
export function groupArbitrary(
  options: { maxTopics?: number; maxPartitions?: number; maxMembers?: number; sameSubscriptions?: boolean } = {},
) {
  const { maxTopics = 4, maxPartitions = 8, maxMembers = 6, sameSubscriptions = false } = options
  return fc
    .record({
      partitionCounts: fc.array(fc.integer({ min: 1, max: maxPartitions }), { minLength: 1, maxLength: maxTopics }),
      memberCount: fc.integer({ min: 1, max: maxMembers }),
      seedMasks: fc.array(fc.integer({ min: 1, max: 2 ** maxTopics - 1 }), {
        minLength: maxMembers,
        maxLength: maxMembers,
      }),
    })
    .map(({ partitionCounts, memberCount, seedMasks }) => {
      const topicNames = partitionCounts.map((_, i) => `t${i}`)
      const partitionsPerTopic = new Map(topicNames.map((t, i) => [t, partitionCounts[i]!]))
      const members: MemberSubscription[] = []
      for (let i = 0; i < memberCount; i++) {
        const mask = sameSubscriptions ? 2 ** topicNames.length - 1 : seedMasks[i]!
        let subscribed = topicNames.filter((_, bit) => mask & (1 << bit))
        if (subscribed.length === 0) subscribed = [topicNames[0]!]
        members.push(member(`m${i}`, subscribed))
      }
      return { partitionsPerTopic, subscriptions: group(...members) }
    })
}

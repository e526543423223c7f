/**
 * The sticky algorithm for members with different subscriptions (Java's GeneralAssignmentBuilder).
 * It cannot use quotas (a member may be the only one able to take a topic), so it works toward
 * "as balanced as possible" by moves:
 *
 * 1. Keep every owned partition whose topic the owner still subscribes to (and, with racks, on
 *    the owner's rack).
 * 2. Give each unassigned partition to the least-loaded member subscribed to its topic (with
 *    racks: first among rack-matching members).
 * 3. While unbalanced, move a partition from a member that has at least two more than another
 *    eligible member: back to its previous owner (from an older generation) if that helps,
 *    otherwise to the least-loaded eligible member. Newly assigned partitions are tried first,
 *    since moving them costs no stickiness.
 * 4. If moving existing partitions did not improve the balance score, undo those moves.
 *
 * Deviations from Java, for safety: a previous owner is used only if it still takes part and
 * subscribes to the topic (kafka-clients 4.3.1 otherwise assigns partitions to members not
 * subscribed to their topic, or throws a NullPointerException, as the Java oracle test shows),
 * and the move loop has an iteration cap so that a leader can never spin forever. Otherwise the
 * output equals Java's (same iteration orders), which the oracle test checks on random groups.
 */
import { compareStrings } from '../ordering.js'
import type { TopicPartition } from '../types.js'
import type { PartitionCatalog } from './catalog.js'
import type { Ownership } from './ownership.js'
import { PartitionMovements } from './partition-movements.js'
import type { StickyRackInfo } from './rack-info.js'
import { SortedMembers } from './sorted-members.js'
import { DEFAULT_GENERATION, type MemberData } from './user-data.js'

interface PreviousOwner {
  member: string
  generation: number
}

export function assignGeneral(
  catalog: PartitionCatalog,
  members: readonly string[],
  subscribedTopics: ReadonlyMap<string, ReadonlySet<string>>,
  memberData: ReadonlyMap<string, MemberData>,
  ownership: Ownership,
  racks: StickyRackInfo,
): Map<string, TopicPartition[]> {
  return new GeneralAssignmentBuilder(catalog, members, subscribedTopics, memberData, ownership, racks).build()
}

class GeneralAssignmentBuilder {
  /** topic → members subscribed to it, in member order. */
  readonly #topicMembers = new Map<string, string[]>()
  /** member → its subscribed topics that are being assigned. */
  readonly #memberTopics = new Map<string, Set<string>>()
  /** member → how many partitions it could hold at most (all of its topics'). */
  readonly #maxSize = new Map<string, number>()
  /** The assignment being built (Java's currentAssignment); members set aside as fixed are absent. */
  #current = new Map<string, TopicPartition[]>()
  /** partition → member holding it in #current. */
  #owner = new Map<TopicPartition, string>()
  /** Partitions ordered by topic: topics with the fewest subscribers first, then by name. */
  readonly #sortedPartitions: TopicPartition[]
  readonly #sorted: SortedMembers
  readonly #movements = new PartitionMovements()
  #revocationRequired = false

  constructor(
    readonly catalog: PartitionCatalog,
    readonly members: readonly string[],
    subscribedTopics: ReadonlyMap<string, ReadonlySet<string>>,
    readonly memberData: ReadonlyMap<string, MemberData>,
    readonly ownership: Ownership,
    readonly racks: StickyRackInfo,
  ) {
    for (const topic of catalog.topics()) this.#topicMembers.set(topic, [])
    for (const member of members) {
      const topics = new Set([...(subscribedTopics.get(member) ?? [])].filter((t) => catalog.has(t)))
      this.#memberTopics.set(member, topics)
      let max = 0
      for (const topic of topics) {
        this.#topicMembers.get(topic)!.push(member)
        max += catalog.partitions(topic).length
      }
      this.#maxSize.set(member, max)
      this.#current.set(member, [...ownership.owned.get(member)!])
    }
    for (const [member, list] of this.#current) for (const tp of list) this.#owner.set(tp, member)
    const topicOrder = [...catalog.topics()].sort(
      (a, b) => this.#topicMembers.get(a)!.length - this.#topicMembers.get(b)!.length || compareStrings(a, b),
    )
    this.#sortedPartitions = catalog.all(topicOrder)
    this.#sorted = new SortedMembers((member) => this.#current.get(member)!.length)
  }

  build(): Map<string, TopicPartition[]> {
    const previous = this.#previousOwners()
    const kept = this.#keepValidOwnedPartitions()
    const unassigned = this.#sortedPartitions.filter((tp) => !kept.has(tp))
    for (const member of this.members) this.#sorted.add(member)
    this.#balance(previous, unassigned)
    return this.#current
  }

  /**
   * For partitions claimed by members of older generations: the most recent such claim. Moving a
   * partition back there during balancing restores an assignment the group had before.
   */
  #previousOwners(): Map<TopicPartition, PreviousOwner> {
    const previous = new Map<TopicPartition, PreviousOwner>()
    const max = this.ownership.maxGeneration
    for (const member of this.members) {
      const reported = this.memberData.get(member)?.generation ?? null
      let generation: number
      if (reported !== null && reported < max) generation = reported
      else if (reported === null && max > DEFAULT_GENERATION) generation = DEFAULT_GENERATION
      else continue
      for (const tp of this.ownership.claims.get(member)!) {
        const existing = previous.get(tp)
        if (!existing || generation > existing.generation) previous.set(tp, { member, generation })
      }
    }
    return previous
  }

  /** Step 1: drop owned partitions the owner may no longer hold; returns the ones kept. */
  #keepValidOwnedPartitions(): Set<TopicPartition> {
    const kept = new Set<TopicPartition>()
    for (const [member, list] of this.#current) {
      const topics = this.#memberTopics.get(member)!
      const valid: TopicPartition[] = []
      for (const tp of list) {
        if (topics.has(tp.topic) && !this.racks.racksMismatch(member, tp)) {
          valid.push(tp)
          kept.add(tp)
        } else {
          // No longer subscribed, or off-rack: the owner must give it up (Java's revocationRequired).
          this.#revocationRequired = true
          this.#owner.delete(tp)
        }
      }
      this.#current.set(member, valid)
    }
    return kept
  }

  #balance(previous: Map<TopicPartition, PreviousOwner>, unassigned: TopicPartition[]): void {
    const last = this.#sorted.last()
    if (last === undefined) return
    const initializing = this.#size(last) === 0

    // Step 2, rack-matching members first.
    let toAssign = unassigned
    if (this.racks.enabled) toAssign = toAssign.filter((tp) => !this.#assignToLeastLoaded(tp, true))
    for (const tp of toAssign) this.#assignToLeastLoaded(tp, false)

    // Only partitions of topics with two or more subscribers can move...
    const movable = (tp: TopicPartition) => this.#topicMembers.get(tp.topic)!.length >= 2
    const reassignable = this.#sortedPartitions.filter(movable)
    const newlyAssigned = unassigned.filter(movable)
    // ...and only members that could hold more, or hold a movable partition, take part.
    const fixed = new Map<string, TopicPartition[]>()
    for (const member of this.members) {
      const list = this.#current.get(member)!
      if (list.length < this.#maxSize.get(member)! || list.some(movable)) continue
      this.#sorted.remove(member)
      this.#current.delete(member)
      fixed.set(member, list)
    }

    const before = copyAssignment(this.#current)
    const ownersBefore = new Map(this.#owner)
    if (!this.#revocationRequired) this.#performReassignments(newlyAssigned, previous)
    const reassigned = this.#performReassignments(reassignable, previous)
    // Step 4: moving owned partitions costs stickiness; only worth it for a better balance.
    if (!initializing && reassigned && balanceScore(this.#current) >= balanceScore(before)) {
      this.#current = before
      this.#owner = ownersBefore
    }
    for (const [member, list] of fixed) this.#current.set(member, list)
  }

  /** Gives the partition to the least-loaded subscribed member (optionally on its rack); false if none. */
  #assignToLeastLoaded(tp: TopicPartition, matchRack: boolean): boolean {
    for (const member of this.#sorted) {
      if (!this.#memberTopics.get(member)!.has(tp.topic)) continue
      if (matchRack && this.racks.racksMismatch(member, tp)) continue
      this.#sorted.remove(member)
      this.#current.get(member)!.push(tp)
      this.#owner.set(tp, member)
      this.#sorted.add(member)
      return true
    }
    return false
  }

  /** Step 3; returns whether anything moved. */
  #performReassignments(partitions: readonly TopicPartition[], previous: Map<TopicPartition, PreviousOwner>): boolean {
    let reassigned = false
    let modified: boolean
    let rounds = 0
    const maxRounds = 10 * (partitions.length + this.members.length) + 100
    do {
      modified = false
      for (const tp of partitions) {
        if (this.#isBalanced()) break
        const holder = this.#owner.get(tp)
        if (holder === undefined || !this.#current.has(holder)) continue
        const candidates = this.#topicMembers.get(tp.topic)!

        const prev = previous.get(tp)
        if (
          prev !== undefined &&
          this.#current.has(prev.member) &&
          this.#memberTopics.get(prev.member)!.has(tp.topic) &&
          this.#size(holder) > this.#size(prev.member) + 1
        ) {
          this.#reassign(tp, prev.member)
          reassigned = modified = true
          continue
        }

        // Java first looks for such a member on the partition's racks, but then moves the
        // partition to the least-loaded subscriber either way; the rack check changes nothing.
        const holderSize = this.#size(holder)
        if (candidates.some((m) => this.#current.has(m) && holderSize > this.#size(m) + 1)) {
          this.#reassign(tp, this.#leastLoadedSubscriber(tp.topic))
          reassigned = modified = true
        }
      }
    } while (modified && ++rounds < maxRounds)
    return reassigned
  }

  #leastLoadedSubscriber(topic: string): string {
    for (const member of this.#sorted) if (this.#memberTopics.get(member)!.has(topic)) return member
    throw new Error(`sticky assignment bug: no member for topic ${topic}`)
  }

  #reassign(tp: TopicPartition, to: string): void {
    const actual = this.#movements.partitionToMove(tp, this.#owner.get(tp)!, to)
    const from = this.#owner.get(actual)!
    this.#sorted.remove(from)
    this.#sorted.remove(to)
    this.#movements.record(actual, from, to)
    const fromList = this.#current.get(from)!
    fromList.splice(fromList.indexOf(actual), 1)
    this.#current.get(to)!.push(actual)
    this.#owner.set(actual, to)
    this.#sorted.add(to)
    this.#sorted.add(from)
  }

  /**
   * Balanced: sizes differ by at most one, or no member could take a partition from a member
   * holding two or more than itself (subscriptions permitting).
   */
  #isBalanced(): boolean {
    const first = this.#sorted.first()
    const last = this.#sorted.last()
    if (first === undefined || last === undefined || this.#size(first) >= this.#size(last) - 1) return true
    for (const member of this.#sorted) {
      const size = this.#size(member)
      if (size === this.#maxSize.get(member)) continue
      for (const topic of this.#memberTopics.get(member)!) {
        for (const tp of this.catalog.partitions(topic)) {
          const holder = this.#owner.get(tp)
          if (holder === undefined || holder === member || !this.#current.has(holder)) continue
          if (size + 1 < this.#size(holder)) return false
        }
      }
    }
    return true
  }

  #size(member: string): number {
    return this.#current.get(member)!.length
  }
}

function copyAssignment(assignment: ReadonlyMap<string, TopicPartition[]>): Map<string, TopicPartition[]> {
  return new Map([...assignment].map(([member, list]) => [member, [...list]]))
}

/** Sum over all member pairs of the difference in partition counts; 0 is perfectly balanced. */
function balanceScore(assignment: ReadonlyMap<string, TopicPartition[]>): number {
  const sizes = [...assignment.values()].map((list) => list.length).sort((a, b) => a - b)
  // In ascending order, sizes[i] is larger than i others and smaller than (n - 1 - i) others.
  return sizes.reduce((score, size, i) => score + size * (2 * i - sizes.length + 1), 0)
}

/**
 * The sticky fast path when every member subscribes to the same topics (Java's
 * ConstrainedAssignmentBuilder). With n members and P partitions, every member ends with
 * minQuota = floor(P/n) or maxQuota = ceil(P/n) partitions, exactly P % n of them with maxQuota.
 *
 * 1. Each member keeps what it owned, up to its quota: all of it if under minQuota; maxQuota if it
 *    owned that many and members with maxQuota are still wanted; otherwise minQuota. Owned
 *    partitions are kept lowest partition number first. With racks, only rack-matching ones count.
 * 2. With racks: fill members from partitions on their racks, within the same quotas.
 * 3. Round-robin the rest over the members still under minQuota, then the ones that may grow to
 *    maxQuota.
 *
 * Unlike Java, step 2 counts the members it fills up to maxQuota, so it never hands out more
 * maxQuota slots than exist (Java can then fail its final check and throw).
 */
import { compareStrings } from '../ordering.js'
import type { TopicPartition } from '../types.js'
import type { PartitionCatalog } from './catalog.js'
import type { Ownership } from './ownership.js'
import type { StickyRackInfo } from './rack-info.js'

export function assignConstrained(
  catalog: PartitionCatalog,
  members: readonly string[],
  ownership: Ownership,
  racks: StickyRackInfo,
): Map<string, TopicPartition[]> {
  const quotas = new QuotaFiller(catalog.total, members)
  const kept = new Set<TopicPartition>()
  for (const member of members) {
    const owned = ownership.owned
      .get(member)!
      .filter((tp) => !racks.racksMismatch(member, tp) && !ownership.multiplyClaimed.has(tp))
      .sort((a, b) => a.partition - b.partition || compareStrings(a.topic, b.topic))
    for (const tp of quotas.keepOwned(member, owned)) kept.add(tp)
  }

  let unassigned = racks.sortByRackMembers(catalog.all().filter((tp) => !kept.has(tp)))
  if (racks.enabled) unassigned = quotas.fillWithinRacks(unassigned, racks)
  quotas.fillRoundRobin(unassigned)
  quotas.verify()
  return quotas.assignment
}

/** The quota bookkeeping: who is under minQuota, who may still grow to maxQuota. */
class QuotaFiller {
  readonly assignment = new Map<string, TopicPartition[]>()
  readonly minQuota: number
  readonly maxQuota: number
  /** How many members end with maxQuota (zero when the partitions divide evenly). */
  readonly #expectedAtMax: number
  #atMax = 0
  /** Members below minQuota, in member order. */
  readonly #under: string[] = []
  /** Members at exactly minQuota that may still take one more partition. */
  #exactlyMin: string[] = []

  constructor(total: number, members: readonly string[]) {
    const n = members.length
    this.minQuota = Math.floor(total / n)
    this.maxQuota = Math.ceil(total / n)
    this.#expectedAtMax = total % n
    for (const member of members) this.assignment.set(member, [])
  }

  /** Step 1; returns the partitions the member keeps. */
  keepOwned(member: string, owned: TopicPartition[]): TopicPartition[] {
    let keep: TopicPartition[]
    if (owned.length < this.minQuota) {
      keep = owned
      this.#under.push(member)
    } else if (owned.length >= this.maxQuota && this.#atMax < this.#expectedAtMax) {
      keep = owned.slice(0, this.maxQuota)
      this.#countAtMax()
    } else {
      keep = owned.slice(0, this.minQuota)
      if (this.#atMax < this.#expectedAtMax) this.#exactlyMin.push(member)
    }
    this.assignment.get(member)!.push(...keep)
    return keep
  }

  /** Step 2: round-robin over the under-filled members on a partition's racks; returns what is left. */
  fillWithinRacks(unassigned: readonly TopicPartition[], racks: StickyRackInfo): TopicPartition[] {
    const left: TopicPartition[] = []
    let next = 0
    for (const tp of unassigned) {
      let member: string | undefined
      let index = racks.nextRackMember(tp, this.#under, next)
      if (index >= 0) {
        member = this.#under[index]!
        const count = this.#count(member) + 1
        if (count >= this.minQuota) {
          this.#under.splice(index, 1)
          if (count < this.maxQuota && this.#atMax < this.#expectedAtMax) this.#exactlyMin.push(member)
        } else {
          index++
        }
        next = this.#under.length === 0 ? 0 : index % this.#under.length
      } else if (this.#exactlyMin.length > 0) {
        const first = racks.nextRackMember(tp, this.#exactlyMin, 0)
        if (first >= 0) {
          member = this.#exactlyMin[first]!
          if (this.#count(member) + 1 === this.maxQuota) {
            this.#exactlyMin.splice(first, 1)
            this.#countAtMax()
          }
        }
      }
      if (member === undefined) left.push(tp)
      else this.assignment.get(member)!.push(tp)
    }
    return left
  }

  /** Step 3: the members under minQuota in turn, then those allowed one more. */
  fillRoundRobin(unassigned: readonly TopicPartition[]): void {
    let next = 0
    for (const tp of unassigned) {
      let member: string
      let fromUnder = true
      if (next < this.#under.length) {
        member = this.#under[next++]!
      } else if (this.#under.length > 0) {
        next = 0
        member = this.#under[next++]!
      } else if (this.#exactlyMin.length > 0) {
        member = this.#exactlyMin.shift()!
        fromUnder = false
      } else {
        throw new Error(`sticky assignment bug: no member can take ${tp.topic}-${tp.partition}`)
      }
      const list = this.assignment.get(member)!
      list.push(tp)
      if (fromUnder && list.length === this.minQuota) {
        this.#under.splice(--next, 1)
        if (this.minQuota < this.maxQuota && this.#atMax < this.#expectedAtMax) this.#exactlyMin.push(member)
      } else if (list.length === this.maxQuota && this.minQuota < this.maxQuota) {
        this.#countAtMax()
      }
    }
  }

  /** The quotas hold by construction; a failure here is a bug, reported rather than silently unbalanced. */
  verify(): void {
    for (const [member, list] of this.assignment) {
      if (list.length < this.minQuota || list.length > this.maxQuota) {
        throw new Error(
          `sticky assignment bug: ${member} has ${list.length} partitions, expected ${this.minQuota}..${this.maxQuota}`,
        )
      }
    }
  }

  #count(member: string): number {
    return this.assignment.get(member)!.length
  }

  #countAtMax(): void {
    this.#atMax++
    // Once enough members have maxQuota, nobody at minQuota may grow any more.
    if (this.#atMax === this.#expectedAtMax) this.#exactlyMin = []
  }
}

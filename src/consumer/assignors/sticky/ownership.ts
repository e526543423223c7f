/**
 * Who owns what before the assignment: each member's claimed partitions, with conflicting claims
 * resolved (Java's AbstractStickyAssignor.allSubscriptionsEqual, which does this on the side).
 *
 * Claims can conflict when a member missed a rebalance (a zombie still reporting an old
 * assignment) or, with a buggy member, in the same generation. The claim from the highest
 * generation wins; if two or more members claim a partition in that highest generation, none of
 * them keeps it and it is reassigned as if unowned. Java compares the members in map order and
 * reads the second member's generation from its subscription instead of its member data; here
 * the outcome is the same whatever the order, and both generations come from the member data.
 */
import type { TopicPartition } from '../types.js'
import type { PartitionCatalog } from './catalog.js'
import { DEFAULT_GENERATION, type MemberData } from './user-data.js'

export interface Ownership {
  /** member → the claimed partitions it validly owns, in claim order. Every member has an entry. */
  owned: Map<string, TopicPartition[]>
  /** partition → its valid owner. */
  owners: Map<TopicPartition, string>
  /** Partitions claimed by several members of the same (highest) generation: nobody keeps them. */
  multiplyClaimed: Set<TopicPartition>
  /** member → its claimed partitions that are being assigned (canonical objects, no duplicates). */
  claims: Map<string, TopicPartition[]>
  /** The highest generation any member reports; DEFAULT_GENERATION if none. */
  maxGeneration: number
}

export function resolveOwnership(
  members: readonly string[],
  memberData: ReadonlyMap<string, MemberData>,
  catalog: PartitionCatalog,
): Ownership {
  const claims = new Map<string, TopicPartition[]>()
  const claimants = new Map<TopicPartition, string[]>()
  let maxGeneration = DEFAULT_GENERATION
  for (const member of members) {
    const data = memberData.get(member)
    maxGeneration = Math.max(maxGeneration, data?.generation ?? DEFAULT_GENERATION)
    const claimed = catalog.canonical(data?.partitions ?? [])
    claims.set(member, claimed)
    for (const tp of claimed) {
      const list = claimants.get(tp)
      if (list) list.push(member)
      else claimants.set(tp, [member])
    }
  }

  const generation = (member: string) => memberData.get(member)?.generation ?? DEFAULT_GENERATION
  const owners = new Map<TopicPartition, string>()
  const multiplyClaimed = new Set<TopicPartition>()
  for (const [tp, list] of claimants) {
    const highest = Math.max(...list.map(generation))
    const winners = list.filter((member) => generation(member) === highest)
    if (winners.length === 1) owners.set(tp, winners[0]!)
    else multiplyClaimed.add(tp)
  }

  const owned = new Map<string, TopicPartition[]>()
  for (const member of members) {
    owned.set(
      member,
      claims.get(member)!.filter((tp) => owners.get(tp) === member),
    )
  }
  return { owned, owners, multiplyClaimed, claims, maxGeneration }
}

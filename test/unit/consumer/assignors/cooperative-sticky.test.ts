import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CooperativeStickyAssignor,
  encodeCooperativeUserData,
  type GroupAssignment,
  type MemberSubscription,
  type TopicPartition,
} from '../../../../src/consumer/assignors/index.js'
import { expectValid, group, member, names, ownerMap, SimulatedGroup, topics, tp } from './helpers.js'

const cooperative = new CooperativeStickyAssignor()

/** A cooperative member: owned partitions and generation in the subscription (v2+). */
function owning(id: string, topicList: string[], owned: TopicPartition[], generationId: number, rackId?: string) {
  return member(id, topicList, {
    ownedPartitions: owned,
    generationId,
    userData: encodeCooperativeUserData(generationId),
    rackId: rackId ?? null,
  })
}

/** The cooperative rule: nobody is given a partition that another member reports owning. */
function expectNoPartitionGivenWhileOwnedElsewhere(
  assignment: Map<string, GroupAssignment>,
  subscriptions: Map<string, MemberSubscription>,
): void {
  const owners = new Map<string, string[]>()
  for (const [id, s] of subscriptions) {
    for (const p of s.ownedPartitions)
      owners.set(`${p.topic}-${p.partition}`, [...(owners.get(`${p.topic}-${p.partition}`) ?? []), id])
  }
  const errors: string[] = []
  for (const [id, a] of assignment) {
    for (const p of a.partitions) {
      const others = (owners.get(`${p.topic}-${p.partition}`) ?? []).filter((o) => o !== id)
      if (others.length > 0) errors.push(`${p.topic}-${p.partition} given to ${id} while ${others} own it`)
    }
  }
  expect(errors).toEqual([])
}

describe('CooperativeStickyAssignor', () => {
  it('is named cooperative-sticky and supports COOPERATIVE then EAGER', () => {
    expect(cooperative.name).toBe('cooperative-sticky')
    expect(cooperative.supportedProtocols).toEqual(['COOPERATIVE', 'EAGER'])
  })

  it('revokes first and assigns in the next rebalance when a partition moves', () => {
    const partitionsPerTopic = topics({ t: 3 })
    const round1 = cooperative.assign(
      partitionsPerTopic,
      group(owning('c1', ['t'], [tp('t', 0), tp('t', 1), tp('t', 2)], 1), owning('c2', ['t'], [], -1)),
    )
    // t-2 moves to c2, but c1 still owns it: c1 is told to drop it, c2 does not get it yet.
    expect(names(round1)).toEqual({ c1: ['t-0', 't-1'], c2: [] })

    const round2 = cooperative.assign(
      partitionsPerTopic,
      group(owning('c1', ['t'], [tp('t', 0), tp('t', 1)], 2), owning('c2', ['t'], [], 2)),
    )
    expect(names(round2)).toEqual({ c1: ['t-0', 't-1'], c2: ['t-2'] })
  })

  // Mirrors Java's CooperativeStickyAssignorTest
  // testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer.
  it('withholds a partition claimed by two members of the same generation until both drop it', () => {
    const result = cooperative.assign(
      topics({ t: 3 }),
      group(
        owning('c1', ['t'], [tp('t', 0), tp('t', 1)], 1),
        owning('c2', ['t'], [tp('t', 0), tp('t', 2)], 1),
        owning('c3', ['t'], [], 1),
      ),
    )
    expect(names(result)).toEqual({ c1: ['t-1'], c2: ['t-2'], c3: [] })
  })

  it('lets the member of the highest generation keep a partition a stale member still claims', () => {
    const result = cooperative.assign(
      topics({ t: 4 }),
      group(owning('c1', ['t'], [tp('t', 0), tp('t', 1)], 5), owning('c2', ['t'], [tp('t', 1), tp('t', 2)], 4)),
    )
    // c1 keeps t-1; c2's claim is stale. t-3 is free.
    expect(names(result)).toEqual({ c1: ['t-0', 't-1'], c2: ['t-2', 't-3'] })
  })

  it('reads the generation from userData for subscriptions older than v2', () => {
    // c2's subscription has no generation (-1), but its userData says 7: its claim beats c1's generation 6.
    const subscriptions = group(
      owning('c1', ['t'], [tp('t', 0)], 6),
      member('c2', ['t'], { ownedPartitions: [tp('t', 0)], generationId: -1, userData: encodeCooperativeUserData(7) }),
    )
    expect(names(cooperative.assign(topics({ t: 2 }), subscriptions))).toEqual({ c1: ['t-1'], c2: ['t-0'] })
  })

  it('withholds partitions taken away for rack alignment until their owners revoke them (as Java)', () => {
    // a (rack r1) owns t-0, whose only replica is on r0; b (rack r0) owns t-1, only on r1: they swap.
    const racks = new Map([['t', [['r0'], ['r1']]]])
    const round1 = cooperative.assign(
      topics({ t: 2 }),
      group(owning('a', ['t'], [tp('t', 0)], 1, 'r1'), owning('b', ['t'], [tp('t', 1)], 1, 'r0')),
      racks,
    )
    expect(names(round1)).toEqual({ a: [], b: [] })
    const round2 = cooperative.assign(
      topics({ t: 2 }),
      group(owning('a', ['t'], [], 2, 'r1'), owning('b', ['t'], [], 2, 'r0')),
      racks,
    )
    expect(names(round2)).toEqual({ a: ['t-1'], b: ['t-0'] })
  })

  it('sends its generation as userData, remembered from onAssignment', () => {
    const own = new CooperativeStickyAssignor()
    expect(own.subscriptionUserData()).toEqual(Buffer.from('ffffffff', 'hex'))
    own.onAssignment({ partitions: [], userData: null }, 7)
    expect(own.subscriptionUserData()).toEqual(Buffer.from('00000007', 'hex'))
  })

  /** Rebalances until every partition is assigned; checks the cooperative rule in every round. */
  function rebalanceUntilComplete(simulated: SimulatedGroup, partitionsPerTopic: Map<string, number>) {
    const rounds: Map<string, GroupAssignment>[] = []
    for (;;) {
      const subscriptions = simulated.subscriptions(false)
      const assignment = simulated.rebalance(partitionsPerTopic, false)
      rounds.push(assignment)
      expectValid(assignment, partitionsPerTopic, subscriptions, true)
      expectNoPartitionGivenWhileOwnedElsewhere(assignment, subscriptions)
      const assigned = [...assignment.values()].reduce((n, a) => n + a.partitions.length, 0)
      const subscribed = new Set([...subscriptions.values()].flatMap((s) => s.topics))
      const total = [...partitionsPerTopic].reduce((n, [t, c]) => n + (subscribed.has(t) ? c : 0), 0)
      if (assigned === total) return rounds
      expect(rounds.length, 'cooperative rebalancing does not converge').toBeLessThan(6)
    }
  }

  it('keeps the cooperative rule in every round and converges, whatever the subscriptions', () => {
    // With different subscriptions the general sticky algorithm (as Java's) is not idempotent: a
    // second round may move partitions again, so completion can take more than two rounds.
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('join', 'leave', 'resubscribe'),
            mask: fc.integer({ min: 1, max: 7 }),
            pick: fc.nat(),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        (ops) => {
          const partitionsPerTopic = topics({ a: 4, b: 6, c: 3 })
          const topicsOf = (mask: number) => ['a', 'b', 'c'].filter((_, bit) => mask & (1 << bit))
          const simulated = new SimulatedGroup(() => new CooperativeStickyAssignor())
          simulated.join('m0', ['a', 'b', 'c'])
          rebalanceUntilComplete(simulated, partitionsPerTopic)
          let next = 1
          for (const { op, mask, pick } of ops) {
            const members = [...simulated.assignors.keys()]
            if (op === 'join' || members.length === 1) simulated.join(`m${next++}`, topicsOf(mask))
            else if (op === 'leave') simulated.leave(members[pick % members.length]!)
            else simulated.topics.set(members[pick % members.length]!, topicsOf(mask))
            rebalanceUntilComplete(simulated, partitionsPerTopic)
          }
        },
      ),
      { numRuns: 50 },
    )
  })

  it('with identical subscriptions, completes in two rounds and never revokes a partition that stays', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat()), { minLength: 1, maxLength: 10 }), (ops) => {
        const partitionsPerTopic = topics({ a: 4, b: 7, c: 3 })
        const all = ['a', 'b', 'c']
        const simulated = new SimulatedGroup(() => new CooperativeStickyAssignor())
        simulated.join('m0', all)
        rebalanceUntilComplete(simulated, partitionsPerTopic)
        let next = 1
        for (const [join, pick] of ops) {
          const members = [...simulated.assignors.keys()]
          if (join || members.length === 1) simulated.join(`m${next++}`, all)
          else simulated.leave(members[pick % members.length]!)
          const before = new Map(simulated.owned)
          const rounds = rebalanceUntilComplete(simulated, partitionsPerTopic)
          expect(rounds.length).toBeLessThanOrEqual(2)
          const finalOwners = ownerMap(rounds.at(-1)!)
          for (const [id, owned] of before) {
            const kept = owned.filter((p) => finalOwners.get(`${p.topic}-${p.partition}`) === id)
            for (const round of rounds) for (const p of kept) expect(round.get(id)?.partitions).toContainEqual(p)
          }
        }
      }),
      { numRuns: 50 },
    )
  })
})

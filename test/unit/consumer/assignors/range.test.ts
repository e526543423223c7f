import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RangeAssignor } from '../../../../src/consumer/assignors/index.js'
import { counts, expectValid, group, groupArbitrary, member, names, topics } from './helpers.js'

const range = new RangeAssignor()

describe('RangeAssignor', () => {
  it('is named range and EAGER only', () => {
    expect(range.name).toBe('range')
    expect(range.supportedProtocols).toEqual(['EAGER'])
  })

  // The examples below mirror Java's RangeAssignorTest.
  it('splits each topic in contiguous ranges, first members getting the extra partition', () => {
    const result = range.assign(topics({ t0: 3, t1: 3 }), group(member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])))
    expect(names(result)).toEqual({ C0: ['t0-0', 't0-1', 't1-0', 't1-1'], C1: ['t0-2', 't1-2'] })
  })

  it('gives nothing for a subscription to an unknown topic', () => {
    expect(names(range.assign(topics({}), group(member('c', ['t']))))).toEqual({ c: [] })
    expect(names(range.assign(topics({}), group(member('c', []))))).toEqual({ c: [] })
  })

  it('assigns only partitions of subscribed topics', () => {
    const result = range.assign(topics({ topic: 3, other: 3 }), group(member('c', ['topic'])))
    expect(names(result)).toEqual({ c: ['topic-0', 'topic-1', 'topic-2'] })
  })

  it('leaves the second of two members empty for a single partition', () => {
    const result = range.assign(topics({ t: 1 }), group(member('c1', ['t']), member('c2', ['t'])))
    expect(names(result)).toEqual({ c1: ['t-0'], c2: [] })
  })

  it('handles members with different subscriptions per topic', () => {
    const result = range.assign(
      topics({ topic1: 3, topic2: 2 }),
      group(
        member('consumer1', ['topic1']),
        member('consumer2', ['topic1', 'topic2']),
        member('consumer3', ['topic1']),
      ),
    )
    expect(names(result)).toEqual({
      consumer1: ['topic1-0'],
      consumer2: ['topic1-1', 'topic2-0', 'topic2-1'],
      consumer3: ['topic1-2'],
    })
  })

  it('orders members by code unit, as Java String.compareTo (not locale order)', () => {
    // 'B' (0x42) sorts before 'a' (0x61) in code units, after it in most locales.
    const result = range.assign(topics({ t: 2 }), group(member('a', ['t']), member('B', ['t'])))
    expect(names(result)).toEqual({ B: ['t-0'], a: ['t-1'] })
  })

  it('orders static members by group instance id, before dynamic members (KIP-345)', () => {
    const subscriptions = group(
      member('m-zzz', ['t'], { groupInstanceId: 'instance-1' }),
      member('m-aaa', ['t'], { groupInstanceId: 'instance-2' }),
      member('m-000', ['t']),
    )
    expect(names(range.assign(topics({ t: 3 }), subscriptions))).toEqual({
      'm-000': ['t-2'],
      'm-aaa': ['t-1'],
      'm-zzz': ['t-0'],
    })
    // After a rolling bounce the member ids change, but the instance ids keep the assignment.
    const bounced = group(
      member('m-111', ['t'], { groupInstanceId: 'instance-2' }),
      member('m-999', ['t'], { groupInstanceId: 'instance-1' }),
      member('m-000', ['t']),
    )
    expect(names(range.assign(topics({ t: 3 }), bounced))).toEqual({
      'm-000': ['t-2'],
      'm-111': ['t-1'],
      'm-999': ['t-0'],
    })
  })

  describe('rack-aware (KIP-881)', () => {
    // Partition p of each topic has its only replica on rack r<p % 3>.
    const racksFor = (counts: Record<string, number>) =>
      new Map(Object.entries(counts).map(([t, n]) => [t, Array.from({ length: n }, (_, p) => [`r${p % 3}`])]))

    it('gives members partitions with a replica on their rack', () => {
      const subscriptions = group(
        member('c0', ['t'], { rackId: 'r2' }),
        member('c1', ['t'], { rackId: 'r0' }),
        member('c2', ['t'], { rackId: 'r1' }),
      )
      expect(names(range.assign(topics({ t: 3 }), subscriptions, racksFor({ t: 3 })))).toEqual({
        c0: ['t-2'],
        c1: ['t-0'],
        c2: ['t-1'],
      })
      // Without replica racks it is plain range.
      expect(names(range.assign(topics({ t: 3 }), subscriptions))).toEqual({ c0: ['t-0'], c1: ['t-1'], c2: ['t-2'] })
    })

    it('keeps co-partitioned topics co-partitioned while matching racks', () => {
      const subscriptions = group(
        member('c0', ['t1', 't2'], { rackId: 'r1' }),
        member('c1', ['t1', 't2'], { rackId: 'r2' }),
        member('c2', ['t1', 't2'], { rackId: 'r0' }),
      )
      const result = range.assign(topics({ t1: 6, t2: 6 }), subscriptions, racksFor({ t1: 6, t2: 6 }))
      expect(names(result)).toEqual({
        c0: ['t1-1', 't1-4', 't2-1', 't2-4'],
        c1: ['t1-2', 't1-5', 't2-2', 't2-5'],
        c2: ['t1-0', 't1-3', 't2-0', 't2-3'],
      })
    })

    it('keeps the per-topic balance when racks cannot all be matched', () => {
      // Every replica on r0: only c1 matches, but it may take only its share.
      const subscriptions = group(member('c0', ['t'], { rackId: 'r1' }), member('c1', ['t'], { rackId: 'r0' }))
      const partitionRacks = new Map([['t', [['r0'], ['r0'], ['r0'], ['r0'], ['r1']]]])
      const result = range.assign(topics({ t: 5 }), subscriptions, partitionRacks)
      expect(names(result)).toEqual({ c0: ['t-3', 't-4'], c1: ['t-0', 't-1', 't-2'] })
    })

    it('does not use racks when every partition has a replica on every rack', () => {
      const subscriptions = group(member('c0', ['t'], { rackId: 'r1' }), member('c1', ['t'], { rackId: 'r0' }))
      const partitionRacks = new Map([
        [
          't',
          [
            ['r1', 'r0'],
            ['r0', 'r1'],
          ],
        ],
      ])
      expect(names(range.assign(topics({ t: 2 }), subscriptions, partitionRacks))).toEqual({ c0: ['t-0'], c1: ['t-1'] })
    })
  })

  describe('properties', () => {
    it('assigns every partition once, to a subscriber, balanced per topic', () => {
      fc.assert(
        fc.property(groupArbitrary(), ({ partitionsPerTopic, subscriptions }) => {
          const result = range.assign(partitionsPerTopic, subscriptions)
          expectValid(result, partitionsPerTopic, subscriptions)
          for (const [topic, count] of partitionsPerTopic) {
            const subscribers = [...subscriptions.values()].filter((s) => s.topics.includes(topic))
            const perMember = subscribers.map(
              (s) => result.get(s.memberId)!.partitions.filter((p) => p.topic === topic).length,
            )
            if (subscribers.length > 0) {
              expect(Math.max(...perMember) - Math.min(...perMember)).toBeLessThanOrEqual(1)
              expect(perMember.reduce((a, b) => a + b, 0)).toBe(count)
            }
          }
        }),
      )
    })

    it('co-partitions topics with the same subscribers and partition count', () => {
      fc.assert(
        fc.property(groupArbitrary({ sameSubscriptions: true }), ({ partitionsPerTopic, subscriptions }) => {
          const result = range.assign(partitionsPerTopic, subscriptions)
          for (const a of result.values()) {
            const byTopic = new Map<string, number[]>()
            for (const p of a.partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
            for (const [t1, p1] of byTopic) {
              for (const [t2, p2] of byTopic) {
                if (partitionsPerTopic.get(t1) === partitionsPerTopic.get(t2)) expect(p1).toEqual(p2)
              }
            }
          }
        }),
      )
    })

    it('stays valid and balanced per topic with arbitrary racks', () => {
      const racks = fc.constantFrom('r0', 'r1', 'r2')
      fc.assert(
        fc.property(
          groupArbitrary(),
          fc.array(fc.option(racks, { nil: null }), { minLength: 6, maxLength: 6 }),
          fc.array(fc.array(fc.uniqueArray(racks, { maxLength: 3 }), { minLength: 8, maxLength: 8 }), {
            minLength: 4,
            maxLength: 4,
          }),
          ({ partitionsPerTopic, subscriptions }, memberRacks, replicaRacks) => {
            const withRacks = new Map(
              [...subscriptions].map(([id, s], i) => [id, { ...s, rackId: memberRacks[i] ?? null }]),
            )
            const partitionRacks = new Map([...partitionsPerTopic.keys()].map((t, i) => [t, replicaRacks[i]!]))
            const result = range.assign(partitionsPerTopic, withRacks, partitionRacks)
            expectValid(result, partitionsPerTopic, withRacks)
            for (const topic of partitionsPerTopic.keys()) {
              const perMember = [...withRacks.values()]
                .filter((s) => s.topics.includes(topic))
                .map((s) => result.get(s.memberId)!.partitions.filter((p) => p.topic === topic).length)
              expect(Math.max(...perMember) - Math.min(...perMember)).toBeLessThanOrEqual(1)
            }
          },
        ),
      )
    })

    it('does not depend on the order of the input maps', () => {
      fc.assert(
        fc.property(groupArbitrary(), ({ partitionsPerTopic, subscriptions }) => {
          const reversed = new Map([...subscriptions].reverse())
          const reversedTopics = new Map([...partitionsPerTopic].reverse())
          expect(range.assign(reversedTopics, reversed)).toEqual(range.assign(partitionsPerTopic, subscriptions))
        }),
      )
    })
  })

  it('returns an entry for every member', () => {
    const result = range.assign(topics({ t: 1 }), group(member('a', ['t']), member('b', ['x'])))
    expect(counts(result)).toEqual(
      new Map([
        ['a', 1],
        ['b', 0],
      ]),
    )
  })
})

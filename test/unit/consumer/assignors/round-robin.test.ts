import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RoundRobinAssignor } from '../../../../src/consumer/assignors/index.js'
import { expectValid, group, groupArbitrary, member, names, spread, topics } from './helpers.js'

const roundRobin = new RoundRobinAssignor()

describe('RoundRobinAssignor', () => {
  it('is named roundrobin and EAGER only', () => {
    expect(roundRobin.name).toBe('roundrobin')
    expect(roundRobin.supportedProtocols).toEqual(['EAGER'])
  })

  // The examples below mirror Java's RoundRobinAssignor javadoc and RoundRobinAssignorTest.
  it('deals all partitions in turn to the members', () => {
    const result = roundRobin.assign(
      topics({ t0: 3, t1: 3 }),
      group(member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])),
    )
    expect(names(result)).toEqual({ C0: ['t0-0', 't0-2', 't1-1'], C1: ['t0-1', 't1-0', 't1-2'] })
  })

  it('skips members not subscribed to a topic, which can unbalance', () => {
    const result = roundRobin.assign(
      topics({ t0: 1, t1: 2, t2: 3 }),
      group(member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])),
    )
    expect(names(result)).toEqual({ C0: ['t0-0'], C1: ['t1-0'], C2: ['t1-1', 't2-0', 't2-1', 't2-2'] })
  })

  it('deals topics in name order and continues the cycle across topics', () => {
    const result = roundRobin.assign(
      topics({ b: 1, a: 2 }),
      group(member('c1', ['a', 'b']), member('c2', ['a', 'b']), member('c3', ['a', 'b'])),
    )
    expect(names(result)).toEqual({ c1: ['a-0'], c2: ['a-1'], c3: ['b-0'] })
  })

  it('orders static members by group instance id (KIP-345)', () => {
    const result = roundRobin.assign(
      topics({ t0: 3, t1: 3 }),
      group(
        member('C5', ['t0', 't1'], { groupInstanceId: 'I0' }),
        member('C3', ['t0', 't1'], { groupInstanceId: 'I1' }),
        member('C4', ['t0', 't1'], { groupInstanceId: 'I2' }),
      ),
    )
    expect(names(result)).toEqual({ C5: ['t0-0', 't1-0'], C3: ['t0-1', 't1-1'], C4: ['t0-2', 't1-2'] })
  })

  it('gives nothing for unknown topics', () => {
    expect(names(roundRobin.assign(topics({}), group(member('c', ['t']))))).toEqual({ c: [] })
  })

  it('assigns every partition once, to a subscriber; balanced when subscriptions are identical', () => {
    fc.assert(
      fc.property(groupArbitrary(), ({ partitionsPerTopic, subscriptions }) => {
        expectValid(roundRobin.assign(partitionsPerTopic, subscriptions), partitionsPerTopic, subscriptions)
      }),
    )
    fc.assert(
      fc.property(groupArbitrary({ sameSubscriptions: true }), ({ partitionsPerTopic, subscriptions }) => {
        const result = roundRobin.assign(partitionsPerTopic, subscriptions)
        expectValid(result, partitionsPerTopic, subscriptions)
        expect(spread(result)).toBeLessThanOrEqual(1)
      }),
    )
  })

  it('does not depend on the order of the input maps', () => {
    fc.assert(
      fc.property(groupArbitrary(), ({ partitionsPerTopic, subscriptions }) => {
        const reversed = new Map([...subscriptions].reverse())
        expect(roundRobin.assign(partitionsPerTopic, reversed)).toEqual(
          roundRobin.assign(partitionsPerTopic, subscriptions),
        )
      }),
    )
  })
})

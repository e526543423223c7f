import { describe, expect, it } from 'vitest'
import {
  type ConsumerPartitionAssignor,
  CooperativeStickyAssignor,
  createAssignors,
  DEFAULT_PARTITION_ASSIGNMENT_STRATEGY,
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  selectRebalanceProtocol,
} from '../../../../src/consumer/assignors/index.js'
import { ConfigError } from '../../../../src/errors.js'

const custom = (name: string, supportedProtocols: ConsumerPartitionAssignor['supportedProtocols']) =>
  ({ name, supportedProtocols, assign: () => new Map() }) satisfies ConsumerPartitionAssignor

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe('partitionAssignmentStrategy')
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('createAssignors', () => {
  it('defaults to range then cooperative-sticky, as Java 4.x', () => {
    expect(DEFAULT_PARTITION_ASSIGNMENT_STRATEGY).toEqual(['range', 'cooperative-sticky'])
    const assignors = createAssignors()
    expect(assignors.map((a) => a.name)).toEqual(['range', 'cooperative-sticky'])
    expect(assignors[0]).toBeInstanceOf(RangeAssignor)
    expect(assignors[1]).toBeInstanceOf(CooperativeStickyAssignor)
  })

  it('maps every built-in name, in the given preference order', () => {
    const assignors = createAssignors(['sticky', 'roundrobin', 'cooperative-sticky', 'range'])
    expect(assignors.map((a) => a.constructor)).toEqual([
      StickyAssignor,
      RoundRobinAssignor,
      CooperativeStickyAssignor,
      RangeAssignor,
    ])
  })

  it('accepts a single name, a comma-separated list, and Java class names', () => {
    expect(createAssignors('roundrobin').map((a) => a.name)).toEqual(['roundrobin'])
    expect(createAssignors('range, cooperative-sticky').map((a) => a.name)).toEqual(['range', 'cooperative-sticky'])
    expect(
      createAssignors([
        'org.apache.kafka.clients.consumer.RangeAssignor',
        'org.apache.kafka.clients.consumer.CooperativeStickyAssignor',
      ]).map((a) => a.name),
    ).toEqual(['range', 'cooperative-sticky'])
  })

  it('creates fresh instances, so members in one process do not share sticky memory', () => {
    const [a] = createAssignors('sticky')
    const [b] = createAssignors('sticky')
    expect(a).not.toBe(b)
    a!.onAssignment?.({ partitions: [{ topic: 't', partition: 0 }], userData: null }, 3)
    expect(b!.subscriptionUserData?.(new Set(['t']), [], 3)).toBeNull()
  })

  it('keeps custom assignor objects as they are', () => {
    const mine = custom('mine', ['EAGER'])
    const assignors = createAssignors([mine, 'range'])
    expect(assignors[0]).toBe(mine)
  })

  it('rejects unknown names, empty strategies, duplicate names and malformed custom assignors', () => {
    expect(configError(() => createAssignors('fair')).message).toContain("unknown assignor 'fair'")
    expect(configError(() => createAssignors('constructor')).message).toContain('unknown assignor')
    configError(() => createAssignors([]))
    configError(() => createAssignors(' , '))
    expect(configError(() => createAssignors(['range', 'range'])).message).toContain("'range'")
    configError(() => createAssignors([custom('range', ['EAGER']), 'range']))
    configError(() => createAssignors(custom('', ['EAGER'])))
    configError(() => createAssignors(custom('x', [])))
    configError(() => createAssignors(custom('x', ['LAZY' as 'EAGER'])))
    configError(() =>
      createAssignors({ name: 'x', supportedProtocols: ['EAGER'] } as unknown as ConsumerPartitionAssignor),
    )
    configError(() => createAssignors([null as unknown as ConsumerPartitionAssignor]))
  })
})

describe('selectRebalanceProtocol', () => {
  it('is EAGER for the default, since range supports only EAGER', () => {
    expect(selectRebalanceProtocol(createAssignors())).toBe('EAGER')
    expect(selectRebalanceProtocol(createAssignors(['range', 'roundrobin', 'sticky']))).toBe('EAGER')
  })

  it('is COOPERATIVE when every assignor supports it', () => {
    expect(selectRebalanceProtocol(createAssignors('cooperative-sticky'))).toBe('COOPERATIVE')
    expect(selectRebalanceProtocol([new CooperativeStickyAssignor(), custom('c', ['COOPERATIVE'])])).toBe('COOPERATIVE')
  })

  it('picks the most advanced protocol that all support', () => {
    expect(selectRebalanceProtocol([new CooperativeStickyAssignor(), custom('e', ['EAGER', 'COOPERATIVE'])])).toBe(
      'COOPERATIVE',
    )
    expect(selectRebalanceProtocol([new CooperativeStickyAssignor(), new StickyAssignor()])).toBe('EAGER')
  })

  it('rejects assignors with no protocol in common, and none at all', () => {
    expect(
      configError(() => selectRebalanceProtocol([new RangeAssignor(), custom('c', ['COOPERATIVE'])])).message,
    ).toContain('no rebalance protocol in common')
    configError(() => selectRebalanceProtocol([]))
  })
})

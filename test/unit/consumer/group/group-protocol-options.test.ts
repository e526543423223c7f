import { describe, expect, it } from 'vitest'
import { Consumer } from '../../../../src/consumer/index.js'
import { CONSUMER_OPTION_NAMES, resolveConsumerOptions } from '../../../../src/consumer/options.js'
import { ConfigError } from '../../../../src/errors.js'

const B = ['x:1']

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('groupProtocol options', () => {
  it("defaults to 'classic' with no remote assignor", () => {
    const o = resolveConsumerOptions({ bootstrapServers: ['x:1'], groupId: 'g' })
    expect(o.groupProtocol).toBe('classic')
    expect(o.groupRemoteAssignor).toBeNull()
  })

  it('are known option names (the unknown-option check accepts them)', () => {
    expect(CONSUMER_OPTION_NAMES.has('groupProtocol')).toBe(true)
    expect(CONSUMER_OPTION_NAMES.has('groupRemoteAssignor')).toBe(true)
    const c = new Consumer({
      bootstrapServers: ['127.0.0.1:1'],
      groupId: 'g',
      groupProtocol: 'consumer',
      groupRemoteAssignor: 'uniform',
    })
    return c.close()
  })

  it("accepts 'consumer' with groupRemoteAssignor", () => {
    const o = resolveConsumerOptions({
      bootstrapServers: B,
      groupId: 'g',
      groupProtocol: 'consumer',
      groupRemoteAssignor: 'range',
    })
    expect(o.groupProtocol).toBe('consumer')
    expect(o.groupRemoteAssignor).toBe('range')
  })

  it('rejects an unknown protocol', () => {
    const e = configError(() =>
      resolveConsumerOptions({ bootstrapServers: B, groupId: 'g', groupProtocol: 'eager' as never }),
    )
    expect(e.option).toBe('groupProtocol')
  })

  it.each([
    ['sessionTimeoutMs', { sessionTimeoutMs: 10000 }, 'group.consumer.session.timeout.ms'],
    ['heartbeatIntervalMs', { heartbeatIntervalMs: 1000 }, 'group.consumer.heartbeat.interval.ms'],
    ['partitionAssignmentStrategy', { partitionAssignmentStrategy: ['range'] as const }, 'groupRemoteAssignor'],
  ])("rejects %s under 'consumer', naming the broker-side config", (name, extra, replacement) => {
    const e = configError(() =>
      resolveConsumerOptions({ bootstrapServers: B, groupId: 'g', groupProtocol: 'consumer', ...extra }),
    )
    expect(e.option).toBe(name)
    expect(e.message).toContain(replacement)
  })

  it('names group.consumer.assignors for partitionAssignmentStrategy', () => {
    const e = configError(() =>
      resolveConsumerOptions({
        bootstrapServers: B,
        groupId: 'g',
        groupProtocol: 'consumer',
        partitionAssignmentStrategy: ['sticky'],
      }),
    )
    expect(e.message).toContain('group.consumer.assignors')
  })

  it("rejects groupRemoteAssignor under 'classic' (as Java)", () => {
    const e = configError(() =>
      resolveConsumerOptions({ bootstrapServers: B, groupId: 'g', groupRemoteAssignor: 'uniform' }),
    )
    expect(e.option).toBe('groupRemoteAssignor')
  })

  it("keeps the classic options' behaviour under 'classic'", () => {
    const o = resolveConsumerOptions({
      bootstrapServers: B,
      groupId: 'g',
      sessionTimeoutMs: 10000,
      heartbeatIntervalMs: 1000,
    })
    expect(o.sessionTimeoutMs).toBe(10000)
  })
})

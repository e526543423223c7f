// Unknown options are rejected by every client constructor (not only by TypeScript), with the
// closest known name; unknown Java configs from fromProperties are logged and ignored, as Java does.
import { describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { fromProperties } from '../../../src/cluster/java-properties.js'
import { Consumer } from '../../../src/consumer/index.js'
import { ConfigError } from '../../../src/errors.js'
import { closestName, editDistance, splitOptions } from '../../../src/internal/options.js'
import { PRODUCER_CLUSTER } from '../../../src/internal/seams.js'
import { Producer } from '../../../src/producer/index.js'
import { fakeCluster } from '../producer/fake-cluster.js'

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return e as ConfigError
  }
  throw new Error('expected a ConfigError')
}

function recordingLogger() {
  const warnings: string[] = []
  return { warnings, logger: { info() {}, error() {}, warn: (m: string) => warnings.push(m) } }
}

const bootstrapServers = '127.0.0.1:1'

describe('editDistance / closestName', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps', () => {
    expect(editDistance('groupProtocl', 'groupProtocol')).toBe(1)
    expect(editDistance('lingerMs', 'lignerMs')).toBe(1)
    expect(editDistance('abc', 'abc')).toBe(0)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })

  it('suggests only a likely typo, matching Java spellings and case', () => {
    const known = ['bootstrapServers', 'lingerMs', 'groupId', 'groupInstanceId']
    expect(closestName('bootstrap.servers', known)).toBe('bootstrapServers')
    expect(closestName('LINGERMS', known)).toBe('lingerMs')
    expect(closestName('groupid', known)).toBe('groupId')
    expect(closestName('somethingElseEntirely', known)).toBeUndefined()
  })
})

describe('splitOptions', () => {
  it('splits shared from own options and rejects non-objects', () => {
    const s = splitOptions({ a: 1, b: 2 }, new Set(['a']), new Set(['b']), 'producer')
    expect(s).toEqual({ common: { a: 1 }, own: { b: 2 }, ignored: [] })
    expect(configError(() => splitOptions(null, new Set(), new Set(), 'producer')).option).toBe('options')
    expect(configError(() => splitOptions([], new Set(), new Set(), 'producer')).option).toBe('options')
  })
})

describe('unknown options', () => {
  it('Consumer: a typo from JavaScript is a ConfigError naming the closest option', () => {
    const err = configError(() => new Consumer({ bootstrapServers, groupId: 'g', sesionTimeoutMs: 10_000 } as never))
    expect(err.option).toBe('sesionTimeoutMs')
    expect(err.message).toContain("unknown consumer option 'sesionTimeoutMs' — did you mean 'sessionTimeoutMs'?")
    // A shared option misspelt is caught too, and a producer option is not a consumer option.
    expect(configError(() => new Consumer({ bootstrapServers, clientID: 'x' } as never)).message).toContain(
      "did you mean 'clientId'?",
    )
    expect(configError(() => new Consumer({ bootstrapServers, lingerMs: 5 } as never)).option).toBe('lingerMs')
  })

  it('Consumer: every option of its type is known (deserializers, heartbeatThread, ...)', async () => {
    const c = new Consumer({
      bootstrapServers,
      groupId: 'g',
      groupInstanceId: 'i',
      autoOffsetReset: 'earliest',
      enableAutoCommit: false,
      autoCommitIntervalMs: 1000,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1000,
      maxPollIntervalMs: 60_000,
      maxPollRecords: 10,
      fetchMinBytes: 1,
      fetchMaxBytes: 1 << 20,
      fetchMaxWaitMs: 100,
      maxPartitionFetchBytes: 1 << 20,
      partitionAssignmentStrategy: ['range'],
      isolationLevel: 'read_committed',
      keyDeserializer: (b) => b,
      valueDeserializer: (b) => b,
      checkCrcs: true,
      clientRack: 'r1',
      excludeInternalTopics: true,
      allowAutoCreateTopics: false,
      defaultApiTimeoutMs: 1000,
      heartbeatThread: false,
      clientId: 'c',
      requestTimeoutMs: 1000,
      retryBackoffMs: 10,
      retryBackoffMaxMs: 100,
      reconnectBackoffMs: 10,
      reconnectBackoffMaxMs: 100,
      metadataMaxAgeMs: 1000,
      connectionsMaxIdleMs: 1000,
      socketConnectionSetupTimeoutMs: 1000,
      socketConnectionSetupTimeoutMaxMs: 2000,
      maxResponseBytes: 1 << 20,
    })
    await c.close()
  })

  it('Producer: a typo is a ConfigError; transactional options stay known names', async () => {
    const err = configError(() => new Producer({ bootstrapServers, lingerMS: 5 } as never))
    expect(err.option).toBe('lingerMS')
    expect(err.message).toContain("did you mean 'lingerMs'?")
    expect(configError(() => new Producer({ bootstrapServers, acksx: 1 } as never)).message).toContain(
      "did you mean 'acks'?",
    )
    // transactionalId and transactionTimeoutMs are known names: a typo of them is named, the names construct.
    expect(configError(() => new Producer({ bootstrapServers, transactionalID: 't' } as never)).message).toContain(
      "did you mean 'transactionalId'?",
    )
    const p = new Producer({
      bootstrapServers,
      transactionalId: 't',
      transactionTimeoutMs: 60_000,
      [PRODUCER_CLUSTER]: fakeCluster({}),
    } as never)
    await p.close()
  })

  it('Admin: a typo is a ConfigError; consumer options are not admin options', async () => {
    expect(configError(() => new Admin({ bootstrapServers, defaultApiTimeoutMS: 5 } as never)).message).toContain(
      "did you mean 'defaultApiTimeoutMs'?",
    )
    expect(configError(() => new Admin({ bootstrapServers, groupId: 'g' } as never)).option).toBe('groupId')
    const far = configError(() => new Admin({ bootstrapServers, zzzzzzzzzzzz: 1 } as never))
    expect(far.message).toContain("unknown admin option 'zzzzzzzzzzzz'")
    expect(far.message).not.toContain('did you mean')
    await new Admin({ bootstrapServers, defaultApiTimeoutMs: 5 }).close()
  })

  it('a Java config from fromProperties that the client does not know is logged and ignored', async () => {
    const { warnings, logger } = recordingLogger()
    const props = fromProperties('bootstrap.servers=127.0.0.1:1\nsend.buffer.bytes=131072\nlinger.ms=7\ngroup.id=g\n')
    // Spreading (to override or add options) keeps the marks.
    const c = new Consumer({ ...props, logger, clientId: 'x' } as never)
    await c.close()
    expect(warnings.join('\n')).toContain(
      "kafka-wire consumer: a configuration that isn't a known consumer config was ignored (clientId=x property=send.buffer.bytes option=sendBufferBytes)",
    )
    expect(warnings.join('\n')).toContain('property=linger.ms option=lingerMs')
    const p = new Producer({ ...props, logger, [PRODUCER_CLUSTER]: fakeCluster({}) } as never)
    await p.close()
    expect(warnings.join('\n')).toMatch(
      /isn't a known producer config was ignored \(.*property=group\.id option=groupId\)/,
    )
    // A typo written in code next to them is still an error.
    expect(configError(() => new Consumer({ ...props, logger, maxPollRecord: 5 } as never)).option).toBe(
      'maxPollRecord',
    )
  })
})

describe('unknown keys of nested options (tls, sasl)', () => {
  it('name the nested key and the closest known one', () => {
    const tls = configError(() => new Admin({ bootstrapServers, tls: { rejectUnauthorised: false } } as never))
    expect(tls.option).toBe('tls.rejectUnauthorised')
    expect(tls.message).toContain("did you mean 'rejectUnauthorized'?")
    const sasl = configError(
      () =>
        new Admin({
          bootstrapServers,
          sasl: { mechanism: 'PLAIN', username: 'u', password: 'p', passwrd: 'x' },
        } as never),
    )
    expect(sasl.option).toBe('sasl.passwrd')
    expect(sasl.message).toContain("did you mean 'password'?")
    expect(
      configError(
        () =>
          new Admin({
            bootstrapServers,
            sasl: { mechanism: 'OAUTHBEARER', token: () => ({ value: 'v' }), username: 'u' },
          } as never),
      ).option,
    ).toBe('sasl.username')
  })
})

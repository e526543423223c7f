// KAFKA_WIRE_DEBUG against the real broker: the categories asked for, one line per event with its
// context, routed to the client's logger; nothing from the others; no credential in any line.
import { afterEach, describe, expect, inject, it } from 'vitest'
import { Admin, ConfigError, Consumer, type Logger, Producer } from '../../../src/index.js'
import { createTopic, uniqueName } from '../producer/helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const logger: Logger = { debug: (msg) => lines.push(msg), info() {}, warn() {}, error() {} }
  return { logger, lines }
}

afterEach(() => {
  delete process.env.KAFKA_WIRE_DEBUG
})

describe('KAFKA_WIRE_DEBUG', () => {
  it('an unknown category is a ConfigError naming the variable', () => {
    process.env.KAFKA_WIRE_DEBUG = 'group,protocl'
    expect(() => new Producer({ bootstrapServers })).toThrow(ConfigError)
    expect(() => new Producer({ bootstrapServers })).toThrow(/KAFKA_WIRE_DEBUG.*protocl.*known: connection, protocol/)
  })

  it('protocol, producer, group and fetch lines carry their context', async () => {
    const topic = uniqueName('debug-env')
    await createTopic(bootstrapServers, topic, 1)
    process.env.KAFKA_WIRE_DEBUG = 'protocol,producer,group,fetch'
    const p = capture()
    const producer = new Producer({ bootstrapServers, clientId: 'debug-producer', logger: p.logger })
    try {
      await producer.send({ topic, value: 'x' })
    } finally {
      await producer.close()
    }
    // Every request is a pair of lines: → written, ← answered with its latency.
    expect(
      p.lines.some((l) =>
        /^kafka-wire \[protocol\] client=debug-producer node=-?\d+ → ApiVersions v\d+ correlation=0 \d+ B$/.test(l),
      ),
    ).toBe(true)
    expect(
      p.lines.some((l) =>
        /^kafka-wire \[protocol\] client=debug-producer node=\d+ ← Produce v\d+ correlation=\d+ \d+ B in \d+ ms$/.test(
          l,
        ),
      ),
    ).toBe(true)
    expect(
      p.lines.some(
        (l) =>
          l.startsWith('kafka-wire [producer] client=debug-producer Produce node=') &&
          l.includes(`partitions=${topic}-0 ok in`),
      ),
    ).toBe(true)
    // Not asked for: no connection or metadata lines.
    expect(p.lines.some((l) => l.includes('[connection]') || l.includes('[metadata]'))).toBe(false)

    const c = capture()
    const groupId = uniqueName('debug-group')
    const consumer = new Consumer({
      bootstrapServers,
      groupId,
      clientId: 'debug-consumer',
      autoOffsetReset: 'earliest',
      logger: c.logger,
    })
    try {
      consumer.subscribe([topic])
      let count = 0
      while (count === 0) count = (await consumer.poll(500)).count
      await consumer.commitSync()
    } finally {
      await consumer.close()
    }
    const join = c.lines.find(
      (l) =>
        l.startsWith(`kafka-wire [group] client=debug-consumer JoinGroup group=${groupId} `) &&
        l.includes('generation=') &&
        l.includes(' ok in '),
    )
    expect(join).toBeDefined()
    expect(c.lines.some((l) => l.startsWith('kafka-wire [group] client=debug-consumer SyncGroup '))).toBe(true)
    expect(
      c.lines.some((l) =>
        l.startsWith(
          `kafka-wire [group] client=debug-consumer onPartitionsAssigned group=${groupId} partitions=${topic}-0 ok`,
        ),
      ),
    ).toBe(true)
    expect(
      c.lines.some((l) =>
        l.startsWith(`kafka-wire [group] client=debug-consumer OffsetCommit group=${groupId} ${topic}-0@1 ok`),
      ),
    ).toBe(true)
    expect(
      c.lines.some(
        (l) => l.startsWith('kafka-wire [fetch] client=debug-consumer Fetch node=') && l.includes(`${topic}-0`),
      ),
    ).toBe(true)
    // The producer's lines went to the producer's logger only.
    expect(c.lines.some((l) => l.includes('client=debug-producer'))).toBe(false)
  })

  it('connection lines name the broker and the SASL mechanism, never the password', async () => {
    process.env.KAFKA_WIRE_DEBUG = 'all'
    const a = capture()
    // The shared broker's listener has no SASL: the handshake fails, and the lines say so.
    const admin = new Admin({
      bootstrapServers,
      clientId: 'debug-admin',
      logger: a.logger,
      sasl: { mechanism: 'PLAIN', username: 'alice', password: 'pw-3f9a1c-do-not-print' },
      requestTimeoutMs: 3000,
      defaultApiTimeoutMs: 3000,
    })
    try {
      await expect(admin.listTopics()).rejects.toThrow()
    } finally {
      await admin.close()
    }
    expect(
      a.lines.some((l) =>
        /^kafka-wire \[connection\] client=debug-admin connect node=-1 broker=[^ ]+:\d+ workload=admin failed in [\d.]+ ms: AuthenticationError: .*ILLEGAL_SASL_STATE$/.test(
          l,
        ),
      ),
    ).toBe(true)
    expect(a.lines.some((l) => l.startsWith('kafka-wire [connection] client=debug-admin SASL PLAIN node=-1 '))).toBe(
      true,
    )
    expect(a.lines.some((l) => l.startsWith('kafka-wire [connection] client=debug-admin closed node=-1 '))).toBe(true)
    expect(
      a.lines.some((l) => l.startsWith('kafka-wire [admin] client=debug-admin listTopics (Metadata) failed')),
    ).toBe(true)
    // The handshake itself, as protocol lines.
    expect(a.lines.some((l) => / → SaslHandshake v1 correlation=1 \d+ B$/.test(l))).toBe(true)
    expect(a.lines.join('\n')).not.toContain('pw-3f9a1c-do-not-print')
  })
})

// kafka-wire's log records through a real pino logger against the real broker: the JSON lines of a
// delivery failure and of a group's assignment carry their context fields; KAFKA_WIRE_DEBUG lines
// become records too; no line carries a credential.
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { Admin, Consumer, Producer, RecordTooLargeError } from '../../../src/index.js'
import { createTopic, uniqueName } from '../producer/helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

/** A pino logger writing its JSON lines into `lines` (an in-memory destination). */
function memoryPino(level: pino.Level = 'info') {
  const lines: Record<string, any>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    },
  })
  return { logger: pino({ level }, stream), lines }
}

afterEach(() => {
  delete process.env.KAFKA_WIRE_DEBUG
})

describe('kafka-wire with a pino logger', () => {
  it('a delivery the broker refuses is one error line with clientId, topic, partition, recordCount and err', async () => {
    const topic = uniqueName('pino-too-large')
    await createTopic(bootstrapServers, topic, 1, { 'max.message.bytes': '1024' })
    const { logger, lines } = memoryPino()
    const producer = new Producer({ bootstrapServers, clientId: 'pino-producer', logger, lingerMs: 0 })
    try {
      await expect(producer.send({ topic, value: randomBytes(4000) })).rejects.toBeInstanceOf(RecordTooLargeError)
    } finally {
      await producer.close()
    }
    const failed = lines.filter((l) => l.msg === 'kafka-wire producer: delivery failed')
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({
      level: 50,
      clientId: 'pino-producer',
      topic,
      partition: 0,
      recordCount: 1,
      err: { type: 'RecordTooLargeError', code: 'MESSAGE_TOO_LARGE' },
    })
    expect(failed[0]!.err.message).toBeTypeOf('string')
  })

  it("a consumer's assignment is an info line with clientId, groupId, generationId, memberId and the partitions", async () => {
    const topic = uniqueName('pino-group')
    await createTopic(bootstrapServers, topic, 2)
    const groupId = uniqueName('pino-group')
    const { logger, lines } = memoryPino()
    const consumer = new Consumer({ bootstrapServers, groupId, clientId: 'pino-consumer', logger })
    try {
      consumer.subscribe([topic])
      const until = Date.now() + 30_000
      while (!lines.some((l) => l.msg === 'kafka-wire group: partitions assigned') && Date.now() < until) {
        await consumer.poll(200)
      }
    } finally {
      await consumer.close()
    }
    const assigned = lines.find((l) => l.msg === 'kafka-wire group: partitions assigned')
    expect(assigned).toMatchObject({
      level: 30,
      clientId: 'pino-consumer',
      groupId,
      partitions: [`${topic}-0`, `${topic}-1`],
    })
    expect(assigned!.generationId).toBeGreaterThanOrEqual(1)
    expect(assigned!.memberId).toMatch(/\S/)
  })

  it('KAFKA_WIRE_DEBUG lines are records (category and fields); a SASL password is in no line', async () => {
    process.env.KAFKA_WIRE_DEBUG = 'all'
    const { logger, lines } = memoryPino('debug')
    // The shared broker's listener has no SASL: the handshake fails.
    const admin = new Admin({
      bootstrapServers,
      clientId: 'pino-admin',
      logger,
      sasl: { mechanism: 'PLAIN', username: 'alice', password: 'pw-7c1e-never-logged' },
      requestTimeoutMs: 3000,
      defaultApiTimeoutMs: 3000,
    })
    try {
      await expect(admin.listTopics()).rejects.toThrow()
    } finally {
      await admin.close()
    }
    const connect = lines.find(
      (l) => l.category === 'connection' && l.msg.startsWith('kafka-wire [connection] connect'),
    )
    expect(connect).toMatchObject({ level: 20, clientId: 'pino-admin', nodeId: -1, workload: 'admin' })
    expect(connect!.broker).toMatch(/:\d+$/)
    expect(connect!.err.type).toBe('AuthenticationError')
    expect(lines.some((l) => l.category === 'protocol' && l.api === 'SaslHandshake' && l.direction === 'sent')).toBe(
      true,
    )
    expect(lines.some((l) => l.category === 'admin' && l.operation === 'listTopics')).toBe(true)
    expect(JSON.stringify(lines)).not.toContain('pw-7c1e-never-logged')
  })
})

// kafka-wire/testing's VerifiableProducer / VerifiableConsumer wrappers against the real broker:
// the Java producer's acknowledgements and the Java consumer's assignment and records come back as
// typed events; stop() ends the JVM through a clean close (the consumer revokes, shutdown_complete)
// and kill() with SIGKILL.
import { afterEach, describe, expect, inject, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import {
  startVerifiableConsumer,
  startVerifiableProducer,
  type VerifiableTool,
  VerifiableToolError,
} from '../../../src/testing/index.js'
import { uniqueName } from '../consumer/helpers.js'

const libDir = inject('kafkaLibDir')
const bootstrapServers = inject('kafkaBootstrapServers')

describe.skipIf(!libDir)('VerifiableProducer and VerifiableConsumer (Apache Kafka system-test tools)', () => {
  const started: VerifiableTool[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((t) => t.kill()))
  })

  it('the producer acks every record; a consumer-protocol Java member gets all partitions, every record, then leaves on stop()', async () => {
    const topic = uniqueName('verifiable')
    const admin = new Admin({ bootstrapServers })
    try {
      await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }])
    } finally {
      await admin.close()
    }
    const producer = await startVerifiableProducer(libDir, {
      bootstrapServers,
      topic,
      maxMessages: 60,
      repeatingKeys: 6,
    })
    started.push(producer)
    await producer.untilAcked(60, 60_000)
    expect(await producer.untilExit()).toEqual({ code: 0, signal: null })
    expect(producer.errors).toEqual([])
    expect(producer.acked.map((e) => e.value).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 60 }, (_, i) => String(i)),
    )
    expect(new Set(producer.acked.map((e) => e.partition)).size).toBe(3)
    expect(producer.eventsNamed('tool_data')).toMatchObject([{ sent: 60, acked: 60 }])

    const groupId = uniqueName('g-verifiable')
    const consumer = await startVerifiableConsumer(libDir, {
      bootstrapServers,
      topic,
      groupId,
      groupProtocol: 'consumer',
    })
    started.push(consumer)
    await consumer.untilAssigned((a) => a.length === 3, 60_000)
    expect(consumer.assignment).toEqual([0, 1, 2].map((partition) => ({ topic, partition })))
    await consumer.untilConsumed(60, 30_000)
    // Every value, at the offset the producer was told.
    const acked = new Map(producer.acked.map((e) => [`${e.partition}:${e.offset}`, e.value]))
    expect(consumer.records).toHaveLength(60)
    for (const r of consumer.records) expect(r.value).toBe(acked.get(`${r.partition}:${r.offset}`))
    await consumer.until('a commit', () => consumer.eventsNamed('offsets_committed').some((e) => e.success))

    await consumer.stop()
    expect(consumer.exit).toBeDefined()
    const names = consumer.events.map((e) => e.name)
    expect(names.at(-1)).toBe('shutdown_complete')
    expect(names).toContain('partitions_revoked')
    expect(consumer.assignment).toEqual([])
  }, 120_000)

  it('kill() is a SIGKILL; a wait on a dead tool fails at once, naming it', async () => {
    const topic = uniqueName('verifiable-kill')
    const consumer = await startVerifiableConsumer(libDir, { bootstrapServers, topic, groupId: uniqueName('g') })
    started.push(consumer)
    await consumer.until('startup', () => consumer.eventsNamed('startup_complete').length > 0, 60_000)
    await consumer.kill()
    expect(consumer.exit).toEqual({ code: null, signal: 'SIGKILL' })
    const err = await consumer.untilAssigned(undefined, 60_000).catch((e) => e)
    expect(err).toBeInstanceOf(VerifiableToolError)
    expect(err.message).toMatch(/VerifiableConsumer.*exited \(SIGKILL\) before an assignment/)
  }, 90_000)
})

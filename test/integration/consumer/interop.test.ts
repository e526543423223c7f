// Records written by Apache Kafka's Java producer (ConsoleProducer for exact content with each
// compression type, ProducerPerformance for volume) are all read correctly; a regex subscription
// picks up a topic created later, after a metadata refresh.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Consumer } from '../../../src/consumer/index.js'
import { JAVA_TOOLS, javaTool } from '../../../src/testing/index.js'
import { createTopic, RawProducer, uniqueName, values } from './helpers.js'
import { GROUP_PROTOCOLS, protocolOptions, unavailable } from './protocols.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const libDir = inject('kafkaLibDir')

async function readAll(topic: string, partitions: number, expected: number, timeoutMs = 60000) {
  const consumer = new Consumer({
    bootstrapServers,
    autoOffsetReset: 'earliest',
    keyDeserializer: (b) => b?.toString() ?? null,
    valueDeserializer: (b) => b?.toString() ?? null,
  })
  const out: { partition: number; offset: bigint; key: string | null; value: string | null }[] = []
  try {
    consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })))
    const deadline = Date.now() + timeoutMs
    while (out.length < expected && Date.now() < deadline) {
      for (const r of await consumer.poll(500))
        out.push({ partition: r.partition, offset: r.offset, key: r.key, value: r.value })
    }
  } finally {
    await consumer.close()
  }
  return out
}

describe.skipIf(!libDir)('records produced by the Java client', () => {
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`ConsoleProducer with compression.type=${compression}: exact keys and values`, async () => {
      const topic = uniqueName(`java-${compression}`)
      await createTopic(bootstrapServers, topic, 1)
      const lines = Array.from({ length: 500 }, (_, i) => `key-${i}\t${'value-'.repeat(1 + (i % 7))}${i}`)
      const r = await javaTool(
        libDir,
        JAVA_TOOLS.consoleProducer,
        [
          '--bootstrap-server',
          bootstrapServers,
          '--topic',
          topic,
          '--producer-property',
          `compression.type=${compression}`,
          '--producer-property',
          'linger.ms=50',
          '--property',
          'parse.key=true',
        ],
        { input: `${lines.join('\n')}\n`, timeoutMs: 90000 },
      )
      expect(r.code).toBe(0)
      const got = await readAll(topic, 1, 500)
      expect(got.map((g) => `${g.key}\t${g.value}`)).toEqual(lines)
      expect(got.map((g) => g.offset)).toEqual(lines.map((_, i) => BigInt(i)))
    })
  }

  it('ProducerPerformance (lz4, 3 partitions, 20000 records of 200 bytes): every record, no gaps', async () => {
    const topic = uniqueName('java-perf')
    await createTopic(bootstrapServers, topic, 3)
    const r = await javaTool(
      libDir,
      JAVA_TOOLS.producerPerformance,
      [
        '--topic',
        topic,
        '--num-records',
        '20000',
        '--record-size',
        '200',
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${bootstrapServers}`,
        'compression.type=lz4',
        'acks=all',
      ],
      { timeoutMs: 120000 },
    )
    expect(r.code).toBe(0)
    const got = await readAll(topic, 3, 20000)
    expect(got).toHaveLength(20000)
    for (let p = 0; p < 3; p++) {
      const offsets = got.filter((g) => g.partition === p).map((g) => g.offset)
      expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)))
    }
    expect(got.every((g) => g.value!.length === 200)).toBe(true)
  })
})

// A RegExp is resolved on the client (as Java's subscribe(Pattern)) under both protocols; under
// 'consumer' the member sends the resolved topic names in its heartbeat.
describe.each(GROUP_PROTOCOLS)('regex subscription, groupProtocol %s', (protocol) => {
  let producer: RawProducer
  beforeAll(() => {
    producer = new RawProducer(bootstrapServers)
  })
  afterAll(async () => {
    await producer?.close()
  })

  it.skipIf(unavailable(protocol))('picks up a new matching topic after a metadata refresh', async () => {
    const prefix = uniqueName('rx')
    const first = `${prefix}-one`
    await createTopic(bootstrapServers, first, 1)
    await createTopic(bootstrapServers, `${uniqueName('other')}`, 1)
    await producer.send(first, 0, values('one', 5))
    const consumer = new Consumer({
      bootstrapServers,
      groupId: uniqueName('g-rx'),
      autoOffsetReset: 'earliest',
      metadataMaxAgeMs: 1000,
      ...protocolOptions(protocol, { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 }),
      valueDeserializer: (b) => b?.toString() ?? null,
    })
    const seen: string[] = []
    try {
      consumer.subscribe(new RegExp(`^${prefix}-`))
      const deadline = Date.now() + 30000
      while (seen.length < 5 && Date.now() < deadline) for (const r of await consumer.poll(200)) seen.push(r.value!)
      expect(seen).toEqual(['one-0', 'one-1', 'one-2', 'one-3', 'one-4'])
      expect(consumer.subscription()).toEqual([first])
      const second = `${prefix}-two`
      await createTopic(bootstrapServers, second, 2)
      await producer.send(second, 1, values('two', 3))
      while (seen.length < 8 && Date.now() < deadline + 30000)
        for (const r of await consumer.poll(200)) seen.push(r.value!)
      expect(seen.slice(5)).toEqual(['two-0', 'two-1', 'two-2'])
      expect(consumer.subscription()).toEqual([first, second])
      expect(consumer.assignment()).toHaveLength(3)
      // Stable from here: the leader compares only the matching topics (not every topic in the
      // cluster) with those it assigned from, so the unrelated topic never triggers a rejoin.
      const generation = consumer.groupMetadata().generationId
      for (const until = Date.now() + 3500; Date.now() < until; ) await consumer.poll(200)
      expect(consumer.groupMetadata().generationId).toBe(generation)
    } finally {
      await consumer.close()
    }
  })
})

// Direct test (not differential: batch boundaries are a listed difference, docs/migrating-from-kafkajs.md):
// a partition's fetch of more messages than one native poll() returns per partition handled at once
// (2,000 × partitionsConsumedConcurrently, kafkajs/consumer.ts) comes as several batches in a row, in
// order, each message once, and the committed offset is the end of the last batch. Smaller polls keep the
// messages the collector must copy few (docs/performance.md, "Smaller polls for the layer").
import dc from 'node:diagnostics_channel'
import { describe, expect, inject, it } from 'vitest'
import { createTopic, RawProducer, uniqueName, values } from '../consumer/helpers.js'
import { committedOffsets, layerKafka, until } from './consumer-helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

/** Writes `n` messages to each partition, in RecordBatches of 5,000 (so one fetch returns each partition's all). */
async function fill(topic: string, partitions: number, n: number): Promise<void> {
  await createTopic(bootstrapServers, topic, partitions)
  const producer = new RawProducer(bootstrapServers)
  try {
    for (let p = 0; p < partitions; p++) await producer.send(topic, p, values(`p${p}`, n), { batchSize: 5000 })
  } finally {
    await producer.close()
  }
}

/** Reads the topic with eachBatch until `total` messages came; each batch's partition, size and offsets. */
async function batchesOf(topic: string, total: number, partitionsConsumedConcurrently?: number) {
  const groupId = uniqueName('kjs-batches')
  const consumer = layerKafka(bootstrapServers).consumer({ groupId, maxWaitTimeInMs: 200 })
  const batches: { partition: number; size: number; first: string; last: string; lastOffset: string }[] = []
  let seen = 0
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      ...(partitionsConsumedConcurrently ? { partitionsConsumedConcurrently } : {}),
      eachBatch: async ({ batch }) => {
        const m = batch.messages
        batches.push({
          partition: batch.partition,
          size: m.length,
          first: m[0]!.offset,
          last: m[m.length - 1]!.offset,
          lastOffset: batch.lastOffset(),
        })
        seen += m.length
      },
    })
    expect(await until(() => seen >= total)).toBe(true)
    await consumer.stop() // commits what was resolved
  } finally {
    await consumer.disconnect()
  }
  return { batches, committed: await committedOffsets([bootstrapServers], groupId) }
}

/** Each partition's batches cover 0..n-1 in order, without gaps or repeats. */
function expectContiguous(
  batches: { partition: number; first: string; last: string }[],
  partitions: number,
  n: number,
) {
  for (let p = 0; p < partitions; p++) {
    let next = 0
    for (const b of batches.filter((x) => x.partition === p)) {
      expect(Number(b.first)).toBe(next)
      next = Number(b.last) + 1
    }
    expect(next).toBe(n)
  }
}

describe('kafkajs layer: batches of a large fetch', () => {
  it('5,000 messages of one partition, fetched at once, come as batches of at most 2,000, in order', async () => {
    const topic = uniqueName('kjs-batches')
    await fill(topic, 1, 5000)
    const { batches, committed } = await batchesOf(topic, 5000)
    expect(batches.length).toBeGreaterThanOrEqual(3)
    expect(Math.max(...batches.map((b) => b.size))).toBeLessThanOrEqual(2000)
    expect(batches.every((b) => b.lastOffset === b.last)).toBe(true) // no control records: lastOffset is the last message
    expectContiguous(batches, 1, 5000)
    expect(committed).toEqual({ 0: '5000' })
  })

  it('with partitionsConsumedConcurrently: 2, a poll holds up to 4,000 messages, so a batch may too', async () => {
    const topic = uniqueName('kjs-batches-c2')
    await fill(topic, 2, 5000)
    const { batches, committed } = await batchesOf(topic, 10000, 2)
    expect(Math.max(...batches.map((b) => b.size))).toBe(4000) // the first poll: 4,000 of the first partition's 5,000
    expectContiguous(batches, 2, 5000)
    expect(committed).toEqual({ 0: '5000', 1: '5000' })
  })

  it('autoCommit commits once per partition fetched, as kafkajs does, not once per batch the poll size cuts', async () => {
    const topic = uniqueName('kjs-batches-commit')
    await fill(topic, 1, 5000)
    const groupId = uniqueName('kjs-batches-commit')
    let commits = 0
    const onCommit = (m: unknown) => {
      if ((m as { groupId: string | null }).groupId === groupId) commits++
    }
    const start = dc.channel('tracing:kafka-wire:consumer:commit:start')
    start.subscribe(onCommit)
    const consumer = layerKafka(bootstrapServers).consumer({ groupId, maxWaitTimeInMs: 200 })
    try {
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      const sizes: number[] = []
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => void sizes.push(e.payload.batchSize))
      let seen = 0
      await consumer.run({ eachMessage: async () => void seen++ })
      expect(await until(() => seen === 5000)).toBe(true)
      expect(await until(async () => (await committedOffsets([bootstrapServers], groupId))[0] === '5000')).toBe(true)
      // One fetch of 5,000 in batches of at most 2,000: the first two end inside the fetch, the last ends it.
      expect(sizes).toEqual([2000, 2000, 1000])
      expect(commits).toBe(1)
    } finally {
      start.unsubscribe(onCommit)
      await consumer.disconnect()
    }
  })

  it('a full poll that happened to end its fetch: the commit it held is made by the next, empty poll', async () => {
    const topic = uniqueName('kjs-batches-held')
    await fill(topic, 1, 2000) // exactly one poll's worth: the poll looks cut, the fetch has ended
    const groupId = uniqueName('kjs-batches-held')
    const consumer = layerKafka(bootstrapServers).consumer({ groupId, maxWaitTimeInMs: 200 })
    try {
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      let seen = 0
      await consumer.run({ eachMessage: async () => void seen++ })
      expect(await until(() => seen === 2000)).toBe(true)
      // Committed while the consumer runs on (within an empty poll's maxWaitTimeInMs), not only at stop().
      expect(await until(async () => (await committedOffsets([bootstrapServers], groupId))[0] === '2000', 5000)).toBe(
        true,
      )
    } finally {
      await consumer.disconnect()
    }
  })
})

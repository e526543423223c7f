// Manual assignment against the real broker: fetching, positions, seek/seekToBeginning/seekToEnd,
// pause/resume, autoOffsetReset earliest/latest/none, wakeup(), maxPollRecords, headers.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Consumer, NoOffsetForPartitionError, WakeupError } from '../../../src/consumer/index.js'
import { createTopic, RawProducer, uniqueName, values } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

describe('Consumer with manual assignment', () => {
  const topic = uniqueName('assign')
  let producer: RawProducer

  beforeAll(async () => {
    await createTopic(bootstrapServers, topic, 2)
    producer = new RawProducer(bootstrapServers)
    await producer.send(topic, 0, values('p0', 100))
    await producer.send(topic, 1, values('p1', 50))
    await producer.send(topic, 0, [
      {
        key: 'h',
        value: 'with-headers',
        headers: [
          ['trace', Buffer.from('abc')],
          ['empty', null],
        ],
      },
    ])
  })
  afterAll(async () => {
    await producer?.close()
  })

  async function drain(consumer: Consumer<any, any>, expected: number, timeoutMs = 15000) {
    const out: { topic: string; partition: number; offset: bigint; value: string }[] = []
    const deadline = Date.now() + timeoutMs
    while (out.length < expected && Date.now() < deadline) {
      const records = await consumer.poll(500)
      for (const r of records)
        out.push({ topic: r.topic, partition: r.partition, offset: r.offset, value: String(r.value) })
    }
    return out
  }

  it('reads every record of assigned partitions from the beginning, in order, with headers', async () => {
    const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest', heartbeatThread: false })
    try {
      consumer.assign([
        { topic, partition: 0 },
        { topic, partition: 1 },
      ])
      const got = await drain(consumer, 151)
      expect(got).toHaveLength(151)
      const p0 = got.filter((r) => r.partition === 0)
      const p1 = got.filter((r) => r.partition === 1)
      expect(p0.map((r) => r.offset)).toEqual(Array.from({ length: 101 }, (_, i) => BigInt(i)))
      expect(p1.map((r) => r.value)).toEqual(Array.from({ length: 50 }, (_, i) => `p1-${i}`))
      expect(await consumer.position({ topic, partition: 0 })).toBe(101n)
      expect(consumer.assignment()).toEqual([
        { topic, partition: 0 },
        { topic, partition: 1 },
      ])
    } finally {
      await consumer.close()
    }
  })

  it('returns headers, keys, timestamps and respects maxPollRecords', async () => {
    const consumer = new Consumer({
      bootstrapServers,
      autoOffsetReset: 'earliest',
      maxPollRecords: 7,
      keyDeserializer: (b) => b?.toString() ?? null,
      valueDeserializer: (b) => b?.toString() ?? null,
    })
    try {
      consumer.assign([{ topic, partition: 0 }])
      let sawHeaders = false
      let total = 0
      const deadline = Date.now() + 15000
      while (total < 101 && Date.now() < deadline) {
        const records = await consumer.poll(500)
        expect(records.count).toBeLessThanOrEqual(7)
        for (const r of records) {
          total++
          expect(typeof r.timestamp).toBe('number')
          expect(r.timestampType).toBe('CreateTime')
          if (r.value === 'with-headers') {
            sawHeaders = true
            expect(r.key).toBe('h')
            expect(r.headers).toEqual([
              { key: 'trace', value: Buffer.from('abc') },
              { key: 'empty', value: null },
            ])
          }
        }
      }
      expect(total).toBe(101)
      expect(sawHeaders).toBe(true)
    } finally {
      await consumer.close()
    }
  })

  it('autoOffsetReset latest starts at the end; none throws NoOffsetForPartitionError', async () => {
    const latest = new Consumer({ bootstrapServers, autoOffsetReset: 'latest' })
    try {
      latest.assign([{ topic, partition: 1 }])
      expect(await latest.position({ topic, partition: 1 })).toBe(50n)
      expect((await latest.poll(300)).count).toBe(0)
      await producer.send(topic, 1, values('late', 3))
      const got = await drain(latest, 3)
      expect(got.map((r) => r.value)).toEqual(['late-0', 'late-1', 'late-2'])
    } finally {
      await latest.close()
    }
    const none = new Consumer({ bootstrapServers, autoOffsetReset: 'none' })
    try {
      none.assign([{ topic, partition: 1 }])
      await expect(none.poll(1000)).rejects.toBeInstanceOf(NoOffsetForPartitionError)
      none.seek({ topic, partition: 1 }, 10n)
      const got = await drain(none, 43)
      expect(got[0]!.offset).toBe(10n)
      expect(got).toHaveLength(43)
    } finally {
      await none.close()
    }
  })

  it('seek, seekToBeginning, seekToEnd, pause and resume', async () => {
    const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest' })
    const tp0 = { topic, partition: 0 }
    const tp1 = { topic, partition: 1 }
    try {
      consumer.assign([tp0, tp1])
      consumer.seek(tp0, 90n)
      consumer.seekToEnd([tp1])
      expect(await consumer.position(tp1)).toBe(53n)
      let got = await drain(consumer, 11)
      expect(got.map((r) => r.offset)).toEqual(Array.from({ length: 11 }, (_, i) => BigInt(90 + i)))
      consumer.seekToBeginning([tp0])
      consumer.pause([tp0])
      expect(consumer.paused()).toEqual([tp0])
      await producer.send(topic, 1, values('more', 2))
      got = await drain(consumer, 2)
      expect(got.map((r) => r.value)).toEqual(['more-0', 'more-1'])
      // Paused: nothing from partition 0 however long we poll.
      expect((await consumer.poll(700)).count).toBe(0)
      consumer.resume([tp0])
      expect(consumer.paused()).toEqual([])
      got = await drain(consumer, 101)
      expect(got[0]).toMatchObject({ partition: 0, offset: 0n })
      expect(got).toHaveLength(101)
    } finally {
      await consumer.close()
    }
  })

  it('wakeup() ends a poll loop, and the async iterator stops on wakeup', async () => {
    const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'latest' })
    try {
      consumer.assign([{ topic, partition: 0 }])
      setTimeout(() => consumer.wakeup(), 300)
      const started = Date.now()
      await expect(
        (async () => {
          for (;;) await consumer.poll(10000)
        })(),
      ).rejects.toBeInstanceOf(WakeupError)
      expect(Date.now() - started).toBeLessThan(5000)
      // The async iterator ends (without throwing) on wakeup.
      setTimeout(() => consumer.wakeup(), 300)
      let n = 0
      for await (const _ of consumer) n++
      expect(n).toBe(0)
    } finally {
      await consumer.close()
    }
  })

  it('beginningOffsets, endOffsets and close() is idempotent', async () => {
    const consumer = new Consumer({ bootstrapServers })
    const begin = await consumer.beginningOffsets([{ topic, partition: 0 }])
    const end = await consumer.endOffsets([{ topic, partition: 0 }])
    expect(begin[0]!.offset).toBe(0n)
    expect(end[0]!.offset).toBe(101n)
    await Promise.all([consumer.close(), consumer.close()])
    await consumer.close()
  })
})

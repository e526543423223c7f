// Network faults a real broker cannot produce on demand, through the fault proxy
// (test/fault/support/fault-proxy.ts) in front of the fault project's broker: latency, a broker
// that goes silent (established connections and new ones), responses cut mid-frame, garbage
// instead of a response, a corrupted record batch. Expected (issue #19): typed errors within the
// configured timeouts, recovery when the fault ends, idempotent sends exactly once and in order,
// nothing hangs, close() returns within its timeout.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Consumer, CorruptRecordError } from '../../../src/consumer/index.js'
import { KafkaError, ProtocolError, TimeoutError } from '../../../src/errors.js'
import { Producer } from '../../../src/producer/index.js'
import { createTopic, readTopic, uniqueName } from '../../integration/producer/helpers.js'
import { FaultProxy } from '../support/fault-proxy.js'

const upstream = inject('kafkaBootstrapServers')

describe('through the fault proxy', () => {
  let proxy: FaultProxy
  let bootstrapServers: string
  const unhandled: unknown[] = []
  const onUnhandled = (e: unknown) => unhandled.push(e)

  beforeAll(async () => {
    proxy = await FaultProxy.start(upstream)
    bootstrapServers = await proxy.bootstrapServers()
    process.on('unhandledRejection', onUnhandled)
  })
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await proxy?.close()
    expect(unhandled).toEqual([])
  })

  /** Sends `n` sequenced values to partition 0 with an idempotent producer, all at once. */
  async function sendSequenced(producer: Producer<string, string>, topic: string, n: number, from = 0) {
    return Promise.all(
      Array.from({ length: n }, (_, i) => producer.send({ topic, partition: 0, value: String(from + i) })),
    )
  }

  /** The values of partition 0, read with raw Fetch requests directly from the broker (not through the proxy). */
  async function values(topic: string, min: number): Promise<number[]> {
    const read = await readTopic(upstream, topic, { minRecords: min, timeoutMs: 30_000 })
    return read.map((r) => Number(r.value!.toString()))
  }

  it('every connection after bootstrap goes through the proxy (broker addresses rewritten)', async () => {
    const topic = uniqueName('proxy-route')
    await createTopic(upstream, topic)
    await using producer = new Producer<string, string>({ bootstrapServers })
    const before = [...proxy.accepted.values()].reduce((a, b) => a + b, 0)
    await producer.send({ topic, value: 'x' })
    // The bootstrap connection, then the produce connection to the broker by its (rewritten) address.
    expect([...proxy.accepted.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(before + 2)
    proxy.cutAll()
    await producer.send({ topic, value: 'y' }) // reconnects, through the proxy again
    expect(await values(topic, 2)).toHaveLength(2)
  })

  it('added latency slows requests down but loses nothing', async () => {
    const topic = uniqueName('proxy-latency')
    await createTopic(upstream, topic)
    await using producer = new Producer<string, string>({ bootstrapServers, lingerMs: 0 })
    await producer.send({ topic, partition: 0, value: 'warm' })
    proxy.latency(150)
    try {
      const started = Date.now()
      await producer.send({ topic, partition: 0, value: 'slow' })
      // 150 ms each way on the one round trip.
      expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    } finally {
      proxy.latency(0)
    }
    expect(await values(topic, 2)).toHaveLength(2)
  })

  it('a bandwidth limit: 400 KiB at 256 KiB/s takes over a second and arrives whole', async () => {
    const topic = uniqueName('proxy-bandwidth')
    await createTopic(upstream, topic)
    await using producer = new Producer<string, string>({ bootstrapServers, lingerMs: 5 })
    await producer.send({ topic, partition: 0, value: 'warm' })
    proxy.bandwidth(256 * 1024)
    try {
      const started = Date.now()
      const big = 'x'.repeat(1024)
      await Promise.all(Array.from({ length: 400 }, () => producer.send({ topic, partition: 0, value: big })))
      expect(Date.now() - started).toBeGreaterThanOrEqual(1200)
    } finally {
      proxy.bandwidth(0)
    }
    expect(await values(topic, 401)).toHaveLength(401)
  })

  it('a silent broker: sends wait, time out per request, and complete exactly once, in order, when it answers again', async () => {
    const topic = uniqueName('proxy-silence')
    await createTopic(upstream, topic)
    await using producer = new Producer<string, string>({
      bootstrapServers,
      requestTimeoutMs: 2000,
      deliveryTimeoutMs: 60_000,
      lingerMs: 5,
    })
    await sendSequenced(producer, topic, 100)
    proxy.silence(true)
    const inFlight = sendSequenced(producer, topic, 400, 100)
    await new Promise((r) => setTimeout(r, 6000)) // three request timeouts' worth of silence
    proxy.silence(false)
    await inFlight
    expect(await values(topic, 500)).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })

  it('a silent broker: a record whose delivery timeout passes is rejected with a TimeoutError, and close() returns in time', async () => {
    const topic = uniqueName('proxy-expire')
    await createTopic(upstream, topic)
    const producer = new Producer<string, string>({
      bootstrapServers,
      requestTimeoutMs: 1000,
      lingerMs: 0,
      deliveryTimeoutMs: 3000,
    })
    await producer.send({ topic, value: 'warm' })
    proxy.silence(true)
    try {
      const started = Date.now()
      const err = await producer.send({ topic, value: 'lost' }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KafkaError)
      expect((err as Error).name).toMatch(/Timeout/)
      expect(Date.now() - started).toBeLessThan(3000 + 3000)
      const closing = Date.now()
      await producer.close({ timeoutMs: 2000 })
      expect(Date.now() - closing).toBeLessThan(2000 + 1500)
    } finally {
      proxy.silence(false)
    }
  })

  it('a bootstrap broker that accepts connections and never answers: a typed error within maxBlockMs, and close() returns', async () => {
    proxy.silence(true)
    const producer = new Producer<string, string>({
      bootstrapServers,
      socketConnectionSetupTimeoutMs: 500,
      socketConnectionSetupTimeoutMaxMs: 1000,
      maxBlockMs: 3000,
    })
    try {
      const started = Date.now()
      const err = await producer.send({ topic: uniqueName('never'), value: 'x' }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TimeoutError)
      expect(Date.now() - started).toBeLessThan(3000 + 2000)
    } finally {
      proxy.silence(false)
      const closing = Date.now()
      await producer.close({ timeoutMs: 1000 })
      expect(Date.now() - closing).toBeLessThan(2500)
    }
  })

  it('produce responses cut mid-frame, five times: an idempotent producer writes every record exactly once, in order', async () => {
    const topic = uniqueName('proxy-cut')
    await createTopic(upstream, topic)
    await using producer = new Producer<string, string>({ bootstrapServers, lingerMs: 2, batchSize: 2048 })
    const total = 2000
    const sends = sendSequenced(producer, topic, total)
    sends.catch(() => {}) // awaited below; a failure must not also count as an unhandled rejection
    const cuts: number[] = []
    for (let i = 0; i < 5; i++) cuts.push((await proxy.cutNextResponse('Produce')).correlationId)
    await sends
    expect(cuts).toHaveLength(5)
    expect(await values(topic, total)).toEqual(Array.from({ length: total }, (_, i) => i))
  })

  it('garbage instead of a response: that send fails with a ProtocolError, the connection is replaced, no unhandled error', async () => {
    const topic = uniqueName('proxy-garbage')
    await createTopic(upstream, topic)
    await using producer = new Producer<string, string>({ bootstrapServers, lingerMs: 0 })
    await producer.send({ topic, partition: 0, value: '0' })
    const garbled = proxy.garbageNextResponse('Produce')
    const err = await producer.send({ topic, partition: 0, value: '1' }).catch((e: unknown) => e)
    await garbled
    // Bytes that do not decode are not retried blindly (the broker may have written the batch): a
    // typed error tells the application; Java's producer would time the batch out instead.
    expect(err).toBeInstanceOf(ProtocolError)
    await producer.send({ topic, partition: 0, value: '2' })
    const read = await values(topic, 2)
    expect(read[0]).toBe(0)
    expect(read.at(-1)).toBe(2)
  })

  it('a corrupted record batch (CRC mismatch) fails poll() with an error naming the topic, partition and offset', async () => {
    const topic = uniqueName('proxy-crc')
    await createTopic(upstream, topic)
    {
      await using producer = new Producer<string, string>({ bootstrapServers: upstream })
      await sendSequenced(producer, topic, 10)
    }
    const consumer = new Consumer<string, string>({ bootstrapServers, autoOffsetReset: 'earliest' })
    try {
      consumer.assign([{ topic, partition: 0 }])
      const corrupted = proxy.corruptNextRecords()
      const err = await (async () => {
        for (let i = 0; i < 20; i++) await consumer.poll(500)
      })().catch((e: unknown) => e)
      await corrupted
      expect(err).toBeInstanceOf(CorruptRecordError)
      expect(err).toMatchObject({ topic, partition: 0, offset: 0n })
      expect((err as Error).message).toMatch(/CRC mismatch/)
    } finally {
      await consumer.close()
    }
  })
})

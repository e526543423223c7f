// The three commit patterns Kafka applications rely on, against the real broker, each checked by
// restarting a consumer in the same group: it must read no record twice and skip none.
//  1. auto-commit with synchronous processing
//  2. enableAutoCommit false, accumulate a buffer, process it, commitSync()
//  3. commitAsync() in the loop and commitSync() on close
// Under both group protocols (protocols.ts): commits carry the generation (classic) or the member
// epoch ('consumer').
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Consumer, type ConsumerRecord } from '../../../src/consumer/index.js'
import { createTopic, RawProducer, uniqueName, values } from './helpers.js'
import { GROUP_PROTOCOLS, protocolOptions, unavailable } from './protocols.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const str = (b: Buffer | null) => b?.toString() ?? null

describe.each(GROUP_PROTOCOLS)('consumer usage patterns, groupProtocol %s', (protocol) => {
  // 'consumer': the broker's session (10 s on the test brokers); no member here dies.
  const fast = {
    bootstrapServers,
    autoOffsetReset: 'earliest' as const,
    ...protocolOptions(protocol, { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 }),
    valueDeserializer: str,
    keyDeserializer: str,
  }

  let producer: RawProducer
  beforeAll(() => {
    producer = new RawProducer(bootstrapServers)
  })
  afterAll(async () => {
    await producer?.close()
  })

  async function produceAll(topic: string, partitions: number, perPartition: number, prefix = 'v') {
    const all: string[] = []
    for (let p = 0; p < partitions; p++) {
      const recs = values(`${prefix}${p}`, perPartition)
      await producer.send(topic, p, recs)
      all.push(...recs.map((r) => String(r.value)))
    }
    return all
  }

  /** Reads until `n` records were seen or `idleMs` passes without any. */
  async function consume(
    consumer: Consumer<string | null, string | null>,
    n: number,
    onRecord?: (r: ConsumerRecord<string | null, string | null>) => void | Promise<void>,
    idleMs = 4000,
  ): Promise<string[]> {
    const seen: string[] = []
    let lastData = Date.now()
    while (seen.length < n && Date.now() - lastData < idleMs) {
      const records = await consumer.poll(200)
      if (!records.isEmpty) lastData = Date.now()
      for (const r of records) {
        seen.push(r.value!)
        await onRecord?.(r)
      }
    }
    return seen
  }

  it.skipIf(unavailable(protocol))(
    '1: auto-commit with synchronous processing is at-least-once, and a clean close loses nothing',
    async () => {
      const topic = uniqueName('auto')
      const groupId = uniqueName('g-auto')
      await createTopic(bootstrapServers, topic, 3)
      const all = await produceAll(topic, 3, 200)
      const first = new Consumer({ ...fast, groupId, autoCommitIntervalMs: 100 })
      first.subscribe([topic])
      const part1 = await consume(first, 250)
      expect(part1.length).toBeGreaterThanOrEqual(250)
      await first.close() // commits the positions of everything returned
      const more = await produceAll(topic, 3, 10, 'w')
      const second = new Consumer({ ...fast, groupId })
      second.subscribe([topic])
      const part2 = await consume(second, all.length + more.length - part1.length)
      await second.close()
      const seen = [...part1, ...part2]
      expect(new Set(seen).size).toBe(seen.length)
      expect(new Set(seen)).toEqual(new Set([...all, ...more]))
    },
  )

  it.skipIf(unavailable(protocol))('2: manual commitSync after processing a buffer', async () => {
    const topic = uniqueName('buffer')
    const groupId = uniqueName('g-buffer')
    await createTopic(bootstrapServers, topic, 2)
    const all = await produceAll(topic, 2, 150)
    const processed: string[] = []
    const first = new Consumer({ ...fast, groupId, enableAutoCommit: false })
    first.subscribe([topic])
    let buffer: string[] = []
    const deadline = Date.now() + 20000
    while (processed.length < 200 && Date.now() < deadline) {
      for (const r of await first.poll(200)) buffer.push(r.value!)
      if (buffer.length >= 50) {
        processed.push(...buffer)
        await first.commitSync()
        buffer = []
      }
    }
    // Crash-like stop: the records in `buffer` were never processed nor committed.
    await first.close()
    const second = new Consumer({ ...fast, groupId, enableAutoCommit: false })
    second.subscribe([topic])
    const rest = await consume(second, all.length - processed.length)
    await second.close()
    const seen = [...processed, ...rest]
    expect(new Set(seen).size).toBe(seen.length)
    expect(new Set(seen)).toEqual(new Set(all))
    const committed = await (async () => {
      const c = new Consumer({ bootstrapServers, groupId })
      try {
        return await c.committed([
          { topic, partition: 0 },
          { topic, partition: 1 },
        ])
      } finally {
        await c.close()
      }
    })()
    // The second consumer never committed: the group still holds what the first one committed.
    expect(committed.reduce((s, c) => s + Number(c.offset ?? 0n), 0)).toBe(processed.length)
  })

  it.skipIf(unavailable(protocol))(
    '3: commitAsync in the loop and commitSync on close: a restart reads no record twice and skips none',
    async () => {
      const topic = uniqueName('async')
      const groupId = uniqueName('g-async')
      await createTopic(bootstrapServers, topic, 4)
      const all = await produceAll(topic, 4, 100)
      const first = new Consumer({ ...fast, groupId, enableAutoCommit: false })
      first.subscribe([topic])
      const errors: unknown[] = []
      const part1: string[] = []
      const deadline = Date.now() + 20000
      while (part1.length < 170 && Date.now() < deadline) {
        const records = await first.poll(200)
        for (const r of records) part1.push(r.value!)
        first.commitAsync((err) => {
          if (err) errors.push(err)
        })
      }
      await first.commitSync()
      await first.close()
      expect(errors).toEqual([])
      const second = new Consumer({ ...fast, groupId, enableAutoCommit: false })
      second.subscribe([topic])
      const part2 = await consume(second, all.length - part1.length)
      await second.commitSync()
      await second.close()
      const seen = [...part1, ...part2]
      expect(seen.length).toBe(all.length)
      expect(new Set(seen)).toEqual(new Set(all))
    },
  )
})

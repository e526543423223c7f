// A producer whose cluster goes silent (the fault proxy forwards nothing, connections stay open)
// while the application keeps sending: memory stays within bufferMemory plus a small per-record
// overhead, send() waits at most maxBlockMs for buffer space and then rejects with a TimeoutError,
// what was accepted expires after deliveryTimeoutMs with a TimeoutError, nothing hangs, and the
// producer works again when the cluster answers (issue #19, bounded memory).
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { TimeoutError } from '../../../src/errors.js'
import { Producer } from '../../../src/producer/index.js'
import { createTopic, uniqueName } from '../../integration/producer/helpers.js'
import { FaultProxy } from '../support/fault-proxy.js'

const upstream = inject('kafkaBootstrapServers')
let proxy: FaultProxy

beforeAll(async () => {
  proxy = await FaultProxy.start(upstream)
})
afterAll(async () => {
  await proxy?.close()
})

const MiB = 1024 * 1024

it('a silent cluster: bounded memory, maxBlockMs then deliveryTimeoutMs, recovery', async () => {
  const topic = uniqueName('dead-cluster')
  await createTopic(upstream, topic, 4)
  const bufferMemory = 8 * MiB
  const producer = new Producer<string, string>({
    bootstrapServers: await proxy.bootstrapServers(),
    bufferMemory,
    batchSize: 64 * 1024,
    lingerMs: 5,
    maxBlockMs: 1500,
    requestTimeoutMs: 2000,
    deliveryTimeoutMs: 8000,
  })
  try {
    await producer.send({ topic, value: 'warm' })
    proxy.silence(true)
    const value = 'v'.repeat(1024) // one string: the application's own memory does not grow
    const before = process.memoryUsage()
    const started = Date.now()
    const outcomes: Promise<{ ok: boolean; error?: unknown; at: number }>[] = []
    // 24 MiB of records against an 8 MiB buffer.
    for (let i = 0; i < 24 * 1024; i++) {
      outcomes.push(
        producer.send({ topic, partition: i % 4, value }).then(
          () => ({ ok: true, at: Date.now() }),
          (error: unknown) => ({ ok: false, error, at: Date.now() }),
        ),
      )
    }
    await new Promise((r) => setTimeout(r, 500))
    const during = process.memoryUsage()
    // Buffers: bufferMemory for what was accepted, plus the serialized record each send() still
    // waiting for space holds (at most maxBlockMs; Java's blocked send() holds the same).
    const sends = 24 * 1024
    expect(during.external - before.external).toBeLessThan(bufferMemory + (sends - bufferMemory / 1024) * 1100 + MiB)
    // Heap: under 1 KiB per pending send() call (its promise, record and waiter).
    expect(during.heapUsed - before.heapUsed).toBeLessThan(sends * 1024)

    const settled = await Promise.all(outcomes)
    const elapsed = Date.now() - started
    const acknowledged = settled.filter((s) => s.ok)
    // If any record got through, the proxy was not in its path: say how (a diagnosis, not a retry).
    expect(
      acknowledged.length,
      `acknowledged ${acknowledged.length} in ${elapsed} ms; connections through the proxy: ${JSON.stringify([...proxy.accepted])}`,
    ).toBe(0)
    for (const s of settled) expect(s.error).toBeInstanceOf(TimeoutError)
    const blocked = settled.filter((s) => /maxBlockMs/.test((s.error as Error).message))
    const expired = settled.filter((s) => /deliveryTimeoutMs/.test((s.error as Error).message))
    // What did not fit waited maxBlockMs; what fit (≈ bufferMemory) expired after deliveryTimeoutMs.
    expect(blocked.length).toBeGreaterThan(12 * 1024)
    expect(expired.length).toBeGreaterThan(4 * 1024)
    expect(expired.length).toBeLessThanOrEqual(bufferMemory / 1024) // each record takes over 1 KiB of the buffer
    expect(blocked.length + expired.length).toBe(settled.length)
    for (const s of blocked) expect(s.at - started).toBeLessThan(1500 + 2000)
    expect(elapsed).toBeLessThan(8000 + 5000)
  } finally {
    proxy.silence(false)
  }
  // The cluster answers again: the same producer sends.
  await producer.send({ topic, value: 'alive' })
  await producer.close()
})

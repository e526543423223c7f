// Producer fault tests on a 3-node cluster:
// - leader failover: SIGKILL the leader while producing 100,000 keyed records with acks all and
//   idempotence (RF 3, min.insync.replicas 2); read everything back: nothing lost, nothing
//   duplicated, per-partition order = send order;
// - bufferMemory backpressure: with a stalled (SIGSTOPped) leader, send() waits and rejects
//   after maxBlockMs, memory stays near bufferMemory, and everything buffered is delivered once
//   the broker resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { TimeoutError } from '../../../src/errors.js'
import { RECORD_OVERHEAD_BYTES } from '../../../src/producer/accumulator.js'
import { Producer, type RecordMetadata } from '../../../src/producer/index.js'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'
import { readTopic, uniqueName } from '../../integration/producer/helpers.js'

describe('Producer faults on 3 nodes', () => {
  let cluster: KafkaCluster
  let admin: Admin

  beforeAll(async () => {
    cluster = await startKafka({ nodes: 3 })
    admin = new Admin({ bootstrapServers: cluster.bootstrapServers })
  }, 240_000)
  afterAll(async () => {
    await admin?.close()
    await cluster?.stop()
  })

  async function leaders(topic: string): Promise<number[]> {
    const p = new Producer({ bootstrapServers: cluster.bootstrapServers })
    try {
      return (await p.partitionsFor(topic)).map((x) => x.leader)
    } finally {
      await p.close()
    }
  }

  it('leader failover: 100,000 keyed records, nothing lost or duplicated, order kept', async () => {
    const topic = uniqueName('failover')
    const partitions = 6
    await admin.createTopics([
      { topic, numPartitions: partitions, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
    ])
    const before = await leaders(topic)
    // The broker leading the most partitions.
    const counts = new Map<number, number>()
    for (const l of before) counts.set(l, (counts.get(l) ?? 0) + 1)
    const victim = [...counts].sort((a, b) => b[1] - a[1])[0]![0]

    const errors: unknown[] = []
    const producer = new Producer({
      bootstrapServers: cluster.bootstrapServers,
      acks: 'all',
      enableIdempotence: true,
      lingerMs: 5,
      requestTimeoutMs: 10_000,
      deliveryTimeoutMs: 120_000,
      onError: (e) => errors.push(e),
    })
    const n = 100_000
    const results: Promise<RecordMetadata>[] = []
    let killed: Promise<void> | undefined
    try {
      for (let i = 0; i < n; i++) {
        results.push(producer.send({ topic, key: `key-${i % 997}`, value: String(i) }))
        if (i % 2000 === 1999) await new Promise((r) => setTimeout(r, 2)) // keep requests flowing
        if (i === 30_000) killed = cluster.kill(victim)
      }
      await killed
      const settled = await Promise.allSettled(results)
      const failed = settled.filter((s) => s.status === 'rejected')
      expect(failed.map((f) => String((f as PromiseRejectedResult).reason)).slice(0, 3)).toEqual([])
      expect(errors).toEqual([])
    } finally {
      await producer.close()
    }

    const after = await leaders(topic)
    expect(after.every((l) => l !== victim)).toBe(true)
    const read = await readTopic(cluster.bootstrapServers, topic, { minRecords: n, timeoutMs: 120_000 })
    const values = read.map((r) => Number(r.value!.toString()))
    expect(values).toHaveLength(n)
    expect(new Set(values).size).toBe(n)
    for (let p = 0; p < partitions; p++) {
      const seq = read.filter((r) => r.partition === p).map((r) => Number(r.value!.toString()))
      for (let i = 1; i < seq.length; i++)
        if (seq[i]! <= seq[i - 1]!) throw new Error(`partition ${p} out of order at ${i}`)
    }
    // Keys stayed on their partitions.
    const partitionOfKey = new Map<string, number>()
    for (const r of read) {
      const k = r.key!.toString()
      const prev = partitionOfKey.get(k)
      if (prev !== undefined) expect(r.partition).toBe(prev)
      partitionOfKey.set(k, r.partition)
    }
    await cluster.startNode(victim)
  }, 400_000)

  it('bufferMemory backpressure: send() waits, then rejects after maxBlockMs; memory stays bounded', async () => {
    const topic = uniqueName('backpressure')
    const stalled = cluster.nodes[0]!
    await admin.createTopics([{ topic, replicaAssignment: [[stalled.nodeId]] }])
    const bufferMemory = 1024 * 1024
    const producer = new Producer({
      bootstrapServers: cluster.bootstrapServers,
      bufferMemory,
      batchSize: 16384,
      maxBlockMs: 2000,
      requestTimeoutMs: 5000,
      deliveryTimeoutMs: 60_000,
      lingerMs: 5,
    })
    try {
      await producer.partitionsFor(topic) // metadata known before the broker stalls
      process.kill(stalled.pid!, 'SIGSTOP')
      const value = Buffer.alloc(1000, 1)
      const buffered: Promise<RecordMetadata>[] = []
      const rssBefore = process.memoryUsage().rss
      // Most of the buffer: about 850 records of 1 KB (with their 200 B each) fit in 1 MiB.
      for (let i = 0; i < 700; i++) buffered.push(producer.send({ topic, value }))
      for (const p of buffered) p.catch(() => {})
      // Batch buffers plus 200 B per record; a record's charge never waits (the next batch buffer
      // does), so the pool may run over by at most one batch's records.
      const overrun = 16 * RECORD_OVERHEAD_BYTES
      expect(producer.bufferedBytes).toBeLessThanOrEqual(bufferMemory + overrun)
      // Now sends wait for memory and give up after maxBlockMs (some may still fit the last batches).
      const started = Date.now()
      const rejectedAt: number[] = []
      const blocked: Promise<unknown>[] = []
      for (let i = 0; i < 400; i++) {
        const p = producer.send({ topic, value })
        blocked.push(p)
        p.catch((e) => {
          if (isMaxBlockTimeout(e)) rejectedAt.push(Date.now() - started)
        })
      }
      await new Promise((r) => setTimeout(r, 4000))
      // Full: less than one more batch (buffer and records) would fit.
      expect(producer.bufferedBytes).toBeGreaterThan(bufferMemory - 16384 - overrun)
      expect(producer.bufferedBytes).toBeLessThanOrEqual(bufferMemory + overrun)
      // 16 records of ~1 KB fill a 16 KiB batch, which with the records' 200 B each takes ~19.6 KB:
      // about 850 of the 1100 fit in 1 MiB, the remaining ~250 time out.
      expect(rejectedAt.length).toBeGreaterThan(50)
      expect(Math.min(...rejectedAt)).toBeGreaterThanOrEqual(1900)
      expect(Math.max(...rejectedAt)).toBeLessThan(4000)
      expect(producer.bufferedBytes).toBeLessThanOrEqual(bufferMemory + overrun)
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024)
      // The broker resumes: everything that was buffered is delivered, and each blocked send either got
      // memory and is delivered too or failed after maxBlockMs (on a loaded machine a rejection may come
      // after the 4 s above: it is counted by its reason, not by when it came).
      process.kill(stalled.pid!, 'SIGCONT')
      const failures = [...(await Promise.allSettled(buffered)), ...(await Promise.allSettled(blocked))].flatMap(
        (d, i) =>
          d.status === 'fulfilled' || (i >= buffered.length && isMaxBlockTimeout(d.reason))
            ? []
            : [`#${i}: ${d.reason}`],
      )
      expect(failures).toEqual([])
    } finally {
      try {
        process.kill(stalled.pid!, 'SIGCONT')
      } catch {}
      await producer.close()
    }
  }, 180_000)
})

function isMaxBlockTimeout(e: unknown): boolean {
  return e instanceof TimeoutError && /maxBlockMs/.test(e.message)
}

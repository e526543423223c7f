// Issue #24: a slow consumer's memory is bounded by its configuration, not by the backlog.
// One topic with 200 partitions and a ~120 MiB backlog of 1 KiB records; a consumer in a fresh
// process (slow-consumer-child.mjs, the built package: run `npm run build` first) assigns every
// partition with fetchMaxBytes 8 MiB, maxPartitionFetchBytes 1 MiB, maxPollRecords 200 and pauses
// 100 ms after each poll(500) (about 2,000 records/s). Before the fix it buffered the whole backlog
// (RSS +214 MiB, arrayBuffers +200 MiB with a 200 MiB backlog); the bound is one response in
// flight plus less than fetchMaxBytes buffered per broker (docs/consuming.md, "Memory").
// Uses its own single broker, or KAFKA_BOOTSTRAP_SERVERS's cluster when set; KAFKA_WIRE_DIST selects a build.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Producer } from '../../../src/producer/index.js'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'
import { uniqueName } from '../../integration/consumer/helpers.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = process.env.KAFKA_WIRE_DIST ?? path.resolve(here, '../../../dist/esm')
const child = path.join(here, 'slow-consumer-child.mjs')

const MiB = 1024 * 1024
const PARTITIONS = 200
const RECORDS_PER_PARTITION = 600
const FETCH_MAX_BYTES = 8 * MiB
/** What a consumer costs beyond its buffered responses: code, connections, heap, GC slack (measured: 13-15 MiB RSS; external +24 to +32 MiB in all, i.e. up to one uncollected response more). */
const RSS_OVERHEAD = 48 * MiB
const EXTERNAL_OVERHEAD = 24 * MiB

interface Usage {
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
}
interface Result {
  records: number
  base: Usage
  peak: Usage
}

function runChild(bootstrapServers: string, topic: string, mode: 'poll' | 'iterator' | 'pause'): Promise<Result> {
  const options = { fetchMaxBytes: FETCH_MAX_BYTES, maxPartitionFetchBytes: MiB, maxPollRecords: 200, pauseMs: 100 }
  const args = [child, dist, bootstrapServers, topic, String(PARTITIONS), '12000', JSON.stringify(options), mode]
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.on('data', (d) => {
      out += d
    })
    p.stderr.on('data', (d) => {
      err += d
    })
    p.on('error', reject)
    p.on('exit', (code) => {
      const done = out
        .trim()
        .split('\n')
        .map((l) => {
          try {
            return JSON.parse(l)
          } catch {
            return null
          }
        })
        .find((o) => o?.type === 'done')
      if (code !== 0 || done === undefined) reject(new Error(`slow consumer exited with ${code}: ${err}${out}`))
      else resolve(done)
    })
  })
}

describe('consumer memory is bounded by fetchMaxBytes, not by the backlog (#24)', () => {
  let kafka: KafkaCluster
  const topic = uniqueName('slow-consumer-memory')

  beforeAll(async () => {
    if (!existsSync(path.join(dist, 'index.js')))
      throw new Error('run `npm run build` first: the slow consumer runs dist/')
    kafka = await startKafka()
    const admin = new Admin({ bootstrapServers: kafka.bootstrapServers })
    try {
      await admin.createTopics([{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }])
    } finally {
      await admin.close()
    }
    const producer = new Producer({ bootstrapServers: kafka.bootstrapServers, lingerMs: 5, batchSize: 256 * 1024 })
    try {
      const value = Buffer.alloc(1024, 'x')
      let pending: Promise<unknown>[] = []
      for (let i = 0; i < RECORDS_PER_PARTITION; i++) {
        for (let partition = 0; partition < PARTITIONS; partition++)
          pending.push(producer.send({ topic, partition, value }))
        if (pending.length >= 20_000) {
          await Promise.all(pending)
          pending = []
        }
      }
      await Promise.all(pending)
    } finally {
      await producer.close()
    }
  }, 300_000)

  afterAll(async () => {
    if (kafka === undefined) return
    const admin = new Admin({ bootstrapServers: kafka.bootstrapServers })
    await admin.deleteTopics([topic]).catch(() => {})
    await admin.close()
    await kafka.stop()
  })

  for (const mode of ['poll', 'iterator', 'pause'] as const) {
    it(`${mode}: RSS grows by less than 3 × fetchMaxBytes + overhead`, async () => {
      const r = await runChild(kafka.bootstrapServers, topic, mode)
      const rss = r.peak.rss - r.base.rss
      const external = r.peak.external - r.base.external
      process.stdout.write(
        `[memory-bound] ${mode}: ${r.records} records, RSS +${(rss / MiB).toFixed(1)} MiB, ` +
          `external +${(external / MiB).toFixed(1)} MiB\n`,
      )
      // The consumer kept consuming (about 2,000 records/s), slowly: the backlog stayed far ahead.
      expect(r.records).toBeGreaterThan(5_000)
      expect(r.records).toBeLessThan(PARTITIONS * RECORDS_PER_PARTITION)
      expect(external).toBeLessThan(3 * FETCH_MAX_BYTES + EXTERNAL_OVERHEAD)
      expect(rss).toBeLessThan(3 * FETCH_MAX_BYTES + RSS_OVERHEAD)
    }, 60_000)
  }
})

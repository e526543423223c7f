// Issue #24: a slow consumer's memory is bounded by its configuration, not by the backlog.
// Two scenarios, on one broker. First, one topic with 200 partitions and a ~120 MiB backlog of 1 KiB records; a consumer in a fresh
// process (slow-consumer-child.mjs, the built package: run `npm run build` first) assigns every
// partition with fetchMaxBytes 8 MiB, maxPartitionFetchBytes 1 MiB, maxPollRecords 200 and pauses
// 100 ms after each poll(500) (about 2,000 records/s). Before the fix it buffered the whole backlog
// (RSS +214 MiB, arrayBuffers +200 MiB with a 200 MiB backlog); the bound is one response in
// flight plus less than fetchMaxBytes buffered per broker (docs/consuming.md, "Memory").
// Second (issue #19), 1,000 partitions of 100 KiB – 1,000 KiB records, a ~415 MiB backlog, with the
// default fetch limits and with small ones (below).
// Uses its own single broker, or KAFKA_BOOTSTRAP_SERVERS's cluster when set; KAFKA_WIRE_DIST selects a build.
// MEMORY_BOUND_GC=1 runs the consumer with --expose-gc and also checks what is alive after a
// collection against the model itself (without V8's garbage slack).
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
  bytes?: number
  base: Usage
  peak: Usage
  /** With MEMORY_BOUND_GC=1: the peak after collecting garbage after each poll (what is alive). */
  live: Usage | null
}

const SMALL_RECORD_OPTIONS = {
  fetchMaxBytes: FETCH_MAX_BYTES,
  maxPartitionFetchBytes: MiB,
  maxPollRecords: 200,
  pauseMs: 100,
}

function runChild(
  bootstrapServers: string,
  topic: string,
  mode: 'poll' | 'iterator' | 'pause',
  partitions = PARTITIONS,
  options: Record<string, number> = SMALL_RECORD_OPTIONS,
): Promise<Result> {
  const args = [child, dist, bootstrapServers, topic, String(partitions), '12000', JSON.stringify(options), mode]
  if (process.env.MEMORY_BOUND_GC === '1') args.unshift('--expose-gc')
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

let kafka: KafkaCluster
beforeAll(async () => {
  if (!existsSync(path.join(dist, 'index.js')))
    throw new Error('run `npm run build` first: the slow consumer runs dist/')
  kafka = await startKafka()
}, 300_000)
afterAll(async () => {
  await kafka?.stop()
})

describe('consumer memory is bounded by fetchMaxBytes, not by the backlog (#24)', () => {
  const topic = uniqueName('slow-consumer-memory')

  beforeAll(async () => {
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

/**
 * 1,000 partitions of large records (issue #19, bounded memory): values of 100 KiB, 200 KiB,
 * 400 KiB and 1,000 KiB in turn, RECORDS_PER_PARTITION_LARGE per partition (a ~415 MiB backlog at
 * 1). The consumer polls 4 records at a time with 100 ms of work after each poll (at most 40
 * records/s, about 17 MB/s), so the backlog stays far ahead. Two runs: the default fetch limits
 * (fetchMaxBytes 50 MiB, maxPartitionFetchBytes 1 MiB) and small ones (8 MiB / 256 KiB, which
 * the 400 KiB and 1,000 KiB records exceed: then one batch is the partition's limit).
 * About 30 s in all (producing the backlog takes ~5 s). MEMORY_BOUND_LARGE=0 skips it;
 * MEMORY_BOUND_PARTITIONS and MEMORY_BOUND_RECORDS_PER_PARTITION make it larger.
 *
 * The bound: what the consumer holds (2 × fetchMaxBytes, plus one batch larger than a limit:
 * docs/consuming.md, "Memory"), plus garbage V8 has not collected yet — V8 starts a collection
 * when external memory has grown 64 MiB past its level after the last one, so up to about that
 * much of drained responses can still be counted — plus the fixed overhead.
 */
const V8_EXTERNAL_SLACK = 64 * MiB
const LARGE = process.env.MEMORY_BOUND_LARGE !== '0'
const PARTITIONS_LARGE = Number(process.env.MEMORY_BOUND_PARTITIONS ?? 1000)
const RECORDS_PER_PARTITION_LARGE = Number(process.env.MEMORY_BOUND_RECORDS_PER_PARTITION ?? 1)
const KiB = 1024
const LARGE_SIZES = [100 * KiB, 200 * KiB, 400 * KiB, 1000 * KiB]

describe.runIf(LARGE)('1,000 partitions of 100 KiB – 1,000 KiB records: memory bounded by the fetch limits', () => {
  const topic = uniqueName('slow-consumer-large')
  let backlog = 0

  beforeAll(async () => {
    const admin = new Admin({ bootstrapServers: kafka.bootstrapServers })
    try {
      await admin.createTopics([{ topic, numPartitions: PARTITIONS_LARGE, replicationFactor: 1 }])
    } finally {
      await admin.close()
    }
    const started = Date.now()
    const producer = new Producer({ bootstrapServers: kafka.bootstrapServers, lingerMs: 5, bufferMemory: 64 * MiB })
    try {
      const values = LARGE_SIZES.map((n) => Buffer.alloc(n, 'x'))
      let pending: Promise<unknown>[] = []
      let k = 0
      for (let i = 0; i < RECORDS_PER_PARTITION_LARGE; i++) {
        for (let partition = 0; partition < PARTITIONS_LARGE; partition++) {
          const value = values[k++ % values.length]!
          backlog += value.length
          pending.push(producer.send({ topic, partition, value }))
          if (pending.length >= 100) {
            await Promise.all(pending)
            pending = []
          }
        }
      }
      await Promise.all(pending)
    } finally {
      await producer.close()
    }
    process.stdout.write(
      `[memory-bound] large: ${PARTITIONS_LARGE} partitions, backlog ${(backlog / MiB).toFixed(0)} MiB ` +
        `produced in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    )
  }, 600_000)

  afterAll(async () => {
    if (kafka === undefined) return
    const admin = new Admin({ bootstrapServers: kafka.bootstrapServers })
    await admin.deleteTopics([topic]).catch(() => {})
    await admin.close()
  })

  for (const [label, fetchMaxBytes, maxPartitionFetchBytes] of [
    ['default fetch limits', 50 * MiB, MiB],
    ['small fetch limits', 8 * MiB, 256 * KiB],
  ] as const) {
    it(`${label} (fetchMaxBytes ${fetchMaxBytes / MiB} MiB, maxPartitionFetchBytes ${maxPartitionFetchBytes / KiB} KiB): RSS grows by less than 2 × fetchMaxBytes + the largest record + GC slack + overhead`, async () => {
      const options = { fetchMaxBytes, maxPartitionFetchBytes, maxPollRecords: 4, pauseMs: 100 }
      const r = await runChild(kafka.bootstrapServers, topic, 'poll', PARTITIONS_LARGE, options)
      const rss = r.peak.rss - r.base.rss
      const external = r.peak.external - r.base.external
      process.stdout.write(
        `[memory-bound] large, ${label}: ${r.records} records (${((r.bytes ?? 0) / MiB).toFixed(0)} MiB), ` +
          `RSS +${(rss / MiB).toFixed(1)} MiB, external +${(external / MiB).toFixed(1)} MiB, ` +
          `heapUsed +${((r.peak.heapUsed - r.base.heapUsed) / MiB).toFixed(1)} MiB` +
          (r.live === null
            ? '\n'
            : `; alive after GC: RSS +${((r.live.rss - r.base.rss) / MiB).toFixed(1)} MiB, ` +
              `external +${((r.live.external - r.base.external) / MiB).toFixed(1)} MiB\n`),
      )
      expect(r.records).toBeGreaterThan(20)
      expect(r.records).toBeLessThan(PARTITIONS_LARGE * RECORDS_PER_PARTITION_LARGE)
      // One record may exceed a limit (then its batch is the limit): add the largest record.
      const held = 2 * fetchMaxBytes + LARGE_SIZES.at(-1)!
      expect(external).toBeLessThan(held + V8_EXTERNAL_SLACK + EXTERNAL_OVERHEAD)
      expect(rss).toBeLessThan(held + V8_EXTERNAL_SLACK + RSS_OVERHEAD)
      // Without the garbage (MEMORY_BOUND_GC=1): the model itself, plus a few MiB of buffers.
      if (r.live !== null) expect(r.live.external - r.base.external).toBeLessThan(held + 8 * MiB)
    }, 120_000)
  }
})

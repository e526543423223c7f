#!/usr/bin/env node
// Consumer benchmarks, same broker, same data, same session:
//   throughput   records/s and MB/s for 100 B and 1 KB records, compression none and lz4:
//                kafka-wire (poll loop), kafkajs (eachBatch), Java ConsumerPerformance
//   latency      end-to-end p50/p99 at a fixed rate (kafka-wire producer side: raw Produce requests;
//                consumer: kafka-wire), and Java's EndToEndLatency
//   rebalance    time until a group of 1, 3, 10 kafka-wire members is stable with every partition assigned
//
//   npm run build && node benchmarks/consumer/throughput.mjs [--records 500000] [--only throughput,latency,rebalance]
//     [--clients kafka-wire,kafkajs,java,raw-fetch] [--scenarios 100-none,100-lz4,1024-none,1024-lz4] [--runs 1] [--reuse]
// Uses KAFKA_BOOTSTRAP_SERVERS if set, else starts a broker with the test kit.
// KAFKA_WIRE_DIST=<dir> measures another build of dist/esm (e.g. a copy from before a change).
// --reuse names the topics after scenario and record count and fills them only once, so several
// runs (or builds) read the very same data; --runs N repeats each client N times (the median run is reported, all are kept).
// OTEL=1 enables kafka-wire/otel's instrumentation (../otel-setup.mjs): poll spans, trace context extraction.
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { instrumentIfAsked } from '../otel-setup.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const distDir = process.env.KAFKA_WIRE_DIST ?? path.join(root, 'dist/esm')
const dist = (p) => path.join(distDir, p)
const { Consumer } = await import(dist('index.js'))
await instrumentIfAsked(distDir)
const { Cluster, resolveCommonOptions } = await import(dist('cluster/index.js'))
const { Apis, ZERO_UUID } = await import(dist('protocol/index.js'))
const { RecordBatchBuilder, decompressLz4Frame } = await import(dist('protocol/records/index.js'))
const { startKafka, javaTool, JAVA_TOOLS, ensureKafkaLibs } = await import(path.join(root, 'dist/esm/testing/index.js'))
const { rawFetcher } = await import('./raw-fetch.mjs')

const args = process.argv.slice(2)
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const RECORDS = Number(arg('records', '500000'))
const ONLY = new Set(arg('only', 'throughput,latency,rebalance').split(','))
const CLIENTS = new Set(arg('clients', 'kafka-wire,kafkajs,java').split(','))
const SCENARIOS = arg('scenarios', '100-none,100-lz4,1024-none,1024-lz4')
  .split(',')
  .map((x) => x.split('-'))
  .map(([size, compression]) => [Number(size), compression])
const RUNS = Number(arg('runs', '1'))
const REUSE = args.includes('--reuse')

let cluster = null
let bootstrapServers = process.env.KAFKA_BOOTSTRAP_SERVERS
if (!bootstrapServers) {
  cluster = await startKafka({
    brokerConfig: { 'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '1000' },
  })
  bootstrapServers = cluster.bootstrapServers
}
const libDir = cluster?.libDir || (await ensureKafkaLibs().catch(() => ''))
const admin = new Cluster(resolveCommonOptions({ bootstrapServers }))
await admin.connect()

async function createTopic(name, partitions) {
  const res = await admin.sendAny(Apis.CreateTopics, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 30000,
  })
  await admin.topicMetadata([name], { timeoutMs: 30000 })
  return res.topics[0]?.errorCode === 0
}

/** Records in the topic (sum of end offsets; the topics are never truncated). */
async function topicRecords(topic, partitions) {
  const c = new Consumer({ bootstrapServers })
  try {
    const ends = await c.endOffsets(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })))
    return ends.reduce((n, e) => n + Number(e.offset ?? 0n), 0)
  } finally {
    await c.close()
  }
}

async function produceJava(topic, records, size, compression) {
  const r = await javaTool(
    libDir,
    JAVA_TOOLS.producerPerformance,
    [
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      String(size),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${bootstrapServers}`,
      `compression.type=${compression}`,
      'acks=1',
      'linger.ms=20',
      'batch.size=262144',
    ],
    { timeoutMs: 600000 },
  )
  if (r.code !== 0) throw new Error(`ProducerPerformance failed: ${r.stderr.slice(-500)}`)
}

async function kafkaWire(topic, partitions, records) {
  const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest', maxPollRecords: 2000 })
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })))
  let n = 0
  let bytes = 0
  let start = null
  let cpu = null
  while (n < records) {
    const batch = await consumer.poll(1000)
    if (!batch.isEmpty && start === null) {
      start = process.hrtime.bigint()
      cpu = process.cpuUsage()
    }
    for (const r of batch) {
      n++
      bytes += r.value?.length ?? 0
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  await consumer.close()
  return { seconds, n, bytes, cpuSeconds: (used.user + used.system) / 1e6 }
}

/**
 * The ceiling: what one broker on this machine serves to a client that does nothing with the
 * bytes. Fetch requests as the consumer sends them (one in flight, 1 MiB per partition, 50 MiB per
 * response, v12 by topic name, no session), through kafka-wire's network layer; each response's
 * records are only walked batch header by batch header (record count and last offset), with no
 * CRC check, decompression or record decoding. No client can consume faster than this.
 */
async function rawFetch(topic, partitions, records) {
  const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
  const md = (await cluster.topicMetadata([topic])).get(topic)
  const leader = md.partitions[0].leaderId
  const offsets = new Array(partitions).fill(0n)
  let n = 0
  let bytes = 0
  let start = null
  let cpu = null
  const { fetch, walk } = rawFetcher({ cluster, Apis, ZERO_UUID }, leader, topic, offsets)
  while (n < records) {
    const res = await fetch()
    if (start === null) {
      start = process.hrtime.bigint()
      cpu = process.cpuUsage()
    }
    const r = walk(res)
    n += r.records
    bytes += r.bytes
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  await cluster.close()
  return { seconds, n, bytes, cpuSeconds: (used.user + used.system) / 1e6 }
}

async function kafkajs(topic, records) {
  const require = createRequire(import.meta.url)
  const { Kafka, logLevel, CompressionCodecs, CompressionTypes } = require('kafkajs')
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async () => {
      throw new Error('not needed')
    },
    decompress: async (buf) => decompressLz4Frame(buf, 64 * 1024 * 1024),
  })
  const kafka = new Kafka({ brokers: bootstrapServers.split(','), logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `bench-kafkajs-${randomUUID()}`, maxBytes: 52428800 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let n = 0
  let bytes = 0
  let start = null
  let cpu = null
  let done
  const finished = new Promise((r) => {
    done = r
  })
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (start === null) {
        start = process.hrtime.bigint()
        cpu = process.cpuUsage()
      }
      for (const m of batch.messages) {
        n++
        bytes += m.value?.length ?? 0
      }
      if (n >= records) done()
    },
  })
  await finished
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  await consumer.disconnect()
  return { seconds, n, bytes, cpuSeconds: (used.user + used.system) / 1e6 }
}

async function javaConsumerPerformance(topic, records) {
  const r = await javaTool(
    libDir,
    JAVA_TOOLS.consumerPerformance,
    [
      '--bootstrap-server',
      bootstrapServers,
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--timeout',
      '60000',
      '--group',
      `bench-java-${randomUUID()}`,
    ],
    { timeoutMs: 600000 },
  )
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
  const line = r.stdout.trim().split('\n').pop()
  const f = line.split(',').map((s) => s.trim())
  // Java's own split: fetch.* excludes the group join (our timings start at the first record too).
  return {
    mbPerSec: Number(f[8]),
    recordsPerSec: Number(f[9]),
    withJoinMbPerSec: Number(f[3]),
    withJoinRecordsPerSec: Number(f[5]),
  }
}

const fmt = (x) => Math.round(x).toLocaleString('en-US')
const results = []

if (ONLY.has('throughput')) {
  // Best of RUNS per client (the machine's load only ever slows a run down); every run is kept.
  // The median run (by records/s) stands for the client; every run is kept in `runs`.
  const median = async (fn) => {
    const runs = []
    for (let i = 0; i < RUNS; i++) runs.push(await fn())
    const top = [...runs].sort((a, b) => a.recordsPerSec - b.recordsPerSec)[Math.floor((runs.length - 1) / 2)]
    const cpu = runs.map((r) => r.cpuUsPerRecord).filter((x) => x !== undefined)
    return {
      ...top,
      runs: runs.map((r) => Math.round(r.recordsPerSec)),
      ...(cpu.length > 0
        ? { cpuUsPerRecord: Math.min(...cpu), cpuRuns: cpu.map((x) => Math.round(x * 100) / 100) }
        : {}),
    }
  }
  // cpuUsPerRecord: CPU time of this process (all threads) per record — steadier than wall time on a busy machine.
  const rate = (r) => ({
    recordsPerSec: r.n / r.seconds,
    mbPerSec: r.bytes / r.seconds / 1048576,
    cpuUsPerRecord: (r.cpuSeconds * 1e6) / r.n,
  })
  for (const [size, compression] of SCENARIOS) {
    const records = size >= 1024 ? Math.round(RECORDS / 5) : RECORDS
    const topic = REUSE
      ? `bench-consume-${size}-${compression}-${records}`
      : `bench-consume-${size}-${compression}-${randomUUID().slice(0, 6)}`
    await createTopic(topic, 3)
    const have = await topicRecords(topic, 3)
    if (have < records) await produceJava(topic, records - have, size, compression)
    const row = { scenario: `${size} B, ${compression}`, records }
    if (CLIENTS.has('kafka-wire')) row.kafkaWire = await median(async () => rate(await kafkaWire(topic, 3, records)))
    if (CLIENTS.has('kafkajs')) row.kafkajs = await median(async () => rate(await kafkajs(topic, records)))
    if (CLIENTS.has('raw-fetch')) row.rawFetch = await median(async () => rate(await rawFetch(topic, 3, records)))
    if (libDir && CLIENTS.has('java')) row.java = await median(() => javaConsumerPerformance(topic, records))
    results.push(row)
    const show = (r) =>
      r
        ? `${fmt(r.recordsPerSec)} rec/s ${r.mbPerSec.toFixed(1)} MB/s` +
          (r.cpuUsPerRecord !== undefined ? ` ${r.cpuUsPerRecord.toFixed(2)} µs CPU/rec` : '')
        : 'n/a'
    console.log(
      `${row.scenario.padEnd(12)} kafka-wire ${show(row.kafkaWire)} | kafkajs ${show(row.kafkajs)} | Java ${show(row.java)}` +
        (row.rawFetch ? ` | raw fetch (ceiling) ${show(row.rawFetch)}` : '') +
        (row.java ? ` (with join ${fmt(row.java.withJoinRecordsPerSec)} rec/s)` : '') +
        (row.kafkaWire && row.kafkajs
          ? ` | kw/kafkajs ${(row.kafkaWire.recordsPerSec / row.kafkajs.recordsPerSec).toFixed(2)}×`
          : '') +
        (row.kafkaWire && row.java
          ? ` | kw/Java ${(row.kafkaWire.recordsPerSec / row.java.recordsPerSec).toFixed(2)}×`
          : ''),
    )
  }
}

if (ONLY.has('latency')) {
  const topic = `bench-latency-${randomUUID().slice(0, 6)}`
  await createTopic(topic, 1)
  const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'latest', fetchMaxWaitMs: 500 })
  consumer.assign([{ topic, partition: 0 }])
  await consumer.position({ topic, partition: 0 })
  const leader = admin.leaderFor(topic, 0).nodeId
  const rate = Number(process.env.RATE ?? 1000)
  const total = Number(process.env.TOTAL ?? 10000)
  const latencies = []
  let stop = false
  const reader = (async () => {
    while (!stop) {
      for (const r of await consumer.poll(100)) latencies.push(Date.now() - Number(r.value.readBigInt64BE(0) / 1000n))
      if (latencies.length >= total) break
    }
  })()
  // Records are created at their scheduled time (value = that time in µs) and sent every 5 ms, one
  // Produce request per tick, so the generator never falls behind; latency = consumed - scheduled.
  const start = Date.now()
  let sent = 0
  while (sent < total) {
    await new Promise((r) => setTimeout(r, 5))
    const due = Math.min(total, Math.floor(((Date.now() - start) * rate) / 1000))
    if (due <= sent) continue
    const b = new RecordBatchBuilder({ batchSizeLimit: 1 << 24 })
    for (let i = sent; i < due; i++) {
      const v = Buffer.alloc(100)
      const scheduled = start + (i * 1000) / rate
      v.writeBigInt64BE(BigInt(Math.round(scheduled * 1000)))
      b.tryAppend(Math.round(scheduled), null, v)
    }
    sent = due
    admin.send(
      leader,
      Apis.Produce,
      { acks: 1, timeoutMs: 10000, topicData: [{ name: topic, partitionData: [{ index: 0, records: b.build() }] }] },
      { workload: 'produce', version: 12 },
    )
  }
  await Promise.race([reader, new Promise((r) => setTimeout(r, 20000))])
  stop = true
  await consumer.close()
  latencies.sort((a, b) => a - b)
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]
  const row = {
    scenario: `e2e latency, ${rate} rec/s, 100 B`,
    kafkaWire: { p50: pct(50), p99: pct(99), n: latencies.length },
  }
  if (libDir) {
    const t2 = `bench-e2e-java-${randomUUID().slice(0, 6)}`
    await createTopic(t2, 1)
    const r = await javaTool(
      libDir,
      JAVA_TOOLS.endToEndLatency,
      [
        '--bootstrap-server',
        bootstrapServers,
        '--topic',
        t2,
        '--num-records',
        '5000',
        '--producer-acks',
        '1',
        '--record-size',
        '100',
      ],
      { timeoutMs: 300000 },
    )
    const m = /Percentiles: 50th = (\d+), 99th = (\d+)/.exec(r.stdout)
    const avg = /Avg latency: ([\d.]+) ms/.exec(r.stdout)
    row.java = m
      ? {
          p50: Number(m[1]),
          p99: Number(m[2]),
          avg: avg ? Number(avg[1]) : null,
          note: 'round trip per record, one in flight',
        }
      : { raw: r.stdout.slice(-300) }
  }
  results.push(row)
  console.log(
    `${row.scenario}: kafka-wire p50 ${row.kafkaWire.p50} ms p99 ${row.kafkaWire.p99} ms | Java EndToEndLatency ${JSON.stringify(row.java)}`,
  )
}

if (ONLY.has('rebalance')) {
  for (const n of [1, 3, 10]) {
    const topic = `bench-rebalance-${n}-${randomUUID().slice(0, 6)}`
    await createTopic(topic, 12)
    const groupId = `bench-g-${randomUUID()}`
    const consumers = Array.from(
      { length: n },
      () => new Consumer({ bootstrapServers, groupId, sessionTimeoutMs: 10000, heartbeatIntervalMs: 1000 }),
    )
    const start = Date.now()
    for (const c of consumers) c.subscribe([topic])
    let stableAt = 0
    let stop = false
    const loops = consumers.map(async (c) => {
      while (!stop) await c.poll(50)
    })
    while (!stableAt) {
      await new Promise((r) => setTimeout(r, 10))
      const owned = consumers.flatMap((c) => c.assignment())
      const gens = new Set(consumers.map((c) => c.stats.generationId))
      if (owned.length === 12 && gens.size === 1 && consumers.every((c) => c.stats.memberState === 'STABLE'))
        stableAt = Date.now()
      if (Date.now() - start > 120000) throw new Error('group never stable')
    }
    // Then one more member joins: time until the group is stable again.
    const extra = new Consumer({ bootstrapServers, groupId, sessionTimeoutMs: 10000, heartbeatIntervalMs: 1000 })
    const joinStart = Date.now()
    extra.subscribe([topic])
    consumers.push(extra)
    loops.push(
      (async () => {
        while (!stop) await extra.poll(50)
      })(),
    )
    const gen = consumers[0].stats.generationId
    let rejoinedAt = 0
    while (!rejoinedAt) {
      await new Promise((r) => setTimeout(r, 10))
      const owned = consumers.flatMap((c) => c.assignment())
      const gens = new Set(consumers.map((c) => c.stats.generationId))
      if (
        owned.length === 12 &&
        gens.size === 1 &&
        [...gens][0] > gen &&
        consumers.every((c) => c.stats.memberState === 'STABLE')
      )
        rejoinedAt = Date.now()
      if (Date.now() - joinStart > 120000) throw new Error('group never stable after the join')
    }
    stop = true
    await Promise.all(loops)
    await Promise.all(consumers.map((c) => c.close()))
    const row = { scenario: `rebalance, ${n} members`, formMs: stableAt - start, joinOneMoreMs: rejoinedAt - joinStart }
    results.push(row)
    console.log(
      `${row.scenario}: group formed in ${row.formMs} ms; a member joining → stable in ${row.joinOneMoreMs} ms`,
    )
  }
}

console.log(JSON.stringify(results, (_k, v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v), 2))
await admin.close()
await cluster?.stop()
process.exit(0)

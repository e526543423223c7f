#!/usr/bin/env node
/**
 * Producer benchmark: kafka-wire vs kafkajs (sendBatch of 1000, 5 in flight) vs the Java
 * client's ProducerPerformance, in one run against one broker.
 *
 *   npm run build && node benchmarks/producer/run.mjs [--quick] [--runs=3] [--only=kafka-wire,kafkajs,java]
 *     [--sizes=100,1024] [--batch-sizes=262144,...]
 *
 * `--only=...,raw-produce` adds the ceiling: pre-encoded batches resent as fast as the broker acks
 * (client-raw-produce.mjs).
 * Throughput: 100 B and 1 KiB records × acks 1 / all × compression none / lz4, lingerMs 5,
 * batchSize 16384 (Java's default), unkeyed records to a fresh 3-partition topic, BENCH_MB MB per
 * run (default 100); then 1 KiB records with batchSize 512 KiB for kafka-wire and Java.
 * Latency: send() → ack at a fixed 5000 records/s for 10 s (100 B, acks all).
 * Each client runs in its own process (peak RSS is that process's). The broker is
 * $KAFKA_BOOTSTRAP_SERVERS or one started with the test kit. Results: a table on stdout and
 * benchmarks/results/producer-<time>.json.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseResult } from './common.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, '../..')
const dist = process.env.KAFKA_WIRE_DIST ?? path.join(root, 'dist/esm')
const quick = process.argv.includes('--quick')
const onlyArg = process.argv.find((a) => a.startsWith('--only='))
const clients = onlyArg ? onlyArg.slice(7).split(',') : ['kafka-wire', 'kafkajs', 'java']
const totalMb = Number(process.env.BENCH_MB ?? (quick ? 20 : 100))

const testing = await import(pathToFileURL(path.join(dist, 'testing/index.js')).href)
const { Admin } = await import(pathToFileURL(path.join(dist, 'admin/index.js')).href)

let cluster
let bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS
let libDir
if (bootstrap) {
  libDir = await testing.ensureKafkaLibs()
} else {
  cluster = await testing.startKafka({ heapMb: 1024 })
  bootstrap = cluster.bootstrapServers
  libDir = cluster.libDir ?? (await testing.ensureKafkaLibs())
}
const admin = new Admin({ bootstrapServers: bootstrap })
let topicSeq = 0
async function freshTopic(tag) {
  const topic = `bench-producer-${tag}-${Date.now().toString(36)}-${topicSeq++}`
  await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }])
  return topic
}

function watch(pid) {
  let peakKb = 0
  let cpuTicks = 0
  const read = () => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (m) peakKb = Math.max(peakKb, Number(m[1]))
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      cpuTicks = Number(stat[11]) + Number(stat[12])
    } catch {}
  }
  const timer = setInterval(read, 100)
  return () => {
    clearInterval(timer)
    return { peakRssMb: Math.round(peakKb / 102.4) / 10, cpuMs: cpuTicks * 10 }
  }
}

function runProcess(cmd, args, timeoutMs = 600_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    const stop = watch(child.pid)
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const usage = stop()
      if (code !== 0) reject(new Error(`${cmd} exited with ${code}: ${err.slice(-1000)}`))
      else resolve({ out, err, usage })
    })
  })
}

async function runNode(client, cfg) {
  const script = path.join(here, `client-${client}.mjs`)
  const { out } = await runProcess(process.execPath, [script, JSON.stringify(cfg)])
  return parseResult(out)
}

async function runJava(cfg) {
  const props = [
    `bootstrap.servers=${cfg.bootstrap}`,
    `acks=${cfg.acks}`,
    `linger.ms=${cfg.lingerMs}`,
    `compression.type=${cfg.compression}`,
    `batch.size=${cfg.batchSize ?? 16384}`,
  ]
  const args = [
    '-Xmx512m',
    '-XX:+UseG1GC',
    '-cp',
    `${libDir}/*`,
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    cfg.topic,
    '--num-records',
    String(cfg.records),
    '--record-size',
    String(cfg.size),
    '--throughput',
    String(cfg.mode === 'latency' ? cfg.rate : -1),
    '--producer-props',
    ...props,
  ]
  const { out, usage } = await runProcess('java', args)
  const line = out
    .trim()
    .split('\n')
    .reverse()
    .find((l) => /records sent, .* records\/sec .* 99th/.test(l))
  const m =
    /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(
      line?.trim() ?? '',
    )
  if (!m) throw new Error(`no ProducerPerformance summary: ${out.slice(-500)}`)
  const records = Number(m[1])
  return {
    records,
    recordsPerSec: Number(m[2]),
    mbPerSec: (Number(m[2]) * cfg.size) / 1e6,
    // Includes JVM startup and JIT warm-up, so it overstates steady-state cost.
    cpuUsPerRecord: (usage.cpuMs * 1000) / records,
    p50Ms: Number(m[6]),
    p99Ms: Number(m[8]),
    maxMs: Number(m[5]),
    peakRssMb: usage.peakRssMb,
  }
}

const results = []
const listArg = (name) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`))
  return a === undefined
    ? undefined
    : a
        .slice(name.length + 3)
        .split(',')
        .map(Number)
}
const sizes = listArg('sizes') ?? [100, 1024]
const batchSizes = listArg('batch-sizes')
const acksList = [1, 'all']
const compressions = ['none', 'lz4']
const runsArg = process.argv.find((a) => a.startsWith('--runs='))
const runs = runsArg ? Number(runsArg.slice(7)) : quick ? 1 : 3
console.log(
  `Producer benchmark: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), Node ${process.version}, broker ${bootstrap}, ${totalMb} MB per run, ${runs} run(s) per client and scenario (clients alternating; medians)`,
)
// The Java defaults (batch.size 16384) for every combination, then 1 KiB records with 64 KiB and
// 512 KiB batches: kafkajs's sendBatch of 1000 records is effectively a 1 MiB batch, and a Produce
// request carries one batch per partition, so batch size bounds throughput per round trip.
// --batch-sizes=a,b runs every size with each of them instead; kafkajs then runs in the rows of the first.
const scenarios = []
const kafkajsBatchSize = batchSizes?.[0] ?? 16384
for (const size of sizes)
  for (const acks of acksList)
    for (const compression of compressions)
      for (const batchSize of batchSizes ?? [16384]) scenarios.push({ size, acks, compression, batchSize })
if (batchSizes === undefined && sizes.includes(1024))
  for (const batchSize of [65536, 524288])
    for (const acks of acksList)
      for (const compression of compressions) scenarios.push({ size: 1024, acks, compression, batchSize })
for (const { size, acks, compression, batchSize } of scenarios) {
  const records = Math.round((totalMb * 1e6) / size)
  for (let rep = 0; rep < runs; rep++) {
    // Each repetition starts with the next client, so that no client always runs first.
    const order = clients.map((_, i) => clients[(i + rep) % clients.length])
    for (const client of order) {
      if (client === 'kafkajs' && batchSize !== kafkajsBatchSize) continue // kafkajs has no batch size: see the rows above
      const topic = await freshTopic(`${client}-${size}`)
      const cfg = { mode: 'throughput', bootstrap, topic, records, size, acks, compression, lingerMs: 5, batchSize }
      const label = `${client} ${size}B acks=${acks} ${compression}${batchSize === 16384 ? '' : ` batch=${batchSize / 1024}K`} #${rep + 1}`
      try {
        const r = client === 'java' ? await runJava(cfg) : await runNode(client, cfg)
        results.push({
          kind: 'throughput',
          client,
          size,
          acks,
          compression,
          batchSize,
          rep,
          load1: os.loadavg()[0],
          ...r,
        })
        console.log(
          `${label.padEnd(48)} ${Math.round(r.recordsPerSec).toLocaleString().padStart(10)} rec/s ${r.mbPerSec.toFixed(1).padStart(7)} MB/s  cpu ${r.cpuUsPerRecord.toFixed(2)} µs/rec  rss ${r.peakRssMb} MB`,
        )
      } catch (err) {
        console.log(`${label}: FAILED ${err.message}`)
        results.push({ kind: 'throughput', client, size, acks, compression, batchSize, rep, error: err.message })
      }
    }
  }
}
for (const client of clients.filter((c) => c !== 'raw-produce')) {
  const topic = await freshTopic(`${client}-latency`)
  const rate = 5000
  const cfg = {
    mode: 'latency',
    bootstrap,
    topic,
    records: rate * (quick ? 4 : 10),
    size: 100,
    acks: 'all',
    compression: 'none',
    lingerMs: 5,
    rate,
  }
  try {
    const r = client === 'java' ? await runJava(cfg) : await runNode(client, cfg)
    results.push({ kind: 'latency', client, rate, ...r })
    console.log(
      `${`${client} latency @${rate}/s`.padEnd(34)} p50 ${r.p50Ms.toFixed(1)} ms  p99 ${r.p99Ms.toFixed(1)} ms  rss ${r.peakRssMb} MB`,
    )
  } catch (err) {
    console.log(`${client} latency: FAILED ${err.message}`)
  }
}

// Summary: medians (min–max) and ratios of medians per scenario (kafkajs always with its sendBatch of 1000).
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b)
  return v.length === 0 ? undefined : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
}
const rawColumns = clients.includes('raw-produce')
console.log(
  '\n| record | acks | compression | batchSize | kafka-wire rec/s | kafkajs rec/s | Java rec/s | vs kafkajs | vs Java |' +
    (rawColumns ? ' raw produce (ceiling) | of ceiling |' : ''),
)
console.log(`|---|---|---|---|---|---|---|---|---|${rawColumns ? '---|---|' : ''}`)
for (const { size, acks, compression, batchSize } of scenarios) {
  const get = (c, b) => {
    const xs = results
      .filter(
        (r) =>
          r.kind === 'throughput' &&
          r.client === c &&
          r.size === size &&
          r.acks === acks &&
          r.compression === compression &&
          r.batchSize === b &&
          r.error === undefined,
      )
      .map((r) => r.recordsPerSec)
    return xs.length === 0 ? undefined : { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) }
  }
  const kw = get('kafka-wire', batchSize)
  const js = get('kafkajs', kafkajsBatchSize)
  const java = get('java', batchSize)
  const raw = get('raw-produce', batchSize)
  const k = (x) => `${Math.round(x / 1000).toLocaleString()}k`
  const fmt = (x) => (x === undefined ? 'n/a' : `${Math.round(x.median).toLocaleString()} (${k(x.min)}–${k(x.max)})`)
  const ratio = (a, b) => (a === undefined || b === undefined ? 'n/a' : `${(a.median / b.median).toFixed(2)}×`)
  console.log(
    `| ${size} B | ${acks} | ${compression} | ${batchSize} | ${fmt(kw)} | ${fmt(js)} | ${fmt(java)} | ${ratio(kw, js)} | ${ratio(kw, java)} |` +
      (clients.includes('raw-produce') ? ` ${fmt(raw)} | ${ratio(kw, raw)} |` : ''),
  )
}

const out = path.join(root, 'benchmarks/results', `producer-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
await fs.mkdir(path.dirname(out), { recursive: true })
await fs.writeFile(
  out,
  JSON.stringify(
    { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, totalMb, runs, results },
    null,
    2,
  ),
)
console.log(`\nresults: ${path.relative(root, out)}`)
await admin.close()
await cluster?.stop()

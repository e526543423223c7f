#!/usr/bin/env node
// Where kafka-wire/kafkajs's C1 gap to the native API goes (issues #17, #22). One topic of 100 B
// records in six partitions, written in 16 KiB batches (the size Java's ProducerPerformance fills
// the suite's C1 topic with), is read by the native poll() loop and by the layer's eachBatch loop
// (the suite's two drivers' loops), each in a fresh child process, alternating. Per run: records/s
// from the first record to the last, the main thread's user and system CPU time (/proc) and the
// garbage collector's time over the same span (PerformanceObserver). With --alloc, V8's sampling
// heap profiler (objects the collector freed included) gives the bytes allocated per record and the
// sites that allocate them. Each run also gives its rate timed from the start, as the suite times C1
// (from connect() for the layer, from subscribe() for the native API), and the process's CPU time
// (all threads) over that span. With --dists a,b the layer runs once per build in each round, so that
// two builds of the layer are compared in alternation (the native loop runs from the first).
//
// --each-message reads with eachMessage instead of eachBatch, --auto-commit turns kafkajs's default
// autoCommit on, --kafkajs adds kafkajs itself to each round.
//
//   npm run build && node benchmarks/consumer/layer-gc.mjs [--records 1000000] [--pairs 3] [--alloc] [--dists dirA,dirB]
//     [--each-message] [--auto-commit] [--kafkajs]
// Uses KAFKA_BOOTSTRAP_SERVERS if set, else starts a broker with the test kit (stopped at the end).
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const dist = (p) => path.join(process.env.KAFKA_WIRE_DIST ?? path.join(root, 'dist/esm'), p)
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : process.argv[i + 1]
}
const RECORDS = Number(arg('records', '1000000'))
const PAIRS = Number(arg('pairs', '3'))
const ALLOC = process.argv.includes('--alloc')
// The handler kafkajs's users write most (eachMessage), with kafkajs's default autoCommit, and kafkajs
// itself as a third client (the repository's devDependency) in each round.
const EACH_MESSAGE = process.argv.includes('--each-message')
const AUTO_COMMIT = process.argv.includes('--auto-commit')
const WITH_KAFKAJS = process.argv.includes('--kafkajs')
const require = createRequire(import.meta.url)
const child = arg('child', null)

/** The main thread's user and system CPU time (ms), from /proc (Linux only). */
function mainThread() {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return { userMs: Number(f[11]) * 10, sysMs: Number(f[12]) * 10 }
}

/** Child: read the topic once with `mode` ('native' or 'layer'), print one JSON line. */
async function read(mode, bootstrapServers, topic) {
  let records = 0
  let bytes = 0 // the values are read, as the suite's drivers read them
  let first = null
  let gcMs = 0
  let gcs = 0
  const gc = new PerformanceObserver((list) => {
    if (first === null) return
    for (const e of list.getEntries()) {
      gcMs += e.duration
      gcs++
    }
  })
  gc.observe({ entryTypes: ['gc'] })
  const session = new Session()
  session.connect()
  const started = async () => {
    first = { at: performance.now(), cpu: mainThread() }
    if (ALLOC)
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      })
  }
  const groupId = `layer-gc-${mode}-${Date.now()}`
  let last
  let start
  if (mode === 'native') {
    const { Consumer } = await import(dist('index.js'))
    const consumer = new Consumer({ bootstrapServers, groupId, autoOffsetReset: 'earliest', enableAutoCommit: false })
    start = { at: performance.now(), cpu: process.cpuUsage() }
    consumer.subscribe([topic])
    while (records < RECORDS) {
      const batch = await consumer.poll(500)
      if (first === null && !batch.isEmpty) await started()
      for (const r of batch) {
        records++
        bytes += r.value?.length ?? 0
      }
    }
    last = { at: performance.now(), cpu: mainThread(), all: process.cpuUsage(start.cpu) }
    await consumer.close()
  } else {
    const { Kafka, logLevel } = mode === 'kafkajs' ? require('kafkajs') : await import(dist('kafkajs/index.js'))
    const kafka = new Kafka({ clientId: 'layer-gc', brokers: [bootstrapServers], logLevel: logLevel.NOTHING })
    const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 1048576, allowAutoTopicCreation: false })
    start = { at: performance.now(), cpu: process.cpuUsage() }
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    let finish
    const finished = new Promise((resolve) => (finish = resolve))
    const counted = async (n) => {
      if (first === null) await started()
      records += n
      if (records >= RECORDS && last === undefined) {
        last = { at: performance.now(), cpu: mainThread(), all: process.cpuUsage(start.cpu) }
        finish()
      }
    }
    await consumer.run(
      EACH_MESSAGE
        ? {
            autoCommit: AUTO_COMMIT,
            eachMessage: async ({ message }) => {
              bytes += message.value?.length ?? 0
              await counted(1)
            },
          }
        : {
            autoCommit: AUTO_COMMIT,
            eachBatchAutoResolve: true,
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) bytes += m.value?.length ?? 0
              await counted(batch.messages.length)
            },
          },
    )
    await finished
    await consumer.disconnect()
  }
  gc.disconnect()
  const out = {
    mode,
    bytes,
    recordsPerSec: records / ((last.at - first.at) / 1000),
    fromStart: records / ((last.at - start.at) / 1000),
    firstMs: first.at - start.at,
    cpuMs: (last.all.user + last.all.system) / 1000,
    userMs: last.cpu.userMs - first.cpu.userMs,
    sysMs: last.cpu.sysMs - first.cpu.sysMs,
    gcs,
    gcMs,
  }
  if (ALLOC) {
    const { profile } = await session.post('HeapProfiler.stopSampling')
    const sites = new Map()
    let total = 0
    const name = (f) => `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`
    const walk = (node, caller) => {
      const f = node.callFrame
      // A builtin (Array.prototype.push, new Map) is named with the script function that called it.
      const site = f.url === '' && caller !== null ? `${name(f)} ← ${caller}` : name(f)
      total += node.selfSize
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize)
      for (const c of node.children) walk(c, f.url === '' ? caller : name(f))
    }
    walk(profile.head, null)
    out.bytesPerRecord = total / records
    out.sites = [...sites]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([site, bytes]) => [site, bytes / records])
  }
  session.disconnect()
  console.log(JSON.stringify(out))
}

if (child !== null) {
  await read(child, arg('bootstrap', ''), arg('topic', ''))
  process.exit(0)
}

/** Runs one child to completion (killed if this process is interrupted). */
function runChild(mode, bootstrapServers, topic, distDir) {
  return new Promise((resolve, reject) => {
    const args = [fileURLToPath(import.meta.url), '--child', mode, '--bootstrap', bootstrapServers, '--topic', topic]
    args.push('--records', String(RECORDS), ...(ALLOC ? ['--alloc'] : []))
    for (const flag of ['--each-message', '--auto-commit']) if (process.argv.includes(flag)) args.push(flag)
    const env = distDir ? { ...process.env, KAFKA_WIRE_DIST: path.resolve(distDir) } : process.env
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env })
    const kill = () => p.kill('SIGKILL')
    process.once('SIGINT', kill)
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.on('error', reject)
    p.on('exit', (code) => {
      process.off('SIGINT', kill)
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop()))
      else reject(new Error(`${mode} run exited with ${code}`))
    })
  })
}

const { Admin, Producer } = await import(dist('index.js'))
const external = process.env.KAFKA_BOOTSTRAP_SERVERS
const cluster = external
  ? null
  : await (await import(path.join(root, 'dist/esm/testing/index.js'))).startKafka({
      log: (m) => console.error(`[kafka] ${m}`),
    })
const bootstrapServers = external ?? cluster.bootstrapServers
const DISTS = arg('dists', '').split(',').filter(Boolean)
const topic = `layer-gc-${Date.now()}`
const admin = new Admin({ bootstrapServers })
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
try {
  await admin.createTopics([{ topic, numPartitions: 6, replicationFactor: 1 }])
  const producer = new Producer({ bootstrapServers, lingerMs: 5, batchSize: 16384, acks: 1 })
  try {
    const value = Buffer.alloc(100, 97)
    let pending = []
    for (let i = 0; i < RECORDS; i++) {
      pending.push(producer.send({ topic, value }))
      if (pending.length >= 50000) {
        await Promise.all(pending)
        pending = []
      }
    }
    await Promise.all(pending)
  } finally {
    await producer.close()
  }
  console.log(`${RECORDS} records of 100 B in 6 partitions (16 KiB batches), Node ${process.version}`)
  const runs = DISTS.length === 0 ? [['native'], ['layer']] : [['native', DISTS[0]], ...DISTS.map((d) => ['layer', d])]
  if (WITH_KAFKAJS) runs.push(['kafkajs'])
  const results = new Map()
  for (let pair = 0; pair < PAIRS; pair++) {
    for (const [mode, distDir] of runs) {
      const r = await runChild(mode, bootstrapServers, topic, distDir)
      const label = distDir && mode === 'layer' ? `layer ${distDir}` : mode
      if (!results.has(label)) results.set(label, [])
      results.get(label).push(r)
      console.log(
        `${label.padEnd(6)} ${(r.fromStart / 1e6).toFixed(2)}M records/s from the start (first record after ` +
          `${r.firstMs.toFixed(0)} ms), ${(r.recordsPerSec / 1e6).toFixed(2)}M after the first; CPU ${r.cpuMs.toFixed(0)} ms; ` +
          `main thread user ${r.userMs} ms, system ${r.sysMs} ms; GC ${r.gcMs.toFixed(0)} ms in ${r.gcs} collections` +
          (ALLOC ? `; ${r.bytesPerRecord.toFixed(0)} B allocated per record` : ''),
      )
      for (const [site, bytes] of r.sites ?? []) console.log(`         ${bytes.toFixed(1).padStart(6)} B  ${site}`)
    }
  }
  console.log('medians:')
  for (const [label, rs] of results) {
    const m = (k) => median(rs.map((r) => r[k]))
    console.log(
      `  ${label}: ${(m('fromStart') / 1e6).toFixed(2)}M records/s from the start, first record after ` +
        `${m('firstMs').toFixed(0)} ms, CPU ${m('cpuMs').toFixed(0)} ms, GC ${m('gcMs').toFixed(0)} ms`,
    )
  }
} finally {
  await admin.deleteTopics([topic]).catch(() => undefined)
  await admin.close()
  await cluster?.stop()
}

#!/usr/bin/env node
// Where L2's time goes (issue #22): the suite's L2 loop (send one record with lingerMs 0, wait until
// the consumer has it, repeat), with each record's end-to-end time split into the producer's
// acknowledgement and what follows it, beside what else the process and the machine did meanwhile:
//   - event-loop delay of this process (monitorEventLoopDelay, 1 ms resolution),
//   - the same of an idle companion Node process started for the run (the machine's scheduling
//     noise: on two cores shared with the broker an idle process is late too),
//   - this process's garbage collections (count, total, longest),
//   - the main thread's busy time per record (event-loop utilisation over the measured records), and
//     the part of it spent handing frames to the kernel: the connections cork a tick's frames and
//     write them on uncork(), timed here with hrtime (a write to the broker on loopback wakes its
//     network thread; on two cores that thread may take the writer's core before the call returns),
//   - the slowest records, as "end-to-end = ack …".
//
//   npm run build && node benchmarks/latency/anatomy.mjs [--records 3000] [--warmup 200]
// Uses KAFKA_BOOTSTRAP_SERVERS if set, else starts a broker with the test kit (stopped at the end).
// KAFKA_WIRE_DIST=<dir> measures another build of dist/esm.
import { spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const distDir = process.env.KAFKA_WIRE_DIST ?? path.join(root, 'dist/esm')
const { Admin, Consumer, Producer } = await import(path.join(distDir, 'index.js'))
const { startKafka } = await import(path.join(root, 'dist/esm/testing/index.js'))

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? fallback : Number(process.argv[i + 1])
}
const records = arg('--records', 3000)
const warmup = arg('--warmup', 200)

const ms = (ns) => (ns / 1e6).toFixed(2)
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
const describe = (name, xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const f = (x) => x.toFixed(3)
  console.log(
    `${name.padEnd(22)} p50 ${f(quantile(s, 0.5))}  p90 ${f(quantile(s, 0.9))}  p99 ${f(quantile(s, 0.99))}  max ${f(s[s.length - 1])} ms`,
  )
}

// The idle companion: reports its event-loop delay when told to stop (a line of JSON on stdout).
const IDLE = `
  const { monitorEventLoopDelay } = require('node:perf_hooks')
  const h = monitorEventLoopDelay({ resolution: 1 }); h.enable()
  const keep = setInterval(() => {}, 1000)
  process.stdin.on('data', () => {
    h.disable(); clearInterval(keep)
    process.stdout.write(JSON.stringify({ p50: h.percentile(50), p99: h.percentile(99), max: h.max }) + '\\n')
    process.stdin.destroy()
  })`

const cluster = await startKafka({ log: (m) => console.error(`[kafka] ${m}`) })
const bootstrapServers = cluster.bootstrapServers
const topic = `latency-anatomy-${Date.now()}`
const admin = new Admin({ bootstrapServers })
const idle = spawn(process.execPath, ['-e', IDLE], { stdio: ['pipe', 'pipe', 'inherit'] })
let consumer
let producer
try {
  await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
  consumer = new Consumer({ bootstrapServers, groupId: topic, autoOffsetReset: 'earliest', enableAutoCommit: false })
  producer = new Producer({ bootstrapServers, lingerMs: 0, acks: 1, enableIdempotence: false })
  consumer.subscribe([topic])
  while (consumer.assignment().length === 0) await consumer.poll(100)
  await producer.partitionsFor(topic)

  const sentAt = new Float64Array(records)
  const ackedAt = new Float64Array(records)
  const receivedAt = new Float64Array(records)
  let waiting = null
  let waitingFor = -1
  let stop = false
  const reader = (async () => {
    while (!stop) {
      const batch = await consumer.poll(100)
      const now = performance.now()
      for (const r of batch) {
        const i = r.value.readUInt32BE(0)
        receivedAt[i] = now
        if (i === waitingFor && waiting !== null) {
          const w = waiting
          waiting = null
          w()
        }
      }
    }
  })()

  const gcs = []
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push(e)
  })
  gcObserver.observe({ entryTypes: ['gc'] })
  const delay = monitorEventLoopDelay({ resolution: 1 })
  // Socket writes: time in uncork() (where corked frames reach the kernel), measured records only.
  const writes = []
  let timeWrites = false
  const uncork = net.Socket.prototype.uncork
  net.Socket.prototype.uncork = function (...args) {
    if (!timeWrites) return uncork.apply(this, args)
    const t = process.hrtime.bigint()
    try {
      return uncork.apply(this, args)
    } finally {
      writes.push(Number(process.hrtime.bigint() - t) / 1000)
    }
  }
  let eluAtWarmup = null
  const template = Buffer.alloc(100, 0x61)
  const started = performance.now()
  for (let i = 0; i < records; i++) {
    if (i === warmup) {
      delay.enable()
      eluAtWarmup = performance.eventLoopUtilization()
      timeWrites = true
    }
    const arrived = new Promise((resolve) => {
      waiting = resolve
      waitingFor = i
    })
    const value = Buffer.from(template)
    value.writeUInt32BE(i, 0)
    sentAt[i] = performance.now()
    await producer.send({ topic, value })
    ackedAt[i] = performance.now()
    await arrived
  }
  delay.disable()
  timeWrites = false
  net.Socket.prototype.uncork = uncork
  const elu = performance.eventLoopUtilization(eluAtWarmup)
  gcObserver.disconnect()
  stop = true
  await reader
  const idleDelay = await new Promise((resolve) => {
    idle.stdout.once('data', (d) => resolve(JSON.parse(String(d))))
    idle.stdin.write('stop\n')
  })

  const measured = []
  for (let i = warmup; i < records; i++) measured.push(i)
  console.log(
    `${records - warmup} records (after ${warmup} of warm-up), ${((performance.now() - started) / 1000).toFixed(1)} s, Node ${process.version}`,
  )
  describe(
    'end to end',
    measured.map((i) => receivedAt[i] - sentAt[i]),
  )
  describe(
    'send → ack',
    measured.map((i) => ackedAt[i] - sentAt[i]),
  )
  describe(
    'ack → received',
    measured.map((i) => receivedAt[i] - ackedAt[i]),
  )
  console.log(
    `event-loop delay       p50 ${ms(delay.percentile(50))}  p99 ${ms(delay.percentile(99))}  max ${ms(delay.max)} ms (1 ms resolution)`,
  )
  console.log(`idle companion's delay p50 ${ms(idleDelay.p50)}  p99 ${ms(idleDelay.p99)}  max ${ms(idleDelay.max)} ms`)
  const n = records - warmup
  const sortedWrites = [...writes].sort((a, b) => a - b)
  const writeTotalUs = writes.reduce((t, w) => t + w, 0)
  console.log(
    `main thread busy       ${((elu.active * 1000) / n).toFixed(0)} µs per record (event-loop utilisation ${(elu.utilization * 100).toFixed(0)} %)`,
  )
  console.log(
    `socket writes          ${(writes.length / n).toFixed(2)} per record, ${(writeTotalUs / n).toFixed(0)} µs per record, each p50 ${quantile(sortedWrites, 0.5)?.toFixed(1)} µs, p99 ${quantile(sortedWrites, 0.99)?.toFixed(1)} µs`,
  )
  const during = gcs.filter((e) => e.startTime >= sentAt[warmup])
  const longest = during.reduce((m, e) => Math.max(m, e.duration), 0)
  const total = during.reduce((t, e) => t + e.duration, 0)
  console.log(
    `garbage collections    ${during.length}, ${total.toFixed(1)} ms in all, longest ${longest.toFixed(2)} ms`,
  )
  const worst = measured.sort((a, b) => receivedAt[b] - sentAt[b] - (receivedAt[a] - sentAt[a])).slice(0, 10)
  console.log(
    `slowest                ${worst.map((i) => `${(receivedAt[i] - sentAt[i]).toFixed(1)} (ack ${(ackedAt[i] - sentAt[i]).toFixed(1)})`).join(', ')}`,
  )
} finally {
  if (idle.exitCode === null) idle.kill()
  await producer?.close()
  await consumer?.close()
  await admin.deleteTopics([topic]).catch(() => undefined)
  await admin.close()
  await cluster.stop()
}

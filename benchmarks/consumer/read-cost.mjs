#!/usr/bin/env node
// What reading Fetch responses costs the main thread (issue #17), and how much of a consumer's time
// the main thread really spends off the CPU. Two parts, on one topic of 1 KiB records in six partitions:
//   raw       Fetch requests as the consumer sends them (1 MiB per partition, v12, no session) through
//             kafka-wire's network layer, only the batch headers walked. After each response the main
//             thread spins --spin ms (a stand-in for the records' processing), with the next Fetch sent
//             before the spin (pipelined, as the consumer does) or after it. Per response: wall time and
//             the main thread's user and system CPU time (/proc, so Linux only).
//   consumer  The native poll() loop over every record (the suite's C2 driver's loop, partitions
//             assigned): wall time from the first record to the last against the main thread's CPU
//             time over the same span. A `node --cpu-prof` profile counts libuv's poll phase, where
//             the socket reads run, as "(idle)"; this reads the thread's own counters instead.
//             With --tls, twice each way alternating, through the broker's plaintext and SSL listeners.
//
//   npm run build && node benchmarks/consumer/read-cost.mjs [--records 600000] [--fetches 100] [--spin 0,5] [--tls]
// Uses KAFKA_BOOTSTRAP_SERVERS if set (not with --tls), else starts a broker with the test kit
// (stopped at the end).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const dist = (p) => path.join(process.env.KAFKA_WIRE_DIST ?? path.join(root, 'dist/esm'), p)
const { Admin, Consumer, Producer } = await import(dist('index.js'))
const { Cluster, resolveCommonOptions } = await import(dist('cluster/index.js'))
const { Apis, ZERO_UUID } = await import(dist('protocol/index.js'))
const { startKafka } = await import(path.join(root, 'dist/esm/testing/index.js'))
const { rawFetcher } = await import('./raw-fetch.mjs')

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : process.argv[i + 1]
}
const RECORDS = Number(arg('records', '600000'))
const FETCHES = Number(arg('fetches', '100'))
const SPINS = arg('spin', '0,5').split(',').map(Number)
const TLS = process.argv.includes('--tls')
const PARTITIONS = 6
const VALUE_SIZE = 1024

if (process.platform !== 'linux') {
  console.error('read-cost.mjs reads the main thread CPU time from /proc: Linux only')
  process.exit(1)
}

/** The main thread's user and system CPU time (ms) and minor faults, from /proc. */
function mainThread() {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ')
  const tick = 10 // USER_HZ is 100 on Linux
  return { userMs: Number(f[11]) * tick, sysMs: Number(f[12]) * tick, minflt: Number(f[7]) }
}
const since = (a, b) => ({ userMs: b.userMs - a.userMs, sysMs: b.sysMs - a.sysMs, minflt: b.minflt - a.minflt })

async function fill(bootstrapServers, topic) {
  const producer = new Producer({ bootstrapServers, lingerMs: 5, batchSize: 262144, acks: 1 })
  try {
    const value = Buffer.alloc(VALUE_SIZE, 97)
    let pending = []
    for (let i = 0; i < RECORDS; i++) {
      pending.push(producer.send({ topic, value }))
      if (pending.length >= 20000) {
        await Promise.all(pending)
        pending = []
      }
    }
    await Promise.all(pending)
  } finally {
    await producer.close()
  }
}

/** `fetches` Fetch responses from offset 0 (wrapping to 0 at the end of the data); per response figures. */
async function raw(bootstrapServers, topic, spinMs, pipelined) {
  const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
  try {
    const md = (await cluster.topicMetadata([topic])).get(topic)
    const leader = md.partitions[0].leaderId
    const offsets = new Array(PARTITIONS).fill(0n)
    const { fetch, walk } = rawFetcher({ cluster, Apis, ZERO_UUID }, leader, topic, offsets)
    /** Moves the offsets past the response's whole batches; its bytes. At the end of the data, back to 0. */
    const advance = (res) => {
      const { records, bytes } = walk(res)
      if (records === 0) offsets.fill(0n)
      return bytes
    }
    const spin = () => {
      const until = performance.now() + spinMs
      while (performance.now() < until);
    }
    await fetch() // connected and warm before the clock starts
    offsets.fill(0n)
    let bytes = 0
    const cpu0 = mainThread()
    const t0 = performance.now()
    if (pipelined) {
      let next = fetch()
      for (let i = 0; i < FETCHES; i++) {
        bytes += advance(await next)
        next = i + 1 < FETCHES ? fetch() : null
        // The request is written on the next tick: let it go out before the spin, as the consumer's
        // next Fetch does (sent when a response arrives, before poll() hands out its records).
        await new Promise((resolve) => setImmediate(resolve))
        spin()
      }
    } else {
      for (let i = 0; i < FETCHES; i++) {
        bytes += advance(await fetch())
        spin()
      }
    }
    const ms = performance.now() - t0
    const cpu = since(cpu0, mainThread())
    return { ms: ms / FETCHES, mb: bytes / FETCHES / 1048576, userMs: cpu.userMs / FETCHES, sysMs: cpu.sysMs / FETCHES }
  } finally {
    await cluster.close()
  }
}

async function consume(connection, topic) {
  const consumer = new Consumer({ ...connection, autoOffsetReset: 'earliest', enableAutoCommit: false })
  try {
    consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })))
    let records = 0
    let first = null
    let cpu0 = null
    while (records < RECORDS) {
      const batch = await consumer.poll(1000)
      if (batch.count > 0 && first === null) {
        first = performance.now()
        cpu0 = mainThread()
      }
      for (const r of batch) {
        records++
        if (r.value === null) throw new Error('a record without a value')
      }
    }
    const wallMs = performance.now() - first
    return { wallMs, records, ...since(cpu0, mainThread()) }
  } finally {
    await consumer.close()
  }
}

const cluster = await startKafka({
  log: (m) => console.error(`[kafka] ${m}`),
  ...(TLS ? { listeners: ['PLAINTEXT', 'SSL'] } : {}),
})
const bootstrapServers = cluster.bootstrapServers
const ssl = cluster.listeners?.SSL
if (TLS && (!ssl || !cluster.tls)) {
  await cluster.stop()
  throw new Error('--tls needs the broker the test kit starts (unset KAFKA_BOOTSTRAP_SERVERS)')
}
const topic = `read-cost-${Date.now()}`
const admin = new Admin({ bootstrapServers })
try {
  await admin.createTopics([{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }])
  await fill(bootstrapServers, topic)
  console.log(`${RECORDS} records of ${VALUE_SIZE} B in ${PARTITIONS} partitions, Node ${process.version}`)
  console.log('raw Fetch, per response:')
  for (const spinMs of SPINS) {
    for (const pipelined of [false, true]) {
      const r = await raw(bootstrapServers, topic, spinMs, pipelined)
      console.log(
        `  spin ${String(spinMs).padStart(2)} ms, next Fetch ${pipelined ? 'before' : 'after '} the spin: ` +
          `${r.ms.toFixed(1)} ms for ${r.mb.toFixed(1)} MB; main thread user ${r.userMs.toFixed(1)} ms, system ${r.sysMs.toFixed(1)} ms`,
      )
    }
  }
  const plaintext = { bootstrapServers }
  const runs = TLS
    ? [
        ['plaintext', plaintext],
        ['TLS', { bootstrapServers: ssl.bootstrapServers, tls: { ca: readFileSync(cluster.tls.caPem, 'utf8') } }],
      ]
    : [['', plaintext]]
  for (let round = 0; round < (TLS ? 2 : 1); round++) {
    for (const [name, connection] of runs) {
      const c = await consume(connection, topic)
      const busy = c.userMs + c.sysMs
      console.log(
        `consumer${name ? ` (${name})` : ''}: ${c.records} records in ${c.wallMs.toFixed(0)} ms after the first; ` +
          `main thread user ${c.userMs} ms, system ${c.sysMs} ms (${((busy / c.wallMs) * 100).toFixed(0)} % of the ` +
          `wall time on the CPU, ${((c.sysMs * 1000) / c.records).toFixed(2)} µs of system time per record), ` +
          `${c.minflt} minor faults`,
      )
    }
  }
} finally {
  await admin.deleteTopics([topic]).catch(() => undefined)
  await admin.close()
  await cluster.stop()
}

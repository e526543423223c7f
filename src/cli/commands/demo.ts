/**
 * `kafka-wire demo` (`npm run demo`): the whole client on one screen. Starts a broker when
 * none answers, creates a 6-partition topic, produces keyed records, consumes them with a
 * group of three consumers, proves every record arrived exactly once, and stops what it started.
 */
import type { Command } from 'commander'
import { Admin } from '../../admin/index.js'
import { Consumer } from '../../consumer/index.js'
import { canConnect } from '../../testing/ports.js'
import { startKafka } from '../../testing/start-kafka.js'
import type { KafkaCluster } from '../../testing/types.js'
import { intFlag, withCommonOptions } from '../common.js'
import { progressBar } from '../progress.js'
import { renderTable } from '../table.js'
import { printResult, producePerf } from './perf.js'

interface DemoFlags {
  records: string
  recordSize: string
  bootstrapServer?: string
}

const PARTITIONS = 6
const CONSUMERS = 3

export function registerDemo(program: Command): void {
  withCommonOptions(program.command('demo').description('produce and consume on an embedded broker, with a summary'))
    .option('--records <n>', 'records to produce and consume', '1000000')
    .option('--record-size <bytes>', 'value size in bytes', '100')
    .action(async (flags: DemoFlags) => {
      const ok = await runDemo({
        records: intFlag('--records', flags.records),
        recordSize: intFlag('--record-size', flags.recordSize),
        bootstrapServers: flags.bootstrapServer ?? 'localhost:9092',
      })
      if (!ok) process.exitCode = 1
    })
}

interface DemoOptions {
  records: number
  recordSize: number
  bootstrapServers: string
}

async function runDemo(o: DemoOptions): Promise<boolean> {
  const timings: [string, number][] = []
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now()
    try {
      return await fn()
    } finally {
      timings.push([name, performance.now() - t0])
    }
  }
  const started = performance.now()
  const log = (m: string) => process.stderr.write(`${m}\n`)
  let cluster: KafkaCluster | null = null
  let bootstrap = o.bootstrapServers
  const [host, port] = splitHostPort(bootstrap.split(',')[0]!)
  if (!(await canConnect(host, port, 1000))) {
    log(`No broker at ${bootstrap}: starting an embedded Apache Kafka broker (first run downloads its jars)...`)
    cluster = await step('start broker', () => startKafka({ nodes: 1, provider: 'jvm' }))
    bootstrap = cluster.bootstrapServers
    log(`Broker ready at ${bootstrap}.`)
  } else {
    log(`Using the broker already running at ${bootstrap}; the demo deletes its topic and group at the end.`)
  }
  const options = { bootstrapServers: bootstrap, clientId: 'kafka-wire-demo' }
  const topic = `kafka-wire-demo-${Date.now()}`
  const groupId = `${topic}-group`
  try {
    const admin = new Admin(options)
    try {
      await step('create topic', () => admin.createTopics([{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }]))
    } finally {
      await admin.close()
    }
    log(`Topic ${topic} with ${PARTITIONS} partitions. Producing ${o.records} keyed records of ${o.recordSize} B...`)

    const pad = o.recordSize
    const produced = await step('produce', () =>
      producePerf({
        options: { ...options, lingerMs: 5, batchSize: 65536 },
        topic,
        numRecords: o.records,
        recordSize: o.recordSize,
        throughput: -1,
        key: (i) => `key-${i}`,
        value: (i) => valueFor(i, pad),
        progress: progressBar('produce', o.records),
      }),
    )
    printResult('produced', produced, { saturated: true })

    log(`Consuming with a group of ${CONSUMERS} consumers (${groupId})...`)
    const consumed = await step('consume', () => consumeWithGroup(options, topic, groupId, o.records, pad))
    const secs = consumed.seconds
    const rate = consumed.total / secs
    process.stdout.write(
      `\n${consumed.total} records consumed in ${secs.toFixed(2)} s: ${rate.toFixed(0)} records/s ` +
        `(${((consumed.total * o.recordSize) / 1024 / 1024 / secs).toFixed(2)} MB/s), ` +
        `group joined in ${consumed.joinMs.toFixed(0)} ms\n\n`,
    )
    process.stdout.write(
      `${renderTable(
        ['CONSUMER', 'PARTITIONS', 'RECORDS'],
        consumed.members.map((m, i) => [`consumer-${i + 1}`, m.partitions.join(',') || '-', m.records]),
      )}\n\n`,
    )
    const v = consumed.verification
    const exact = v.missing === 0 && v.duplicates === 0 && v.corrupt === 0 && consumed.total === o.records
    process.stdout.write(
      `verification: ${o.records} produced, ${consumed.total} consumed, ${v.missing} missing, ` +
        `${v.duplicates} duplicated, ${v.corrupt} with a wrong value; checksum produced ${v.expectedChecksum} ` +
        `consumed ${v.checksum} → ${exact && v.checksum === v.expectedChecksum ? 'every record exactly once ✔' : 'MISMATCH ✘'}\n`,
    )
    return exact && v.checksum === v.expectedChecksum
  } finally {
    if (cluster) await step('stop broker', () => cluster!.stop())
    else await step('clean up', () => removeDemoData(options, topic, groupId))
    const total = performance.now() - started
    process.stdout.write(
      `\ntime: ${timings.map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`).join(', ')}; total ${(total / 1000).toFixed(2)} s\n`,
    )
    if (total > 60_000) process.stdout.write('The demo took over a minute: the steps above show where the time went.\n')
  }
}

/** On a broker that was already there, leave nothing behind (best effort: the demo's result stands). */
async function removeDemoData(options: { bootstrapServers: string }, topic: string, groupId: string): Promise<void> {
  const admin = new Admin(options)
  try {
    await admin.deleteGroups([groupId]).catch(() => {})
    await admin.deleteTopics([topic]).catch(() => {})
  } finally {
    await admin.close()
  }
}

function valueFor(i: number, size: number): Buffer {
  const s = `value-${i}-`
  return Buffer.from(s.padEnd(Math.max(size, s.length), 'x'))
}

interface Verification {
  missing: number
  duplicates: number
  corrupt: number
  checksum: number
  expectedChecksum: number
}

async function consumeWithGroup(
  options: { bootstrapServers: string; clientId: string },
  topic: string,
  groupId: string,
  expected: number,
  size: number,
): Promise<{
  total: number
  seconds: number
  joinMs: number
  members: { partitions: number[]; records: number }[]
  verification: Verification
}> {
  const seen = new Uint8Array(expected)
  let corrupt = 0
  let checksum = 0
  let total = 0
  const consumers = Array.from(
    { length: CONSUMERS },
    (_, i) =>
      new Consumer<Buffer | null, Buffer | null>({
        ...options,
        clientId: `kafka-wire-demo-${i + 1}`,
        groupId,
        autoOffsetReset: 'earliest',
      }),
  )
  const counts = new Array<number>(CONSUMERS).fill(0)
  const progress = progressBar('consume', expected)
  const started = performance.now()
  let joinMs = -1
  let lastProgressAt = started
  try {
    for (const c of consumers) c.subscribe([topic])
    await Promise.all(
      consumers.map(async (c, idx) => {
        while (total < expected && performance.now() - lastProgressAt < 30_000) {
          const records = await c.poll(200)
          if (joinMs < 0 && c.assignment().length > 0) joinMs = performance.now() - started
          for (const r of records) {
            const key = r.key?.toString() ?? ''
            const i = Number(key.slice(4))
            if (!Number.isInteger(i) || i < 0 || i >= expected) {
              corrupt++
              continue
            }
            if (r.value === null || !r.value.equals(valueFor(i, size))) corrupt++
            seen[i]!++
            checksum = (checksum + hash(r.value)) >>> 0
            counts[idx]!++
            total++
          }
          if (records.count > 0) {
            lastProgressAt = performance.now()
            progress.update(total)
          }
        }
      }),
    )
    await Promise.all(consumers.map((c) => c.commitSync()))
  } finally {
    progress.stop()
  }
  const seconds = (performance.now() - started) / 1000
  const members = consumers.map((c, i) => ({
    partitions: c
      .assignment()
      .map((tp) => tp.partition)
      .sort((a, b) => a - b),
    records: counts[i]!,
  }))
  await Promise.all(consumers.map((c) => c.close()))
  let missing = 0
  let duplicates = 0
  let expectedChecksum = 0
  for (let i = 0; i < expected; i++) {
    if (seen[i] === 0) missing++
    else if (seen[i]! > 1) duplicates += seen[i]! - 1
    expectedChecksum = (expectedChecksum + hash(valueFor(i, size))) >>> 0
  }
  return { total, seconds, joinMs, members, verification: { missing, duplicates, corrupt, checksum, expectedChecksum } }
}

/** FNV-1a over the bytes: a cheap content checksum. */
function hash(b: Buffer | null): number {
  if (b === null) return 0
  let h = 0x811c9dc5
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193)
  return h >>> 0
}

function splitHostPort(hp: string): [string, number] {
  const i = hp.lastIndexOf(':')
  return [hp.slice(0, i), Number(hp.slice(i + 1))]
}

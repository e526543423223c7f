/**
 * `kafka-wire perf produce|consume` — the counterparts of Kafka's ProducerPerformance and
 * ConsumerPerformance, printing the same final line so figures can be compared directly.
 */
import { randomBytes } from 'node:crypto'
import type { Command } from 'commander'
import { Consumer } from '../../consumer/index.js'
import { Producer } from '../../producer/index.js'
import { clientOptions, collectKeyValue, intFlag, withCommonOptions } from '../common.js'
import { LatencyRecorder, type LatencySummary } from '../latency.js'
import { type Progress, progressBar } from '../progress.js'
import { renderTable } from '../table.js'

interface PerfFlags {
  topic: string
  numRecords: string
  recordSize?: string
  throughput?: string
  producerProperty?: Record<string, string>
  consumerProperty?: Record<string, string>
  group?: string
  timeoutMs?: string
  bootstrapServer?: string
  commandConfig?: string
}

export interface PerfResult {
  records: number
  bytes: number
  seconds: number
  latency: LatencySummary
  errors: number
}

export function registerPerf(program: Command): void {
  const perf = program.command('perf').description('producer and consumer performance tests')

  withCommonOptions(perf.command('produce').description('like kafka-producer-perf-test'))
    .requiredOption('--topic <name>', 'topic to write to')
    .requiredOption('--num-records <n>', 'records to send')
    .requiredOption('--record-size <bytes>', 'value size in bytes')
    .option('--throughput <n>', 'records/s cap; -1 for none', '-1')
    .option('--producer-property <k=v>', 'Java producer property, repeatable', collectKeyValue)
    .action(async (flags: PerfFlags) => {
      const result = await producePerf({
        options: clientOptions(flags, flags.producerProperty, 'producer'),
        topic: flags.topic,
        numRecords: intFlag('--num-records', flags.numRecords),
        recordSize: intFlag('--record-size', flags.recordSize),
        throughput: intFlag('--throughput', flags.throughput),
        progress: progressBar('produce', intFlag('--num-records', flags.numRecords)),
      })
      printResult('sent', result, { saturated: intFlag('--throughput', flags.throughput) <= 0 })
      if (result.errors > 0) process.exitCode = 1
    })

  withCommonOptions(perf.command('consume').description('like kafka-consumer-perf-test'))
    .requiredOption('--topic <name>', 'topic to read (from the beginning)')
    .requiredOption('--num-records <n>', 'records to read')
    .option('--group <id>', 'consumer group (default: a new one each run)')
    .option('--timeout-ms <ms>', 'give up when no record arrives for this long', '10000')
    .option('--consumer-property <k=v>', 'Java consumer property, repeatable', collectKeyValue)
    .action(async (flags: PerfFlags) => {
      const result = await consumePerf({
        options: clientOptions(flags, flags.consumerProperty, 'consumer'),
        topic: flags.topic,
        numRecords: intFlag('--num-records', flags.numRecords),
        groupId: flags.group ?? `kafka-wire-perf-${Date.now()}`,
        timeoutMs: intFlag('--timeout-ms', flags.timeoutMs),
        progress: progressBar('consume', intFlag('--num-records', flags.numRecords)),
      })
      printResult('consumed', result)
      if (result.records < intFlag('--num-records', flags.numRecords)) process.exitCode = 1
    })
}

export interface ProducePerfOptions {
  options: Record<string, any>
  topic: string
  numRecords: number
  recordSize: number
  throughput: number
  progress?: Progress
  key?: (i: number) => string | null
  value?: (i: number) => Buffer
}

/** Sends numRecords records as fast as allowed, timing each from send() to acknowledgement. */
export async function producePerf(o: ProducePerfOptions): Promise<PerfResult> {
  const producer = new Producer(o.options as ConstructorParameters<typeof Producer>[0])
  const payload = randomPayload(o.recordSize)
  const latency = new LatencyRecorder()
  // Like the Java producer's buffer.memory: bound what is queued, wait when it is full.
  const window = Math.max(1000, Math.floor((o.options.bufferMemory ?? 33554432) / (o.recordSize + 70)))
  let inFlight = 0
  let acked = 0
  let errors = 0
  let firstError: unknown = null
  let wake: (() => void) | null = null
  const tick = setInterval(() => o.progress?.update(acked), 100)
  tick.unref()
  const started = performance.now()
  try {
    for (let i = 0; i < o.numRecords; i++) {
      if (o.throughput > 0) {
        const due = started + (i / o.throughput) * 1000
        const wait = due - performance.now()
        if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      }
      const sentAt = performance.now()
      inFlight++
      producer
        .send({ topic: o.topic, key: o.key ? o.key(i) : null, value: o.value ? o.value(i) : payload })
        .then(
          () => latency.record(performance.now() - sentAt),
          (err: unknown) => {
            errors++
            firstError ??= err
          },
        )
        .finally(() => {
          acked++
          inFlight--
          if (wake !== null && inFlight < window / 2) {
            const w = wake
            wake = null
            w()
          }
        })
      if (inFlight >= window) await new Promise<void>((r) => (wake = r))
    }
    await producer.flush()
    while (inFlight > 0) await new Promise<void>((r) => (wake = r))
  } finally {
    clearInterval(tick)
    o.progress?.update(acked)
    o.progress?.stop()
    await producer.close()
  }
  const seconds = (performance.now() - started) / 1000
  if (errors > 0) process.stderr.write(`${errors} sends failed; first: ${(firstError as Error)?.message}\n`)
  return {
    records: o.numRecords - errors,
    bytes: (o.numRecords - errors) * o.recordSize,
    seconds,
    latency: latency.summary(),
    errors,
  }
}

export interface ConsumePerfOptions {
  options: Record<string, any>
  topic: string
  numRecords: number
  groupId: string
  timeoutMs: number
  progress?: Progress
}

/** Reads numRecords records; latency is each record's age when poll() returned it. */
export async function consumePerf(o: ConsumePerfOptions): Promise<PerfResult> {
  const consumer = new Consumer<Buffer | null, Buffer | null>({
    ...o.options,
    groupId: o.groupId,
    autoOffsetReset: 'earliest',
    enableAutoCommit: false,
  } as any)
  const latency = new LatencyRecorder()
  let records = 0
  let bytes = 0
  consumer.subscribe([o.topic])
  const started = performance.now()
  let lastRecordAt = started
  try {
    while (records < o.numRecords) {
      const batch = await consumer.poll(500)
      const now = Date.now()
      for (const r of batch) {
        records++
        bytes += r.value?.length ?? 0
        latency.record(now - r.timestamp)
      }
      o.progress?.update(records)
      if (batch.count > 0) lastRecordAt = performance.now()
      else if (performance.now() - lastRecordAt > o.timeoutMs) break
    }
  } finally {
    o.progress?.stop()
    await consumer.close()
  }
  const seconds = (performance.now() - started) / 1000
  return { records, bytes, seconds, latency: latency.summary(), errors: 0 }
}

function randomPayload(size: number): Buffer {
  // Printable letters, as ProducerPerformance generates them.
  const raw = randomBytes(size)
  for (let i = 0; i < size; i++) raw[i] = 65 + (raw[i]! % 26)
  return raw
}

/**
 * Prints ProducerPerformance's summary line (the benchmark suite parses it) and a table. With
 * `saturated` (no throughput cap), says what the latency figures are: at full speed a record waits
 * behind everything sent before it, so they measure the queue, not the round trip.
 */
export function printResult(verb: string, r: PerfResult, opts: { saturated?: boolean } = {}): void {
  const rate = r.records / r.seconds
  const mb = r.bytes / 1024 / 1024 / r.seconds
  const l = r.latency
  const f = (n: number) => n.toFixed(2)
  process.stdout.write(
    `${r.records} records ${verb}, ${f(rate)} records/sec (${f(mb)} MB/sec), ${f(l.avg)} ms avg latency, ` +
      `${f(l.max)} ms max latency, ${Math.round(l.p50)} ms 50th, ${Math.round(l.p95)} ms 95th, ` +
      `${Math.round(l.p99)} ms 99th, ${Math.round(l.p999)} ms 99.9th.\n\n`,
  )
  process.stdout.write(
    `${renderTable(
      ['records', 'records/s', 'MB/s', 'avg ms', 'max ms', 'p50 ms', 'p95 ms', 'p99 ms', 'p99.9 ms'],
      [[r.records, f(rate), f(mb), f(l.avg), f(l.max), f(l.p50), f(l.p95), f(l.p99), f(l.p999)]],
    )}\n`,
  )
  if (opts.saturated) {
    process.stdout.write(
      'Latency at saturation: records were sent as fast as possible, so each waited behind the ones before it ' +
        '(a queueing figure, not a round trip). Cap the rate with --throughput for a latency measurement.\n',
    )
  }
}

/**
 * The Java client, the reference: Kafka's own ProducerPerformance and ConsumerPerformance (from
 * the test kit's jars, through `kafka-wire/testing`), and drivers/java/BenchDriver.java for the
 * latency, group, slow-consume and transactional scenarios (compiled once per run against the
 * same jars). Peak RSS is the JVM's VmHWM, read from /proc while the tool runs.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { parseLine } from './drivers/harness.mjs'

const JAVA_HOME_BIN = (name) => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', name) : name)

const live = new Set()
let hooksInstalled = false

/**
 * Keep `child` from outliving the runner: on the runner's exit, and on SIGINT / SIGTERM / SIGHUP,
 * every tracked child still running is SIGKILLed (the Kafka tools are spawned by the kit, which
 * does the same for them). A runner killed with SIGKILL runs no handler: the drivers then notice
 * that their parent is gone and exit by themselves (harness.mjs, BenchDriver.java).
 */
export function trackChild(child) {
  if (!hooksInstalled) {
    hooksInstalled = true
    const killAll = () => {
      for (const c of live) c.kill('SIGKILL')
      live.clear()
    }
    process.on('exit', killAll)
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      const handler = () => {
        killAll()
        // Nobody else handles the signal: restore its default action (terminate).
        if (process.listenerCount(signal) === 1) {
          process.removeListener(signal, handler)
          process.kill(process.pid, signal)
        }
      }
      process.on(signal, handler)
    }
  }
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

/** A field of /proc/<pid>/status in kB (VmHWM, VmRSS); null once the process is gone. */
function procStatusKb(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null // exited
  }
}

const kbToMb = (kb) => Math.round((kb / 1024) * 10) / 10

/**
 * Peak RSS (MiB) of a process: VmHWM from /proc, polled until stop() — the last read is the peak.
 * mark() returns its current RSS (VmRSS, MiB), e.g. when the driver says it is connected (M2's
 * baseline); null when it cannot be read.
 */
export function watchRss(pid) {
  let peakKb = 0
  const read = () => {
    const kb = procStatusKb(pid, 'VmHWM')
    if (kb !== null) peakKb = Math.max(peakKb, kb)
  }
  read()
  const timer = setInterval(read, 100)
  return {
    mark() {
      read()
      const kb = procStatusKb(pid, 'VmRSS')
      return kb === null ? null : kbToMb(kb)
    },
    stop() {
      clearInterval(timer)
      read()
      return kbToMb(peakKb)
    },
  }
}

/** ProducerPerformance's final line → metrics. */
export function parseProducerPerformance(stdout) {
  const lines = stdout.trim().split('\n').reverse()
  for (const line of lines) {
    const m =
      /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th/.exec(
        line.trim(),
      )
    if (m) {
      const records = Number(m[1])
      const rate = Number(m[2])
      return {
        records,
        seconds: Math.round((records / rate) * 1000) / 1000,
        recordsPerSec: Math.round(rate),
        mbPerSec: Number(m[3]),
        sendP99Ms: Number(m[8]),
      }
    }
  }
  throw new Error(`no ProducerPerformance summary in output: ${stdout.slice(-300)}`)
}

/** ConsumerPerformance's CSV data line (with --hide-header) → metrics. */
export function parseConsumerPerformance(stdout) {
  const lines = stdout.trim().split('\n').reverse()
  for (const line of lines) {
    const f = line.split(',').map((x) => x.trim())
    if (f.length >= 10 && /^\d/.test(f[0]) && Number.isFinite(Number(f[4]))) {
      const records = Number(f[4])
      const rate = Number(f[5])
      return {
        records,
        seconds: Math.round((records / rate) * 1000) / 1000,
        recordsPerSec: Math.round(rate),
        mbPerSec: Number(f[3]),
        rebalanceMs: Number(f[6]),
        fetchRecordsPerSec: Math.round(Number(f[9])),
      }
    }
  }
  throw new Error(`no ConsumerPerformance data line in output: ${stdout.slice(-300)}`)
}

/**
 * ShareConsumerPerformance's share-group line (with --hide-header): start.time, end.time,
 * data.consumed.in.MB, MB.sec, nMsg.sec, data.consumed.in.nMsg, fetch.time.ms → metrics. The
 * per-consumer lines (--show-consumer-stats: "Share consumer N consumption metrics- ", from 4.4
 * "Share consumer N having client id X consumption metrics- ", then the same fields) give
 * minPerConsumer, the fewest records any one consumer got.
 */
export function parseShareConsumerPerformance(stdout) {
  const fields = (line) => line.split(',').map((x) => x.trim())
  const perConsumer = []
  let total = null
  for (const line of stdout.trim().split('\n')) {
    const m = /^Share consumer .*? consumption metrics- (.*)$/.exec(line.trim())
    const f = fields(m ? m[1] : line)
    if (f.length !== 7 || !/^\d/.test(f[0]) || !Number.isFinite(Number(f[5])) || !Number.isFinite(Number(f[6])))
      continue
    if (m) perConsumer.push(Number(f[5]))
    else total = f
  }
  if (total === null) throw new Error(`no ShareConsumerPerformance data line in output: ${stdout.slice(-300)}`)
  return {
    records: Number(total[5]),
    seconds: Number(total[6]) / 1000,
    recordsPerSec: Math.round(Number(total[4])),
    mbPerSec: Number(total[3]),
    ...(perConsumer.length > 0 ? { minPerConsumer: Math.min(...perConsumer) } : {}),
  }
}

/** EndToEndLatency's summary lines → metrics (the tool reports whole milliseconds). */
export function parseEndToEndLatency(stdout) {
  const avg = /Avg latency: ([\d.]+) ms/.exec(stdout)
  const p = /Percentiles: 50th = (\d+), 99th = (\d+), 99\.9th = (\d+)/.exec(stdout)
  if (!avg || !p) throw new Error(`no EndToEndLatency summary in output: ${stdout.slice(-300)}`)
  return { avgMs: Number(avg[1]), p50Ms: Number(p[1]), p99Ms: Number(p[2]), p999Ms: Number(p[3]) }
}

export class JavaClient {
  #testing
  #classesDir = null

  /** testing: the kit module (kafka-wire/testing); libDir: the Kafka jars the broker runs from. */
  constructor(testing, libDir) {
    this.#testing = testing
    this.libDir = libDir
  }

  /** Run a tool to completion with RSS watching; resolves { stdout, stderr, code, peakRssMb }. */
  async #tool(className, args, timeoutMs) {
    const proc = await this.#testing.spawnJavaTool(this.libDir, className, args, { heapMb: 512, timeoutMs })
    return this.#collect(proc.child)
  }

  #collect(child, rss = watchRss(child.pid)) {
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    return new Promise((resolve, reject) => {
      child.once('error', reject)
      child.once('close', (code, signal) => resolve({ stdout, stderr, code, signal, peakRssMb: rss.stop() }))
    })
  }

  async produce(spec, payloadFile) {
    const props = [
      `acks=${spec.acks}`,
      `enable.idempotence=${spec.idempotent}`,
      `linger.ms=${spec.lingerMs}`,
      `batch.size=${spec.batchSize}`,
      `compression.type=${spec.compression}`,
      'client.id=bench-java',
      ...tlsProperties(spec),
    ]
    const args = [
      '--topic',
      spec.topic,
      '--num-records',
      String(spec.records),
      '--throughput',
      '-1',
      ...(spec.valueKind === 'json' ? ['--payload-file', payloadFile] : ['--record-size', String(spec.valueSize)]),
      '--bootstrap-server',
      spec.bootstrap,
      '--command-property',
      ...props,
    ]
    const r = await this.#tool(this.#testing.JAVA_TOOLS.producerPerformance, args, spec.timeoutMs)
    if (r.code !== 0) throw new Error(`ProducerPerformance exited ${r.code ?? r.signal}: ${tail(r.stderr || r.stdout)}`)
    return { ...parseProducerPerformance(r.stdout), peakRssMb: r.peakRssMb }
  }

  async consume(spec) {
    const args = [
      '--bootstrap-server',
      spec.bootstrap,
      '--topic',
      spec.topic,
      '--num-records',
      String(spec.records),
      '--group',
      spec.groupId,
      '--timeout',
      '60000',
      '--hide-header',
      // (ConsumerPerformance takes one property per --command-property, ProducerPerformance a list.)
      ...tlsProperties(spec).flatMap((p) => ['--command-property', p]),
    ]
    const r = await this.#tool(this.#testing.JAVA_TOOLS.consumerPerformance, args, spec.timeoutMs)
    if (r.code !== 0) throw new Error(`ConsumerPerformance exited ${r.code ?? r.signal}: ${tail(r.stderr || r.stdout)}`)
    const metrics = parseConsumerPerformance(r.stdout)
    if (metrics.records < spec.records)
      throw new Error(`ConsumerPerformance read ${metrics.records} of ${spec.records}`)
    return { ...metrics, peakRssMb: r.peakRssMb }
  }

  /**
   * S1/S2 with Kafka's own ShareConsumerPerformance: spec.consumers share consumers in one JVM
   * (--threads), on a share group whose share.auto.offset.reset the runner set to earliest.
   */
  async shareConsume(spec) {
    const args = [
      '--bootstrap-server',
      spec.bootstrap,
      '--topic',
      spec.topic,
      '--num-records',
      String(spec.records),
      '--group',
      spec.groupId,
      '--threads',
      String(spec.consumers ?? 1),
      '--timeout',
      '60000',
      '--hide-header',
      '--show-consumer-stats',
    ]
    const r = await this.#tool(this.#testing.JAVA_TOOLS.shareConsumerPerformance, args, spec.timeoutMs)
    if (r.code !== 0)
      throw new Error(`ShareConsumerPerformance exited ${r.code ?? r.signal}: ${tail(r.stderr || r.stdout)}`)
    const metrics = parseShareConsumerPerformance(r.stdout)
    if (metrics.records < spec.records)
      throw new Error(`ShareConsumerPerformance read ${metrics.records} of ${spec.records}`)
    return { ...metrics, consumers: spec.consumers ?? 1, peakRssMb: r.peakRssMb }
  }

  /** L2 with Kafka's own EndToEndLatency: send one record, wait until it is consumed, repeat. */
  async endToEndLatency(spec) {
    const args = [
      '--bootstrap-server',
      spec.bootstrap,
      '--topic',
      spec.topic,
      '--num-records',
      String(spec.records),
      '--producer-acks',
      String(spec.acks),
      '--record-size',
      String(spec.valueSize),
    ]
    const r = await this.#tool(this.#testing.JAVA_TOOLS.endToEndLatency, args, spec.timeoutMs)
    if (r.code !== 0) throw new Error(`EndToEndLatency exited ${r.code ?? r.signal}: ${tail(r.stderr || r.stdout)}`)
    return { ...parseEndToEndLatency(r.stdout), peakRssMb: r.peakRssMb }
  }

  /** Compile BenchDriver.java once (javac against the kit's jars). */
  async #compile() {
    if (this.#classesDir) return this.#classesDir
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kw-bench-java-'))
    const src = new URL('./drivers/java/BenchDriver.java', import.meta.url).pathname
    const r = await this.#collect(
      trackChild(
        spawn(JAVA_HOME_BIN('javac'), ['-nowarn', '-cp', `${this.libDir}/*`, '-d', dir, src], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      ),
    )
    if (r.code !== 0) throw new Error(`javac BenchDriver.java failed: ${tail(r.stderr)}`)
    this.#classesDir = dir
    return dir
  }

  /** latency, group, slow-consume, txn-produce and txn-latency scenarios through BenchDriver. */
  async driver(spec) {
    const dir = await this.#compile()
    const log4j = path.join(dir, 'log4j2.properties')
    await fs.writeFile(log4j, this.#testing.TOOLS_LOG4J2_PROPERTIES ?? 'rootLogger.level = WARN\n')
    const keys = [
      'kind',
      'bootstrap',
      'topic',
      'groupId',
      'records',
      'warmupRecords',
      'valueSize',
      'mode',
      'rate',
      'acks',
    ]
    const gkeys = [
      'members',
      'partitions',
      'quietMs',
      'stableTimeoutMs',
      'sessionTimeoutMs',
      'heartbeatIntervalMs',
      'groupProtocol',
    ]
    const skeys = ['durationMs', 'fetchMaxBytes', 'maxPartitionFetchBytes', 'maxPollRecords', 'pauseMs']
    const tkeys = {
      'txn-produce': ['transactionalId', 'recordsPerTransaction', 'lingerMs', 'batchSize'],
      'txn-latency': ['transactionalId', 'outputTopic', 'readerGroupId'],
    }
    const args = [...keys, ...gkeys, ...skeys, ...(tkeys[spec.kind] ?? [])]
      .filter((k) => spec[k] !== undefined)
      .map((k) => `${k}=${spec[k]}`)
    const child = spawnTracked(
      JAVA_HOME_BIN('java'),
      [
        '-Xmx512m',
        '-XX:+UseG1GC',
        `-Dlog4j2.configurationFile=${log4j}`,
        '-cp',
        `${dir}:${this.libDir}/*`,
        'BenchDriver',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs)
    const rss = watchRss(child.pid)
    const lines = []
    let baseRssMb
    createInterface({ input: child.stdout }).on('line', (l) => {
      // A `mark` line (M2: connected, nothing fetched yet): the RSS now is the baseline.
      if (parseLine(l)?.type === 'mark') baseRssMb = rss.mark()
      else lines.push(l)
    })
    const r = await this.#collect(child, rss)
    clearTimeout(timer)
    const msg = lines.map(parseLine).find((m) => m !== null)
    if (!msg) throw new Error(`BenchDriver gave no result (exit ${r.code ?? r.signal}): ${tail(r.stderr)}`)
    if (msg.type === 'error') throw new Error(msg.message)
    if (msg.type === 'unsupported')
      throw Object.assign(new Error(`BenchDriver: ${msg.message ?? ''} is not implemented`), { unsupported: true })
    if (msg.type !== 'result') throw new Error(`BenchDriver: ${msg.type} ${msg.message ?? ''}`)
    return { ...msg.metrics, peakRssMb: r.peakRssMb, ...(baseRssMb === undefined ? {} : { baseRssMb }) }
  }
}

const spawnTracked = (...args) => trackChild(spawn(...args))

function tail(s, n = 600) {
  const t = String(s ?? '').trim()
  return t.length > n ? `…${t.slice(-n)}` : t
}

/** The Java client's properties for a TLS scenario (P2-TLS, C2-TLS): SSL, trusting the kit's CA. */
export function tlsProperties(spec) {
  if (!spec.tls) return []
  return [
    'security.protocol=SSL',
    `ssl.truststore.location=${spec.tls.truststore}`,
    `ssl.truststore.password=${spec.tls.password}`,
    'ssl.truststore.type=PKCS12',
  ]
}

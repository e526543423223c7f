/**
 * What every Node driver shares: the stdout protocol, the run loop, latency recording, pacing
 * and the group-stability tracker. Plain ESM without dependencies, so it runs on Node 20 (the
 * project's Node) and on the registry's Node 22 (for @platformatic/kafka).
 *
 * Protocol: the runner spawns `node <driver>.mjs '<json spec>'`. The driver writes one line
 * `@@bench {"type":"result","metrics":{...}}` (or `"type":"error"` / `"type":"unsupported"`) on
 * stdout and exits. Every other stdout line (a client's own logging) is ignored by the runner;
 * stderr is kept in the run's log.
 */

const PREFIX = '@@bench '

export function emit(type, data = {}) {
  process.stdout.write(`${PREFIX}${JSON.stringify({ type, ...data })}\n`)
}

/**
 * M2: tell the runner that the client is connected and has fetched nothing yet (the runner reads
 * the process's RSS from /proc on this line: the baseline), then give it a moment to read it.
 */
export async function markConnected() {
  emit('mark', { name: 'connected' })
  await sleep(300)
}

/**
 * M2's application: records are handed over in polls (or batches) of at most spec.maxPollRecords,
 * and the application pauses spec.pauseMs after each (about 2,000 records/s). The clock of
 * spec.durationMs starts at the first record handed over, so a group join (the clients without
 * assign()) is not part of the slow read. `received(n, bytes)` after each poll; `done()` says when
 * to stop; `metrics()` for the result.
 */
export class SlowReader {
  records = 0
  bytes = 0
  #spec
  #first = 0

  constructor(spec) {
    this.#spec = spec
  }

  received(count, bytes) {
    if (count > 0 && this.#first === 0) this.#first = performance.now()
    this.records += count
    this.bytes += bytes
  }

  done() {
    return this.#first !== 0 && performance.now() - this.#first >= this.#spec.durationMs
  }

  metrics() {
    const seconds = this.#first === 0 ? 0 : (performance.now() - this.#first) / 1000
    return {
      records: this.records,
      seconds: round(seconds, 3),
      recordsPerSec: seconds > 0 ? round(this.records / seconds, 0) : 0,
      mbRead: round(this.bytes / 1024 / 1024, 1),
    }
  }
}

/** Parse a driver line; null when the line is not protocol. */
export function parseLine(line) {
  if (!line.startsWith(PREFIX)) return null
  try {
    return JSON.parse(line.slice(PREFIX.length))
  } catch {
    return null
  }
}

/** Peak RSS of this process in MiB (the kernel's high-water mark). */
export function peakRssMb() {
  return process.resourceUsage().maxRSS / 1024
}

/**
 * Run the scenario named by spec.kind with the driver's implementation and report. Exits the
 * process afterwards: some clients keep timers or sockets alive after close().
 */
export async function runDriver(impl, info = {}) {
  let spec
  try {
    spec = JSON.parse(process.argv[2] ?? '')
  } catch {
    emit('error', { message: 'usage: node <driver>.mjs <json spec>' })
    process.exit(2)
  }
  const fn = impl[spec.kind]
  if (typeof fn !== 'function') {
    emit('unsupported', { message: `${spec.kind} is not implemented by this driver` })
    process.exit(0)
  }
  // Group scenarios under the consumer protocol (KIP-848) only for drivers that declare it.
  const protocol = spec.groupProtocol ?? 'classic'
  if (spec.kind === 'group' && !(info.groupProtocols ?? ['classic']).includes(protocol)) {
    emit('unsupported', { message: `groupProtocol ${protocol} is not implemented by this driver` })
    process.exit(0)
  }
  // Consume scenarios with a kafkajs handler (C1m) only for the drivers of kafkajs's API.
  if (spec.handler !== undefined && !(info.handlers ?? []).includes(spec.handler)) {
    emit('unsupported', { message: `the ${spec.handler} handler is kafkajs's API, not this client's` })
    process.exit(0)
  }
  // A client promise that never settles while nothing keeps the event loop alive would end the
  // process with exit code 13 (unsettled top-level await) and no word: say what happened.
  process.once('beforeExit', () => {
    emit('error', {
      message: `${spec.kind}: the event loop emptied before the scenario finished — a promise of the client never settled and no socket or timer was left to settle it`,
    })
    process.exit(4)
  })
  const watchdog = setTimeout(() => {
    emit('error', { message: `driver timed out after ${spec.timeoutMs} ms` })
    process.exit(3)
  }, spec.timeoutMs ?? 600_000)
  watchdog.unref()
  // The runner killed without a chance to kill its drivers (SIGKILL): this process is reparented.
  const parent = process.ppid
  setInterval(() => process.ppid !== parent && process.exit(5), 1000).unref()
  try {
    const metrics = await fn(spec)
    metrics.peakRssMb = round(peakRssMb(), 1)
    emit('result', { metrics, info: { node: process.version, ...info } })
    process.exit(0)
  } catch (err) {
    // A driver marks what its client cannot do (e.g. a codec its build lacks): not a failed run.
    if (err?.unsupported === true) {
      emit('unsupported', { message: err.message })
      process.exit(0)
    }
    emit('error', { message: err instanceof Error ? `${err.name}: ${err.message}` : String(err), stack: err?.stack })
    process.exit(1)
  }
}

export function round(x, digits = 2) {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** Throughput metrics from a count, the bytes of payload and the elapsed milliseconds. */
export function throughput(records, bytes, elapsedMs) {
  const seconds = elapsedMs / 1000
  return {
    records,
    seconds: round(seconds, 3),
    recordsPerSec: round(records / seconds, 0),
    mbPerSec: round(bytes / 1024 / 1024 / seconds, 2),
  }
}

/** Latency samples in milliseconds; percentiles as Java's tools compute them (sorted index p·n). */
export class Latencies {
  #samples
  #count = 0

  constructor(capacity = 1 << 16) {
    this.#samples = new Float64Array(capacity)
  }

  record(ms) {
    if (this.#count === this.#samples.length) {
      const next = new Float64Array(this.#samples.length * 2)
      next.set(this.#samples)
      this.#samples = next
    }
    this.#samples[this.#count++] = ms
  }

  get count() {
    return this.#count
  }

  summary() {
    const s = this.#samples.slice(0, this.#count).sort()
    const at = (p) => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(p * s.length))])
    let sum = 0
    for (const x of s) sum += x
    return {
      count: s.length,
      avgMs: round(s.length ? sum / s.length : 0, 3),
      p50Ms: round(at(0.5), 3),
      p99Ms: round(at(0.99), 3),
      p999Ms: round(at(0.999), 3),
      maxMs: round(s.length ? s[s.length - 1] : 0, 3),
    }
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Drive `sendDue(from, count)` at `rate` records/s for `total` records: every tick (≈1 ms) it is
 * asked for the records that are due by now, so the long-run rate is exact whatever the timer
 * granularity. Resolves with the elapsed ms when every record has been handed to sendDue.
 */
export async function paced(rate, total, sendDue) {
  const started = performance.now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000))
    if (due > sent) {
      await sendDue(sent, due - sent)
      sent = due
    }
    if (sent < total) await new Promise((resolve) => setTimeout(resolve, 1))
  }
  return performance.now() - started
}

/**
 * A latency value: `size` bytes whose first 8 bytes carry the send time (performance.now(), a
 * float64, same process for producer and consumer) and whose next 4 bytes carry the sequence.
 */
export function stampedValue(template, seq) {
  const v = Buffer.from(template)
  v.writeDoubleLE(performance.now(), 0)
  v.writeUInt32LE(seq, 8)
  return v
}

export function stampOf(value) {
  return value.readDoubleLE(0)
}

export function seqOf(value) {
  return value.readUInt32LE(8)
}

/**
 * Latency scenario plumbing shared by the drivers. The driver supplies:
 *   send(values: Buffer[]) → Promise   (one call per tick; the values of that tick)
 * and calls `received(value)` for every consumed record. mode 'rate': records at spec.rate/s for
 * spec.records records, the first spec.warmupRecords not counted. mode 'sync': one record at a
 * time, each sent when the previous one was consumed (Kafka's EndToEndLatency).
 */
export class LatencyRun {
  latencies = new Latencies()
  #spec
  #template
  #received = 0
  #waiting = null
  #waitingSeq = -1

  constructor(spec) {
    this.#spec = spec
    this.#template = Buffer.alloc(Math.max(12, spec.valueSize), 0x61)
  }

  received(value) {
    const ms = performance.now() - stampOf(value)
    const seq = seqOf(value)
    this.#received++
    if (seq >= (this.#spec.warmupRecords ?? 0)) this.latencies.record(ms)
    if (this.#waiting && seq === this.#waitingSeq) {
      const w = this.#waiting
      this.#waiting = null
      w()
    }
    if (this.#received >= this.#spec.records && this.#allDone) this.#allDone()
  }

  #allDone = null

  /** Runs the producing side and resolves once every record was consumed. */
  async run(send) {
    const spec = this.#spec
    const done = new Promise((resolve) => {
      this.#allDone = resolve
      if (this.#received >= spec.records) resolve()
    })
    let elapsedMs
    if (spec.mode === 'sync') {
      const started = performance.now()
      for (let i = 0; i < spec.records; i++) {
        const arrived = new Promise((resolve) => {
          this.#waiting = resolve
          this.#waitingSeq = i
        })
        await send([stampedValue(this.#template, i)])
        await arrived
      }
      elapsedMs = performance.now() - started
    } else {
      // Fire and forget: the pacing loop never waits for acknowledgements (a slow ack must not
      // lower the offered rate); failures are collected and fail the run.
      let failure = null
      elapsedMs = await paced(spec.rate, spec.records, (from, count) => {
        const values = new Array(count)
        for (let k = 0; k < count; k++) values[k] = stampedValue(this.#template, from + k)
        Promise.resolve()
          .then(() => send(values))
          .catch((err) => {
            failure ??= err
            this.#allDone?.()
          })
      })
      await done
      if (failure) throw failure
    }
    await done
    return {
      ...this.latencies.summary(),
      achievedRate: round((spec.records * 1000) / elapsedMs, 0),
    }
  }
}

/**
 * Group stability. Drivers report each member's current assignment (an array of partition
 * numbers; [] on revocation) with `assigned(member, partitions)`. The group is stable when the
 * members' assignments are disjoint, together cover every partition, every live member has
 * received an assignment, and nothing changed for `quietMs`; the time reported is the moment of
 * the last change (so the quiet period itself is not counted).
 */
export class GroupTracker {
  #partitions
  #assignments = new Map()
  #live = new Set()
  lastChange = 0

  constructor(partitions) {
    this.#partitions = partitions
  }

  join(member) {
    this.#live.add(member)
  }

  leave(member) {
    this.#live.delete(member)
    this.#assignments.delete(member)
    this.lastChange = performance.now()
  }

  assigned(member, partitions) {
    this.#assignments.set(
      member,
      [...partitions].sort((a, b) => a - b),
    )
    this.lastChange = performance.now()
  }

  assignmentOf(member) {
    return this.#assignments.get(member) ?? []
  }

  complete() {
    const seen = new Set()
    for (const m of this.#live) {
      const a = this.#assignments.get(m)
      if (!a) return false
      for (const p of a) {
        if (seen.has(p)) return false
        seen.add(p)
      }
    }
    return seen.size === this.#partitions
  }

  /** Resolves with the time of the last change once the group has been complete and quiet for quietMs. */
  async waitStable(quietMs, timeoutMs) {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const now = performance.now()
      if (this.complete() && now - this.lastChange >= quietMs) return this.lastChange
      if (now > deadline) {
        const state = [...this.#live].map((m) => `${m}:[${this.#assignments.get(m)?.join(',') ?? '-'}]`).join(' ')
        throw new Error(`group not stable after ${timeoutMs} ms: ${state}`)
      }
      await sleep(10)
    }
  }
}

/**
 * G1: start spec.members members at once, time until the group is stable; then close one member
 * that owns partitions and time until the others are stable again (a group of 1 has no others:
 * rebalanceMs is null). `createMember(i, tracker)` returns { start(): Promise, close(): Promise };
 * the member calls tracker.assigned(i, ...) on every assignment change. `onStable()`, untimed, runs
 * once the group is first stable (e.g. to check how the broker sees it).
 */
export async function groupScenario(spec, createMember, { onStable } = {}) {
  const tracker = new GroupTracker(spec.partitions)
  const members = []
  for (let i = 0; i < spec.members; i++) {
    tracker.join(i)
    members.push(await createMember(i, tracker))
  }
  const t0 = performance.now()
  tracker.lastChange = t0
  await Promise.all(members.map((m) => m.start()))
  const stableAt = await tracker.waitStable(spec.quietMs, spec.stableTimeoutMs)
  await onStable?.()
  let leaver = 0
  while (leaver < members.length - 1 && tracker.assignmentOf(leaver).length === 0) leaver++
  const t1 = performance.now()
  tracker.leave(leaver)
  await members[leaver].close()
  const closeMs = performance.now() - t1
  const rebalancedAt = members.length > 1 ? await tracker.waitStable(spec.quietMs, spec.stableTimeoutMs) : null
  await Promise.all(members.filter((_, i) => i !== leaver).map((m) => m.close().catch(() => undefined)))
  return {
    members: spec.members,
    partitions: spec.partitions,
    stabiliseMs: round(stableAt - t0, 1),
    rebalanceMs: rebalancedAt === null ? null : round(rebalancedAt - t1, 1),
    leaverCloseMs: round(closeMs, 1),
  }
}

/**
 * Bounded fire-and-count producing for clients whose send() returns one promise per record:
 * at most `window` records unacknowledged (like the Java producer's buffer.memory bound; the
 * perf loops of Kafka's ProducerPerformance and `kafka-wire perf produce` do the same).
 * `blocked()`, when given, is the client's own "send() would block now" signal (its buffer
 * memory is full): the loop pauses while it holds, as ProducerPerformance's thread does inside a
 * blocked send(), instead of queueing up to `window` records outside the client's buffer.
 * Resolves with { elapsedMs, errors, firstError, latencies } after every record was acked.
 * Completion is counted with two shared handlers; only one record in LATENCY_SAMPLE_EVERY gets a
 * handler of its own to time send() → acknowledgement. A closure and a timestamp per record, alive
 * until the record is acked, are harness work, not the client's, which the batch-API clients pay
 * once per 1,000 records; they cost kafka-wire about a tenth of its P3 throughput (A/B in
 * docs/performance.md, "Benchmark suite").
 */
export const LATENCY_SAMPLE_EVERY = 16

export async function windowedSends(total, window, sendOne, blocked) {
  const latencies = new Latencies(Math.ceil(total / LATENCY_SAMPLE_EVERY))
  let inFlight = 0
  let errors = 0
  let firstError = null
  let wake = null
  const started = performance.now()
  const settled = () => {
    inFlight--
    if (wake !== null && inFlight <= window / 2) {
      const w = wake
      wake = null
      w()
    }
  }
  const failed = (err) => {
    errors++
    firstError ??= err ?? new Error('send failed')
    settled()
  }
  for (let i = 0; i < total; i++) {
    inFlight++
    if (i % LATENCY_SAMPLE_EVERY === 0) {
      // A sampled record: its own handler, to time send() → acknowledgement.
      const sentAt = performance.now()
      sendOne(i).then(() => {
        latencies.record(performance.now() - sentAt)
        settled()
      }, failed)
    } else sendOne(i).then(settled, failed)
    if (inFlight >= window) await new Promise((resolve) => (wake = resolve))
    else if (blocked !== undefined && (i & 255) === 0) while (blocked()) await sleep(1)
  }
  while (inFlight > 0) await new Promise((resolve) => (wake = resolve))
  return { elapsedMs: performance.now() - started, errors, firstError, latencies }
}

/**
 * Batch producing for clients whose API takes an array (kafkajs sendBatch, platformatic send):
 * batches of spec.sendBatchRecords, at most `concurrency` batch calls outstanding.
 */
export async function batchedSends(total, batchRecords, concurrency, sendBatch) {
  let next = 0
  let errors = 0
  let firstError = null
  const started = performance.now()
  const worker = async () => {
    while (next < total) {
      const from = next
      const count = Math.min(batchRecords, total - from)
      next += count
      try {
        await sendBatch(from, count)
      } catch (err) {
        errors += count
        firstError ??= err
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { elapsedMs: performance.now() - started, errors, firstError }
}

/**
 * Transactional producing (T1–T4), as ProducerPerformance's transactional loop: one transaction
 * after another (begin, its records, commit), never two open at once. `runTransaction(from,
 * count)` runs one whole transaction of records from..from+count-1 and resolves when its commit
 * has returned. The clock starts here, so the driver's initTransactions() (or connect()) is not
 * timed, as the tool's clock starts after it. Resolves with { elapsedMs, transactions }.
 */
export async function transactionalSends(total, perTransaction, runTransaction) {
  let transactions = 0
  const started = performance.now()
  for (let from = 0; from < total; from += perTransaction) {
    await runTransaction(from, Math.min(perTransaction, total - from))
    transactions++
  }
  return { elapsedMs: performance.now() - started, transactions }
}

export function failOnErrors(result, what = 'records') {
  if (result.errors > 0) {
    const m = result.firstError instanceof Error ? result.firstError.message : String(result.firstError)
    throw new Error(`${result.errors} ${what} failed; first: ${m}`)
  }
}

/**
 * Apache Kafka's own system-test clients, VerifiableConsumer and VerifiableProducer, run from the
 * kit's jars: the Java client as a group member or a producer next to kafka-wire (mixed groups,
 * interop), observed through the JSON line each prints per event on stdout.
 *
 *   await using java = await startVerifiableConsumer(libDir, {
 *     bootstrapServers, topic, groupId, groupProtocol: 'consumer',
 *   })
 *   await java.untilAssigned()
 *   await java.untilConsumed(100)
 *
 * The events are parsed into a typed union (parseVerifiableEvent); a VerifiableConsumer keeps its
 * current assignment from its partitions_assigned / partitions_revoked events (the Java listener
 * is told increments under cooperative assignors and the 'consumer' protocol, everything under
 * eager ones: adding and removing covers both). The JVM is killed by pid on every exit path:
 * stop(), kill(), asyncDispose, and the kit's exit hooks and watchdog (spawnWatched).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { topicPartitionKey } from '../internal/topic-partition.js'
import { JAVA_TOOLS, type JavaToolProcess, spawnJavaTool } from './java-tool.js'
import type { KafkaCluster } from './types.js'

export interface VerifiablePartition {
  topic: string
  partition: number
}

/** One JSON line of VerifiableConsumer or VerifiableProducer; `timestamp` is the JVM's wall clock (ms). */
export type VerifiableEvent =
  | { name: 'startup_complete'; timestamp: number }
  | { name: 'shutdown_requested'; timestamp: number }
  | { name: 'shutdown_complete'; timestamp: number }
  | { name: 'partitions_assigned'; timestamp: number; partitions: VerifiablePartition[] }
  | { name: 'partitions_revoked'; timestamp: number; partitions: VerifiablePartition[] }
  | {
      name: 'records_consumed'
      timestamp: number
      count: number
      partitions: (VerifiablePartition & { count: number; minOffset: number; maxOffset: number })[]
    }
  | {
      name: 'record_data'
      timestamp: number
      topic: string
      partition: number
      offset: number
      key: string | null
      value: string | null
    }
  | {
      name: 'offsets_committed'
      timestamp: number
      offsets: (VerifiablePartition & { offset: number })[]
      success: boolean
      error?: string
    }
  | {
      name: 'producer_send_success'
      timestamp: number
      topic: string
      partition: number
      offset: number
      key: string | null
      value: string | null
    }
  | {
      name: 'producer_send_error'
      timestamp: number
      topic: string
      key: string | null
      value: string | null
      exception: string
      message: string
    }
  | {
      name: 'tool_data'
      timestamp: number
      sent: number
      acked: number
      targetThroughput: number
      avgThroughput: number
    }
  /** A JSON event this parser does not know (a newer Kafka's), kept whole. */
  | { name: 'unknown'; timestamp: number; eventName: string; raw: Record<string, unknown> }

/** A line that is not one of the tools' JSON events. */
export class VerifiableEventError extends Error {
  readonly line: string
  constructor(message: string, line: string) {
    super(`${message}: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`)
    this.name = 'VerifiableEventError'
    this.line = line
  }
}

function field<T>(o: Record<string, unknown>, key: string, type: 'number' | 'string' | 'boolean', line: string): T {
  const v = o[key]
  if (typeof v !== type) throw new VerifiableEventError(`'${key}' is not a ${type}`, line)
  return v as T
}

function nullableString(o: Record<string, unknown>, key: string, line: string): string | null {
  const v = o[key]
  if (v === null || v === undefined) return null
  if (typeof v !== 'string') throw new VerifiableEventError(`'${key}' is not a string`, line)
  return v
}

function partitionList(o: Record<string, unknown>, line: string): Record<string, unknown>[] {
  const v = o['partitions'] ?? o['offsets']
  if (!Array.isArray(v) || v.some((p) => typeof p !== 'object' || p === null))
    throw new VerifiableEventError('partitions is not a list of objects', line)
  return v as Record<string, unknown>[]
}

function tp(p: Record<string, unknown>, line: string): VerifiablePartition {
  return { topic: field(p, 'topic', 'string', line), partition: field(p, 'partition', 'number', line) }
}

/**
 * One stdout line of VerifiableConsumer / VerifiableProducer. Returns null for a line that is not
 * a JSON object (the tools print "Bad data can't be written as json" and the JVM may print
 * warnings); throws VerifiableEventError for a JSON object whose known event lacks a field.
 */
export function parseVerifiableEvent(line: string): VerifiableEvent | null {
  const text = line.trim()
  if (!text.startsWith('{')) return null
  let o: Record<string, unknown>
  try {
    o = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null
  const name = field<string>(o, 'name', 'string', line)
  const timestamp = field<number>(o, 'timestamp', 'number', line)
  switch (name) {
    case 'startup_complete':
    case 'shutdown_requested':
    case 'shutdown_complete':
      return { name, timestamp }
    case 'partitions_assigned':
    case 'partitions_revoked':
      return { name, timestamp, partitions: partitionList(o, line).map((p) => tp(p, line)) }
    case 'records_consumed':
      return {
        name,
        timestamp,
        count: field(o, 'count', 'number', line),
        partitions: partitionList(o, line).map((p) => ({
          ...tp(p, line),
          count: field(p, 'count', 'number', line),
          minOffset: field(p, 'minOffset', 'number', line),
          maxOffset: field(p, 'maxOffset', 'number', line),
        })),
      }
    case 'record_data':
    case 'producer_send_success':
      return {
        name,
        timestamp,
        ...tp(o, line),
        offset: field(o, 'offset', 'number', line),
        key: nullableString(o, 'key', line),
        value: nullableString(o, 'value', line),
      }
    case 'offsets_committed': {
      const error = nullableString(o, 'error', line)
      return {
        name,
        timestamp,
        offsets: partitionList(o, line).map((p) => ({ ...tp(p, line), offset: field(p, 'offset', 'number', line) })),
        success: field(o, 'success', 'boolean', line),
        ...(error === null ? {} : { error }),
      }
    }
    case 'producer_send_error':
      return {
        name,
        timestamp,
        topic: field(o, 'topic', 'string', line),
        key: nullableString(o, 'key', line),
        value: nullableString(o, 'value', line),
        exception: nullableString(o, 'exception', line) ?? '',
        message: nullableString(o, 'message', line) ?? '',
      }
    case 'tool_data':
      return {
        name,
        timestamp,
        sent: field(o, 'sent', 'number', line),
        acked: field(o, 'acked', 'number', line),
        targetThroughput: field(o, 'target_throughput', 'number', line),
        avgThroughput: field(o, 'avg_throughput', 'number', line),
      }
    default:
      return { name: 'unknown', timestamp, eventName: name, raw: o }
  }
}

export interface VerifiableToolOptions {
  bootstrapServers: string
  topic: string
  /** More client configs, written to a --command-config properties file. */
  config?: Record<string, string | number | boolean>
  /** JVM heap in MiB (default 256). */
  heapMb?: number
}

export interface VerifiableConsumerOptions extends VerifiableToolOptions {
  groupId: string
  /** --group-protocol (default 'classic', as the tool). */
  groupProtocol?: 'classic' | 'consumer'
  /** --group-remote-assignor ('uniform', 'range'): 'consumer' protocol only. */
  groupRemoteAssignor?: string
  groupInstanceId?: string
  /** Stop after this many records (default: run until stopped). */
  maxMessages?: number
  /** --session-timeout: classic protocol only (the tool rejects it under 'consumer'). */
  sessionTimeoutMs?: number
  /** A record_data event per record (default true: tests want the values). */
  verbose?: boolean
  /** Auto-commit; otherwise (the default) commitSync after every poll. */
  enableAutoCommit?: boolean
  closeTimeoutMs?: number
  resetPolicy?: 'earliest' | 'latest' | 'none'
  /** --assignment-strategy, a Java class name: classic protocol only. */
  assignmentStrategy?: string
}

export interface VerifiableProducerOptions extends VerifiableToolOptions {
  /** Records to send (default: until stopped). Values are the sequence numbers 0, 1, 2 … */
  maxMessages?: number
  /** Records per second (default: unthrottled). */
  throughput?: number
  acks?: -1 | 0 | 1 | 'all'
  /** Values become `<prefix>.<n>` (an integer: the tool rejects anything else). */
  valuePrefix?: number
  /** Keys 0 … n−1, repeating (default: no key). */
  repeatingKeys?: number
}

/** Why a wait ended without its condition. */
export class VerifiableToolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'VerifiableToolError'
  }
}

/** A running VerifiableConsumer or VerifiableProducer, with its events as they arrive. */
export class VerifiableTool implements AsyncDisposable {
  readonly name: string
  readonly events: VerifiableEvent[] = []
  /** Exit code and signal once the JVM is gone. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  readonly #process: JavaToolProcess
  readonly #tempDir: string | undefined
  #stderr = ''
  #waiters = new Set<() => void>()
  readonly #drained: Promise<void>

  constructor(name: string, proc: JavaToolProcess, tempDir: string | undefined) {
    this.name = name
    this.#process = proc
    this.#tempDir = tempDir
    proc.stderr.setEncoding('utf8')
    proc.stderr.on('data', (chunk: string) => {
      // The tail is enough to say why a JVM failed.
      this.#stderr = (this.#stderr + chunk).slice(-4000)
    })
    this.#drained = (async () => {
      for await (const line of proc.lines()) {
        const event = parseVerifiableEvent(line)
        if (event === null) continue
        this.events.push(event)
        this.onEvent(event)
        this.#wake()
      }
    })().catch(() => undefined)
    void proc.exited.then(async (exit) => {
      await this.#drained
      this.exit = exit
      this.#wake()
      if (this.#tempDir) await rm(this.#tempDir, { recursive: true, force: true }).catch(() => undefined)
    })
  }

  get pid(): number | undefined {
    return this.#process.pid
  }

  /** The last 4000 characters the JVM wrote to stderr. */
  get stderr(): string {
    return this.#stderr
  }

  /** Subclasses keep their derived state (assignment, records) here. */
  protected onEvent(_event: VerifiableEvent): void {}

  #wake(): void {
    for (const w of [...this.#waiters]) w()
  }

  eventsNamed<N extends VerifiableEvent['name']>(name: N): Extract<VerifiableEvent, { name: N }>[] {
    return this.events.filter((e) => e.name === name) as Extract<VerifiableEvent, { name: N }>[]
  }

  /**
   * Resolves when `predicate` holds (checked after every event); rejects with VerifiableToolError
   * after `timeoutMs` or if the JVM exits first (with its stderr tail).
   */
  async until(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!predicate()) {
      if (this.exit !== undefined) {
        throw new VerifiableToolError(
          `${this.name} exited (${this.exit.signal ?? this.exit.code}) before ${what}${this.#stderr ? `; stderr: ${this.#stderr.trim()}` : ''}`,
        )
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new VerifiableToolError(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}`)
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          this.#waiters.delete(done)
          resolve()
        }
        const timer = setTimeout(done, Math.min(left, 1000))
        this.#waiters.add(done)
      })
    }
  }

  /** Resolves once the JVM exited (the events before it are all parsed). */
  async untilExit(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const deadline = Date.now() + timeoutMs
    while (this.exit === undefined) {
      const left = deadline - Date.now()
      if (left <= 0) throw new VerifiableToolError(`${this.name}: still running after ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          this.#waiters.delete(done)
          resolve()
        }
        const timer = setTimeout(done, Math.min(left, 1000))
        this.#waiters.add(done)
      })
    }
    return this.exit
  }

  /**
   * SIGTERM (the tool closes its client: a consumer leaves its group) and wait up to `graceMs`
   * for the exit; then SIGKILL. Never rejects.
   */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exit !== undefined) return
    // kill() resolves on exit: not awaited, so that a JVM ignoring SIGTERM gets the SIGKILL.
    void this.#process.kill('SIGTERM').catch(() => undefined)
    await this.untilExit(graceMs).catch(() => this.kill())
  }

  /** SIGKILL: a member that dies without leaving its group. Resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.exit !== undefined) return
    void this.#process.kill('SIGKILL').catch(() => undefined)
    await this.untilExit(30_000)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill()
  }
}

/** A running VerifiableConsumer: its current assignment and every record it consumed. */
export class VerifiableConsumer extends VerifiableTool {
  readonly #owned = new Map<string, VerifiablePartition>()
  /** Every record consumed (record_data; needs `verbose`, the default). */
  readonly records: Extract<VerifiableEvent, { name: 'record_data' }>[] = []
  /** Records counted by records_consumed events (with or without `verbose`). */
  consumedCount = 0

  protected override onEvent(event: VerifiableEvent): void {
    if (event.name === 'partitions_assigned') {
      for (const p of event.partitions) this.#owned.set(topicPartitionKey(p.topic, p.partition), p)
    } else if (event.name === 'partitions_revoked') {
      for (const p of event.partitions) this.#owned.delete(topicPartitionKey(p.topic, p.partition))
    } else if (event.name === 'record_data') {
      this.records.push(event)
    } else if (event.name === 'records_consumed') {
      this.consumedCount += event.count
    }
  }

  /** The partitions the Java consumer owns now (sorted by topic, partition). */
  get assignment(): VerifiablePartition[] {
    return [...this.#owned.values()].sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    )
  }

  /** Until the consumer owns a partition, or `predicate` holds for its assignment. */
  untilAssigned(
    predicate: (assignment: VerifiablePartition[]) => boolean = (a) => a.length > 0,
    timeoutMs = 30_000,
  ): Promise<void> {
    return this.until('an assignment', () => predicate(this.assignment), timeoutMs)
  }

  /** Until `n` records in all were consumed. */
  untilConsumed(n: number, timeoutMs = 30_000): Promise<void> {
    return this.until(`${n} records consumed`, () => this.consumedCount >= n, timeoutMs)
  }
}

/** A running VerifiableProducer: what the broker acknowledged. */
export class VerifiableProducer extends VerifiableTool {
  /** producer_send_success events. */
  readonly acked: Extract<VerifiableEvent, { name: 'producer_send_success' }>[] = []
  readonly errors: Extract<VerifiableEvent, { name: 'producer_send_error' }>[] = []

  protected override onEvent(event: VerifiableEvent): void {
    if (event.name === 'producer_send_success') this.acked.push(event)
    else if (event.name === 'producer_send_error') this.errors.push(event)
  }

  /** Until `n` records were acknowledged. */
  untilAcked(n: number, timeoutMs = 30_000): Promise<void> {
    return this.until(`${n} records acknowledged`, () => this.acked.length >= n, timeoutMs)
  }
}

async function commandConfig(config: VerifiableToolOptions['config']): Promise<[string[], string | undefined]> {
  if (config === undefined || Object.keys(config).length === 0) return [[], undefined]
  const dir = await mkdtemp(join(tmpdir(), 'kafka-wire-verifiable-'))
  const file = join(dir, 'client.properties')
  await writeFile(
    file,
    Object.entries(config)
      .map(([k, v]) => `${k}=${String(v)}\n`)
      .join(''),
  )
  return [['--command-config', file], dir]
}

/** The VerifiableConsumer command line for `options` (without the JVM part). */
export function verifiableConsumerArgs(options: VerifiableConsumerOptions): string[] {
  const args = ['--bootstrap-server', options.bootstrapServers, '--topic', options.topic, '--group-id', options.groupId]
  if (options.groupProtocol) args.push('--group-protocol', options.groupProtocol.toUpperCase())
  if (options.groupRemoteAssignor) args.push('--group-remote-assignor', options.groupRemoteAssignor)
  if (options.groupInstanceId) args.push('--group-instance-id', options.groupInstanceId)
  if (options.maxMessages !== undefined) args.push('--max-messages', String(options.maxMessages))
  if (options.sessionTimeoutMs !== undefined) args.push('--session-timeout', String(options.sessionTimeoutMs))
  if (options.verbose ?? true) args.push('--verbose')
  if (options.enableAutoCommit) args.push('--enable-autocommit')
  if (options.closeTimeoutMs !== undefined) args.push('--close-timeout', String(options.closeTimeoutMs))
  if (options.resetPolicy) args.push('--reset-policy', options.resetPolicy)
  if (options.assignmentStrategy) args.push('--assignment-strategy', options.assignmentStrategy)
  return args
}

/** The VerifiableProducer command line for `options` (without the JVM part). */
export function verifiableProducerArgs(options: VerifiableProducerOptions): string[] {
  const args = ['--bootstrap-server', options.bootstrapServers, '--topic', options.topic]
  if (options.maxMessages !== undefined) args.push('--max-messages', String(options.maxMessages))
  if (options.throughput !== undefined) args.push('--throughput', String(options.throughput))
  if (options.acks !== undefined) args.push('--acks', options.acks === 'all' ? '-1' : String(options.acks))
  if (options.valuePrefix !== undefined) args.push('--value-prefix', String(options.valuePrefix))
  if (options.repeatingKeys !== undefined) args.push('--repeating-keys', String(options.repeatingKeys))
  return args
}

/**
 * Starts a VerifiableConsumer (Apache Kafka's Java consumer) from `target`'s jars (a cluster, or
 * a lib dir such as ensureKafkaLibs() returns). Resolves once the JVM is started, not once it
 * joined: wait with untilAssigned().
 */
export async function startVerifiableConsumer(
  target: KafkaCluster | string,
  options: VerifiableConsumerOptions,
): Promise<VerifiableConsumer> {
  const [configArgs, tempDir] = await commandConfig(options.config)
  const proc = await spawnJavaTool(
    target,
    JAVA_TOOLS.verifiableConsumer,
    [...verifiableConsumerArgs(options), ...configArgs],
    { heapMb: options.heapMb ?? 256 },
  ).catch(async (err) => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true })
    throw err
  })
  return new VerifiableConsumer(`VerifiableConsumer(${options.groupId}, pid ${proc.pid})`, proc, tempDir)
}

/** Starts a VerifiableProducer (Apache Kafka's Java producer). Values are "0", "1", … (or prefixed). */
export async function startVerifiableProducer(
  target: KafkaCluster | string,
  options: VerifiableProducerOptions,
): Promise<VerifiableProducer> {
  const [configArgs, tempDir] = await commandConfig(options.config)
  const proc = await spawnJavaTool(
    target,
    JAVA_TOOLS.verifiableProducer,
    [...verifiableProducerArgs(options), ...configArgs],
    { heapMb: options.heapMb ?? 256 },
  ).catch(async (err) => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true })
    throw err
  })
  return new VerifiableProducer(`VerifiableProducer(${options.topic}, pid ${proc.pid})`, proc, tempDir)
}

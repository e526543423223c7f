/**
 * The differential harness of kafka-wire/kafkajs: kafkajs 2.2.4 itself is the oracle.
 *
 * A program is `async (kafkajs, ctx) => transcript`: it is written against kafkajs's module (its
 * types), run once with `kafkajs` and once with the layer (`src/kafkajs/index.js`) on the same real
 * broker, each side with its own topic and group names (`ctx.name(prefix)`: the same prefix gives
 * the same name within a side, a different one across sides, so offsets start from 0 on both).
 *
 * `runDifferential` returns both transcripts normalised (`normalise`): errors become their kafkajs
 * identity ({ error: name, retriable, type, cause }), Buffers their text, bigints strings,
 * functions '[function]', InstrumentationEvents { type, payloadKeys } — and the paths of the
 * `ALLOWED` documented differences (docs/migrating-from-kafkajs.md, "What differs") replaced by a
 * marker on both sides. A test then asserts `expect(layer).toEqual(kafkajs)`.
 *
 *   const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
 *     const producer = new k.Kafka(ctx.kafkaConfig()).producer()
 *     ...
 *     return { sent }
 *   })
 *   expect(layer).toEqual(kafkajs)
 */
import { randomUUID } from 'node:crypto'
import { inject } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Cluster, resolveCommonOptions } from '../../../src/cluster/index.js'
import { type ReadRecord, readTopic } from '../producer/helpers.js'

// kafkajs prints a warning about its v2 default partitioner at every producer() unless told not to.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'

export type KafkaJSModule = typeof import('kafkajs')
export type Side = 'kafkajs' | 'layer'

export interface DiffContext {
  readonly side: Side
  readonly brokers: string[]
  /** A name unique to this run and side; the same prefix gives the same name within the side. */
  name(prefix: string): string
  /** kafkajs client settings for this broker: quiet logs, a short explicit retry (the same on both sides). */
  kafkaConfig(extra?: Record<string, unknown>): import('kafkajs').KafkaConfig
  /** Creates a topic through kafka-wire's native Admin (not the API under test). */
  createTopic(topic: string, partitions?: number, configs?: Record<string, string>): Promise<void>
  /** Every record of the topic, read with raw Fetch requests (not the API under test), in partition/offset order. */
  readTopic(topic: string, minRecords: number): Promise<NormalisedRecord[]>
  /** A group's committed offsets, through kafka-wire's native Admin: [topic, partition, offset] sorted. */
  committedOffsets(groupId: string): Promise<[string, number, string][]>
}

export interface NormalisedRecord {
  partition: number
  offset: string
  key: string | null
  value: string | null
  headers: [string, string | null][]
  timestamp: number
  compression: number
}

export type DiffProgram = (kafkajs: KafkaJSModule, ctx: DiffContext) => Promise<unknown>

/** A documented difference: values at paths matching `path` are not compared. */
export interface Allowance {
  /** Matched against a value's path, e.g. `sent[0].logStartOffset` (arrays as [i]). */
  path: RegExp
  /** Why, as docs/migrating-from-kafkajs.md says it. */
  reason: string
}

/**
 * The differences every program may show, each listed in docs/migrating-from-kafkajs.md (none at
 * present: RecordMetadata's logAppendTime and logStartOffset were the last). A program adds its own
 * through `runDifferential(program, { allow })`.
 */
export const ALLOWED: readonly Allowance[] = []

export const ALLOWED_MARK = '<documented difference>'

function makeContext(side: Side, brokers: string[], run: string, names: Map<string, string>): DiffContext {
  return {
    side,
    brokers,
    name(prefix) {
      let n = names.get(prefix)
      if (n === undefined) names.set(prefix, (n = `kjs-${prefix}-${side}-${run}`))
      return n
    },
    kafkaConfig(extra = {}) {
      return {
        clientId: `kjs-${side}`,
        brokers,
        logLevel: 0,
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
        ...extra,
      } as import('kafkajs').KafkaConfig
    },
    async createTopic(topic, partitions = 1, configs = {}) {
      const admin = new Admin({ bootstrapServers: brokers })
      try {
        await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1, configs }])
      } finally {
        await admin.close()
      }
      await waitForLeaders(brokers, topic, partitions)
    },
    async committedOffsets(groupId) {
      const admin = new Admin({ bootstrapServers: brokers })
      try {
        const list = await admin.listConsumerGroupOffsets(groupId)
        return list
          .map((o): [string, number, string] => [o.topic, o.partition, String(o.offset)])
          .sort((x, y) => (x[0] === y[0] ? x[1] - y[1] : x[0] < y[0] ? -1 : 1))
      } finally {
        await admin.close()
      }
    },
    async readTopic(topic, minRecords) {
      const records = await readTopic(brokers.join(','), topic, { minRecords, timeoutMs: 30_000 })
      return records.map(normaliseRecord)
    },
  }
}

/**
 * Waits until every partition of a new topic has a leader in the metadata, so that neither side
 * sees LEADER_NOT_AVAILABLE (or a partition without a leader) depending on its timing.
 */
async function waitForLeaders(brokers: string[], topic: string, partitions: number): Promise<void> {
  const cluster = new Cluster(resolveCommonOptions({ bootstrapServers: brokers }))
  const deadline = Date.now() + 30_000
  try {
    for (;;) {
      cluster.invalidateMetadata()
      const md = (await cluster.topicMetadata([topic], { timeoutMs: 10_000 })).get(topic)
      const ready = md?.partitions.filter((p) => p.leaderId >= 0 && p.errorCode === 0).length ?? 0
      if (ready >= partitions) return
      if (Date.now() > deadline) throw new Error(`topic ${topic}: partitions without a leader after 30 s`)
      await new Promise((r) => setTimeout(r, 100))
    }
  } finally {
    await cluster.close()
  }
}

function normaliseRecord(r: ReadRecord): NormalisedRecord {
  return {
    partition: r.partition,
    offset: String(r.offset),
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map((h) => [h.key, h.value === null ? null : h.value.toString('utf8')]),
    timestamp: r.timestamp,
    compression: r.compression,
  }
}

/** The identity kafkajs applications see of an error. */
function normaliseError(e: Error & Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { error: e.name, retriable: e.retriable, message: e.message }
  if (typeof e.type === 'string') out.type = e.type
  if (e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSNonRetriableError') {
    const cause = e.cause as (Error & Record<string, unknown>) | undefined
    if (cause instanceof Error && depth < 2 && cause.name.startsWith('KafkaJS')) {
      out.cause = normaliseError(cause, depth + 1)
    }
  }
  return out
}

function isEvent(v: Record<string, unknown>): boolean {
  return typeof v.type === 'string' && 'payload' in v && 'timestamp' in v && 'id' in v
}

/** Turns a transcript into plain, comparable data (see the file comment). */
export function normalise(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[deep]'
  if (value === undefined || value === null) return value
  if (typeof value === 'bigint') return String(value)
  if (typeof value === 'function') return '[function]'
  if (Buffer.isBuffer(value)) return { buffer: value.toString('utf8') }
  if (value instanceof Error) return normaliseError(value as Error & Record<string, unknown>, 0)
  if (Array.isArray(value)) return value.map((v) => normalise(v, depth + 1))
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [normalise(k), normalise(v, depth + 1)]) }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>
    if (isEvent(o)) {
      const payload = o.payload as Record<string, unknown> | null
      return {
        event: o.type,
        payloadKeys: payload && typeof payload === 'object' ? Object.keys(payload).sort() : payload,
      }
    }
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(o).sort()) {
      if (o[k] === undefined) continue
      out[k] = normalise(o[k], depth + 1)
    }
    return out
  }
  return value
}

function unname(value: unknown, names: Map<string, string>): unknown {
  let text = JSON.stringify(value ?? null)
  // Longest first: a name may be a prefix of another.
  for (const [prefix, name] of [...names].sort((x, y) => y[1].length - x[1].length)) {
    text = text.replaceAll(name, `<name:${prefix}>`)
  }
  return JSON.parse(text)
}

/**
 * kafkajs lists RecordMetadata in the order of the broker's Produce response (Kafka builds it from
 * a hash map), the layer by topic then partition: programs compare them sorted.
 */
export function sortMetadata<T extends { topicName: string; partition: number }>(list: T[]): T[] {
  return [...list].sort((x, y) =>
    x.topicName === y.topicName ? x.partition - y.partition : x.topicName < y.topicName ? -1 : 1,
  )
}

/** Replaces, on both sides, the values at allowed paths (when they differ) by ALLOWED_MARK. */
function applyAllowances(a: unknown, b: unknown, allow: readonly Allowance[], path = ''): [unknown, unknown] {
  if (allow.some((x) => x.path.test(path)) && JSON.stringify(a) !== JSON.stringify(b)) {
    return [ALLOWED_MARK, ALLOWED_MARK]
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length)
    const outA: unknown[] = []
    const outB: unknown[] = []
    for (let i = 0; i < n; i++) {
      if (i < a.length && i < b.length) {
        const [x, y] = applyAllowances(a[i], b[i], allow, `${path}[${i}]`)
        outA.push(x)
        outB.push(y)
      } else {
        if (i < a.length) outA.push(a[i])
        if (i < b.length) outB.push(b[i])
      }
    }
    return [outA, outB]
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ao = a as Record<string, unknown>
    const bo = b as Record<string, unknown>
    const outA: Record<string, unknown> = {}
    const outB: Record<string, unknown> = {}
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
      const p = path === '' ? k : `${path}.${k}`
      if (k in ao && k in bo) {
        const [x, y] = applyAllowances(ao[k], bo[k], allow, p)
        outA[k] = x
        outB[k] = y
      } else if (allow.some((x) => x.path.test(p))) {
        // A key only one side has, at an allowed path: drop it from both.
      } else {
        if (k in ao) outA[k] = ao[k]
        if (k in bo) outB[k] = bo[k]
      }
    }
    return [outA, outB]
  }
  return [a, b]
}

let kafkajsModule: KafkaJSModule | undefined
let layerModule: KafkaJSModule | undefined

export async function loadModules(): Promise<{ kafkajs: KafkaJSModule; layer: KafkaJSModule }> {
  kafkajsModule ??= ((await import('kafkajs')) as unknown as { default: KafkaJSModule }).default
  layerModule ??= (await import('../../../src/kafkajs/index.js')) as unknown as KafkaJSModule
  return { kafkajs: kafkajsModule, layer: layerModule }
}

/** The broker of the integration project, as a kafkajs `brokers` array. */
export function brokers(): string[] {
  return inject('kafkaBootstrapServers')
    .split(',')
    .map((s) => s.trim())
}

/**
 * Runs `program` against kafkajs, then against the layer (one after the other: the transcripts
 * must not depend on which ran first, and the machine is small), and returns both normalised with
 * the allowances applied. A program that throws fails the run: programs return errors they expect.
 */
export async function runDifferential(
  program: DiffProgram,
  options: { allow?: readonly Allowance[] } = {},
): Promise<{ kafkajs: unknown; layer: unknown }> {
  const { kafkajs, layer } = await loadModules()
  const run = randomUUID().slice(0, 8)
  const b = brokers()
  // Each side's generated names print as `<name:prefix>`, so the transcripts compare.
  const kafkajsNames = new Map<string, string>()
  const layerNames = new Map<string, string>()
  const a = unname(normalise(await program(kafkajs, makeContext('kafkajs', b, run, kafkajsNames))), kafkajsNames)
  const l = unname(normalise(await program(layer, makeContext('layer', b, run, layerNames))), layerNames)
  const [na, nl] = applyAllowances(a, l, [...ALLOWED, ...(options.allow ?? [])])
  return { kafkajs: na, layer: nl }
}

/** Runs `fn` and returns what it resolved or the error it threw (a transcript entry either way). */
export async function outcome<T>(fn: () => Promise<T>): Promise<T | { threw: unknown }> {
  try {
    return await fn()
  } catch (e) {
    return { threw: e }
  }
}

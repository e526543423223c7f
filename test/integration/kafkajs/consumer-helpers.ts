// Helpers of the kafkajs consumer tests: the layer's consumer for direct tests, setup and readers for
// differential programs (not through the API under test), and event summaries that do not depend on timing.
import { Kafka as KafkaJS } from 'kafkajs'
import { Admin } from '../../../src/admin/index.js'
import { Kafka } from '../../../src/kafkajs/index.js'

export function layerKafka(bootstrapServers: string): Kafka {
  return new Kafka({ brokers: bootstrapServers.split(','), clientId: 'kjs-layer', logLevel: 0 })
}

// --- for differential programs ---------------------------------------------------------------------------

/** Produces with kafkajs itself (setup, not the API under test), explicit timestamps so both sides compare. */
export async function produce(
  brokers: string[],
  topic: string,
  messages: {
    partition: number
    key?: string | null
    value: string | null
    headers?: Record<string, string | string[]>
  }[],
): Promise<void> {
  // Idempotent: a retry right after the topic's creation must not write a message twice.
  const producer = new KafkaJS({ brokers, logLevel: 0 }).producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  try {
    await producer.send({
      topic,
      messages: messages.map((m, i) => ({ ...m, timestamp: String(1700000000000 + i) })),
    })
  } finally {
    await producer.disconnect()
  }
}

/** The group's committed offsets (native Admin, not the API under test), by partition. */
export async function committedOffsets(brokers: string[], groupId: string): Promise<Record<number, string>> {
  const admin = new Admin({ bootstrapServers: brokers })
  try {
    const list = await admin.listConsumerGroupOffsets(groupId)
    return Object.fromEntries(
      list.map((o: { partition: number; offset: bigint | number }) => [o.partition, String(o.offset)]),
    )
  } finally {
    await admin.close()
  }
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 20000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await cond()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

type AnyMessage = {
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers?: Record<string, unknown>
  timestamp: string
}

/** A kafkajs message as comparable text. */
export function text(partition: number, m: AnyMessage): Record<string, unknown> {
  const headers: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    headers[k] = Array.isArray(v) ? v.map((x) => String(x)) : v === null || v === undefined ? v : String(v)
  }
  return {
    partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString(),
    value: m.value === null ? null : m.value.toString(),
    headers,
    timestamp: m.timestamp,
    // batchContext (kafkajs's RecordBatch header per message) is not given by the layer: a documented difference
    keys: Object.keys(m)
      .filter((k) => k !== 'batchContext')
      .sort(),
  }
}

interface Ev {
  type: string
  payload: Record<string, unknown> | null
}

/** Records a consumer's events (every kind), to summarise them in a side-independent way. */
export function recordEvents(consumer: {
  events: Record<string, string>
  on(e: any, l: (ev: any) => void): unknown
}): Ev[] {
  const out: Ev[] = []
  for (const name of Object.values(consumer.events)) consumer.on(name, (ev: Ev) => out.push(ev))
  return out
}

/** The events as comparable data: names and payload keys per kind, and the values that do not depend on timing. */
export function summarise(events: Ev[], topic: string): Record<string, unknown> {
  const keys: Record<string, string[]> = {}
  // network.request* events: kafka-wire's connections do not report requests (a documented difference)
  for (const e of events.filter((x) => !x.type.includes('.network.')))
    keys[e.type] ??= e.payload && typeof e.payload === 'object' ? Object.keys(e.payload).sort() : []
  const order = [
    ...new Set(
      events
        .map((e) => e.type)
        .filter((t) => !/fetch|heartbeat|network|rebalancing|batch_process|commit_offsets/.test(t)),
    ),
  ]
  const joins = events
    .filter((e) => e.type === 'consumer.group_join')
    .map((e) => {
      const p = e.payload as Record<string, unknown>
      return {
        isLeader: p.isLeader,
        leaderIsMember: p.leaderId === p.memberId,
        groupProtocol: p.groupProtocol,
        memberAssignment: Object.fromEntries(
          Object.entries(p.memberAssignment as Record<string, number[]>).map(([t, ps]) => [
            t === topic ? 'T' : t,
            [...ps].sort(),
          ]),
        ),
      }
    })
  const batches = events
    .filter((e) => e.type === 'consumer.start_batch_process')
    .map((e) => ({ ...(e.payload as object), topic: 'T' }) as Record<string, unknown>)
    .sort((a, b) => (a.partition as number) - (b.partition as number) || Number(a.firstOffset) - Number(b.firstOffset))
  const commits = events
    .filter((e) => e.type === 'consumer.commit_offsets')
    .flatMap((e) =>
      (e.payload!.topics as { topic: string; partitions: { partition: number; offset: string }[] }[]).flatMap((t) =>
        t.partitions.map((p) => `${p.partition}:${p.offset}`),
      ),
    )
  return { keys, order, joins, batches, commits: commits.sort() } // partitions come in either order in a fetch
}

// Batches written by the Java producer (the kit's ConsoleProducer and ProducerPerformance) with
// every compression type, fetched raw over a plain socket and decoded by src/protocol/records:
// keys, values, headers and offsets must come back exactly as the Java client sent them.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Apis } from '../../../src/protocol/messages/index.js'
import {
  batches,
  COMPRESSION_NAMES,
  type CompressionName,
  CompressionType,
  type KafkaRecord,
  type RecordBatch,
  RecordBatchBuilder,
} from '../../../src/protocol/records/index.js'
import { JAVA_TOOLS, javaTool } from '../../../src/testing/index.js'
import { firstAddress, RawConnection } from '../protocol/raw-socket.js'

const libDir = inject('kafkaLibDir')
const servers = inject('kafkaBootstrapServers')

let conn: RawConnection

async function createTopic(name: string): Promise<void> {
  const created = await conn.request(Apis.CreateTopics, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1 }],
    timeoutMs: 30_000,
  })
  expect(created.response.topics[0]!.errorCode).toBe(0)
  for (let i = 0; i < 100; i++) {
    const m = await conn.request(Apis.Metadata, 12, { topics: [{ name }] })
    const t = m.response.topics[0]!
    if (t.errorCode === 0 && (t.partitions[0]?.leaderId ?? -1) >= 0) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`topic ${name} has no leader`)
}

/** Fetches partition 0 from offset 0 until `count` records are decoded; returns batches and records. */
async function fetchAll(topic: string, count: number): Promise<{ batches: RecordBatch[]; records: KafkaRecord[] }> {
  const seen: RecordBatch[] = []
  const records: KafkaRecord[] = []
  let offset = 0n
  for (let attempt = 0; attempt < 200 && records.length < count; attempt++) {
    const { response } = await conn.request(Apis.Fetch, 12, {
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 8 << 20,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 4 << 20 }] }],
    })
    const p = response.responses[0]!.partitions[0]!
    expect(p.errorCode).toBe(0)
    if (p.records === null || p.records.length === 0) continue
    for (const batch of batches(p.records)) {
      seen.push(batch)
      for (const r of batch.records()) if (r.offset >= offset) records.push(r)
      offset = batch.nextOffset
    }
  }
  return { batches: seen, records }
}

const NULL = '<NULL>'

/** One ConsoleProducer input line ("headers TAB key|value") and what it must decode to. */
function line(i: number): {
  text: string
  key: string | undefined
  value: string
  headers: Array<[string, string | undefined]>
} {
  const key = i % 11 === 5 ? undefined : `key-${i % 17}`
  const value = `{"n":${i},"text":"${'héllo wörld '.repeat(1 + (i % 5))}","pad":"${'x'.repeat(i % 300)}"}`
  const headers: Array<[string, string | undefined]> =
    i % 3 === 0
      ? [['n', String(i)]]
      : [
          ['trace', `t-${i}`],
          ['ключ', i % 2 === 0 ? undefined : 'java'],
        ]
  const headerText = headers.map(([k, v]) => `${k}:${v ?? NULL}`).join(',')
  return { text: `${headerText}\t${key ?? NULL}|${value}`, key, value, headers }
}

describe.skipIf(!libDir)('batches written by the Java producer decode exactly', () => {
  beforeAll(async () => {
    conn = await RawConnection.open(firstAddress(servers))
  })
  afterAll(() => conn?.close())

  for (const codec of COMPRESSION_NAMES) {
    it(`ConsoleProducer, compression.type=${codec}: keys, values, headers, offsets`, async () => {
      const topic = `records-java-console-${codec}-${randomBytes(4).toString('hex')}`
      await createTopic(topic)
      const count = 400
      const lines = Array.from({ length: count }, (_, i) => line(i))
      const before = Date.now()
      const produced = await javaTool(
        libDir,
        JAVA_TOOLS.consoleProducer,
        [
          '--bootstrap-server',
          servers,
          '--topic',
          topic,
          // ConsoleProducer overrides compression.type and linger.ms with its own options.
          '--compression-codec',
          codec,
          '--timeout',
          '200',
          '--producer-property',
          'batch.size=32768',
          '--property',
          'parse.key=true',
          '--property',
          'key.separator=|',
          '--property',
          'parse.headers=true',
          '--property',
          `null.marker=${NULL}`,
        ],
        { input: `${lines.map((l) => l.text).join('\n')}\n`, timeoutMs: 90_000 },
      )
      expect(produced.code, produced.stderr).toBe(0)
      const { batches: got, records } = await fetchAll(topic, count)
      expect(records.length).toBe(count)
      records.forEach((r, i) => {
        expect(r.offset).toBe(BigInt(i))
        expect(r.key?.toString()).toBe(lines[i]!.key)
        expect(r.value?.toString()).toBe(lines[i]!.value)
        expect(r.headers.map((h) => [h.key, h.value?.toString()])).toEqual(lines[i]!.headers)
        expect(r.timestamp).toBeGreaterThanOrEqual(before - 60_000)
        expect(r.timestamp).toBeLessThanOrEqual(Date.now() + 60_000)
      })
      const id = CompressionType[codec.toUpperCase() as Uppercase<CompressionName>]
      for (const b of got) {
        expect(b.magic).toBe(2)
        expect(b.compression).toBe(id)
        expect(b.isControl).toBe(false)
        expect(b.producerId).toBeGreaterThanOrEqual(0n) // idempotence is on by default
      }
      // Several records per batch, so the codec really ran over a records section.
      expect(got.length).toBeLessThan(count)
    }, 120_000)
  }

  it('ProducerPerformance with every codec: 3000 × 100 B records each, CRCs checked', async () => {
    for (const codec of COMPRESSION_NAMES) {
      const topic = `records-java-perf-${codec}-${randomBytes(4).toString('hex')}`
      await createTopic(topic)
      const count = 3000
      const r = await javaTool(
        libDir,
        JAVA_TOOLS.producerPerformance,
        [
          '--topic',
          topic,
          '--num-records',
          String(count),
          '--record-size',
          '100',
          '--throughput',
          '-1',
          '--producer-props',
          `bootstrap.servers=${servers}`,
          `compression.type=${codec}`,
          'linger.ms=20',
          'batch.size=16384',
        ],
        { timeoutMs: 90_000 },
      )
      expect(r.code, r.stderr).toBe(0)
      const { batches: got, records } = await fetchAll(topic, count)
      expect(records.length).toBe(count)
      expect(got.every((b) => b.compression === COMPRESSION_NAMES.indexOf(codec))).toBe(true)
      records.forEach((rec, i) => {
        expect(rec.offset).toBe(BigInt(i))
        expect(rec.key).toBeNull()
        expect(rec.value?.length).toBe(100)
      })
      expect(records[0]!.value!.toString()).toMatch(/^[A-Z]{100}$/)
    }
  }, 300_000)

  for (const codec of COMPRESSION_NAMES) {
    it(`batches we build with ${codec} are accepted by the broker and read back by the Java consumer`, async () => {
      const topic = `records-ours-${codec}-${randomBytes(4).toString('hex')}`
      await createTopic(topic)
      const id = COMPRESSION_NAMES.indexOf(codec) as CompressionType
      const count = 300
      const expected: string[] = []
      const sent: Buffer[] = []
      let builder = new RecordBatchBuilder({ compression: id, batchSizeLimit: 16384 })
      const now = Date.now()
      for (let i = 0; i < count; i++) {
        const key = `k${i % 13}`
        const value = `wert-${i}-${'äöü€'.repeat(i % 40)}`
        const headers: Array<[string, Buffer | null]> = [['h', Buffer.from(`v${i}`)]]
        expected.push(`h:v${i}\t${key}\t${value}`)
        if (!builder.tryAppend(now + i, Buffer.from(key), Buffer.from(value), headers)) {
          sent.push(builder.build())
          // baseOffset stays 0: Kafka 4 rejects client batches with any other (INVALID_RECORD).
          builder = new RecordBatchBuilder({ compression: id, batchSizeLimit: 16384 })
          builder.tryAppend(now + i, Buffer.from(key), Buffer.from(value), headers)
        }
      }
      sent.push(builder.build())
      expect(sent.length).toBeGreaterThan(1)
      for (const batch of sent) {
        const { response } = await conn.request(Apis.Produce, 9, {
          acks: -1,
          timeoutMs: 10_000,
          topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
        })
        const p = response.responses[0]!.partitionResponses[0]!
        expect(
          p.errorCode,
          JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
        ).toBe(0)
      }
      const consumed = await javaTool(
        libDir,
        JAVA_TOOLS.consoleConsumer,
        [
          '--bootstrap-server',
          servers,
          '--topic',
          topic,
          '--from-beginning',
          '--max-messages',
          String(count),
          '--timeout-ms',
          '60000',
          '--formatter-property',
          'print.key=true',
          '--formatter-property',
          'print.headers=true',
        ],
        { timeoutMs: 90_000 },
      )
      expect(consumed.code, consumed.stderr).toBe(0)
      expect(consumed.stdout.trimEnd().split('\n')).toEqual(expected)
    }, 120_000)
  }
})

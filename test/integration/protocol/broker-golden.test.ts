/**
 * Golden tests of the codec against the real broker, over a raw socket (raw-socket.ts):
 * requests we encode are accepted by the broker, and responses captured from it decode to
 * what the broker said — and re-encode to exactly the bytes it sent. With
 * CAPTURE_FIXTURES=1 the response frames are also written to test/protocol/fixtures/, where
 * the unit project decodes them without a broker (fixtures.test.ts).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { decodeResponse, responseHeaderVersion } from '../../../src/protocol/header.js'
import { Apis } from '../../../src/protocol/messages/index.js'
import { Reader } from '../../../src/protocol/primitives/reader.js'
import { encodeMessage } from '../../../src/protocol/schema/codec.js'
import type { ApiSchema } from '../../../src/protocol/schema/dsl.js'
import { firstAddress, RawConnection } from './raw-socket.js'

const fixtureDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../protocol/fixtures')
const capture = process.env.CAPTURE_FIXTURES === '1'
const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()

/** Writes a captured response frame (size prefix removed) as `<api>-v<version>-response.bin`. */
function keep(api: ApiSchema<any, any>, version: number, frame: Buffer, note = ''): void {
  if (!capture) return
  mkdirSync(fixtureDir, { recursive: true })
  writeFileSync(join(fixtureDir, `${kebab(api.name)}-v${version}${note}-response.bin`), frame)
}

/** The body's bytes within a response frame: after the correlation id and, for header v1, its tags. */
function bodyOf(api: ApiSchema<any, any>, version: number, frame: Buffer): Buffer {
  const r = new Reader(frame, 4)
  if (responseHeaderVersion(api, version) === 1) {
    const n = r.uvarint()
    for (let i = 0; i < n; i++) {
      r.uvarint()
      r.slice(r.uvarint())
    }
  }
  return frame.subarray(r.pos)
}

/** Decoding what the broker sent and encoding it again gives the broker's bytes back. */
function expectExactReencode(api: ApiSchema<any, any>, version: number, frame: Buffer, decoded: object): void {
  const body = bodyOf(api, version, frame)
  expect(encodeMessage(api.response, version, decoded).toString('hex'), `${api.name} v${version}`).toBe(
    body.toString('hex'),
  )
}

let address: string
let conn: RawConnection
let brokerRanges: Map<number, { minVersion: number; maxVersion: number }>
let nodeId: number

beforeAll(async () => {
  address = firstAddress(inject('kafkaBootstrapServers'))
  conn = await RawConnection.open(address)
  const { response } = await conn.request(Apis.ApiVersions, 3, {
    clientSoftwareName: 'kafka-wire-codec-test',
    clientSoftwareVersion: '0.0.0',
  })
  brokerRanges = new Map(response.apiKeys.map((k) => [k.apiKey, k]))
  const meta = await conn.request(Apis.Metadata, 12, { topics: [] })
  nodeId =
    meta.response.brokers.find((b) => `${b.host}:${b.port}` === address)?.nodeId ?? meta.response.brokers[0]!.nodeId
})

afterAll(() => conn?.close())

describe('ApiVersions', () => {
  it.each([0, 1, 2, 3, 4])('v%i: error 0, lists Produce and Fetch, broker ranges cover ours', async (v) => {
    if (v > (brokerRanges.get(18)?.maxVersion ?? 0)) return
    const body = v >= 3 ? { clientSoftwareName: 'kafka-wire', clientSoftwareVersion: '0.1.0' } : {}
    const { frame, response } = await conn.request(Apis.ApiVersions, v, body)
    keep(Apis.ApiVersions, v, frame)
    expect(response.errorCode).toBe(0)
    const keys = new Map(response.apiKeys.map((k) => [k.apiKey, k]))
    expect(keys.get(0)!.maxVersion).toBeGreaterThanOrEqual(9) // Produce
    expect(keys.get(1)!.maxVersion).toBeGreaterThanOrEqual(12) // Fetch
    for (const k of response.apiKeys) expect(k.minVersion).toBeLessThanOrEqual(k.maxVersion)
    // Every API of ours overlaps what the broker speaks.
    for (const api of Object.values(Apis)) {
      const b = keys.get(api.apiKey)
      if (b === undefined) continue // e.g. an API the broker does not enable
      expect(b.minVersion, api.name).toBeLessThanOrEqual(api.maxVersion)
      expect(b.maxVersion, api.name).toBeGreaterThanOrEqual(api.minVersion)
    }
    if (v >= 3) {
      expect(response.finalizedFeaturesEpoch).toBeGreaterThanOrEqual(0n)
      expect(response.supportedFeatures.map((f) => f.name)).toContain('metadata.version')
    }
    expectExactReencode(Apis.ApiVersions, v, frame, response)
  })

  it('answers a version it does not know with a v0 response carrying UNSUPPORTED_VERSION', async () => {
    // The broker replies in v0 (header v0, body v0) so that any client can read it.
    const fresh = await RawConnection.open(address)
    try {
      // A version newer than the broker's is read with request header v2 (ApiVersions v3+ is
      // flexible): size 16 | key 18 | version 127 | correlation id 99 | client id "ww" | no header
      // tags | a v3-shaped body (two empty compact strings, no tags).
      const request = Buffer.from('00000010 0012 007f 00000063 0002 7777 00 01 01 00'.replace(/ /g, ''), 'hex')
      const frame = await fresh.exchange([request])
      keep(Apis.ApiVersions, 0, frame, '-unsupported-version')
      const r = decodeResponse(Apis.ApiVersions, 0, frame)
      expect(r.errorCode).toBe(35) // UNSUPPORTED_VERSION
      expect(r.apiKeys.find((k) => k.apiKey === 18)!.maxVersion).toBeGreaterThanOrEqual(3)
    } finally {
      fresh.close()
    }
  })
})

describe('Metadata', () => {
  it.each([0, 1, 2, 4, 7, 8, 9, 10, 11, 12, 13])(
    'v%i: brokers include the one we connected to; cluster id from v2',
    async (v) => {
      const range = brokerRanges.get(3)!
      if (v < range.minVersion || v > range.maxVersion) return
      const body = v === 0 ? { topics: [] } : { topics: null }
      const { frame, response } = await conn.request(Apis.Metadata, v, body)
      keep(Apis.Metadata, v, frame)
      expect(response.brokers.map((b) => `${b.host}:${b.port}`)).toContain(address)
      if (v >= 2) expect(response.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
      else expect(response.clusterId).toBeNull() // not in the version: its default
      if (v >= 1) expect(response.controllerId).toBeGreaterThanOrEqual(0)
      expectExactReencode(Apis.Metadata, v, frame, response)
    },
  )
})

describe('CreateTopics → Metadata', () => {
  it.each([2, 4, 5, 7])('CreateTopics v%i creates a topic that Metadata shows with its partitions', async (v) => {
    const range = brokerRanges.get(19)!
    if (v < range.minVersion || v > range.maxVersion) return
    const name = `codec-golden-v${v}-${randomBytes(4).toString('hex')}`
    const { frame, response } = await conn.request(Apis.CreateTopics, v, {
      topics: [
        {
          name,
          numPartitions: 3,
          replicationFactor: 1,
          assignments: [],
          configs: [{ name: 'retention.ms', value: '3600000' }],
        },
      ],
      timeoutMs: 30_000,
    })
    keep(Apis.CreateTopics, v, frame)
    expect(response.topics).toHaveLength(1)
    const created = response.topics[0]!
    expect(created.name).toBe(name)
    expect(created.errorCode).toBe(0)
    if (v >= 5) {
      expect(created.numPartitions).toBe(3)
      expect(created.replicationFactor).toBe(1)
      expect(created.configs?.find((c) => c.name === 'retention.ms')?.value).toBe('3600000')
    } else {
      expect(created.numPartitions).toBe(-1) // absent before v5: the default
    }
    if (v >= 7) expect(created.topicId).not.toBe('AAAAAAAAAAAAAAAAAAAAAA')
    expectExactReencode(Apis.CreateTopics, v, frame, response)

    // Metadata may lag the controller by a moment.
    let partitions = 0
    for (let i = 0; i < 50 && partitions !== 3; i++) {
      const meta = await conn.request(Apis.Metadata, 12, { topics: [{ name }] })
      const t = meta.response.topics[0]!
      if (t.errorCode === 0) {
        partitions = t.partitions.length
        if (partitions === 3) {
          keep(Apis.Metadata, 12, meta.frame, '-topic')
          expect(t.name).toBe(name)
          expect(t.partitions.map((p) => p.partitionIndex).sort()).toStrictEqual([0, 1, 2])
          for (const p of t.partitions) {
            expect(p.leaderId).toBe(nodeId)
            expect(p.replicaNodes).toStrictEqual([nodeId])
            expect(p.isrNodes).toStrictEqual([nodeId])
          }
          if (v >= 7) expect(t.topicId).toBe(created.topicId)
          expectExactReencode(Apis.Metadata, 12, meta.frame, meta.response)
        }
      }
      if (partitions !== 3) await new Promise((r) => setTimeout(r, 100))
    }
    expect(partitions).toBe(3)
  })
})

describe('DescribeConfigs, ListGroups, FindCoordinator, DescribeCluster', () => {
  it.each([1, 2, 3, 4])('DescribeConfigs v%i of the broker', async (v) => {
    const range = brokerRanges.get(32)!
    if (v < range.minVersion || v > range.maxVersion) return
    const { frame, response } = await conn.request(Apis.DescribeConfigs, v, {
      resources: [{ resourceType: 4, resourceName: String(nodeId), configurationKeys: ['num.partitions', 'log.dirs'] }],
      includeSynonyms: true,
      includeDocumentation: v >= 3,
    })
    keep(Apis.DescribeConfigs, v, frame)
    const result = response.results[0]!
    expect(result.errorCode).toBe(0)
    expect(result.resourceType).toBe(4)
    expect(result.resourceName).toBe(String(nodeId))
    const byName = new Map(result.configs.map((c) => [c.name, c]))
    expect(byName.get('num.partitions')!.value).toMatch(/^\d+$/)
    expect(byName.get('log.dirs')!.value).toBeTruthy()
    if (v >= 3) expect(byName.get('num.partitions')!.documentation).toBeTruthy()
    expectExactReencode(Apis.DescribeConfigs, v, frame, response)
  })

  it.each([0, 3, 4, 5])('ListGroups v%i', async (v) => {
    const range = brokerRanges.get(16)!
    if (v < range.minVersion || v > range.maxVersion) return
    const { frame, response } = await conn.request(Apis.ListGroups, v, {})
    keep(Apis.ListGroups, v, frame)
    expect(response.errorCode).toBe(0)
    expect(Array.isArray(response.groups)).toBe(true)
    expectExactReencode(Apis.ListGroups, v, frame, response)
  })

  it.each([0, 1, 2, 3, 4, 5, 6])('FindCoordinator v%i for a group', async (v) => {
    const range = brokerRanges.get(10)!
    if (v < range.minVersion || v > range.maxVersion) return
    const group = 'codec-golden-group'
    const body = v >= 4 ? { keyType: 0, coordinatorKeys: [group] } : { key: group, keyType: 0 }
    // The group coordinator may need a moment to load __consumer_offsets on a fresh broker.
    let last: Awaited<ReturnType<typeof conn.request<typeof Apis.FindCoordinator>>> | undefined
    for (let i = 0; i < 100; i++) {
      last = await conn.request(Apis.FindCoordinator, v, body)
      const code = v >= 4 ? last.response.coordinators[0]!.errorCode : last.response.errorCode
      if (code === 0) break
      expect([14, 15]).toContain(code) // COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE
      await new Promise((r) => setTimeout(r, 200))
    }
    const { frame, response } = last!
    keep(Apis.FindCoordinator, v, frame)
    if (v >= 4) {
      expect(response.coordinators).toHaveLength(1)
      const c = response.coordinators[0]!
      expect(c.key).toBe(group)
      expect(c.errorCode).toBe(0)
      expect(`${c.host}:${c.port}`).toBe(address)
      expect(c.nodeId).toBe(nodeId)
    } else {
      expect(response.errorCode).toBe(0)
      expect(`${response.host}:${response.port}`).toBe(address)
      expect(response.coordinators).toStrictEqual([]) // absent before v4: the default
    }
    expectExactReencode(Apis.FindCoordinator, v, frame, response)
  })

  it('DescribeCluster (highest version)', async () => {
    const range = brokerRanges.get(60)
    if (range === undefined) return
    const v = Math.min(range.maxVersion, Apis.DescribeCluster.maxVersion)
    const { frame, response } = await conn.request(Apis.DescribeCluster, v, {})
    keep(Apis.DescribeCluster, v, frame)
    expect(response.errorCode).toBe(0)
    expect(response.brokers.map((b) => b.brokerId)).toContain(nodeId)
    expectExactReencode(Apis.DescribeCluster, v, frame, response)
  })
})

// ---------------------------------------------------------------------------------------------
// Produce → Fetch with a hand-built RecordBatch v2 (one record), independent of src/protocol/records

const CRC32C_TABLE = (() => {
  const table = new Int32Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    table[i] = c
  }
  return table
})()

function crc32c(buf: Buffer): number {
  let c = -1
  for (const b of buf) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ -1) >>> 0
}

/** RecordBatch v2 holding one record with key "k" and `value`, no headers, CreateTime `ts`. */
function recordBatch(value: string, ts: bigint): Buffer {
  const v = Buffer.from(value)
  // Record: length, attributes, timestampDelta, offsetDelta, key, value, headers (zigzag varints).
  const zig = (n: number) => {
    const out: number[] = []
    let z = n >= 0 ? n * 2 : -n * 2 - 1
    while (z >= 0x80) {
      out.push((z & 0x7f) | 0x80)
      z = Math.floor(z / 128)
    }
    out.push(z)
    return out
  }
  const body = Buffer.from([0, ...zig(0), ...zig(0), ...zig(1), 0x6b, ...zig(v.length), ...v, ...zig(0)])
  const record = Buffer.concat([Buffer.from(zig(body.length)), body])
  const afterCrc = Buffer.alloc(2 + 4 + 8 + 8 + 8 + 2 + 4 + 4)
  let o = 0
  o = afterCrc.writeInt16BE(0, o) // attributes: no compression, CreateTime
  o = afterCrc.writeInt32BE(0, o) // lastOffsetDelta
  o = afterCrc.writeBigInt64BE(ts, o) // baseTimestamp
  o = afterCrc.writeBigInt64BE(ts, o) // maxTimestamp
  o = afterCrc.writeBigInt64BE(-1n, o) // producerId
  o = afterCrc.writeInt16BE(-1, o) // producerEpoch
  o = afterCrc.writeInt32BE(-1, o) // baseSequence
  afterCrc.writeInt32BE(1, o) // records count
  const crcInput = Buffer.concat([afterCrc, record])
  const head = Buffer.alloc(8 + 4 + 4 + 1 + 4)
  head.writeBigInt64BE(0n, 0) // baseOffset
  head.writeInt32BE(4 + 1 + 4 + crcInput.length, 8) // batchLength: from partitionLeaderEpoch on
  head.writeInt32BE(-1, 12) // partitionLeaderEpoch
  head.writeInt8(2, 16) // magic
  head.writeUInt32BE(crc32c(crcInput), 17)
  return Buffer.concat([head, crcInput])
}

describe('Produce → Fetch', () => {
  it('a batch produced at v9 and v13 is fetched back byte for byte at v11, v12, v13 and v16+', async () => {
    const name = `codec-golden-records-${randomBytes(4).toString('hex')}`
    const created = await conn.request(Apis.CreateTopics, 7, {
      topics: [{ name, numPartitions: 1, replicationFactor: 1 }],
      timeoutMs: 30_000,
    })
    expect(created.response.topics[0]!.errorCode).toBe(0)
    const topicId = created.response.topics[0]!.topicId
    // Wait until the partition has a leader.
    for (let i = 0; i < 50; i++) {
      const m = await conn.request(Apis.Metadata, 12, { topics: [{ name }] })
      if (m.response.topics[0]!.errorCode === 0 && m.response.topics[0]!.partitions[0]?.leaderId === nodeId) break
      await new Promise((r) => setTimeout(r, 100))
    }

    const produceRange = brokerRanges.get(0)!
    const batches: Buffer[] = []
    let offset = 0n
    for (const v of [9, 13]) {
      if (v > produceRange.maxVersion || v > Apis.Produce.maxVersion) continue
      const batch = recordBatch(`hello v${v}`, 1_700_000_000_000n)
      batches.push(batch)
      const { frame, response } = await conn.request(Apis.Produce, v, {
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name, topicId, partitionData: [{ index: 0, records: batch }] }],
      })
      keep(Apis.Produce, v, frame)
      const p = response.responses[0]!.partitionResponses[0]!
      expect(p.errorCode, `Produce v${v}: ${p.errorMessage}`).toBe(0)
      expect(p.baseOffset).toBe(offset)
      if (v >= 13) expect(response.responses[0]!.topicId).toBe(topicId)
      else expect(response.responses[0]!.name).toBe(name)
      expectExactReencode(Apis.Produce, v, frame, response)
      offset++
    }

    const fetchRange = brokerRanges.get(1)!
    for (const v of [11, 12, 13, 16, Math.min(fetchRange.maxVersion, Apis.Fetch.maxVersion)]) {
      if (v > fetchRange.maxVersion || v > Apis.Fetch.maxVersion) continue
      const { frame, response } = await conn.request(Apis.Fetch, v, {
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        topics: [{ topic: name, topicId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
      })
      keep(Apis.Fetch, v, frame)
      expect(response.errorCode).toBe(0)
      const t = response.responses[0]!
      if (v >= 13) expect(t.topicId).toBe(topicId)
      else expect(t.topic).toBe(name)
      const p = t.partitions[0]!
      expect(p.errorCode).toBe(0)
      expect(p.highWatermark).toBe(offset)
      expect(p.records).not.toBeNull()
      // The broker sets baseOffset and partitionLeaderEpoch; everything from magic on is ours.
      let at = 0
      batches.forEach((sent, i) => {
        const got = p.records!.subarray(at, at + sent.length)
        expect(got.readBigInt64BE(0)).toBe(BigInt(i))
        expect(got.subarray(16).equals(sent.subarray(16)), `batch ${i} at Fetch v${v}`).toBe(true)
        at += sent.length
      })
      expect(at).toBe(p.records!.length)
      expectExactReencode(Apis.Fetch, v, frame, response)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Every API at every version both sides speak: the broker accepts the request and answers with
// bytes we decode (error codes are data) and re-encode exactly.

/** Bodies that make each request harmless and answerable (acks=0 would get no response). */
const BODIES: Partial<Record<keyof typeof Apis, object | ((v: number) => object)>> = {
  // v4+ batches transactions (broker to broker); an empty batch is never answered.
  AddPartitionsToTxn: (v) =>
    v >= 4
      ? {
          transactions: [
            { transactionalId: 'codec-golden-txn', producerId: 1n, producerEpoch: 0, verifyOnly: true, topics: [] },
          ],
        }
      : { v3AndBelowTransactionalId: 'codec-golden-txn', v3AndBelowProducerId: 1n, v3AndBelowTopics: [] },
  Produce: { acks: -1, timeoutMs: 1000, topicData: [] },
  Fetch: { maxWaitMs: 0, minBytes: 0, topics: [] },
  ListOffsets: { replicaId: -1, topics: [] },
  Metadata: { topics: [] },
  InitProducerId: { transactionalId: null, transactionTimeoutMs: 60_000 },
  JoinGroup: { groupId: '', sessionTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [] },
  CreateTopics: { topics: [], timeoutMs: 1000 },
  DeleteTopics: { topics: [], topicNames: [], timeoutMs: 1000 },
  DescribeAcls: { resourceTypeFilter: 1, patternTypeFilter: 3, operation: 1, permissionType: 1 },
}

describe('every API × version the broker speaks', () => {
  it.each(Object.values(Apis).map((a) => [a.name, a] as const))('%s', async (name, api) => {
    const range = brokerRanges.get(api.apiKey)
    if (range === undefined) return
    const lo = Math.max(range.minVersion, api.minVersion)
    const hi = Math.min(range.maxVersion, api.maxVersion)
    // A connection of its own: a request the broker dislikes closes the connection.
    const c = await RawConnection.open(address)
    try {
      for (let v = lo; v <= hi; v++) {
        const spec = BODIES[name as keyof typeof Apis] ?? {}
        const body = typeof spec === 'function' ? spec(v) : spec
        const { frame, response } = await c.request(api, v, body as never).catch((e: Error) => {
          throw new Error(`${name} v${v}: ${e.message}`, { cause: e })
        })
        expect(response, `${name} v${v}`).toBeTypeOf('object')
        expectExactReencode(api, v, frame, response)
      }
    } finally {
      c.close()
    }
  })
})

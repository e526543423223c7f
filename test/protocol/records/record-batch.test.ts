import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KafkaError, ProtocolError } from '../../../src/errors.js'
import {
  batches,
  CompressionType,
  ControlRecordType,
  compress,
  type KafkaRecord,
  RECORD_BATCH_OVERHEAD,
  RecordBatchBuilder,
  type RecordBatchBuilderOptions,
  setBaseOffset,
  setPartitionLeaderEpoch,
  setProducerState,
  TimestampType,
} from '../../../src/protocol/records/index.js'
import { compressionArb, crc32c, type InputRecord, recordArb } from './helpers.js'

const require = createRequire(import.meta.url)

function build(records: InputRecord[], options: RecordBatchBuilderOptions = {}): Buffer {
  const b = new RecordBatchBuilder({ batchSizeLimit: Number.MAX_SAFE_INTEGER, ...options })
  for (const r of records) expect(b.tryAppend(r.timestamp, r.key, r.value, r.headers)).toBe(true)
  return b.build()
}

function expectRecords(actual: KafkaRecord[], expected: InputRecord[], baseOffset = 0n): void {
  expect(actual.length).toBe(expected.length)
  expected.forEach((e, i) => {
    const a = actual[i]!
    expect(a.offset).toBe(baseOffset + BigInt(i))
    expect(a.timestamp).toBe(e.timestamp)
    expect(a.key === null ? null : Buffer.from(a.key)).toEqual(e.key)
    expect(a.value === null ? null : Buffer.from(a.value)).toEqual(e.value)
    expect(a.headers).toEqual(e.headers.map(([key, value]) => ({ key, value })))
  })
}

function restamp(buf: Buffer): void {
  buf.writeUInt32BE(crc32c(buf, 21, buf.length), 17)
}

describe('RecordBatch v2 round trip', () => {
  it('build → batches → records reproduces every field (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 30 }),
        compressionArb,
        fc.record({
          baseOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }),
          partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
          producerId: fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
          producerEpoch: fc.integer({ min: -1, max: 32767 }),
          baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
          isTransactional: fc.boolean(),
        }),
        (records, compression, o) => {
          const buf = build(records, { ...o, compression })
          const all = [...batches(buf)]
          expect(all.length).toBe(1)
          const batch = all[0]!
          expect(batch.baseOffset).toBe(o.baseOffset)
          expect(batch.batchLength).toBe(buf.length - 12)
          expect(batch.sizeInBytes).toBe(buf.length)
          expect(batch.partitionLeaderEpoch).toBe(o.partitionLeaderEpoch)
          expect(batch.magic).toBe(2)
          expect(batch.compression).toBe(compression)
          expect(batch.timestampType).toBe(TimestampType.CREATE_TIME)
          expect(batch.isTransactional).toBe(o.isTransactional)
          expect(batch.isControl).toBe(false)
          expect(batch.lastOffsetDelta).toBe(records.length - 1)
          expect(batch.lastOffset).toBe(o.baseOffset + BigInt(records.length - 1))
          expect(batch.nextOffset).toBe(o.baseOffset + BigInt(records.length))
          expect(batch.baseTimestamp).toBe(records[0]!.timestamp)
          expect(batch.maxTimestamp).toBe(Math.max(...records.map((r) => r.timestamp)))
          expect(batch.producerId).toBe(o.producerId)
          expect(batch.producerEpoch).toBe(o.producerEpoch)
          expect(batch.baseSequence).toBe(o.baseSequence)
          expect(batch.recordCount).toBe(records.length)
          expect(batch.crc).toBe(crc32c(buf, 21, buf.length))
          expect(batch.buffer.equals(buf)).toBe(true)
          expectRecords([...batch.records()], records, o.baseOffset)
          expectRecords([...batch], records, o.baseOffset)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('several batches and a truncated tail: yields the complete ones, stops cleanly at every cut', () => {
    const a = build([{ timestamp: 1, key: null, value: Buffer.from('a'), headers: [] }], { baseOffset: 0n })
    const b = build(
      [
        { timestamp: 2, key: Buffer.from('k'), value: Buffer.from('bb'), headers: [] },
        { timestamp: 3, key: null, value: null, headers: [['h', null]] },
      ],
      { baseOffset: 1n, compression: CompressionType.GZIP },
    )
    const c = build([{ timestamp: 4, key: null, value: Buffer.alloc(500, 1), headers: [] }], { baseOffset: 3n })
    const all = Buffer.concat([a, b, c])
    for (let cut = 0; cut <= all.length; cut++) {
      const got = [...batches(all.subarray(0, cut))]
      const expected =
        cut >= a.length + b.length + c.length ? 3 : cut >= a.length + b.length ? 2 : cut >= a.length ? 1 : 0
      expect(got.length).toBe(expected)
      const offsets = got.flatMap((batch) => [...batch.records()].map((r) => r.offset))
      expect(offsets).toEqual([0n, 1n, 2n, 3n].slice(0, [0, 1, 3, 4][expected]))
    }
  })

  it('records are zero-copy views of the fetched bytes when uncompressed', () => {
    const buf = build([{ timestamp: 5, key: Buffer.from('key'), value: Buffer.from('value'), headers: [] }])
    const record = [...[...batches(buf)][0]!.records()][0]!
    expect(record.value!.buffer).toBe(buf.buffer)
  })

  it('large offsets deltas and timestamps far apart', () => {
    const records: InputRecord[] = [
      { timestamp: 2 ** 45, key: null, value: null, headers: [] },
      { timestamp: 0, key: null, value: null, headers: [] },
      { timestamp: 2 ** 46, key: null, value: null, headers: [] },
    ]
    const batch = [...batches(build(records))][0]!
    expect(batch.maxTimestamp).toBe(2 ** 46)
    expectRecords([...batch.records()], records)
  })

  it('records decode lazily: a broken record after the first still yields the first', () => {
    const buf = build([
      { timestamp: 1, key: null, value: Buffer.from('one'), headers: [] },
      { timestamp: 2, key: null, value: Buffer.from('two'), headers: [] },
    ])
    // Corrupt the second record's key length (zigzag -2 → invalid) and re-stamp the CRC.
    const secondStart = RECORD_BATCH_OVERHEAD + 1 + buf[RECORD_BATCH_OVERHEAD]! / 2
    buf[secondStart + 4] = 3 // key length -2
    restamp(buf)
    const it = [...batches(buf)][0]!.records()
    expect(it.next().value?.value?.toString()).toBe('one')
    expect(() => it.next()).toThrow(ProtocolError)
  })
})

describe('RecordBatchBuilder', () => {
  it('the first record always fits; later ones are refused past the limit', () => {
    const b = new RecordBatchBuilder({ batchSizeLimit: 100 })
    expect(b.tryAppend(1, null, Buffer.alloc(500), null)).toBe(true)
    expect(b.tryAppend(1, null, Buffer.alloc(1), null)).toBe(false)
    expect(b.recordCount).toBe(1)
    const c = new RecordBatchBuilder({ batchSizeLimit: 200 })
    let n = 0
    while (c.tryAppend(1000 + n, null, Buffer.alloc(20), null)) n++
    expect(c.estimatedSizeInBytes).toBeLessThanOrEqual(200)
    const built = c.build()
    expect(built.length).toBe(c.estimatedSizeInBytes)
    expect(built.length).toBeLessThanOrEqual(200)
    expect([...[...batches(built)][0]!.records()].length).toBe(n)
  })

  it('estimatedSizeInBytes is exact for uncompressed batches; compressed batches report their ratio', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 20 }), (records) => {
        const b = new RecordBatchBuilder({ batchSizeLimit: 1 << 30 })
        for (const r of records) b.tryAppend(r.timestamp, r.key, r.value, r.headers)
        const estimate = b.estimatedSizeInBytes
        expect(b.build().length).toBe(estimate)
      }),
      { numRuns: 50 },
    )
    const z = new RecordBatchBuilder({ compression: CompressionType.ZSTD, batchSizeLimit: 1 << 20 })
    for (let i = 0; i < 100; i++) z.tryAppend(i, null, Buffer.from('the same value again and again'), null)
    z.build()
    expect(z.compressionRatio).toBeLessThan(0.5)
  })

  it('compressionRatioEstimate lets more records into a compressed batch', () => {
    const fill = (estimate: number) => {
      const b = new RecordBatchBuilder({
        compression: CompressionType.LZ4,
        batchSizeLimit: 1000,
        compressionRatioEstimate: estimate,
      })
      let n = 0
      while (b.tryAppend(n, null, Buffer.alloc(50, 7), null)) n++
      return n
    }
    expect(fill(0.25)).toBeGreaterThan(fill(1) * 3)
  })

  it('grows past its initial capacity and uses a given buffer', () => {
    const b = new RecordBatchBuilder({ initialCapacity: 64, batchSizeLimit: 1 << 20 })
    const records: InputRecord[] = Array.from({ length: 50 }, (_, i) => ({
      timestamp: i,
      key: null,
      value: Buffer.alloc(i * 10, i),
      headers: [],
    }))
    for (const r of records) b.tryAppend(r.timestamp, r.key, r.value, r.headers)
    expectRecords([...[...batches(b.build())][0]!.records()], records)
    const pool = Buffer.alloc(4096)
    const p = new RecordBatchBuilder({ buffer: pool })
    p.tryAppend(1, null, Buffer.from('x'), null)
    expect(p.build().buffer).toBe(pool.buffer)
  })

  it('build() is idempotent; append after build and empty builds throw', async () => {
    const b = new RecordBatchBuilder()
    expect(() => b.build()).toThrow(KafkaError)
    b.tryAppend(1, null, null, null)
    const first = b.build()
    expect(b.build()).toBe(first)
    expect(b.isBuilt).toBe(true)
    expect(() => b.tryAppend(1, null, null, null)).toThrow(KafkaError)
    const c = new RecordBatchBuilder({ compression: CompressionType.SNAPPY })
    c.tryAppend(1, null, Buffer.from('async'), null)
    const built = await c.buildAsync()
    expect(await c.buildAsync()).toBe(built)
    expect([...[...batches(built)][0]!.records()][0]!.value!.toString()).toBe('async')
  })

  it('compressInBackground: compresses off the event loop, closes the batch, and build() uses the result', async () => {
    const values = Array.from({ length: 50 }, (_, i) => Buffer.from(`${i}:${'lorem ipsum '.repeat(40)}`))
    // gzip, snappy and lz4-napi on the libuv thread pool; zstd-napi on the compression worker.
    const codecs = [CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD]
    for (const compression of codecs) {
      const fill = (b: RecordBatchBuilder) => {
        for (const v of values) expect(b.tryAppend(1000, null, v, null)).toBe(true)
      }
      const sync = new RecordBatchBuilder({ compression, batchSizeLimit: 1 << 20 })
      fill(sync)
      const background = new RecordBatchBuilder({ compression, batchSizeLimit: 1 << 20 })
      fill(background)
      const pending = background.compressInBackground()
      expect(pending).not.toBeNull()
      expect(background.compressInBackground()).toBe(pending) // once
      expect(background.tryAppend(1000, null, Buffer.from('late'), null)).toBe(false)
      await pending
      const built = background.build()
      // The codecs are deterministic: the same bytes as compressing on the event loop.
      expect(built.equals(sync.build())).toBe(true)
      expect([...[...batches(built)][0]!.records()].map((r) => r.value!.toString())).toEqual(
        values.map((v) => v.toString()),
      )
    }
    // Nothing to do off the event loop: no compression, or no records.
    const plain = new RecordBatchBuilder()
    plain.tryAppend(1, null, Buffer.from('x'), null)
    expect(plain.compressInBackground()).toBeNull()
    expect(new RecordBatchBuilder({ compression: CompressionType.LZ4 }).compressInBackground()).toBeNull()
  })

  it('rejects timestamps that are not safe integers', () => {
    const b = new RecordBatchBuilder()
    expect(() => b.tryAppend(Number.NaN, null, null, null)).toThrow(KafkaError)
    expect(() => b.tryAppend(1.5, null, null, null)).toThrow(KafkaError)
    b.tryAppend(0, null, null, null)
    expect(() => b.tryAppend(2 ** 53, null, null, null)).toThrow(KafkaError)
  })

  it('setProducerState re-stamps producer fields and the CRC; base offset and leader epoch setters', () => {
    for (const compression of [CompressionType.NONE, CompressionType.LZ4] as const) {
      const buf = build([{ timestamp: 1, key: null, value: Buffer.from('v'), headers: [] }], {
        compression,
        producerId: 5n,
        producerEpoch: 1,
        baseSequence: 10,
      })
      setProducerState(buf, 123456789012345n, 7, 42)
      setBaseOffset(buf, 1000n)
      setPartitionLeaderEpoch(buf, 9)
      const batch = [...batches(buf)][0]!
      expect(batch.producerId).toBe(123456789012345n)
      expect(batch.producerEpoch).toBe(7)
      expect(batch.baseSequence).toBe(42)
      expect(batch.baseOffset).toBe(1000n)
      expect(batch.partitionLeaderEpoch).toBe(9)
      expect([...batch.records()][0]!.offset).toBe(1000n)
    }
    expect(() => setProducerState(Buffer.alloc(10), 1n, 1, 1)).toThrow(KafkaError)
  })

  it('header keys in any script round trip (UTF-8 path)', () => {
    const headers: Array<[string, Buffer | null]> = [
      ['ascii', Buffer.from('1')],
      ['ключ', null],
      ['鍵🔑', Buffer.alloc(0)],
      ['x'.repeat(100), Buffer.from('long ascii key')],
    ]
    const records = [{ timestamp: 1, key: null, value: null, headers }]
    expectRecords([...[...batches(build(records))][0]!.records()], records)
  })
})

describe('control batches and timestamp types', () => {
  it('a commit marker is recognised', () => {
    const key = Buffer.from([0, 0, 0, ControlRecordType.COMMIT])
    const value = Buffer.from([0, 0, 0, 0, 0, 5])
    const buf = build([{ timestamp: 10, key, value, headers: [] }], {
      isControl: true,
      isTransactional: true,
      producerId: 77n,
      baseOffset: 40n,
    })
    const batch = [...batches(buf)][0]!
    expect(batch.isControl).toBe(true)
    expect(batch.isTransactional).toBe(true)
    expect(batch.controlRecord()).toEqual({
      offset: 40n,
      timestamp: 10,
      version: 0,
      type: ControlRecordType.COMMIT,
      coordinatorEpoch: 5,
    })
  })

  it('an abort marker, and non-control batches have no control record', () => {
    const abort = build([{ timestamp: 1, key: Buffer.from([0, 0, 0, 0]), value: null, headers: [] }], {
      isControl: true,
    })
    expect([...batches(abort)][0]!.controlRecord()?.type).toBe(ControlRecordType.ABORT)
    const plain = build([{ timestamp: 1, key: null, value: null, headers: [] }])
    expect([...batches(plain)][0]!.controlRecord()).toBeNull()
    const shortKey = build([{ timestamp: 1, key: Buffer.from([0]), value: null, headers: [] }], { isControl: true })
    expect(() => [...batches(shortKey)][0]!.controlRecord()).toThrow(ProtocolError)
  })

  it('LogAppendTime: every record takes the batch maxTimestamp', () => {
    const records: InputRecord[] = [1, 5, 3].map((t) => ({ timestamp: t, key: null, value: null, headers: [] }))
    const buf = build(records, { logAppendTime: true })
    // A broker sets maxTimestamp to the append time.
    buf.writeUInt32BE(0, 35)
    buf.writeUInt32BE(99999, 39)
    restamp(buf)
    const batch = [...batches(buf)][0]!
    expect(batch.timestampType).toBe(TimestampType.LOG_APPEND_TIME)
    expect([...batch.records()].map((r) => r.timestamp)).toEqual([99999, 99999, 99999])
  })
})

describe('malformed batches', () => {
  const good = () =>
    build([
      { timestamp: 1, key: Buffer.from('k'), value: Buffer.from('v'), headers: [['h', Buffer.from('x')]] },
      { timestamp: 2, key: null, value: Buffer.from('w'), headers: [] },
    ])

  it('a CRC mismatch is a ProtocolError unless checkCrcs is off', () => {
    const buf = good()
    buf[buf.length - 1]! ^= 0xff
    expect(() => [...batches(buf)]).toThrow(/CRC mismatch/)
    expect([...batches(buf, { checkCrcs: false })].length).toBe(1)
  })

  it('bad magic, short lengths, negative counts, unknown compression', () => {
    const magic = good()
    magic[16] = 3
    expect(() => [...batches(magic)]).toThrow(ProtocolError)
    const short = good()
    short.writeInt32BE(13, 8)
    expect(() => [...batches(short)]).toThrow(ProtocolError)
    const shortV2 = good().subarray(0, 40)
    shortV2.writeInt32BE(28, 8)
    expect(() => [...batches(shortV2)]).toThrow(ProtocolError)
    const count = good()
    count.writeInt32BE(-1, 57)
    restamp(count)
    expect(() => [...batches(count)]).toThrow(ProtocolError)
    const codec = good()
    codec.writeUInt16BE(6, 21)
    restamp(codec)
    expect(() => [...batches(codec)]).toThrow(/compression/)
  })

  it('record count disagreeing with the bytes: too many → ProtocolError, too few → trailing bytes ProtocolError', () => {
    const more = good()
    more.writeInt32BE(3, 57)
    restamp(more)
    expect(() => [...[...batches(more)][0]!.records()]).toThrow(ProtocolError)
    const fewer = good()
    fewer.writeInt32BE(1, 57)
    restamp(fewer)
    expect(() => [...[...batches(fewer)][0]!.records()]).toThrow(/after its last record/)
  })

  it('an empty batch left by compaction (compression bit set, no records section) has no records', () => {
    const full = build([{ timestamp: 1, key: null, value: null, headers: [] }], { compression: CompressionType.LZ4 })
    const empty = Buffer.from(full.subarray(0, RECORD_BATCH_OVERHEAD))
    empty.writeInt32BE(RECORD_BATCH_OVERHEAD - 12, 8)
    empty.writeInt32BE(0, 57)
    restamp(empty)
    const batch = [...batches(empty)][0]!
    expect(batch.recordCount).toBe(0)
    expect([...batch.records()]).toEqual([])
    expect(batch.lastOffset).toBe(0n)
  })

  it('a compressed batch is only decompressed when its records are read', () => {
    const buf = build([{ timestamp: 1, key: null, value: Buffer.from('v'), headers: [] }], {
      compression: CompressionType.ZSTD,
    })
    buf.fill(0xaa, RECORD_BATCH_OVERHEAD)
    restamp(buf)
    const batch = [...batches(buf)][0]!
    expect(batch.recordCount).toBe(1)
    expect(() => batch.records()).toThrow(ProtocolError)
  })

  it('a compressed batch inflating beyond maxDecompressedBytes is rejected', () => {
    const b = new RecordBatchBuilder({ compression: CompressionType.GZIP, batchSizeLimit: 1 << 30 })
    for (let i = 0; i < 2000; i++) b.tryAppend(i, null, Buffer.alloc(1000), null)
    const buf = b.build()
    expect(buf.length).toBeLessThan(100_000)
    const batch = [...batches(buf, { maxDecompressedBytes: 1 << 20 })][0]!
    expect(() => batch.records()).toThrow(/more than 1048576/)
  })

  it('a batch claiming many records over a tiny compressed section fails fast', () => {
    const header = build([{ timestamp: 1, key: null, value: null, headers: [] }]).subarray(0, RECORD_BATCH_OVERHEAD)
    const section = compress(CompressionType.GZIP, Buffer.from([0x0c, 0, 0, 0, 1, 1, 0]))
    const buf = Buffer.concat([header, section])
    buf.writeInt32BE(buf.length - 12, 8)
    buf.writeUInt16BE(CompressionType.GZIP, 21)
    buf.writeInt32BE(2 ** 31 - 1, 57)
    restamp(buf)
    const started = Date.now()
    expect(() => [...[...batches(buf)][0]!.records()]).toThrow(ProtocolError)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('cross-check with an independent implementation (kafkajs)', () => {
  const Long = require('kafkajs/src/utils/long')
  const KjsRecordBatch = require('kafkajs/src/protocol/recordBatch/v0').RecordBatch
  const KjsRecord = require('kafkajs/src/protocol/recordBatch/record/v0')
  const KjsDecoder = require('kafkajs/src/protocol/decoder')
  const decodeKjsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder')

  it('decodes batches kafkajs encodes (none and gzip)', async () => {
    for (const compression of [CompressionType.NONE, CompressionType.GZIP]) {
      const records = [
        { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k0'), value: Buffer.from('v0'), headers: { a: 'b' } },
        { offsetDelta: 1, timestampDelta: 7, key: null, value: Buffer.from('v1'), headers: {} },
        { offsetDelta: 2, timestampDelta: 3, key: Buffer.from('k2'), value: null, headers: { x: 'y', z: 'w' } },
      ]
      const encoded = await KjsRecordBatch({
        compression,
        firstOffset: Long.fromString('12345'),
        firstTimestamp: 1_700_000_000_000,
        maxTimestamp: 1_700_000_000_007,
        lastOffsetDelta: 2,
        producerId: Long.fromString('99'),
        producerEpoch: 3,
        firstSequence: 17,
        records: records.map(KjsRecord),
      })
      const batch = [...batches(encoded.buffer)][0]!
      expect(batch.baseOffset).toBe(12345n)
      expect(batch.producerId).toBe(99n)
      expect(batch.baseSequence).toBe(17)
      const decoded = [...batch.records()]
      expect(decoded.map((r) => r.offset)).toEqual([12345n, 12346n, 12347n])
      expect(decoded.map((r) => r.timestamp)).toEqual([1_700_000_000_000, 1_700_000_000_007, 1_700_000_000_003])
      expect(decoded[0]!.headers).toEqual([{ key: 'a', value: Buffer.from('b') }])
      expect(decoded[1]!.key).toBeNull()
      expect(decoded[2]!.value).toBeNull()
      expect(decoded[2]!.headers.map((h) => h.key)).toEqual(['x', 'z'])
    }
  })

  it('kafkajs decodes batches we encode (none and gzip)', async () => {
    for (const compression of [CompressionType.NONE, CompressionType.GZIP]) {
      const records: InputRecord[] = [
        {
          timestamp: 1_700_000_000_000,
          key: Buffer.from('k'),
          value: Buffer.from('hello'),
          headers: [['h', Buffer.from('v')]],
        },
        { timestamp: 1_700_000_000_500, key: null, value: Buffer.from('world'), headers: [] },
      ]
      const buf = build(records, { compression, baseOffset: 7n, producerId: 1n, producerEpoch: 0, baseSequence: 0 })
      const decoded = await decodeKjsBatch(new KjsDecoder(buf))
      expect(decoded.firstOffset).toBe('7')
      expect(decoded.maxTimestamp).toBe('1700000000500')
      expect(decoded.records.map((r: { value: Buffer }) => r.value.toString())).toEqual(['hello', 'world'])
      expect(decoded.records.map((r: { offset: string }) => r.offset)).toEqual(['7', '8'])
      expect(decoded.records[0].headers).toEqual({ h: Buffer.from('v') })
    }
  })
})

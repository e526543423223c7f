import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../../src/errors.js'
import {
  batches,
  CompressionType,
  compress,
  RecordBatchBuilder,
  TimestampType,
} from '../../../src/protocol/records/index.js'

// Legacy messages are built with kafkajs's message encoders (an independent implementation):
// Kafka 4 brokers no longer write magic 0/1, so there is nothing to capture from the broker.
const require = createRequire(import.meta.url)
const MessageV0 = require('kafkajs/src/protocol/message/v0')
const MessageV1 = require('kafkajs/src/protocol/message/v1')

interface Msg {
  key?: Buffer | null
  value: Buffer | null
  timestamp?: number
  compression?: number
}

function message(magic: 0 | 1, m: Msg): Buffer {
  const encoder =
    magic === 0
      ? MessageV0({ compression: m.compression ?? 0, key: m.key ?? null, value: m.value })
      : MessageV1({ compression: m.compression ?? 0, timestamp: m.timestamp ?? 0, key: m.key ?? null, value: m.value })
  return encoder.buffer
}

function entry(offset: bigint, msg: Buffer): Buffer {
  const head = Buffer.alloc(12)
  head.writeBigInt64BE(offset, 0)
  head.writeInt32BE(msg.length, 8)
  return Buffer.concat([head, msg])
}

function xerial(data: Buffer): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1])
  const chunks: Buffer[] = [header]
  for (let i = 0; i < data.length; i += 1000) {
    const block = compress(CompressionType.SNAPPY, data.subarray(i, i + 1000))
    const len = Buffer.alloc(4)
    len.writeInt32BE(block.length)
    chunks.push(len, block)
  }
  return Buffer.concat(chunks)
}

function wrapper(
  magic: 0 | 1,
  offset: bigint,
  compression: number,
  inner: Buffer,
  timestamp = 0,
  logAppendTime = false,
): Buffer {
  const msg = message(magic, { value: inner, compression, timestamp })
  if (logAppendTime) {
    // Set the timestamp-type bit and recompute the CRC-32 over magic..end.
    msg[5] = msg[5]! | 0x08
    msg.writeUInt32BE(crc32(msg.subarray(4)), 0)
  }
  return entry(offset, msg)
}

function crc32(buf: Uint8Array): number {
  let c = -1
  for (const b of buf) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return ~c >>> 0
}

describe('legacy message sets (magic 0 and 1)', () => {
  it('uncompressed magic 0: one batch per message, no timestamps', () => {
    const set = Buffer.concat([
      entry(10n, message(0, { key: Buffer.from('a'), value: Buffer.from('one') })),
      entry(11n, message(0, { value: Buffer.from('two') })),
      entry(12n, message(0, { key: Buffer.from('c'), value: null })),
    ])
    const all = [...batches(set)]
    expect(all.map((b) => [b.magic, b.baseOffset, b.recordCount, b.lastOffset])).toEqual([
      [0, 10n, 1, 10n],
      [0, 11n, 1, 11n],
      [0, 12n, 1, 12n],
    ])
    const records = all.flatMap((b) => [...b.records()])
    expect(records).toEqual([
      { offset: 10n, timestamp: -1, key: Buffer.from('a'), value: Buffer.from('one'), headers: [] },
      { offset: 11n, timestamp: -1, key: null, value: Buffer.from('two'), headers: [] },
      { offset: 12n, timestamp: -1, key: Buffer.from('c'), value: null, headers: [] },
    ])
    expect(all[0]!.producerId).toBe(-1n)
    expect(all[0]!.isTransactional).toBe(false)
    expect(all[0]!.isControl).toBe(false)
  })

  it('uncompressed magic 1 keeps each message timestamp', () => {
    const set = Buffer.concat([
      entry(0n, message(1, { value: Buffer.from('x'), timestamp: 1_500_000_000_000 })),
      entry(1n, message(1, { value: Buffer.from('y'), timestamp: 1_500_000_000_123 })),
    ])
    const records = [...batches(set)].flatMap((b) => [...b.records()])
    expect(records.map((r) => [r.offset, r.timestamp])).toEqual([
      [0n, 1_500_000_000_000],
      [1n, 1_500_000_000_123],
    ])
  })

  const innerV1 = () =>
    Buffer.concat([
      entry(0n, message(1, { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: 1000 })),
      entry(1n, message(1, { value: Buffer.from('v1'), timestamp: 3000 })),
      entry(2n, message(1, { value: Buffer.from('v2'.repeat(500)), timestamp: 2000 })),
    ])

  for (const [name, type, encode] of [
    ['gzip', CompressionType.GZIP, (b: Buffer) => compress(CompressionType.GZIP, b)],
    ['snappy (xerial framing)', CompressionType.SNAPPY, xerial],
    ['snappy (raw block)', CompressionType.SNAPPY, (b: Buffer) => compress(CompressionType.SNAPPY, b)],
    ['lz4', CompressionType.LZ4, (b: Buffer) => compress(CompressionType.LZ4, b)],
  ] as const) {
    it(`magic 1 ${name} wrapper: relative inner offsets become absolute`, () => {
      const set = wrapper(1, 102n, type, encode(innerV1()), 5000)
      const all = [...batches(set)]
      expect(all.length).toBe(1)
      const batch = all[0]!
      expect(batch.magic).toBe(1)
      expect(batch.compression).toBe(type)
      expect(batch.baseOffset).toBe(100n)
      expect(batch.lastOffset).toBe(102n)
      expect(batch.recordCount).toBe(3)
      expect(batch.timestampType).toBe(TimestampType.CREATE_TIME)
      expect(batch.maxTimestamp).toBe(3000)
      const records = [...batch.records()]
      expect(records.map((r) => [r.offset, r.timestamp])).toEqual([
        [100n, 1000],
        [101n, 3000],
        [102n, 2000],
      ])
      expect(records[0]!.key).toEqual(Buffer.from('k0'))
      expect(records[2]!.value).toEqual(Buffer.from('v2'.repeat(500)))
    })
  }

  it('magic 1 LogAppendTime wrapper: every record takes the wrapper timestamp', () => {
    const set = wrapper(1, 2n, CompressionType.GZIP, compress(CompressionType.GZIP, innerV1()), 7777, true)
    const batch = [...batches(set)][0]!
    expect(batch.timestampType).toBe(TimestampType.LOG_APPEND_TIME)
    expect([...batch.records()].map((r) => r.timestamp)).toEqual([7777, 7777, 7777])
  })

  it('magic 0 wrappers carry absolute inner offsets; Kafka’s broken magic-v0 LZ4 header checksum is accepted', () => {
    const inner = Buffer.concat([
      entry(50n, message(0, { value: Buffer.from('a') })),
      entry(51n, message(0, { value: Buffer.from('b') })),
    ])
    const lz4 = compress(CompressionType.LZ4, inner)
    lz4[6] = (lz4[6]! + 1) & 0xff // a header checksum a strict frame decoder would reject
    for (const [type, value] of [
      [CompressionType.GZIP, compress(CompressionType.GZIP, inner)],
      [CompressionType.LZ4, lz4],
    ] as const) {
      const batch = [...batches(wrapper(0, 51n, type, value))][0]!
      expect([...batch.records()].map((r) => [r.offset, r.timestamp, r.value?.toString()])).toEqual([
        [50n, -1, 'a'],
        [51n, -1, 'b'],
      ])
    }
  })

  it('legacy messages followed by a v2 batch in one fetch', () => {
    const v2 = new RecordBatchBuilder({ baseOffset: 3n })
    v2.tryAppend(99, null, Buffer.from('new'), null)
    const set = Buffer.concat([
      entry(0n, message(1, { value: Buffer.from('old'), timestamp: 1 })),
      wrapper(1, 2n, CompressionType.GZIP, compress(CompressionType.GZIP, innerV1())),
      v2.build(),
    ])
    const offsets = [...batches(set)].flatMap((b) => [...b.records()].map((r) => r.offset))
    expect(offsets).toEqual([0n, 0n, 1n, 2n, 3n])
  })

  it('a truncated legacy message at the end ends the walk cleanly', () => {
    const set = Buffer.concat([
      entry(0n, message(1, { value: Buffer.from('complete') })),
      entry(1n, message(1, { value: Buffer.from('cut short') })),
    ])
    for (let cut = 0; cut < set.length; cut++) {
      const n = [...batches(set.subarray(0, cut))].length
      expect(n).toBeLessThanOrEqual(1)
    }
  })

  it('CRC-32 mismatches, nested compression, bad sizes and empty wrappers are ProtocolErrors', () => {
    const good = entry(0n, message(1, { value: Buffer.from('v') }))
    const bad = Buffer.from(good)
    bad[bad.length - 1]! ^= 1
    expect(() => [...batches(bad)]).toThrow(/CRC mismatch/)
    expect([...batches(bad, { checkCrcs: false })].length).toBe(1)

    const nestedInner = wrapper(1, 0n, CompressionType.GZIP, compress(CompressionType.GZIP, innerV1()))
    const nested = wrapper(1, 0n, CompressionType.GZIP, compress(CompressionType.GZIP, nestedInner))
    expect(() => [...batches(nested)]).toThrow(/Nested compression/)

    const empty = wrapper(1, 0n, CompressionType.GZIP, compress(CompressionType.GZIP, Buffer.alloc(0)))
    expect(() => [...batches(empty)]).toThrow(ProtocolError)

    const noValue = entry(0n, message(1, { value: null, compression: CompressionType.GZIP }))
    expect(() => [...batches(noValue)]).toThrow(ProtocolError)

    const keyTooLong = Buffer.from(good)
    keyTooLong.writeInt32BE(1000, 12 + 4 + 2 + 8)
    expect(() => [...batches(keyTooLong, { checkCrcs: false })]).toThrow(ProtocolError)

    const tooSmall = Buffer.from(good)
    tooSmall.writeInt32BE(20, 8)
    expect(() => [...batches(tooSmall, { checkCrcs: false })]).toThrow(ProtocolError)

    const zstd = wrapper(1, 0n, CompressionType.ZSTD, compress(CompressionType.ZSTD, innerV1()))
    expect(() => [...batches(zstd)]).toThrow(/compression type 4/)
  })

  it('a wrapper inflating beyond maxDecompressedBytes is rejected', () => {
    const inner = Buffer.concat(
      Array.from({ length: 100 }, (_, i) => entry(BigInt(i), message(1, { value: Buffer.alloc(10_000) }))),
    )
    const set = wrapper(1, 99n, CompressionType.GZIP, compress(CompressionType.GZIP, inner))
    expect(() => [...batches(set, { maxDecompressedBytes: 100_000 })]).toThrow(/more than 100000/)
  })
})

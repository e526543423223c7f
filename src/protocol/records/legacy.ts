/**
 * Legacy message sets (magic 0 and 1), decoded read-only: a Fetch from a topic written
 * before Kafka 0.11 (or by an old client, kept in the old format) may return them.
 *
 *   offset int64, messageSize int32, crc uint32 (CRC-32 over magic..end), magic int8,
 *   attributes int8 (bits 0–2 compression, bit 3 timestamp type for magic 1),
 *   [timestamp int64 — magic 1 only], key bytes (int32 length, -1 = null), value bytes
 *
 * A compressed message (a "wrapper") carries a whole inner message set in its value. For
 * magic 1 wrappers the inner offsets are relative: absolute = wrapper offset - last inner
 * offset + inner offset. For magic 0 they are absolute. A LogAppendTime wrapper's timestamp
 * applies to every inner message.
 *
 * Each top-level message becomes one RecordBatch; its records are decoded eagerly (legacy
 * data is rare, and a magic 1 wrapper's base offset is only known after reading them all).
 * Called by `batches()` in batch-reader.ts.
 */
import zlib from 'node:zlib'
import { ProtocolError } from '../../errors.js'
import { decompress } from './compression/index.js'
import type { CompressionType } from './compression/types.js'
import type { KafkaRecord } from './record-batch.js'

const TWO_32 = 4294967296
const NO_TIMESTAMP = -1

const CRC32_TABLE = (() => {
  const t = new Int32Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
    t[i] = c
  }
  return t
})()

const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32

/** CRC-32 (IEEE), which legacy messages use; node:zlib's where Node has it (≥ 20.15). */
export function crc32(buf: Uint8Array, start: number, end: number): number {
  if (nativeCrc32 !== undefined) return nativeCrc32(buf.subarray(start, end)) >>> 0
  let c = -1
  for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ buf[i]!) & 255]! ^ (c >>> 8)
  return ~c >>> 0
}

interface Message {
  offset: bigint
  magic: number
  attributes: number
  crc: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  size: number
}

function readBytes(buf: Buffer, pos: number, end: number, what: string): Buffer | null {
  const len = buf.readInt32BE(pos)
  if (len === -1) return null
  if (len < 0 || len > end - pos - 4) throw new ProtocolError(`Invalid legacy message ${what} length ${len}`)
  return buf.subarray(pos + 4, pos + 4 + len)
}

/** Parses the message at `pos`, which the caller has checked fits within `end`. */
function parseMessage(buf: Buffer, pos: number, end: number, checkCrcs: boolean): Message {
  const size = buf.readInt32BE(pos + 8)
  const magic = buf[pos + 16]!
  if (magic > 1) throw new ProtocolError(`Unexpected magic ${magic} inside a legacy message set`)
  const headerSize = magic === 0 ? 14 : 22
  if (size < headerSize) throw new ProtocolError(`Legacy message size ${size} is too small for magic ${magic}`)
  const crc = buf.readUInt32BE(pos + 12)
  if (checkCrcs) {
    const actual = crc32(buf, pos + 16, end)
    if (actual !== crc) {
      throw new ProtocolError(
        `Legacy message CRC mismatch: stored ${crc.toString(16)}, computed ${actual.toString(16)}`,
      )
    }
  }
  const attributes = buf[pos + 17]!
  let p = pos + 18
  let timestamp = NO_TIMESTAMP
  if (magic === 1) {
    timestamp = buf.readInt32BE(p) * TWO_32 + buf.readUInt32BE(p + 4)
    p += 8
  }
  const key = readBytes(buf, p, end, 'key')
  p += 4 + (key === null ? 0 : key.length)
  if (end - p < 4) throw new ProtocolError('Truncated legacy message value')
  const value = readBytes(buf, p, end, 'value')
  p += 4 + (value === null ? 0 : value.length)
  if (p !== end) throw new ProtocolError(`Legacy message declares ${size} bytes but holds ${p - pos - 12}`)
  return { offset: buf.readBigInt64BE(pos), magic, attributes, crc, timestamp, key, value, size }
}

export interface LegacyBatch {
  fields: {
    baseOffset: bigint
    batchLength: number
    partitionLeaderEpoch: number
    magic: number
    crc: number
    attributes: number
    lastOffsetDelta: number
    baseTimestamp: number
    maxTimestamp: number
    producerId: bigint
    producerEpoch: number
    baseSequence: number
    recordCount: number
  }
  records: KafkaRecord[]
}

function toRecord(offset: bigint, timestamp: number, m: Message): KafkaRecord {
  return { offset, timestamp, key: m.key, value: m.value, headers: [] }
}

/** Decodes the top-level legacy message at `buf[pos, end)` into one batch. */
export function decodeLegacyMessage(
  buf: Buffer,
  pos: number,
  end: number,
  checkCrcs: boolean,
  maxDecompressed: number,
): LegacyBatch {
  const wrapper = parseMessage(buf, pos, end, checkCrcs)
  const compression = (wrapper.attributes & 0x07) as CompressionType
  const logAppendTime = wrapper.magic === 1 && (wrapper.attributes & 0x08) !== 0
  let records: KafkaRecord[]
  if (compression === 0) {
    records = [toRecord(wrapper.offset, wrapper.timestamp, wrapper)]
  } else {
    if (compression > 3) throw new ProtocolError(`Invalid compression type ${compression} for a legacy message`)
    if (wrapper.value === null) throw new ProtocolError('Compressed legacy message has no value')
    const inner = decompress(compression, wrapper.value, maxDecompressed)
    const messages: Message[] = []
    let p = 0
    while (p < inner.length) {
      if (inner.length - p < 12) throw new ProtocolError('Truncated message inside a compressed legacy message')
      const size = inner.readInt32BE(p + 8)
      if (size < 14 || size > inner.length - p - 12) {
        throw new ProtocolError(`Invalid inner legacy message size ${size}`)
      }
      const m = parseMessage(inner, p, p + 12 + size, checkCrcs)
      if ((m.attributes & 0x07) !== 0) throw new ProtocolError('Nested compression in a legacy message set')
      messages.push(m)
      p += 12 + size
    }
    if (messages.length === 0) throw new ProtocolError('Compressed legacy message holds no messages')
    // Magic 1 inner offsets are relative to the last one, whose absolute offset is the wrapper's.
    const shift = wrapper.magic === 1 ? wrapper.offset - messages[messages.length - 1]!.offset : 0n
    records = messages.map((m) =>
      toRecord(m.offset + shift, logAppendTime ? wrapper.timestamp : m.magic === 0 ? NO_TIMESTAMP : m.timestamp, m),
    )
  }
  const first = records[0]!
  const last = records[records.length - 1]!
  let maxTimestamp = NO_TIMESTAMP
  for (const r of records) if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp
  const lastOffsetDelta = Number(last.offset - first.offset)
  return {
    fields: {
      baseOffset: first.offset,
      batchLength: wrapper.size,
      partitionLeaderEpoch: -1,
      magic: wrapper.magic,
      crc: wrapper.crc,
      attributes: wrapper.attributes,
      lastOffsetDelta,
      baseTimestamp: first.timestamp,
      maxTimestamp: logAppendTime ? wrapper.timestamp : maxTimestamp,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: records.length,
    },
    records,
  }
}

import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { ProtocolError } from '../../../src/errors.js'
import { batches, RecordBatchBuilder } from '../../../src/protocol/records/index.js'
import { reportFuzz } from '../support/fuzz-report.js'
import { compressionArb, crc32c, recordArb } from './helpers.js'

const MAX_DECOMPRESSED = 256 * 1024
/** FUZZ_RUNS (default 60, `npm run fuzz` raises it) scales every property's run count. */
const SCALE = Number(process.env.FUZZ_RUNS ?? 60) / 60
const runs = (n: number) => Math.max(1, Math.round(n * SCALE))
const total = { frames: 0, rejected: 0 }
afterAll(() => reportFuzz('record batch decoder', total))

/** Decodes everything in `buf`; returns the payload bytes seen. Only ProtocolError may escape. */
function decodeAll(buf: Buffer, checkCrcs: boolean): number {
  total.frames++
  let payload = 0
  let batchCount = 0
  try {
    for (const batch of batches(buf, { checkCrcs, maxDecompressedBytes: MAX_DECOMPRESSED })) {
      batchCount++
      if (batch.isControl) batch.controlRecord()
      for (const r of batch.records()) {
        payload += (r.key?.length ?? 0) + (r.value?.length ?? 0)
        for (const h of r.headers) payload += h.key.length + (h.value?.length ?? 0)
      }
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err
    total.rejected++
  }
  // Bounded output: at most the input plus one bounded decompression per batch.
  expect(payload).toBeLessThanOrEqual(buf.length + batchCount * MAX_DECOMPRESSED)
  return payload
}

const validBatches = fc
  .array(fc.tuple(fc.array(recordArb, { minLength: 1, maxLength: 8 }), compressionArb, fc.boolean(), fc.boolean()), {
    minLength: 1,
    maxLength: 3,
  })
  .map((specs) => {
    let offset = 0n
    return Buffer.concat(
      specs.map(([records, compression, isTransactional, isControl]) => {
        const b = new RecordBatchBuilder({ compression, baseOffset: offset, isTransactional, isControl })
        for (const r of records) b.tryAppend(r.timestamp, r.key, r.value, r.headers)
        offset += BigInt(records.length)
        return b.build()
      }),
    )
  })

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'int32'; at: number; value: number }

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('int32' as const),
    at: fc.nat(),
    value: fc.constantFrom(-1, 0, 1, 0x7fffffff, -0x80000000, 61, 1 << 20),
  }),
)

function mutate(buf: Buffer, m: Mutation): Buffer {
  const at = buf.length === 0 ? 0 : m.at % buf.length
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(buf)
      if (out.length > 0) out[at]! ^= m.xor
      return out
    }
    case 'set': {
      const out = Buffer.from(buf)
      if (out.length > 0) out[at] = m.byte
      return out
    }
    case 'truncate':
      return buf.subarray(0, at)
    case 'insert':
      return Buffer.concat([buf.subarray(0, at), m.bytes, buf.subarray(at)])
    case 'delete':
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.count)])
    case 'int32': {
      const out = Buffer.from(buf)
      if (out.length >= 4) out.writeInt32BE(m.value, Math.min(at, out.length - 4))
      return out
    }
  }
}

/** Re-stamps the CRC of the first batch so mutations reach the record parser with checkCrcs on. */
function restampFirst(buf: Buffer): Buffer {
  if (buf.length < 61 || buf[16] !== 2) return buf
  const end = 12 + buf.readInt32BE(8)
  if (end > buf.length || end < 21) return buf
  const out = Buffer.from(buf)
  out.writeUInt32BE(crc32c(out, 21, end), 17)
  return out
}

describe('decoder fuzzing: only ProtocolError, bounded time and output', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, checkCrcs) => {
        decodeAll(Buffer.from(bytes), checkCrcs)
      }),
      { numRuns: runs(2000) },
    )
  })

  it('random bytes behind a plausible v2 or legacy header', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 49, maxLength: 600 }),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom(0, 1, 2),
        (bytes, codec, magic) => {
          const body = Buffer.from(bytes)
          const head = Buffer.alloc(12)
          head.writeInt32BE(body.length, 8)
          body[4] = magic
          if (magic === 2) body.writeUInt16BE(codec, 9)
          else body[5] = codec
          decodeAll(Buffer.concat([head, body]), false)
        },
      ),
      { numRuns: runs(3000) },
    )
  })

  it('mutated valid batches (with and without CRC checks, CRC re-stamped)', () => {
    fc.assert(
      fc.property(validBatches, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (valid, mutations) => {
        let buf: Buffer = valid
        for (const m of mutations) buf = mutate(buf, m)
        const started = performance.now()
        decodeAll(buf, true)
        decodeAll(buf, false)
        decodeAll(restampFirst(buf), true)
        expect(performance.now() - started).toBeLessThan(2000)
      }),
      { numRuns: runs(1500) },
    )
  })

  it('unmutated valid batches decode fully', () => {
    fc.assert(
      fc.property(validBatches, (valid) => {
        expect(() => [...batches(valid)].map((b) => [...b.records()])).not.toThrow()
      }),
      { numRuns: runs(100) },
    )
  })
})

// What protocol/records gives the producer so that no layer above it knows a byte offset of the
// record format: buildFor() (explicit producer state), recordBatchSizeUpperBound(), and the one
// varint family (the builder's number fast paths are the exported writeVarlongNumber/sizeOfVarlongNumber).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  batches,
  CompressionType,
  RecordBatchBuilder,
  recordBatchSizeUpperBound,
  sizeOfVarlong,
  sizeOfVarlongNumber,
  writeVarlong,
  writeVarlongNumber,
} from '../../../src/protocol/records/index.js'
import { recordArb } from './helpers.js'

function builder(compression: CompressionType = CompressionType.NONE): RecordBatchBuilder {
  const b = new RecordBatchBuilder({ compression, batchSizeLimit: 1 << 20 })
  b.tryAppend(1000, Buffer.from('k'), Buffer.from('v'.repeat(200)), [['h', Buffer.from('x')]])
  b.tryAppend(1001, null, Buffer.from('w'), null)
  return b
}

describe('RecordBatchBuilder.buildFor', () => {
  it('writes the given producer id, epoch and base sequence (no options object involved)', () => {
    for (const compression of [CompressionType.NONE, CompressionType.GZIP] as const) {
      const out = builder(compression).buildFor(123456789n, 7, 42)
      const [batch] = [...batches(out)]
      expect(batch!.producerId).toBe(123456789n)
      expect(batch!.producerEpoch).toBe(7)
      expect(batch!.baseSequence).toBe(42)
      expect(batch!.compression).toBe(compression)
      expect([...batch!.records()].map((r) => r.value?.toString())).toEqual(['v'.repeat(200), 'w'])
    }
  })

  it('is byte-identical to build() with the same state in the options', () => {
    const viaOptions = new RecordBatchBuilder({ producerId: 9n, producerEpoch: 3, baseSequence: 100 })
    const explicit = new RecordBatchBuilder()
    for (const b of [viaOptions, explicit]) b.tryAppend(5, Buffer.from('a'), Buffer.from('b'), null)
    expect(explicit.buildFor(9n, 3, 100).equals(viaOptions.build())).toBe(true)
  })

  it('on a built batch, re-stamps it in place (CRC included) only when the state differs', () => {
    const b = builder()
    const first = b.buildFor(1n, 0, 0)
    const same = b.buildFor(1n, 0, 0)
    expect(same).toBe(first)
    const again = b.buildFor(1n, 1, 5)
    expect(again).toBe(first)
    const [batch] = [...batches(again)] // checks the CRC
    expect(batch!.producerEpoch).toBe(1)
    expect(batch!.baseSequence).toBe(5)
    expect(b.build()).toBe(first) // build() of a built batch returns it as it is now
    expect([...batches(b.build())][0]!.baseSequence).toBe(5)
  })
})

describe('recordBatchSizeUpperBound', () => {
  it('is at least the size of a batch holding only that record', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const b = new RecordBatchBuilder()
        b.tryAppend(r.timestamp, r.key, r.value, r.headers)
        expect(recordBatchSizeUpperBound(r.key, r.value, r.headers)).toBeGreaterThanOrEqual(b.build().length)
      }),
    )
  })
})

describe('varlong number fast paths', () => {
  it('write the same bytes as writeVarlong for every |value| < 2^52', () => {
    const values = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      fc.integer({ min: -(2 ** 52) + 1, max: 2 ** 52 - 1 }),
      fc.constantFrom(0, -1, 2 ** 30, -(2 ** 30), 2 ** 30 - 1, -(2 ** 30) - 1, 2 ** 52 - 1, -(2 ** 52) + 1),
    )
    fc.assert(
      fc.property(values, (v) => {
        const a = Buffer.alloc(10)
        const b = Buffer.alloc(10)
        const n = writeVarlongNumber(a, 0, v)
        expect(n).toBe(writeVarlong(b, 0, BigInt(v)))
        expect(a.equals(b)).toBe(true)
        expect(sizeOfVarlongNumber(v)).toBe(n)
        expect(sizeOfVarlong(v)).toBe(n)
      }),
    )
  })
})

describe('no layer above protocol/records knows a byte offset of the record format', () => {
  // Header fields of a RecordBatch v2 (batchLength 8, leader epoch 12, magic 16, crc 17, attributes 21,
  // lastOffsetDelta 23, timestamps 27/35, producer id 43, epoch 51, base sequence 53, count 57).
  const headerRead =
    /\.(read|write)(Big)?U?Int(8|16|32|64)BE\(\s*(\w+\s*\+\s*)?(8|12|16|17|21|23|27|35|43|51|53|57)\s*[,)]/
  /** consumer/fetcher.ts's #scanEnd moves to a records function in this round (helper "fetcher"). */
  const NOT_YET_CONVERTED = new Set(['src/consumer/fetcher.ts'])

  it('no header field is read or written by offset outside src/protocol/', async () => {
    const { readdirSync, readFileSync } = await import('node:fs')
    const { join, relative } = await import('node:path')
    const root = join(import.meta.dirname, '../../..')
    const hits: string[] = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name)
        const rel = relative(root, p).split('\\').join('/')
        if (e.isDirectory()) {
          if (rel !== 'src/protocol') walk(p)
        } else if (e.name.endsWith('.ts') && !NOT_YET_CONVERTED.has(rel)) {
          readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (headerRead.test(line)) hits.push(`${rel}:${i + 1}: ${line.trim()}`)
            })
        }
      }
    }
    walk(join(root, 'src'))
    expect(hits).toEqual([])
    expect(headerRead.test('out.readInt32BE(53) !== baseSequence')).toBe(true)
    expect(headerRead.test('records.readInt32BE(pos + 23) + 1')).toBe(true)
  })
})

// RecordBatch.cursor(): the allocation-lean decoding path the consumer uses. It must agree with
// records() on every batch (both are the same decoder underneath), including header keys, which
// the cursor takes from a small cache of recently seen keys.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { batches, CompressionType, RecordBatchBuilder } from '../../../src/protocol/records/index.js'
import { compressionArb, type InputRecord, recordArb } from './helpers.js'

function build(records: InputRecord[], compression: CompressionType, baseOffset = 0n): Buffer {
  const b = new RecordBatchBuilder({ compression, baseOffset, batchSizeLimit: 1 << 30 })
  for (const r of records) b.tryAppend(r.timestamp, r.key, r.value, r.headers)
  return Buffer.from(b.build())
}

function viaCursor(buf: Buffer) {
  const out: unknown[] = []
  for (const batch of batches(buf)) {
    const c = batch.cursor()
    while (c.next()) {
      out.push({
        offset: batch.baseOffset + BigInt(c.offsetDelta),
        timestamp: c.timestamp,
        key: c.key,
        value: c.value,
        headers: c.headers ?? [],
      })
    }
    expect(c.next()).toBe(false)
  }
  return out
}

function viaRecords(buf: Buffer) {
  const out: unknown[] = []
  for (const batch of batches(buf)) for (const r of batch.records()) out.push(r)
  return out
}

describe('RecordBatch.cursor()', () => {
  it('decodes what records() decodes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 20 }),
        compressionArb,
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        (records, compression, base) => {
          const buf = build(records, compression, base)
          expect(viaCursor(buf)).toEqual(viaRecords(buf))
        },
      ),
      { numRuns: 150 },
    )
  })

  it('header keys: ASCII from the cache, non-ASCII decoded, colliding keys kept apart', () => {
    // Many distinct keys (more than the cache's 256 slots, so slots are shared and replaced),
    // read several times over, interleaved with UTF-8 keys and keys of every length up to 100.
    const keys: string[] = []
    for (let i = 0; i < 600; i++) keys.push(`key-${i}`)
    for (let n = 0; n <= 100; n += 7) keys.push('k'.repeat(n))
    keys.push('ключ', 'clé', '鍵', 'a\u0000b', '\u007f')
    const records: InputRecord[] = []
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < keys.length; i += 3) {
        records.push({
          timestamp: 1,
          key: null,
          value: null,
          headers: keys.slice(i, i + 3).map((k) => [k, Buffer.from(k)] as [string, Buffer]),
        })
      }
    }
    const buf = build(records, CompressionType.NONE)
    const decoded = viaCursor(buf) as { headers: { key: string; value: Buffer }[] }[]
    expect(decoded.length).toBe(records.length)
    decoded.forEach((r, i) => {
      expect(r.headers.map((h) => h.key)).toEqual(records[i]!.headers.map((h) => h[0]))
      for (const h of r.headers) expect(h.value.toString()).toBe(h.key)
    })
  })

  it('legacy message sets go through the cursor too', () => {
    // A magic-1 message set of two messages (what an old producer wrote), built by hand.
    const msg = (offset: bigint, value: string) => {
      const v = Buffer.from(value)
      const body = Buffer.alloc(1 + 1 + 8 + 4 + 4 + v.length)
      let p = 0
      body[p++] = 1 // magic
      body[p++] = 0 // attributes
      body.writeBigInt64BE(1234n, p)
      p += 8
      body.writeInt32BE(-1, p) // key
      p += 4
      body.writeInt32BE(v.length, p)
      p += 4
      v.copy(body, p)
      const m = Buffer.alloc(12 + 4 + body.length)
      m.writeBigInt64BE(offset, 0)
      m.writeInt32BE(4 + body.length, 8)
      body.copy(m, 16)
      return m
    }
    const buf = Buffer.concat([msg(40n, 'x'), msg(41n, 'y')])
    const got = []
    for (const batch of batches(buf, { checkCrcs: false })) {
      const c = batch.cursor()
      while (c.next()) got.push([batch.baseOffset + BigInt(c.offsetDelta), c.value?.toString(), c.timestamp])
    }
    expect(got).toEqual([
      [40n, 'x', 1234],
      [41n, 'y', 1234],
    ])
  })
})

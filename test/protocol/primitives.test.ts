/**
 * The primitive reader and writer: known encodings of edge values (unsigned varints, zigzag
 * varints and varlongs, compact lengths, uuids), Writer → Reader property round trips, and the
 * reader's refusal of malformed input with ProtocolError only.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/errors.js'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { ZERO_UUID } from '../../src/protocol/primitives/uuid.js'
import { Writer } from '../../src/protocol/primitives/writer.js'

const hex = (b: Buffer) => b.toString('hex')
const bytes = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex')
const write = (f: (w: Writer) => void) => {
  const w = new Writer(1)
  f(w)
  return w.toBuffer()
}

describe('known encodings', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2 ** 31 - 1, 'ffffffff07'],
    [2 ** 32 - 1, 'ffffffff0f'],
  ])('unsigned varint %i = %s', (n, h) => {
    expect(hex(write((w) => w.uvarint(n)))).toBe(h)
    expect(new Reader(bytes(h)).uvarint()).toBe(n)
  })

  it.each([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-64, '7f'],
    [64, '8001'],
    [2 ** 31 - 1, 'feffffff0f'],
    [-(2 ** 31), 'ffffffff0f'],
  ])('zigzag varint %i = %s', (n, h) => {
    expect(hex(write((w) => w.varint(n)))).toBe(h)
    expect(new Reader(bytes(h)).varint()).toBe(n)
  })

  it.each([
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [2n ** 63n - 1n, 'feffffffffffffffff01'],
    [-(2n ** 63n), 'ffffffffffffffffff01'],
  ])('zigzag varlong %s = %s', (n, h) => {
    expect(hex(write((w) => w.varlong(n)))).toBe(h)
    expect(new Reader(bytes(h)).varlong()).toBe(n)
  })

  it('strings, compact strings, nulls and bytes', () => {
    expect(hex(write((w) => w.string('hé', false)))).toBe('0003 68c3a9'.replace(' ', ''))
    expect(hex(write((w) => w.string('hé', true)))).toBe('04 68c3a9'.replace(' ', ''))
    expect(hex(write((w) => w.nullableString(null, false)))).toBe('ffff')
    expect(hex(write((w) => w.nullableString(null, true)))).toBe('00')
    expect(hex(write((w) => w.bytes(null, false)))).toBe('ffffffff')
    expect(hex(write((w) => w.bytes(null, true)))).toBe('00')
    expect(hex(write((w) => w.bytes(Buffer.from([9]), false)))).toBe('0000000109')
    expect(hex(write((w) => w.bytes(Buffer.from([9]), true)))).toBe('0209')
  })

  it('uuids are 16 bytes on the wire and 22 base64url characters as text', () => {
    const raw = bytes('fb7d6e1f 2c3a4b5c 6d7e8f90 a1b2c3d4')
    const text = raw.toString('base64url')
    expect(text).toHaveLength(22)
    expect(hex(write((w) => w.uuid(text)))).toBe(hex(raw))
    expect(new Reader(raw).uuid()).toBe(text)
    expect(new Reader(Buffer.alloc(16)).uuid()).toBe(ZERO_UUID)
    expect(() => write((w) => w.uuid('short'))).toThrow(ProtocolError)
  })
})

describe('writer → reader', () => {
  it('int8/16/32/64, uint16/32, float64, bool, varints', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -128, max: 127 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.double(),
        fc.boolean(),
        (i8, i16, u16, i32, u32, i64, f64, b) => {
          const buf = write((w) => {
            w.int8(i8)
            w.int16(i16)
            w.uint16(u16)
            w.int32(i32)
            w.uint32(u32)
            w.int64(i64)
            w.float64(f64)
            w.bool(b)
            w.uvarint(u32)
            w.varint(i32)
            w.varlong(i64)
          })
          const r = new Reader(buf)
          expect(r.int8()).toBe(i8)
          expect(r.int16()).toBe(i16)
          expect(r.uint16()).toBe(u16)
          expect(r.int32()).toBe(i32)
          expect(r.uint32()).toBe(u32)
          expect(r.int64()).toBe(i64)
          expect(r.float64()).toBe(f64)
          expect(r.bool()).toBe(b)
          expect(r.uvarint()).toBe(u32)
          expect(r.varint()).toBe(i32)
          expect(r.varlong()).toBe(i64)
          expect(r.remaining).toBe(0)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('strings and bytes in both forms, including unicode and large attached buffers', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.option(fc.string({ unit: 'grapheme', maxLength: 20 })),
        fc.uint8Array({ maxLength: 6000 }),
        (s, ns, b) => {
          const buf = write((w) => {
            w.string(s, false)
            w.string(s, true)
            w.nullableString(ns, false)
            w.nullableString(ns, true)
            w.bytes(b, false)
            w.bytes(b, true)
          })
          const r = new Reader(buf)
          expect(r.string()).toBe(s)
          expect(r.compactString()).toBe(s)
          expect(r.nullableString()).toBe(ns)
          expect(r.compactNullableString()).toBe(ns)
          expect(r.bytes().equals(b)).toBe(true)
          expect(r.compactBytes().equals(b)).toBe(true)
          expect(r.remaining).toBe(0)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('attached chunks keep their place among small writes', () => {
    const big = Buffer.alloc(10_000, 1)
    const w = new Writer(16)
    w.int32(5)
    w.raw(big)
    w.int8(7)
    w.raw(big)
    const chunks = w.finish()
    expect(chunks.filter((c) => c === big)).toHaveLength(2)
    expect(w.length).toBe(4 + 10_000 + 1 + 10_000)
    const all = Buffer.concat(chunks)
    expect(all.readInt32BE(0)).toBe(5)
    expect(all[4 + 10_000]).toBe(7)
  })
})

describe('malformed input is a ProtocolError', () => {
  const cases: [string, string, (r: Reader) => unknown][] = [
    ['truncated int32', '000000', (r) => r.int32()],
    ['truncated int64', '00000000000000', (r) => r.int64()],
    ['truncated uuid', '00'.repeat(15), (r) => r.uuid()],
    ['unterminated varint', '8080', (r) => r.uvarint()],
    ['varint longer than 5 bytes', '808080808001', (r) => r.uvarint()],
    ['varint above 32 bits', 'ffffffff1f', (r) => r.uvarint()],
    ['varlong longer than 10 bytes', `${'80'.repeat(10)}01`, (r) => r.varlong()],
    ['string longer than the frame', '0005 6162', (r) => r.string()],
    ['negative string length', 'fffe', (r) => r.nullableString()],
    ['null non-nullable string', 'ffff', (r) => r.string()],
    ['null non-nullable compact string', '00', (r) => r.compactString()],
    ['compact string longer than the frame', '0a 6162', (r) => r.compactString()],
    ['negative bytes length', 'fffffffe', (r) => r.nullableBytes()],
    ['bytes longer than the frame', '7fffffff 00', (r) => r.bytes()],
    ['huge compact bytes', 'ffffffff0f', (r) => r.compactBytes()],
    ['array count beyond the frame', '7fffffff 00', (r) => r.arrayLength(false, false, 1)],
    ['compact array count beyond the frame', 'ffffffff0f', (r) => r.arrayLength(true, false, 1)],
    ['array of int32 with too few bytes', '00000002 00000001', (r) => r.arrayLength(false, false, 4)],
    ['null non-nullable array', 'ffffffff', (r) => r.arrayLength(false, false)],
    ['negative array length', 'fffffffe', (r) => r.arrayLength(false, true)],
  ]
  it.each(cases)('%s', (_name, h, read) => {
    expect(() => read(new Reader(bytes(h)))).toThrow(ProtocolError)
  })

  it('a reader bounded by `end` does not read past it', () => {
    const r = new Reader(bytes('00000001 00000002'), 0, 4)
    expect(r.int32()).toBe(1)
    expect(() => r.int32()).toThrow(ProtocolError)
  })
})

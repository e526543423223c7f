import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../../src/errors.js'
import {
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  VarintReader,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
} from '../../../src/protocol/records/varint.js'

/** Reference zigzag LEB128 of an int64, with bigint arithmetic only. */
function referenceVarlong(v: bigint): number[] {
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
  const out: number[] = []
  do {
    const b = Number(z & 0x7fn)
    z >>= 7n
    out.push(z > 0n ? b | 0x80 : b)
  } while (z > 0n)
  return out
}

const MAX_EXACT = 2 ** 52 - 1

describe('varints', () => {
  it('unsigned varint round trip and size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        const buf = Buffer.alloc(5)
        const end = writeUnsignedVarint(buf, 0, v)
        expect(end).toBe(sizeOfUnsignedVarint(v))
        const r = new VarintReader(buf, 0, end)
        expect(r.readUnsignedVarint()).toBe(v)
        expect(r.pos).toBe(end)
      }),
    )
  })

  it('zigzag varint (int32) matches the reference encoding', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
        const buf = Buffer.alloc(5)
        const end = writeVarint(buf, 0, v)
        expect([...buf.subarray(0, end)]).toEqual(referenceVarlong(BigInt(v)))
        expect(sizeOfVarint(v)).toBe(end)
        expect(new VarintReader(buf, 0, end).readVarint()).toBe(v)
      }),
    )
  })

  it('zigzag varlong: number fast path exact to ±2^52, matches bigint reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_EXACT, max: MAX_EXACT }), (v) => {
        const buf = Buffer.alloc(10)
        const end = writeVarlong(buf, 0, v)
        expect([...buf.subarray(0, end)]).toEqual(referenceVarlong(BigInt(v)))
        expect(sizeOfVarlong(v)).toBe(end)
        const r = new VarintReader(buf, 0, end)
        expect(r.readVarlong()).toBe(v)
        expect(new VarintReader(buf, 0, end).readVarlongBigInt()).toBe(BigInt(v))
      }),
    )
  })

  it('zigzag varlong: bigint path over the whole int64 range', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        const buf = Buffer.alloc(10)
        const end = writeVarlong(buf, 0, v)
        expect([...buf.subarray(0, end)]).toEqual(referenceVarlong(v))
        expect(sizeOfVarlong(v)).toBe(end)
        expect(new VarintReader(buf, 0, end).readVarlongBigInt()).toBe(v)
        expect(new VarintReader(buf, 0, end).readVarlong()).toBe(Number(v))
      }),
    )
  })

  it('large numbers fall back to bigint when encoding', () => {
    const buf = Buffer.alloc(10)
    const end = writeVarlong(buf, 0, 2 ** 60)
    expect([...buf.subarray(0, end)]).toEqual(referenceVarlong(2n ** 60n))
    expect(sizeOfVarlong(-(2 ** 62))).toBe(referenceVarlong(-(2n ** 62n)).length)
  })

  it('rejects truncated and over-long input with ProtocolError', () => {
    expect(() => new VarintReader(Buffer.from([0x80, 0x80])).readUnsignedVarint()).toThrow(ProtocolError)
    expect(() => new VarintReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10])).readUnsignedVarint()).toThrow(
      ProtocolError,
    )
    expect(() => new VarintReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).readVarint()).toThrow(
      ProtocolError,
    )
    expect(() => new VarintReader(Buffer.alloc(11, 0xff)).readVarlong()).toThrow(ProtocolError)
    expect(() => new VarintReader(Buffer.from([...Array(9).fill(0xff), 0x02])).readVarlongBigInt()).toThrow(
      ProtocolError,
    )
    expect(() => new VarintReader(Buffer.from([0x80]), 0, 1).readVarlong()).toThrow(ProtocolError)
    expect(() => new VarintReader(Buffer.from([1, 2]), 0, 0).readVarint()).toThrow(ProtocolError)
  })

  it('never throws anything but ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        for (const m of ['readUnsignedVarint', 'readVarint', 'readVarlong', 'readVarlongBigInt'] as const) {
          try {
            new VarintReader(Buffer.from(bytes))[m]()
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolError)
          }
        }
      }),
    )
  })
})

/**
 * Varints as records use them: unsigned LEB128, zigzag varint (int32) and zigzag varlong
 * (int64). Owned by the records codec; the RecordBatch builder and decoder call these on
 * every record, so the common cases are plain number arithmetic:
 *
 * - int32 values use bitwise math;
 * - varlongs use float math, exact while |value| < 2^52 (zigzag doubles it), and fall back
 *   to bigint beyond that. Number zigzag varlong costs 4–8 ns here, `long` 19–35 ns.
 *
 * Writers take (buf, offset, value) and return the offset after the value; the caller has
 * made room (see the `sizeOf*` functions). Readers advance a `VarintReader` and throw only
 * `ProtocolError` on truncated or over-long input.
 */
import { ProtocolError } from '../../errors.js'

/** 2^52: below this magnitude zigzag encoding in float math is exact. */
const EXACT = 4503599627370496

export function sizeOfUnsignedVarint(value: number): number {
  if (value < 0x80) return 1
  if (value < 0x4000) return 2
  if (value < 0x200000) return 3
  if (value < 0x10000000) return 4
  return 5
}

/** Size of a zigzag int32. */
export function sizeOfVarint(value: number): number {
  const z = ((value << 1) ^ (value >> 31)) >>> 0
  return z < 0x80 ? 1 : z < 0x4000 ? 2 : z < 0x200000 ? 3 : z < 0x10000000 ? 4 : 5
}

/** Size of a zigzag int64 given as a number (exact for |value| < 2^52) or bigint. */
export function sizeOfVarlong(value: number | bigint): number {
  if (typeof value === 'bigint') return sizeOfVarlongBigInt(value)
  if (!(value > -EXACT && value < EXACT)) return sizeOfVarlongBigInt(BigInt(value))
  return sizeOfVarlongNumber(value)
}

/**
 * Size of a zigzag int64 given as a number the caller has checked is below 2^52 in magnitude
 * (the record builder's timestamp deltas): no type or range dispatch on the hot path.
 */
export function sizeOfVarlongNumber(value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return sizeOfVarint(value)
  let z = value >= 0 ? value * 2 : -value * 2 - 1
  let n = 1
  while (z >= 128) {
    z = Math.floor(z / 128)
    n++
  }
  return n
}

function sizeOfVarlongBigInt(value: bigint): number {
  let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
  let n = 1
  while (z >= 128n) {
    z >>= 7n
    n++
  }
  return n
}

export function writeUnsignedVarint(buf: Uint8Array, offset: number, value: number): number {
  value >>>= 0
  while (value >= 0x80) {
    buf[offset++] = (value & 0x7f) | 0x80
    value >>>= 7
  }
  buf[offset++] = value
  return offset
}

/** Zigzag int32. */
export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0
  while (z >= 0x80) {
    buf[offset++] = (z & 0x7f) | 0x80
    z >>>= 7
  }
  buf[offset++] = z
  return offset
}

/** Zigzag int64 given as a number (exact for |value| < 2^52) or bigint. */
export function writeVarlong(buf: Uint8Array, offset: number, value: number | bigint): number {
  if (typeof value === 'bigint') return writeVarlongBigInt(buf, offset, value)
  if (!(value > -EXACT && value < EXACT)) return writeVarlongBigInt(buf, offset, BigInt(value))
  return writeVarlongNumber(buf, offset, value)
}

/** `writeVarlong` for a number the caller has checked is below 2^52 in magnitude (see sizeOfVarlongNumber). */
export function writeVarlongNumber(buf: Uint8Array, offset: number, value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return writeVarint(buf, offset, value)
  let z = value >= 0 ? value * 2 : -value * 2 - 1
  while (z >= 128) {
    buf[offset++] = (z % 128) | 0x80
    z = Math.floor(z / 128)
  }
  buf[offset++] = z
  return offset
}

function writeVarlongBigInt(buf: Uint8Array, offset: number, value: bigint): number {
  let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
  while (z >= 128n) {
    buf[offset++] = Number(z & 0x7fn) | 0x80
    z >>= 7n
  }
  buf[offset++] = Number(z)
  return offset
}

/** A bounded cursor over `buf[pos, end)`. Subclassed by the record decoders. */
export class VarintReader {
  buf: Uint8Array
  pos: number
  end: number

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf
    this.pos = pos
    this.end = end
  }

  /** Unsigned varint of at most 32 bits (5 bytes). */
  readUnsignedVarint(): number {
    const buf = this.buf
    let pos = this.pos
    const end = this.end
    if (pos < end) {
      const b = buf[pos]!
      if (b < 0x80) {
        this.pos = pos + 1
        return b
      }
    }
    let result = 0
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) throw new ProtocolError(`Truncated varint at offset ${pos}`)
      const b = buf[pos++]!
      if (shift === 28) {
        if (b > 0x0f) throw new ProtocolError(`Varint exceeds 32 bits at offset ${pos - 1}`)
        this.pos = pos
        return (result | (b << 28)) >>> 0
      }
      result |= (b & 0x7f) << shift
      if (b < 0x80) {
        this.pos = pos
        return result >>> 0
      }
    }
    /* c8 ignore next */
    throw new ProtocolError(`Malformed varint at offset ${this.pos}`)
  }

  /** Zigzag int32. */
  readVarint(): number {
    const u = this.readUnsignedVarint()
    return (u >>> 1) ^ -(u & 1)
  }

  /**
   * Zigzag int64 as a number: exact for |value| < 2^52 (every real timestamp and offset
   * delta); larger values are rounded to the nearest double.
   */
  readVarlong(): number {
    const buf = this.buf
    let pos = this.pos
    const end = this.end
    // Up to 7 bytes (49 bits) in float math is exact.
    let raw = 0
    let mul = 1
    for (let i = 0; i < 7; i++) {
      if (pos >= end) throw new ProtocolError(`Truncated varlong at offset ${pos}`)
      const b = buf[pos++]!
      raw += (b & 0x7f) * mul
      if (b < 0x80) {
        this.pos = pos
        return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
      }
      mul *= 128
    }
    return Number(this.readVarlongBigInt())
  }

  /** Zigzag int64, exact. */
  readVarlongBigInt(): bigint {
    const buf = this.buf
    let pos = this.pos
    const end = this.end
    let raw = 0n
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= end) throw new ProtocolError(`Truncated varlong at offset ${pos}`)
      const b = buf[pos++]!
      if (shift === 63n && b > 1) throw new ProtocolError(`Varlong exceeds 64 bits at offset ${pos - 1}`)
      raw |= BigInt(b & 0x7f) << shift
      if (b < 0x80) {
        this.pos = pos
        return (raw >> 1n) ^ -(raw & 1n)
      }
    }
    /* c8 ignore next */
    throw new ProtocolError(`Malformed varlong at offset ${this.pos}`)
  }
}

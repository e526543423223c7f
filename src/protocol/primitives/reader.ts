/**
 * Bounds-checked reader over one response frame. Every read past the end, every
 * negative or impossible length, becomes a ProtocolError: decoding a malformed
 * frame never throws anything else and never allocates more than the frame holds.
 */
import { ProtocolError } from '../../errors.js'
import { uuidFromBytes } from './uuid.js'

const EMPTY = Buffer.alloc(0)

export class Reader {
  readonly buf: Buffer
  pos: number
  readonly end: number

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf
    this.pos = pos
    this.end = end
  }

  get remaining(): number {
    return this.end - this.pos
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new ProtocolError(`Truncated ${what}: need ${n} bytes at offset ${this.pos}, have ${this.end - this.pos}`)
    }
  }

  // The fixed-size reads below use plain byte arithmetic: Buffer's readIntXX methods repeat the
  // bounds check `need` has already done.

  int8(): number {
    this.need(1, 'int8')
    return (this.buf[this.pos++]! << 24) >> 24
  }

  uint8(): number {
    this.need(1, 'uint8')
    return this.buf[this.pos++]!
  }

  bool(): boolean {
    this.need(1, 'bool')
    return this.buf[this.pos++] !== 0
  }

  int16(): number {
    this.need(2, 'int16')
    const b = this.buf
    const p = this.pos
    this.pos = p + 2
    return (((b[p]! << 8) | b[p + 1]!) << 16) >> 16
  }

  uint16(): number {
    this.need(2, 'uint16')
    const b = this.buf
    const p = this.pos
    this.pos = p + 2
    return (b[p]! << 8) | b[p + 1]!
  }

  int32(): number {
    this.need(4, 'int32')
    const b = this.buf
    const p = this.pos
    this.pos = p + 4
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
  }

  uint32(): number {
    this.need(4, 'uint32')
    const b = this.buf
    const p = this.pos
    this.pos = p + 4
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0
  }

  /**
   * int64 as a bigint. Most values on the wire (offsets, timestamps, -1 sentinels) fit in 53
   * bits; those go through number arithmetic and one BigInt() call, which is several times
   * cheaper than readBigInt64BE.
   */
  int64(): bigint {
    this.need(8, 'int64')
    const b = this.buf
    const p = this.pos
    this.pos = p + 8
    const hi = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
    const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0
    if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * 4294967296 + lo)
    return b.readBigInt64BE(p)
  }

  float64(): number {
    this.need(8, 'float64')
    const v = this.buf.readDoubleBE(this.pos)
    this.pos += 8
    return v
  }

  uuid(): string {
    this.need(16, 'uuid')
    const v = uuidFromBytes(this.buf, this.pos)
    this.pos += 16
    return v
  }

  /** Unsigned LEB128 varint, at most 5 bytes (32 bits). */
  uvarint(): number {
    const b = this.buf
    const end = this.end
    let p = this.pos
    // One byte (counts, lengths and tag sections below 128) is by far the common case.
    if (p < end && b[p]! < 0x80) {
      this.pos = p + 1
      return b[p]!
    }
    let result = 0
    for (let i = 0; i < 5; i++) {
      if (p >= end) throw new ProtocolError(`Truncated varint at offset ${p}`)
      const byte = b[p++]!
      // The first four bytes carry 28 bits: int32 shifts are exact; the fifth needs a multiply.
      if (i < 4) result |= (byte & 0x7f) << (7 * i)
      else result += (byte & 0x7f) * 0x10000000
      if ((byte & 0x80) === 0) {
        if (result > 0xffffffff) throw new ProtocolError('Unsigned varint exceeds 32 bits')
        this.pos = p
        return result
      }
    }
    throw new ProtocolError(`Unsigned varint longer than 5 bytes at offset ${p}`)
  }

  /** Zigzag-encoded signed varint (int32 range). */
  varint(): number {
    const u = this.uvarint()
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2
  }

  /** Zigzag-encoded signed varlong; exact for any int64 (bigint result). */
  varlong(): bigint {
    let result = 0n
    let shift = 0n
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtocolError(`Truncated varlong at offset ${this.pos}`)
      const b = this.buf[this.pos++]!
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n)
      shift += 7n
    }
    throw new ProtocolError(`Varlong longer than 10 bytes at offset ${this.pos}`)
  }

  private checkLength(len: number, what: string): void {
    if (len > this.end - this.pos) {
      throw new ProtocolError(
        `${what} length ${len} exceeds the ${this.end - this.pos} bytes left at offset ${this.pos}`,
      )
    }
  }

  private utf8(len: number): string {
    this.checkLength(len, 'String')
    const s = this.buf.toString('utf8', this.pos, this.pos + len)
    this.pos += len
    return s
  }

  string(): string {
    const len = this.int16()
    if (len < 0) throw new ProtocolError(`Negative length ${len} for a non-nullable string`)
    return this.utf8(len)
  }

  nullableString(): string | null {
    const len = this.int16()
    if (len === -1) return null
    if (len < 0) throw new ProtocolError(`Invalid string length ${len}`)
    return this.utf8(len)
  }

  compactString(): string {
    const len = this.uvarint() - 1
    if (len < 0) throw new ProtocolError('Null value for a non-nullable compact string')
    return this.utf8(len)
  }

  compactNullableString(): string | null {
    const len = this.uvarint() - 1
    return len < 0 ? null : this.utf8(len)
  }

  /** A zero-copy view of `len` bytes. */
  slice(len: number): Buffer {
    this.checkLength(len, 'Bytes')
    const b = len === 0 ? EMPTY : this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return b
  }

  bytes(): Buffer {
    const len = this.int32()
    if (len < 0) throw new ProtocolError(`Negative length ${len} for non-nullable bytes`)
    return this.slice(len)
  }

  nullableBytes(): Buffer | null {
    const len = this.int32()
    if (len === -1) return null
    if (len < 0) throw new ProtocolError(`Invalid bytes length ${len}`)
    return this.slice(len)
  }

  compactBytes(): Buffer {
    const len = this.uvarint() - 1
    if (len < 0) throw new ProtocolError('Null value for non-nullable compact bytes')
    return this.slice(len)
  }

  compactNullableBytes(): Buffer | null {
    const len = this.uvarint() - 1
    return len < 0 ? null : this.slice(len)
  }

  /**
   * An array length, checked against the bytes left so that a corrupt count cannot
   * make the decoder allocate or loop far beyond the frame: every element takes at
   * least `minElementSize` bytes (0-byte elements are bounded by the frame length too).
   */
  arrayLength(compact: boolean, nullable: boolean, minElementSize = 1): number {
    const n = compact ? this.uvarint() - 1 : this.int32()
    if (n < 0) {
      if (n === -1 && nullable) return -1
      throw new ProtocolError(`Invalid array length ${n} at offset ${this.pos}`)
    }
    if (n * Math.max(minElementSize, 1) > this.end - this.pos && n > 0) {
      throw new ProtocolError(`Array of ${n} elements cannot fit in the ${this.end - this.pos} bytes left`)
    }
    return n
  }
}

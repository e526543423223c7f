/**
 * Growable writer for requests. Small fields go into one contiguous buffer; large
 * byte runs (record batches) can be attached by reference (`attach`) so a Produce
 * request is sent with writev instead of being copied. `finish()` returns the chunks.
 */
import { writeUnsignedVarint, writeVarint, writeVarlong } from '../records/varint.js'
import { uuidToBytes } from './uuid.js'

const ATTACH_THRESHOLD = 4096

export class Writer {
  buf: Buffer
  pos = 0
  private chunks: Buffer[] | null = null
  private chunkedBytes = 0

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  /** Total bytes written so far, attached chunks included. */
  get length(): number {
    return this.chunkedBytes + this.pos
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  // Fixed-size writes use plain byte stores: Buffer's writeIntXX methods re-validate range and
  // bounds, which the codec has already checked (values) and `ensure` guarantees (space).

  int8(v: number): void {
    this.ensure(1)
    this.buf[this.pos++] = v & 0xff
  }

  bool(v: boolean): void {
    this.ensure(1)
    this.buf[this.pos++] = v ? 1 : 0
  }

  int16(v: number): void {
    this.ensure(2)
    const b = this.buf
    const p = this.pos
    b[p] = (v >>> 8) & 0xff
    b[p + 1] = v & 0xff
    this.pos = p + 2
  }

  uint16(v: number): void {
    this.int16(v)
  }

  int32(v: number): void {
    this.ensure(4)
    const b = this.buf
    const p = this.pos
    b[p] = (v >>> 24) & 0xff
    b[p + 1] = (v >>> 16) & 0xff
    b[p + 2] = (v >>> 8) & 0xff
    b[p + 3] = v & 0xff
    this.pos = p + 4
  }

  uint32(v: number): void {
    this.int32(v)
  }

  int64(v: bigint): void {
    this.ensure(8)
    this.buf.writeBigInt64BE(v, this.pos)
    this.pos += 8
  }

  float64(v: number): void {
    this.ensure(8)
    this.buf.writeDoubleBE(v, this.pos)
    this.pos += 8
  }

  uuid(v: string): void {
    this.ensure(16)
    uuidToBytes(v, this.buf, this.pos)
    this.pos += 16
  }

  /** Unsigned LEB128 of a uint32 (compact lengths, tags). */
  uvarint(v: number): void {
    this.ensure(5)
    if (v < 0x80 && v >= 0) {
      this.buf[this.pos++] = v
      return
    }
    this.pos = writeUnsignedVarint(this.buf, this.pos, v)
  }

  /** Zigzag int32. */
  varint(v: number): void {
    this.ensure(5)
    this.pos = writeVarint(this.buf, this.pos, v)
  }

  /** Zigzag int64. */
  varlong(v: bigint): void {
    this.ensure(10)
    this.pos = writeVarlong(this.buf, this.pos, v)
  }

  raw(b: Uint8Array): void {
    if (b.length >= ATTACH_THRESHOLD) {
      this.attach(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length))
      return
    }
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  /** Adds `b` by reference: it must not change until the request is written to the socket. */
  attach(b: Buffer): void {
    this.chunks ??= []
    if (this.pos > 0) {
      this.chunks.push(this.buf.subarray(0, this.pos))
      this.chunkedBytes += this.pos
      this.buf = this.buf.subarray(this.pos)
      this.pos = 0
      if (this.buf.length < 64) this.buf = Buffer.allocUnsafe(256)
    }
    this.chunks.push(b)
    this.chunkedBytes += b.length
  }

  /** Length-prefixed UTF-8 (`lengthBytes` = 2 for STRING, or compact when `compact`). */
  string(s: string, compact: boolean): void {
    const n = s.length
    // Short ASCII strings (names, ids, hosts) are copied char by char: cheaper than the native
    // byteLength + write pair for a few bytes.
    if (n <= 64) {
      let ascii = true
      for (let i = 0; i < n; i++) {
        if (s.charCodeAt(i) >= 0x80) {
          ascii = false
          break
        }
      }
      if (ascii) {
        if (compact) this.uvarint(n + 1)
        else this.int16(n)
        this.ensure(n)
        const b = this.buf
        let p = this.pos
        for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i)
        this.pos = p
        return
      }
    }
    const len = Buffer.byteLength(s, 'utf8')
    if (!compact && len > 0x7fff) {
      throw new RangeError(`A string of ${len} UTF-8 bytes is too long for an int16-length STRING (max 32767)`)
    }
    if (compact) this.uvarint(len + 1)
    else this.int16(len)
    this.ensure(len)
    this.buf.write(s, this.pos, len, 'utf8')
    this.pos += len
  }

  nullableString(s: string | null, compact: boolean): void {
    if (s === null) {
      if (compact) this.uvarint(0)
      else this.int16(-1)
      return
    }
    this.string(s, compact)
  }

  bytes(b: Uint8Array | null, compact: boolean): void {
    if (b === null) {
      if (compact) this.uvarint(0)
      else this.int32(-1)
      return
    }
    if (compact) this.uvarint(b.length + 1)
    else this.int32(b.length)
    this.raw(b)
  }

  /** The written bytes as a list of chunks (one unless something was attached). */
  finish(): Buffer[] {
    const tail = this.buf.subarray(0, this.pos)
    if (this.chunks === null) return [tail]
    if (tail.length > 0) this.chunks.push(tail)
    return this.chunks
  }

  /** The written bytes as one Buffer (copies if chunks were attached). */
  toBuffer(): Buffer {
    const parts = this.finish()
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
  }
}

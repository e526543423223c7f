/**
 * LZ4 frames as Kafka writes them (`04 22 4D 18`, 64 KiB independent blocks, no checksums).
 *
 * Decompression reads the frame here, in JavaScript: it bounds the output before allocating, and
 * it accepts the header checksum of Kafka's magic-v0 LZ4 writer (computed over the magic too),
 * which a strict frame decoder rejects. The header checksum is therefore not verified; block and
 * content checksums are skipped (the batch CRC covers the bytes anyway). Dependent blocks
 * and content sizes are supported; dictionaries are not (Kafka never uses them).
 * The blocks of a frame of independent blocks (what Kafka's writers produce) are decoded by
 * `lz4-napi`'s block decoder (`uncompressSync`, lz4_flex) when it is installed: on Kafka-sized
 * blocks of JSON-like records it measured 1.5–3.0 GB/s against 0.3–0.6 GB/s for the JavaScript
 * decoder below (docs/performance.md, "LZ4"). A block the native decoder refuses is decoded again
 * by the JavaScript one, so malformed input fails with the same ProtocolError either way.
 *
 * Compression uses `lz4-napi`'s frame API (`compressFrameSync`/`compressFrame`; its plain
 * `compress` adds a length prefix and is not Kafka-compatible). It picks larger blocks for
 * large inputs (BD 50 at 100 KiB), which Kafka's reader accepts. When lz4-napi is not
 * installed, `compressLz4Frame` (pure JS, the LZ4 fast algorithm) writes exactly Kafka's frame
 * layout instead; it measured within ~10% of lz4-napi's speed at the same ratio on 16 KiB
 * record sections.
 */
import { ProtocolError } from '../../../errors.js'
import type { Codec } from './types.js'

/** The subset of `lz4-napi` we use. */
export interface Lz4Api {
  compressFrameSync(input: Buffer): Buffer
  compressFrame(input: Uint8Array): Promise<Buffer>
  /** One LZ4 block prefixed by the most bytes it may decode to (u32 LE): the decoded bytes. */
  uncompressSync(input: Uint8Array): Buffer
}

/** Decodes one LZ4 block, at most `capacity` bytes (throws otherwise): lz4-napi's uncompressSync. */
export type Lz4BlockDecoder = (block: Uint8Array, capacity: number) => Buffer

/**
 * Compressed blocks shorter than this are decoded in JavaScript: below ~1 KiB the native call costs
 * more than it saves (docs/performance.md, "LZ4").
 */
const NATIVE_MIN_BLOCK = 1024

/** Where a block is copied behind its capacity prefix for the native decoder; grows to the largest block. */
let scratch = Buffer.allocUnsafe(0)

/** lz4-napi's block decoder in the shape decompressLz4Frame takes. */
export function nativeBlockDecoder(api: Pick<Lz4Api, 'uncompressSync'>): Lz4BlockDecoder {
  return (block, capacity) => {
    if (scratch.length < block.length + 4) scratch = Buffer.allocUnsafe(Math.max(block.length + 4, 64 * 1024 + 4))
    scratch.writeUInt32LE(capacity, 0)
    scratch.set(block, 4)
    return api.uncompressSync(scratch.subarray(0, block.length + 4))
  }
}

const MAGIC = 0x184d2204
/** Largest expansion of one LZ4 sequence is ~255×; a compressed block of n bytes yields at most this. */
const MAX_RATIO = 256

function truncated(): never {
  throw new ProtocolError('Truncated LZ4 frame')
}

/**
 * Decodes one LZ4 block `src[ip, iend)` into `out` at `op`, never writing at or past `outEnd`.
 * Matches may reach back to `windowStart` (the block start for independent blocks).
 * Returns the new output position.
 */
function decodeBlock(
  src: Uint8Array,
  ip: number,
  iend: number,
  out: Uint8Array,
  op: number,
  windowStart: number,
  outEnd: number,
): number {
  while (ip < iend) {
    const token = src[ip++]!
    let lit = token >>> 4
    if (lit === 15) {
      let b: number
      do {
        if (ip >= iend) truncated()
        b = src[ip++]!
        lit += b
      } while (b === 255)
    }
    if (lit > iend - ip) truncated()
    if (lit > outEnd - op) return -1
    if (lit < 16) {
      for (let k = 0; k < lit; k++) out[op + k] = src[ip + k]!
    } else {
      out.set(src.subarray(ip, ip + lit), op)
    }
    ip += lit
    op += lit
    if (ip === iend) break // the last sequence has literals only
    if (iend - ip < 2) truncated()
    const offset = src[ip]! | (src[ip + 1]! << 8)
    ip += 2
    if (offset === 0 || offset > op - windowStart) throw new ProtocolError(`Invalid LZ4 match offset ${offset}`)
    let len = (token & 15) + 4
    if ((token & 15) === 15) {
      let b: number
      do {
        if (ip >= iend) truncated()
        b = src[ip++]!
        len += b
      } while (b === 255)
    }
    if (len > outEnd - op) return -1
    let m = op - offset
    if (offset >= len && len >= 16) {
      out.copyWithin(op, m, m + len)
      op += len
    } else {
      const e = op + len
      while (op < e) out[op++] = out[m++]!
    }
  }
  return op
}

/**
 * The block whose size word is at `src[at]`, decoded by `native`; null when it is stored raw, shorter
 * than NATIVE_MIN_BLOCK, or refused (malformed: the JavaScript decoder then says how).
 */
function nativeBlock(src: Buffer, at: number, native: Lz4BlockDecoder, blockMax: number): Buffer | null {
  const word = src.readUInt32LE(at)
  const size = word & 0x7fffffff
  if (word >>> 31 || size < NATIVE_MIN_BLOCK) return null
  try {
    return native(src.subarray(at + 4, at + 4 + size), Math.min(blockMax, size * MAX_RATIO))
  } catch {
    return null
  }
}

/**
 * Decompresses one LZ4 frame (trailing bytes after its end mark are ignored), at most `maxSize` bytes.
 * With `native`, the blocks of a frame of independent blocks go to it (see the module comment).
 */
export function decompressLz4Frame(src: Buffer, maxSize: number, native: Lz4BlockDecoder | null = null): Buffer {
  const end = src.length
  if (end < 7) truncated()
  if (src.readUInt32LE(0) !== MAGIC) throw new ProtocolError('Invalid LZ4 frame magic')
  const flg = src[4]!
  const bd = src[5]!
  if (flg >>> 6 !== 1) throw new ProtocolError(`Unsupported LZ4 frame version ${flg >>> 6}`)
  if (flg & 1) throw new ProtocolError('LZ4 frames with a dictionary are not supported')
  const independent = (flg & 0x20) !== 0
  const blockChecksum = (flg & 0x10) !== 0
  const hasContentSize = (flg & 0x08) !== 0
  const contentChecksum = (flg & 0x04) !== 0
  const blockSizeId = (bd >>> 4) & 7
  if (blockSizeId < 4) throw new ProtocolError(`Invalid LZ4 block size id ${blockSizeId}`)
  const blockMax = 1 << (8 + 2 * blockSizeId)
  let pos = 6
  if (hasContentSize) {
    if (end - pos < 9) truncated()
    const contentSize = src.readUInt32LE(pos) + src.readUInt32LE(pos + 4) * 2 ** 32
    if (contentSize > maxSize) throw new ProtocolError(`LZ4 frame declares ${contentSize} bytes, more than ${maxSize}`)
    pos += 8
  }
  pos++ // header checksum: not verified (see the module comment)

  // Pass 1: walk the blocks to bound the output before allocating it.
  let bound = 0
  let blocks = 0
  let p = pos
  for (;;) {
    if (end - p < 4) truncated()
    const word = src.readUInt32LE(p)
    p += 4
    if (word === 0) break
    blocks++
    const size = word & 0x7fffffff
    if (size > blockMax) throw new ProtocolError(`LZ4 block of ${size} bytes exceeds the frame's ${blockMax}`)
    if (size > end - p) truncated()
    bound += word >>> 31 ? size : Math.min(blockMax, size * MAX_RATIO)
    p += size + (blockChecksum ? 4 : 0)
  }
  if (contentChecksum && end - p < 4) truncated()

  // A frame of one block (a Kafka batch of up to 64 KiB of records): the native decoder's buffer is the result.
  if (blocks === 1 && native !== null && independent) {
    const only = nativeBlock(src, pos, native, blockMax)
    if (only !== null && only.length <= maxSize) return only
  }

  // Pass 2: decode, growing the output up to min(bound, maxSize).
  const limit = Math.min(bound, maxSize)
  let out = Buffer.allocUnsafe(Math.min(limit, Math.max(1024, src.length * 4)))
  let op = 0
  for (;;) {
    const word = src.readUInt32LE(pos)
    pos += 4
    if (word === 0) break
    const size = word & 0x7fffffff
    // (A frame of one block was offered to the native decoder above already.)
    const decoded = native !== null && independent && blocks > 1 ? nativeBlock(src, pos - 4, native, blockMax) : null
    for (;;) {
      let next: number
      if (decoded !== null) {
        next = decoded.length <= out.length - op ? op + decoded.copy(out, op) : -1
      } else if (word >>> 31) {
        next = size <= out.length - op ? op + src.copy(out, op, pos, pos + size) : -1
      } else {
        next = decodeBlock(src, pos, pos + size, out, op, independent ? op : 0, out.length)
      }
      if (next >= 0) {
        op = next
        break
      }
      if (out.length >= limit) {
        throw new ProtocolError(`LZ4 data decompresses to more than ${maxSize} bytes`)
      }
      const grown = Buffer.allocUnsafe(Math.min(limit, Math.max(out.length * 2, op + blockMax)))
      out.copy(grown, 0, 0, op)
      out = grown
    }
    pos += size + (blockChecksum ? 4 : 0)
  }
  return op === out.length ? out : out.subarray(0, op)
}

// ---------------------------------------------------------------------------------------
// Pure-JS compression (fallback when lz4-napi is missing)

const HASH_LOG = 12
const BLOCK_SIZE = 64 * 1024
const MIN_MATCH = 4
/** The last match must start at least this far from the block end (LZ4 block format rule). */
const MF_LIMIT = 12
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5
let hashTable = new Int32Array(1 << HASH_LOG)
/** Positions are stored as `generation base + index`; entries below the block's base are stale. */
let generation = 0

function read32(src: Uint8Array, i: number): number {
  return src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)
}

function hash(seq: number): number {
  return Math.imul(seq, -1640531535) >>> (32 - HASH_LOG)
}

function writeLength(out: Uint8Array, op: number, n: number): number {
  while (n >= 255) {
    out[op++] = 255
    n -= 255
  }
  out[op++] = n
  return op
}

/**
 * Compresses `src[s, e)` as one LZ4 block into `out` at `op`. Returns the new output position,
 * or -1 when the block would not be smaller than its input (the caller stores it raw).
 */
function compressBlock(src: Uint8Array, s: number, e: number, out: Uint8Array, op: number): number {
  const len = e - s
  if (generation > 0x3fffffff - len) {
    hashTable = new Int32Array(1 << HASH_LOG)
    generation = 0
  }
  const floor = generation
  const base = generation - s + 1 // stored value = index + base > floor for this block's entries
  generation += len + 1
  const table = hashTable
  const outLimit = op + len
  let anchor = s
  if (len > MF_LIMIT) {
    const mfLimit = e - MF_LIMIT
    const matchLimit = e - LAST_LITERALS
    let ip = s + 1
    let skip = 1 << 6
    while (ip < mfLimit) {
      const seq = read32(src, ip)
      const h = hash(seq)
      const stored = table[h]!
      table[h] = ip + base
      let ref = stored - base
      if (stored <= floor || ip - ref > 65535 || read32(src, ref) !== seq) {
        ip += skip++ >> 6
        continue
      }
      while (ip > anchor && ref > s && src[ip - 1] === src[ref - 1]) {
        ip--
        ref--
      }
      let matchLength = MIN_MATCH
      while (ip + matchLength + 4 <= matchLimit && read32(src, ref + matchLength) === read32(src, ip + matchLength)) {
        matchLength += 4
      }
      while (ip + matchLength < matchLimit && src[ref + matchLength] === src[ip + matchLength]) matchLength++
      const literals = ip - anchor
      // Token, literal length bytes, literals, offset, match length bytes.
      if (op + 1 + literals + ((literals / 255) | 0) + 3 + ((matchLength / 255) | 0) > outLimit) return -1
      const tokenPos = op++
      let token: number
      if (literals >= 15) {
        token = 0xf0
        op = writeLength(out, op, literals - 15)
      } else {
        token = literals << 4
      }
      if (literals < 16) {
        for (let k = 0; k < literals; k++) out[op + k] = src[anchor + k]!
      } else {
        out.set(src.subarray(anchor, ip), op)
      }
      op += literals
      const offset = ip - ref
      out[op++] = offset & 255
      out[op++] = offset >>> 8
      const extra = matchLength - MIN_MATCH
      if (extra >= 15) {
        token |= 15
        op = writeLength(out, op, extra - 15)
      } else {
        token |= extra
      }
      out[tokenPos] = token
      ip += matchLength
      anchor = ip
      skip = 1 << 6
      if (ip < mfLimit) table[hash(read32(src, ip - 2))] = ip - 2 + base
    }
  }
  const literals = e - anchor
  if (op + 1 + literals + ((literals / 255) | 0) + 1 > outLimit) return -1
  if (literals >= 15) {
    out[op++] = 0xf0
    op = writeLength(out, op, literals - 15)
  } else {
    out[op++] = literals << 4
  }
  out.set(src.subarray(anchor, e), op)
  return op + literals
}

/**
 * One LZ4 frame in Kafka's layout: magic, FLG 60 (version 1, independent blocks), BD 40
 * (64 KiB blocks), HC 82, blocks (stored raw when they do not shrink), end mark.
 */
export function compressLz4Frame(src: Buffer): Buffer {
  const n = src.length
  const blocks = Math.max(1, Math.ceil(n / BLOCK_SIZE))
  const out = Buffer.allocUnsafe(7 + blocks * 4 + n + 4)
  out.writeUInt32LE(MAGIC, 0)
  out[4] = 0x60
  out[5] = 0x40
  out[6] = 0x82 // xxh32(FLG BD) >> 8 & 0xff for FLG 60 BD 40
  let op = 7
  for (let s = 0; s < n; s += BLOCK_SIZE) {
    const e = Math.min(n, s + BLOCK_SIZE)
    const end = compressBlock(src, s, e, out, op + 4)
    if (end < 0) {
      out.writeUInt32LE((e - s + 0x80000000) >>> 0, op)
      out.set(src.subarray(s, e), op + 4)
      op += 4 + e - s
    } else {
      out.writeUInt32LE(end - op - 4, op)
      op = end
    }
  }
  out.writeUInt32LE(0, op)
  op += 4
  return out.subarray(0, op)
}

/** LZ4 through pure JS, for when lz4-napi is not installed. */
export const jsLz4Codec: Codec = {
  compress: compressLz4Frame,
  decompress: decompressLz4Frame,
}

export function createLz4Codec(api: Lz4Api): Codec {
  const blocks = typeof api.uncompressSync === 'function' ? nativeBlockDecoder(api) : null
  return {
    compress(input) {
      return api.compressFrameSync(input)
    },
    compressAsync(input) {
      return api.compressFrame(input)
    },
    decompress: (input, maxSize) => decompressLz4Frame(input, maxSize, blocks),
  }
}

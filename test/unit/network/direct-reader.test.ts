/**
 * DirectReader driven as `net.connect({ onread })` drives it: each read puts at most as many bytes
 * as `readBuffer()` holds at the start of that buffer, then `commit(n)`. Every split of the stream,
 * at a small scale (16-byte scratch, frames of ≥ 16 bytes read directly) where the code paths are
 * the same, then at the real scale (64 KiB) with frames of 10 B and 200 KiB.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ProtocolError } from '../../../src/errors.js'
import { DIRECT_READ_BYTES, DirectReader } from '../../../src/network/direct-reader.js'

/** A frame body: 4 bytes of correlation id (`id`) then `size - 4` bytes of a pattern unique to `id`. */
function body(id: number, size: number): Buffer {
  const b = Buffer.alloc(size)
  b.writeInt32BE(id, 0)
  for (let i = 4; i < size; i++) b[i] = (id * 31 + i * 7) & 0xff
  return b
}

function prefixed(payload: Buffer): Buffer {
  const size = Buffer.alloc(4)
  size.writeInt32BE(payload.length)
  return Buffer.concat([size, payload])
}

interface Stream {
  bytes: Buffer
  bodies: Buffer[]
  /** Offset in `bytes` where each frame (its prefix included) ends. */
  ends: number[]
}

function streamOf(sizes: number[]): Stream {
  const bodies = sizes.map((size, i) => body(i + 1, size))
  const ends: number[] = []
  let end = 0
  for (const b of bodies) {
    end += 4 + b.length
    ends.push(end)
  }
  return { bytes: Buffer.concat(bodies.map(prefixed)), bodies, ends }
}

/**
 * Feeds `stream` to `reader`; `readSize(k)` bounds the k-th read (a read never exceeds the buffer it
 * is given). After every read the scratch-sized buffer the reader offers next is scribbled over, as
 * the next read would: a frame that still aliased it would come out corrupted.
 */
function drive(reader: DirectReader, stream: Stream, scratchBytes: number, readSize: (k: number) => number): Buffer[] {
  const out: Buffer[] = []
  let pos = 0
  for (let k = 0; pos < stream.bytes.length; k++) {
    const buf = reader.readBuffer()
    expect(buf.length).toBeGreaterThan(0)
    if (buf.length !== scratchBytes) {
      // Reading into a large frame's buffer: exactly up to the frame's end, never past it.
      expect(pos + buf.length).toBe(stream.ends.find((end) => end > pos))
    }
    const n = Math.max(1, Math.min(readSize(k), buf.length, stream.bytes.length - pos))
    stream.bytes.copy(buf, 0, pos, pos + n)
    pos += n
    out.push(...reader.commit(n))
    const next = reader.readBuffer()
    if (next.length === scratchBytes) next.fill(0xee)
  }
  expect(reader.partial).toBe(false)
  return out
}

/** Reads of the stream split at `cuts` (each piece further bounded by the buffer the reader offers). */
function driveCuts(reader: DirectReader, stream: Stream, scratchBytes: number, cuts: number[]): Buffer[] {
  const out: Buffer[] = []
  let pos = 0
  for (const cut of [...cuts, stream.bytes.length]) {
    while (pos < cut) {
      const buf = reader.readBuffer()
      const n = Math.min(cut - pos, buf.length)
      stream.bytes.copy(buf, 0, pos, pos + n)
      pos += n
      out.push(...reader.commit(n))
      const next = reader.readBuffer()
      if (next.length === scratchBytes) next.fill(0xee)
    }
  }
  expect(reader.partial).toBe(false)
  return out
}

function expectFrames(frames: Buffer[], stream: Stream): void {
  expect(frames.length).toBe(stream.bodies.length)
  for (let i = 0; i < frames.length; i++) {
    if (!frames[i]!.equals(stream.bodies[i]!)) throw new Error(`frame ${i} differs`)
  }
}

describe('DirectReader, small scale (16-byte scratch, frames ≥ 16 bytes read directly)', () => {
  const small = { scratchBytes: 16, directFrameBytes: 16 }
  // Below, at and above the threshold; the minimum frame (a correlation id); several per read.
  const stream = streamOf([4, 10, 16, 40, 5, 15, 17, 4, 33])

  it('every split into two and three reads, including inside length prefixes', () => {
    const n = stream.bytes.length
    for (let i = 0; i <= n; i++) {
      for (let j = i; j <= n; j++) {
        expectFrames(driveCuts(new DirectReader(1024, small), stream, 16, [i, j]), stream)
      }
    }
  })

  it('byte by byte, and every constant read size', () => {
    for (let size = 1; size <= 17; size++) {
      expectFrames(
        drive(new DirectReader(1024, small), stream, 16, () => size),
        stream,
      )
    }
  })

  it('random read sizes', () => {
    let seed = 7
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    for (let run = 0; run < 300; run++) {
      expectFrames(
        drive(new DirectReader(1024, small), stream, 16, () => 1 + (random() % 20)),
        stream,
      )
    }
  })
})

describe('DirectReader, real scale (64 KiB scratch): frames of 10 B and 200 KiB', () => {
  const big = 200 * 1024
  const stream = streamOf([10, big, 10, 10, big, big, 10, 10, 10])
  const scratch = DIRECT_READ_BYTES

  it('reads of 64 KiB (as Node does), of 1–9 bytes, of 4096 and of 100,000 bytes', () => {
    for (const size of [scratch, 1_000, 4096, 100_000]) {
      expectFrames(
        drive(new DirectReader(16 * 1024 * 1024), stream, scratch, () => size),
        stream,
      )
    }
    let k = 0
    expectFrames(
      drive(new DirectReader(16 * 1024 * 1024), stream, scratch, () => 1 + (k++ % 9) * 997),
      stream,
    )
  })

  it('every split within a few bytes of each frame boundary (prefixes split across reads)', () => {
    for (const end of [0, ...stream.ends.slice(0, -1)]) {
      for (let i = Math.max(0, end - 3); i <= end + 6; i++) {
        for (let j = i; j <= end + 8; j++) {
          expectFrames(driveCuts(new DirectReader(16 * 1024 * 1024), stream, scratch, [i, j]), stream)
        }
      }
    }
  })

  it('several small frames and the start of a large one in one read', () => {
    const r = new DirectReader(16 * 1024 * 1024)
    const head = stream.ends[0]! + 4 + 100 // the 10 B frame, the large frame's prefix and 100 bytes of it
    stream.bytes.copy(r.readBuffer(), 0, 0, head)
    const frames = r.commit(head)
    expect(frames.map((f) => f.equals(stream.bodies[0]!))).toEqual([true])
    expect(r.pendingFrameSize).toBe(big)
    expect(r.bufferedBytes).toBe(104)
    // The next read goes straight into the frame's buffer, bounded by its end.
    expect(r.readBuffer().length).toBe(big - 100)
  })

  it('a frame ending exactly at a read boundary: the next read goes into the scratch buffer again', () => {
    const r = new DirectReader(16 * 1024 * 1024)
    const frames = driveCuts(r, { ...stream, bytes: stream.bytes.subarray(0, stream.ends[1]) }, scratch, [
      stream.ends[0]!,
    ])
    expect(frames.length).toBe(2)
    expect(frames[1]!.equals(stream.bodies[1]!)).toBe(true)
    expect(r.partial).toBe(false)
    expect(r.readBuffer().length).toBe(scratch)
    // A 10 B frame ending exactly at the end of a read.
    stream.bytes.copy(r.readBuffer(), 0, stream.ends[1]!, stream.ends[2]!)
    expect(r.commit(14).length).toBe(1)
    expect(r.partial).toBe(false)
    expect(r.readBuffer().length).toBe(scratch)
  })

  it('a large frame is handed on as its own buffer, not a view of a shared one', () => {
    const frames = drive(new DirectReader(16 * 1024 * 1024), stream, scratch, () => scratch)
    const large = frames[1]!
    expect(large.byteOffset).toBe(0)
    expect(large.buffer.byteLength).toBe(big)
  })
})

describe('DirectReader: invalid input and incomplete frames', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('an oversized length prefix is a ProtocolError as soon as its 4 bytes arrive, before any frame buffer', () => {
    const alloc = vi.spyOn(Buffer, 'allocUnsafe')
    const r = new DirectReader(256 * 1024 * 1024)
    const prefix = Buffer.from([0x7f, 0xff, 0xff, 0xf0])
    prefix.copy(r.readBuffer(), 0, 0, 2)
    expect(r.commit(2)).toEqual([])
    prefix.copy(r.readBuffer(), 0, 2, 4)
    expect(() => r.commit(2)).toThrow(ProtocolError)
    expect(alloc.mock.calls.some(([size]) => size >= 64 * 1024)).toBe(false)

    const atMost = new DirectReader(1024 * 1024)
    atMost.readBuffer().writeInt32BE(1024 * 1024 + 1, 0)
    expect(() => atMost.commit(4)).toThrow(/exceeds maxResponseBytes 1048576/)
  })

  it('a negative or too short length is a ProtocolError', () => {
    const r = new DirectReader(1024)
    r.readBuffer().writeInt32BE(-2, 0)
    expect(() => r.commit(4)).toThrow(/Invalid response size -2/)
    const s = new DirectReader(1024)
    s.readBuffer().writeInt32BE(2, 0)
    expect(() => s.commit(6)).toThrow(/Invalid response size 2/)
  })

  it('a good frame and an invalid prefix in one read: the frame is returned, then the reader is failed', () => {
    const r = new DirectReader(1024)
    const good = prefixed(body(1, 10))
    const bytes = Buffer.concat([good, Buffer.from([0xff, 0xff, 0xff, 0xfe])])
    bytes.copy(r.readBuffer())
    const frames = r.commit(bytes.length)
    expect(frames.map((f) => f.toString('hex'))).toEqual([body(1, 10).toString('hex')])
    expect(r.error).toBeInstanceOf(ProtocolError)
    expect(r.error?.message).toMatch(/Invalid response size -2/)
    // The stream cannot be resynchronised: the next read fails with the same error.
    r.readBuffer().writeInt32BE(10, 0)
    expect(() => r.commit(4)).toThrow(r.error)
  })

  it('a frame above maxDirectFrameBytes is read as chunks, holding only the bytes that arrived', () => {
    const alloc = vi.spyOn(Buffer, 'allocUnsafe')
    const r = new DirectReader(1024 * 1024, { scratchBytes: 16, directFrameBytes: 16, maxDirectFrameBytes: 1000 })
    r.readBuffer().writeInt32BE(100_000, 0)
    expect(r.commit(4)).toEqual([])
    expect(r.readBuffer().length).toBe(16) // still the scratch buffer: no frame-sized buffer
    expect(alloc.mock.calls.some(([size]) => size >= 1000)).toBe(false)
    const s = streamOf([2000, 10, 500])
    const t = new DirectReader(1024 * 1024, { scratchBytes: 16, directFrameBytes: 16, maxDirectFrameBytes: 1000 })
    const frames = drive(t, s, 16, () => 16)
    expect(frames.map((f) => f.toString('hex'))).toEqual(s.bodies.map((b) => b.toString('hex')))
  })

  it('a length prefix of exactly maxResponseBytes is accepted and read directly', () => {
    const r = new DirectReader(1024 * 1024)
    r.readBuffer().writeInt32BE(1024 * 1024, 0)
    expect(r.commit(4)).toEqual([])
    expect(r.readBuffer().length).toBe(1024 * 1024)
  })

  it('reports how much of an incomplete frame arrived (for the error when the socket closes mid-frame)', () => {
    const r = new DirectReader(16 * 1024 * 1024)
    expect(r.partial).toBe(false)
    expect(r.pendingFrameSize).toBeUndefined()
    // Half a length prefix.
    r.readBuffer().writeInt32BE(300_000, 0)
    r.commit(2)
    expect(r.partial).toBe(true)
    expect(r.pendingFrameSize).toBeUndefined()
    expect(r.bufferedBytes).toBe(2)
    // The rest of the prefix and 1000 bytes: now read directly.
    r.readBuffer().fill(0, 0, 1002)
    r.readBuffer().writeUInt16BE(300_000 & 0xffff, 0)
    r.commit(1002)
    expect(r.pendingFrameSize).toBe(300_000)
    expect(r.bufferedBytes).toBe(1004)
    r.commit(50_000)
    expect(r.bufferedBytes).toBe(51_004)
    expect(r.readBuffer().length).toBe(300_000 - 51_000)
    // A small frame cut short.
    const s = new DirectReader(1024)
    s.readBuffer().writeInt32BE(100, 0)
    s.commit(14)
    expect(s.partial).toBe(true)
    expect(s.pendingFrameSize).toBe(100)
    expect(s.bufferedBytes).toBe(14)
  })

  it('a large frame that never completes holds one buffer of its announced size, allocated once', () => {
    const alloc = vi.spyOn(Buffer, 'allocUnsafe')
    const r = new DirectReader(256 * 1024 * 1024)
    r.readBuffer().writeInt32BE(8 * 1024 * 1024, 0)
    r.commit(4)
    for (let i = 0; i < 10; i++) r.commit(r.readBuffer().length >= 1000 ? 1000 : 1)
    expect(alloc.mock.calls.filter(([size]) => size >= 64 * 1024).map(([size]) => size)).toEqual([8 * 1024 * 1024])
    expect(r.bufferedBytes).toBe(4 + 10_000)
  })

  it('commit(0) changes nothing', () => {
    const r = new DirectReader(1024)
    expect(r.commit(0)).toEqual([])
    expect(r.partial).toBe(false)
  })
})

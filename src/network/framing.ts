/**
 * Size-prefixed framing of the byte stream from a broker: each response is an int32 size followed
 * by that many bytes. Pure (no I/O) so that every split of the stream can be unit-tested.
 *
 * Memory: received chunks are kept as they arrive and only joined once a whole frame is there, so
 * a bogus length prefix never makes us allocate: a prefix above `maxFrameBytes` (or negative, or too
 * short for a correlation id) throws a ProtocolError as soon as its 4 bytes are read, and a frame
 * that never completes holds only the bytes that actually arrived.
 *
 * Used behind DirectReader (direct-reader.ts) for the small frames of every connection (plain TCP
 * and TLS); DirectReader takes a large frame over with `detachPendingFrame()` once its (checked)
 * length prefix is known.
 */
import { ProtocolError } from '../errors.js'

/** The smallest valid response: a correlation id. */
const MIN_FRAME = 4

export class FrameDecoder {
  readonly maxFrameBytes: number
  #chunks: Buffer[] = []
  #buffered = 0
  /** Size of the frame being read, or -1 while its length prefix is not complete. */
  #frameSize = -1
  /** Set once an invalid length prefix was read: the stream cannot be resynchronised. */
  #error: ProtocolError | undefined

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes
  }

  /** Bytes received and not yet returned as part of a frame (prefix included). */
  get bufferedBytes(): number {
    return this.#buffered + (this.#frameSize >= 0 ? 4 : 0)
  }

  /** The size of the frame being received, or undefined between frames. */
  get pendingFrameSize(): number | undefined {
    return this.#frameSize >= 0 ? this.#frameSize : undefined
  }

  /** True when part of a frame (or of its length prefix) has been received. */
  get partial(): boolean {
    return this.#buffered > 0 || this.#frameSize >= 0
  }

  /** The ProtocolError of an invalid length prefix, once one was read. */
  get error(): ProtocolError | undefined {
    return this.#error
  }

  /**
   * Adds received bytes; returns the frames they complete (size prefix removed, in order).
   * An invalid length prefix sets `error`: frames completed before it in the same bytes are still
   * returned (they are good responses, and their callers are owed them), and the error is thrown
   * instead when no frame precedes it and by every later push. The decoder must then be discarded.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.#error !== undefined) throw this.#error
    const frames: Buffer[] = []
    if (chunk.length > 0) {
      this.#chunks.push(chunk)
      this.#buffered += chunk.length
    }
    for (;;) {
      if (this.#frameSize < 0) {
        if (this.#buffered < 4) break
        const size = this.#take(4).readInt32BE(0)
        if (size < MIN_FRAME || size > this.maxFrameBytes) {
          this.#error = new ProtocolError(
            size > this.maxFrameBytes
              ? `Response size ${size} exceeds maxResponseBytes ${this.maxFrameBytes}`
              : `Invalid response size ${size}`,
          )
          if (frames.length === 0) throw this.#error
          break
        }
        this.#frameSize = size
      }
      if (this.#buffered < this.#frameSize) break
      frames.push(this.#take(this.#frameSize))
      this.#frameSize = -1
    }
    return frames
  }

  /**
   * Hands over the frame being received, for its remaining bytes to be read straight into it: a new
   * buffer of the frame's size holding the bytes received so far (`filled` of them). The decoder is
   * left between frames. Only valid while `pendingFrameSize` is defined; the size was checked
   * against `maxFrameBytes` when its prefix arrived, so this never allocates from an unchecked prefix.
   */
  detachPendingFrame(): { frame: Buffer; filled: number } {
    if (this.#frameSize < 0) throw new Error('FrameDecoder.detachPendingFrame: no frame is being received')
    // While a frame is incomplete every buffered byte belongs to it (push() returns frames as soon as they complete).
    const frame = Buffer.allocUnsafe(this.#frameSize)
    let filled = 0
    for (const chunk of this.#chunks) {
      chunk.copy(frame, filled)
      filled += chunk.length
    }
    this.#chunks = []
    this.#buffered = 0
    this.#frameSize = -1
    return { frame, filled }
  }

  /** Removes and returns the next `n` (≤ buffered) bytes: a view when they lie in one chunk, else a copy. */
  #take(n: number): Buffer {
    const first = this.#chunks[0]!
    let out: Buffer
    if (first.length >= n) {
      out = first.subarray(0, n)
      if (first.length === n) this.#chunks.shift()
      else this.#chunks[0] = first.subarray(n)
    } else {
      out = Buffer.allocUnsafe(n)
      let filled = 0
      while (filled < n) {
        const c = this.#chunks[0]!
        const k = Math.min(c.length, n - filled)
        c.copy(out, filled, 0, k)
        filled += k
        if (k === c.length) this.#chunks.shift()
        else this.#chunks[0] = c.subarray(k)
      }
    }
    this.#buffered -= n
    return out
  }
}

/**
 * Response framing that reads large frames straight into a buffer of the frame's size. Owned by
 * one Connection, which hands `readBuffer` and `commit` to `net.connect({ onread })` or
 * `tls.connect({ onread })`; pure (no I/O), so that every split of the stream can be unit-tested.
 *
 * Why: with the socket's 'data' event Node allocates a chunk per read (up to 64 KiB) and
 * FrameDecoder then copies the chunks of a large frame (a 1–3 MiB Fetch response) together: every
 * byte copied once more plus a chunk allocation per read, ~9 % of a consumer's CPU at 1 KiB records
 * (docs/performance.md, Consumer, "What limits 1 KiB").
 *
 * How: reads go into one reused scratch buffer and are fed to a FrameDecoder (which checks every
 * length prefix). As soon as the frame being received is at least `directFrameBytes` long, its
 * bytes so far are moved into a buffer of the frame's size and the next reads go into the rest of
 * that buffer (`frame.subarray(filled)`): a read can never run past the frame's end, so no byte of
 * the next frame lands in it, and the frame is handed on without another copy once it is full.
 *
 * Guarantees (those of FrameDecoder, plus):
 * - An invalid length prefix (negative, too short, above `maxFrameBytes`) throws a ProtocolError as
 *   soon as its 4 bytes arrive, before any frame buffer is allocated.
 * - Memory: a large frame that never completes holds a buffer of its announced size (allocated when
 *   its prefix arrives; at most MAX_DIRECT_FRAME_BYTES, larger frames are read as FrameDecoder
 *   chunks), not only the bytes that arrived as with FrameDecoder alone. (On Linux the pages of a large `allocUnsafe` buffer are
 *   typically not committed until written, but V8 counts all of it as external memory.)
 * - Frames never alias the scratch buffer: it is overwritten by the next read, while decoded
 *   responses keep views into their frame (records are decoded lazily). Bytes read into the scratch
 *   are copied out (one allocation per read, as Node's own reads) before they reach the decoder.
 * - After `commit` throws, the reader must be discarded (as the connection is).
 */
import type { ProtocolError } from '../errors.js'
import { FrameDecoder } from './framing.js'

/** Node's default read size: the scratch buffer's size and the smallest frame read directly. */
export const DIRECT_READ_BYTES = 64 * 1024

/**
 * The largest frame read directly (its buffer is allocated when its prefix arrives). Larger frames,
 * up to maxResponseBytes (256 MiB by default), go through the FrameDecoder's chunks, which hold only
 * the bytes that arrived: a broker that announces a huge frame and sends little costs no more than
 * this. Above the default fetchMaxBytes (50 MiB), so every Fetch response of a default consumer is
 * read directly.
 */
export const MAX_DIRECT_FRAME_BYTES = 64 * 1024 * 1024

const NO_FRAMES: readonly Buffer[] = Object.freeze([])

export interface DirectReaderOptions {
  /** Size of the reused buffer that reads go into between large frames. Default 64 KiB. */
  scratchBytes?: number
  /** Frames of at least this size are read into their own buffer. Default 64 KiB. */
  directFrameBytes?: number
  /** ...and of at most this size. Default MAX_DIRECT_FRAME_BYTES (64 MiB). */
  maxDirectFrameBytes?: number
}

export class DirectReader {
  readonly #decoder: FrameDecoder
  readonly #scratch: Buffer
  readonly #directFrameBytes: number
  readonly #maxDirectFrameBytes: number
  /** The large frame that reads currently fill, or undefined while they go into the scratch buffer. */
  #frame: Buffer | undefined
  /** Bytes of #frame received so far. */
  #filled = 0

  constructor(maxFrameBytes: number, options: DirectReaderOptions = {}) {
    this.#decoder = new FrameDecoder(maxFrameBytes)
    // allocUnsafeSlow: its own memory, never a slice of Node's shared pool, since it is reused.
    this.#scratch = Buffer.allocUnsafeSlow(options.scratchBytes ?? DIRECT_READ_BYTES)
    this.#directFrameBytes = options.directFrameBytes ?? DIRECT_READ_BYTES
    this.#maxDirectFrameBytes = options.maxDirectFrameBytes ?? MAX_DIRECT_FRAME_BYTES
  }

  /**
   * Where the next read must put its bytes (onread's `buffer`): the unfilled rest of the large frame
   * being received, else the scratch buffer. Node asks after every `commit`; never throws.
   */
  readBuffer(): Buffer {
    return this.#frame === undefined ? this.#scratch : this.#frame.subarray(this.#filled)
  }

  /**
   * Accounts for `n` bytes that a read put at the start of the buffer last returned by
   * `readBuffer()` (onread's `callback`). Returns the frames they complete (size prefix removed, in
   * order); each is a buffer the caller may keep. An invalid length prefix throws a ProtocolError
   * when no frame precedes it in these bytes, else sets `error` after returning those frames.
   */
  commit(n: number): readonly Buffer[] {
    if (n <= 0) return NO_FRAMES
    const frame = this.#frame
    if (frame !== undefined) {
      this.#filled += n
      if (this.#filled < frame.length) return NO_FRAMES
      this.#frame = undefined
      this.#filled = 0
      return [frame]
    }
    // Buffer.from copies: the scratch is overwritten by the next read.
    const frames = this.#decoder.push(Buffer.from(this.#scratch.subarray(0, n)))
    const size = this.#decoder.pendingFrameSize
    if (size !== undefined && size >= this.#directFrameBytes && size <= this.#maxDirectFrameBytes) {
      const pending = this.#decoder.detachPendingFrame()
      this.#frame = pending.frame
      this.#filled = pending.filled
    }
    return frames
  }

  /** The ProtocolError of an invalid length prefix, once one was read (see FrameDecoder.error). */
  get error(): ProtocolError | undefined {
    return this.#decoder.error
  }

  /** True when part of a frame (or of its length prefix) has been received. */
  get partial(): boolean {
    return this.#frame !== undefined || this.#decoder.partial
  }

  /** The size of the frame being received, or undefined between frames. */
  get pendingFrameSize(): number | undefined {
    return this.#frame !== undefined ? this.#frame.length : this.#decoder.pendingFrameSize
  }

  /** Bytes received and not yet returned as part of a frame (prefix included). */
  get bufferedBytes(): number {
    return this.#frame !== undefined ? this.#filled + 4 : this.#decoder.bufferedBytes
  }
}

/**
 * The producer's memory budget (Java's BufferPool): `bufferMemory` bytes shared by every
 * batch under construction or in flight. Buffers of `poolableSize` (= batchSize) and of small
 * multiples of it (compressed batches hold about batchSize / ratio uncompressed bytes) are kept
 * on free lists and reused, so a steady producer allocates no new batch buffers; other sizes
 * (records larger than that) are allocated and dropped.
 *
 * When the budget is exhausted, `allocate()` waits, first come first served, until enough is
 * released or its deadline passes, then rejects with a TimeoutError. It never fails with a
 * "queue full" error. Waiters are woken by `release()`, which the sender calls when a batch
 * completes. Owned by the accumulator.
 */
import { AbortError, TimeoutError } from '../errors.js'
import { Fifo } from './fifo.js'

/** Largest pooled buffer, in batchSize units. */
const MAX_MULTIPLE = 8

interface Waiter {
  size: number
  resolve: (buffer: Buffer) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout> | undefined
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

export class BufferPool {
  readonly totalMemory: number
  readonly poolableSize: number
  /** Bytes not held by anyone and not on the free list. */
  #nonPooledAvailable: number
  /** Free buffers by size (poolableSize × 1…MAX_MULTIPLE). */
  readonly #free = new Map<number, Buffer[]>()
  #freeBytes = 0
  readonly #waiters = new Fifo<Waiter>()
  /** Nanoseconds allocations spent waiting for memory, in total. */
  waitTimeNs = 0

  constructor(totalMemory: number, poolableSize: number) {
    this.totalMemory = totalMemory
    this.poolableSize = poolableSize
    this.#nonPooledAvailable = totalMemory
  }

  /** Bytes that can be allocated right now (free list plus unallocated). */
  get availableMemory(): number {
    return this.#nonPooledAvailable + this.#freeBytes
  }

  /** Bytes held by batches (allocated and not yet released). */
  get usedMemory(): number {
    return this.totalMemory - this.availableMemory
  }

  /** Number of allocations waiting for memory. */
  get queued(): number {
    return this.#waiters.length
  }

  /**
   * Allocates `size` bytes at once if possible and no one is waiting ahead (fairness);
   * otherwise returns null and the caller uses `allocate()`.
   */
  tryAllocate(size: number): Buffer | null {
    if (this.#waiters.length > 0) return null
    return this.#take(size)
  }

  /**
   * Allocates `size` bytes, waiting up to `maxBlockMs` behind earlier waiters. Rejects with a
   * TimeoutError naming the size and the wait, or an AbortError if `signal` aborts.
   */
  allocate(size: number, maxBlockMs: number, signal?: AbortSignal): Promise<Buffer> {
    if (size > this.totalMemory) {
      return Promise.reject(
        new RangeError(`Attempt to allocate ${size} bytes, but bufferMemory is only ${this.totalMemory} bytes`),
      )
    }
    const now = this.tryAllocate(size)
    if (now !== null) return Promise.resolve(now)
    if (signal?.aborted) return Promise.reject(abortReason(signal))
    const started = performance.now()
    const waiting = new Promise<Buffer>((resolve, reject) => {
      const waiter: Waiter = { size, resolve, reject, timer: undefined, signal, onAbort: undefined }
      if (Number.isFinite(maxBlockMs)) {
        waiter.timer = setTimeout(
          () => {
            this.#remove(waiter)
            reject(
              new TimeoutError(
                `Failed to allocate ${size} bytes within the configured maxBlockMs of ${maxBlockMs} ms ` +
                  `(bufferMemory ${this.totalMemory} bytes is in use by unsent and in-flight batches)`,
              ),
            )
          },
          Math.max(0, maxBlockMs),
        )
      }
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.#remove(waiter)
          reject(abortReason(signal))
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.#waiters.push(waiter)
    })
    // Java's bufferpool-wait-time-ns-total: every wait, granted, timed out or aborted.
    const waited = () => {
      this.waitTimeNs += Math.round((performance.now() - started) * 1e6)
    }
    waiting.then(waited, waited)
    return waiting
  }

  /** Returns memory to the pool. `buffer` is reused if it has the poolable size. */
  release(buffer: Buffer | null, size: number): void {
    if (buffer !== null && buffer.length === size && this.#poolable(size)) {
      let list = this.#free.get(size)
      if (list === undefined) this.#free.set(size, (list = []))
      list.push(buffer)
      this.#freeBytes += size
    } else {
      this.#nonPooledAvailable += size
    }
    this.#serveWaiters()
  }

  /**
   * Counts `bytes` of memory that is not a buffer against the budget (the per-record objects
   * of a batch on its way: promise, resolve function, metadata). It never waits and may take
   * the budget below zero; allocations then wait until `uncharge()` gives it back.
   */
  charge(bytes: number): void {
    this.#nonPooledAvailable -= bytes
  }

  uncharge(bytes: number): void {
    this.#nonPooledAvailable += bytes
    this.#serveWaiters()
  }

  /** Fails every waiter (the producer is closing). */
  failWaiters(error: Error): void {
    const waiters = this.#waiters.clear()
    for (const w of waiters) {
      this.#cleanup(w)
      w.reject(error)
    }
  }

  #serveWaiters(): void {
    while (this.#waiters.length > 0) {
      const w = this.#waiters.peek()!
      const buffer = this.#take(w.size)
      if (buffer === null) return
      this.#waiters.shift()
      this.#cleanup(w)
      w.resolve(buffer)
    }
  }

  #take(size: number): Buffer | null {
    // Checked first: charges may have taken the budget below what the free list holds.
    if (this.#nonPooledAvailable + this.#freeBytes < size) return null
    const same = this.#free.get(size)
    if (same !== undefined && same.length > 0) {
      this.#freeBytes -= size
      return same.pop()!
    }
    // Give pooled buffers of other sizes back to the unallocated budget until there is room.
    for (const [bytes, list] of this.#free) {
      while (this.#nonPooledAvailable < size && list.length > 0) {
        list.pop()
        this.#freeBytes -= bytes
        this.#nonPooledAvailable += bytes
      }
      if (this.#nonPooledAvailable >= size) break
    }
    this.#nonPooledAvailable -= size
    return Buffer.allocUnsafeSlow(size)
  }

  #poolable(size: number): boolean {
    const multiple = size / this.poolableSize
    return Number.isInteger(multiple) && multiple >= 1 && multiple <= MAX_MULTIPLE
  }

  #remove(waiter: Waiter): void {
    const wasHead = this.#waiters.peek() === waiter
    this.#waiters.remove(waiter)
    this.#cleanup(waiter)
    // The head may have been the one blocking smaller requests behind it.
    if (wasHead) this.#serveWaiters()
  }

  #cleanup(w: Waiter): void {
    if (w.timer !== undefined) clearTimeout(w.timer)
    if (w.onAbort !== undefined) w.signal!.removeEventListener('abort', w.onAbort)
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason = signal.reason
  return reason instanceof Error && reason.name !== 'AbortError' ? reason : new AbortError(undefined, { cause: reason })
}

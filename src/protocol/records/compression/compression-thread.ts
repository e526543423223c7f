/**
 * Compression on a worker thread, for the codecs with no thread-pool variant: zstd through
 * `zstd-napi` (the preferred backend, and on Node 20 the only one) and LZ4 without `lz4-napi`
 * (the pure-JS compressor). Without it the producer compressed every such batch on the event
 * loop: zstd-napi's `compress` was 47 % of P5's CPU profile, and the Java producer, which
 * compresses on its own threads, was ahead there (docs/performance.md, "Producer").
 *
 * A pool of workers per process, up to one per core (at most 4), started as the work needs
 * them: a job goes to the worker with the fewest, and a new worker starts only when every
 * running one is busy — so a producer that compresses now and then has one (~40 MB of RSS, an
 * isolate). Measured on P5 (two cores shared with the broker): two workers 172k–212k records/s
 * against 133k–170k with one, four alternating rounds (docs/performance.md). Each worker is
 * unref'd while it has no job, so none keeps a process alive. Jobs are not capped (the
 * producer's bufferMemory bounds them): measured, having the event loop compress whenever the
 * worker had two jobs was slower on P5 than letting them queue. Input is copied into a buffer
 * the worker takes over (a batch's records are a view of its builder's buffer), output comes
 * back transferred. If a worker cannot start or dies, its jobs reject and every later call
 * returns null: callers then compress on the event loop as before, nothing is lost.
 *
 * The worker's script is compression-worker.js in the build (see builtScriptPath); running from
 * the TypeScript sources without a build there is none, and calls return null.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { builtScriptPath, workerExecArgv } from '../../../internal/worker-script.js'
import type { CompressionType } from './types.js'

/** Main thread → worker. */
export interface CompressJob {
  id: number
  type: CompressionType
  level: number | undefined
  input: Uint8Array
}

/** Worker → main thread: the compressed bytes, or the codec's error message. */
export type CompressResult = { id: number; output: Uint8Array } | { id: number; error: string }

interface Waiter {
  resolve(out: Buffer): void
  reject(err: Error): void
}

class CompressionThread {
  #worker: Worker | null = null
  /** Set once the worker could not be started or died: the event loop compresses from then on. */
  #unavailable = false
  #nextId = 1
  readonly #waiters = new Map<number, Waiter>()

  /** Jobs sent and not answered yet. */
  get pending(): number {
    return this.#waiters.size
  }

  /** True once the worker could not be started or died. */
  get lost(): boolean {
    return this.#unavailable
  }

  compress(type: CompressionType, input: Buffer, level: number | undefined): Promise<Buffer> | null {
    const worker = this.#ensure()
    if (worker === null) return null
    const id = this.#nextId++
    // Not zero-filled, and an ArrayBuffer of its own (never the pool's), so it can be transferred.
    const copy = Buffer.allocUnsafeSlow(input.length)
    input.copy(copy)
    return new Promise<Buffer>((resolve, reject) => {
      // Keep the process alive while a batch is being compressed (a flush() awaits it).
      if (this.#waiters.size === 0) worker.ref()
      this.#waiters.set(id, { resolve, reject })
      worker.postMessage({ id, type, level, input: copy } satisfies CompressJob, [copy.buffer])
    })
  }

  /** Stops the worker; pending jobs reject and later calls return null. For tests and shutdown hooks. */
  async stop(): Promise<void> {
    const worker = this.#worker
    this.#lost(new Error('compression worker stopped'))
    if (worker !== null) await worker.terminate()
  }

  #ensure(): Worker | null {
    if (this.#worker !== null) return this.#worker
    if (this.#unavailable) return null
    const script = builtScriptPath('protocol', 'records', 'compression', 'compression-worker.js')
    if (!script.found) {
      this.#unavailable = true
      return null
    }
    let worker: Worker
    try {
      worker = new Worker(script.path, { execArgv: workerExecArgv() })
    } catch {
      this.#unavailable = true
      return null
    }
    worker.on('message', (msg: CompressResult) => this.#settle(msg))
    worker.on('error', (err) => this.#lost(err))
    worker.on('exit', (code) => this.#lost(new Error(`compression worker exited with code ${code}`)))
    worker.unref()
    this.#worker = worker
    return worker
  }

  #settle(msg: CompressResult): void {
    const waiter = this.#waiters.get(msg.id)
    if (waiter === undefined) return
    this.#waiters.delete(msg.id)
    if (this.#waiters.size === 0) this.#worker?.unref()
    if ('error' in msg) waiter.reject(new Error(msg.error))
    else waiter.resolve(Buffer.from(msg.output.buffer, msg.output.byteOffset, msg.output.byteLength))
  }

  #lost(err: Error): void {
    this.#unavailable = true
    this.#worker?.unref()
    this.#worker = null
    const waiters = [...this.#waiters.values()]
    this.#waiters.clear()
    for (const w of waiters) w.reject(err)
  }
}

/** Hands each job to the least busy worker, starting another (up to `max`) when all are busy. */
class CompressionPool {
  readonly #threads: CompressionThread[] = []
  readonly #max: number

  constructor(max: number) {
    this.#max = max
  }

  compress(type: CompressionType, input: Buffer, level: number | undefined): Promise<Buffer> | null {
    let best: CompressionThread | undefined
    for (const t of this.#threads) {
      if (t.lost) return null // one worker failed: the event loop compresses from now on
      if (best === undefined || t.pending < best.pending) best = t
    }
    if ((best === undefined || best.pending > 0) && this.#threads.length < this.#max) {
      best = new CompressionThread()
      this.#threads.push(best)
    }
    return best!.compress(type, input, level)
  }

  /** Workers started so far, and the most there may be. */
  get size(): { started: number; max: number } {
    return { started: this.#threads.length, max: this.#max }
  }

  async stop(): Promise<void> {
    // A stopped pool stays stopped: a lost thread makes compress() return null.
    if (this.#threads.length === 0) this.#threads.push(new CompressionThread())
    await Promise.all(this.#threads.map((t) => t.stop()))
  }
}

const pool = new CompressionPool(Math.max(1, Math.min(4, availableParallelism())))

/**
 * Compresses `input` on one of the process's compression worker threads, or returns null when
 * there is none (no build, or one failed). The promise rejects with the codec's error; `input` may be
 * changed as soon as this returns (it is copied).
 */
export function compressOnWorker(type: CompressionType, input: Buffer, level?: number): Promise<Buffer> | null {
  return pool.compress(type, input, level)
}

/** How many compression workers were started, and the most there may be (tests). */
export function compressionWorkers(): { started: number; max: number } {
  return pool.size
}

/** Stops the compression workers for good (tests; the failure path): later calls return null. */
export function stopCompressionWorker(): Promise<void> {
  return pool.stop()
}

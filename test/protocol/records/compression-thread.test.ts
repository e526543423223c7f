// The compression worker threads (src/protocol/records/compression/compression-thread.ts): zstd-napi
// has no thread-pool variant, so closed zstd batches are compressed there instead of on the event
// loop. Runs the worker from dist/esm (`npm run build`; CI builds before testing).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  compressionWorkers,
  stopCompressionWorker,
} from '../../../src/protocol/records/compression/compression-thread.js'
import {
  ASYNC_COMPRESS_THRESHOLD,
  CompressionType,
  compressAsync,
  compressOnThreadPool,
  decompress,
} from '../../../src/protocol/records/compression/index.js'
import { batches, RecordBatchBuilder } from '../../../src/protocol/records/index.js'

const built = resolve(import.meta.dirname, '../../../dist/esm')
const json = Buffer.from(
  Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, user: `u${(i * 7919) % 1000}`, n: i % 13 })).join(
    '\n',
  ),
)

describe('compression worker thread', () => {
  beforeAll(() => {
    if (!existsSync(join(built, 'protocol', 'records', 'compression', 'compression-worker.js')))
      throw new Error(`${built} has no compression worker: run \`npm run build\` first`)
  })
  afterAll(() => stopCompressionWorker())

  it('compresses zstd off the event loop (zstd-napi has no thread-pool variant) into a valid frame', async () => {
    const pending = compressOnThreadPool(CompressionType.ZSTD, json, 3)
    expect(pending).toBeInstanceOf(Promise)
    const out = await pending!
    expect(out.length).toBeLessThan(json.length / 3)
    expect(decompress(CompressionType.ZSTD, out).equals(json)).toBe(true)
  })

  it('starts one worker while one is enough, another only when every running one is busy', async () => {
    // Sequential jobs: the first worker is idle each time, no second one.
    for (let i = 0; i < 3; i++) await compressOnThreadPool(CompressionType.ZSTD, json)!
    const { started, max } = compressionWorkers()
    expect(started).toBe(1)
    expect(max).toBe(Math.max(1, Math.min(4, availableParallelism())))
    // Jobs at once: up to one worker per core (max), each with its share.
    const outs = await Promise.all(Array.from({ length: 8 }, () => compressOnThreadPool(CompressionType.ZSTD, json)!))
    for (const out of outs) expect(decompress(CompressionType.ZSTD, out).equals(json)).toBe(true)
    expect(compressionWorkers().started).toBe(max)
  })

  it('copies the input: the caller may reuse its buffer as soon as the call returns', async () => {
    const input = Buffer.from(json)
    const pending = compressOnThreadPool(CompressionType.ZSTD, input)!
    input.fill(0)
    expect(decompress(CompressionType.ZSTD, await pending).equals(json)).toBe(true)
  })

  it('answers many jobs at once, each with its own result', async () => {
    const inputs = Array.from({ length: 20 }, (_, i) => Buffer.from(`${i}:`.repeat(1000 + i)))
    const outs = await Promise.all(inputs.map((b) => compressOnThreadPool(CompressionType.ZSTD, b)!))
    for (const [i, out] of outs.entries()) expect(decompress(CompressionType.ZSTD, out).equals(inputs[i]!)).toBe(true)
  })

  it("rejects with the codec's error from the worker", async () => {
    // The worker resolves codecs itself: an unknown type fails there, not at the call.
    const { compressOnWorker } = await import('../../../src/protocol/records/compression/compression-thread.js')
    await expect(compressOnWorker(9 as CompressionType, json)!).rejects.toThrow(/Unknown compression type 9/)
  })

  it('does not keep the process alive once its jobs are done', () => {
    const index = pathToFileURL(join(built, 'protocol', 'records', 'compression', 'index.js')).href
    const script = `
      import { compressOnThreadPool } from ${JSON.stringify(index)}
      const out = await compressOnThreadPool(4, Buffer.from('x'.repeat(100000)))
      console.log(out.length)`
    // Exits by itself (an unref'd idle worker), well before the timeout.
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(Number(out.trim())).toBeGreaterThan(0)
  })

  it('once the worker is gone, jobs in flight reject and batches compress on the event loop, losing nothing', async () => {
    const inFlight = compressOnThreadPool(CompressionType.ZSTD, json)!
    const builder = new RecordBatchBuilder({ compression: CompressionType.ZSTD, batchSizeLimit: 1 << 22 })
    for (let i = 0; i < 100; i++) builder.tryAppend(1000, null, Buffer.from(`record ${i} ${'x'.repeat(100)}`), null)
    const background = builder.compressInBackground() // on the worker, which is about to stop
    expect(background).not.toBeNull()
    // A large input compressAsync handed to the worker: compressed here instead once the worker is gone.
    const big = Buffer.from(json.toString().repeat(Math.ceil((ASYNC_COMPRESS_THRESHOLD + 1) / json.length)))
    const viaAsync = compressAsync(CompressionType.ZSTD, big)
    const rejected = expect(inFlight).rejects.toThrow(/compression worker stopped/)
    await stopCompressionWorker()
    await rejected
    await background // never rejects: build() compresses on the event loop instead
    expect(decompress(CompressionType.ZSTD, await viaAsync).equals(big)).toBe(true)
    const records = [...[...batches(builder.build())][0]!.records()]
    expect(records.map((r) => r.value!.toString())).toEqual(
      Array.from({ length: 100 }, (_, i) => `record ${i} ${'x'.repeat(100)}`),
    )
    // No worker from now on: the callers' event-loop path.
    expect(compressOnThreadPool(CompressionType.ZSTD, json)).toBeNull()
    const later = new RecordBatchBuilder({ compression: CompressionType.ZSTD })
    later.tryAppend(1, null, Buffer.from('v'), null)
    expect(later.compressInBackground()).toBeNull()
  })
})

/**
 * The compression worker thread (compression-thread.ts starts it): compresses with the same
 * codec registry as the main thread, one job at a time, and transfers the result back. This
 * file is loaded as plain JavaScript from dist/.
 */
import { parentPort } from 'node:worker_threads'
import type { CompressJob, CompressResult } from './compression-thread.js'
import { compress } from './index.js'

const port = parentPort
if (port === null) throw new Error('compression-worker.js must run in a worker thread')

port.on('message', (job: CompressJob) => {
  let reply: CompressResult
  let transfer: ArrayBuffer[] = []
  try {
    const input = Buffer.from(job.input.buffer, job.input.byteOffset, job.input.byteLength)
    const out = compress(job.type, input, job.level)
    // A buffer of its own to transfer: a codec's output may be a view of a larger or external one.
    const output = new Uint8Array(out.length)
    output.set(out)
    reply = { id: job.id, output }
    transfer = [output.buffer]
  } catch (err) {
    reply = { id: job.id, error: err instanceof Error ? err.message : String(err) }
  }
  port.postMessage(reply, transfer)
})

// A slow consumer in a fresh process (test/fault/consumer/memory-bound.test.ts): assign() every
// partition of a topic with a backlog, poll(), pause after each poll, and print
// process.memoryUsage() samples as JSON lines on stdout. Imports the built package (npm run build).
// Run with --expose-gc, it also collects garbage after each poll and reports the peak of what is
// still alive then (`live`): what the consumer holds, without the garbage V8 has not collected yet.
// argv: distDir bootstrapServers topic partitions durationMs optionsJson mode(poll|iterator|pause)
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [distDir, bootstrapServers, topic, partitionsArg, durationArg, optionsJson, mode = 'poll'] = process.argv.slice(2)
const { Consumer } = await import(pathToFileURL(path.join(distDir, 'index.js')).href)
const partitions = Number(partitionsArg)
const durationMs = Number(durationArg)
const options = JSON.parse(optionsJson)
const pauseMs = options.pauseMs ?? 100
delete options.pauseMs

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const mem = () => {
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
}
const print = (o) => process.stdout.write(`${JSON.stringify(o)}\n`)

const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest', ...options })
const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }))
consumer.assign(tps)
// The baseline is taken before the first Fetch: the first response is part of what is measured.
let records = 0
let bytes = 0
const base = mem()
print({ type: 'base', ...base })
const started = Date.now()
const peak = { ...base }
const live = globalThis.gc === undefined ? null : { ...base }
const sample = () => {
  const m = mem()
  for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k])
  return m
}
const timer = setInterval(() => print({ type: 'sample', t: Date.now() - started, records, ...sample() }), 1000)
if (mode === 'pause') consumer.pause(tps.slice(0, Math.floor(partitions / 2)))
if (mode === 'iterator') {
  let n = 0
  for await (const r of consumer) {
    records++
    bytes += r.value?.length ?? 0
    if (++n % 200 === 0) await sleep(pauseMs)
    if (Date.now() - started >= durationMs) break
  }
} else {
  while (Date.now() - started < durationMs) {
    for (const r of await consumer.poll(500)) {
      records++
      bytes += r.value?.length ?? 0
    }
    sample()
    if (live !== null) {
      // Twice, a turn of the event loop apart: V8 frees ArrayBuffer memory in a sweeper task
      // after the collection, and external memory drops only then.
      globalThis.gc()
      await new Promise((r) => setImmediate(r))
      globalThis.gc()
      const m = mem()
      for (const k of Object.keys(live)) live[k] = Math.max(live[k], m[k])
    }
    await sleep(pauseMs)
  }
}
clearInterval(timer)
sample()
const stats = consumer.stats ?? null
await consumer.close()
print({ type: 'done', records, bytes, base, peak, live, stats })

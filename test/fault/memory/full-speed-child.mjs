// A producer at full speed and a two-member consumer group in one process, as an application in a
// 512 MiB container would run them (test/fault/memory/container.test.ts, `npm run soak:memory`).
// Prints process.memoryUsage() samples and the record counts as JSON lines; imports the built package.
// argv: distDir bootstrapServers topic durationMs
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [distDir, bootstrapServers, topic, durationArg] = process.argv.slice(2)
const { Consumer, Producer } = await import(pathToFileURL(path.join(distDir, 'index.js')).href)
const durationMs = Number(durationArg)
const print = (o) => process.stdout.write(`${JSON.stringify(o)}\n`)
const started = Date.now()
let produced = 0
let consumed = 0
let peakRss = 0
const timer = setInterval(() => {
  const m = process.memoryUsage()
  peakRss = Math.max(peakRss, m.rss)
  print({
    type: 'sample',
    t: Date.now() - started,
    produced,
    consumed,
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
  })
}, 500)

const producer = new Producer({ bootstrapServers, lingerMs: 5, batchSize: 64 * 1024 })
const value = Buffer.alloc(1024, 'x')
const producing = (async () => {
  // Windows of outstanding sends: full speed, as a busy service produces.
  while (Date.now() - started < durationMs) {
    await Promise.all(Array.from({ length: 2000 }, (_, i) => producer.send({ topic, key: String(i), value })))
    produced += 2000
  }
})()
const members = [0, 1].map(() => {
  const consumer = new Consumer({ bootstrapServers, groupId: `${topic}-group`, autoOffsetReset: 'earliest' })
  consumer.subscribe([topic])
  const loop = (async () => {
    while (Date.now() - started < durationMs) consumed += (await consumer.poll(500)).count
  })()
  return { consumer, loop }
})
await producing
await Promise.all(members.map((m) => m.loop))
await producer.close()
for (const m of members) await m.consumer.close()
clearInterval(timer)
print({ type: 'done', produced, consumed, peakRss })
process.exit(0)

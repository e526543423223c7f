#!/usr/bin/env node
// What reading into fresh memory costs, without a broker: a server in this process writes 512 MiB
// over loopback TCP, and the client reads it with `onread` (as network/direct-reader.ts does) into
// 3 MiB frame buffers that are either reused or a new allocation each (a consumer's Fetch response
// frames), computing CRC-32C over each read's bytes right after it (the first pass over them).
// Reports the process's CPU and the CRC's speed for three cases, each in its own process,
// alternating: frames reused; a fresh frame each with glibc's own malloc thresholds; a fresh frame
// each after network/malloc-thresholds.ts raised them (as a Connection does).
// Used for "glibc's heap and fresh pages" (docs/performance.md).
//
//   node benchmarks/consumer/fresh-pages.mjs [--runs 3] [--dist dist/esm]
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    dist: { type: 'string', default: 'dist/esm' },
    child: { type: 'string' },
  },
})
const dist = pathToFileURL(resolve(values.dist)).href

if (values.child !== undefined) {
  const [frames, thresholds] = values.child.split(',')
  const { crc32c } = await import(`${dist}/protocol/records/crc32c.js`)
  if (thresholds === 'raised') (await import(`${dist}/network/malloc-thresholds.js`)).raiseMallocThresholds()
  const net = await import('node:net')
  const TOTAL = 512 << 20
  const FRAME = 3 << 20
  const server = net.createServer((s) => {
    const chunk = Buffer.alloc(1 << 20, 5)
    let sent = 0
    const pump = () => {
      while (sent < TOTAL) {
        sent += chunk.length
        if (!s.write(chunk)) return s.once('drain', pump)
      }
      s.end()
    }
    pump()
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  let frame = Buffer.allocUnsafe(FRAME)
  let filled = 0
  let crcNs = 0n
  let bytes = 0
  const cpu0 = process.cpuUsage()
  const socket = net.connect({
    port: server.address().port,
    host: '127.0.0.1',
    onread: {
      buffer: () => frame.subarray(filled),
      callback: (n) => {
        const t = process.hrtime.bigint()
        crc32c(frame, filled, filled + n) // the result is not needed: the pass over the bytes is timed
        crcNs += process.hrtime.bigint() - t
        bytes += n
        filled += n
        if (filled === frame.length) {
          if (frames === 'fresh') frame = Buffer.allocUnsafe(FRAME)
          filled = 0
        }
      },
    },
  })
  await new Promise((r) => socket.on('end', r))
  const cpu = process.cpuUsage(cpu0)
  server.close()
  console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, crcGBs: bytes / Number(crcNs) }))
} else {
  const cases = ['reused,glibc', 'fresh,glibc', 'fresh,raised']
  const results = Object.fromEntries(cases.map((c) => [c, []]))
  for (let i = 0; i < Number(values.runs); i++) {
    for (const c of cases) {
      const out = execFileSync(
        process.execPath,
        [new URL(import.meta.url).pathname, '--child', c, '--dist', values.dist],
        // An opt-out inherited from this shell would make the 'raised' case the same as glibc's own.
        { encoding: 'utf8', env: { ...process.env, KAFKA_WIRE_MALLOC_THRESHOLDS: '' } },
      )
      results[c].push(JSON.parse(out))
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  console.log(`512 MiB read over loopback into 3 MiB frames, ${values.runs} runs each, medians (min–max):`)
  for (const c of cases) {
    const cpu = results[c].map((r) => r.cpuMs)
    const crc = results[c].map((r) => r.crcGBs)
    const [frames, thresholds] = c.split(',')
    console.log(
      `  frames ${frames.padEnd(6)} malloc thresholds ${thresholds === 'raised' ? 'raised' : "glibc's own"}: ` +
        `CPU ${median(cpu).toFixed(0)} ms (${Math.min(...cpu).toFixed(0)}–${Math.max(...cpu).toFixed(0)}), ` +
        `CRC-32C of the bytes just read ${median(crc).toFixed(2)} GB/s (${Math.min(...crc).toFixed(2)}–${Math.max(...crc).toFixed(2)})`,
    )
  }
}

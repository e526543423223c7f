#!/usr/bin/env node
// The CPU a worker thread costs to start: each run is a fresh process that starts one worker from a
// script, idles 1 s and reports the process's CPU time (user + system). The empty script's row is
// the price of a Node worker itself; the difference to it is the script's module loading. Runs
// alternate between the scripts. Used for "Worker scripts as one file" (docs/performance.md):
// scripts/build.mjs bundles each worker entry into one file.
//
//   node benchmarks/startup/worker-start.mjs [--runs 6] [--dist dist/esm] [--dist <another build>]
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '6' }, dist: { type: 'string', multiple: true, default: ['dist/esm'] } },
})
const runs = Number(values.runs)
const empty = join(tmpdir(), 'kw-empty-worker.mjs')
writeFileSync(empty, 'export {}\n')
const scripts = [['empty worker', empty]]
for (const d of values.dist) {
  for (const s of ['consumer/group/heartbeat-worker.js', 'protocol/records/compression/compression-worker.js'])
    scripts.push([`${d}: ${s}`, resolve(d, s)])
}
const child = `
  const { Worker } = require('node:worker_threads')
  const c0 = process.cpuUsage()
  const w = new Worker(process.argv[1], { execArgv: [] })
  w.once('error', (e) => { console.error(e); process.exit(1) })
  w.once('online', () => setTimeout(async () => {
    const c = process.cpuUsage(c0)
    console.log((c.user + c.system) / 1000)
    await w.terminate()
  }, 1000))`
const samples = new Map(scripts.map(([name]) => [name, []]))
for (let r = 0; r < runs; r++) {
  for (const [name, file] of scripts) {
    samples.get(name).push(Number(execFileSync(process.execPath, ['-e', child, file], { encoding: 'utf8' }).trim()))
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
console.log(`CPU ms to start a worker and idle 1 s, ${runs} runs each, median (min–max), Node ${process.version}`)
for (const [name, xs] of samples)
  console.log(
    `${name.padEnd(80)} ${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`,
  )

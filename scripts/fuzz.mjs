#!/usr/bin/env node
// Protocol fuzzing at scale (issue #19): runs the decoder fuzz tests (test/protocol/fuzz.test.ts,
// test/protocol/records/fuzz.test.ts) with more runs than CI, and prints how many random and
// mutated frames the response/request decoders and the record-batch decoder were fed. Every frame
// must decode or fail with ProtocolError within bounded time and output; anything else fails.
//   npm run fuzz                 # --runs 2400: over 1,000,000 frames
//   npm run fuzz -- --runs 240   # a tenth
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const i = process.argv.indexOf('--runs')
const runs = i >= 0 ? Number(process.argv[i + 1]) : 2400
if (!Number.isInteger(runs) || runs < 1) {
  console.error('fuzz: --runs must be a positive integer')
  process.exit(2)
}
const dir = mkdtempSync(join(tmpdir(), 'kw-fuzz-'))
const report = join(dir, 'report.jsonl')
const started = Date.now()
const r = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--project',
    'unit',
    'test/protocol/fuzz.test.ts',
    'test/protocol/records/fuzz.test.ts',
    '--testTimeout',
    '0',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_REPORT: report } },
)
let frames = 0
let rejected = 0
try {
  for (const line of readFileSync(report, 'utf8').trim().split('\n')) {
    const e = JSON.parse(line)
    frames += e.frames
    rejected += e.rejected
  }
} catch {
  // no report: the run failed before the end
}
rmSync(dir, { recursive: true, force: true })
console.log(
  `fuzz: ${frames.toLocaleString('en')} frames (${rejected.toLocaleString('en')} rejected with ProtocolError) ` +
    `in ${((Date.now() - started) / 1000).toFixed(0)} s, FUZZ_RUNS=${runs}: ${r.status === 0 ? 'passed' : 'FAILED'}`,
)
process.exit(r.status ?? 1)

#!/usr/bin/env node
// The long chaos run (issue #19): rolling SIGKILLs on a 3-node cluster while an idempotent
// producer and a consumer group work, with loss/duplicate/order accounting at the end
// (test/fault/chaos/). CI runs the bounded version (5 kills, 300,000 records).
//   npm run chaos -- --kills 20 --records 10000000
import { spawnSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isInteger(v) || v < 1) {
    console.error(`chaos: --${name} must be a positive integer`)
    process.exit(2)
  }
  return v
}
const kills = arg('kills', 20)
const records = arg('records', 10_000_000)
const r = spawnSync(
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'fault', 'test/fault/chaos/rolling-kills.test.ts'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, CHAOS_KILLS: String(kills), CHAOS_RECORDS: String(records) } },
)
process.exit(r.status ?? 1)

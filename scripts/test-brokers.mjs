#!/usr/bin/env node
// The broker-version matrix: runs test/brokers (every codec both ways with the Java tools, a
// consumer group with a SIGKILLed member, admin, feature errors on older brokers; KIP-714 telemetry
// on a broker of the release that the test starts with the kit's recorder) against one
// single-node broker per entry, one after another, and prints how long each took.
//
// Usage: node scripts/test-brokers.mjs [entry ...]   (or KAFKA_BROKER_MATRIX="3.9.1 4.4.0")
// An entry is a Kafka release (KRaft), or "<release>-zk" for ZooKeeper mode (3.x only).
// Default: 3.9.1-zk 3.9.1 4.3.2 4.4.0. Needs `npm run build` (the group members load dist/).
import { spawnSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT = ['3.9.1-zk', '3.9.1', '4.3.2', '4.4.0']
const fromEnv = (process.env.KAFKA_BROKER_MATRIX ?? '').split(/[\s,]+/).filter(Boolean)
const entries = process.argv.slice(2).length ? process.argv.slice(2) : fromEnv.length ? fromEnv : DEFAULT

const results = []
for (const entry of entries) {
  const m = /^([0-9]+\.[0-9]+\.[0-9]+)(-zk)?$/.exec(entry)
  if (!m) {
    console.error(`test-brokers: "${entry}" is not a release (e.g. 4.4.0) or <release>-zk`)
    process.exit(2)
  }
  const [, version, zk] = m
  console.log(`\n== Kafka ${version}${zk ? ' (ZooKeeper mode)' : ' (KRaft)'} ==`)
  const started = Date.now()
  const env = { ...process.env, KAFKA_VERSION: version, KAFKA_ZOOKEEPER: zk ? '1' : '0' }
  // The matrix starts its own brokers: an external cluster would be tested N times instead.
  delete env.KAFKA_BOOTSTRAP_SERVERS
  const run = spawnSync(
    process.execPath,
    [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.brokers.config.ts'],
    { stdio: 'inherit', cwd: root, env },
  )
  results.push({ entry, ok: run.status === 0, seconds: (Date.now() - started) / 1000 })
}

console.log('\nbroker matrix:')
for (const r of results) console.log(`  ${r.entry.padEnd(10)} ${r.ok ? 'passed' : 'FAILED'}  ${r.seconds.toFixed(0)} s`)
const total = results.reduce((s, r) => s + r.seconds, 0)
console.log(`  total      ${total.toFixed(0)} s`)
process.exit(results.every((r) => r.ok) ? 0 : 1)

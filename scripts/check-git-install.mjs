#!/usr/bin/env node
// `npm run test:install-git`: installs this repository's HEAD commit the way a user installs from
// git (`npm install git+file://<fresh clone>`: npm clones it, installs its devDependencies, runs
// `prepare`, which builds dist/, and packs it), then imports it (ESM and CJS) and runs the bin.
// Not part of `npm test`: npm installs every devDependency to run `prepare`, which takes minutes
// (about 5 on the 2-core CI machine). The tarball path is tested by test/unit/package/install.test.ts.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const work = mkdtempSync(join(tmpdir(), 'kw-git-install-'))
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
const started = Date.now()
try {
  const clone = join(work, 'kafka-wire')
  run('git', ['clone', '--quiet', root, clone], work)
  const app = join(work, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "version": "1.0.0", "private": true }\n')
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `git+file://${clone}`], app)
  const esm = run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { Producer } from 'kafka-wire'; import { startKafka } from 'kafka-wire/testing'; console.log(typeof Producer, typeof startKafka)",
    ],
    app,
  ).trim()
  const cjs = run(process.execPath, ['-e', "console.log(typeof require('kafka-wire').Consumer)"], app).trim()
  const version = run(join(app, 'node_modules/.bin/kafka-wire'), ['--version'], app).trim()
  if (esm !== 'function function' || cjs !== 'function' || !/^\d+\.\d+\.\d+/.test(version)) {
    throw new Error(`unexpected output: esm=${esm} cjs=${cjs} version=${version}`)
  }
  console.log(
    `git install ok (kafka-wire ${version}, ESM + CJS + bin) in ${Math.round((Date.now() - started) / 1000)} s`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}

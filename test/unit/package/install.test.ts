// The package a user installs: `npm pack` of this checkout, installed into a fresh temp app the
// way a user would (`npm install <tarball>`), then used through its public entry points: import
// (ESM), require (CJS), kafka-wire/testing finding kafka/pom.xml, and the `kafka-wire` bin.
// The git-URL path (`npm install git+file://…`, which runs the `prepare` build) takes minutes
// (npm installs every devDependency to build): it is `npm run test:install-git`.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const work = mkdtempSync(join(tmpdir(), 'kw-install-'))
const app = join(work, 'app')
let files: string[] = []

function sh(cmd: string, args: string[], cwd: string, env = process.env): string {
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

describe('npm pack → npm install <tarball> in a fresh app', () => {
  beforeAll(() => {
    // --ignore-scripts: pack the dist/ that `npm test`'s pretest built (a `prepare` here would
    // rebuild dist/ under the feet of the other unit files running in parallel).
    const packed = JSON.parse(sh(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root))
    files = packed[0].files.map((f: { path: string }) => f.path)
    const tarball = join(work, packed[0].filename)
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "version": "1.0.0", "private": true }\n')
    // --ignore-scripts: zstd-napi (optional) falls back to compiling zstd with node-gyp when no
    // prebuilt binary is downloadable, minutes of CPU; kafka-wire works without it (node:zlib).
    sh(npm, ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball], app)
  }, 240_000)

  afterAll(() => {
    rmSync(work, { recursive: true, force: true })
  })

  it('ships dist (both builds, the heartbeat worker, the bin) and kafka/pom.xml, not tests or caches', () => {
    for (const f of [
      'package.json',
      'README.md',
      'kafka/pom.xml',
      'dist/esm/index.js',
      'dist/cjs/index.js',
      'dist/cjs/package.json',
      'dist/esm/cli/bin.js',
      'dist/esm/consumer/group/heartbeat-worker.js',
      'dist/cjs/consumer/group/heartbeat-worker.js',
      'dist/esm/testing/index.js',
    ]) {
      expect(files, f).toContain(f)
    }
    const stray = files.filter((f) => /^(test|src|scripts|benchmarks|\.kafka|\.ci|node_modules)\//.test(f))
    expect(stray).toEqual([])
  })

  it('has a prepare script that builds, so that a git install gets dist/', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(pkg.scripts.prepare).toBe('node scripts/build.mjs')
    // The build needs only devDependencies npm installs before `prepare`: typescript, and rolldown
    // (the worker scripts' bundles).
    const build = readFileSync(join(root, 'scripts/build.mjs'), 'utf8')
    const imports = [...build.matchAll(/from '([^']+)'/g)].map((m) => m[1])
    expect(imports.every((m) => m?.startsWith('node:') || m === './build-fresh.mjs' || m === 'rolldown')).toBe(true)
    expect(Object.keys(pkg.devDependencies)).toContain('rolldown')
    const fresh = readFileSync(join(root, 'scripts/build-fresh.mjs'), 'utf8')
    expect([...fresh.matchAll(/from '([^']+)'/g)].every((m) => m[1]!.startsWith('node:'))).toBe(true)
    expect(Object.keys(pkg.devDependencies)).toContain('typescript')
  })

  it('import (ESM) works; kafka-wire/testing finds its kafka/pom.xml and caches jars per user, not in node_modules', () => {
    const xdg = join(work, 'user-cache')
    const out = sh(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { Producer, KafkaError } from 'kafka-wire'; import { startKafka, cacheBaseDir } from 'kafka-wire/testing'; import { existsSync } from 'node:fs'; import { createRequire } from 'node:module'; const pom = createRequire(import.meta.url).resolve('kafka-wire/package.json').replace(/package[.]json$/, 'kafka/pom.xml'); console.log(typeof Producer, typeof KafkaError, typeof startKafka, existsSync(pom), cacheBaseDir())",
      ],
      app,
      { ...process.env, KAFKA_WIRE_CACHE: '', KAFKA_WIRE_ROOT: '', XDG_CACHE_HOME: xdg },
    ).trim()
    expect(out).toBe(`function function function true ${join(xdg, 'kafka-wire')}`)
  })

  it('require (CJS) works', () => {
    const out = sh(
      process.execPath,
      [
        '-e',
        "const k = require('kafka-wire'); const t = require('kafka-wire/testing'); console.log(typeof k.Consumer, typeof t.startKafka)",
      ],
      app,
    ).trim()
    expect(out).toBe('function function')
  })

  it('the kafka-wire bin runs: --version, --help', () => {
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
    expect(sh(npm, ['exec', '--no', '--', 'kafka-wire', '--version'], app).trim()).toBe(version)
    const help = sh(join(app, 'node_modules/.bin/kafka-wire'), ['--help'], app)
    expect(help).toContain('Usage: kafka-wire')
    expect(help).toContain('consume')
  })
})

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

  it('ships the bundles (both formats, the worker scripts, the bin), the types and kafka/pom.xml, not tests or caches', () => {
    for (const f of [
      'package.json',
      'README.md',
      'kafka/pom.xml',
      'dist/bundle/esm/index.js',
      'dist/bundle/cjs/index.js',
      'dist/bundle/cjs/package.json',
      'dist/bundle/esm/cli/bin.js',
      'dist/bundle/esm/consumer/group/heartbeat-worker.js',
      'dist/bundle/cjs/consumer/group/heartbeat-worker.js',
      'dist/bundle/esm/protocol/records/compression/compression-worker.js',
      'dist/bundle/esm/testing/index.js',
      'dist/esm/index.d.ts',
      'dist/cjs/index.d.ts',
      'dist/cjs/package.json', // makes dist/cjs's .d.ts CommonJS declarations for TypeScript
    ]) {
      expect(files, f).toContain(f)
    }
    const stray = files.filter((f) => /^(test|src|scripts|benchmarks|\.kafka|\.ci|node_modules)\//.test(f))
    expect(stray).toEqual([])
    // tsc's one-file-per-module JavaScript is the repository's (the exports map reaches only the bundles).
    expect(files.filter((f) => /^dist\/(esm|cjs)\/.*\.js(\.map)?$/.test(f))).toEqual([])
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

  it('its types check in a TypeScript app with skipLibCheck off, ESM and CommonJS, with the @types/node it brings', () => {
    // zstd-napi depends on @types/node (26.x as of writing), so an application without its own gets
    // that version; @types/node swapped TracingChannel's type parameters between 20.x and 26.x, and a declaration
    // that named them failed here (src/diagnostics/index.ts, `Traced`). kafka-wire/otel is left out:
    // it needs the application's own @opentelemetry/api (a peer dependency).
    writeFileSync(
      join(app, 'app.mts'),
      [
        "import { Consumer, KafkaError, Producer, type ProducerSendMessage } from 'kafka-wire'",
        "import { Kafka } from 'kafka-wire/kafkajs'",
        "import { startKafka } from 'kafka-wire/testing'",
        "const producer: Producer = new Producer({ bootstrapServers: 'localhost:9092' })",
        "const kafka = new Kafka({ brokers: ['localhost:9092'] })",
        'const traced: ProducerSendMessage | undefined = undefined',
        'export { Consumer, KafkaError, kafka, producer, startKafka, traced }',
        '',
      ].join('\n'),
    )
    writeFileSync(
      join(app, 'app.cts'),
      "import kw = require('kafka-wire')\nconst c: kw.Consumer | undefined = undefined\nexport = c\n",
    )
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    const args = ['--noEmit', '--strict', '--skipLibCheck', 'false', '--module', 'node16', '--target', 'es2022']
    const run = () => sh(process.execPath, [tsc, ...args, 'app.mts', 'app.cts'], app)
    expect(run).not.toThrow()
  })

  it.each([
    ['node10', 'commonjs'], // `moduleResolution: node`, what `module: commonjs` implies: most kafkajs applications
    ['bundler', 'esnext'],
  ])('its types check under moduleResolution %s, without esModuleInterop or the DOM lib', (resolution, module) => {
    // node10 does not read package.json's exports: without typesVersions, `kafka-wire/kafkajs` had no
    // types there, and a kafkajs application that changed its import line no longer type-checked.
    writeFileSync(
      join(app, `subpaths-${resolution}.ts`),
      [
        "import { Consumer } from 'kafka-wire'",
        "import { Kafka, logLevel, type KafkaMessage } from 'kafka-wire/kafkajs'",
        "import { startKafka } from 'kafka-wire/testing'",
        "const kafka = new Kafka({ brokers: ['localhost:9092'], logLevel: logLevel.NOTHING })",
        'const message: KafkaMessage | undefined = undefined',
        'export { Consumer, kafka, message, startKafka }',
        '',
      ].join('\n'),
    )
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    // No esModuleInterop (off by default with module commonjs): a declaration that default-imports a
    // Node module (`import net from 'node:net'`) failed there with TS1192.
    const args = ['--noEmit', '--strict', '--skipLibCheck', 'false', '--target', 'es2022', '--lib', 'es2022']
    const run = () =>
      sh(
        process.execPath,
        [tsc, ...args, '--module', module, '--moduleResolution', resolution, `subpaths-${resolution}.ts`],
        app,
      )
    expect(run).not.toThrow()
  })

  it('the kafka-wire bin runs: --version, --help', () => {
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
    expect(sh(npm, ['exec', '--no', '--', 'kafka-wire', '--version'], app).trim()).toBe(version)
    const help = sh(join(app, 'node_modules/.bin/kafka-wire'), ['--help'], app)
    expect(help).toContain('Usage: kafka-wire')
    expect(help).toContain('consume')
  })
})

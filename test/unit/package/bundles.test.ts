// The package's entry points load from dist/bundle, bundles of tsc's output made by scripts/build.mjs
// (`import 'kafka-wire'` resolved, read and linked ~300 files one by one: docs/performance.md,
// "Loading the package"). What the bundling must keep: one copy of every module across the four
// library entries, the CLI apart, the worker scripts found beside the running module, and source
// maps that lead back to src/.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const WORKERS = ['consumer/group/heartbeat-worker.js', 'protocol/records/compression/compression-worker.js']

function node(code: string, type: 'module' | 'commonjs'): string {
  const args = type === 'module' ? ['--input-type=module', '-e', code] : ['-e', code]
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim()
}

/** The bundle's own JavaScript files (not the CLI, not the copied worker scripts). */
function libraryFiles(format: 'esm' | 'cjs'): string[] {
  const dir = join(root, 'dist/bundle', format)
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      const rel = relative(dir, p)
      if (e.isDirectory()) {
        if (rel !== 'cli') walk(p)
      } else if (p.endsWith('.js') && !WORKERS.includes(rel)) out.push(p)
    }
  }
  walk(dir)
  return out
}

it('package.json points every entry and the bin at the bundles; the types stay with tsc', () => {
  for (const [entry, target] of Object.entries(pkg.exports as Record<string, any>)) {
    if (entry === './package.json') continue
    expect(target.import.default, entry).toMatch(/^\.\/dist\/bundle\/esm\//)
    expect(target.require.default, entry).toMatch(/^\.\/dist\/bundle\/cjs\//)
    expect(target.import.types, entry).toMatch(/^\.\/dist\/esm\/.*\.d\.ts$/)
    expect(existsSync(join(root, target.import.default)), `${entry}: run \`npm run build\` first`).toBe(true)
    expect(existsSync(join(root, target.require.default)), entry).toBe(true)
  }
  expect(pkg.bin['kafka-wire']).toBe('./dist/bundle/esm/cli/bin.js')
  expect(node("console.log(require.resolve('kafka-wire'))", 'commonjs')).toBe(join(root, 'dist/bundle/cjs/index.js'))
  expect(node("console.log(import.meta.resolve('kafka-wire/kafkajs'))", 'module')).toBe(
    `file://${join(root, 'dist/bundle/esm/kafkajs/index.js')}`,
  )
})

describe.each(['esm', 'cjs'] as const)('dist/bundle/%s', (format) => {
  it('holds one copy of each module for all four entries, and no CLI code', () => {
    const files = libraryFiles(format)
    const count = (re: RegExp) => files.reduce((n, f) => n + (readFileSync(f, 'utf8').match(re)?.length ?? 0), 0)
    /** `class X` or rolldown's `var X = class`. */
    const defines = (name: string) =>
      count(new RegExp(`\\b(?:class ${name}\\b|(?:var|let|const) ${name} = class\\b)`, 'g'))
    // Separate bundles per entry would each carry these: `kafka-wire/kafkajs` builds on the same
    // Consumer, Producer and errors as `kafka-wire`, and must throw and accept the same classes.
    for (const name of ['KafkaError', 'Consumer', 'Producer', 'SharedCluster', 'Kafka', 'KafkaWireInstrumentation']) {
      expect(defines(name), name).toBe(1)
    }
    // Loading the library must not run the CLI (its commands come from commander).
    expect(count(/from ["']commander["']|require\(["']commander["']\)/g)).toBe(0)
  })

  it('finds the worker scripts beside the running module', () => {
    const load = format === 'esm' ? 'await import' : 'require'
    const wrap = (body: string) => (format === 'esm' ? body : `;(async () => { ${body} })()`)
    const out = node(
      wrap(`
        const k = ${load}('kafka-wire')
        const t = ${load}('kafka-wire/testing')
        const { Worker } = ${load}('node:worker_threads')
        const { readdirSync, readFileSync } = ${load}('node:fs')
        const { join } = ${load}('node:path')
        // The chunk that holds module-dir's directory: worker-script.ts looks one level up from it.
        const chunks = join(${JSON.stringify(join(root, 'dist/bundle', format))}, 'chunks')
        const holder = readdirSync(chunks).filter((f) => f.endsWith('.js')).filter((f) => /moduleDir =/.test(readFileSync(join(chunks, f), 'utf8')))
        const w = new Worker(join(chunks, '..', 'consumer/group/heartbeat-worker.js'), { execArgv: [] })
        const online = await new Promise((resolve) => { w.once('error', (e) => resolve(String(e))); w.once('online', () => setTimeout(() => resolve(true), 300)) })
        await w.terminate()
        console.log(JSON.stringify({ holders: holder.length, online, testing: typeof t.startKafka, error: new k.ProtocolError('x') instanceof k.KafkaError }))`),
      format === 'esm' ? 'module' : 'commonjs',
    )
    expect(JSON.parse(out)).toEqual({ holders: 1, online: true, testing: 'function', error: true })
    for (const w of WORKERS) {
      expect(readFileSync(join(root, 'dist/bundle', format, w))).toEqual(readFileSync(join(root, 'dist', format, w)))
    }
  })

  it("maps stack frames back to src/ with --enable-source-maps (tsc's maps chained)", () => {
    const load = format === 'esm' ? 'await import' : 'require'
    const code = `${format === 'esm' ? '' : ';(async () => {'}
      const { Consumer } = ${load}('kafka-wire')
      try { new Consumer({ bootstrapServers: 'localhost:9092', grupId: 'g' }) } catch (e) { console.log(e.stack) }
      ${format === 'esm' ? '' : '})()'}`
    const args = ['--enable-source-maps', ...(format === 'esm' ? ['--input-type=module'] : []), '-e', code]
    const stack = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
    expect(stack).toMatch(/did you mean 'groupId'/)
    expect(stack).toMatch(/\(.*[\\/]src[\\/]consumer[\\/]consumer\.ts:\d+:\d+\)/)
  })
})

it('the CLI is one file of its own that runs', () => {
  const bin = join(root, 'dist/bundle/esm/cli/bin.js')
  expect(readFileSync(bin, 'utf8')).not.toMatch(/from ["']\.\.?\//)
  expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version)
})

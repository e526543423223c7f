#!/usr/bin/env node
// Builds dist/esm (ES modules) and dist/cjs (CommonJS) with tsc, each with type declarations; the
// worker threads' entry scripts are then bundled into one file each (rolldown).
// --if-stale: only when dist/ is older than its sources (build-fresh.mjs).
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rolldown } from 'rolldown'
import { buildIsFresh } from './build-fresh.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// --if-stale (npm run demo): nothing to do when dist/ is newer than its sources.
if (process.argv.includes('--if-stale') && buildIsFresh(root)) {
  console.log('dist/ is up to date (npm run build rebuilds)')
  process.exit(0)
}
const tsc = join(root, 'node_modules/typescript/bin/tsc')
rmSync(join(root, 'dist'), { recursive: true, force: true })
for (const project of ['tsconfig.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit', cwd: root })
}
writeFileSync(join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n')
// The one module that differs between the two builds (see src/internal/module-dir.ts).
writeFileSync(
  join(root, 'dist/cjs/internal/module-dir.js'),
  "'use strict'\nObject.defineProperty(exports, '__esModule', { value: true })\nexports.moduleDir = __dirname\n",
)
// Each worker thread's entry becomes one file: a worker starts a fresh module loader, and on a
// two-core machine resolving and compiling the ~100 modules behind the heartbeat worker cost ~100 ms
// of CPU, taken from the consumer that just started (docs/performance.md, "Worker scripts as one
// file"). Packages (native codecs and the rest) stay imports; only kafka-wire's own modules are inlined.
const WORKER_SCRIPTS = ['consumer/group/heartbeat-worker.js', 'protocol/records/compression/compression-worker.js']
for (const [dir, format] of [
  ['dist/esm', 'esm'],
  ['dist/cjs', 'cjs'],
]) {
  for (const script of WORKER_SCRIPTS) {
    const file = join(root, dir, script)
    const bundle = await rolldown({
      input: file,
      platform: 'node',
      external: (id) => !id.startsWith('.') && !isAbsolute(id),
      logLevel: 'warn',
    })
    await bundle.write({
      file,
      format,
      banner: `// kafka-wire worker entry (${script}), bundled by scripts/build.mjs.`,
    })
    await bundle.close()
    rmSync(`${file}.map`, { force: true }) // tsc's map describes the file the bundle replaced
  }
}
const bin = join(root, 'dist/esm/cli/bin.js')
if (existsSync(bin)) chmodSync(bin, 0o755)
console.log('built dist/esm and dist/cjs')

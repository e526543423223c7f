#!/usr/bin/env node
// Builds dist/esm (ES modules) and dist/cjs (CommonJS) with tsc, each with type declarations; the
// worker threads' entry scripts are then bundled into one file each (rolldown), and the package's
// entry points into dist/bundle (rolldown: what `import 'kafka-wire'` and the bin load).
// --if-stale: only when dist/ is older than its sources (build-fresh.mjs).
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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

// The package's entry points, bundled (docs/DESIGN.md, "Builds"; docs/performance.md, "Loading the
// package"): Node's ES module loader resolves, reads and links each of tsc's ~300 files one by one,
// ~230 ms for `import 'kafka-wire'` on this machine, where one bundle loads in ~95. package.json's
// exports and bin point here, and the package ships only these and tsc's .d.ts files; dist/esm and
// dist/cjs stay as tsc wrote them for the repository's own tools and tests, which import single
// modules.
// - One build for the library's four entries, so that they share one copy of every module (an
//   error class from `kafka-wire` is the one `kafka-wire/kafkajs` throws); each entry file only
//   re-exports from the chunks. src/internal/module-dir.ts gets a chunk of its own, so that its
//   directory is always one below the bundle root, as it is under dist/esm.
// - The CLI is a bundle of its own: a command's process loads only what the CLI needs, and the
//   library's chunks carry no CLI code.
// - The worker scripts are copied beside them (worker-script.ts looks beside the running module).
// - Source maps chain to tsc's, so `--enable-source-maps` points at src/ as with dist/esm.
const chainMaps = {
  name: 'kafka-wire:tsc-source-maps',
  load(id) {
    if (!id.startsWith(join(root, 'dist/esm')) || !existsSync(`${id}.map`)) return null
    const code = readFileSync(id, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, '\n')
    return { code, map: readFileSync(`${id}.map`, 'utf8') }
  },
}
const ENTRIES = ['index', 'kafkajs/index', 'otel/index', 'testing/index']
const external = (id) => !id.startsWith('.') && !isAbsolute(id)
for (const format of ['esm', 'cjs']) {
  const out = join(root, 'dist/bundle', format)
  const library = await rolldown({
    input: Object.fromEntries(ENTRIES.map((e) => [e, join(root, 'dist/esm', `${e}.js`)])),
    platform: 'node',
    external,
    plugins: [chainMaps],
    logLevel: 'warn',
  })
  await library.write({
    dir: out,
    format,
    sourcemap: true,
    chunkFileNames: 'chunks/kafka-wire-[hash].js',
    // kafka-wire/kafkajs has a default export beside its named ones (kafkajs/index.ts): in CommonJS
    // both are properties of module.exports, as tsc's own CommonJS build has them.
    exports: 'named',
    codeSplitting: { groups: [{ name: 'module-dir', test: /[\\/]internal[\\/]module-dir\.js$/ }] },
  })
  await library.close()
  if (format === 'cjs') writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n')
  for (const script of WORKER_SCRIPTS) {
    mkdirSync(dirname(join(out, script)), { recursive: true })
    copyFileSync(join(root, `dist/${format}`, script), join(out, script))
  }
}
const cli = await rolldown({
  input: bin,
  platform: 'node',
  external,
  plugins: [chainMaps],
  logLevel: 'warn',
})
await cli.write({ file: join(root, 'dist/bundle/esm/cli/bin.js'), format: 'esm', sourcemap: true })
await cli.close()
chmodSync(join(root, 'dist/bundle/esm/cli/bin.js'), 0o755)
console.log('built dist/esm, dist/cjs and dist/bundle')

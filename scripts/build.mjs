#!/usr/bin/env node
// Builds dist/esm (ES modules) and dist/cjs (CommonJS) with tsc, each with type declarations.
// --if-stale: only when dist/ is older than its sources (build-fresh.mjs).
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
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
const bin = join(root, 'dist/esm/cli/bin.js')
if (existsSync(bin)) chmodSync(bin, 0o755)
console.log('built dist/esm and dist/cjs')

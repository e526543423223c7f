// `npm run demo` builds only when dist/ is older than its sources (scripts/build-fresh.mjs).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script without declarations
import { buildIsFresh } from '../../../scripts/build-fresh.mjs'

const root = join(import.meta.dirname, '../../..')
let dir: string

afterEach(() => rmSync(dir, { recursive: true, force: true }))

function touch(file: string, secondsAgo: number): void {
  const path = join(dir, file)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, '')
  const t = Date.now() / 1000 - secondsAgo
  utimesSync(path, t, t)
}

const OUTPUTS = [
  'dist/esm/index.js',
  'dist/cjs/index.js',
  'dist/cjs/package.json',
  'dist/bundle/esm/index.js',
  'dist/bundle/cjs/index.js',
  'dist/bundle/esm/cli/bin.js',
]

it('is fresh only when both builds and the bundles exist and are newer than every source', () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-build-fresh-'))
  touch('package.json', 100)
  touch('src/index.ts', 90)
  touch('src/admin/admin.ts', 80)
  expect(buildIsFresh(dir)).toBe(false) // never built
  for (const f of OUTPUTS) touch(f, 10)
  expect(buildIsFresh(dir)).toBe(true)
  touch('src/admin/admin.ts', 5) // an edit after the build
  expect(buildIsFresh(dir)).toBe(false)
  for (const f of OUTPUTS) touch(f, 1)
  expect(buildIsFresh(dir)).toBe(true)
  rmSync(join(dir, 'dist/bundle/esm/cli/bin.js')) // a half-finished build (the bundles come last)
  expect(buildIsFresh(dir)).toBe(false)
  touch('dist/bundle/esm/cli/bin.js', 1)
  rmSync(join(dir, 'dist/cjs/index.js'))
  expect(buildIsFresh(dir)).toBe(false)
})

it('npm run demo builds only when stale', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  expect(pkg.scripts.demo).toBe('node scripts/build.mjs --if-stale && node dist/bundle/esm/cli/bin.js demo')
})

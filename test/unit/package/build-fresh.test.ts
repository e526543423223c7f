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

it('is fresh only when both builds exist and are newer than every source', () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-build-fresh-'))
  touch('package.json', 100)
  touch('src/index.ts', 90)
  touch('src/admin/admin.ts', 80)
  expect(buildIsFresh(dir)).toBe(false) // never built
  touch('dist/esm/index.js', 10)
  touch('dist/cjs/index.js', 10)
  touch('dist/cjs/package.json', 10)
  expect(buildIsFresh(dir)).toBe(true)
  touch('src/admin/admin.ts', 5) // an edit after the build
  expect(buildIsFresh(dir)).toBe(false)
  touch('dist/esm/index.js', 1)
  touch('dist/cjs/index.js', 1)
  touch('dist/cjs/package.json', 1)
  expect(buildIsFresh(dir)).toBe(true)
  rmSync(join(dir, 'dist/cjs/index.js')) // a half-finished build
  expect(buildIsFresh(dir)).toBe(false)
})

it('npm run demo builds only when stale', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  expect(pkg.scripts.demo).toBe('node scripts/build.mjs --if-stale && node dist/esm/cli/bin.js demo')
})

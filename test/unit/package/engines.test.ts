// `npm ci` on a supported Node prints no EBADENGINE warning (issue #18): every package in the lock
// file (dependencies and dev dependencies) accepts the oldest release of each Node line that
// package.json's `engines.node` allows. testcontainers 12 pulled undici 8 (Node >= 22.19) into a
// tree that claims Node 20; it is pinned to 11.x (undici 7) for that reason.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'))

it('every locked package supports the oldest Node of each line engines.node allows', () => {
  const ours: string = pkg.engines.node
  // The lowest version of each `||` alternative: '^20.19.0 || >=22.13.0' → 20.19.0, 22.13.0.
  const oldest = ours.split('||').map((r) => semver.minVersion(r.trim())!.version)
  expect(oldest.length).toBeGreaterThan(0)
  const refused: string[] = []
  for (const [path, entry] of Object.entries<{ engines?: { node?: string } }>(lock.packages)) {
    const range = entry.engines?.node
    if (path === '' || range === undefined) continue
    for (const v of oldest) if (!semver.satisfies(v, range)) refused.push(`${path} (${range}) refuses Node ${v}`)
  }
  expect(refused).toEqual([])
})

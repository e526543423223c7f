/** Finds the root of the kafka-wire package (the directory holding its package.json). */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { moduleDir } from './module-dir.js'

let cached: string | undefined

export function packageRoot(): string {
  if (cached !== undefined) return cached
  let dir = moduleDir
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'kafka-wire') return (cached = dir)
      } catch {
        // not ours (dist/cjs/package.json only sets the module type); keep walking up
      }
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`kafka-wire: cannot find the package root above ${moduleDir}`)
    dir = parent
  }
}

import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { backoff } from '../../../src/internal/backoff.js'

describe('backoff', () => {
  it('grows exponentially from base to max', () => {
    const mid = () => 0.5 // jitter factor exactly 1
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => backoff(n, 100, 1000, mid))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ])
    expect([0, 1, 5].map((n) => backoff(n, 50, 1000, mid))).toEqual([50, 100, 1000])
  })

  it('applies ±20% jitter', () => {
    expect(backoff(0, 100, 1000, () => 0)).toBe(80)
    expect(backoff(0, 100, 1000, () => 0.999999)).toBe(119)
    expect(backoff(10, 100, 1000, () => 0)).toBe(800)
    for (let i = 0; i < 1000; i++) {
      const v = backoff(3, 50, 1000)
      expect(v).toBeGreaterThanOrEqual(320)
      expect(v).toBeLessThan(480)
    }
  })

  it('handles zero and a max below the base', () => {
    expect(backoff(5, 0, 1000)).toBe(0)
    expect(backoff(5, 100, 10, () => 0.5)).toBe(100)
    expect(Number.isFinite(backoff(10_000, 100, 1000))).toBe(true)
  })
})

describe('one backoff', () => {
  it('no module in src/ computes an exponential backoff of its own', () => {
    const root = join(import.meta.dirname, '../../../src')
    const files: string[] = []
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name))
        else if (e.name.endsWith('.ts')) files.push(join(dir, e.name))
      }
    }
    walk(root)
    const own = files
      .filter((f) => relative(root, f) !== join('internal', 'backoff.ts'))
      .filter((f) => /\*\s*2\s*\*\*\s*(Math\.|\()/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f))
    expect(own).toEqual([])
  })
})

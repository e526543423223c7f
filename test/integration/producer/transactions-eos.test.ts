// Exactly-once end to end: examples/eos-copier.mjs (consume-transform-produce in transactions)
// runs as a child process and is SIGKILLed several times while input keeps arriving, then
// restarted with the same transactionalId. A read_committed reader of the output must see every
// input record exactly once; read_uncommitted may also see the copies of aborted transactions.
// Needs `npm run build` (the example imports the package).
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { Producer } from '../../../src/producer/index.js'
import { createTopic, uniqueName } from './helpers.js'
import { readAll } from './txn-helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const root = join(import.meta.dirname, '..', '..', '..')
const copier = join(root, 'examples', 'eos-copier.mjs')
const built = existsSync(join(root, 'dist', 'esm', 'index.js'))

const children = new Set<ChildProcess>()
afterEach(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  children.clear()
})

function start(args: string[]): { child: ChildProcess; committed: () => number; ready: Promise<void> } {
  const child = spawn(process.execPath, [copier, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let commits = 0
  let stderr = ''
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    onReady = resolve
  })
  child.stdout!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (line === 'ready') onReady()
      else if (line.startsWith('committed ')) commits++
    }
  })
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  child.on('exit', (code, signal) => {
    if (signal !== 'SIGKILL' && code !== 0) console.error(`copier exited ${code}: ${stderr}`)
  })
  return { child, committed: () => commits, ready }
}

describe.skipIf(!built)('exactly-once copier survives SIGKILL', () => {
  it('a read_committed reader sees every input record exactly once after 4 kills and restarts', async () => {
    const input = uniqueName('eos-in')
    const output = uniqueName('eos-out')
    await createTopic(bootstrapServers, input, 3)
    await createTopic(bootstrapServers, output, 3)
    const args = [bootstrapServers, input, output, uniqueName('eos-group'), uniqueName('eos-tid')]
    const TOTAL = 600
    const source = new Producer<string, string>({ bootstrapServers, lingerMs: 2 })
    // Input arrives while the copier runs (and dies): 20 records every 100 ms.
    let written = 0
    const feeding = (async () => {
      while (written < TOTAL) {
        for (let i = 0; i < 20; i++, written++) source.send({ topic: input, key: `k${written}`, value: `r-${written}` })
        await source.flush()
        await new Promise((r) => setTimeout(r, 100))
      }
    })()
    let kills = 0
    try {
      for (; kills < 4; kills++) {
        const run = start(args)
        await run.ready
        // Kill it after it committed at least one transaction, at a moment inside the next ones.
        const deadline = Date.now() + 60_000
        while (run.committed() < 1 + kills && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
        await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 150)))
        run.child.kill('SIGKILL')
        await new Promise((r) => run.child.once('exit', r))
      }
      await feeding
      const last = start(args)
      await last.ready
      // Wait until the output holds every record (read_committed), then stop the copier.
      const deadline = Date.now() + 120_000
      let seen: string[] = []
      while (Date.now() < deadline) {
        seen = await readAll(bootstrapServers, output, 3, 'read_committed')
        if (seen.length >= TOTAL) break
        await new Promise((r) => setTimeout(r, 1000))
      }
      last.child.kill('SIGKILL')
      await new Promise((r) => last.child.once('exit', r))
      seen = await readAll(bootstrapServers, output, 3, 'read_committed')
      const expected = Array.from({ length: TOTAL }, (_, i) => `R-${i}`)
      expect(seen.length).toBe(TOTAL) // no duplicates …
      expect([...seen].sort()).toEqual([...expected].sort()) // … and no gaps
      const uncommitted = await readAll(bootstrapServers, output, 3, 'read_uncommitted')
      expect(uncommitted.length).toBeGreaterThanOrEqual(TOTAL)
      expect(new Set(uncommitted)).toEqual(new Set(expected))
    } finally {
      await source.close()
    }
    expect(kills).toBe(4)
  }, 400_000)
})

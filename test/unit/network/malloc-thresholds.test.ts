// network/malloc-thresholds.ts: the first connection a process opens raises glibc malloc's dynamic
// mmap/trim thresholds, so that large buffers allocated and freed over and over (Fetch response
// frames) reuse mapped heap memory instead of pages the kernel faults in again
// (docs/performance.md, "glibc's heap and fresh pages"). Observed the way it matters: the minor page
// faults of a round of 2 MiB allocations, each written once and freed, as a consumer's frames are.
// Runs in child processes (the thresholds are per process) on the built module; glibc hosts only.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const glibc =
  process.platform === 'linux' &&
  (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime !== undefined

/** Minor page faults per round of twelve ~2 MiB buffers written and freed, after `how` ran. */
function faultsPerRound(how: 'nothing' | 'connection', env: Record<string, string> = {}): number {
  const code = `
    const { Connection } = await import('./dist/esm/network/connection.js')
    const net = await import('node:net')
    if (${JSON.stringify(how)} === 'connection') {
      // A port nobody listens on: the connection fails, after it raised the thresholds.
      const server = net.createServer()
      const port = await new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)))
      await new Promise((r) => server.close(r))
      await Connection.open({ host: '127.0.0.1', port, socketConnectionSetupTimeoutMs: 2000 }).catch(() => {})
    }
    const MiB = 1 << 20
    const settle = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)) }
    // glibc's own heuristic at work: the first freed 1 MiB mmapped block sets its thresholds to ~1 / ~2 MiB.
    let first = Buffer.allocUnsafeSlow(MiB); first.fill(1); first = null
    await settle()
    const faults = () => process.resourceUsage().minorPageFault
    let counted = 0
    const round = async () => {
      let held = []
      const before = faults()
      for (let i = 0; i < 12; i++) { const b = Buffer.allocUnsafeSlow(2 * MiB + i * 4096); b.fill(i); held.push(b) }
      counted += faults() - before
      held = null
      await settle()
    }
    await round(); await round(); counted = 0
    for (let i = 0; i < 20; i++) await round()
    console.log(counted / 20)`
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })
  return Number(out.trim())
}

describe.skipIf(!glibc)('glibc malloc thresholds (dist/esm)', () => {
  it('after the first connection, large buffers freed and allocated again reuse mapped memory', () => {
    expect(existsSync(join(root, 'dist/esm/network/connection.js')), 'run `npm run build` first').toBe(true)
    const untouched = faultsPerRound('nothing')
    const raised = faultsPerRound('connection')
    const optedOut = faultsPerRound('connection', { KAFKA_WIRE_MALLOC_THRESHOLDS: '0' })
    // Each round writes 6,144 pages. With glibc's own thresholds part of them is trimmed and faulted
    // in again every round (measured: ~335); with the raised ones almost none (~0.15).
    const seen = `faults per round: glibc's own ${untouched}, raised ${raised}, opted out ${optedOut}`
    process.stderr.write(`[malloc-thresholds] ${seen}\n`)
    expect(raised * 4, seen).toBeLessThan(untouched)
    expect(raised * 4, seen).toBeLessThan(optedOut)
  })
})

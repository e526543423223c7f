// A wrong --bootstrap-server is not a minute of silence: within ~2 s the CLI says what it is trying
// and for how long, --timeout bounds the wait, and the failure is one line (its cause once).
// No broker involved: a closed port (connection refused) and a server that accepts and never answers.
import { spawn } from 'node:child_process'
import net from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const bin = join(import.meta.dirname, '../../../dist/esm/cli/bin.js')

interface Run {
  code: number | null
  stderr: string
  firstStderrMs: number
  ms: number
}

function cli(args: string[], input = ''): Promise<Run> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    let firstStderrMs = Number.NaN
    child.stderr.on('data', (d) => {
      if (stderr === '') firstStderrMs = performance.now() - started
      stderr += d
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`kafka-wire ${args.join(' ')} did not end\n${stderr}`))
    }, 30_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr, firstStderrMs, ms: performance.now() - started })
    })
    child.stdin.end(input)
  })
}

let closedPort = 0
let silent: net.Server
let silentPort = 0
const sockets = new Set<net.Socket>()

beforeAll(async () => {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  closedPort = (s.address() as net.AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  silent = net.createServer((socket) => sockets.add(socket)) // accepts, reads, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  silentPort = (silent.address() as net.AddressInfo).port
})

afterAll(async () => {
  for (const s of sockets) s.destroy()
  await new Promise<void>((r) => silent.close(() => r()))
})

describe('kafka-wire with an unreachable cluster', () => {
  it.each([
    ['topics list', ['topics', 'list']],
    ['groups list', ['groups', 'list']],
    ['consume --group', ['consume', '--topic', 't', '--group', 'g']],
    ['produce', ['produce', '--topic', 't']],
  ])('%s on a closed port: says so at once, gives up at --timeout with one line', async (_name, args) => {
    const out = await cli([...args, '--bootstrap-server', `127.0.0.1:${closedPort}`, '--timeout', '2500'], 'v\n')
    expect(out.code, out.stderr).toBe(1)
    expect(out.firstStderrMs, out.stderr).toBeLessThan(2500)
    const lines = out.stderr.trim().split('\n')
    expect(lines[0]).toBe(
      `kafka-wire: cannot connect to 127.0.0.1:${closedPort} (connect ECONNREFUSED 127.0.0.1:${closedPort}), retrying for up to 3 s (--timeout <ms> to change)`,
    )
    const last = lines.at(-1)!
    expect(last).toMatch(/^kafka-wire: \w+Error: /)
    expect(last.split('ECONNREFUSED').length - 1, last).toBe(1) // the cause once, not repeated
    expect(out.ms).toBeLessThan(15_000)
  })

  it('a server that never answers: "connecting to …" within 2 s, then one error line', async () => {
    const out = await cli(['topics', 'list', '--bootstrap-server', `127.0.0.1:${silentPort}`, '--timeout', '4000'])
    expect(out.code, out.stderr).toBe(1)
    expect(out.firstStderrMs, out.stderr).toBeLessThan(2500)
    const lines = out.stderr.trim().split('\n')
    expect(lines[0]).toBe(
      `kafka-wire: connecting to 127.0.0.1:${silentPort} … no answer yet, retrying for up to 4 s (--timeout <ms> to change)`,
    )
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(/^kafka-wire: \w+Error: /)
  })

  it('--timeout must be a positive number of ms', async () => {
    const out = await cli(['topics', 'list', '--timeout', 'soon'])
    expect(out.code).toBe(2)
    expect(out.stderr).toContain('--timeout must be a positive integer (ms), got "soon"')
  })
})

// `kafka-wire broker start` runs a detached JVM that outlives the CLI: it must never be orphaned.
// A real broker JVM on a free non-default port (never 9092): Ctrl-C during the start stops it;
// after a start killed with SIGKILL half-way, `status` and `stop` still find it (node-1/jvm.pid,
// else the port's owner), and `stop` stops it. Every JVM started here is killed on the way out.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheBaseDir } from '../../../src/testing/paths.js'
import { canConnect, portIsFree } from '../../../src/testing/ports.js'

const bin = join(import.meta.dirname, '../../../dist/esm/cli/bin.js')
const started = new Set<number>()
let port = 0
let dir = ''

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

function cli(args: string[]): {
  child: ChildProcess
  done: Promise<{ code: number | null; signal: string | null; out: string }>
} {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out })),
  )
  return { child, done }
}

/** Starts `broker start` and waits until its JVM has been spawned (node-1/jvm.pid names a live process). */
async function startUntilSpawned(): Promise<{
  child: ChildProcess
  done: ReturnType<typeof cli>['done']
  jvm: number
}> {
  rmSync(dir, { recursive: true, force: true })
  const { child, done } = cli(['broker', 'start', '--port', String(port)])
  const pidFile = join(dir, 'node-1', 'jvm.pid')
  let jvm = 0
  await until('the broker JVM to be spawned', () => {
    if (!existsSync(pidFile)) return false
    jvm = Number(readFileSync(pidFile, 'utf8').trim())
    return jvm > 0 && alive(jvm)
  })
  started.add(jvm)
  return { child, done, jvm }
}

beforeAll(async () => {
  for (port = 29_100 + Math.floor(Math.random() * 800); ; port += 2) {
    if ((await portIsFree(port, '127.0.0.1')) && (await portIsFree(port + 1, '127.0.0.1'))) break
  }
  dir = join(cacheBaseDir(), `dev-${port}`)
})

afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already stopped, as it should be
    }
  }
  rmSync(dir, { recursive: true, force: true })
})

describe('kafka-wire broker: never an orphaned JVM', () => {
  it('Ctrl-C during start stops the JVM', async () => {
    const { child, done, jvm } = await startUntilSpawned()
    child.kill('SIGINT')
    const end = await done
    expect(end.code === 130 || end.signal === 'SIGINT', end.out).toBe(true)
    await until('the JVM to exit', () => !alive(jvm), 15_000)
  })

  it('status and stop find a broker whose start was killed half-way (no broker.pid)', async () => {
    const { child, done, jvm } = await startUntilSpawned()
    child.kill('SIGKILL') // no chance to clean up: the JVM lives on, detached
    await done
    expect(alive(jvm)).toBe(true)
    expect(existsSync(join(dir, 'broker.pid'))).toBe(false)

    const status = await cli(['broker', 'status', '--port', String(port)]).done
    expect(status.out).toContain(`(pid ${jvm}`)
    expect(status.code).toBe(0)

    // Also without the JVM's own pid file: the port's owner, once it listens.
    await until('the broker to listen', () => canConnect('127.0.0.1', port, 500))
    unlinkSync(join(dir, 'node-1', 'jvm.pid'))
    const again = await cli(['broker', 'status', '--port', String(port)]).done
    expect(again.out).toContain(`running at 127.0.0.1:${port} (pid ${jvm}`)

    const stop = await cli(['broker', 'stop', '--port', String(port)]).done
    expect(stop.out).toBe(`Kafka stopped (pid ${jvm}).\n`)
    expect(alive(jvm)).toBe(false)
  })
})

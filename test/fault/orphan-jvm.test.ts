// No orphan JVMs: a process that started a cluster dies (SIGKILL: no cleanup code runs, the
// watchdog must act; SIGTERM: the exit hooks act) and its broker JVM must be gone within seconds.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sweepStaleClusterDirs } from '../../src/testing/jvm-provider.js'
import { pidAlive } from '../../src/testing/lock.js'
import { kitEnv, repo, writeKitScript } from './kit-child.js'

/** The child starts a 1-node cluster, reports the JVM pid, then idles. */
const CHILD = [
  "import { startKafka } from './testing/index.js'",
  "const c = await startKafka({ provider: 'jvm' })",
  'process.stdout.write(JSON.stringify({ pid: c.nodes[0].pid, dir: c.dir }) + "\\n")',
  'setInterval(() => {}, 1000)',
].join('\n')

async function startChild(script: string): Promise<{ child: ChildProcess; jvmPid: number; dir: string }> {
  const child = spawn(process.execPath, [script], {
    cwd: repo,
    env: kitEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout! })
  for await (const line of lines) {
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string }
    return { child, jvmPid: pid, dir }
  }
  throw new Error('child exited before reporting its cluster')
}

async function gone(pid: number, withinMs: number): Promise<number> {
  const start = Date.now()
  while (pidAlive(pid)) {
    if (Date.now() - start > withinMs) throw new Error(`pid ${pid} still alive after ${withinMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return Date.now() - start
}

describe('no orphan JVMs', () => {
  let tmp: string
  let script: string
  const dirs: string[] = []

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'kafka-wire-orphan-test-'))
    script = await writeKitScript(tmp, 'child.mjs', CHILD)
  })
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true })
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('kills the broker JVM within seconds when its parent is SIGKILLed', async () => {
    const { child, jvmPid, dir } = await startChild(script)
    dirs.push(dir)
    expect(pidAlive(jvmPid)).toBe(true)
    child.kill('SIGKILL')
    const ms = await gone(jvmPid, 5_000)
    expect(ms).toBeLessThan(5_000)
  })

  it('kills the broker JVM at once when its parent gets SIGTERM', async () => {
    const { child, jvmPid, dir } = await startChild(script)
    dirs.push(dir)
    expect(pidAlive(jvmPid)).toBe(true)
    child.kill('SIGTERM')
    const exited = await new Promise<number | null>((r) =>
      child.once('exit', (code, signal) => r(code ?? (signal ? 128 : null))),
    )
    expect(exited).not.toBe(0)
    expect(await gone(jvmPid, 3_000)).toBeLessThan(3_000)
  })

  it('sweeps the directories the dead owners left behind', async () => {
    // (The second child's startKafka already swept the first child's directory.)
    expect(existsSync(dirs[dirs.length - 1]!)).toBe(true)
    await sweepStaleClusterDirs()
    for (const d of dirs) expect(existsSync(d)).toBe(false)
  })
})

/**
 * Child processes that never outlive the test process.
 *
 * Every JVM the kit starts (brokers, StorageTool, Java tools) is spawned through
 * `spawnWatched`: besides the child itself, a tiny `sh` watchdog polls once a second and
 * SIGKILLs the child as soon as this Node process is gone — even if it was SIGKILLed and
 * could run no cleanup. While Node is alive, 'exit' / SIGINT / SIGTERM / SIGHUP handlers
 * kill the children synchronously. Detached processes (the dev broker) skip all of this.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'

const live = new Set<ChildProcess>()
let hooksInstalled = false

function killAllNow(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
  live.clear()
}

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', killAllNow)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAllNow()
      // If nobody else handles the signal, restore its default action (terminate).
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, handler)
  }
}

// Exits when either the parent ($1) or the child ($2) is gone; kills the child in the first case.
const WATCHDOG = [
  'P=$1; C=$2',
  'trap "" INT HUP',
  'while kill -0 "$P" 2>/dev/null && kill -0 "$C" 2>/dev/null; do sleep 1; done',
  'kill -0 "$C" 2>/dev/null && kill -9 "$C" 2>/dev/null',
  'exit 0',
].join('\n')

/** Spawn a watchdog that SIGKILLs `pid` once this Node process disappears. */
export function watchPid(pid: number): ChildProcess {
  const dog = spawn('sh', ['-c', WATCHDOG, 'kafka-wire-watchdog', String(process.pid), String(pid)], {
    stdio: 'ignore',
    detached: false,
  })
  dog.on('error', () => undefined)
  dog.unref()
  return dog
}

export interface WatchedSpawnOptions extends SpawnOptions {
  /** Keep the child alive after this process exits (no watchdog, no exit hooks, own session). */
  detachedForever?: boolean
}

/** `child_process.spawn` with a watchdog and exit hooks (unless `detachedForever`). */
export function spawnWatched(
  command: string,
  args: readonly string[],
  options: WatchedSpawnOptions = {},
): ChildProcess {
  const { detachedForever, ...spawnOptions } = options
  if (detachedForever) {
    const child = spawn(command, args, { ...spawnOptions, detached: true })
    child.unref()
    return child
  }
  installHooks()
  const child = spawn(command, args, spawnOptions)
  if (child.pid === undefined) return child // spawn failed; 'error' follows
  live.add(child)
  const dog = watchPid(child.pid)
  child.once('exit', () => {
    live.delete(child)
    try {
      dog.kill('SIGKILL')
    } catch {
      // gone
    }
  })
  return child
}

export interface RunResult {
  stdout: string
  stderr: string
  /** Exit code, or null if killed by a signal. */
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
}

export interface RunOptions extends SpawnOptions {
  input?: string | Buffer
  timeoutMs?: number
  signal?: AbortSignal
}

/** Run a watched command to completion, collecting its output. Rejects only if it cannot be spawned. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { input, timeoutMs, signal, ...spawnOptions } = options
  return new Promise((resolve, reject) => {
    const child = spawnWatched(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    let timer: NodeJS.Timeout | undefined
    child.stdout!.on('data', (b: Buffer) => out.push(b))
    child.stderr!.on('data', (b: Buffer) => err.push(b))
    const onAbort = (): void => {
      child.kill('SIGKILL')
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true
        child.kill('SIGKILL')
      }, timeoutMs)
    }
    child.on('error', (e) => {
      if (timer) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      reject(e)
    })
    child.on('close', (code, sig) => {
      if (timer) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal: sig,
        timedOut,
      })
    })
    child.stdin!.on('error', () => undefined)
    child.stdin!.end(input)
  })
}

/** Whether a command can be executed (`<cmd> <versionArg>` exits 0). */
export async function commandWorks(command: string, args: readonly string[] = ['-version']): Promise<boolean> {
  try {
    const r = await run(command, args, { timeoutMs: 30_000 })
    return r.code === 0
  } catch {
    return false
  }
}

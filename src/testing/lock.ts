/**
 * A cross-process lock file: created with O_EXCL, holding the owner's pid. A lock whose
 * owner pid is gone (or that is older than `staleMs`) is stale and taken over. Used so that
 * concurrent vitest workers or two test processes download the Kafka jars only once.
 */
import { constants, promises as fs } from 'node:fs'
import os from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

export interface FileLockOptions {
  /** Give up after this long (default 10 min). */
  timeoutMs?: number
  /** A lock older than this is considered stale whatever its pid (default 30 min). */
  staleMs?: number
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (ownerPid: number | undefined) => void
}

/** True if a process with this pid exists (EPERM means it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readOwner(lockPath: string): Promise<{ pid?: number; host?: string; at?: number } | undefined> {
  try {
    return JSON.parse(await fs.readFile(lockPath, 'utf8'))
  } catch {
    return undefined
  }
}

/** Run `fn` while holding `lockPath`. */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000
  const staleMs = options.staleMs ?? 30 * 60_000
  const deadline = Date.now() + timeoutMs
  let waited = false
  for (;;) {
    try {
      const handle = await fs.open(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644)
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() }))
      } finally {
        await handle.close()
      }
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const owner = await readOwner(lockPath)
    let stale = false
    if (owner === undefined) {
      // Being written right now, or garbage left by a crash: judge by age.
      const st = await fs.stat(lockPath).catch(() => undefined)
      stale = st !== undefined && Date.now() - st.mtimeMs > 5_000
    } else if (owner.host === os.hostname() && owner.pid !== undefined && !pidAlive(owner.pid)) {
      stale = true
    } else if (owner.at !== undefined && Date.now() - owner.at > staleMs) {
      stale = true
    }
    if (stale) {
      // Rename first so two waiters cannot both delete a fresh lock taken in between.
      const grave = `${lockPath}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`
      const moved = await fs.rename(lockPath, grave).then(
        () => true,
        () => false,
      )
      if (moved) {
        const removed = await readOwner(grave)
        if (removed !== undefined && (removed.pid !== owner?.pid || removed.at !== owner?.at)) {
          // We raced with a waiter that had already replaced the stale lock: put theirs back.
          await fs.link(grave, lockPath).catch(() => undefined)
        }
        await fs.rm(grave, { force: true })
      }
      continue
    }
    if (!waited) {
      waited = true
      options.onWait?.(owner?.pid)
    }
    if (Date.now() > deadline) {
      throw new Error(`kafka-wire/testing: timed out waiting for lock ${lockPath} (held by pid ${owner?.pid})`)
    }
    await sleep(200)
  }
  try {
    return await fn()
  } finally {
    await fs.rm(lockPath, { force: true })
  }
}

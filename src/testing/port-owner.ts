/**
 * Which process listens on a local TCP port: how the dev broker finds a JVM whose pid file was
 * lost (a start killed half-way, a wiped state directory). Linux reads /proc (no tools needed);
 * elsewhere `lsof`. Undefined when unknown (no such listener, not allowed to look, no lsof).
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

/** The pid of the process listening on `port` (any local address), or undefined. */
export function listeningPid(port: number): number | undefined {
  if (process.platform === 'linux') return fromProc(port)
  try {
    const out = execFileSync('lsof', ['-nP', '-t', `-iTCP:${port}`, '-sTCP:LISTEN'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    const pid = Number(out.trim().split('\n')[0])
    return pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** TCP state 0A is LISTEN in /proc/net/tcp{,6}; the inode leads to the owning /proc/<pid>/fd entry. */
function fromProc(port: number): number | undefined {
  const inodes = new Set<string>()
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length > 9 && f[1]!.endsWith(`:${hexPort}`) && f[3] === '0A') inodes.add(f[9]!)
    }
  }
  if (inodes.size === 0) return undefined
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${entry}/fd`)
    } catch {
      continue // gone, or not ours to look at
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`))
        if (m && inodes.has(m[1]!)) return Number(entry)
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined
}

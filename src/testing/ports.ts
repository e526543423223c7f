/**
 * Free TCP ports for out-of-process brokers (port 0 cannot be used: the broker would bind
 * early and only log the real port, RECIPE §2.5).
 *
 * Ports are probed by binding them on 127.0.0.1. Where the OS ephemeral range is known
 * (Linux), candidates are drawn *below* it, so a port cannot be handed to some outgoing
 * connection between our probe and the broker's bind — or while a killed node is down.
 * Elsewhere, port 0 is bound and the OS's choice used.
 */
import { readFileSync } from 'node:fs'
import net from 'node:net'

const handedOut = new Set<number>()

function ephemeralRange(): [number, number] | undefined {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    if (lo && hi && lo < hi) return [lo, hi]
  } catch {
    // not Linux
  }
  return undefined
}

function tryBind(port: number, host: string): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.unref()
    server.once('error', () => resolve(undefined))
    server.listen({ port, host, exclusive: true }, () => resolve(server))
  })
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

/** Pick `count` distinct free ports on `host` (default 127.0.0.1), all chosen up front. */
export async function pickFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const held: net.Server[] = []
  const ports: number[] = []
  try {
    const range = ephemeralRange()
    const lo = 10_000
    const hi = range ? range[0] - 1 : 0
    let attempts = 0
    while (ports.length < count) {
      attempts++
      let server: net.Server | undefined
      if (hi - lo > 1_000 && attempts < 2_000) {
        const candidate = lo + Math.floor(Math.random() * (hi - lo))
        if (handedOut.has(candidate)) continue
        server = await tryBind(candidate, host)
      } else {
        server = await tryBind(0, host)
      }
      if (!server) continue
      const port = (server.address() as net.AddressInfo).port
      if (handedOut.has(port) || ports.includes(port)) {
        await close(server)
        continue
      }
      held.push(server)
      ports.push(port)
    }
  } finally {
    await Promise.all(held.map(close))
  }
  for (const p of ports) handedOut.add(p)
  return ports
}

/** Resolves true if a TCP connection to host:port succeeds within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (ok: boolean): void => {
      socket.removeAllListeners()
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** True if nothing listens on host:port and it can be bound. */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  const server = await tryBind(port, host)
  if (!server) return false
  await close(server)
  return true
}

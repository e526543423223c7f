import { describe, expect, it } from 'vitest'
import { ConnectionPool, type PoolOptions } from '../../../src/cluster/pool.js'
import { AuthenticationError, ConnectionError, TimeoutError } from '../../../src/errors.js'
import { silentLog } from '../../../src/internal/log.js'
import type { Connection, ConnectionOptions } from '../../../src/network/index.js'

/** A stand-in for Connection with just what the pool reads. */
function fakeConnection(): Connection {
  const listeners: ((e: Error) => void)[] = []
  const c = {
    closed: false,
    expired: false,
    inFlight: 0,
    queued: 0,
    lastActivity: Date.now(),
    onClose(l: (e: Error) => void) {
      listeners.push(l)
      return () => {}
    },
    close(reason?: Error) {
      if (c.closed) return
      c.closed = true
      for (const l of listeners) l(reason ?? new ConnectionError('closed'))
    },
    closeWhenIdle() {
      c.close()
    },
  }
  return c as unknown as Connection
}

function pool(
  connect: (o: ConnectionOptions) => Promise<Connection>,
  extra: Partial<PoolOptions> = {},
): ConnectionPool {
  return new ConnectionPool({
    base: {},
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 400,
    socketConnectionSetupTimeoutMs: 1000,
    socketConnectionSetupTimeoutMaxMs: 8000,
    connectionsMaxIdleMs: -1,
    maxInFlightRequests: { produce: 5, fetch: 5, group: 32, admin: 32 },
    logger: silentLog,
    connect,
    random: () => 0.5,
    ...extra,
  })
}

const ep = { nodeId: 1, host: 'h', port: 1 }
const far = () => ({ deadline: Date.now() + 10_000 })

describe('ConnectionPool', () => {
  it('shares one connection per broker and workload, and one attempt among concurrent callers', async () => {
    let opened = 0
    const p = pool(async () => {
      opened++
      await new Promise((r) => setTimeout(r, 20))
      return fakeConnection()
    })
    const [a, b] = await Promise.all([p.acquire(ep, 'admin', far()), p.acquire(ep, 'admin', far())])
    expect(a).toBe(b)
    const c = await p.acquire(ep, 'fetch', far())
    expect(c).not.toBe(a)
    expect(opened).toBe(2)
    p.close()
  })

  it('reconnect backoff doubles per consecutive failure up to the max, and the setup timeout grows', async () => {
    const attempts: { at: number; setup: number }[] = []
    const p = pool(async (o) => {
      attempts.push({ at: Date.now(), setup: o.socketConnectionSetupTimeoutMs! })
      throw new ConnectionError('refused')
    })
    for (let i = 0; i < 5; i++) await expect(p.acquire(ep, 'admin', far())).rejects.toBeInstanceOf(ConnectionError)
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at)
    // 50, 100, 200, 400 (no jitter with random = 0.5), within timer slack.
    for (const [i, expected] of [50, 100, 200, 400].entries()) {
      expect(gaps[i]).toBeGreaterThanOrEqual(expected - 5)
      expect(gaps[i]).toBeLessThan(expected + 60)
    }
    expect(attempts.map((a) => a.setup)).toEqual([1000, 2000, 4000, 8000, 8000])
    p.close()
  })

  it('a success resets the backoff', async () => {
    let fail = true
    const times: number[] = []
    const p = pool(async () => {
      times.push(Date.now())
      if (fail) throw new ConnectionError('refused')
      return fakeConnection()
    })
    await expect(p.acquire(ep, 'admin', far())).rejects.toThrow()
    await expect(p.acquire(ep, 'admin', far())).rejects.toThrow()
    fail = false
    const conn = await p.acquire(ep, 'admin', far())
    expect(p.backoffRemaining(ep)).toBe(0)
    conn.close(new ConnectionError('dropped'))
    // After a drop, the next attempt waits ≈ reconnectBackoffMs after the previous attempt started.
    expect(p.backoffRemaining(ep)).toBeLessThanOrEqual(50)
    await p.acquire(ep, 'admin', far())
    p.close()
  })

  it('a caller waiting for a connection gives up at its deadline; the attempt goes on for others', async () => {
    const p = pool(() => new Promise((r) => setTimeout(() => r(fakeConnection()), 200)))
    await expect(p.acquire(ep, 'admin', { deadline: Date.now() + 30 })).rejects.toBeInstanceOf(TimeoutError)
    await expect(p.acquire(ep, 'admin', far())).resolves.toBeDefined()
    p.close()
  })

  it('AuthenticationError surfaces as is', async () => {
    const p = pool(async () => {
      throw new AuthenticationError('bad password')
    })
    await expect(p.acquire(ep, 'admin', far())).rejects.toBeInstanceOf(AuthenticationError)
    p.close()
  })

  it('closes idle connections, not busy ones', async () => {
    const p = pool(async () => fakeConnection(), { connectionsMaxIdleMs: 1000 })
    const idle = await p.acquire(ep, 'admin', far())
    const busy = await p.acquire(ep, 'fetch', far())
    ;(busy as unknown as { inFlight: number }).inFlight = 1
    p.sweepIdle(Date.now() + 2000)
    expect(idle.closed).toBe(true)
    expect(busy.closed).toBe(false)
    p.close()
    expect(busy.closed).toBe(true)
  })

  it('a broker that moved gets a new connection', async () => {
    const p = pool(async () => fakeConnection())
    const a = await p.acquire(ep, 'admin', far())
    const b = await p.acquire({ ...ep, port: 2 }, 'admin', far())
    expect(b).not.toBe(a)
    expect(a.closed).toBe(true)
    p.close()
  })
})

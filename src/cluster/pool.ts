/**
 * The connection pool: at most one connection per broker per workload (produce / fetch / group /
 * admin, so a long-polling Fetch never delays a Produce or a Heartbeat), opened on demand, shared by
 * concurrent callers while it is being opened, closed when idle for `connectionsMaxIdleMs`.
 *
 * Reconnect backoff is per broker address, as in the Java client: after a failed attempt the next
 * one waits reconnectBackoffMs·2^(failures-1) (capped at reconnectBackoffMaxMs, ±20% jitter), and
 * the setup timeout grows the same way from socketConnectionSetupTimeoutMs up to its max. A
 * successful connection resets both. Owned by Cluster.
 */
import { AuthenticationError, ClosedError } from '../errors.js'
import { backoff } from '../internal/backoff.js'
import { raceWith, sleep } from '../internal/deadline.js'
import type { Log } from '../internal/log.js'
import { type Connection, type ConnectionOptions, connect, type Workload } from '../network/index.js'

export interface Endpoint {
  /** -1 (or any negative id) for a bootstrap address. */
  readonly nodeId: number
  readonly host: string
  readonly port: number
}

export interface PoolOptions {
  /** Options for every connection; host, port, nodeId, workload and the timeouts are set per connection. */
  base: Omit<ConnectionOptions, 'host' | 'port' | 'nodeId' | 'workload' | 'signal'>
  reconnectBackoffMs: number
  reconnectBackoffMaxMs: number
  socketConnectionSetupTimeoutMs: number
  socketConnectionSetupTimeoutMaxMs: number
  /** -1: never. */
  connectionsMaxIdleMs: number
  maxInFlightRequests: Record<Workload, number>
  logger: Log
  /** Called when a connection fails (not on a deliberate close). */
  onConnectionError?: (endpoint: Endpoint, err: Error) => void
  /** Called when a connection is established. */
  onConnected?: (endpoint: Endpoint) => void
  /** For tests. */
  connect?: (options: ConnectionOptions) => Promise<Connection>
  random?: () => number
}

interface Slot {
  endpoint: Endpoint
  conn: Connection | undefined
  connecting: Promise<Connection> | undefined
}

interface BackoffState {
  failures: number
  nextAttemptAt: number
  lastError: Error | undefined
}

export interface AcquireOptions {
  signal?: AbortSignal
  /** Date.now()-based. */
  deadline: number
}

function slotKey(ep: Endpoint, workload: Workload): string {
  return ep.nodeId >= 0 ? `${ep.nodeId}/${workload}` : `bootstrap:${ep.host}:${ep.port}/${workload}`
}

function addressKey(ep: Endpoint): string {
  return `${ep.host}:${ep.port}`
}

export class ConnectionPool {
  readonly #o: PoolOptions
  readonly #slots = new Map<string, Slot>()
  readonly #backoff = new Map<string, BackoffState>()
  readonly #connect: (options: ConnectionOptions) => Promise<Connection>
  #sweeper: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: PoolOptions) {
    this.#o = options
    this.#connect = options.connect ?? connect
    if (options.connectionsMaxIdleMs >= 0) {
      const every = Math.min(Math.max(Math.floor(options.connectionsMaxIdleMs / 2), 10), 30_000)
      this.#sweeper = setInterval(() => this.sweepIdle(Date.now()), every)
      this.#sweeper.unref()
    }
  }

  get closed(): boolean {
    return this.#closed
  }

  /** An open connection for (endpoint, workload): the existing one, or a new one once the backoff allows. */
  acquire(endpoint: Endpoint, workload: Workload, opts: AcquireOptions): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ClosedError('The client is closed'))
    const key = slotKey(endpoint, workload)
    let slot = this.#slots.get(key)
    if (slot !== undefined && (slot.endpoint.host !== endpoint.host || slot.endpoint.port !== endpoint.port)) {
      // The broker moved: retire the old connection.
      slot.conn?.closeWhenIdle()
      slot = undefined
      this.#slots.delete(key)
    }
    if (slot === undefined) {
      slot = { endpoint, conn: undefined, connecting: undefined }
      this.#slots.set(key, slot)
    }
    const conn = slot.conn
    if (conn !== undefined) {
      if (!conn.closed && !conn.expired) return Promise.resolve(conn)
      if (!conn.closed) conn.closeWhenIdle()
      slot.conn = undefined
    }
    let connecting = slot.connecting
    if (connecting === undefined) {
      const s = slot
      connecting = this.#open(s, workload).finally(() => {
        s.connecting = undefined
      })
      s.connecting = connecting
      // Nobody may be waiting any more (all callers timed out): never leave the rejection unhandled.
      connecting.catch(() => {})
    }
    return raceWith(connecting, opts, `waiting for a connection to ${describe(endpoint)}`)
  }

  /** An open connection to `nodeId` for any workload, without I/O. */
  existing(nodeId: number): Connection | undefined {
    for (const slot of this.#slots.values()) {
      const c = slot.conn
      if (slot.endpoint.nodeId === nodeId && c !== undefined && !c.closed) return c
    }
    return undefined
  }

  /** The brokers with an open connection (any workload), without I/O. */
  connectedNodeIds(): Set<number> {
    const ids = new Set<number>()
    for (const slot of this.#slots.values())
      if (slot.conn !== undefined && !slot.conn.closed) ids.add(slot.endpoint.nodeId)
    return ids
  }

  /** Whether any workload has an open connection to this endpoint. */
  isConnected(endpoint: Endpoint): boolean {
    for (const slot of this.#slots.values()) {
      if (addressKey(slot.endpoint) === addressKey(endpoint) && slot.conn !== undefined && !slot.conn.closed)
        return true
    }
    return false
  }

  /** ms until the next connection attempt to this endpoint is allowed (0: now). */
  backoffRemaining(endpoint: Endpoint, now = Date.now()): number {
    const b = this.#backoff.get(addressKey(endpoint))
    return b === undefined ? 0 : Math.max(0, b.nextAttemptAt - now)
  }

  /** Pending + queued requests over all connections to this endpoint (for least-loaded choice). */
  load(endpoint: Endpoint): number {
    let n = 0
    for (const slot of this.#slots.values()) {
      if (addressKey(slot.endpoint) === addressKey(endpoint) && slot.conn !== undefined) {
        n += slot.conn.inFlight + slot.conn.queued
      }
    }
    return n
  }

  /** Closes every connection to `nodeId` (it left the cluster). */
  closeNode(nodeId: number, reason?: Error): void {
    for (const [key, slot] of this.#slots) {
      if (slot.endpoint.nodeId === nodeId) {
        slot.conn?.close(reason)
        this.#slots.delete(key)
      }
    }
  }

  /** Closes connections idle for connectionsMaxIdleMs; drops closed ones. */
  sweepIdle(now: number): void {
    const maxIdle = this.#o.connectionsMaxIdleMs
    for (const [key, slot] of this.#slots) {
      const c = slot.conn
      if (c === undefined) {
        if (slot.connecting === undefined) this.#slots.delete(key)
        continue
      }
      if (c.closed) {
        slot.conn = undefined
        if (slot.connecting === undefined) this.#slots.delete(key)
      } else if (maxIdle >= 0 && c.inFlight === 0 && c.queued === 0 && now - c.lastActivity >= maxIdle) {
        this.#o.logger.debug({ ...brokerContext(slot.endpoint), key }, 'kafka-wire: closing an idle connection')
        c.close()
        slot.conn = undefined
        if (slot.connecting === undefined) this.#slots.delete(key)
      }
    }
  }

  /** Closes every connection; pending requests fail with ClosedError. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper)
    for (const slot of this.#slots.values()) slot.conn?.close(new ClosedError('The client was closed'))
    this.#slots.clear()
  }

  /** Number of open connections (for tests and diagnostics). */
  get size(): number {
    let n = 0
    for (const slot of this.#slots.values()) if (slot.conn !== undefined && !slot.conn.closed) n++
    return n
  }

  async #open(slot: Slot, workload: Workload): Promise<Connection> {
    const ep = slot.endpoint
    const addr = addressKey(ep)
    const state = this.#backoff.get(addr)
    const wait = state === undefined ? 0 : state.nextAttemptAt - Date.now()
    if (wait > 0) {
      await sleep(wait)
      if (this.#closed) throw new ClosedError('The client is closed')
    }
    const failures = this.#backoff.get(addr)?.failures ?? 0
    const o = this.#o
    const startedAt = Date.now()
    let conn: Connection
    try {
      conn = await this.#connect({
        ...o.base,
        host: ep.host,
        port: ep.port,
        nodeId: ep.nodeId >= 0 ? ep.nodeId : -1,
        workload,
        socketConnectionSetupTimeoutMs: backoff(
          failures,
          o.socketConnectionSetupTimeoutMs,
          o.socketConnectionSetupTimeoutMaxMs,
          o.random,
        ),
        maxInFlightRequests: o.maxInFlightRequests[workload],
      })
    } catch (err) {
      const n = failures + 1
      this.#backoff.set(addr, {
        failures: n,
        nextAttemptAt: Date.now() + backoff(n - 1, o.reconnectBackoffMs, o.reconnectBackoffMaxMs, o.random),
        lastError: err as Error,
      })
      if (!(err instanceof AuthenticationError)) {
        o.logger.debug({ ...brokerContext(ep), failures: n, err }, 'kafka-wire: connecting failed')
      }
      o.onConnectionError?.(ep, err as Error)
      throw err
    }
    this.#backoff.delete(addr)
    if (this.#closed) {
      conn.close()
      throw new ClosedError('The client is closed')
    }
    slot.conn = conn
    o.onConnected?.(ep)
    conn.onClose((reason) => {
      if (slot.conn === conn) slot.conn = undefined
      if (!(reason instanceof ClosedError) && !this.#closed) {
        // A broken connection: as in Java, the next attempt comes no sooner than reconnectBackoffMs
        // after the previous one started, so a broker that accepts and drops cannot make us spin.
        if (!this.#backoff.has(addr)) {
          this.#backoff.set(addr, {
            failures: 0,
            nextAttemptAt: startedAt + backoff(0, o.reconnectBackoffMs, o.reconnectBackoffMaxMs, o.random),
            lastError: reason,
          })
        }
        o.onConnectionError?.(ep, reason)
      }
    })
    return conn
  }
}

function describe(ep: Endpoint): string {
  return ep.nodeId >= 0 ? `broker ${ep.nodeId} (${ep.host}:${ep.port})` : `bootstrap server ${ep.host}:${ep.port}`
}

/** A log record's broker fields. */
function brokerContext(ep: Endpoint): { nodeId: number; broker: string } {
  return { nodeId: ep.nodeId, broker: `${ep.host}:${ep.port}` }
}

/**
 * A Kafka-aware TCP fault proxy in front of real brokers, for what a real broker cannot do on
 * demand: added latency, a bandwidth limit, a connection cut in the middle of a response frame,
 * a broker that accepts connections and never answers (and established connections that go
 * silent: a blackhole without RST), garbage instead of a response, a corrupted record batch, the
 * SASL bytes of SaslAuthenticate responses rewritten in flight (a man in the middle).
 *
 * Why a proxy and not network namespaces with `tc netem`: netns needs root and CAP_NET_ADMIN,
 * which CI and developer machines here do not grant; a userland proxy runs everywhere and can
 * aim a fault at one API's responses (e.g. cut only Produce responses), which netem cannot.
 * What it cannot do: drop SYNs (Node accepts every connection at the TCP level), so "a host
 * that does not answer" is a connection that is accepted and then never gets a byte.
 *
 * It rewrites broker addresses in Metadata, FindCoordinator and DescribeCluster responses to
 * its own listeners (one per upstream broker, opened when first seen), so that every connection
 * a client opens after bootstrapping goes through the proxy too — on a 3-node cluster as well,
 * without changing the brokers' advertised listeners.
 */
import net from 'node:net'
import { ApisByKey, decodeResponse, encodeResponse } from '../../../src/protocol/index.js'

export type Direction = 'both' | 'requests' | 'responses'

interface Fault {
  /** Delay added to every chunk forwarded (ms). */
  latencyMs: number
  /** Bytes per second per connection and direction; 0 = unlimited. */
  bytesPerSecond: number
  /** Forward nothing on connections of this listener (they stay open: no FIN, no RST). */
  silent: boolean
}

/** A one-shot fault aimed at the next response frame of an API (by Kafka API name), or any. */
interface FrameFault {
  api: string | null
  kind: 'cut' | 'garbage' | 'corrupt-records'
  resolve: (info: { api: string; correlationId: number }) => void
}

export type SaslRewrite = (authBytes: Buffer, step: number) => Buffer

interface Listener {
  readonly upstream: { host: string; port: number }
  readonly server: net.Server
  readonly port: number
  readonly sockets: Set<net.Socket>
}

const REWRITTEN = new Set(['Metadata', 'FindCoordinator', 'DescribeCluster'])

export class FaultProxy {
  readonly #listeners = new Map<string, Promise<Listener>>()
  readonly #fault: Fault = { latencyMs: 0, bytesPerSecond: 0, silent: false }
  #frameFaults: FrameFault[] = []
  /** Rewrites the auth_bytes of SaslAuthenticate responses (see rewriteSaslAuthBytes), or null. */
  #saslRewrite: SaslRewrite | null = null
  /** Connections accepted per upstream broker (host:port), to count (re)connects. */
  readonly accepted = new Map<string, number>()
  #closed = false

  private constructor() {}

  /** Starts listeners for the bootstrap brokers ('host:port,host:port'). */
  static async start(bootstrapServers: string): Promise<FaultProxy> {
    const proxy = new FaultProxy()
    for (const hp of bootstrapServers.split(',')) {
      const i = hp.lastIndexOf(':')
      await proxy.#listenerFor(hp.slice(0, i), Number(hp.slice(i + 1)))
    }
    return proxy
  }

  /** The proxy's addresses for the bootstrap brokers, in the order given to start(). */
  async bootstrapServers(): Promise<string> {
    const ls = await Promise.all([...this.#listeners.values()])
    return ls.map((l) => `127.0.0.1:${l.port}`).join(',')
  }

  /** Adds `ms` to every chunk in both directions (0 = none). */
  latency(ms: number): this {
    this.#fault.latencyMs = ms
    return this
  }

  /** Limits each connection to `bytesPerSecond` per direction (0 = unlimited). */
  bandwidth(bytesPerSecond: number): this {
    this.#fault.bytesPerSecond = bytesPerSecond
    return this
  }

  /**
   * true: nothing is forwarded any more, on established connections and on new ones (which are
   * accepted and then never answered); sockets stay open. false: traffic flows again (what was
   * held back is delivered).
   */
  silence(on: boolean): this {
    this.#fault.silent = on
    if (!on) for (const l of this.#listenersNow()) for (const s of l.sockets) s.emit('kw-resume')
    return this
  }

  /** Cuts the connection in the middle of the next response frame of `api` (half of it is delivered). */
  cutNextResponse(api: string | null = null): Promise<{ api: string; correlationId: number }> {
    return this.#arm(api, 'cut')
  }

  /** Replaces the body of the next response frame of `api` with random bytes (same length). */
  garbageNextResponse(api: string | null = null): Promise<{ api: string; correlationId: number }> {
    return this.#arm(api, 'garbage')
  }

  /** Flips one byte inside the first record batch of the next Fetch response that carries records. */
  corruptNextRecords(): Promise<{ api: string; correlationId: number }> {
    return this.#arm('Fetch', 'corrupt-records')
  }

  /**
   * Rewrites the auth_bytes of every SaslAuthenticate response from now on, on every connection:
   * `rewrite(authBytes, step)` gets the broker's bytes and the response's index on its connection
   * (for SCRAM: 0 = server-first, 1 = server-final) and returns what the client receives. null
   * stops rewriting. Error codes and the rest of the response are forwarded as the broker sent them.
   */
  rewriteSaslAuthBytes(rewrite: SaslRewrite | null): this {
    this.#saslRewrite = rewrite
    return this
  }

  /** Client connections open through the proxy now. */
  openConnections(): number {
    return this.#listenersNow().reduce((n, l) => n + l.sockets.size, 0)
  }

  /** Destroys every proxied connection now (RST-like: both sides see the socket end). */
  cutAll(): void {
    for (const l of this.#listenersNow()) for (const s of l.sockets) s.destroy()
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#frameFaults = []
    const ls = await Promise.all([...this.#listeners.values()])
    for (const l of ls) for (const s of l.sockets) s.destroy()
    await Promise.all(ls.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve()))))
  }

  #arm(api: string | null, kind: FrameFault['kind']): Promise<{ api: string; correlationId: number }> {
    return new Promise((resolve) => this.#frameFaults.push({ api, kind, resolve }))
  }

  #takeFrameFault(api: string, version: number, frame: Buffer): FrameFault | undefined {
    const i = this.#frameFaults.findIndex(
      (f) =>
        (f.api === null || f.api === api) &&
        (f.kind !== 'corrupt-records' || firstBatchAt(api, version, frame) !== null),
    )
    if (i < 0) return undefined
    return this.#frameFaults.splice(i, 1)[0]
  }

  /** Listeners that are up (a listener opening right now has no sockets yet). */
  #listenersNow(): Listener[] {
    return this.#settled
  }

  readonly #settled: Listener[] = []

  #listenerFor(host: string, port: number): Promise<Listener> {
    const key = `${host}:${port}`
    let p = this.#listeners.get(key)
    if (p === undefined) {
      p = new Promise<Listener>((resolve, reject) => {
        const sockets = new Set<net.Socket>()
        const server = net.createServer((client) => this.#accept(listener, client))
        const listener: Listener = {
          upstream: { host, port },
          server,
          port: 0,
          sockets,
        }
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => {
          ;(listener as { port: number }).port = (server.address() as net.AddressInfo).port
          this.#settled.push(listener)
          resolve(listener)
        })
      })
      this.#listeners.set(key, p)
    }
    return p
  }

  #accept(listener: Listener, client: net.Socket): void {
    if (this.#closed) return void client.destroy()
    const key = `${listener.upstream.host}:${listener.upstream.port}`
    this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1)
    const upstream = net.connect(listener.upstream.port, listener.upstream.host)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    listener.sockets.add(client)
    const end = () => {
      listener.sockets.delete(client)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    /** correlation id → [apiKey, version] of requests in flight on this connection. */
    const inFlight = new Map<number, [number, number]>()
    let saslStep = 0
    const toUpstream = this.#pipe(client, upstream, (frame) => {
      if (frame.length >= 12) inFlight.set(frame.readInt32BE(8), [frame.readInt16BE(4), frame.readInt16BE(6)])
      return Promise.resolve([frame])
    })
    const toClient = this.#pipe(upstream, client, async (frame) => {
      const correlationId = frame.readInt32BE(4)
      const request = inFlight.get(correlationId)
      inFlight.delete(correlationId)
      if (request === undefined) return [frame]
      const api = ApisByKey.get(request[0])
      if (api === undefined) return [frame]
      const fault = this.#takeFrameFault(api.name, request[1], frame)
      if (fault !== undefined) {
        fault.resolve({ api: api.name, correlationId })
        if (fault.kind === 'cut') {
          setImmediate(end)
          return [frame.subarray(0, Math.max(5, frame.length >> 1))]
        }
        if (fault.kind === 'garbage') {
          const bad = Buffer.from(frame)
          for (let i = 8; i < bad.length; i++) bad[i] = (Math.random() * 256) | 0
          return [bad]
        }
        const at = firstBatchAt(api.name, request[1], frame)!
        const bad = Buffer.from(frame)
        bad[at] = bad[at]! ^ 0xff
        return [bad]
      }
      const saslRewrite = this.#saslRewrite
      if (api.name === 'SaslAuthenticate' && saslRewrite !== null) {
        const body: any = decodeResponse(api, request[1], frame.subarray(4))
        body.authBytes = saslRewrite(body.authBytes, saslStep++)
        return encodeResponse(api, request[1], correlationId, body)
      }
      if (!REWRITTEN.has(api.name)) return [frame]
      return this.#rewrite(api, request[1], correlationId, frame)
    })
    client.on('kw-resume', () => {
      toUpstream()
      toClient()
    })
  }

  /** Rewrites broker addresses in a response to the proxy's own listeners. */
  async #rewrite(api: any, version: number, correlationId: number, frame: Buffer): Promise<Buffer[]> {
    const body: any = decodeResponse(api, version, frame.subarray(4))
    const swap = async (o: { host: string; port: number }) => {
      if (typeof o.host !== 'string' || o.host === '' || o.port < 0) return
      const l = await this.#listenerFor(o.host, o.port)
      o.host = '127.0.0.1'
      o.port = l.port
    }
    for (const b of body.brokers ?? []) await swap(b)
    for (const c of body.coordinators ?? []) await swap(c)
    if (api.name === 'FindCoordinator' && typeof body.host === 'string') await swap(body)
    return encodeResponse(api, version, correlationId, body)
  }

  /**
   * Forwards `from` → `to` frame by frame (4-byte size prefix), each frame through `transform`,
   * in order, applying latency, bandwidth and silence. Returns a function that restarts the
   * flow after silence ends.
   */
  #pipe(from: net.Socket, to: net.Socket, transform: (frame: Buffer) => Promise<Buffer[]>): () => void {
    let pending: Buffer = Buffer.alloc(0)
    const held: Buffer[] = []
    let chain: Promise<void> = Promise.resolve()
    let nextSendAt = 0
    const deliver = (chunks: Buffer[]) => {
      for (const c of chunks) {
        const now = Date.now()
        let at = now + this.#fault.latencyMs
        if (this.#fault.bytesPerSecond > 0) {
          at = Math.max(at, nextSendAt)
          nextSendAt = at + (c.length * 1000) / this.#fault.bytesPerSecond
        }
        if (at <= now) to.write(c)
        else setTimeout(() => to.writable && to.write(c), at - now)
      }
    }
    const flush = () => {
      if (this.#fault.silent) return
      while (held.length > 0) {
        const data = held.shift()!
        pending = pending.length === 0 ? data : Buffer.concat([pending, data])
        while (pending.length >= 4) {
          const size = pending.readInt32BE(0)
          if (pending.length < 4 + size) break
          const frame = pending.subarray(0, 4 + size)
          pending = pending.subarray(4 + size)
          chain = chain.then(() => transform(frame).then(deliver)).catch(() => void to.destroy())
        }
      }
    }
    from.on('data', (data: Buffer) => {
      held.push(data)
      flush()
    })
    return flush
  }
}

/**
 * Offset (in a response frame, size prefix included) of the last byte of the first record batch
 * of a Fetch response — inside the CRC'd part — or null when the response carries no records.
 * The decoder hands out records as views of the frame, so their offset is known.
 */
function firstBatchAt(api: string, version: number, frame: Buffer): number | null {
  if (api !== 'Fetch') return null
  const body: any = decodeResponse(ApisByKey.get(1)!, version, frame.subarray(4))
  for (const t of body.responses ?? []) {
    for (const p of t.partitions ?? []) {
      const records: Buffer | null = p.records
      if (records === null || records.length < 61) continue
      const at = records.byteOffset - frame.byteOffset + 12 + records.readInt32BE(8) - 1
      if (at > 0 && at < frame.length) return at
    }
  }
  return null
}

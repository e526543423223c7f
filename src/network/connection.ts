/**
 * One connection to one broker: a TCP or TLS socket carrying size-prefixed request and response
 * frames. Owns framing, correlation ids, pipelining, per-request timeouts, abort, write coalescing
 * and backpressure; on connect it negotiates API versions (ApiVersions) and authenticates (SASL).
 *
 * Called by cluster/ (one connection per broker per workload) and by anyone who needs a raw
 * connection, e.g. a worker thread with its own socket (`connect(cluster.connectionOptions(id))`).
 *
 * Invariants:
 * - Requests are written in the order `request()` was called; at most `maxInFlightRequests` wait
 *   for their response, the rest queue. Kafka answers in order on a connection, so a response whose
 *   correlation id is not the oldest in-flight one is a protocol violation and fails the connection.
 * - A request that times out after it was written fails with TimeoutError and closes the connection
 *   (as the Java client does): a late response could no longer be matched with confidence, and a
 *   broker that does not answer is not healthy. A request that times out while still queued is just
 *   dropped. Other pending requests then fail with a retriable ConnectionError.
 * - An aborted in-flight request is rejected at once with AbortError; its response is read and
 *   discarded when it arrives (it still occupies its pipeline slot until then).
 * - Frames of one tick are written between cork() and uncork() (one writev). When write() reports a
 *   full buffer, nothing more is written until 'drain'.
 * - The socket is ref()'d only while requests are pending, so an idle client never keeps the
 *   process alive; timers are unref()'d (the pending socket keeps the process alive instead).
 * - A request observer (request-observer.ts, a client's own) hears of the requests created while it
 *   was active: answered (or written, without a response), timed out once written, and the queue.
 * - Reads go through a DirectReader (direct-reader.ts: a large frame is read straight into one
 *   buffer), over plain TCP and TLS alike (net.connect's and tls.connect's `onread`).
 */
import type net from 'node:net'
import {
  AbortError,
  AuthenticationError,
  brokerError,
  ClosedError,
  ConnectionError,
  ErrorCode,
  KafkaError,
  ProtocolError,
  TimeoutError,
  UnsupportedVersionError,
} from '../errors.js'
import {
  type ApiSchema,
  ApiVersions,
  decodeResponse,
  encodeRequest,
  type RequestOf,
  type ResponseOf,
} from '../protocol/index.js'
import { ApiVersionTable } from './api-versions.js'
import { authenticate } from './authenticate.js'
import { brokerContext, brokerOf, describeEndpoint, openSocket, type Resolved, resolve } from './connection-setup.js'
import { DirectReader } from './direct-reader.js'
import { raiseMallocThresholds } from './malloc-thresholds.js'
import { publishClose, traceAuth, traceOpen } from './observe.js'
import { type RequestObserver, reportCompleted, reportQueueSize, reportTimedOut } from './request-observer.js'
import { isTlsAuthenticationFailure } from './tls.js'
import type { ConnectionOptions, SaslOptions, Workload } from './types.js'

/** Re-authenticate (here: retire the connection) at 85–95% of a SASL session's lifetime (KIP-368). */
const REAUTH_MIN = 0.85
const REAUTH_SPREAD = 0.1

export interface RequestOptions {
  /** Version to send; default the negotiated one. Must be within both sides' ranges. */
  version?: number
  signal?: AbortSignal
  /** Default: the connection's requestTimeoutMs. */
  timeoutMs?: number
  /** false for requests the broker does not answer (Produce with acks=0): resolves with undefined once written. */
  expectResponse?: boolean
}

type PendingState = 'queued' | 'inflight' | 'written' | 'abandoned' | 'done'

interface Pending {
  readonly api: ApiSchema<any, any>
  readonly version: number
  readonly correlationId: number
  chunks: Buffer[] | undefined
  readonly expectResponse: boolean
  /** Resolve with the undecoded frame (ApiVersions negotiation). */
  readonly raw: boolean
  readonly timeoutMs: number
  /** Date.now() when created, for the request observer; 0: not observed (nobody listened). */
  readonly createdAt: number
  sentAt: number
  state: PendingState
  timer: NodeJS.Timeout | undefined
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  resolve(value: unknown): void
  reject(err: unknown): void
}

/** What a connection reports about a response cut off by a close (FrameDecoder or DirectReader). */
interface FrameProgress {
  readonly partial: boolean
  readonly pendingFrameSize: number | undefined
  readonly bufferedBytes: number
  /** An invalid length prefix read after good frames (those are delivered first). */
  readonly error: ProtocolError | undefined
}

/** Opens a connection: TCP or TLS, then ApiVersions, then SASL when configured. */
export const connect = (options: ConnectionOptions): Promise<Connection> => Connection.open(options)

export class Connection {
  readonly host: string
  readonly port: number
  /** The broker's node id; -1 for a bootstrap connection. */
  readonly nodeId: number
  readonly workload: Workload | undefined

  readonly #socket: net.Socket
  readonly #o: Resolved
  readonly #observer: RequestObserver | undefined
  /** The framing state of the response being received (for the error when the socket closes mid-frame). */
  readonly #received: FrameProgress
  #versions: ApiVersionTable | undefined
  #nextCorrelationId = 0
  readonly #queue: Pending[] = []
  readonly #inflight = new Map<number, Pending>()
  readonly #writing = new Set<Pending>()
  #blocked = false
  #corked = false
  #closed = false
  #closeReason: Error | undefined
  readonly #closeListeners = new Set<(reason: Error) => void>()
  #lastActivity = Date.now()
  #retireAt = Number.POSITIVE_INFINITY

  /** Opens and initializes a connection; see `connect()`. Traced on `kafka-wire:connection:open`. */
  static open(options: ConnectionOptions): Promise<Connection> {
    return traceOpen(options, () => Connection.#open(options))
  }

  static async #open(options: ConnectionOptions): Promise<Connection> {
    const o = resolve(options)
    const started = Date.now()
    const endpoint = describeEndpoint(o)
    // Reads go through a DirectReader, whose hooks net.connect / tls.connect must be given before
    // the Connection that handles the frames exists. openSocket leaves a plain TCP socket paused
    // until the constructor resumes it; a TLS socket reads on, but a broker sends nothing before
    // the first request (written after the constructor): bytes that come earlier fail the connection.
    raiseMallocThresholds() // once per process: frames reuse mapped heap memory (malloc-thresholds.ts)
    const reader = new DirectReader(o.maxResponseBytes)
    let conn: Connection | undefined
    let early = 0
    const socket = await openSocket(o, {
      buffer: () => reader.readBuffer(),
      callback: (bytes) => {
        if (conn === undefined) early += bytes
        else conn.#onRead(reader, bytes)
        return true
      },
    })
    conn = new Connection(socket, o, reader)
    if (early > 0) conn.#fail(new ProtocolError(`${endpoint} sent ${early} bytes before any request`))
    const remaining = Math.max(1, o.setupTimeoutMs - (Date.now() - started))
    const timer = setTimeout(() => {
      conn.close(
        new TimeoutError(`Connection setup with ${endpoint} timed out after ${o.setupTimeoutMs} ms`, brokerOf(o)),
      )
    }, remaining)
    timer.unref()
    const onAbort = () =>
      conn.close(new AbortError(`Connecting to ${endpoint} was aborted`, { cause: o.signal?.reason }))
    o.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await conn.#negotiateVersions()
      if (o.sasl !== undefined) await traceAuth(o, o.sasl, () => conn.#authenticate(o.sasl!))
    } catch (err) {
      conn.close(err instanceof Error ? err : new ConnectionError(String(err)))
      throw err
    } finally {
      clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
    }
    o.logger.debug(brokerContext(o), 'kafka-wire: connected')
    return conn
  }

  /** Use `connect()`: a Connection is built around a socket that is already connected. */
  private constructor(socket: net.Socket, o: Resolved, reader: DirectReader) {
    this.host = o.host
    this.port = o.port
    this.nodeId = o.nodeId
    this.workload = o.workload
    this.#socket = socket
    this.#o = o
    this.#observer = o.requestObserver
    socket.setNoDelay(true)
    socket.setKeepAlive(true, 30_000)
    this.#received = reader
    socket.resume() // a plain TCP socket was paused by openSocket until now (see open())
    socket.on('error', (err) => this.#onSocketError(err))
    socket.on('close', () => this.#onSocketClose())
    o.sensors?.opened(o.nodeId, Date.now()) // closed() in observe.ts publishClose
  }

  /** Requests written and awaiting a response (aborted ones included until their response arrives). */
  get inFlight(): number {
    return this.#inflight.size + this.#writing.size
  }

  /** Requests waiting to be written (pipelining limit or socket backpressure). */
  get queued(): number {
    return this.#queue.length
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Why the connection closed, once closed. */
  get closeReason(): Error | undefined {
    return this.#closeReason
  }

  /** Date.now() of the last request written or response read. */
  get lastActivity(): number {
    return this.#lastActivity
  }

  /** True once a SASL session is close to its expiry (KIP-368): use a new connection for new work. */
  get expired(): boolean {
    return Date.now() >= this.#retireAt
  }

  /** The broker's API version ranges as negotiated on this connection. */
  get apiVersions(): ApiVersionTable {
    if (this.#versions === undefined) throw new ClosedError('The connection has not negotiated API versions')
    return this.#versions
  }

  /** The version used for `api`: the highest both sides support. Throws UnsupportedVersionError. */
  versionFor(api: ApiSchema<any, any>): number {
    return this.apiVersions.versionFor(api)
  }

  supports(api: ApiSchema<any, any>): boolean {
    return this.#versions?.supports(api) ?? false
  }

  /** Called once when the connection closes, with the reason. Returns an unsubscribe function. */
  onClose(listener: (reason: Error) => void): () => void {
    if (this.#closed) {
      queueMicrotask(() => listener(this.#closeReason!))
      return () => {}
    }
    this.#closeListeners.add(listener)
    return () => this.#closeListeners.delete(listener)
  }

  /** Sends a request and resolves with its decoded response (undefined when `expectResponse` is false). */
  request<A extends ApiSchema<any, any>>(
    api: A,
    body: RequestOf<A>,
    opts: RequestOptions = {},
  ): Promise<ResponseOf<A>> {
    let version: number
    try {
      if (this.#closed) throw this.#closedError()
      if (opts.version === undefined) version = this.versionFor(api)
      else if (this.apiVersions.allows(api, opts.version)) version = opts.version
      else {
        throw new UnsupportedVersionError(`${api.name} v${opts.version} is not supported by ${this.#describe()}`, {
          apiKey: api.apiKey,
          ...brokerOf(this.#o),
        })
      }
    } catch (err) {
      return Promise.reject(err)
    }
    return this.#send(api, version, body, opts, false) as Promise<ResponseOf<A>>
  }

  /** Closes the socket. Pending requests fail with `reason`, or a ClosedError when none is given. Idempotent. */
  close(reason?: Error): void {
    if (this.#closed) return
    const err = reason ?? new ClosedError(`Connection to ${this.#describe()} closed`, brokerOf(this.#o))
    this.#shutdown(err, () => err)
  }

  /** Closes the connection once nothing is pending (or at once if idle). */
  closeWhenIdle(): void {
    if (this.#pendingCount() === 0) this.close()
    else this.#retireAt = 0
  }

  #describe(): string {
    return describeEndpoint(this.#o)
  }

  #closedError(): Error {
    return new ClosedError(`Connection to ${this.#describe()} is closed`, {
      ...brokerOf(this.#o),
      cause: this.#closeReason,
    })
  }

  #pendingCount(): number {
    return this.#queue.length + this.#inflight.size + this.#writing.size
  }

  #send(
    api: ApiSchema<any, any>,
    version: number,
    body: unknown,
    opts: RequestOptions,
    raw: boolean,
  ): Promise<unknown> {
    const signal = opts.signal
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }))
    const timeoutMs = opts.timeoutMs ?? this.#o.requestTimeoutMs
    if (!(timeoutMs > 0)) {
      return Promise.reject(new TimeoutError(`${api.name} request has no time left (timeoutMs ${timeoutMs})`))
    }
    const correlationId = this.#nextCorrelationId
    let chunks: Buffer[]
    try {
      chunks = encodeRequest(api, version, correlationId, this.#o.clientId, body as any)
    } catch (err) {
      return Promise.reject(err)
    }
    this.#nextCorrelationId = (correlationId + 1) & 0x7fffffff
    return new Promise((resolve, reject) => {
      const p: Pending = {
        api,
        version,
        correlationId,
        chunks,
        expectResponse: opts.expectResponse ?? true,
        raw,
        timeoutMs,
        createdAt: this.#observer?.active ? Date.now() : 0,
        sentAt: 0,
        state: 'queued',
        timer: undefined,
        signal,
        onAbort: undefined,
        resolve,
        reject,
      }
      p.timer = setTimeout(() => this.#onTimeout(p), timeoutMs)
      p.timer.unref()
      if (signal !== undefined) {
        p.onAbort = () => this.#onAbort(p)
        signal.addEventListener('abort', p.onAbort, { once: true })
      }
      this.#queue.push(p)
      this.#socket.ref()
      this.#pump(p)
      if (p.state === 'queued' && p.createdAt !== 0) this.#reportQueueSize() // kafkajs: "Request enqueued"
    })
  }

  /** Writes queued requests while the pipeline has room and the socket accepts data (`fresh`: just queued). */
  #pump(fresh?: Pending): void {
    while (!this.#blocked && !this.#closed && this.#queue.length > 0 && this.#inflight.size < this.#o.maxInFlight) {
      const p = this.#queue.shift()!
      this.#write(p)
      if (p.createdAt !== 0 && p !== fresh) this.#reportQueueSize() // one that waited left the queue
    }
  }

  #reportQueueSize(): void {
    if (this.#observer?.active)
      reportQueueSize(this.#observer, this.host, this.port, this.#o.clientId, this.#queue.length)
  }

  #write(p: Pending): void {
    if (!this.#corked) {
      this.#socket.cork()
      this.#corked = true
      process.nextTick(this.#uncork)
    }
    const chunks = p.chunks!
    p.chunks = undefined
    if (p.createdAt !== 0) p.sentAt = Date.now()
    let ok = true
    let bytes = 0
    for (let i = 0; i < chunks.length; i++) {
      const last = i === chunks.length - 1
      bytes += chunks[i]!.length
      ok = this.#socket.write(chunks[i]!, last && !p.expectResponse ? (err) => this.#onWritten(p, err) : undefined)
    }
    if (p.expectResponse) {
      p.state = 'inflight'
      this.#inflight.set(p.correlationId, p)
    } else {
      p.state = 'written'
      this.#writing.add(p)
    }
    this.#lastActivity = Date.now()
    this.#o.sensors?.sent(this.#o.nodeId, bytes, this.#lastActivity, p)
    if (!ok) {
      this.#blocked = true
      this.#socket.once('drain', this.#onDrain)
    }
  }

  readonly #uncork = (): void => {
    this.#corked = false
    if (!this.#socket.destroyed) this.#socket.uncork()
  }

  readonly #onDrain = (): void => {
    this.#blocked = false
    this.#pump()
  }

  #onWritten(p: Pending, err: Error | null | undefined): void {
    if (!this.#writing.delete(p)) return
    if (err) return // the socket's 'error' handler fails the connection and p with it
    if (p.createdAt !== 0) reportCompleted(this.#observer!, this.host, this.port, this.#o.clientId, p, 0)
    this.#settle(p)
    p.resolve(undefined)
    this.#afterSettle()
  }

  /**
   * `bytes` read into the DirectReader's buffer (called from the socket's onread
   * callback). Nothing may throw out of here: Node would raise it as an uncaught exception.
   */
  #onRead(reader: DirectReader, bytes: number): void {
    if (this.#closed) return
    let frames: readonly Buffer[]
    try {
      frames = reader.commit(bytes)
    } catch (err) {
      this.#failFraming(err)
      return
    }
    this.#onFrames(frames)
  }

  /** An invalid length prefix (ProtocolError), or a frame buffer that could not be allocated (RangeError). */
  #failFraming(err: unknown): void {
    this.#fail(
      err instanceof KafkaError
        ? err
        : new ConnectionError(`Cannot read a response from ${this.#describe()}: ${String(err)}`, {
            cause: err,
            ...brokerOf(this.#o),
          }),
    )
  }

  #onFrames(frames: readonly Buffer[]): void {
    for (const frame of frames) {
      this.#onFrame(frame)
      if (this.#closed) return
    }
    // An invalid prefix after good frames: those were delivered above, now the stream is lost.
    if (this.#received.error !== undefined) this.#fail(this.#received.error)
  }

  #onFrame(frame: Buffer): void {
    this.#lastActivity = Date.now()
    const correlationId = frame.readInt32BE(0)
    const oldest = this.#inflight.keys().next()
    if (oldest.done || oldest.value !== correlationId) {
      this.#fail(
        new ProtocolError(
          `Unexpected response correlation id ${correlationId} from ${this.#describe()} (expected ${oldest.done ? 'none' : oldest.value})`,
          brokerOf(this.#o),
        ),
      )
      return
    }
    const p = this.#inflight.get(correlationId)!
    this.#o.sensors?.received(this.#o.nodeId, frame.length + 4, this.#lastActivity, p)
    this.#inflight.delete(correlationId)
    const abandoned = p.state === 'abandoned'
    if (p.createdAt !== 0) reportCompleted(this.#observer!, this.host, this.port, this.#o.clientId, p, frame.length)
    this.#settle(p)
    if (!abandoned) {
      if (p.raw) p.resolve(frame)
      else {
        let response: unknown
        try {
          response = decodeResponse(p.api, p.version, frame)
        } catch (err) {
          const e =
            err instanceof KafkaError
              ? err
              : new ProtocolError(`Cannot decode ${p.api.name} v${p.version} response`, { cause: err })
          p.reject(e)
          this.#fail(e)
          return
        }
        p.resolve(response)
      }
    }
    this.#afterSettle()
  }

  /** Marks p finished: stops its timer and abort listener. */
  #settle(p: Pending): void {
    p.state = 'done'
    if (p.timer !== undefined) clearTimeout(p.timer)
    p.timer = undefined
    if (p.onAbort !== undefined) p.signal!.removeEventListener('abort', p.onAbort)
    p.onAbort = undefined
  }

  #afterSettle(): void {
    this.#pump()
    if (this.#pendingCount() === 0) {
      this.#socket.unref()
      if (Date.now() >= this.#retireAt) this.close()
    }
  }

  #onTimeout(p: Pending): void {
    p.timer = undefined
    const err = new TimeoutError(`${p.api.name} request to ${this.#describe()} timed out after ${p.timeoutMs} ms`, {
      apiKey: p.api.apiKey,
      ...brokerOf(this.#o),
    })
    if (p.state === 'queued') {
      // Never written: nothing to distrust, the connection stays.
      this.#queue.splice(this.#queue.indexOf(p), 1)
      this.#settle(p)
      p.reject(err)
      this.#afterSettle()
      return
    }
    const wasLive = p.state === 'inflight' || p.state === 'written'
    this.#writing.delete(p)
    this.#settle(p)
    if (wasLive) p.reject(err)
    if (wasLive && p.createdAt !== 0) reportTimedOut(this.#observer!, this.host, this.port, this.#o.clientId, p)
    this.#fail(err, false)
  }

  #onAbort(p: Pending): void {
    p.onAbort = undefined
    const err = new AbortError(`${p.api.name} request aborted`, { cause: p.signal?.reason })
    if (p.state === 'queued') {
      this.#queue.splice(this.#queue.indexOf(p), 1)
      this.#settle(p)
      p.reject(err)
      this.#afterSettle()
    } else if (p.state === 'inflight') {
      // Its response will still come: keep the slot (and the timer) until then, then discard it.
      p.state = 'abandoned'
      p.reject(err)
    } else if (p.state === 'written') {
      this.#writing.delete(p)
      this.#settle(p)
      p.reject(err)
      this.#afterSettle()
    }
  }

  #onSocketError(err: Error): void {
    if (this.#closed) return
    const e = isTlsAuthenticationFailure(err)
      ? new AuthenticationError(`TLS failure with ${this.#describe()}: ${err.message}`, {
          cause: err,
          ...brokerOf(this.#o),
        })
      : new ConnectionError(`Connection to ${this.#describe()} failed: ${err.message}`, {
          cause: err,
          ...brokerOf(this.#o),
        })
    this.#shutdown(e, () => e)
  }

  #onSocketClose(): void {
    if (this.#closed) return
    if (this.#received.partial) {
      // The connection ended mid-frame (a broker crash, a cut network): retriable, as Java's
      // NetworkException, so the request is retried (idempotent sends stay exactly-once).
      const size = this.#received.pendingFrameSize
      this.#fail(
        new ConnectionError(
          `${this.#describe()} closed the connection in the middle of a response${size === undefined ? '' : ` (${this.#received.bufferedBytes - 4} of ${size} bytes)`}`,
          brokerOf(this.#o),
        ),
      )
      return
    }
    const e = new ConnectionError(`Connection closed by ${this.#describe()}`, brokerOf(this.#o))
    this.#shutdown(e, () => e)
  }

  /**
   * Fails the connection because of `err`: the oldest in-flight request (the one whose response
   * was bad) gets `err` when `blameOldest`, every other pending request a retriable ConnectionError.
   */
  #fail(err: KafkaError, blameOldest = true): void {
    const oldest = blameOldest ? this.#inflight.values().next().value : undefined
    this.#o.logger.warn({ ...brokerContext(this.#o), err }, 'kafka-wire: closing the connection')
    const others = new ConnectionError(`Connection to ${this.#describe()} failed: ${err.message}`, {
      cause: err,
      ...brokerOf(this.#o),
    })
    this.#shutdown(err, (p) => (p === oldest ? err : others), true)
  }

  #shutdown(reason: Error, errorFor: (p: Pending) => Error, logged = false): void {
    if (this.#closed) return
    this.#closed = true
    this.#closeReason = reason
    const pending = [...this.#queue, ...this.#inflight.values(), ...this.#writing]
    const hadQueue = this.#queue.length > 0
    this.#queue.length = 0
    this.#inflight.clear()
    this.#writing.clear()
    for (const p of pending) {
      const live = p.state !== 'abandoned' && p.state !== 'done'
      this.#settle(p)
      if (live) p.reject(errorFor(p))
    }
    if (hadQueue) this.#reportQueueSize()
    this.#socket.destroy()
    // #fail logged at warn already.
    if (!logged) this.#o.logger.debug({ ...brokerContext(this.#o), err: reason }, 'kafka-wire: connection closed')
    publishClose(this.#o, reason)
    for (const listener of this.#closeListeners) {
      try {
        listener(reason)
      } catch {} // a listener's failure must not break the close
    }
    this.#closeListeners.clear()
  }

  // --- connection setup ------------------------------------------------------------------------

  /** ApiVersions at our highest version; on UNSUPPORTED_VERSION the broker answered in v0 with its range. */
  async #negotiateVersions(): Promise<void> {
    let version = ApiVersions.maxVersion
    const body = { clientSoftwareName: this.#o.softwareName, clientSoftwareVersion: this.#o.softwareVersion }
    for (let attempt = 0; attempt < 3; attempt++) {
      const frame = (await this.#send(ApiVersions, version, body, {}, true)) as Buffer
      if (frame.length < 6) throw new ProtocolError('ApiVersions response too short', brokerOf(this.#o))
      const errorCode = frame.readInt16BE(4)
      if (errorCode === ErrorCode.UNSUPPORTED_VERSION && version > 0) {
        const v0 = decodeResponse(ApiVersions, 0, frame)
        const theirs = v0.apiKeys.find((k) => k.apiKey === ApiVersions.apiKey)
        version = theirs === undefined ? 0 : Math.max(0, Math.min(theirs.maxVersion, version - 1))
        continue
      }
      if (errorCode !== ErrorCode.NONE) {
        throw brokerError(errorCode, 'ApiVersions failed', { apiKey: ApiVersions.apiKey, ...brokerOf(this.#o) })
      }
      const res = decodeResponse(ApiVersions, version, frame)
      this.#versions = new ApiVersionTable(res.apiKeys)
      return
    }
    throw new UnsupportedVersionError(`Cannot agree on an ApiVersions version with ${this.#describe()}`)
  }

  /** SASL (authenticate.ts); a session lifetime retires the connection before it ends. */
  async #authenticate(sasl: SaslOptions): Promise<void> {
    const lifetimeMs = await authenticate(this, this.#o, sasl)
    if (lifetimeMs > 0) this.#retireAt = Date.now() + lifetimeMs * (REAUTH_MIN + Math.random() * REAUTH_SPREAD)
  }
}

/**
 * The main thread's side of heartbeating. `createHeartbeat()` gives a group membership a handle that
 * starts/stops heartbeats for a generation, records poll() calls, and delivers notices (rebalance,
 * member reset, coordinator lost, poll timeout, fatal) back on the main thread.
 *
 * Two implementations behind one interface:
 * - WorkerHeartbeat (default): the process-wide heartbeat worker thread (heartbeat-worker.ts), its own
 *   connections to the coordinators. Survives a blocked main event loop.
 * - InProcessHeartbeat (`heartbeatThread: false`, and unit tests): the same driver on the main loop,
 *   sending through the Cluster's 'group' connection.
 *
 * The worker script is plain JavaScript: from dist/ it is the compiled file beside this one; when
 * kafka-wire runs from its TypeScript sources (tests), it is `<package root>/dist/esm/...`, which
 * `npm run build` produces.
 */
import { Worker } from 'node:worker_threads'
import type { Cluster, OAuthBearerToken } from '../../cluster/index.js'
import { publishHeartbeat } from '../../diagnostics/index.js'
import { ClosedError, KafkaError } from '../../errors.js'
import { type Clock, systemClock } from '../../internal/clock.js'
import type { Log } from '../../internal/log.js'
import { builtScriptPath, workerExecArgv } from '../../internal/worker-script.js'
import { Apis } from '../../protocol/index.js'
import { type HeartbeatStats, updateHeartbeatStats } from '../metrics.js'
import { HeartbeatDriver } from './heartbeat-driver.js'
import { cloneableConnectionOptions, type FromWorker, type ToWorker } from './heartbeat-protocol.js'
import { type HeartbeatConfig, type HeartbeatNotice, type MemberIdentity, NO_RESPONSE } from './heartbeat-state.js'

export interface HeartbeatHandle {
  /** The application called poll(): resets the maxPollIntervalMs clock. */
  notePoll(now?: number): void
  /** Heartbeat for this generation against the coordinator `nodeId`. */
  start(identity: MemberIdentity, coordinatorId: number): Promise<void>
  stop(): void
  /** LeaveGroup from the heartbeat side (used on close when the main side does not send it itself). */
  leave(reason: string): Promise<void>
  close(): void
  readonly stats: HeartbeatStats
}

export interface HeartbeatOptions {
  cluster: Cluster
  config: HeartbeatConfig
  identity: MemberIdentity
  onNotice: (notice: HeartbeatNotice) => void
  useThread: boolean
  logger?: Log
  clock?: Clock
}

export function createHeartbeat(options: HeartbeatOptions): HeartbeatHandle {
  return options.useThread ? new WorkerHeartbeat(options) : new InProcessHeartbeat(options)
}

// ---------------------------------------------------------------------------------------------
// Worker thread

/** Where the compiled worker script is. Throws a clear error when it has not been built. */
export function heartbeatWorkerPath(): string {
  const { path, found } = builtScriptPath('consumer', 'group', 'heartbeat-worker.js')
  if (!found) {
    throw new KafkaError(
      `kafka-wire's heartbeat worker script is missing (${path}). Run \`npm run build\` first ` +
        '(tests that run from the TypeScript sources load the worker from dist/esm), or set heartbeatThread: false.',
      'ERR_HEARTBEAT_WORKER_MISSING',
    )
  }
  return path
}

/** What the worker host routes messages to: one per consumer (classic or consumer-protocol member). */
export interface WorkerClient {
  onMessage(msg: FromWorker): void
  onWorkerLost(err: unknown): void
}

/** The process-wide worker. Started on first use, unref'd (never keeps the process alive), stopped when unused. */
export class WorkerHost {
  static #instance: WorkerHost | null = null
  static get(): WorkerHost {
    WorkerHost.#instance ??= new WorkerHost()
    return WorkerHost.#instance
  }

  #worker: Worker | null = null
  /** Bumped every time a worker is started: handles re-add themselves to a new one. */
  epoch = 0
  #nextId = 1
  readonly #handles = new Map<number, WorkerClient>()

  register(handle: WorkerClient): number {
    const id = this.#nextId++
    this.#handles.set(id, handle)
    return id
  }

  unregister(id: number): void {
    this.#handles.delete(id)
    if (this.#worker !== null) this.#worker.postMessage({ type: 'remove', id } satisfies ToWorker)
    if (this.#handles.size === 0 && this.#worker !== null) {
      const w = this.#worker
      this.#worker = null
      // Let a pending LeaveGroup go out before terminating.
      setTimeout(() => void w.terminate(), 1000).unref()
    }
  }

  post(msg: ToWorker): void {
    this.ensure().postMessage(msg)
  }

  ensure(): Worker {
    if (this.#worker !== null) return this.#worker
    const worker = new Worker(heartbeatWorkerPath(), { execArgv: workerExecArgv() })
    this.epoch++
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'log') return
      this.#handles.get(msg.id)?.onMessage(msg)
    })
    const lost = (err: unknown) => {
      if (this.#worker !== worker) return
      this.#worker = null
      // Every member lost its heartbeat: have each rediscover its coordinator and rejoin.
      for (const h of this.#handles.values()) h.onWorkerLost(err)
    }
    worker.on('error', lost)
    worker.on('exit', (code) => lost(new Error(`heartbeat worker exited with code ${code}`)))
    // After the listeners: adding a 'message' listener refs the worker's port again, which kept the
    // process alive until the worker was terminated (~1 s after the last consumer's close()).
    worker.unref()
    this.#worker = worker
    return worker
  }
}

class WorkerHeartbeat implements HeartbeatHandle {
  readonly #host = WorkerHost.get()
  readonly #id: number
  readonly #options: HeartbeatOptions
  readonly #pollClock = new SharedArrayBuffer(8)
  readonly #pollView = new BigInt64Array(this.#pollClock)
  #addedInEpoch = -1
  #closed = false
  #leaveWaiters: Array<() => void> = []
  /** The application's OAUTHBEARER callback (the worker asks for a token per new connection). */
  #tokenSource: (() => OAuthBearerToken | Promise<OAuthBearerToken>) | null = null
  readonly stats: HeartbeatStats = { sent: 0, received: 0, lastSentMs: 0 }

  constructor(options: HeartbeatOptions) {
    this.#options = options
    this.#id = this.#host.register(this)
    this.notePoll()
  }

  notePoll(now = Date.now()): void {
    Atomics.store(this.#pollView, 0, BigInt(now))
  }

  #ensureAdded(identity: MemberIdentity): void {
    this.#host.ensure()
    if (this.#addedInEpoch === this.#host.epoch) return
    this.#host.post({ type: 'add', id: this.#id, pollClock: this.#pollClock, config: this.#options.config, identity })
    this.#addedInEpoch = this.#host.epoch
  }

  async start(identity: MemberIdentity, coordinatorId: number): Promise<void> {
    const at = Date.now()
    if (this.#closed) throw new ClosedError('heartbeat closed')
    const cluster = this.#options.cluster
    const conn = cluster.connectionOptions(coordinatorId)
    if (conn === undefined)
      throw new KafkaError(`no connection options for coordinator ${coordinatorId}`, 'ERR_COORDINATOR')
    const oauth = conn.sasl?.mechanism === 'OAUTHBEARER' ? conn.sasl : null
    const token = oauth === null ? undefined : await oauth.token()
    if (this.#closed) return
    this.#tokenSource = oauth === null ? null : oauth.token
    this.#ensureAdded(identity)
    this.#host.post({
      type: 'start',
      id: this.#id,
      identity: { ...identity },
      coordinator: cloneableConnectionOptions(conn, token),
      at,
    })
  }

  stop(): void {
    if (this.#addedInEpoch === this.#host.epoch && !this.#closed) this.#host.post({ type: 'stop', id: this.#id })
  }

  leave(reason: string): Promise<void> {
    if (this.#closed || this.#addedInEpoch !== this.#host.epoch) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, 5000)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#leaveWaiters.push(done)
      this.#host.post({ type: 'leave', id: this.#id, reason })
    })
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const w of this.#leaveWaiters.splice(0)) w()
    this.#host.unregister(this.#id)
  }

  onMessage(msg: FromWorker): void {
    if (this.#closed) return
    switch (msg.type) {
      case 'notice':
        this.#options.onNotice(msg.notice)
        break
      case 'heartbeat':
        updateHeartbeatStats(this.stats, msg.sent, msg.received)
        publishHeartbeat(this.#options.cluster, this.#options.identity.groupId, this.stats)
        break
      case 'left':
        for (const w of this.#leaveWaiters.splice(0)) w()
        break
      case 'token-request':
        this.#sendToken()
        break
    }
  }

  /** Calls the application's OAUTHBEARER callback for the worker's next connection. */
  #sendToken(): void {
    const source = this.#tokenSource
    if (source === null) return
    Promise.resolve()
      .then(source)
      .then(
        (token) => {
          if (this.#closed || this.#addedInEpoch !== this.#host.epoch) return
          const cloned = { value: token.value, extensions: { ...token.extensions } }
          this.#host.post({ type: 'token', id: this.#id, token: cloned })
        },
        (err: unknown) =>
          this.#options.logger?.warn(
            { err },
            'kafka-wire group: the OAUTHBEARER token for the heartbeat connection failed',
          ),
      )
  }

  onWorkerLost(err: unknown): void {
    if (this.#closed) return
    this.#options.logger?.warn({ err }, 'kafka-wire group: heartbeat worker lost')
    this.#options.onNotice({ type: 'coordinator', generationId: -1, errorCode: NO_RESPONSE })
  }
}

// ---------------------------------------------------------------------------------------------
// Main-thread fallback

class InProcessHeartbeat implements HeartbeatHandle {
  readonly #driver: HeartbeatDriver<number>
  #lastPoll: number
  #closed = false
  readonly #clock: Clock
  readonly stats: HeartbeatStats = { sent: 0, received: 0, lastSentMs: 0 }

  constructor(options: HeartbeatOptions) {
    const cluster = options.cluster
    this.#clock = options.clock ?? systemClock
    this.#lastPoll = this.#clock.now()
    this.#driver = new HeartbeatDriver<number>(
      {
        heartbeat: async (_id, nodeId, identity) =>
          (
            await cluster.send(
              nodeId,
              Apis.Heartbeat,
              {
                groupId: identity.groupId,
                generationId: identity.generationId,
                memberId: identity.memberId,
                groupInstanceId: identity.groupInstanceId,
              },
              { workload: 'group' },
            )
          ).errorCode,
        leaveGroup: async (_id, nodeId, identity, reason) => {
          const res = await cluster.send(
            nodeId,
            Apis.LeaveGroup,
            {
              groupId: identity.groupId,
              members: [{ memberId: identity.memberId, groupInstanceId: identity.groupInstanceId, reason }],
            },
            { workload: 'group' },
          )
          return res.errorCode
        },
      },
      (_id, notice) => options.onNotice(notice),
      this.#clock,
      (_id, hb) => {
        updateHeartbeatStats(this.stats, hb.sent, hb.received)
        publishHeartbeat(cluster, options.identity.groupId, this.stats)
      },
    )
    this.#driver.add(0, options.identity, options.config, () => this.#lastPoll)
  }

  notePoll(now = this.#clock.now()): void {
    this.#lastPoll = now
  }
  async start(identity: MemberIdentity, coordinatorId: number): Promise<void> {
    if (!this.#closed) this.#driver.start(0, identity, coordinatorId)
  }
  stop(): void {
    this.#driver.stop(0)
  }
  async leave(reason: string): Promise<void> {
    await this.#driver.leave(0, reason)
  }
  close(): void {
    this.#closed = true
    this.#driver.remove(0)
  }
}

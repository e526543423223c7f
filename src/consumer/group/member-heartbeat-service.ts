/**
 * The main thread's side of a next-generation member's heartbeat — a KIP-848 consumer-protocol
 * member (consumer-member.ts) or a KIP-932 share member (share/share-member.ts):
 * `createConsumerHeartbeat()` / `createShareHeartbeat()` give the membership a handle that places
 * the member's state machine in the heartbeat worker thread, tells it the coordinator, forwards
 * commands (subscribe, reconciled, rejoin, leave), records poll() calls in shared memory
 * (maxPollIntervalMs), and delivers the member's notices on the main thread.
 *
 * Two implementations, as for the classic protocol (heartbeat-service.ts):
 * - WorkerMemberHeartbeat (default): the process-wide heartbeat worker, its own connections, so a
 *   blocked main event loop does not stop heartbeats.
 * - InProcessMemberHeartbeat (`heartbeatThread: false`, unit tests): the same driver on the main
 *   loop, sending through the Cluster's 'group' connection.
 *
 * If the worker dies, its member state is gone: the handle reports the member fenced (the main side
 * runs onPartitionsLost where there is one, then subscribes and rejoins with epoch 0) and re-adds
 * itself to a new worker.
 */
import type { Cluster, OAuthBearerToken } from '../../cluster/index.js'
import { publishHeartbeat } from '../../diagnostics/index.js'
import { ErrorCode } from '../../error-codes.js'
import { KafkaError } from '../../errors.js'
import { type Clock, systemClock } from '../../internal/clock.js'
import type { Log } from '../../internal/log.js'
import { Apis } from '../../protocol/index.js'
import type { ShareHeartbeatResponseLike } from '../../share/heartbeat-state.js'
import {
  ShareMember,
  type ShareMemberCommand,
  type ShareMemberConfig,
  type ShareMemberNotice,
} from '../../share/share-member.js'
import { type HeartbeatStats, updateHeartbeatStats } from '../metrics.js'
import { consumerGroupHeartbeat, requireConsumerGroupHeartbeatV1 } from './consumer-heartbeat-transport.js'
import { ConsumerMember, type ConsumerMemberConfig, type MemberCommand, type MemberNotice } from './consumer-member.js'
import { cloneableConnectionOptions, type FromWorker, type ToWorker } from './heartbeat-protocol.js'
import { type WorkerClient, WorkerHost } from './heartbeat-service.js'
import { type HeartbeatMember, MemberHeartbeatDriver } from './member-heartbeat-driver.js'

export interface MemberHeartbeatHandle<Cmd> {
  /** The application called poll(): resets the maxPollIntervalMs clock. */
  notePoll(now?: number): void
  /** Heartbeat to this coordinator (null: none known). */
  setCoordinator(coordinatorId: number | null): Promise<void>
  command(cmd: Cmd): void
  close(): void
  readonly stats: HeartbeatStats
}

export type ConsumerHeartbeatHandle = MemberHeartbeatHandle<MemberCommand>
export type ShareHeartbeatHandle = MemberHeartbeatHandle<ShareMemberCommand>

interface CommonOptions<Notice> {
  cluster: Cluster
  onNotice: (notice: Notice) => void
  useThread: boolean
  logger?: Log
  clock?: Clock
}

export interface ConsumerHeartbeatOptions extends CommonOptions<MemberNotice> {
  config: ConsumerMemberConfig
}

export interface ShareHeartbeatOptions extends CommonOptions<ShareMemberNotice> {
  config: ShareMemberConfig
}

/** What tells the two kinds of member apart, for both implementations. */
interface Kind<Config, Req, Res, Cmd, Notice extends { type: string }> {
  add: (id: number, pollClock: SharedArrayBuffer, config: Config) => ToWorker
  create: (config: Config) => HeartbeatMember<Req, Res, Cmd, Notice>
  /** One heartbeat through the Cluster (the in-process implementation). */
  send: (cluster: Cluster, nodeId: number, request: Req) => Promise<Res>
  /** The worker died with the member's state: the notices that make the main side rejoin. */
  lost: Notice[]
  groupId: (config: Config) => string
}

const CONSUMER: Kind<ConsumerMemberConfig, unknown, unknown, MemberCommand, MemberNotice> = {
  add: (id, pollClock, config) => ({ type: 'member-add', kind: 'consumer', id, pollClock, config }),
  create: (config) => new ConsumerMember(config) as HeartbeatMember<unknown, unknown, MemberCommand, MemberNotice>,
  send: (cluster, nodeId, request) =>
    consumerGroupHeartbeat(() =>
      cluster.send(
        nodeId,
        Apis.ConsumerGroupHeartbeat,
        (version) => {
          requireConsumerGroupHeartbeatV1(version)
          return request as never
        },
        { workload: 'group' },
      ),
    ),
  lost: [
    { type: 'fenced', errorCode: ErrorCode.UNKNOWN_MEMBER_ID, message: 'heartbeat worker lost' },
    { type: 'coordinator', errorCode: ErrorCode.NETWORK_EXCEPTION },
  ],
  groupId: (config) => config.groupId,
}

const SHARE: Kind<ShareMemberConfig, unknown, unknown, ShareMemberCommand, ShareMemberNotice> = {
  add: (id, pollClock, config) => ({ type: 'member-add', kind: 'share', id, pollClock, config }),
  create: (config) =>
    new ShareMember(config) as HeartbeatMember<unknown, unknown, ShareMemberCommand, ShareMemberNotice>,
  send: (cluster, nodeId, request) =>
    cluster
      .send(nodeId, Apis.ShareGroupHeartbeat, request as never, { workload: 'group' })
      .then((res): ShareHeartbeatResponseLike => res),
  lost: [
    { type: 'fenced', errorCode: ErrorCode.UNKNOWN_MEMBER_ID, message: 'heartbeat worker lost' },
    { type: 'coordinator', errorCode: ErrorCode.NETWORK_EXCEPTION },
  ],
  groupId: (config) => config.groupId,
}

export function createConsumerHeartbeat(options: ConsumerHeartbeatOptions): ConsumerHeartbeatHandle {
  return options.useThread
    ? new WorkerMemberHeartbeat(CONSUMER, options)
    : new InProcessMemberHeartbeat(CONSUMER, options)
}

export function createShareHeartbeat(options: ShareHeartbeatOptions): ShareHeartbeatHandle {
  return options.useThread ? new WorkerMemberHeartbeat(SHARE, options) : new InProcessMemberHeartbeat(SHARE, options)
}

class WorkerMemberHeartbeat<Config, Cmd, Notice extends { type: string }>
  implements MemberHeartbeatHandle<Cmd>, WorkerClient
{
  readonly #host = WorkerHost.get()
  readonly #id: number
  readonly #kind: Kind<Config, unknown, unknown, Cmd, Notice>
  readonly #options: CommonOptions<Notice> & { config: Config }
  readonly #groupId: string
  readonly #pollClock = new SharedArrayBuffer(8)
  readonly #pollView = new BigInt64Array(this.#pollClock)
  #addedInEpoch = -1
  #closed = false
  #tokenSource: (() => OAuthBearerToken | Promise<OAuthBearerToken>) | null = null
  readonly stats: HeartbeatStats = { sent: 0, received: 0, lastSentMs: 0 }

  constructor(kind: Kind<Config, unknown, unknown, Cmd, Notice>, options: CommonOptions<Notice> & { config: Config }) {
    this.#kind = kind
    this.#options = options
    this.#groupId = kind.groupId(options.config)
    this.#id = this.#host.register(this)
    this.notePoll()
  }

  notePoll(now = Date.now()): void {
    Atomics.store(this.#pollView, 0, BigInt(now))
  }

  /** Adds the member to the (current) worker. False if it had to be (re)added: the worker's member is new. */
  #ensureAdded(): boolean {
    this.#host.ensure()
    if (this.#addedInEpoch === this.#host.epoch) return true
    this.#host.post(this.#kind.add(this.#id, this.#pollClock, this.#options.config))
    this.#addedInEpoch = this.#host.epoch
    return false
  }

  async setCoordinator(coordinatorId: number | null): Promise<void> {
    if (this.#closed) return
    if (coordinatorId === null) {
      this.#ensureAdded()
      this.#host.post({ type: 'member-coordinator', id: this.#id, coordinator: null })
      return
    }
    const conn = this.#options.cluster.connectionOptions(coordinatorId)
    if (conn === undefined)
      throw new KafkaError(`no connection options for coordinator ${coordinatorId}`, 'ERR_COORDINATOR')
    const oauth = conn.sasl?.mechanism === 'OAUTHBEARER' ? conn.sasl : null
    const token = oauth === null ? undefined : await oauth.token()
    if (this.#closed) return
    this.#tokenSource = oauth === null ? null : oauth.token
    this.#ensureAdded()
    this.#host.post({ type: 'member-coordinator', id: this.#id, coordinator: cloneableConnectionOptions(conn, token) })
  }

  command(cmd: Cmd): void {
    if (this.#closed) return
    this.#ensureAdded()
    this.#host.post({ type: 'member-command', id: this.#id, command: cmd as MemberCommand | ShareMemberCommand })
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#host.unregister(this.#id)
  }

  onMessage(msg: FromWorker): void {
    if (this.#closed) return
    switch (msg.type) {
      case 'member-notice':
        this.#options.onNotice(msg.notice as unknown as Notice)
        break
      case 'heartbeat':
        updateHeartbeatStats(this.stats, msg.sent, msg.received)
        publishHeartbeat(this.#options.cluster, this.#groupId, this.stats)
        break
      case 'token-request':
        this.#sendToken()
        break
    }
  }

  #sendToken(): void {
    const source = this.#tokenSource
    if (source === null) return
    Promise.resolve()
      .then(source)
      .then(
        (token) => {
          if (this.#closed || this.#addedInEpoch !== this.#host.epoch) return
          this.#host.post({
            type: 'token',
            id: this.#id,
            token: { value: token.value, extensions: { ...token.extensions } },
          })
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
    this.#addedInEpoch = -1
    for (const n of this.#kind.lost) this.#options.onNotice(n)
  }
}

class InProcessMemberHeartbeat<Config, Cmd, Notice extends { type: string }> implements MemberHeartbeatHandle<Cmd> {
  readonly #driver: MemberHeartbeatDriver<number, unknown, unknown, Cmd, Notice>
  #lastPoll: number
  #closed = false
  readonly #clock: Clock
  readonly stats: HeartbeatStats = { sent: 0, received: 0, lastSentMs: 0 }

  constructor(kind: Kind<Config, unknown, unknown, Cmd, Notice>, options: CommonOptions<Notice> & { config: Config }) {
    const cluster = options.cluster
    this.#clock = options.clock ?? systemClock
    this.#lastPoll = this.#clock.now()
    this.#driver = new MemberHeartbeatDriver<number, unknown, unknown, Cmd, Notice>(
      { heartbeat: (_id, nodeId, request) => kind.send(cluster, nodeId, request) },
      (_id, notice) => options.onNotice(notice),
      this.#clock,
      (_id, m) => {
        updateHeartbeatStats(this.stats, m.sent, m.received)
        publishHeartbeat(cluster, kind.groupId(options.config), this.stats)
      },
    )
    this.#driver.add(0, kind.create(options.config), () => this.#lastPoll)
  }

  notePoll(now = this.#clock.now()): void {
    this.#lastPoll = now
  }
  async setCoordinator(coordinatorId: number | null): Promise<void> {
    if (!this.#closed) this.#driver.setCoordinator(0, coordinatorId)
  }
  command(cmd: Cmd): void {
    if (!this.#closed) this.#driver.command(0, cmd)
  }
  close(): void {
    this.#closed = true
    this.#driver.remove(0)
  }
}

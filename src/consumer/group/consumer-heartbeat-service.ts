/**
 * The main thread's side of a KIP-848 member's heartbeat: `createConsumerHeartbeat()` gives
 * ConsumerProtocolMembership a handle that places the member's state machine (consumer-member.ts)
 * in the heartbeat worker thread, tells it the coordinator, forwards commands (subscribe,
 * reconciled, rejoin, leave), records poll() calls in shared memory (maxPollIntervalMs), and
 * delivers the member's notices on the main thread.
 *
 * Two implementations, as for the classic protocol (heartbeat-service.ts):
 * - WorkerConsumerHeartbeat (default): the process-wide heartbeat worker, its own connections, so a
 *   blocked main event loop does not stop heartbeats.
 * - InProcessConsumerHeartbeat (`heartbeatThread: false`, unit tests): the same driver on the main
 *   loop, sending through the Cluster's 'group' connection.
 *
 * If the worker dies, its member state is gone: the handle reports the member fenced (the main side
 * runs onPartitionsLost, then subscribes and rejoins with epoch 0) and re-adds itself to a new worker.
 */

import type { Cluster, OAuthBearerToken } from '../../cluster/index.js'
import { publishHeartbeat } from '../../diagnostics/index.js'
import { ErrorCode } from '../../error-codes.js'
import { KafkaError } from '../../errors.js'
import { type Clock, systemClock } from '../../internal/clock.js'
import type { Logger } from '../../internal/logger.js'
import { Apis } from '../../protocol/index.js'
import { ConsumerHeartbeatDriver } from './consumer-heartbeat-driver.js'
import { consumerGroupHeartbeat, requireConsumerGroupHeartbeatV1 } from './consumer-heartbeat-transport.js'
import type { ConsumerMemberConfig, MemberCommand, MemberNotice } from './consumer-member.js'
import { cloneableConnectionOptions, type FromWorker } from './heartbeat-protocol.js'
import { type WorkerClient, WorkerHost } from './heartbeat-service.js'

export interface ConsumerHeartbeatHandle {
  /** The application called poll(): resets the maxPollIntervalMs clock. */
  notePoll(now?: number): void
  /** Heartbeat to this coordinator (null: none known). */
  setCoordinator(coordinatorId: number | null): Promise<void>
  command(cmd: MemberCommand): void
  close(): void
  readonly stats: { sent: number; received: number }
}

export interface ConsumerHeartbeatOptions {
  cluster: Cluster
  config: ConsumerMemberConfig
  onNotice: (notice: MemberNotice) => void
  useThread: boolean
  logger?: Logger
  clock?: Clock
}

export function createConsumerHeartbeat(options: ConsumerHeartbeatOptions): ConsumerHeartbeatHandle {
  return options.useThread ? new WorkerConsumerHeartbeat(options) : new InProcessConsumerHeartbeat(options)
}

class WorkerConsumerHeartbeat implements ConsumerHeartbeatHandle, WorkerClient {
  readonly #host = WorkerHost.get()
  readonly #id: number
  readonly #options: ConsumerHeartbeatOptions
  readonly #pollClock = new SharedArrayBuffer(8)
  readonly #pollView = new BigInt64Array(this.#pollClock)
  #addedInEpoch = -1
  #closed = false
  #tokenSource: (() => OAuthBearerToken | Promise<OAuthBearerToken>) | null = null
  readonly stats = { sent: 0, received: 0 }

  constructor(options: ConsumerHeartbeatOptions) {
    this.#options = options
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
    this.#host.post({ type: 'cg-add', id: this.#id, pollClock: this.#pollClock, config: this.#options.config })
    this.#addedInEpoch = this.#host.epoch
    return false
  }

  async setCoordinator(coordinatorId: number | null): Promise<void> {
    if (this.#closed) return
    if (coordinatorId === null) {
      this.#ensureAdded()
      this.#host.post({ type: 'cg-coordinator', id: this.#id, coordinator: null })
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
    this.#host.post({ type: 'cg-coordinator', id: this.#id, coordinator: cloneableConnectionOptions(conn, token) })
  }

  command(cmd: MemberCommand): void {
    if (this.#closed) return
    this.#ensureAdded()
    this.#host.post({ type: 'cg-command', id: this.#id, command: cmd })
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#host.unregister(this.#id)
  }

  onMessage(msg: FromWorker): void {
    if (this.#closed) return
    switch (msg.type) {
      case 'cg-notice':
        this.#options.onNotice(msg.notice)
        break
      case 'heartbeat':
        this.stats.sent = msg.sent
        this.stats.received = msg.received
        publishHeartbeat(this.#options.cluster, this.#options.config.groupId, this.stats)
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
            `kafka-wire: OAUTHBEARER token for the heartbeat connection failed: ${String(err)}`,
          ),
      )
  }

  onWorkerLost(err: unknown): void {
    if (this.#closed) return
    this.#options.logger?.warn(`kafka-wire: heartbeat worker lost: ${String(err)}`)
    this.#addedInEpoch = -1
    this.#options.onNotice({ type: 'fenced', errorCode: ErrorCode.UNKNOWN_MEMBER_ID, message: 'heartbeat worker lost' })
    this.#options.onNotice({ type: 'coordinator', errorCode: ErrorCode.NETWORK_EXCEPTION })
  }
}

class InProcessConsumerHeartbeat implements ConsumerHeartbeatHandle {
  readonly #driver: ConsumerHeartbeatDriver<number>
  #lastPoll: number
  #closed = false
  readonly #clock: Clock
  readonly stats = { sent: 0, received: 0 }

  constructor(options: ConsumerHeartbeatOptions) {
    const cluster = options.cluster
    this.#clock = options.clock ?? systemClock
    this.#lastPoll = this.#clock.now()
    this.#driver = new ConsumerHeartbeatDriver<number>(
      {
        heartbeat: (_id, nodeId, request) =>
          consumerGroupHeartbeat(() =>
            cluster.send(
              nodeId,
              Apis.ConsumerGroupHeartbeat,
              (version) => {
                requireConsumerGroupHeartbeatV1(version)
                return request
              },
              { workload: 'group' },
            ),
          ),
      },
      (_id, notice) => options.onNotice(notice),
      this.#clock,
      (_id, m) => {
        this.stats.sent = m.sent
        this.stats.received = m.received
        publishHeartbeat(cluster, options.config.groupId, this.stats)
      },
    )
    this.#driver.add(0, options.config, () => this.#lastPoll)
  }

  notePoll(now = this.#clock.now()): void {
    this.#lastPoll = now
  }
  async setCoordinator(coordinatorId: number | null): Promise<void> {
    if (!this.#closed) this.#driver.setCoordinator(0, coordinatorId)
  }
  command(cmd: MemberCommand): void {
    if (!this.#closed) this.#driver.command(0, cmd)
  }
  close(): void {
    this.#closed = true
    this.#driver.remove(0)
  }
}

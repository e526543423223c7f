/**
 * The heartbeat thread: a node:worker_threads worker, one per process, serving every consumer of
 * the process (heartbeat-service.ts starts it). Each consumer gets its own connection to its group
 * coordinator, opened here from structured-cloned options (TLS and SASL included), so heartbeats
 * neither wait behind the main thread's JoinGroup/OffsetCommit traffic nor depend on the main event
 * loop: a synchronous handler that blocks the application's thread does not stop them.
 *
 * The application's last poll() time is read from shared memory written by the main thread: when
 * it is older than maxPollIntervalMs, the member leaves the group from here (Java's heartbeat
 * thread does the same), because the main thread may be the one that is stuck.
 *
 * This file is loaded as plain JavaScript from dist/ (see heartbeat-service.ts).
 */
import { parentPort } from 'node:worker_threads'
import { ErrorCode } from '../../errors.js'
import type { Connection, OAuthBearerToken } from '../../network/index.js'
import { connect } from '../../network/index.js'
import { Apis } from '../../protocol/index.js'
import type { ShareHeartbeatRequestBody, ShareHeartbeatResponseLike } from '../../share/heartbeat-state.js'
import { ShareMember, type ShareMemberCommand, type ShareMemberNotice } from '../../share/share-member.js'
import { consumerGroupHeartbeat, requireConsumerGroupHeartbeatV1 } from './consumer-heartbeat-transport.js'
import {
  type ConsumerHeartbeatRequest,
  type ConsumerHeartbeatResponse,
  ConsumerMember,
  type MemberCommand,
  type MemberNotice,
} from './consumer-member.js'
import { HeartbeatDriver, type HeartbeatTransport } from './heartbeat-driver.js'
import {
  type CloneableConnectionOptions,
  type FromWorker,
  type ToWorker,
  toConnectionOptions,
} from './heartbeat-protocol.js'
import type { MemberIdentity } from './heartbeat-state.js'
import { MemberHeartbeatDriver } from './member-heartbeat-driver.js'

const port = parentPort
if (port === null) throw new Error('heartbeat-worker.js must run in a worker thread')

function post(msg: FromWorker): void {
  port!.postMessage(msg)
}

/**
 * OAUTHBEARER tokens per member. The application's token callback lives on the main thread, so
 * a token comes with 'start' (fetched there just before) and, for every later connection, is
 * asked for with 'token-request': tokens are short-lived, and a generation can outlive many of
 * them (a broker with connections.max.reauth.ms ends each SASL session; KIP-368).
 */
const tokens = new Map<number, { token: OAuthBearerToken; unused: boolean }>()
const tokenWaiters = new Map<number, ((token: OAuthBearerToken) => void)[]>()
/** How long a new connection waits for a fresh token (the main thread may be busy) before it uses the last one. */
const TOKEN_WAIT_MS = 2000

function tokenFor(id: number): Promise<OAuthBearerToken> {
  const known = tokens.get(id)
  if (known === undefined) return Promise.reject(new Error('no OAUTHBEARER token for this member'))
  if (known.unused) {
    known.unused = false
    return Promise.resolve(known.token)
  }
  return new Promise((resolve) => {
    const waiters = tokenWaiters.get(id) ?? []
    tokenWaiters.set(id, waiters)
    const timer = setTimeout(() => {
      const i = waiters.indexOf(done)
      if (i >= 0) waiters.splice(i, 1)
      resolve(tokens.get(id)?.token ?? known.token)
    }, TOKEN_WAIT_MS)
    function done(token: OAuthBearerToken) {
      clearTimeout(timer)
      resolve(token)
    }
    waiters.push(done)
    if (waiters.length === 1) post({ type: 'token-request', id })
  })
}

function tokenArrived(id: number, token: OAuthBearerToken): void {
  const waiters = tokenWaiters.get(id) ?? []
  tokenWaiters.delete(id)
  tokens.set(id, { token, unused: waiters.length === 0 })
  for (const w of waiters) w(token)
}

/** One connection per member, reopened on failure, coordinator change or SASL session expiry. */
const connections = new Map<number, { key: string; conn: Promise<Connection> }>()

function connectionFor(id: number, options: CloneableConnectionOptions): Promise<Connection> {
  const key = `${options.host}:${options.port}`
  const existing = connections.get(id)
  if (existing !== undefined && existing.key === key) return existing.conn
  if (existing !== undefined) release(id)
  const conn = connect(
    toConnectionOptions(options, options.sasl?.mechanism === 'OAUTHBEARER' ? () => tokenFor(id) : undefined),
  )
  conn.catch(() => {
    if (connections.get(id)?.conn === conn) connections.delete(id)
  })
  connections.set(id, { key, conn })
  return conn
}

function release(id: number): void {
  const c = connections.get(id)
  if (c === undefined) return
  connections.delete(id)
  c.conn.then(
    (conn) => conn.close(),
    () => {},
  )
}

/** The member's connection, replaced first when its SASL session is about to end. */
async function usableConnection(id: number, coordinator: CloneableConnectionOptions): Promise<Connection> {
  const conn = await connectionFor(id, coordinator)
  if (conn.closed) {
    release(id)
    throw new Error('connection closed')
  }
  if (!conn.expired) return conn
  // KIP-368: the broker would close this connection at the next request. Open a new one,
  // authenticated afresh (with a fresh token for OAUTHBEARER).
  release(id)
  return connectionFor(id, coordinator)
}

const transport: HeartbeatTransport<CloneableConnectionOptions> = {
  async heartbeat(id, coordinator, identity: MemberIdentity) {
    const conn = await usableConnection(id, coordinator)
    const res = await conn.request(Apis.Heartbeat, {
      groupId: identity.groupId,
      generationId: identity.generationId,
      memberId: identity.memberId,
      groupInstanceId: identity.groupInstanceId,
    })
    return res.errorCode
  },
  async leaveGroup(id, coordinator, identity, reason) {
    // One attempt only: a closed connection is replaced rather than reported.
    const conn = await usableConnection(id, coordinator).catch(() => connectionFor(id, coordinator))
    const res = await conn.request(Apis.LeaveGroup, {
      groupId: identity.groupId,
      members: [{ memberId: identity.memberId, groupInstanceId: identity.groupInstanceId, reason }],
    })
    return res.errorCode !== ErrorCode.NONE ? res.errorCode : (res.members?.[0]?.errorCode ?? ErrorCode.NONE)
  },
  release,
}

const driver = new HeartbeatDriver<CloneableConnectionOptions>(
  transport,
  (id, notice) => post({ type: 'notice', id, notice }),
  undefined,
  (id, hb) => post({ type: 'heartbeat', id, sent: hb.sent, received: hb.received }),
)

/** KIP-848 members: ConsumerGroupHeartbeat on the same per-member connections. */
const consumerDriver = new MemberHeartbeatDriver<
  CloneableConnectionOptions,
  ConsumerHeartbeatRequest,
  ConsumerHeartbeatResponse,
  MemberCommand,
  MemberNotice
>(
  {
    async heartbeat(id, coordinator, request) {
      const conn = await usableConnection(id, coordinator)
      return consumerGroupHeartbeat(() => {
        const version = conn.versionFor(Apis.ConsumerGroupHeartbeat)
        requireConsumerGroupHeartbeatV1(version)
        return conn.request(Apis.ConsumerGroupHeartbeat, request, { version })
      })
    },
    release,
  },
  (id, notice) => post({ type: 'member-notice', id, notice }),
  undefined,
  (id, m) => post({ type: 'heartbeat', id, sent: m.sent, received: m.received }),
)

/** KIP-932 share members: ShareGroupHeartbeat on the same per-member connections. */
const shareDriver = new MemberHeartbeatDriver<
  CloneableConnectionOptions,
  ShareHeartbeatRequestBody,
  ShareHeartbeatResponseLike,
  ShareMemberCommand,
  ShareMemberNotice
>(
  {
    async heartbeat(id, coordinator, request) {
      const conn = await usableConnection(id, coordinator)
      return conn.request(Apis.ShareGroupHeartbeat, request)
    },
    release,
  },
  (id, notice) => post({ type: 'member-notice', id, notice }),
  undefined,
  (id, m) => post({ type: 'heartbeat', id, sent: m.sent, received: m.received }),
)

/** The driver that holds a next-generation member. */
function memberDriver(id: number) {
  return shareDriver.has(id) ? shareDriver : consumerDriver.has(id) ? consumerDriver : undefined
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'member-add': {
      const clock = new BigInt64Array(msg.pollClock)
      const lastPollAt = () => Number(Atomics.load(clock, 0))
      if (msg.kind === 'share') shareDriver.add(msg.id, new ShareMember(msg.config), lastPollAt)
      else consumerDriver.add(msg.id, new ConsumerMember(msg.config), lastPollAt)
      break
    }
    case 'member-coordinator':
      if (msg.coordinator?.sasl?.mechanism === 'OAUTHBEARER') tokenArrived(msg.id, msg.coordinator.sasl.token)
      memberDriver(msg.id)?.setCoordinator(msg.id, msg.coordinator)
      break
    case 'member-command': {
      if (shareDriver.has(msg.id)) shareDriver.command(msg.id, msg.command as ShareMemberCommand)
      else consumerDriver.command(msg.id, msg.command as MemberCommand)
      break
    }
    case 'add': {
      const clock = new BigInt64Array(msg.pollClock)
      driver.add(msg.id, msg.identity, msg.config, () => Number(Atomics.load(clock, 0)))
      break
    }
    case 'start':
      if (msg.coordinator.sasl?.mechanism === 'OAUTHBEARER') tokenArrived(msg.id, msg.coordinator.sasl.token)
      driver.start(msg.id, msg.identity, msg.coordinator, msg.at)
      break
    case 'token':
      tokenArrived(msg.id, msg.token)
      break
    case 'stop':
      driver.stop(msg.id)
      break
    case 'leave':
      driver.leave(msg.id, msg.reason).then((errorCode) => post({ type: 'left', id: msg.id, errorCode }))
      break
    case 'remove':
      driver.remove(msg.id)
      consumerDriver.remove(msg.id)
      shareDriver.remove(msg.id)
      release(msg.id)
      tokens.delete(msg.id)
      tokenWaiters.delete(msg.id)
      break
  }
})

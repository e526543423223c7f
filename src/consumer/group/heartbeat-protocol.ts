/**
 * Messages between the main thread (heartbeat-service.ts) and the heartbeat worker
 * (heartbeat-worker.ts). Everything here must survive structured cloning: no functions, no
 * class instances. One worker serves every consumer of the process; `id` names the consumer.
 */
import type { ConnectionOptions, OAuthBearerToken } from '../../cluster/index.js'
import type { ShareMemberCommand, ShareMemberConfig, ShareMemberNotice } from '../../share/share-member.js'
import type { ConsumerMemberConfig, MemberCommand, MemberNotice } from './consumer-member.js'
import type { HeartbeatConfig, HeartbeatNotice, MemberIdentity } from './heartbeat-state.js'

/** ConnectionOptions without functions (logger, signal, request observer, an OAUTHBEARER callback). */
export type CloneableConnectionOptions = Omit<ConnectionOptions, 'logger' | 'signal' | 'sasl' | 'requestObserver'> & {
  sasl?:
    | { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
    /** The token is fetched on the main thread (a callback cannot cross threads) and posted here. */
    | { mechanism: 'OAUTHBEARER'; token: OAuthBearerToken }
}

export type ToWorker =
  | {
      type: 'add'
      id: number
      /** BigInt64Array(1) over it: [0] = Date.now() of the application's last poll(), written by the main thread (Atomics). */
      pollClock: SharedArrayBuffer
      config: HeartbeatConfig
      identity: MemberIdentity
    }
  /**
   * (Re)start heartbeating for a generation, against this coordinator. `at`: Date.now() on the main
   * thread when the generation began; the interval and the session are counted from it, not from
   * when the worker gets the message (a worker that is still starting got it ~150 ms later here).
   */
  | { type: 'start'; id: number; identity: MemberIdentity; coordinator: CloneableConnectionOptions; at: number }
  /** Stop heartbeating (a rebalance is starting on the main side). */
  | { type: 'stop'; id: number }
  /** Send LeaveGroup now (if started) and stop; answered with 'left'. */
  | { type: 'leave'; id: number; reason: string }
  | { type: 'remove'; id: number }
  /** A fresh OAUTHBEARER token, answering 'token-request'. */
  | { type: 'token'; id: number; token: OAuthBearerToken }
  // Next-generation members — KIP-848 'consumer' protocol (consumer-member.ts) and KIP-932 share
  // groups (share/share-member.ts): the member's state machine lives in the worker; the main thread
  // reconciles and answers with commands.
  /** A member of either kind; `pollClock` as for 'add'. */
  | { type: 'member-add'; id: number; pollClock: SharedArrayBuffer; kind: 'consumer'; config: ConsumerMemberConfig }
  | { type: 'member-add'; id: number; pollClock: SharedArrayBuffer; kind: 'share'; config: ShareMemberConfig }
  /** Heartbeat to this coordinator (null: none known; heartbeats wait). */
  | { type: 'member-coordinator'; id: number; coordinator: CloneableConnectionOptions | null }
  /** ConsumerMember.handle / ShareMember.handle: subscribe, reconciled, rejoin, leave. */
  | { type: 'member-command'; id: number; command: MemberCommand | ShareMemberCommand }

export type FromWorker =
  | { type: 'notice'; id: number; notice: HeartbeatNotice }
  /** What a next-generation member tells the main thread (new target or assignment, epoch, fenced, stale, fatal, left). */
  | { type: 'member-notice'; id: number; notice: MemberNotice | ShareMemberNotice }
  | { type: 'left'; id: number; errorCode: number | null }
  | { type: 'heartbeat'; id: number; sent: number; received: number }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  /** The worker opens a new OAUTHBEARER connection: call the application's token callback. */
  | { type: 'token-request'; id: number }

/** Strips what cannot cross a thread boundary. `oauthToken` must be given for OAUTHBEARER. */
export function cloneableConnectionOptions(
  options: ConnectionOptions,
  oauthToken?: OAuthBearerToken,
): CloneableConnectionOptions {
  const { logger: _logger, signal: _signal, requestObserver: _observer, sasl, ...rest } = options
  const out: CloneableConnectionOptions = { ...rest }
  if (typeof out.tls === 'object' && out.tls !== null) out.tls = { ...out.tls }
  if (sasl !== undefined) {
    if (sasl.mechanism === 'OAUTHBEARER') {
      if (oauthToken === undefined) throw new Error('an OAUTHBEARER token is required for the heartbeat connection')
      out.sasl = {
        mechanism: 'OAUTHBEARER',
        token: { value: oauthToken.value, extensions: { ...oauthToken.extensions } },
      }
    } else {
      out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password }
    }
  }
  return out
}

/**
 * Rebuilds ConnectionOptions inside the worker. For OAUTHBEARER, `token` (when given) supplies the
 * token of each new connection; otherwise the one in `options` is used.
 */
export function toConnectionOptions(
  options: CloneableConnectionOptions,
  token?: () => Promise<OAuthBearerToken>,
): ConnectionOptions {
  const { sasl, ...rest } = options
  const out: ConnectionOptions = { ...rest, workload: 'group' }
  if (sasl !== undefined) {
    if (sasl.mechanism === 'OAUTHBEARER') {
      const fixed = sasl.token
      out.sasl = { mechanism: 'OAUTHBEARER', token: token ?? (() => fixed) }
    } else out.sasl = sasl
  }
  return out
}

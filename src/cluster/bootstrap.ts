/**
 * Bootstrapping (Java's ClientUtils / NetworkClient's bootstrap and rebootstrap): the first
 * broker list comes from any entry of `bootstrapServers`, tried in a random rotation over a
 * throwaway connection (its node id is not known yet; host names are resolved anew on every
 * attempt), retried with the one backoff until the deadline. Cluster owns the result (it applies
 * the Metadata response) and calls this again when no known broker answers or the cluster asks
 * for it (REBOOTSTRAP_REQUIRED).
 */
import { ClosedError, ProtocolError } from '../errors.js'
import type { Log } from '../internal/log.js'
import type { Connection, ConnectionOptions } from '../network/index.js'
import { Apis, type ResponseOf } from '../protocol/index.js'
import type { Endpoint } from './pool.js'
import { metadataRequest } from './request.js'
import { isRetriableError, withRetry } from './retry.js'

/**
 * Errors after which another broker (or a new connection) may succeed: retriable ones, and a
 * ProtocolError — a malformed frame fails only that connection.
 */
export function worthAnotherTry(err: unknown): boolean {
  return isRetriableError(err) || err instanceof ProtocolError
}

/** The bootstrap servers as endpoints (node id -1), starting at a random one. */
export function bootstrapEndpoints(list: readonly { host: string; port: number }[]): Endpoint[] {
  const start = Math.floor(Math.random() * list.length)
  const out: Endpoint[] = []
  for (let i = 0; i < list.length; i++) {
    const a = list[(start + i) % list.length]!
    out.push({ nodeId: -1, host: a.host, port: a.port })
  }
  return out
}

export interface BootstrapContext {
  bootstrapServers: readonly { host: string; port: number }[]
  connect: (options: ConnectionOptions) => Promise<Connection>
  baseConnectionOptions: Omit<ConnectionOptions, 'host' | 'port' | 'nodeId'>
  socketConnectionSetupTimeoutMs: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  logger: Log
  closed(): boolean
  /** The topics to ask metadata for (the tracked ones). */
  topics(): string[]
  /** Applies the first Metadata response; returns how many brokers are known now. */
  apply(response: ResponseOf<typeof Apis.Metadata>, requested: string[]): number
}

/** Fetches the broker list from the first bootstrap server that answers, retrying until `deadline`. */
export async function bootstrap(ctx: BootstrapContext, deadline: number): Promise<void> {
  // The first failure is a warning (a wrong address should not be silent); the retries until the
  // deadline are debug lines, not the same warning again and again.
  let warned = false
  await withRetry(
    async () => {
      let last: unknown
      for (const ep of bootstrapEndpoints(ctx.bootstrapServers)) {
        if (ctx.closed()) throw new ClosedError('The client is closed')
        try {
          // A throwaway connection: the bootstrap server's node id is not known yet.
          const conn = await ctx.connect({
            ...ctx.baseConnectionOptions,
            host: ep.host,
            port: ep.port,
            nodeId: -1,
            workload: 'admin',
            socketConnectionSetupTimeoutMs: Math.max(
              1,
              Math.min(ctx.socketConnectionSetupTimeoutMs, deadline - Date.now()),
            ),
          })
          let brokers: number
          try {
            const requested = ctx.topics()
            const version = conn.versionFor(Apis.Metadata)
            const res = await conn.request(Apis.Metadata, metadataRequest(version, requested, false), {
              version,
              timeoutMs: Math.max(1, deadline - Date.now()),
            })
            brokers = ctx.apply(res, requested)
          } finally {
            conn.close()
          }
          ctx.logger.debug({ broker: `${ep.host}:${ep.port}`, brokers }, 'kafka-wire: bootstrapped')
          return
        } catch (err) {
          if (!worthAnotherTry(err)) throw err
          last = err
          const context = { broker: `${ep.host}:${ep.port}`, err }
          if (warned) ctx.logger.debug(context, 'kafka-wire: bootstrap server failed')
          else ctx.logger.warn(context, 'kafka-wire: bootstrap server failed')
          warned = true
        }
      }
      throw last
    },
    {
      deadline,
      backoffMs: ctx.retryBackoffMs,
      backoffMaxMs: ctx.retryBackoffMaxMs,
      retriable: worthAnotherTry,
    },
  )
}

/**
 * Coordinator lookup (FindCoordinator) for consumer groups and transactional ids, cached until a
 * caller reports NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE (`invalidate`) or the coordinator's
 * connection fails (`invalidateNode`).
 *
 * Lookups requested in the same tick for the same key type share one request: FindCoordinator v4+
 * takes a batch of keys (KIP-699); older brokers get one v0–v3 request per key (v0 knows groups
 * only). Retriable per-key errors (COORDINATOR_NOT_AVAILABLE while __consumer_offsets is created,
 * COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR) are retried with backoff until the caller's
 * deadline. Owned by Cluster, which provides the transport.
 */
import { brokerError, ErrorCode, KafkaError, UnsupportedVersionError } from '../errors.js'
import { raceWith } from '../internal/deadline.js'
import { Apis, type RequestOf, type ResponseOf } from '../protocol/index.js'
import { withRetry } from './retry.js'

export type CoordinatorKeyType = 'group' | 'transaction'

const KEY_TYPE: Record<CoordinatorKeyType, number> = { group: 0, transaction: 1 }

/** Error codes after which a cached coordinator must be looked up again. */
export const COORDINATOR_MOVED: ReadonlySet<number> = new Set([
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
])

type FindCoordinatorApi = typeof Apis.FindCoordinator

export interface CoordinatorTransport {
  /** Sends a FindCoordinator built for the version of whichever broker takes it. */
  send(
    build: (version: number) => RequestOf<FindCoordinatorApi>,
    opts: { signal?: AbortSignal; deadline: number },
  ): Promise<{ version: number; response: ResponseOf<FindCoordinatorApi> }>
  /** Learns a coordinator's address (it may not be in the cached broker list yet). */
  registerEndpoint(nodeId: number, host: string, port: number): void
  retryBackoffMs: number
  retryBackoffMaxMs: number
}

interface Waiter {
  resolve(nodeId: number): void
  reject(err: unknown): void
}

interface Batch {
  keys: Map<string, Waiter[]>
  deadline: number
  signal: AbortSignal | undefined
}

export class Coordinators {
  readonly #t: CoordinatorTransport
  readonly #cache = new Map<string, number>()
  readonly #batches = new Map<CoordinatorKeyType, Batch>()

  constructor(transport: CoordinatorTransport) {
    this.#t = transport
  }

  cached(keyType: CoordinatorKeyType, key: string): number | undefined {
    return this.#cache.get(`${keyType}\u0000${key}`)
  }

  invalidate(keyType: CoordinatorKeyType, key: string): void {
    this.#cache.delete(`${keyType}\u0000${key}`)
  }

  /** Forgets every coordinator on `nodeId` (its connection failed or it left). */
  invalidateNode(nodeId: number): void {
    for (const [k, v] of this.#cache) if (v === nodeId) this.#cache.delete(k)
  }

  /** The coordinator's node id, from the cache or looked up (retrying retriable errors until `deadline`). */
  find(keyType: CoordinatorKeyType, key: string, opts: { signal?: AbortSignal; deadline: number }): Promise<number> {
    const hit = this.cached(keyType, key)
    if (hit !== undefined) return Promise.resolve(hit)
    return withRetry(
      async () => {
        const again = this.cached(keyType, key)
        if (again !== undefined) return again
        // The batch may be shared with callers that have other signals: stop waiting on abort.
        return raceWith(this.#lookup(keyType, key, opts), { signal: opts.signal }, `finding the coordinator of ${key}`)
      },
      {
        deadline: opts.deadline,
        backoffMs: this.#t.retryBackoffMs,
        backoffMaxMs: this.#t.retryBackoffMaxMs,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      },
    )
  }

  #lookup(keyType: CoordinatorKeyType, key: string, opts: { signal?: AbortSignal; deadline: number }): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let batch = this.#batches.get(keyType)
      if (batch === undefined) {
        batch = { keys: new Map(), deadline: opts.deadline, signal: opts.signal }
        this.#batches.set(keyType, batch)
        setImmediate(() => this.#flush(keyType))
      }
      batch.deadline = Math.max(batch.deadline, opts.deadline)
      // One caller's signal must not cancel another's lookup: a shared batch runs without signal.
      if (batch.signal !== opts.signal) batch.signal = undefined
      const waiters = batch.keys.get(key) ?? []
      waiters.push({ resolve, reject })
      batch.keys.set(key, waiters)
    })
  }

  async #flush(keyType: CoordinatorKeyType): Promise<void> {
    const batch = this.#batches.get(keyType)
    if (batch === undefined) return
    this.#batches.delete(keyType)
    const keys = [...batch.keys.keys()]
    const settle = (key: string, nodeId: number | undefined, err?: unknown) => {
      for (const w of batch.keys.get(key) ?? []) {
        if (err !== undefined) w.reject(err)
        else w.resolve(nodeId!)
      }
    }
    const opts = { deadline: batch.deadline, ...(batch.signal === undefined ? {} : { signal: batch.signal }) }
    try {
      const first = await this.#t.send((version) => {
        if (version >= 4) return { keyType: KEY_TYPE[keyType], coordinatorKeys: keys }
        if (version === 0 && keyType !== 'group') {
          throw new UnsupportedVersionError('FindCoordinator v0 cannot look up transaction coordinators')
        }
        return { keyType: KEY_TYPE[keyType], key: keys[0]! }
      }, opts)
      if (first.version >= 4) {
        const answered = new Set<string>()
        for (const c of first.response.coordinators) {
          answered.add(c.key)
          this.#apply(keyType, c.key, c, settle)
        }
        for (const k of keys) {
          if (!answered.has(k))
            settle(k, undefined, new KafkaError(`FindCoordinator did not answer for ${k}`, 'ERR_PROTOCOL'))
        }
        return
      }
      // v0–v3: one key per request; the first key went with `first`.
      this.#apply(keyType, keys[0]!, first.response, settle)
      await Promise.all(
        keys.slice(1).map(async (k) => {
          try {
            const r = await this.#t.send((version) => {
              if (version >= 4) return { keyType: KEY_TYPE[keyType], coordinatorKeys: [k] }
              return { keyType: KEY_TYPE[keyType], key: k }
            }, opts)
            const entry = r.version >= 4 ? r.response.coordinators.find((c) => c.key === k) : r.response
            if (entry === undefined) settle(k, undefined, new KafkaError(`FindCoordinator did not answer for ${k}`))
            else this.#apply(keyType, k, entry, settle)
          } catch (err) {
            settle(k, undefined, err)
          }
        }),
      )
    } catch (err) {
      for (const k of keys) settle(k, undefined, err)
    }
  }

  #apply(
    keyType: CoordinatorKeyType,
    key: string,
    c: { nodeId: number; host: string; port: number; errorCode: number; errorMessage: string | null },
    settle: (key: string, nodeId: number | undefined, err?: unknown) => void,
  ): void {
    if (c.errorCode !== ErrorCode.NONE) {
      // Name the group or transactional id: an authorization failure must say which resource it was.
      const about = `FindCoordinator for ${keyType} ${key}${c.errorMessage ? `: ${c.errorMessage}` : ''}`
      settle(key, undefined, brokerError(c.errorCode, about, { apiKey: Apis.FindCoordinator.apiKey }))
      return
    }
    this.#t.registerEndpoint(c.nodeId, c.host, c.port)
    this.#cache.set(`${keyType}\u0000${key}`, c.nodeId)
    settle(key, c.nodeId)
  }
}

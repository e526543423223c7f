/**
 * Cluster: the client's view of a Kafka cluster and the one way the producer, consumer and admin
 * client talk to brokers. Owns the metadata cache and its refreshes, the connection pool (one
 * connection per broker per workload), coordinator lookup, and routing (to a partition's leader,
 * to any broker, to the controller).
 *
 * - `connect()` bootstraps from any entry of bootstrapServers (bootstrap.ts: each tried in turn,
 *   host names resolved anew on every attempt), retrying with backoff until requestTimeoutMs.
 * - Metadata is refreshed every metadataMaxAgeMs, and promptly (coalesced, at most once per
 *   retryBackoffMs, growing on failures) when a client reports it stale (`invalidateMetadata()`:
 *   the clients classify their responses' error codes, see errors.ts `invalidatesMetadata`) or a
 *   broker connection fails. Cluster never looks inside responses for error codes.
 *   Topics named in topicMetadata()/refreshMetadata() are tracked and included in every refresh.
 *   When no known broker answers, the bootstrap servers are tried again (Java's
 *   metadata.recovery.strategy=rebootstrap).
 * - `send()` is one attempt on one broker: a failure to connect or a lost connection rejects with a
 *   retriable ConnectionError (the request may or may not have been applied) and callers decide.
 *   `sendAny()` / `sendToController()` retry retriable transport errors on other brokers with
 *   backoff until their deadline. An AuthenticationError is never retried anywhere; after one
 *   from bootstrapping, connect() fails with it until the reconnect backoff has passed.
 * - The version of every request is chosen in one place (`#sendTo`): the highest version both
 *   sides support, capped at the caller's `maxVersion`. A body may be given as `build(version)`
 *   when its shape depends on the version chosen.
 * - All timers are unref()'d; only pending requests keep the process alive.
 */
import { inspect } from 'node:util'
import { channels, traced } from '../diagnostics/index.js'
import { ErrorCode } from '../error-codes.js'
import {
  AbortError,
  AuthenticationError,
  brokerError,
  ClosedError,
  ConnectionError,
  KafkaError,
  TimeoutError,
  UnsupportedVersionError,
} from '../errors.js'
import { backoff } from '../internal/backoff.js'
import { raceWith } from '../internal/deadline.js'
import { redactOnInspect } from '../internal/logger.js'
import type { Connection, ConnectionOptions, ConnectionSensors, Workload } from '../network/index.js'
import { debugSensors, connect as openConnection } from '../network/index.js'
import { type ApiSchema, Apis, type RequestOf, type ResponseOf } from '../protocol/index.js'
import { AuthenticationBackoff } from './auth-backoff.js'
import { bootstrap, bootstrapEndpoints, worthAnotherTry } from './bootstrap.js'
import { type CoordinatorKeyType, Coordinators } from './coordinators.js'
import { type BrokerMetadata, MetadataCache, type TopicMetadata } from './metadata.js'
import { baseConnectionOptions, type ResolvedCommonOptions } from './options.js'
import { ConnectionPool, type Endpoint } from './pool.js'
import { chooseVersion, metadataRequest, type RequestBody, type SendOptions, type StaleMetadata } from './request.js'
import { isRetriableError, withRetry } from './retry.js'

export { metadataRequest, type RequestBody, type SendOptions, type StaleMetadata }

export interface ClusterConfig {
  /** Requests in flight per connection, per workload. Default: produce 5, fetch 5, group 32, admin 32. */
  maxInFlightRequests?: Partial<Record<Workload, number>>
  /** For tests: replaces network connect(). */
  connect?: (options: ConnectionOptions) => Promise<Connection>
  /**
   * The consumer's allow.auto.create.topics: metadata requests for the tracked topics ask the
   * broker to create missing ones (it does when auto.create.topics.enable). Default false.
   */
  allowAutoTopicCreation?: boolean
  /** Called with the topic errors (name → error code) of each metadata response that has some. */
  onTopicErrors?: (errors: ReadonlyMap<string, number>) => void
  /** The client's network metrics, given to every connection (network/metrics.ts). */
  sensors?: ConnectionSensors
}

const DEFAULT_MAX_IN_FLIGHT: Record<Workload, number> = { produce: 5, fetch: 5, group: 32, admin: 32 }

type MetadataApi = typeof Apis.Metadata

export class Cluster {
  readonly options: ResolvedCommonOptions
  readonly #metadata = new MetadataCache()
  readonly #pool: ConnectionPool
  readonly #coordinators: Coordinators
  readonly #connect: (options: ConnectionOptions) => Promise<Connection>
  /** Topics included in every refresh. */
  readonly #interest = new Set<string>()
  /** Addresses learnt from FindCoordinator for nodes not (yet) in the broker list. */
  readonly #extraEndpoints = new Map<number, Endpoint>()
  #connected: Promise<void> | undefined
  /** After a bootstrap's AuthenticationError, connect() fails with it until the backoff passes. */
  readonly #authBackoff: AuthenticationBackoff
  #closed = false
  #refreshInFlight: Promise<void> | undefined
  #refreshAgain: Promise<void> | undefined
  #refreshTimer: NodeJS.Timeout | undefined
  #periodicTimer: NodeJS.Timeout | undefined
  #refreshFailures = 0
  #lastRefreshAttempt = 0
  /** Nodes whose last connection attempt failed or whose connection broke. */
  readonly #unreachable = new Set<number>()
  #followUps = 0

  readonly #config: ClusterConfig
  /** The client's network metrics, with KAFKA_WIRE_DEBUG's protocol lines when enabled (network/debug.ts). */
  readonly #sensors: ConnectionSensors | undefined

  constructor(options: ResolvedCommonOptions, config: ClusterConfig = {}) {
    this.options = options
    this.#authBackoff = new AuthenticationBackoff(options.reconnectBackoffMs, options.reconnectBackoffMaxMs)
    this.#config = config
    this.#sensors = debugSensors(options.clientId, options.logger, config.sensors)
    this.#connect = config.connect ?? openConnection
    this.#pool = new ConnectionPool({
      base: baseConnectionOptions(this.options, this.#sensors),
      reconnectBackoffMs: options.reconnectBackoffMs,
      reconnectBackoffMaxMs: options.reconnectBackoffMaxMs,
      socketConnectionSetupTimeoutMs: options.socketConnectionSetupTimeoutMs,
      socketConnectionSetupTimeoutMaxMs: options.socketConnectionSetupTimeoutMaxMs,
      connectionsMaxIdleMs: options.connectionsMaxIdleMs,
      maxInFlightRequests: { ...DEFAULT_MAX_IN_FLIGHT, ...config.maxInFlightRequests },
      logger: options.logger,
      connect: this.#connect,
      onConnectionError: (ep, err) => this.#onConnectionError(ep, err),
      onConnected: (ep) => this.#unreachable.delete(ep.nodeId),
    })
    this.#coordinators = new Coordinators({
      send: async (build, opts) => {
        let version = -1
        const response = await this.#sendAnyBuilt(
          Apis.FindCoordinator,
          (v) => {
            version = v
            return build(v)
          },
          { signal: opts.signal, deadline: opts.deadline },
        )
        return { version, response }
      },
      registerEndpoint: (nodeId, host, port) => {
        const b = this.#metadata.brokers.get(nodeId)
        if (b === undefined || b.host !== host || b.port !== port)
          this.#extraEndpoints.set(nodeId, { nodeId, host, port })
      },
      retryBackoffMs: options.retryBackoffMs,
      retryBackoffMaxMs: options.retryBackoffMaxMs,
    })
  }

  // --- state ------------------------------------------------------------------------------------

  get brokers(): ReadonlyMap<number, BrokerMetadata> {
    return this.#metadata.brokers
  }

  get clusterId(): string | null {
    return this.#metadata.clusterId
  }

  get controllerId(): number {
    return this.#metadata.controllerId
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Open broker connections (Java's `connection-count`) and the brokers they go to, without I/O. */
  get connections(): { readonly count: number; readonly nodeIds: ReadonlySet<number> } {
    return { count: this.#pool.size, nodeIds: this.#pool.connectedNodeIds() }
  }

  /** Date.now() of the last metadata update (0 before the first). */
  get metadataUpdatedAt(): number {
    return this.#metadata.updatedAt
  }

  /** Cached metadata for a topic; no I/O. */
  topic(name: string): TopicMetadata | undefined {
    return this.#metadata.topic(name)
  }

  /** Cached metadata by topic id; no I/O. */
  topicById(topicId: string): TopicMetadata | undefined {
    return this.#metadata.topicById(topicId)
  }

  /** The cached leader of a partition, or undefined when unknown or leaderless. */
  leaderFor(topic: string, partition: number): { nodeId: number; leaderEpoch: number } | undefined {
    const p = this.#metadata.topic(topic)?.partitions[partition]
    if (p === undefined || p.leaderId < 0) return undefined
    return { nodeId: p.leaderId, leaderEpoch: p.leaderEpoch }
  }

  /**
   * Records a leader learnt from a Produce/Fetch response (KIP-951 currentLeader, with its endpoint
   * when given). Applied only if its epoch is newer than the cached one.
   */
  updateLeader(
    topic: string,
    partition: number,
    leaderId: number,
    leaderEpoch: number,
    endpoint?: { host: string; port: number; rack?: string | null },
  ): boolean {
    if (endpoint !== undefined && leaderId >= 0) {
      this.#metadata.addBroker({
        nodeId: leaderId,
        host: endpoint.host,
        port: endpoint.port,
        rack: endpoint.rack ?? null,
      })
    }
    return this.#metadata.updateLeader(topic, partition, leaderId, leaderEpoch)
  }

  // --- bootstrap and metadata ----------------------------------------------------------------------

  /** Bootstraps (fetches the broker list) once; later calls return the same promise. */
  connect(opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('The client is closed'))
    if (this.#connected === undefined) {
      const failed = this.#authBackoff.pending(Date.now())
      if (failed !== undefined) return Promise.reject(failed)
      const p = this.#bootstrap(Date.now() + (opts.timeoutMs ?? this.options.requestTimeoutMs))
      this.#connected = p
      p.then(
        () => this.#authBackoff.succeeded(),
        (err: unknown) => {
          if (this.#connected === p) this.#connected = undefined
          this.#authBackoff.failed(err, Date.now())
        },
      )
    }
    return raceWith(this.#connected, { signal: opts.signal }, 'bootstrapping')
  }

  /**
   * Metadata for these topics: from the cache when fresh, else refreshed. Unknown topics (and other
   * retriable topic errors) are retried until timeoutMs (default requestTimeoutMs), then the last
   * error — an UnknownTopicOrPartitionError naming the topic — is thrown.
   */
  async topicMetadata(
    topics: string[],
    opts: { timeoutMs?: number; signal?: AbortSignal; allowAutoTopicCreation?: boolean } = {},
  ): Promise<Map<string, TopicMetadata>> {
    const deadline = Date.now() + (opts.timeoutMs ?? this.options.requestTimeoutMs)
    await this.connect({ signal: opts.signal, timeoutMs: Math.max(1, deadline - Date.now()) })
    for (const t of topics) this.#interest.add(t)
    let first = true
    let topicError: KafkaError | undefined
    return withRetry(
      async () => {
        const stale = this.#metadata.isStale(Date.now(), this.options.metadataMaxAgeMs)
        const missing = topics.filter((t) => this.#metadata.topic(t) === undefined)
        if (!first || stale || missing.length > 0) {
          if ((opts.allowAutoTopicCreation ?? this.#config.allowAutoTopicCreation) && missing.length > 0) {
            await this.#refresh(missing, { signal: opts.signal, deadline, allowAutoTopicCreation: true })
          } else {
            await raceWith(this.#coalescedRefresh(), { signal: opts.signal, deadline }, 'refreshing metadata')
          }
        }
        first = false
        const out = new Map<string, TopicMetadata>()
        for (const t of topics) {
          const md = this.#metadata.topic(t)
          const code = this.#metadata.topicError(t)
          if (md !== undefined && md.partitions.length > 0 && (code === undefined || !this.#isTopicErrorFatal(code))) {
            out.set(t, md)
          } else {
            topicError = brokerError(code ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, {
              topic: t,
              apiKey: Apis.Metadata.apiKey,
            })
            throw topicError
          }
        }
        return out
      },
      this.#retryOptions(deadline, opts.signal),
    ).catch((err: unknown) => {
      // Out of time in the middle of a refresh: the topic's error says more than the timeout.
      throw err instanceof TimeoutError && topicError !== undefined ? topicError : err
    })
  }

  /**
   * Refreshes metadata now: the tracked topics (default), these topics (added to the tracked ones),
   * or every topic in the cluster ('all').
   */
  async refreshMetadata(
    opts: { topics?: string[] | 'all'; signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? this.options.requestTimeoutMs)
    await this.connect({ signal: opts.signal, timeoutMs: Math.max(1, deadline - Date.now()) })
    if (opts.topics === 'all') {
      await this.#refresh('all', { signal: opts.signal, deadline })
      return
    }
    for (const t of opts.topics ?? []) this.#interest.add(t)
    await raceWith(this.#coalescedRefresh(), { signal: opts.signal, deadline }, 'refreshing metadata')
  }

  /**
   * A client saw that cached metadata is stale (an error code whose `invalidatesMetadata` flag is
   * set, a partition without a leader, ...): refresh promptly (asynchronous, coalesced,
   * rate-limited by retryBackoffMs). Cluster never infers this from responses itself.
   */
  invalidateMetadata(cause: StaleMetadata = {}): void {
    if (cause.topic !== undefined) this.#interest.add(cause.topic)
    if (cause.reason !== undefined || cause.topic !== undefined) {
      this.options.logger.debug({ topic: cause.topic, reason: cause.reason }, 'kafka-wire: metadata is stale')
    }
    this.#scheduleRefresh(this.#refreshFailures)
  }

  /** `invalidateMetadata()` without a cause. */
  requestMetadataRefresh(): void {
    this.#scheduleRefresh(this.#refreshFailures)
  }

  /** A background refresh no sooner than backoff(attempt) after the previous attempt. */
  #scheduleRefresh(attempt: number): void {
    if (this.#closed || this.#refreshTimer !== undefined || this.#connected === undefined) return
    const gap = backoff(attempt, this.options.retryBackoffMs, this.options.retryBackoffMaxMs)
    const delay = Math.max(0, this.#lastRefreshAttempt + gap - Date.now())
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined
      this.#coalescedRefresh().catch((err) => {
        this.options.logger.debug({ err }, 'kafka-wire: background metadata refresh failed')
        if (isRetriableError(err)) this.requestMetadataRefresh()
      })
    }, delay)
    this.#refreshTimer.unref()
  }

  /** Stops tracking topics (they are no longer refreshed). */
  forgetTopics(topics: Iterable<string>): void {
    for (const t of topics) this.#interest.delete(t)
  }

  // --- requests -----------------------------------------------------------------------------------

  /**
   * One attempt to send to `nodeId` over its connection for `opts.workload` (default 'admin'), at
   * min(negotiated, `opts.maxVersion`). `body` may be `build(version)`.
   */
  async send<A extends ApiSchema<any, any>>(
    nodeId: number,
    api: A,
    body: RequestBody<A>,
    opts: SendOptions = {},
  ): Promise<ResponseOf<A>> {
    if (this.#closed) throw new ClosedError('The client is closed')
    const deadline = Date.now() + (opts.timeoutMs ?? this.options.requestTimeoutMs)
    const endpoint = this.#endpoint(nodeId)
    if (endpoint === undefined) {
      this.requestMetadataRefresh()
      throw new ConnectionError(`Broker ${nodeId} is not in the cluster metadata`, { broker: nodeId })
    }
    return this.#sendTo(endpoint, api, body, opts, deadline)
  }

  /** Sends to any live broker (least loaded first), trying others on transport errors until the deadline. */
  async sendAny<A extends ApiSchema<any, any>>(
    api: A,
    body: RequestBody<A>,
    opts: SendOptions = {},
  ): Promise<ResponseOf<A>> {
    if (this.#closed) throw new ClosedError('The client is closed')
    const deadline = Date.now() + (opts.timeoutMs ?? this.options.requestTimeoutMs)
    await this.connect({ signal: opts.signal, timeoutMs: Math.max(1, deadline - Date.now()) })
    return this.#sendAnyBuilt(api, body, { ...opts, deadline })
  }

  /**
   * Sends to the controller reported by metadata (in KRaft, a broker that forwards to the active
   * controller); on transport errors refreshes metadata and retries until the deadline.
   */
  async sendToController<A extends ApiSchema<any, any>>(
    api: A,
    body: RequestBody<A>,
    opts: SendOptions = {},
  ): Promise<ResponseOf<A>> {
    if (this.#closed) throw new ClosedError('The client is closed')
    const deadline = Date.now() + (opts.timeoutMs ?? this.options.requestTimeoutMs)
    await this.connect({ signal: opts.signal, timeoutMs: Math.max(1, deadline - Date.now()) })
    return withRetry(
      async (attempt) => {
        if (attempt > 0) {
          await raceWith(this.#coalescedRefresh(), { signal: opts.signal, deadline }, 'refreshing metadata').catch(
            () => {},
          )
        }
        const endpoint = this.#endpoint(this.#metadata.controllerId)
        if (endpoint === undefined) return this.#sendAnyBuilt(api, body, { ...opts, deadline })
        return this.#sendTo(endpoint, api, body, opts, deadline)
      },
      this.#retryOptions(deadline, opts.signal),
    )
  }

  /**
   * The version that would be used for `api` on `nodeId` (connecting if needed), for inspection
   * (tests, diagnostics). Senders never need it: `send()` takes `maxVersion` and a `build(version)` body.
   */
  async versionFor(nodeId: number, api: ApiSchema<any, any>): Promise<number> {
    const existing = this.#pool.existing(nodeId)
    if (existing !== undefined) return existing.versionFor(api)
    const endpoint = this.#endpoint(nodeId)
    if (endpoint === undefined)
      throw new ConnectionError(`Broker ${nodeId} is not in the cluster metadata`, { broker: nodeId })
    const conn = await this.#pool.acquire(endpoint, 'admin', { deadline: Date.now() + this.options.requestTimeoutMs })
    return conn.versionFor(api)
  }

  /** The coordinator of a group or transactional id (cached; FindCoordinator when unknown). */
  async findCoordinator(
    keyType: CoordinatorKeyType,
    key: string,
    opts: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<number> {
    if (this.#closed) throw new ClosedError('The client is closed')
    const deadline = Date.now() + (opts.timeoutMs ?? this.options.requestTimeoutMs)
    await this.connect({ signal: opts.signal, timeoutMs: Math.max(1, deadline - Date.now()) })
    return this.#coordinators.find(keyType, key, { deadline, ...(opts.signal ? { signal: opts.signal } : {}) })
  }

  /** Forgets a cached coordinator (after NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE). */
  invalidateCoordinator(keyType: CoordinatorKeyType, key: string): void {
    this.#coordinators.invalidate(keyType, key)
  }

  /**
   * Everything needed to open one's own connection to `nodeId` (e.g. on a worker thread). Holds
   * credentials: it prints redacted, but do not log its fields.
   */
  connectionOptions(nodeId: number): ConnectionOptions | undefined {
    const endpoint = this.#endpoint(nodeId)
    if (endpoint === undefined) return undefined
    const { sensors: _, ...base } = baseConnectionOptions(this.options, this.#sensors) // for another thread: not cloneable
    return redactOnInspect({ ...base, host: endpoint.host, port: endpoint.port, nodeId }, 'ConnectionOptions')
  }

  /** Closes every connection (pending requests fail with ClosedError) and stops all timers. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#refreshTimer !== undefined) clearTimeout(this.#refreshTimer)
    if (this.#periodicTimer !== undefined) clearTimeout(this.#periodicTimer)
    this.#pool.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  [inspect.custom](): string {
    return `Cluster ${inspect({
      clientId: this.options.clientId,
      bootstrapServers: this.options.bootstrapServers.map((b) => `${b.host}:${b.port}`),
      clusterId: this.clusterId,
      brokers: [...this.brokers.values()].map((b) => `${b.nodeId}@${b.host}:${b.port}`),
      controllerId: this.controllerId,
      tls: this.options.tls !== undefined,
      sasl: this.options.sasl?.mechanism ?? null,
      openConnections: this.#pool.size,
      closed: this.#closed,
    })}`
  }

  // --- internals ----------------------------------------------------------------------------------

  #retryOptions(deadline: number, signal: AbortSignal | undefined) {
    return {
      deadline,
      backoffMs: this.options.retryBackoffMs,
      backoffMaxMs: this.options.retryBackoffMaxMs,
      ...(signal === undefined ? {} : { signal }),
    }
  }

  #endpoint(nodeId: number): Endpoint | undefined {
    const b = this.#metadata.brokers.get(nodeId)
    if (b !== undefined) return { nodeId, host: b.host, port: b.port }
    return this.#extraEndpoints.get(nodeId)
  }

  /** Topic errors that retrying cannot fix. */
  #isTopicErrorFatal(code: number): boolean {
    const e = brokerError(code)
    return !e.retriable
  }

  #bootstrap(deadline: number): Promise<void> {
    const o = this.options
    return bootstrap(
      {
        bootstrapServers: o.bootstrapServers,
        connect: this.#connect,
        baseConnectionOptions: baseConnectionOptions(this.options, this.#sensors),
        socketConnectionSetupTimeoutMs: o.socketConnectionSetupTimeoutMs,
        retryBackoffMs: o.retryBackoffMs,
        retryBackoffMaxMs: o.retryBackoffMaxMs,
        logger: o.logger,
        closed: () => this.#closed,
        topics: () => [...this.#interest],
        apply: (res, requested) => {
          this.#applyMetadata(res, requested)
          return this.brokers.size
        },
      },
      deadline,
    )
  }

  /** One refresh of the tracked topics at a time; callers arriving meanwhile share the next one. */
  #coalescedRefresh(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('The client is closed'))
    if (this.#refreshInFlight !== undefined) {
      this.#refreshAgain ??= this.#refreshInFlight
        .catch(() => {})
        .then(() => {
          this.#refreshAgain = undefined
          return this.#coalescedRefresh()
        })
      return this.#refreshAgain
    }
    const p = this.#refresh([...this.#interest], {
      deadline: Date.now() + this.options.requestTimeoutMs,
      allowAutoTopicCreation: this.#config.allowAutoTopicCreation ?? false,
    }).finally(() => {
      if (this.#refreshInFlight === p) this.#refreshInFlight = undefined
    })
    this.#refreshInFlight = p
    p.catch(() => {})
    return p
  }

  async #refresh(
    topics: string[] | 'all',
    opts: { signal?: AbortSignal | undefined; deadline: number; allowAutoTopicCreation?: boolean },
  ): Promise<void> {
    this.#lastRefreshAttempt = Date.now()
    try {
      const send = () =>
        this.#sendAnyBuilt(Apis.Metadata, (v) => metadataRequest(v, topics, opts.allowAutoTopicCreation ?? false), {
          signal: opts.signal,
          deadline: opts.deadline,
        })
      const { metadataRefresh } = channels
      const clientId = this.options.clientId
      const res = await (metadataRefresh.hasSubscribers ? traced(metadataRefresh, { clientId, topics }, send) : send())
      if (res.errorCode === ErrorCode.REBOOTSTRAP_REQUIRED) {
        this.options.logger.warn({}, 'kafka-wire: the cluster asked for a rebootstrap')
        this.#connected = undefined
        await this.connect({
          ...(opts.signal ? { signal: opts.signal } : {}),
          timeoutMs: Math.max(1, opts.deadline - Date.now()),
        })
        return
      }
      this.#applyMetadata(res, topics)
      this.#refreshFailures = 0
    } catch (err) {
      this.#refreshFailures++
      throw err
    }
  }

  #applyMetadata(res: ResponseOf<MetadataApi>, requested: readonly string[] | 'all'): void {
    const result = this.#metadata.update(res, Date.now(), requested)
    if (result.topicErrors.size > 0) this.#config.onTopicErrors?.(result.topicErrors)
    for (const id of result.removedBrokers) {
      this.#pool.closeNode(id)
      this.#coordinators.invalidateNode(id)
    }
    for (const id of this.#extraEndpoints.keys()) if (this.#metadata.brokers.has(id)) this.#extraEndpoints.delete(id)
    if (result.staleIgnored > 0) {
      this.options.logger.debug(
        { count: result.staleIgnored },
        'kafka-wire: ignored partitions with an older leader epoch',
      )
    }
    this.#schedulePeriodicRefresh()
    this.#followUpUnreachableLeaders()
  }

  #schedulePeriodicRefresh(): void {
    if (this.#closed) return
    if (this.#periodicTimer !== undefined) clearTimeout(this.#periodicTimer)
    this.#periodicTimer = setTimeout(
      () => {
        this.#periodicTimer = undefined
        this.#coalescedRefresh().catch((err) => {
          this.options.logger.debug({ err }, 'kafka-wire: periodic metadata refresh failed')
          this.requestMetadataRefresh()
        })
      },
      Math.max(this.options.metadataMaxAgeMs, 1),
    )
    this.#periodicTimer.unref()
  }

  #onConnectionError(ep: Endpoint, err: Error): void {
    if (this.#closed || err instanceof AuthenticationError || err instanceof AbortError) return
    if (ep.nodeId >= 0) {
      this.#unreachable.add(ep.nodeId)
      this.#coordinators.invalidateNode(ep.nodeId)
      this.requestMetadataRefresh()
    }
  }

  /**
   * While a partition leader in the cache is a node we could not reach, keep refreshing (with
   * backoff up to retryBackoffMaxMs): the cluster has not fenced it yet, and the new leader shows up
   * only in a later answer. Stops once the node is reachable again or no longer leads anything.
   */
  #followUpUnreachableLeaders(): void {
    for (const id of this.#unreachable) if (!this.#metadata.brokers.has(id)) this.#unreachable.delete(id)
    let leads = false
    if (this.#unreachable.size > 0) {
      outer: for (const name of this.#interest) {
        for (const p of this.#metadata.topic(name)?.partitions ?? []) {
          if (this.#unreachable.has(p.leaderId)) {
            leads = true
            break outer
          }
        }
      }
    }
    if (leads) this.#scheduleRefresh(++this.#followUps)
    else this.#followUps = 0
  }

  /** Candidates for sendAny: connected brokers (least loaded first), then others, then bootstrap servers. */
  #candidates(): Endpoint[] {
    const now = Date.now()
    const known: Endpoint[] = []
    for (const b of this.#metadata.brokers.values()) known.push({ nodeId: b.nodeId, host: b.host, port: b.port })
    // Shuffle, then stable-sort by (connected, not in backoff, load).
    for (let i = known.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      ;[known[i], known[j]] = [known[j]!, known[i]!]
    }
    const rank = (ep: Endpoint) =>
      (this.#pool.isConnected(ep) ? 0 : 2) + (this.#pool.backoffRemaining(ep, now) > 0 ? 4 : 0)
    known.sort((a, b) => rank(a) - rank(b) || this.#pool.load(a) - this.#pool.load(b))
    return [...known, ...bootstrapEndpoints(this.options.bootstrapServers)]
  }

  async #sendAnyBuilt<A extends ApiSchema<any, any>>(
    api: A,
    build: RequestBody<A>,
    opts: SendOptions & { deadline: number },
  ): Promise<ResponseOf<A>> {
    const deadline = opts.deadline
    return withRetry(
      async () => {
        let last: unknown
        for (const ep of this.#candidates()) {
          if (Date.now() >= deadline) break
          try {
            return await this.#sendTo(ep, api, build, opts, deadline)
          } catch (err) {
            if (!worthAnotherTry(err) || this.#closed) throw err
            last = err
          }
        }
        throw last ?? new ConnectionError('No broker is reachable')
      },
      { ...this.#retryOptions(deadline, opts.signal), retriable: worthAnotherTry },
    )
  }

  async #sendTo<A extends ApiSchema<any, any>>(
    ep: Endpoint,
    api: A,
    build: RequestBody<A>,
    opts: SendOptions,
    deadline: number,
  ): Promise<ResponseOf<A>> {
    const workload = opts.workload ?? 'admin'
    const conn = await this.#pool.acquire(ep, workload, { deadline, ...(opts.signal ? { signal: opts.signal } : {}) })
    const version = chooseVersion(conn, api, opts.maxVersion, ep.nodeId)
    let body: RequestOf<A>
    if (typeof build === 'function') {
      try {
        body = build(version)
      } catch (err) {
        if (err instanceof KafkaError) throw err
        throw new UnsupportedVersionError(String(err))
      }
    } else body = build
    return conn.request(api, body, {
      version,
      timeoutMs: Math.max(1, deadline - Date.now()),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.expectResponse === false ? { expectResponse: false } : {}),
    })
  }
}

/**
 * The consumer's metrics with the Java consumer's names (KafkaConsumer.metrics(): FetchMetricsManager,
 * ConsumerCoordinator's sensors, the Selector's): `consumer-fetch-manager-metrics`,
 * `consumer-coordinator-metrics`, `consumer-metrics` and `consumer-node-metrics`.
 * docs/observability.md, "Client metrics", lists them with their meanings.
 *
 * Fed once per Fetch response (fetcher.ts onResponse: latency, bytes, the records its batches hold),
 * once per collect() (records consumed, each returned partition's lag), once per OffsetCommit
 * (offsets.ts) and per rebalance (group/classic.ts, group/consumer-protocol-membership.ts); never
 * per record. Heartbeats run on the heartbeat thread: their counts arrive with its messages
 * (HeartbeatStats) and heartbeat-rate is brought up to date when a snapshot is taken.
 */
import { type ConnectionSensors, NetworkMetrics } from '../cluster/index.js'
import { type Metric, Metrics, type Rate, type Sensor, type Stat, Total } from '../internal/metrics.js'
import type { Apis, ResponseOf } from '../protocol/index.js'
import { countRecords } from '../protocol/records/scan.js'
import type { TopicPartitionState } from './subscription-state.js'

const FETCH = 'consumer-fetch-manager-metrics'
const COORDINATOR = 'consumer-coordinator-metrics'

/** The heartbeat thread's counts as the main thread sees them (group/heartbeat-service.ts). */
export interface HeartbeatStats {
  sent: number
  received: number
  /** Date.now() when the last heartbeat was sent (0: none yet). */
  lastSentMs: number
}

/** The heartbeat thread reported its counts: keeps `stats` (and when the last heartbeat was sent) up to date. */
export function updateHeartbeatStats(stats: HeartbeatStats, sent: number, received: number): void {
  if (sent > stats.sent) stats.lastSentMs = Date.now()
  stats.sent = sent
  stats.received = received
}

/** What the Fetcher reports (fetcher.ts FetcherContext.sensors). */
export interface FetchSensors {
  fetchResponse(res: ResponseOf<typeof Apis.Fetch>, latencyMs: number, now: number): void
  /** collect() returned `records` records. */
  consumed(records: number, now: number): void
  /** collect() returned records of `s`, whose position advanced. */
  lag(s: TopicPartitionState, now: number): void
}

/** What a group membership reports (rebalance-latency). */
export interface GroupSensors {
  rebalanceStarted(now: number): void
  rebalanceCompleted(now: number): void
}

/** What the commit path reports (offsets.ts). */
export interface CommitSensors {
  committed(latencyMs: number, now: number): void
}

export interface ConsumerMetricsSources {
  assignedPartitions: () => number
  /** The membership's heartbeat counts; undefined without a group. */
  heartbeats: () => HeartbeatStats | undefined
}

export class ConsumerMetrics implements FetchSensors, GroupSensors, CommitSensors {
  readonly registry: Metrics
  /** Handed to the consumer's Cluster: connection and byte counts. */
  readonly network: ConnectionSensors
  readonly #fetch: Sensor
  readonly #bytes: Sensor
  readonly #recordsPerRequest: Sensor
  readonly #throttle: Sensor
  readonly #consumed: Sensor
  readonly #lag: Sensor
  readonly #commit: Sensor
  readonly #rebalance: Sensor
  #rebalanceStartMs = -1
  #lastRebalanceMs = -1

  constructor(clientId: string, sources: ConsumerMetricsSources) {
    const m = (this.registry = new Metrics({ tags: { 'client-id': clientId } }))
    this.network = new NetworkMetrics(m, 'consumer')
    ;({ fetch: this.#fetch, bytes: this.#bytes, throttle: this.#throttle } = fetchSensors(m, FETCH))
    this.#recordsPerRequest = m
      .sensor()
      .add(
        { name: 'records-per-request-avg', group: FETCH, description: 'The average number of records in each request' },
        m.avg(),
      )
    this.#consumed = m.sensor().meter('records-consumed', FETCH, 'records consumed')
    this.#lag = m.sensor().add(
      {
        name: 'records-lag-max',
        group: FETCH,
        description: 'The maximum lag in terms of number of records for any partition in this window',
      },
      m.max(),
    )
    this.#commit = m
      .sensor()
      .avgMax('commit-latency', COORDINATOR, 'time taken for a commit request in ms')
      .meter('commit', COORDINATOR, 'commit calls', { count: true })
    this.#rebalance = m
      .sensor()
      .avgMax('rebalance-latency', COORDINATOR, 'time taken for a group to complete a successful rebalance, in ms')
      .add(
        {
          name: 'rebalance-latency-total',
          group: COORDINATOR,
          description:
            'The total number of milliseconds this consumer has spent in successful rebalances since creation',
        },
        new Total(),
      )
      .add(
        { name: 'rebalance-total', group: COORDINATOR, description: 'The total number of successful rebalance events' },
        new Total(true),
      )
      .add(
        {
          name: 'rebalance-rate-per-hour',
          group: COORDINATOR,
          description: 'The number of successful rebalance events per hour',
        },
        perHour(m.rate(true)),
      )
    m.gauge(
      {
        name: 'last-rebalance-seconds-ago',
        group: COORDINATOR,
        description: 'The number of seconds since the last successful rebalance event (NaN before the first)',
      },
      (now) => (this.#lastRebalanceMs < 0 ? Number.NaN : Math.floor((now - this.#lastRebalanceMs) / 1000)),
    )
    m.gauge(
      {
        name: 'assigned-partitions',
        group: COORDINATOR,
        description: 'The number of partitions currently assigned to this consumer',
      },
      sources.assignedPartitions,
    )
    registerHeartbeatMetrics(m, COORDINATOR, sources.heartbeats)
  }

  snapshot(): Metric[] {
    return this.registry.snapshot()
  }

  fetchResponse(res: ResponseOf<typeof Apis.Fetch>, latencyMs: number, now: number): void {
    let bytes = 0
    let records = 0
    for (const topic of res.responses) {
      for (const p of topic.partitions) {
        const data = p.records
        if (data === null || data.length === 0) continue
        bytes += data.length
        records += countRecords(data)
      }
    }
    this.#fetch.record(latencyMs, now)
    this.#bytes.record(bytes, now)
    this.#recordsPerRequest.record(records, now)
    this.#throttle.record(res.throttleTimeMs, now)
  }

  consumed(records: number, now: number): void {
    this.#consumed.record(records, now)
  }

  lag(s: TopicPartitionState, now: number): void {
    if (s.highWatermark < 0n || s.position === null) return
    this.#lag.record(Number(s.highWatermark - s.position.offset), now)
  }

  committed(latencyMs: number, now: number): void {
    this.#commit.record(latencyMs, now)
  }

  rebalanceStarted(now: number): void {
    if (this.#rebalanceStartMs < 0) this.#rebalanceStartMs = now
  }

  rebalanceCompleted(now: number): void {
    if (this.#rebalanceStartMs >= 0) this.#rebalance.record(now - this.#rebalanceStartMs, now)
    this.#rebalanceStartMs = -1
    this.#lastRebalanceMs = now
  }
}

/**
 * The fetch sensors of Java's FetchMetricsManager that its ShareFetchMetricsManager repeats, in
 * `group`: fetch-latency-avg/max and fetch-rate/total, fetch-size-avg/max and
 * bytes-consumed-rate/total, fetch-throttle-time-avg/max.
 */
export function fetchSensors(m: Metrics, group: string): { fetch: Sensor; bytes: Sensor; throttle: Sensor } {
  return {
    fetch: m
      .sensor()
      .avgMax('fetch-latency', group, 'time taken for a fetch request in ms')
      .meter('fetch', group, 'fetch requests', { count: true }),
    bytes: m
      .sensor()
      .avgMax('fetch-size', group, 'number of bytes fetched per request')
      .meter('bytes-consumed', group, 'bytes consumed'),
    throttle: m.sensor().avgMax('fetch-throttle-time', group, 'throttle time in ms'),
  }
}

/**
 * heartbeat-rate, heartbeat-total and last-heartbeat-seconds-ago in `group`, read from the
 * heartbeat thread's counts (`heartbeats()`, undefined without a group): the responses since the
 * last snapshot are recorded when a snapshot is taken. Shared with the share consumer's metrics.
 */
export function registerHeartbeatMetrics(
  m: Metrics,
  group: string,
  heartbeats: () => HeartbeatStats | undefined,
): void {
  const rate = m.rate()
  let seen = 0
  const sync = (now: number): HeartbeatStats | undefined => {
    const hb = heartbeats()
    if (hb === undefined) return undefined
    if (hb.received > seen) rate.record(hb.received - seen, now)
    seen = hb.received
    return hb
  }
  m.register({ name: 'heartbeat-rate', group, description: 'The number of heartbeats per second' }, 'gauge', (now) => {
    sync(now)
    return rate.measure(now)
  })
  m.register(
    { name: 'heartbeat-total', group, description: 'The total number of heartbeats' },
    'sum',
    (now) => sync(now)?.received ?? 0,
  )
  m.register(
    {
      name: 'last-heartbeat-seconds-ago',
      group,
      description: 'The number of seconds since the last coordinator heartbeat was sent (NaN before the first)',
    },
    'gauge',
    (now) => {
      const sent = sync(now)?.lastSentMs ?? 0
      return sent === 0 ? Number.NaN : Math.floor((now - sent) / 1000)
    },
  )
}

/** Java's Rate in TimeUnit.HOURS. */
function perHour(rate: Rate): Stat {
  return {
    type: 'gauge',
    record: (value, now) => rate.record(value, now),
    measure: (now) => rate.measure(now) * 3600,
  }
}

/** Consumer.stats: kafka-wire's own group and fetch counters, for tests and tools. */
export interface ConsumerStats {
  fetchesSent: number
  bytesFetched: number
  rebalances: number
  heartbeatsSent: number
  heartbeatsReceived: number
  generationId: number
  memberState: string | null
}

export function consumerStats(
  fetcher: { fetchesSent: number; bytesFetched: number },
  membership: {
    rebalances: number
    heartbeatStats: HeartbeatStats
    generation: { generationId: number }
    state: string
  } | null,
): ConsumerStats {
  return {
    fetchesSent: fetcher.fetchesSent,
    bytesFetched: fetcher.bytesFetched,
    rebalances: membership?.rebalances ?? 0,
    heartbeatsSent: membership?.heartbeatStats.sent ?? 0,
    heartbeatsReceived: membership?.heartbeatStats.received ?? 0,
    generationId: membership?.generation.generationId ?? -1,
    memberState: membership?.state ?? null,
  }
}

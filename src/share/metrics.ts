/**
 * The share consumer's metrics with the Java KafkaShareConsumer's names (ShareFetchMetricsRegistry,
 * KafkaShareConsumerMetrics, its heartbeat manager's and Selector's sensors):
 * `consumer-share-fetch-manager-metrics`, `consumer-share-metrics`,
 * `consumer-share-coordinator-metrics`, `consumer-metrics` and `consumer-node-metrics`.
 * docs/observability.md, "Client metrics", lists them with their meanings.
 *
 * Fed once per ShareFetch response, once per acknowledgement outcome of a partition, and at the
 * start and end of each poll(); never per record.
 */
import { type ConnectionSensors, NetworkMetrics } from '../cluster/index.js'
import { fetchSensors, type HeartbeatStats, registerHeartbeatMetrics } from '../consumer/metrics.js'
import { type Metric, Metrics, type Sensor } from '../internal/metrics.js'
import type { Apis, ResponseOf } from '../protocol/index.js'
import { acquiredCount } from './fetch-budget.js'

const FETCH = 'consumer-share-fetch-manager-metrics'
const SHARE = 'consumer-share-metrics'
const COORDINATOR = 'consumer-share-coordinator-metrics'

export class ShareConsumerMetrics {
  readonly registry: Metrics
  /** Handed to the share consumer's Cluster: connection and byte counts. */
  readonly network: ConnectionSensors
  readonly #fetch: Sensor
  readonly #bytes: Sensor
  readonly #recordsPerRequest: Sensor
  readonly #throttle: Sensor
  readonly #consumed: Sensor
  readonly #acknowledgements: Sensor
  readonly #acknowledgementErrors: Sensor
  readonly #timeBetweenPoll: Sensor
  readonly #pollIdle: Sensor
  /** When the last poll() started (0: none yet), and how long before it the previous one started. */
  #lastPollMs = 0
  #timeSinceLastPollMs = 0

  constructor(clientId: string, heartbeats: () => HeartbeatStats | undefined) {
    const m = (this.registry = new Metrics({ tags: { 'client-id': clientId } }))
    this.network = new NetworkMetrics(m, 'consumer')
    ;({ fetch: this.#fetch, bytes: this.#bytes, throttle: this.#throttle } = fetchSensors(m, FETCH))
    this.#recordsPerRequest = m.sensor().avgMax('records-per-request', FETCH, 'number of records in each request')
    this.#consumed = m.sensor().meter('records-consumed', FETCH, 'records consumed')
    this.#acknowledgements = m.sensor().meter('acknowledgements-send', FETCH, 'record acknowledgements sent')
    this.#acknowledgementErrors = m
      .sensor()
      .meter('acknowledgements-error', FETCH, 'record acknowledgements that resulted in errors')
    this.#timeBetweenPoll = m.sensor().avgMax('time-between-poll', SHARE, 'delay between invocations of poll() in ms')
    this.#pollIdle = m.sensor().add(
      {
        name: 'poll-idle-ratio-avg',
        group: SHARE,
        description:
          "The average fraction of time the consumer's poll() is idle as opposed to waiting for the user code to process records",
      },
      m.avg(),
    )
    m.gauge(
      {
        name: 'last-poll-seconds-ago',
        group: SHARE,
        description: 'The number of seconds since the last poll() invocation (-1 before the first)',
      },
      (now) => (this.#lastPollMs === 0 ? -1 : Math.floor((now - this.#lastPollMs) / 1000)),
    )
    registerHeartbeatMetrics(m, COORDINATOR, heartbeats)
  }

  snapshot(): Metric[] {
    return this.registry.snapshot()
  }

  /** A ShareFetch sent at `sentAt` was answered: its bytes of record data and the records it acquired. */
  fetchResponse(res: ResponseOf<typeof Apis.ShareFetch>, sentAt: number, now: number): void {
    let bytes = 0
    let records = 0
    for (const t of res.responses) {
      for (const p of t.partitions) {
        bytes += p.records?.length ?? 0
        records += acquiredCount(p.acquiredRecords)
      }
    }
    this.#fetch.record(now - sentAt, now)
    this.#bytes.record(bytes, now)
    this.#recordsPerRequest.record(records, now)
    this.#throttle.record(res.throttleTimeMs, now)
  }

  /** poll() returned `records` records. */
  consumed(records: number, now: number): void {
    this.#consumed.record(records, now)
  }

  /** The broker answered `count` record acknowledgements, failed or not. */
  acknowledged(count: number, failed: boolean, now: number): void {
    this.#acknowledgements.record(count, now)
    if (failed) this.#acknowledgementErrors.record(count, now)
  }

  /** Java's recordPollStart: time-between-poll counts from the previous poll's start. */
  pollStarted(now: number): void {
    this.#timeSinceLastPollMs = this.#lastPollMs === 0 ? 0 : now - this.#lastPollMs
    this.#timeBetweenPoll.record(this.#timeSinceLastPollMs, now)
    this.#lastPollMs = now
  }

  /** Java's recordPollEnd: the share of the cycle poll() spent waiting rather than the application working. */
  pollEnded(now: number): void {
    const pollMs = now - this.#lastPollMs
    const cycleMs = pollMs + this.#timeSinceLastPollMs
    if (cycleMs > 0) this.#pollIdle.record(pollMs / cycleMs, now)
  }
}

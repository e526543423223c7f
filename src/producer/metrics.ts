/**
 * The producer's metrics with the Java producer's names (KafkaProducer.metrics(): SenderMetricsRegistry,
 * BufferPool, Selector): `producer-metrics` per client, `producer-node-metrics` per broker.
 * docs/observability.md, "Client metrics", lists them with their meanings.
 *
 * Fed by the Sender (sans-IO: `now` is the loop's clock) once per Produce request and once per
 * retried or failed batch, never per record: record-send-total is the sum of the request's
 * batches' record counts, counted when the request is built (as Java's
 * updateProduceRequestMetrics, so a retried batch's records count again).
 */
import { type ConnectionSensors, NetworkMetrics } from '../cluster/index.js'
import { type Metric, Metrics, type Sensor } from '../internal/metrics.js'
import type { ProducerBatch } from './batch.js'
import type { BufferPool } from './buffer-pool.js'

const GROUP = 'producer-metrics'
const NODE_GROUP = 'producer-node-metrics'

/** What the Sender reports (sender.ts SenderOptions.sensors). */
export interface SenderSensors {
  /** A Produce request of `batches` to `nodeId` was planned (it is sent at once). */
  requestSent(nodeId: number, batches: readonly ProducerBatch[], now: number): void
  /** Its response arrived after `latencyMs`; `throttleTimeMs` as the broker reported it. */
  responseReceived(nodeId: number, latencyMs: number, throttleTimeMs: number, now: number): void
  /** A batch goes back to its queue for another attempt. */
  retried(batch: ProducerBatch, now: number): void
}

export class ProducerMetrics implements SenderSensors {
  readonly registry: Metrics
  /** Handed to the producer's Cluster: connection and byte counts. */
  readonly network: ConnectionSensors
  readonly #recordSend: Sensor
  readonly #recordError: Sensor
  readonly #recordRetry: Sensor
  readonly #batchSize: Sensor
  readonly #compression: Sensor
  readonly #recordsPerRequest: Sensor
  readonly #latency: Sensor
  readonly #throttle: Sensor
  readonly #nodeLatency = new Map<number, Sensor>()

  constructor(clientId: string, pool: BufferPool, inFlight: () => number) {
    const m = (this.registry = new Metrics({ tags: { 'client-id': clientId } }))
    this.network = new NetworkMetrics(m, 'producer')
    this.#recordSend = m.sensor().meter('record-send', GROUP, 'records sent')
    this.#recordError = m.sensor().meter('record-error', GROUP, 'record sends that resulted in errors')
    this.#recordRetry = m.sensor().meter('record-retry', GROUP, 'retried record sends')
    this.#batchSize = m.sensor().avgMax('batch-size', GROUP, 'number of bytes sent per partition per request')
    this.#compression = m.sensor().add(
      {
        name: 'compression-rate-avg',
        group: GROUP,
        description: 'The average compression rate of record batches (compressed / uncompressed size)',
      },
      m.avg(),
    )
    this.#recordsPerRequest = m
      .sensor()
      .add(
        { name: 'records-per-request-avg', group: GROUP, description: 'The average number of records per request' },
        m.avg(),
      )
    this.#latency = m.sensor().avgMax('request-latency', GROUP, 'request latency in ms')
    this.#throttle = m.sensor().avgMax('produce-throttle-time', GROUP, 'time in ms a request was throttled by a broker')
    m.gauge(
      {
        name: 'buffer-available-bytes',
        group: GROUP,
        description:
          'The total amount of buffer memory that is not being used (either unallocated or in the free list)',
      },
      () => pool.availableMemory,
    )
    m.gauge(
      {
        name: 'buffer-total-bytes',
        group: GROUP,
        description: 'The maximum amount of buffer memory the client can use',
      },
      () => pool.totalMemory,
    )
    m.gauge(
      {
        name: 'bufferpool-wait-time-ns-total',
        group: GROUP,
        description: 'The total time in nanoseconds sends waited for buffer memory',
      },
      () => pool.waitTimeNs,
      'sum',
    )
    m.gauge(
      { name: 'waiting-threads', group: GROUP, description: 'The number of sends blocked waiting for buffer memory' },
      () => pool.queued,
    )
    m.gauge(
      {
        name: 'requests-in-flight',
        group: GROUP,
        description: 'The current number of in-flight requests awaiting a response',
      },
      inFlight,
    )
  }

  snapshot(): Metric[] {
    return this.registry.snapshot()
  }

  requestSent(_nodeId: number, batches: readonly ProducerBatch[], now: number): void {
    let records = 0
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i]!
      records += b.recordCount
      this.#batchSize.record(b.estimatedSizeInBytes, now)
      this.#compression.record(b.compressionRatio, now)
    }
    this.#recordSend.record(records, now)
    this.#recordsPerRequest.record(records, now)
  }

  responseReceived(nodeId: number, latencyMs: number, throttleTimeMs: number, now: number): void {
    this.#latency.record(latencyMs, now)
    this.#throttle.record(throttleTimeMs, now)
    let node = this.#nodeLatency.get(nodeId)
    if (node === undefined) {
      const tags = { 'node-id': `node-${nodeId}` }
      node = this.registry.sensor().avgMax('request-latency', NODE_GROUP, 'request latency in ms', tags)
      this.#nodeLatency.set(nodeId, node)
    }
    node.record(latencyMs, now)
  }

  retried(batch: ProducerBatch, now: number): void {
    this.#recordRetry.record(batch.recordCount, now)
  }

  /** A batch failed for good (Producer's onBatchFailed). */
  failed(batch: ProducerBatch, now: number): void {
    this.#recordError.record(batch.recordCount, now)
  }
}

/**
 * The network metrics every Java client reports (its Selector's): per client in `<prefix>-metrics`
 * and per broker in `<prefix>-node-metrics` (tag `node-id` = `node-<id>`, as Java names a
 * connection; bootstrap connections are `node--1`…). `prefix` is `producer`, `consumer` or
 * `admin-client`, as in Java.
 *
 * A Connection reports to its `ConnectionSensors` (ConnectionOptions.sensors) once per request
 * written and once per response read, never per record. Owned by each client's metrics
 * (producer/metrics.ts, consumer/metrics.ts, admin, share), handed to its Cluster.
 */
import type { Metrics, Sensor } from '../internal/metrics.js'

/** The request a sent/received report is about (the Connection's own record of it). */
export interface SensedRequest {
  readonly api: { readonly name: string }
  readonly version: number
  readonly correlationId: number
}

/** What a Connection reports; `now` is Date.now(). */
export interface ConnectionSensors {
  opened(nodeId: number, now: number): void
  closed(nodeId: number, now: number): void
  /** `request`, `bytes` long (size prefix included), was written. */
  sent(nodeId: number, bytes: number, now: number, request: SensedRequest): void
  /** The response to `request`, `bytes` long (size prefix included), was read. */
  received(nodeId: number, bytes: number, now: number, request: SensedRequest): void
}

interface NodeSensors {
  readonly sent: Sensor
  readonly received: Sensor
}

export class NetworkMetrics implements ConnectionSensors {
  readonly #metrics: Metrics
  readonly #group: string
  readonly #nodeGroup: string
  readonly #created: Sensor
  readonly #closedSensor: Sensor
  readonly #sent: Sensor
  readonly #received: Sensor
  readonly #nodes = new Map<number, NodeSensors>()
  #open = 0

  constructor(metrics: Metrics, prefix: 'producer' | 'consumer' | 'admin-client') {
    this.#metrics = metrics
    const group = (this.#group = `${prefix}-metrics`)
    this.#nodeGroup = `${prefix}-node-metrics`
    this.#created = metrics.sensor().meter('connection-creation', group, 'new connections established', { count: true })
    this.#closedSensor = metrics.sensor().meter('connection-close', group, 'connections closed', { count: true })
    metrics.gauge(
      { name: 'connection-count', group, description: 'The current number of active connections' },
      () => this.#open,
    )
    this.#sent = metrics
      .sensor()
      .meter('outgoing-byte', group, 'outgoing bytes sent to all servers')
      .meter('request', group, 'requests sent', { count: true })
      .avgMax('request-size', group, 'size of all requests in the window')
    this.#received = metrics
      .sensor()
      .meter('incoming-byte', group, 'bytes read off all sockets')
      .meter('response', group, 'responses received', { count: true })
  }

  opened(_nodeId: number, now: number): void {
    this.#open++
    this.#created.record(1, now)
  }

  closed(_nodeId: number, now: number): void {
    this.#open--
    this.#closedSensor.record(1, now)
  }

  sent(nodeId: number, bytes: number, now: number): void {
    this.#sent.record(bytes, now)
    this.#node(nodeId).sent.record(bytes, now)
  }

  received(nodeId: number, bytes: number, now: number): void {
    this.#received.record(bytes, now)
    this.#node(nodeId).received.record(bytes, now)
  }

  #node(nodeId: number): NodeSensors {
    let n = this.#nodes.get(nodeId)
    if (n === undefined) {
      const tags = { 'node-id': `node-${nodeId}` }
      const group = this.#nodeGroup
      n = {
        sent: this.#metrics
          .sensor()
          .meter('outgoing-byte', group, 'outgoing bytes', { tags })
          .meter('request', group, 'requests sent', { count: true, tags })
          .avgMax('request-size', group, 'size of all requests in the window', tags),
        received: this.#metrics
          .sensor()
          .meter('incoming-byte', group, 'incoming bytes', { tags })
          .meter('response', group, 'responses received', { count: true, tags }),
      }
      this.#nodes.set(nodeId, n)
    }
    return n
  }
}

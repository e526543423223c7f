/**
 * INTERIM metrics source for KIP-714 telemetry, until the clients' own `metrics()` (issue #20,
 * part 3) lands: the few metrics every client can report today, in the shape `metrics()` will
 * return. Each client passes `() => interimMetrics(cluster, group)` to startClientTelemetry();
 * swapping in `() => this.metrics()` there retires this file.
 */
import type { Cluster } from '../cluster.js'
import type { Metric } from './payload.js'

/** Java's metric groups of each client (`producer-metrics` → `org.apache.kafka.producer.*`). */
export type ClientMetricsGroup =
  | 'producer-metrics'
  | 'consumer-metrics'
  | 'consumer-share-metrics'
  | 'admin-client-metrics'

const startTimeMs = new WeakMap<Cluster, number>()

export function interimMetrics(cluster: Cluster, group: ClientMetricsGroup): Metric[] {
  let started = startTimeMs.get(cluster)
  if (started === undefined) startTimeMs.set(cluster, (started = Date.now()))
  const tags = { 'client-id': cluster.options.clientId }
  return [
    {
      name: 'connection-count',
      group,
      tags,
      description: 'The current number of active connections.',
      value: cluster.connections.count,
      type: 'gauge',
    },
    {
      name: 'start-time-ms',
      group: 'app-info',
      tags,
      description: 'Metric indicating start-time-ms',
      value: started,
      type: 'gauge',
    },
  ]
}

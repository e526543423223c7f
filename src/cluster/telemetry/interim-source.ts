/**
 * The metrics source of KIP-714 telemetry for a client without its own `metrics()` (today the
 * ShareConsumer): the few metrics every client can report, in the `metrics()` shape. The Producer,
 * Consumer and Admin pass `() => this.metrics()` instead.
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

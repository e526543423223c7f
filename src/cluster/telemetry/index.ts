/**
 * KIP-714 client telemetry: the clients push their metrics to the broker when it has a
 * client-metrics subscription for them (docs/observability.md, "KIP-714"). Each client calls
 * startClientTelemetry() at construction and `reporter.close(deadline)` before closing its
 * cluster, so that the terminating push still has its connections.
 */
import type { Cluster } from '../cluster.js'
import type { MetricsSource } from './payload.js'
import { ClientTelemetryReporter } from './reporter.js'

export { type ClientMetricsGroup, interimMetrics } from './interim-source.js'
export {
  type Metric,
  type MetricsSource,
  metricSelector,
  TelemetryPayloadBuilder,
  telemetryMetricName,
} from './payload.js'
export { ClientTelemetryReporter, type ClientTelemetryReporterOptions } from './reporter.js'
export * from './state.js'

/**
 * The client's telemetry reporter, or undefined when `enableMetricsPush` is false. `resource`:
 * the OTLP resource attributes the Java client sets (null and undefined values are left out).
 */
export function startClientTelemetry(
  cluster: Cluster,
  source: MetricsSource,
  resource: Readonly<Record<string, string | null | undefined>> = {},
): ClientTelemetryReporter | undefined {
  if (!cluster.options.enableMetricsPush) return undefined
  return new ClientTelemetryReporter(cluster, { source, resource })
}

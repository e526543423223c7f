/**
 * KIP-714 client telemetry: the clients push their metrics to the broker when it has a
 * client-metrics subscription for them (docs/observability.md, "KIP-714"). Each client calls
 * startClientTelemetry() at construction and `reporter.close(deadline)` before closing its
 * cluster, so that the terminating push still has its connections.
 */
import { IllegalStateError } from '../../errors.js'
import type { Cluster } from '../cluster.js'
import type { MetricsSource } from './payload.js'
import { ClientTelemetryReporter } from './reporter.js'

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

/**
 * The clients' clientInstanceId(timeoutMs) (Java's, KIP-714): the id the broker assigned this
 * client, waiting up to `timeoutMs` for it; null when none came in time. Rejects with an
 * IllegalStateError when `enableMetricsPush` is false, a TypeError for a bad timeout.
 */
export async function clientInstanceId(
  reporter: ClientTelemetryReporter | undefined,
  timeoutMs: number,
): Promise<string | null> {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
    throw new TypeError(`clientInstanceId(timeoutMs) takes a number of milliseconds >= 0, got ${String(timeoutMs)}`)
  }
  if (reporter === undefined) {
    throw new IllegalStateError('clientInstanceId(): telemetry is not enabled (the enableMetricsPush option is false)')
  }
  return reporter.waitForClientInstanceId(timeoutMs)
}

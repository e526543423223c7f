/**
 * What a KIP-714 push contains: the client's metrics, named as the Java client names them for
 * telemetry, filtered by the subscription's RequestedMetrics prefixes, sums as cumulative or delta
 * values (DeltaTemporality), encoded as OTLP MetricsData (otlp.ts). Pure; the reporter
 * (reporter.ts) builds one payload per push.
 *
 * Naming is Java's TelemetryMetricNamingConvention: `org.apache.kafka.` + the group lower-cased
 * with '-' → '.' and '.metrics' dropped + the name the same way, so `record-send-rate` of group
 * `producer-metrics` is `org.apache.kafka.producer.record.send.rate`; tag keys become snake_case
 * and `client_id` is left out (the broker knows the client).
 */

import type { Metric } from '../../internal/metrics.js'
import { encodeMetricsData, type OtlpMetric } from './otlp.js'

export type { Metric }

/** Where the reporter reads the metrics at each push. */
export type MetricsSource = () => readonly Metric[]

/** The prefix of every telemetry metric name (Java's ClientTelemetryProvider.DOMAIN). */
export const TELEMETRY_DOMAIN = 'org.apache.kafka'

/** Tags the broker already knows (Java's ClientTelemetryReporter.EXCLUDE_LABELS). */
const EXCLUDED_TAGS = new Set(['client_id'])

/** The telemetry name of a metric: `org.apache.kafka.producer.record.send.rate`. */
export function telemetryMetricName(group: string, name: string): string {
  const cleanGroup = group.toLowerCase().replaceAll('-', '.').replaceAll('.metrics', '')
  return `${TELEMETRY_DOMAIN}.${cleanGroup}.${name.toLowerCase().replaceAll('-', '.')}`
}

/**
 * Which telemetry names a subscription asks for (GetTelemetrySubscriptions' RequestedMetrics):
 * none for an empty list; all for `['*']`; else those starting with one of the prefixes (the
 * empty string, as KIP-714 writes "all", matches everything).
 */
export function metricSelector(requestedMetrics: readonly string[]): ((name: string) => boolean) | undefined {
  if (requestedMetrics.length === 0) return undefined
  if (requestedMetrics.length === 1 && requestedMetrics[0] === '*') return () => true
  return (name) => requestedMetrics.some((prefix) => name.startsWith(prefix))
}

export interface PayloadOptions {
  selector: (name: string) => boolean
  deltaTemporality: boolean
  /** Resource attributes (transactional_id, group_id, …). */
  resource: Readonly<Record<string, string>>
}

/**
 * Builds successive payloads. For sums it remembers, per metric and tags, when the metric was
 * first seen (the start of a cumulative sum) and the value and time last pushed (a delta covers
 * the interval since then), like Java's LastValueTracker.
 */
export class TelemetryPayloadBuilder {
  readonly #firstSeen = new Map<string, bigint>()
  readonly #last = new Map<string, { value: number; time: bigint }>()

  /** Forget the values last pushed (DeltaTemporality changed: Java's metricsReset). */
  reset(): void {
    this.#last.clear()
  }

  /** The metrics of `source` this subscription selects, as MetricsData bytes (uncompressed). */
  build(metrics: readonly Metric[], options: PayloadOptions, nowMs: number): { bytes: Buffer; names: string[] } {
    const time = BigInt(nowMs) * 1_000_000n
    const out: OtlpMetric[] = []
    for (const m of metrics) {
      const name = telemetryMetricName(m.group, m.name)
      if (!options.selector(name)) continue
      const attributes: Record<string, string> = {}
      for (const [k, v] of Object.entries(m.tags)) {
        const key = k.toLowerCase().replaceAll('-', '_')
        if (!EXCLUDED_TAGS.has(key)) attributes[key] = v
      }
      const base = { name, description: m.description, attributes, timeUnixNano: time }
      if (m.type === 'gauge') {
        // An avg or max with nothing in its window is NaN (as in Java): no data point, as Java's
        // OpenTelemetry reporter skips it, rather than a NaN a collector may not take.
        if (Number.isFinite(m.value)) out.push({ ...base, kind: 'gauge', value: m.value })
        continue
      }
      const key = `${name}\u0000${JSON.stringify(Object.entries(attributes).sort())}`
      let start = this.#firstSeen.get(key)
      if (start === undefined) this.#firstSeen.set(key, (start = time))
      if (!options.deltaTemporality) {
        out.push({ ...base, kind: 'sum', startTimeUnixNano: start, value: m.value })
        continue
      }
      const last = this.#last.get(key)
      this.#last.set(key, { value: m.value, time })
      out.push({
        ...base,
        kind: 'sum',
        delta: true,
        startTimeUnixNano: last?.time ?? start,
        value: m.value - (last?.value ?? 0),
      })
    }
    return { bytes: encodeMetricsData(options.resource, out), names: out.map((m) => m.name) }
  }
}

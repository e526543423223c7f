/**
 * kafka-wire/otel's metrics: a client's `metrics()` snapshot (src/internal/metrics.ts, the Java
 * client's names) as OpenTelemetry observable instruments, named as OpenTelemetry's Java Kafka
 * instrumentation names the Java client's metrics (its OpenTelemetryKafkaMetrics reporter):
 * `kafka.<producer|consumer>.<name with _ for ->`, e.g. `kafka.producer.record_send_rate`,
 * `kafka.consumer.records_lag_max` (`kafka.admin.*` for the admin client, which that reporter does
 * not map), with the Java tags as attributes (`client-id`, `node-id`). Totals (`type: 'sum'`) are
 * observable counters, everything else observable gauges.
 *
 * As that reporter does, a name reported at several granularities (request-total per client and
 * per broker) is observed only at the finest one, so that summing over attributes does not count
 * twice. NaN values (an average with no event in the window) are not observed.
 */
import { type Attributes, type Meter, type MeterProvider, metrics, type Observable } from '@opentelemetry/api'
import type { Metric } from '../internal/metrics.js'

/** Anything with kafka-wire's `metrics()`: a Producer, Consumer or Admin. */
export interface MetricsSource {
  metrics(): Metric[]
}

export interface RegisterMetricsOptions {
  /** Default: the global meter provider's meter `kafka-wire`. */
  meter?: Meter
  meterProvider?: MeterProvider
}

/** The OpenTelemetry instrument name of a kafka-wire (Java) metric. */
export function instrumentName(metric: Pick<Metric, 'name' | 'group'>): string {
  const kind = metric.group.startsWith('producer')
    ? 'producer'
    : metric.group.startsWith('consumer')
      ? 'consumer'
      : metric.group.startsWith('admin')
        ? 'admin'
        : metric.group.replace(/-metrics$/, '').replaceAll('-', '_')
  return `kafka.${kind}.${metric.name.replaceAll('-', '_')}`
}

/**
 * Observes `client.metrics()` through OpenTelemetry instruments, one snapshot per collection.
 * Returns a function that stops observing (call it when the client is closed).
 */
export function registerMetrics(client: MetricsSource, options: RegisterMetricsOptions = {}): () => void {
  const meter = options.meter ?? (options.meterProvider ?? metrics.getMeterProvider()).getMeter('kafka-wire')
  // Every metric name exists from the client's construction (per-broker ones repeat per-client names).
  const instruments = new Map<string, Observable>()
  for (const m of client.metrics()) {
    const name = instrumentName(m)
    if (instruments.has(name)) continue
    const o = { description: m.description }
    instruments.set(
      name,
      m.type === 'sum' ? meter.createObservableCounter(name, o) : meter.createObservableGauge(name, o),
    )
  }
  const observables = [...instruments.values()]
  const callback = (result: { observe(o: Observable, value: number, attributes?: Attributes): void }) => {
    const finest = new Map<string, { keys: number; points: Metric[] }>()
    for (const m of client.metrics()) {
      if (Number.isNaN(m.value)) continue
      const name = instrumentName(m)
      const keys = Object.keys(m.tags).length
      const f = finest.get(name)
      if (f === undefined || keys > f.keys) finest.set(name, { keys, points: [m] })
      else if (keys === f.keys) f.points.push(m)
    }
    for (const [name, { points }] of finest) {
      const instrument = instruments.get(name)
      if (instrument === undefined) continue
      for (const p of points) result.observe(instrument, p.value, p.tags)
    }
  }
  meter.addBatchObservableCallback(callback, observables)
  return () => meter.removeBatchObservableCallback(callback, observables)
}

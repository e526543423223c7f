/**
 * The client metrics registry: Java's `org.apache.kafka.common.metrics` in small (Sensor, Rate,
 * Avg, Max, cumulative totals), sans-IO: every record and every read takes a `now` (ms), so
 * tests step it with plain numbers. One registry per client (producer, consumer, admin, share
 * consumer); its `snapshot()` is what `client.metrics()` returns (docs/observability.md, "Client
 * metrics"), and what kafka-wire/otel and KIP-714 telemetry read.
 *
 * Windowed stats behave as Java's SampledStat with `metrics.sample.window.ms` 30 s and
 * `metrics.num.samples` 2: a value is the combination of the samples no older than
 * 2 × 30 s; a rate divides the window's sum by the time it covers, at least one window
 * (Java's Rate.windowSize). An Avg or Max with no event in the window is NaN, as in Java.
 *
 * Cost: recording walks the sensor's few stats and touches one sample each; callers record once per
 * batch or request, never per record (the hot paths' budget, docs/performance.md).
 */

/** One metric's value at a snapshot, with the Java client's name, group and tags. */
export interface Metric {
  /** The Java client's metric name, e.g. `record-send-rate`. */
  name: string
  /** The Java client's group, e.g. `producer-metrics`, `consumer-fetch-manager-metrics`. */
  group: string
  /** `client-id` always; `node-id`, `topic`, `partition` where Java has them. */
  tags: Record<string, string>
  description: string
  value: number
  /** `sum`: a monotonic cumulative total (Java's CumulativeSum/CumulativeCount); `gauge` otherwise. */
  type: 'gauge' | 'sum'
}

/** Where a metric is registered: its name, group, description and tags beyond `client-id`. */
export interface MetricName {
  name: string
  group: string
  description: string
  tags?: Record<string, string>
}

export interface MetricsConfig {
  /** Added to every metric's tags, e.g. { 'client-id': 'my-producer' }. */
  tags: Record<string, string>
  /** The clock of snapshot(); default Date.now. Sensors are given `now` by their callers. */
  now?: () => number
  /** Java's metrics.sample.window.ms. Default 30000. */
  sampleWindowMs?: number
  /** Java's metrics.num.samples. Default 2. */
  numSamples?: number
}

interface Window {
  readonly windowMs: number
  readonly samples: number
}

/** A statistic a sensor feeds. */
export interface Stat {
  readonly type: 'gauge' | 'sum'
  record(value: number, now: number): void
  measure(now: number): number
}

interface Sample {
  start: number
  count: number
  value: number
}

/** Java's SampledStat: `samples` windows of `windowMs`, the oldest reused when a new one starts. */
abstract class SampledStat implements Stat {
  readonly type = 'gauge' as const
  readonly #samples: Sample[] = []
  #current = 0
  protected readonly window: Window

  constructor(window: Window) {
    this.window = window
  }

  protected abstract readonly initial: number
  protected abstract update(sample: Sample, value: number): void
  protected abstract combine(samples: readonly Sample[], now: number): number

  record(value: number, now: number): void {
    let s = this.#samples[this.#current]
    if (s === undefined) {
      s = { start: now, count: 0, value: this.initial }
      this.#samples.push(s)
    } else if (now - s.start >= this.window.windowMs) {
      this.#current = (this.#current + 1) % this.window.samples
      s = this.#samples[this.#current]
      if (s === undefined) this.#samples.push((s = { start: now, count: 0, value: this.initial }))
      else this.#reset(s, now)
    }
    this.update(s, value)
    s.count++
  }

  measure(now: number): number {
    const expiry = this.window.windowMs * this.window.samples
    for (const s of this.#samples) if (now - s.start >= expiry) this.#reset(s, now)
    return this.combine(this.#samples, now)
  }

  /** Start of the oldest sample (now when there is none), for Rate. */
  oldest(now: number): number {
    let oldest = now
    for (const s of this.#samples) if (s.start < oldest) oldest = s.start
    return oldest
  }

  #reset(s: Sample, now: number): void {
    s.start = now
    s.count = 0
    s.value = this.initial
  }
}

class SampledTotal extends SampledStat {
  protected readonly initial = 0
  protected update(s: Sample, value: number): void {
    s.value += value
  }
  protected combine(samples: readonly Sample[]): number {
    let total = 0
    for (const s of samples) total += s.value
    return total
  }
}

/** Java's WindowedCount: events, whatever their value. */
class WindowedCount extends SampledTotal {
  protected override update(s: Sample): void {
    s.value += 1
  }
}

/** Java's Avg: the mean of the values recorded in the window; NaN with none. */
export class Avg extends SampledStat {
  protected readonly initial = 0
  protected update(s: Sample, value: number): void {
    s.value += value
  }
  protected combine(samples: readonly Sample[]): number {
    let total = 0
    let count = 0
    for (const s of samples) {
      total += s.value
      count += s.count
    }
    return count === 0 ? Number.NaN : total / count
  }
}

/** Java's Max: the largest value recorded in the window; NaN with none. */
export class Max extends SampledStat {
  protected readonly initial = Number.NEGATIVE_INFINITY
  protected update(s: Sample, value: number): void {
    if (value > s.value) s.value = value
  }
  protected combine(samples: readonly Sample[]): number {
    let max = Number.NEGATIVE_INFINITY
    let count = 0
    for (const s of samples) {
      if (s.value > max) max = s.value
      count += s.count
    }
    return count === 0 ? Number.NaN : max
  }
}

/**
 * Java's Rate, per second: the window's sum (or event count) divided by the time the samples
 * cover, counted as at least `samples - 1` full windows and never less than one window, so a
 * first event does not read as a huge rate.
 */
export class Rate implements Stat {
  readonly type = 'gauge' as const
  readonly #stat: SampledStat
  readonly #window: Window

  constructor(window: Window, count = false) {
    this.#window = window
    this.#stat = count ? new WindowedCount(window) : new SampledTotal(window)
  }

  record(value: number, now: number): void {
    this.#stat.record(value, now)
  }

  measure(now: number): number {
    const value = this.#stat.measure(now)
    const { windowMs, samples } = this.#window
    let elapsed = now - this.#stat.oldest(now)
    const fullWindows = Math.floor(elapsed / windowMs)
    if (fullWindows < samples - 1) elapsed += (samples - 1 - fullWindows) * windowMs
    if (elapsed < windowMs) elapsed = windowMs
    return value / (elapsed / 1000)
  }
}

/** Java's CumulativeSum (or CumulativeCount when `count`): a monotonic total. */
export class Total implements Stat {
  readonly type = 'sum' as const
  #total = 0
  readonly #count: boolean

  constructor(count = false) {
    this.#count = count
  }

  record(value: number): void {
    this.#total += this.#count ? 1 : value
  }

  measure(): number {
    return this.#total
  }
}

interface Registered {
  readonly name: string
  readonly group: string
  readonly description: string
  readonly tags: Record<string, string>
  readonly read: (now: number) => number
  readonly type: 'gauge' | 'sum'
}

/** A named set of stats recorded together (Java's Sensor). */
export class Sensor {
  readonly #stats: Stat[] = []
  readonly #metrics: Metrics

  constructor(metrics: Metrics) {
    this.#metrics = metrics
  }

  /** Records `value` (default 1) at `now` into every stat. */
  record(value: number, now: number): void {
    const stats = this.#stats
    for (let i = 0; i < stats.length; i++) stats[i]!.record(value, now)
  }

  /** Registers `stat` under `name` and feeds it from this sensor. */
  add(name: MetricName, stat: Stat): this {
    this.#stats.push(stat)
    this.#metrics.register(name, stat.type, (now) => stat.measure(now))
    return this
  }

  /** Java's Meter: `<prefix>-rate` (per second) and `<prefix>-total`, of the values or, with `count`, of the events. */
  meter(
    prefix: string,
    group: string,
    what: string,
    options: { count?: boolean; tags?: Record<string, string> } = {},
  ): this {
    const count = options.count ?? false
    const tags = options.tags ?? {}
    this.add(
      { name: `${prefix}-rate`, group, description: `The number of ${what} per second`, tags },
      this.#metrics.rate(count),
    )
    return this.add(
      { name: `${prefix}-total`, group, description: `The total number of ${what}`, tags },
      new Total(count),
    )
  }

  /** `<prefix>-avg` and `<prefix>-max` of the recorded values. */
  avgMax(prefix: string, group: string, what: string, tags: Record<string, string> = {}): this {
    this.add({ name: `${prefix}-avg`, group, description: `The average ${what}`, tags }, this.#metrics.avg())
    return this.add({ name: `${prefix}-max`, group, description: `The maximum ${what}`, tags }, this.#metrics.max())
  }
}

export class Metrics {
  readonly #registered = new Map<string, Registered>()
  readonly #tags: Record<string, string>
  readonly #now: () => number
  readonly #window: Window

  constructor(config: MetricsConfig) {
    this.#tags = config.tags
    this.#now = config.now ?? Date.now
    this.#window = { windowMs: config.sampleWindowMs ?? 30_000, samples: config.numSamples ?? 2 }
  }

  /** The clock snapshot() reads (Date.now unless a test gave another). */
  now(): number {
    return this.#now()
  }

  sensor(): Sensor {
    return new Sensor(this)
  }

  rate(count = false): Rate {
    return new Rate(this.#window, count)
  }

  avg(): Avg {
    return new Avg(this.#window)
  }

  max(): Max {
    return new Max(this.#window)
  }

  /** A value read at snapshot time (Java's Gauge/Measurable), e.g. buffer-available-bytes. */
  gauge(name: MetricName, read: (now: number) => number, type: 'gauge' | 'sum' = 'gauge'): void {
    this.register(name, type, read)
  }

  /** Registers a metric; the same name, group and tags again replaces it (a per-node sensor re-created). */
  register(name: MetricName, type: 'gauge' | 'sum', read: (now: number) => number): void {
    const tags = { ...this.#tags, ...name.tags }
    this.#registered.set(metricKey(name.name, name.group, tags), {
      name: name.name,
      group: name.group,
      description: name.description,
      tags,
      read,
      type,
    })
  }

  /** Every metric's current value. */
  snapshot(now: number = this.#now()): Metric[] {
    const out: Metric[] = []
    for (const m of this.#registered.values()) {
      out.push({
        name: m.name,
        group: m.group,
        tags: { ...m.tags },
        description: m.description,
        value: m.read(now),
        type: m.type,
      })
    }
    return out
  }
}

function metricKey(name: string, group: string, tags: Record<string, string>): string {
  let key = `${group}\u0000${name}`
  for (const k of Object.keys(tags).sort()) key += `\u0000${k}=${tags[k]}`
  return key
}

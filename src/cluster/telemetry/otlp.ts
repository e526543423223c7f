/**
 * The OTLP protobuf encoding of the metrics kafka-wire pushes (KIP-714's PushTelemetry carries an
 * OpenTelemetry `MetricsData`, opentelemetry/proto/metrics/v1/metrics.proto). Pure; payload.ts is
 * the only caller.
 *
 * Hand-written rather than taken from @opentelemetry/otlp-transformer: that package pulls the
 * OTel SDK and protobufjs into every install, for the few messages used here (MetricsData →
 * ResourceMetrics → ScopeMetrics → Metric with Gauge or Sum of NumberDataPoint, KeyValue with
 * string AnyValue). docs/DESIGN.md, Dependencies, says so too. Field numbers are the .proto's.
 */

/** One data point's metric as written: a gauge, or a monotonic sum (cumulative or delta). */
export interface OtlpMetric {
  name: string
  description: string
  kind: 'gauge' | 'sum'
  /** Sums only: AGGREGATION_TEMPORALITY_DELTA rather than _CUMULATIVE. */
  delta?: boolean
  attributes: Readonly<Record<string, string>>
  /** Nanoseconds since the epoch. */
  timeUnixNano: bigint
  /** Sums only: the start of the interval the value covers. */
  startTimeUnixNano?: bigint
  value: number
}

/** AggregationTemporality (metrics.proto). */
const TEMPORALITY_DELTA = 1
const TEMPORALITY_CUMULATIVE = 2

const VARINT = 0
const FIXED64 = 1
const LEN = 2

/** Protobuf wire writer: fields appended in order; nested messages are written first and framed. */
class ProtoWriter {
  readonly #chunks: Buffer[] = []
  #size = 0

  #push(b: Buffer): void {
    this.#chunks.push(b)
    this.#size += b.length
  }

  #varint(n: number): void {
    // Lengths, tags, enums and bools only: all are non-negative and below 2^31.
    const bytes: number[] = []
    while (n > 0x7f) {
      bytes.push((n & 0x7f) | 0x80)
      n >>>= 7
    }
    bytes.push(n)
    this.#push(Buffer.from(bytes))
  }

  #tag(field: number, wireType: number): void {
    this.#varint((field << 3) | wireType)
  }

  uint(field: number, n: number): this {
    this.#tag(field, VARINT)
    this.#varint(n)
    return this
  }

  bool(field: number, b: boolean): this {
    return this.uint(field, b ? 1 : 0)
  }

  fixed64(field: number, n: bigint): this {
    this.#tag(field, FIXED64)
    const b = Buffer.allocUnsafe(8)
    b.writeBigUInt64LE(BigInt.asUintN(64, n))
    this.#push(b)
    return this
  }

  double(field: number, n: number): this {
    this.#tag(field, FIXED64)
    const b = Buffer.allocUnsafe(8)
    b.writeDoubleLE(n)
    this.#push(b)
    return this
  }

  bytes(field: number, b: Buffer): this {
    this.#tag(field, LEN)
    this.#varint(b.length)
    this.#push(b)
    return this
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'))
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish())
  }

  finish(): Buffer {
    return Buffer.concat(this.#chunks, this.#size)
  }
}

/** KeyValue { key = 1; value = 2 (AnyValue { string_value = 1 }) } */
function keyValue(key: string, value: string): ProtoWriter {
  return new ProtoWriter().string(1, key).message(2, new ProtoWriter().string(1, value))
}

/**
 * NumberDataPoint { start_time_unix_nano = 2; time_unix_nano = 3; as_double = 4; attributes = 7 }.
 * Values are written as doubles (the Java client's sums and rates are doubles too).
 */
function dataPoint(m: OtlpMetric): ProtoWriter {
  const w = new ProtoWriter()
  if (m.startTimeUnixNano !== undefined) w.fixed64(2, m.startTimeUnixNano)
  w.fixed64(3, m.timeUnixNano).double(4, m.value)
  for (const [k, v] of Object.entries(m.attributes)) w.message(7, keyValue(k, v))
  return w
}

/** Metric { name = 1; description = 2; gauge = 5 (Gauge { data_points = 1 }); sum = 7 (Sum { data_points = 1; aggregation_temporality = 2; is_monotonic = 3 }) } */
function metric(m: OtlpMetric): ProtoWriter {
  const w = new ProtoWriter().string(1, m.name)
  if (m.description !== '') w.string(2, m.description)
  if (m.kind === 'gauge') return w.message(5, new ProtoWriter().message(1, dataPoint(m)))
  const sum = new ProtoWriter()
    .message(1, dataPoint(m))
    .uint(2, m.delta ? TEMPORALITY_DELTA : TEMPORALITY_CUMULATIVE)
    .bool(3, true)
  return w.message(7, sum)
}

/**
 * MetricsData { resource_metrics = 1 } with one ResourceMetrics { resource = 1 (Resource
 * { attributes = 1 }); scope_metrics = 2 } holding one ScopeMetrics { metrics = 2 } (no scope,
 * as the Java client). Empty `metrics` still encodes a valid (empty-scope) MetricsData.
 */
export function encodeMetricsData(resource: Readonly<Record<string, string>>, metrics: readonly OtlpMetric[]): Buffer {
  const res = new ProtoWriter()
  for (const [k, v] of Object.entries(resource)) res.message(1, keyValue(k, v))
  const scope = new ProtoWriter()
  for (const m of metrics) scope.message(2, metric(m))
  const resourceMetrics = new ProtoWriter().message(1, res).message(2, scope)
  return new ProtoWriter().message(1, resourceMetrics).finish()
}

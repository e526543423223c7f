// The OTLP bytes are decoded here by protobufjs (installed with testcontainers' dockerode, a dev
// dependency), not by a reader of our own: a symmetric writer/reader bug cannot pass.
import protobuf from 'protobufjs'
import { describe, expect, it } from 'vitest'
import {
  type Metric,
  metricSelector,
  TelemetryPayloadBuilder,
  telemetryMetricName,
} from '../../../../src/cluster/telemetry/payload.js'

/** The subset of opentelemetry/proto/metrics/v1/metrics.proto (and common, resource) we emit. */
const root = protobuf.Root.fromJSON({
  nested: {
    AnyValue: { fields: { stringValue: { type: 'string', id: 1 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    NumberDataPoint: {
      fields: {
        attributes: { rule: 'repeated', type: 'KeyValue', id: 7 },
        startTimeUnixNano: { type: 'fixed64', id: 2 },
        timeUnixNano: { type: 'fixed64', id: 3 },
        asDouble: { type: 'double', id: 4 },
        asInt: { type: 'sfixed64', id: 6 },
      },
    },
    Gauge: { fields: { dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 } } },
    Sum: {
      fields: {
        dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 },
        aggregationTemporality: { type: 'int32', id: 2 },
        isMonotonic: { type: 'bool', id: 3 },
      },
    },
    Metric: {
      fields: {
        name: { type: 'string', id: 1 },
        description: { type: 'string', id: 2 },
        unit: { type: 'string', id: 3 },
        gauge: { type: 'Gauge', id: 5 },
        sum: { type: 'Sum', id: 7 },
      },
    },
    ScopeMetrics: { fields: { metrics: { rule: 'repeated', type: 'Metric', id: 2 } } },
    ResourceMetrics: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeMetrics: { rule: 'repeated', type: 'ScopeMetrics', id: 2 },
      },
    },
    MetricsData: { fields: { resourceMetrics: { rule: 'repeated', type: 'ResourceMetrics', id: 1 } } },
  },
})
const MetricsData = root.lookupType('MetricsData')

function decode(bytes: Buffer): any {
  return MetricsData.toObject(MetricsData.decode(bytes), { longs: String, defaults: false })
}

const attrs = (kvs: any[] = []) => Object.fromEntries(kvs.map((kv) => [kv.key, kv.value.stringValue]))

const sent = (value: number): Metric => ({
  name: 'record-send-total',
  group: 'producer-metrics',
  tags: { 'client-id': 'p1', 'node-id': 'node-1' },
  description: 'The total number of records sent.',
  value,
  type: 'sum',
})
const connections: Metric = {
  name: 'connection-count',
  group: 'producer-metrics',
  tags: { 'client-id': 'p1' },
  description: 'The current number of active connections.',
  value: 3,
  type: 'gauge',
}
const fetchRate: Metric = {
  name: 'fetch-rate',
  group: 'consumer-fetch-manager-metrics',
  tags: {},
  description: '',
  value: 1.5,
  type: 'gauge',
}

describe('telemetry metric names (Java’s TelemetryMetricNamingConvention)', () => {
  it('prefix, group without "-metrics", dots for dashes', () => {
    expect(telemetryMetricName('producer-metrics', 'record-send-rate')).toBe(
      'org.apache.kafka.producer.record.send.rate',
    )
    expect(telemetryMetricName('consumer-fetch-manager-metrics', 'fetch-latency-avg')).toBe(
      'org.apache.kafka.consumer.fetch.manager.fetch.latency.avg',
    )
    expect(telemetryMetricName('app-info', 'start-time-ms')).toBe('org.apache.kafka.app.info.start.time.ms')
  })

  it('RequestedMetrics: [] selects nothing, ["*"] and [""] everything, else prefixes', () => {
    expect(metricSelector([])).toBeUndefined()
    expect(metricSelector(['*'])!('org.apache.kafka.x')).toBe(true)
    expect(metricSelector([''])!('org.apache.kafka.x')).toBe(true)
    const s = metricSelector(['org.apache.kafka.producer.record', 'org.apache.kafka.consumer.'])!
    expect(s('org.apache.kafka.producer.record.send.total')).toBe(true)
    expect(s('org.apache.kafka.producer.connection.count')).toBe(false)
    expect(s('org.apache.kafka.consumer.fetch.rate')).toBe(true)
  })
})

describe('TelemetryPayloadBuilder → OTLP MetricsData', () => {
  const all = metricSelector(['*'])!

  it('gauges and cumulative sums, the resource, snake_case attributes without client_id', () => {
    const b = new TelemetryPayloadBuilder()
    const { bytes, names } = b.build(
      [sent(10), connections, fetchRate],
      { selector: all, deltaTemporality: false, resource: { transactional_id: 'tx-1' } },
      1_700_000_000_123,
    )
    expect(names).toEqual([
      'org.apache.kafka.producer.record.send.total',
      'org.apache.kafka.producer.connection.count',
      'org.apache.kafka.consumer.fetch.manager.fetch.rate',
    ])
    const data = decode(bytes)
    expect(data.resourceMetrics).toHaveLength(1)
    const rm = data.resourceMetrics[0]
    expect(attrs(rm.resource.attributes)).toEqual({ transactional_id: 'tx-1' })
    const [sum, gauge, rate] = rm.scopeMetrics[0].metrics
    expect(sum.name).toBe('org.apache.kafka.producer.record.send.total')
    expect(sum.description).toBe('The total number of records sent.')
    expect(sum.sum.aggregationTemporality).toBe(2) // CUMULATIVE
    expect(sum.sum.isMonotonic).toBe(true)
    expect(sum.sum.dataPoints[0].asDouble).toBe(10)
    expect(sum.sum.dataPoints[0].timeUnixNano).toBe('1700000000123000000')
    expect(sum.sum.dataPoints[0].startTimeUnixNano).toBe('1700000000123000000')
    expect(attrs(sum.sum.dataPoints[0].attributes)).toEqual({ node_id: 'node-1' })
    expect(gauge.gauge.dataPoints[0].asDouble).toBe(3)
    expect(gauge.sum).toBeUndefined()
    expect(rate.gauge.dataPoints[0].asDouble).toBe(1.5)
    expect(rate.description).toBeUndefined()

    // The next cumulative point keeps the start time of the first.
    const next = decode(
      b.build([sent(25)], { selector: all, deltaTemporality: false, resource: {} }, 1_700_000_010_000).bytes,
    )
    const p = next.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0]
    expect(p.asDouble).toBe(25)
    expect(p.startTimeUnixNano).toBe('1700000000123000000')
  })

  it('DeltaTemporality: sums are the change since the last push, over that interval; reset() starts over', () => {
    const b = new TelemetryPayloadBuilder()
    const opts = { selector: all, deltaTemporality: true, resource: {} }
    const point = (bytes: Buffer) => decode(bytes).resourceMetrics[0].scopeMetrics[0].metrics[0].sum
    const first = point(b.build([sent(10)], opts, 1000).bytes)
    expect(first.aggregationTemporality).toBe(1) // DELTA
    expect(first.dataPoints[0].asDouble).toBe(10)
    const second = point(b.build([sent(25)], opts, 2000).bytes)
    expect(second.dataPoints[0].asDouble).toBe(15)
    expect(second.dataPoints[0].startTimeUnixNano).toBe('1000000000')
    expect(second.dataPoints[0].timeUnixNano).toBe('2000000000')
    b.reset()
    expect(point(b.build([sent(30)], opts, 3000).bytes).dataPoints[0].asDouble).toBe(30)
  })

  it('applies the subscription’s selector; nothing selected is still a valid MetricsData', () => {
    const b = new TelemetryPayloadBuilder()
    const only = metricSelector(['org.apache.kafka.producer.connection'])!
    const { names } = b.build([sent(1), connections], { selector: only, deltaTemporality: false, resource: {} }, 0)
    expect(names).toEqual(['org.apache.kafka.producer.connection.count'])
    const none = b.build([sent(1)], { selector: () => false, deltaTemporality: false, resource: {} }, 0)
    expect(decode(none.bytes).resourceMetrics[0].scopeMetrics?.[0]?.metrics).toBeUndefined()
  })
})

describe('values without data', () => {
  it('a gauge that is NaN (an avg or max with nothing in its window) is left out, as Java’s OpenTelemetry reporter does', () => {
    const idle: Metric = { ...fetchRate, name: 'fetch-latency-avg', value: Number.NaN }
    const { bytes, names } = new TelemetryPayloadBuilder().build(
      [idle, connections],
      { selector: metricSelector(['*'])!, deltaTemporality: false, resource: {} },
      1_700_000_000_000,
    )
    expect(names).toEqual(['org.apache.kafka.producer.connection.count'])
    const metrics = decode(bytes).resourceMetrics[0].scopeMetrics[0].metrics
    expect(metrics.map((m: { name: string }) => m.name)).toEqual(['org.apache.kafka.producer.connection.count'])
  })
})

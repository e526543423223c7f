import type { Attributes, BatchObservableCallback, Meter, Observable } from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import { Metrics } from '../../../src/internal/metrics.js'
import { instrumentName, registerMetrics } from '../../../src/otel/index.js'

/**
 * The part of the OpenTelemetry Meter API registerMetrics uses, recording what it is asked (the
 * SDK, @opentelemetry/sdk-metrics, is not a dependency): instruments by name and kind, and a
 * collect() that runs the batch callbacks as a MetricReader would.
 */
function recordingMeter() {
  const instruments = new Map<string, { kind: 'gauge' | 'counter'; description: string | undefined }>()
  const callbacks = new Set<BatchObservableCallback>()
  const meter = {
    createObservableGauge(name: string, o?: { description?: string }) {
      instruments.set(name, { kind: 'gauge', description: o?.description })
      return { name } as unknown as Observable
    },
    createObservableCounter(name: string, o?: { description?: string }) {
      instruments.set(name, { kind: 'counter', description: o?.description })
      return { name } as unknown as Observable
    },
    addBatchObservableCallback(cb: BatchObservableCallback) {
      callbacks.add(cb)
    },
    removeBatchObservableCallback(cb: BatchObservableCallback) {
      callbacks.delete(cb)
    },
  } as unknown as Meter
  const collect = () => {
    const points: { name: string; value: number; attributes: Attributes | undefined }[] = []
    for (const cb of callbacks) {
      void cb({
        observe: (o: Observable, value: number, attributes?: Attributes) =>
          points.push({ name: (o as unknown as { name: string }).name, value, attributes }),
      })
    }
    return points
  }
  return { meter, instruments, collect }
}

describe('kafka-wire/otel registerMetrics', () => {
  it("names instruments as OpenTelemetry's Java Kafka instrumentation does", () => {
    expect(instrumentName({ name: 'record-send-rate', group: 'producer-metrics' })).toBe(
      'kafka.producer.record_send_rate',
    )
    expect(instrumentName({ name: 'records-lag-max', group: 'consumer-fetch-manager-metrics' })).toBe(
      'kafka.consumer.records_lag_max',
    )
    expect(instrumentName({ name: 'commit-latency-avg', group: 'consumer-coordinator-metrics' })).toBe(
      'kafka.consumer.commit_latency_avg',
    )
    expect(instrumentName({ name: 'request-total', group: 'admin-client-node-metrics' })).toBe(
      'kafka.admin.request_total',
    )
  })

  it('observes one snapshot per collection: totals as counters, the finest granularity only, no NaN', () => {
    let now = 0
    const registry = new Metrics({ tags: { 'client-id': 'p1' }, now: () => now })
    const client = { metrics: () => registry.snapshot() }
    const send = registry.sensor().meter('record-send', 'producer-metrics', 'records sent')
    const latency = registry.sensor().avgMax('request-latency', 'producer-metrics', 'latency')
    const requests = registry.sensor().meter('request', 'producer-metrics', 'requests', { count: true })
    const node1 = registry
      .sensor()
      .meter('request', 'producer-node-metrics', 'requests', { count: true, tags: { 'node-id': 'node-1' } })
    const { meter, instruments, collect } = recordingMeter()
    const stop = registerMetrics(client, { meter })
    expect(instruments.get('kafka.producer.record_send_total')).toEqual({
      kind: 'counter',
      description: 'The total number of records sent',
    })
    expect(instruments.get('kafka.producer.record_send_rate')?.kind).toBe('gauge')
    expect(instruments.get('kafka.producer.request_latency_avg')?.kind).toBe('gauge')

    // Nothing recorded: the averages are NaN and not observed.
    expect(collect().find((p) => p.name === 'kafka.producer.request_latency_avg')).toBeUndefined()

    send.record(10, 0)
    latency.record(4, 0)
    requests.record(1, 0)
    node1.record(1, 0)
    now = 1_000
    const points = collect()
    expect(points.find((p) => p.name === 'kafka.producer.record_send_total')).toEqual({
      name: 'kafka.producer.record_send_total',
      value: 10,
      attributes: { 'client-id': 'p1' },
    })
    expect(points.find((p) => p.name === 'kafka.producer.request_latency_avg')?.value).toBe(4)
    // request-total exists per client and per broker: only the per-broker point is observed.
    expect(points.filter((p) => p.name === 'kafka.producer.request_total')).toEqual([
      { name: 'kafka.producer.request_total', value: 1, attributes: { 'client-id': 'p1', 'node-id': 'node-1' } },
    ])

    stop()
    expect(collect()).toEqual([])
  })
})

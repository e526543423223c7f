import { describe, expect, it } from 'vitest'
import { Metrics } from '../../../src/internal/metrics.js'

/** A registry on a fake clock: every record and read is given `now` explicitly. */
function registry(now = () => 0) {
  return new Metrics({ tags: { 'client-id': 'c1' }, now, sampleWindowMs: 30_000, numSamples: 2 })
}

function value(m: Metrics, name: string, now: number, tags: Record<string, string> = {}): number {
  const found = m.snapshot(now).find((x) => x.name === name && Object.entries(tags).every(([k, v]) => x.tags[k] === v))
  if (found === undefined) throw new Error(`no metric ${name}`)
  return found.value
}

describe('Metrics (Java common.metrics semantics)', () => {
  it('a Meter gives a per-second rate over at least one window and a monotonic total', () => {
    const m = registry()
    const s = m.sensor().meter('record-send', 'producer-metrics', 'records sent')
    s.record(100, 0)
    s.record(200, 1_000)
    // Java's Rate.windowSize: 10 s elapsed, plus the (samples - 1) full windows not yet elapsed = 40 s.
    expect(value(m, 'record-send-rate', 10_000)).toBeCloseTo(300 / 40)
    expect(value(m, 'record-send-total', 10_000)).toBe(300)
    // 45 s in: the samples cover 45 s (one full window + 15 s).
    s.record(150, 45_000)
    expect(value(m, 'record-send-rate', 45_000)).toBeCloseTo(450 / 45)
    // At 70 s the first sample (started at 0) is older than 2 × 30 s: purged; the total stays.
    // The oldest sample left started at 45 s: 25 s elapsed + one window not yet elapsed = 55 s.
    expect(value(m, 'record-send-rate', 70_000)).toBeCloseTo(150 / 55)
    expect(value(m, 'record-send-total', 70_000)).toBe(450)
    const total = m.snapshot(70_000).find((x) => x.name === 'record-send-total')!
    expect(total.type).toBe('sum')
    expect(total.group).toBe('producer-metrics')
    expect(total.tags).toEqual({ 'client-id': 'c1' })
    expect(m.snapshot(70_000).find((x) => x.name === 'record-send-rate')!.type).toBe('gauge')
  })

  it('a counting Meter counts events, not values', () => {
    const m = registry()
    const s = m.sensor().meter('request', 'producer-metrics', 'requests', { count: true })
    s.record(5_000, 0)
    s.record(7_000, 10)
    expect(value(m, 'request-total', 20)).toBe(2)
    expect(value(m, 'request-rate', 20)).toBeCloseTo(2 / 30.02)
  })

  it('Avg and Max are NaN with no event in the window, as in Java', () => {
    const m = registry()
    const s = m.sensor().avgMax('request-latency', 'producer-metrics', 'latency')
    expect(value(m, 'request-latency-avg', 0)).toBeNaN()
    expect(value(m, 'request-latency-max', 0)).toBeNaN()
    s.record(10, 0)
    s.record(30, 5_000)
    s.record(20, 31_000) // second sample
    expect(value(m, 'request-latency-avg', 31_000)).toBe(20)
    expect(value(m, 'request-latency-max', 31_000)).toBe(30)
    // At 61 s the first sample (0..30 s) has expired: only the 20 remains.
    expect(value(m, 'request-latency-avg', 61_000)).toBe(20)
    expect(value(m, 'request-latency-max', 61_000)).toBe(20)
    // At 92 s both have.
    expect(value(m, 'request-latency-avg', 92_000)).toBeNaN()
  })

  it('a third window reuses the oldest sample', () => {
    const m = registry()
    const s = m.sensor().avgMax('x', 'g', 'x')
    s.record(100, 0)
    s.record(1, 30_000)
    s.record(2, 60_000) // replaces the 0 s sample, whose max 100 is gone
    expect(value(m, 'x-max', 60_000)).toBe(2)
    expect(value(m, 'x-avg', 60_000)).toBe(1.5)
  })

  it('gauges are read at snapshot time; extra tags are kept apart', () => {
    let available = 10
    const m = registry(() => 1_000)
    m.gauge({ name: 'buffer-available-bytes', group: 'producer-metrics', description: 'd' }, () => available)
    const n1 = m
      .sensor()
      .meter('request', 'producer-node-metrics', 'requests', { count: true, tags: { 'node-id': 'node-1' } })
    const n2 = m
      .sensor()
      .meter('request', 'producer-node-metrics', 'requests', { count: true, tags: { 'node-id': 'node-2' } })
    n1.record(1, 0)
    n2.record(1, 0)
    n2.record(1, 0)
    available = 7
    expect(value(m, 'buffer-available-bytes', 1_000)).toBe(7)
    expect(m.snapshot().find((x) => x.name === 'buffer-available-bytes')!.value).toBe(7)
    expect(value(m, 'request-total', 1_000, { 'node-id': 'node-1' })).toBe(1)
    expect(value(m, 'request-total', 1_000, { 'node-id': 'node-2' })).toBe(2)
    expect(m.snapshot().find((x) => x.tags['node-id'] === 'node-2')!.tags).toEqual({
      'client-id': 'c1',
      'node-id': 'node-2',
    })
  })
})

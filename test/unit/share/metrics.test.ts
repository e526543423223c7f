// The share consumer's metrics: Java's names and groups, and the arithmetic of the ones Java
// computes itself (poll-idle-ratio, time-between-poll, last-poll-seconds-ago). What a real broker
// feeds them is the integration test's (test/integration/share/share-consumer.test.ts).
import { describe, expect, it } from 'vitest'
import type { HeartbeatStats } from '../../../src/consumer/metrics.js'
import { ShareConsumerMetrics } from '../../../src/share/metrics.js'

const FETCH = 'consumer-share-fetch-manager-metrics'
const SHARE = 'consumer-share-metrics'
const COORDINATOR = 'consumer-share-coordinator-metrics'

function metricValue(m: ShareConsumerMetrics, group: string, name: string, now?: number): number | undefined {
  return m.registry.snapshot(now).find((x) => x.group === group && x.name === name)?.value
}

// A ShareFetch response as metrics.ts reads it: record bytes and acquired ranges per partition.
function response(parts: { bytes: number; acquired: [bigint, bigint][] }[], throttleTimeMs = 0) {
  return {
    throttleTimeMs,
    responses: [
      {
        topicId: 't',
        partitions: parts.map((p) => ({
          records: Buffer.alloc(p.bytes),
          acquiredRecords: p.acquired.map(([firstOffset, lastOffset]) => ({
            firstOffset,
            lastOffset,
            deliveryCount: 1,
          })),
        })),
      },
    ],
  } as never
}

describe('ShareConsumerMetrics', () => {
  it("names every metric in Java's groups, with the client id tag", () => {
    const m = new ShareConsumerMetrics('share-1', () => undefined)
    const names = new Set(m.snapshot().map((x) => `${x.group}/${x.name}`))
    for (const n of [
      'fetch-latency-avg',
      'fetch-latency-max',
      'fetch-rate',
      'fetch-total',
      'fetch-size-avg',
      'fetch-size-max',
      'bytes-consumed-rate',
      'bytes-consumed-total',
      'records-per-request-avg',
      'records-per-request-max',
      'records-consumed-rate',
      'records-consumed-total',
      'acknowledgements-send-rate',
      'acknowledgements-send-total',
      'acknowledgements-error-rate',
      'acknowledgements-error-total',
      'fetch-throttle-time-avg',
      'fetch-throttle-time-max',
    ])
      expect(names).toContain(`${FETCH}/${n}`)
    for (const n of ['last-poll-seconds-ago', 'time-between-poll-avg', 'time-between-poll-max', 'poll-idle-ratio-avg'])
      expect(names).toContain(`${SHARE}/${n}`)
    for (const n of ['heartbeat-rate', 'heartbeat-total', 'last-heartbeat-seconds-ago'])
      expect(names).toContain(`${COORDINATOR}/${n}`)
    expect(names).toContain('consumer-metrics/connection-count')
    for (const x of m.snapshot()) expect(x.tags['client-id']).toBe('share-1')
  })

  it('a ShareFetch response counts its record bytes and the records it acquired (ranges, not batches)', () => {
    const m = new ShareConsumerMetrics('c', () => undefined)
    const now = 1_000_000
    m.fetchResponse(
      response(
        [
          { bytes: 700, acquired: [[0n, 9n]] },
          {
            bytes: 300,
            acquired: [
              [5n, 5n],
              [8n, 9n],
            ],
          },
        ],
        7,
      ),
      now - 40,
      now,
    )
    expect(metricValue(m, FETCH, 'fetch-total', now)).toBe(1)
    expect(metricValue(m, FETCH, 'fetch-latency-max', now)).toBe(40)
    expect(metricValue(m, FETCH, 'bytes-consumed-total', now)).toBe(1000)
    expect(metricValue(m, FETCH, 'fetch-size-max', now)).toBe(1000)
    expect(metricValue(m, FETCH, 'records-per-request-max', now)).toBe(13)
    expect(metricValue(m, FETCH, 'fetch-throttle-time-max', now)).toBe(7)
  })

  it('acknowledgements count records; failed ones count in the error metrics too', () => {
    const m = new ShareConsumerMetrics('c', () => undefined)
    m.acknowledged(10, false, 1000)
    m.acknowledged(3, true, 1000)
    m.consumed(13, 1000)
    expect(metricValue(m, FETCH, 'acknowledgements-send-total', 1000)).toBe(13)
    expect(metricValue(m, FETCH, 'acknowledgements-error-total', 1000)).toBe(3)
    expect(metricValue(m, FETCH, 'records-consumed-total', 1000)).toBe(13)
  })

  it("poll metrics as Java's KafkaShareConsumerMetrics computes them", () => {
    const m = new ShareConsumerMetrics('c', () => undefined)
    expect(metricValue(m, SHARE, 'last-poll-seconds-ago', 5000)).toBe(-1)
    // poll 1 at 10 000 returns at 10 100; the application works until poll 2 at 10 400, which waits 300 ms.
    m.pollStarted(10_000)
    m.pollEnded(10_100)
    m.pollStarted(10_400)
    m.pollEnded(10_700)
    expect(metricValue(m, SHARE, 'time-between-poll-max', 10_700)).toBe(400)
    // Java: pollTime / (pollTime + timeSinceLastPoll): poll 1 has no previous poll (ratio 1), poll 2: 300 / 700.
    expect(metricValue(m, SHARE, 'poll-idle-ratio-avg', 10_700)).toBeCloseTo((1 + 300 / 700) / 2, 6)
    expect(metricValue(m, SHARE, 'last-poll-seconds-ago', 13_500)).toBe(3)
  })

  it("heartbeat metrics come from the heartbeat thread's counts", () => {
    const hb: HeartbeatStats = { sent: 0, received: 0, lastSentMs: 0 }
    const m = new ShareConsumerMetrics('c', () => hb)
    expect(metricValue(m, COORDINATOR, 'last-heartbeat-seconds-ago', 1000)).toBeNaN()
    Object.assign(hb, { sent: 4, received: 4, lastSentMs: 1000 })
    expect(metricValue(m, COORDINATOR, 'heartbeat-total', 3500)).toBe(4)
    expect(metricValue(m, COORDINATOR, 'last-heartbeat-seconds-ago', 3500)).toBe(2)
  })
})

// The Fetcher's sans-IO core stepped by hand, like test/unit/producer/sender.test.ts: plain numbers
// as time, no cluster, no sockets. poll(now, metadata) plans Fetches, build() makes their bodies,
// onResponse()/onError() settle them; collect() drains what was buffered.
import { describe, expect, it } from 'vitest'
import { Fetcher, type FetchRequestPlan, type FetchResponseBody } from '../../../src/consumer/fetcher.js'
import { ConsumerMetrics, type FetchSensors } from '../../../src/consumer/metrics.js'
import { resolveConsumerOptions } from '../../../src/consumer/options.js'
import { SubscriptionState } from '../../../src/consumer/subscription-state.js'
import { ErrorCode } from '../../../src/error-codes.js'
import { RecordBatchBuilder } from '../../../src/protocol/records/index.js'

const TOPIC = 't'
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'

function batch(base: bigint, values: string[]): Buffer {
  const b = new RecordBatchBuilder({ baseOffset: base, partitionLeaderEpoch: 0 })
  for (const [i, v] of values.entries()) b.tryAppend(1_000 + i, null, Buffer.from(v), null)
  return Buffer.from(b.build())
}

/** Partitions 0..n-1 of one topic; partition p is led by broker p % brokers. */
function setup(
  opts: {
    partitions?: number
    brokers?: number
    fetchMaxBytes?: number
    sensors?: FetchSensors
    now?: () => number
  } = {},
) {
  const partitions = opts.partitions ?? 1
  const brokers = opts.brokers ?? 1
  const refreshes: number[] = []
  const stale: { topic?: string; reason?: string }[] = []
  const metadata = {
    invalidateMetadata: (cause: { topic?: string; reason?: string }) => stale.push(cause),
    brokers: new Map(Array.from({ length: brokers }, (_, n) => [n, { nodeId: n }])),
    topic: (name: string) => (name === TOPIC ? { topicId: TOPIC_ID } : undefined),
    leaderFor: (_t: string, p: number) => ({ nodeId: p % brokers, leaderEpoch: 0 }),
    requestMetadataRefresh: () => refreshes.push(1),
  }
  const subs = new SubscriptionState('earliest')
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic: TOPIC, partition }))
  subs.assignFromUser(tps)
  for (const tp of tps) subs.seek(tp, 0n, -1, { nodeId: tp.partition % brokers, leaderEpoch: 0 })
  const fetcher = new Fetcher<any, any>({
    cluster: metadata as any,
    subscriptions: subs,
    options: resolveConsumerOptions({
      bootstrapServers: 'x:1',
      ...(opts.fetchMaxBytes ? { fetchMaxBytes: opts.fetchMaxBytes } : {}),
    }),
    requestTimeoutMs: 30_000,
    onData: () => {},
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    random: () => 0.5, // jitter factor 1
    ...(opts.sensors === undefined ? {} : { sensors: opts.sensors }),
    ...(opts.now === undefined ? {} : { now: opts.now }),
  })
  /** A response to `plan` (built for v13: topic ids) with `records` per partition. */
  const respond = (plan: FetchRequestPlan, records: Map<number, Buffer>): FetchResponseBody =>
    ({
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topicId: TOPIC_ID,
          topic: '',
          partitions: [...plan.partitions.values()].map((p) => ({
            partitionIndex: p.partition,
            errorCode: 0,
            highWatermark: 100n,
            lastStableOffset: 100n,
            logStartOffset: 0n,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: records.get(p.partition) ?? Buffer.alloc(0),
          })),
        },
      ],
    }) as unknown as FetchResponseBody
  return { fetcher, metadata, subs, respond, refreshes, stale }
}

const offsets = (f: Fetcher<any, any>, max = 100) => [...f.collect(max)].map((r) => `${r.partition}:${r.offset}`)

describe('Fetcher (sans-IO): consumer-fetch-manager-metrics', () => {
  it('records per Fetch response (latency, bytes, records from the batch headers) and per collect() (records, lag)', () => {
    let now = 1_000
    const metrics = new ConsumerMetrics('c', { assignedPartitions: () => 1, heartbeats: () => undefined })
    const { fetcher, metadata, respond } = setup({ sensors: metrics, now: () => now })
    const value = (name: string) =>
      metrics.registry.snapshot(now).find((m) => m.group === 'consumer-fetch-manager-metrics' && m.name === name)!.value
    const plan = fetcher.poll(now, metadata).requests[0]!
    fetcher.build(plan, 17)
    // Two batches (3 + 2 records) and the first 70 bytes of a third (its header complete, its
    // records not), as a response cut off by its size limit ends.
    const records = Buffer.concat([
      batch(0n, ['a', 'b', 'c']),
      batch(3n, ['d', 'e']),
      batch(5n, ['f'.repeat(100)]).subarray(0, 70),
    ])
    now = 1_012
    fetcher.onResponse(plan, respond(plan, new Map([[0, records]])), now)
    expect(value('fetch-latency-avg')).toBe(12)
    expect(value('fetch-total')).toBe(1)
    expect(value('records-per-request-avg')).toBe(5)
    expect(value('fetch-size-avg')).toBe(records.length)
    expect(value('bytes-consumed-total')).toBe(records.length)
    expect(value('records-consumed-total')).toBe(0)
    expect(value('records-lag-max')).toBeNaN()
    expect(offsets(fetcher, 4)).toEqual(['0:0', '0:1', '0:2', '0:3'])
    // High watermark 100, position 4.
    expect(value('records-consumed-total')).toBe(4)
    expect(value('records-lag-max')).toBe(96)
    fetcher.close()
  })
})

describe('Fetcher (sans-IO)', () => {
  it('plans one Fetch per broker, none while one is in flight, and continues after the buffered data', () => {
    const { fetcher, metadata, respond } = setup({ partitions: 4, brokers: 2 })
    const first = fetcher.poll(0, metadata)
    expect(first.requests.map((r) => [r.nodeId, [...r.partitions.values()].map((p) => p.partition)])).toEqual([
      [0, [0, 2]],
      [1, [1, 3]],
    ])
    expect(first.nextPollMs).toBe(Number.POSITIVE_INFINITY)
    // In flight: nothing more to plan.
    expect(fetcher.poll(1, metadata).requests).toEqual([])
    const plan = first.requests[0]!
    const { body, version } = fetcher.build(plan, 17)
    expect(version).toBe(17)
    expect(body.topics!.map((t: any) => t.topicId)).toEqual([TOPIC_ID])
    expect(fetcher.onResponse(plan, respond(plan, new Map([[0, batch(0n, ['a', 'b'])]])), 5)).toBe(true)
    // Broker 0 again: partition 0 one response ahead (from offset 2), partition 2 from its position.
    const next = fetcher.poll(6, metadata).requests
    expect(next.map((r) => r.nodeId)).toEqual([0])
    expect([...next[0]!.partitions.values()].map((p) => [p.partition, p.fetchOffset])).toEqual([
      [0, 2n],
      [2, 0n],
    ])
    expect(offsets(fetcher)).toEqual(['0:0', '0:1'])
    fetcher.close()
  })

  it('names topics (v12) when the broker negotiates below v13', () => {
    const { fetcher, metadata } = setup()
    const plan = fetcher.poll(0, metadata).requests[0]!
    const { body, version } = fetcher.build(plan, 12)
    expect(version).toBe(12)
    expect(body.topics!.map((t: any) => t.topic)).toEqual([TOPIC])
    fetcher.close()
  })

  it('caps a plan at v12 (topic names) while a topic id is unknown; no cap when every id is known', () => {
    const { fetcher, metadata } = setup()
    expect(fetcher.poll(0, metadata).requests[0]!.maxVersion).toBeUndefined()
    fetcher.close()
    const unknown = setup()
    const noIds = { ...unknown.metadata, topic: () => undefined }
    const plan = unknown.fetcher.poll(0, noIds).requests[0]!
    expect(plan.maxVersion).toBe(12)
    // Cluster.send builds at min(negotiated, maxVersion); build() caps direct callers too.
    const { body, version } = unknown.fetcher.build(plan, 17)
    expect(version).toBe(12)
    expect(body.topics!.map((t: any) => t.topic)).toEqual([TOPIC])
    unknown.fetcher.close()
  })

  it('reports stale metadata itself when a partition fails with NOT_LEADER_OR_FOLLOWER (Cluster reads no error codes)', () => {
    const { fetcher, metadata, respond, stale } = setup({ partitions: 2 })
    const plan = fetcher.poll(0, metadata).requests[0]!
    fetcher.build(plan, 17)
    const res = respond(plan, new Map([[1, batch(0n, ['a'])]]))
    const failed = res.responses[0]!.partitions.find((p) => p.partitionIndex === 0)!
    failed.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER
    failed.records = null
    expect(stale).toEqual([])
    fetcher.onResponse(plan, res, 1)
    expect(stale).toEqual([{ topic: TOPIC, reason: 'Fetch: NOT_LEADER_OR_FOLLOWER' }])
    // The other partition's data is still returned; the failed one raises nothing (it is retried).
    expect(offsets(fetcher)).toEqual(['1:0'])
    fetcher.close()
  })

  it('backs a failing broker off exponentially and says when to poll again', () => {
    const { fetcher, metadata, respond, refreshes } = setup()
    let now = 0
    const failAt: number[] = []
    for (let i = 0; i < 6; i++) {
      const { requests } = fetcher.poll(now, metadata)
      expect(requests).toHaveLength(1)
      failAt.push(now)
      fetcher.build(requests[0]!, 17)
      fetcher.onError(requests[0]!, new Error('connection reset'), now)
      const again = fetcher.poll(now + 1, metadata)
      expect(again.requests).toEqual([])
      now = again.nextPollMs
    }
    expect(failAt).toEqual([0, 100, 300, 700, 1500, 2500])
    expect(refreshes.length).toBeGreaterThanOrEqual(6)
    // A response ends the backoff: the next poll plans at once.
    const { requests } = fetcher.poll(now, metadata)
    fetcher.build(requests[0]!, 17)
    fetcher.onResponse(requests[0]!, respond(requests[0]!, new Map()), now)
    expect(fetcher.poll(now + 1, metadata).requests).toHaveLength(1)
    fetcher.close()
  })

  it('a Fetch that leaves out a partition held back by its buffered responses does not wait at the broker (parked for fetchMaxWaitMs, it would keep that partition from being fetched once drained: #22)', () => {
    const { fetcher, metadata, respond } = setup({ partitions: 2 })
    const parts = (r: FetchRequestPlan) => [...r.partitions.values()].map((p) => [p.partition, p.fetchOffset])
    const waitMs = (r: FetchRequestPlan) => fetcher.build(r, 17).body.maxWaitMs
    let plan = fetcher.poll(0, metadata).requests[0]!
    expect(waitMs(plan)).toBe(500)
    fetcher.onResponse(plan, respond(plan, new Map([[0, batch(0n, ['a'])]])), 1)
    // One response buffered for partition 0: pipelined, one response ahead, waiting as usual.
    plan = fetcher.poll(2, metadata).requests[0]!
    expect(parts(plan)).toEqual([
      [0, 1n],
      [1, 0n],
    ])
    expect(waitMs(plan)).toBe(500)
    fetcher.onResponse(plan, respond(plan, new Map([[0, batch(1n, ['b'])]])), 3)
    // Two buffered: partition 0 is not fetched further, and the Fetch of partition 1 alone returns at once.
    plan = fetcher.poll(4, metadata).requests[0]!
    expect(parts(plan)).toEqual([[1, 0n]])
    expect(waitMs(plan)).toBe(0)
    expect(plan.timeoutMs).toBe(30_000)
    fetcher.onResponse(plan, respond(plan, new Map()), 5)
    // (collect() learns that a response is drained when it looks past its last record.)
    expect(offsets(fetcher, 1)).toEqual(['0:0'])
    expect(waitMs(fetcher.poll(6, metadata).requests[0]!)).toBe(0)
    fetcher.onResponse(plan, respond(plan, new Map()), 7)
    expect(offsets(fetcher, 1)).toEqual(['0:1'])
    // The first response is drained: one Fetch carries both partitions again, and waits.
    plan = fetcher.poll(8, metadata).requests[0]!
    expect(parts(plan)).toEqual([
      [0, 2n],
      [1, 0n],
    ])
    expect(waitMs(plan)).toBe(500)
    expect(plan.timeoutMs).toBe(30_500)
    fetcher.close()
  })

  it('only the broker that holds the partition back gets a Fetch that does not wait (#22)', () => {
    const { fetcher, metadata, respond } = setup({ partitions: 4, brokers: 2 })
    const [p0, p1] = fetcher.poll(0, metadata).requests
    for (const plan of [p0!, p1!]) fetcher.build(plan, 17)
    fetcher.onResponse(p0!, respond(p0!, new Map([[0, batch(0n, ['a'])]])), 1)
    const again = fetcher.poll(2, metadata).requests[0]!
    fetcher.build(again, 17)
    fetcher.onResponse(again, respond(again, new Map([[0, batch(1n, ['b'])]])), 3)
    fetcher.onResponse(p1!, respond(p1!, new Map()), 3)
    // Broker 0 holds partition 0 at the bound (partition 2 alone, no wait); broker 1 (partitions 1 and 3) as before.
    const next = fetcher.poll(4, metadata).requests.sort((a, b) => a.nodeId - b.nodeId)
    expect(next.map((r) => [r.nodeId, fetcher.build(r, 17).body.maxWaitMs])).toEqual([
      [0, 0],
      [1, 500],
    ])
    fetcher.close()
  })

  it('plans nothing for a broker whose buffered responses hold fetchMaxBytes until poll() drains them (#24)', () => {
    const big = batch(
      0n,
      Array.from({ length: 50 }, (_, i) => `value-${i}-${'x'.repeat(40)}`),
    )
    const { fetcher, metadata, respond } = setup({ partitions: 3, fetchMaxBytes: big.length })
    const plan = fetcher.poll(0, metadata).requests[0]!
    fetcher.build(plan, 17)
    fetcher.onResponse(plan, respond(plan, new Map([[0, big]])), 1)
    // Partitions 1 and 2 have nothing buffered, but the broker's buffer is full.
    expect(fetcher.poll(2, metadata).requests).toEqual([])
    expect(offsets(fetcher, 49)).toHaveLength(49)
    expect(fetcher.poll(3, metadata).requests).toEqual([])
    // The last record of the response is returned: its frame is released, fetching goes on.
    expect(offsets(fetcher, 49)).toEqual(['0:49'])
    expect(fetcher.poll(4, metadata).requests).toHaveLength(1)
    fetcher.close()
  })
})

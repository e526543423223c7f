// The OffsetFetcher's sans-IO core stepped by hand, like fetcher-sans-io.test.ts and
// test/unit/producer/sender.test.ts: plain numbers as time, no cluster, no sockets. poll(now,
// metadata) plans ListOffsets (resets) and OffsetForLeaderEpoch (validations) per leader;
// onResponse()/onError() settle them into SubscriptionState.
import { describe, expect, it } from 'vitest'
import { LogTruncationError } from '../../../src/consumer/errors.js'
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type ListOffsetsResponseBody,
  OffsetFetcher,
  type OffsetForLeaderEpochResponseBody,
  type PositionRequest,
} from '../../../src/consumer/offset-fetcher.js'
import type { AutoOffsetReset } from '../../../src/consumer/options.js'
import { SubscriptionState } from '../../../src/consumer/subscription-state.js'
import { ErrorCode } from '../../../src/error-codes.js'

const TOPIC = 't'

/** Partitions 0..n-1 of one topic; partition p is led by broker p % brokers (epoch 5), none when `leaderless`. */
function setup(opts: { partitions?: number; brokers?: number; reset?: AutoOffsetReset } = {}) {
  const partitions = opts.partitions ?? 1
  const brokers = opts.brokers ?? 1
  const leaderless = new Set<number>()
  const refreshes: number[] = []
  const stale: { topic?: string; reason?: string }[] = []
  const metadata = {
    leaderFor: (_t: string, p: number) => (leaderless.has(p) ? undefined : { nodeId: p % brokers, leaderEpoch: 5 }),
    requestMetadataRefresh: () => refreshes.push(1),
    invalidateMetadata: (cause: { topic?: string; reason?: string }) => stale.push(cause),
  }
  const subs = new SubscriptionState(opts.reset ?? 'earliest')
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic: TOPIC, partition }))
  subs.assignFromUser(tps)
  const fetcher = new OffsetFetcher({
    subscriptions: subs,
    isolationLevel: 'read_committed',
    requestTimeoutMs: 30_000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    random: () => 0.5, // jitter factor 1
  })
  return { fetcher, metadata, subs, tps, leaderless, refreshes, stale }
}

const listOffsetsResponse = (parts: [number, number, bigint, number][]): ListOffsetsResponseBody =>
  ({
    throttleTimeMs: 0,
    topics: [
      {
        name: TOPIC,
        partitions: parts.map(([partitionIndex, errorCode, offset, leaderEpoch]) => ({
          partitionIndex,
          errorCode,
          oldStyleOffsets: [],
          timestamp: -1n,
          offset,
          leaderEpoch,
        })),
      },
    ],
  }) as unknown as ListOffsetsResponseBody

const epochResponse = (parts: [number, number, number, bigint][]): OffsetForLeaderEpochResponseBody =>
  ({
    throttleTimeMs: 0,
    topics: [
      {
        topic: TOPIC,
        partitions: parts.map(([partition, errorCode, leaderEpoch, endOffset]) => ({
          partition,
          errorCode,
          leaderEpoch,
          endOffset,
        })),
      },
    ],
  }) as unknown as OffsetForLeaderEpochResponseBody

const describeRequest = (r: PositionRequest) => [r.kind, r.nodeId, r.states.map((s) => s.partition)]

describe('OffsetFetcher (sans-IO)', () => {
  it('resets: one ListOffsets per leader with each partition’s strategy; the response seeks', () => {
    const { fetcher, metadata, subs, tps } = setup({ partitions: 3, brokers: 2 })
    subs.requestOffsetReset(tps[0]!, 'earliest')
    subs.requestOffsetReset(tps[1]!, 'latest')
    subs.requestOffsetReset(tps[2]!, 'latest')
    const { requests, nextPollMs } = fetcher.poll(0, metadata)
    expect(requests.map(describeRequest)).toEqual([
      ['ListOffsets', 0, [0, 2]],
      ['ListOffsets', 1, [1]],
    ])
    expect(nextPollMs).toBe(Number.POSITIVE_INFINITY)
    const toBroker0 = requests[0]!
    if (toBroker0.kind !== 'ListOffsets') throw new Error('expected ListOffsets')
    expect(toBroker0.body.isolationLevel).toBe(1)
    expect(
      toBroker0.body.topics![0]!.partitions!.map((p) => [p.partitionIndex, p.timestamp, p.currentLeaderEpoch]),
    ).toEqual([
      [0, EARLIEST_TIMESTAMP, 5],
      [2, LATEST_TIMESTAMP, 5],
    ])
    // In flight: not planned again.
    expect(fetcher.poll(1, metadata).requests).toEqual([])
    fetcher.onResponse(
      toBroker0,
      listOffsetsResponse([
        [0, ErrorCode.NONE, 7n, 3],
        [2, ErrorCode.NONE, 42n, 4],
      ]),
      10,
      metadata,
    )
    expect(subs.position(tps[0]!)).toEqual({ offset: 7n, offsetEpoch: 3, leaderId: 0, leaderEpoch: 5 })
    expect(subs.position(tps[2]!)!.offset).toBe(42n)
    expect(subs.stateOf(tps[1]!)!.state).toBe('AWAIT_RESET')
  })

  it('a partition error backs that partition off exponentially (per partition), reports stale metadata, and retries', () => {
    const { fetcher, metadata, subs, tps, stale } = setup({ partitions: 2 })
    for (const tp of tps) subs.requestOffsetReset(tp)
    let [req] = fetcher.poll(0, metadata).requests
    fetcher.onResponse(
      req!,
      listOffsetsResponse([
        [0, ErrorCode.NOT_LEADER_OR_FOLLOWER, -1n, -1],
        [1, ErrorCode.NONE, 3n, 5],
      ]),
      10,
      metadata,
    )
    expect(stale).toEqual([{ topic: TOPIC, reason: 'ListOffsets: NOT_LEADER_OR_FOLLOWER' }])
    expect(subs.position(tps[1]!)!.offset).toBe(3n)
    // retryBackoffMs 100 after the first failure.
    expect(fetcher.poll(50, metadata)).toEqual({ requests: [], nextPollMs: 110 })
    ;[req] = fetcher.poll(110, metadata).requests
    expect(describeRequest(req!)).toEqual(['ListOffsets', 0, [0]])
    fetcher.onResponse(req!, listOffsetsResponse([[0, ErrorCode.LEADER_NOT_AVAILABLE, -1n, -1]]), 120, metadata)
    // The second failure in a row doubles it.
    expect(fetcher.poll(130, metadata).nextPollMs).toBe(320)
    ;[req] = fetcher.poll(320, metadata).requests
    fetcher.onResponse(req!, listOffsetsResponse([[0, ErrorCode.NONE, 9n, 5]]), 330, metadata)
    expect(subs.position(tps[0]!)!.offset).toBe(9n)
    // A success resets the count: the next failure waits retryBackoffMs again.
    subs.requestOffsetReset(tps[0]!)
    ;[req] = fetcher.poll(400, metadata).requests
    fetcher.onError(req!, new Error('connection closed'), 400, metadata)
    expect(fetcher.poll(401, metadata).nextPollMs).toBe(500)
  })

  it('a failed request backs off every partition in it; a reset also refreshes metadata', () => {
    const { fetcher, metadata, subs, tps, refreshes } = setup({ partitions: 2 })
    for (const tp of tps) subs.requestOffsetReset(tp)
    const [req] = fetcher.poll(0, metadata).requests
    fetcher.onError(req!, new Error('timed out'), 5, metadata)
    expect(refreshes).toHaveLength(1)
    expect(tps.map((tp) => subs.stateOf(tp)!.requestInFlight)).toEqual([false, false])
    expect(fetcher.poll(6, metadata)).toEqual({ requests: [], nextPollMs: 105 })
    expect(fetcher.poll(105, metadata).requests.map(describeRequest)).toEqual([['ListOffsets', 0, [0, 1]]])
  })

  it('a partition without a leader asks for a metadata refresh and is planned once it has one', () => {
    const { fetcher, metadata, subs, tps, leaderless, refreshes } = setup({ partitions: 2 })
    leaderless.add(1)
    for (const tp of tps) subs.requestOffsetReset(tp)
    expect(fetcher.poll(0, metadata).requests.map(describeRequest)).toEqual([['ListOffsets', 0, [0]]])
    expect(refreshes).toHaveLength(1)
    leaderless.clear()
    expect(fetcher.poll(1, metadata).requests.map(describeRequest)).toEqual([['ListOffsets', 0, [1]]])
  })

  it('a response is not applied to a partition that was sought or reset differently meanwhile', () => {
    const { fetcher, metadata, subs, tps } = setup({ partitions: 2 })
    for (const tp of tps) subs.requestOffsetReset(tp, 'earliest')
    const [req] = fetcher.poll(0, metadata).requests
    subs.seek(tps[0]!, 100n) // the application's seek wins
    subs.requestOffsetReset(tps[1]!, 'latest') // a newer reset wins
    fetcher.onResponse(
      req!,
      listOffsetsResponse([
        [0, ErrorCode.NONE, 1n, 5],
        [1, ErrorCode.NONE, 1n, 5],
      ]),
      1,
      metadata,
    )
    expect(subs.position(tps[0]!)!.offset).toBe(100n)
    expect(subs.stateOf(tps[1]!)!.state).toBe('AWAIT_RESET')
    expect(fetcher.poll(2, metadata).requests.map(describeRequest)).toEqual([['ListOffsets', 0, [1]]])
  })

  it('validates after a leader change: OffsetForLeaderEpoch with the position’s epoch; a valid position fetches on', () => {
    const { fetcher, metadata, subs, tps } = setup()
    subs.seekUnvalidated(tps[0]!, { offset: 50n, offsetEpoch: 2, leaderId: 0, leaderEpoch: 4 })
    const [req] = fetcher.poll(0, metadata).requests
    if (req?.kind !== 'OffsetForLeaderEpoch') throw new Error('expected OffsetForLeaderEpoch')
    expect(req.body.topics).toEqual([
      { topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: 5, leaderEpoch: 2 }] },
    ])
    expect(fetcher.onResponse(req, epochResponse([[0, ErrorCode.NONE, 2, 80n]]), 1, metadata)).toBeUndefined()
    expect(subs.stateOf(tps[0]!)!.state).toBe('FETCHING')
    expect(subs.position(tps[0]!)).toEqual({ offset: 50n, offsetEpoch: 2, leaderId: 0, leaderEpoch: 5 })
  })

  it('a truncated log moves the position back to the end offset of the epoch', () => {
    const { fetcher, metadata, subs, tps } = setup()
    subs.seekUnvalidated(tps[0]!, { offset: 50n, offsetEpoch: 2, leaderId: 0, leaderEpoch: 4 })
    const [req] = fetcher.poll(0, metadata).requests
    expect(fetcher.onResponse(req!, epochResponse([[0, ErrorCode.NONE, 2, 30n]]), 1, metadata)).toBeUndefined()
    expect(subs.position(tps[0]!)).toEqual({ offset: 30n, offsetEpoch: 2, leaderId: 0, leaderEpoch: 5 })
  })

  it('with autoOffsetReset none, truncation is returned as a LogTruncationError and the partition retries after a backoff', () => {
    const { fetcher, metadata, subs, tps } = setup({ reset: 'none' })
    subs.seekUnvalidated(tps[0]!, { offset: 50n, offsetEpoch: 2, leaderId: 0, leaderEpoch: 4 })
    const [req] = fetcher.poll(0, metadata).requests
    const err = fetcher.onResponse(req!, epochResponse([[0, ErrorCode.NONE, 2, 30n]]), 1, metadata)
    expect(err).toBeInstanceOf(LogTruncationError)
    expect(subs.stateOf(tps[0]!)!.state).toBe('AWAIT_VALIDATION')
    expect(fetcher.poll(2, metadata)).toEqual({ requests: [], nextPollMs: 101 })
  })

  it('an unknown epoch falls back to the reset strategy', () => {
    const { fetcher, metadata, subs, tps } = setup({ reset: 'latest' })
    subs.seekUnvalidated(tps[0]!, { offset: 50n, offsetEpoch: 2, leaderId: 0, leaderEpoch: 4 })
    const [req] = fetcher.poll(0, metadata).requests
    fetcher.onResponse(req!, epochResponse([[0, ErrorCode.NONE, -1, -1n]]), 1, metadata)
    expect(subs.stateOf(tps[0]!)!.state).toBe('AWAIT_RESET')
    expect(subs.stateOf(tps[0]!)!.resetStrategy).toBe('latest')
    // The reset is planned by the next poll.
    expect(fetcher.poll(2, metadata).requests.map(describeRequest)).toEqual([['ListOffsets', 0, [0]]])
  })

  it('a validation error backs off and reports FENCED_LEADER_EPOCH as stale metadata; a failed request does not refresh', () => {
    const { fetcher, metadata, subs, tps, stale, refreshes } = setup()
    subs.seekUnvalidated(tps[0]!, { offset: 50n, offsetEpoch: 2, leaderId: 0, leaderEpoch: 4 })
    let [req] = fetcher.poll(0, metadata).requests
    fetcher.onResponse(req!, epochResponse([[0, ErrorCode.FENCED_LEADER_EPOCH, -1, -1n]]), 1, metadata)
    expect(stale).toEqual([{ topic: TOPIC, reason: 'OffsetForLeaderEpoch: FENCED_LEADER_EPOCH' }])
    expect(fetcher.poll(2, metadata)).toEqual({ requests: [], nextPollMs: 101 })
    ;[req] = fetcher.poll(101, metadata).requests
    fetcher.onError(req!, new Error('disconnected'), 101, metadata)
    expect(refreshes).toHaveLength(0)
    expect(fetcher.poll(102, metadata).nextPollMs).toBe(301)
  })
})

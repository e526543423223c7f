// The share consumer's sans-IO parts: acknowledgement bookkeeping and batching, share session
// epochs, heartbeat state (fake clock: plain numbers), and decoding acquired records.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/error-codes.js'
import { IllegalStateError } from '../../../src/errors.js'
import { RecordBatchBuilder } from '../../../src/protocol/records/index.js'
import { Acknowledgements, type SharePartition, toBatches } from '../../../src/share/acknowledgements.js'
import { ShareHeartbeatState } from '../../../src/share/heartbeat-state.js'
import { resolveShareConsumerOptions } from '../../../src/share/options.js'
import { decodeSharePartition } from '../../../src/share/share-fetch.js'
import { shareAcknowledgeBody, shareFetchBody } from '../../../src/share/share-requests.js'
import { nextEpoch, ShareSession } from '../../../src/share/share-session.js'

const p0: SharePartition = { topic: 'jobs', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partition: 0 }
const p1: SharePartition = { topic: 'jobs', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partition: 1 }
const all = () => true

describe('acknowledgement batches', () => {
  it('merges consecutive offsets of one type into one batch with one type', () => {
    const acks = new Map<bigint, number>([
      [5n, 1],
      [3n, 1],
      [4n, 1],
      [9n, 3],
    ])
    expect(toBatches(acks)).toEqual([
      { firstOffset: 3n, lastOffset: 5n, acknowledgeTypes: [1] },
      { firstOffset: 9n, lastOffset: 9n, acknowledgeTypes: [3] },
    ])
  })
  it('gives a run of mixed types one type per offset', () => {
    const acks = new Map<bigint, number>([
      [10n, 1],
      [11n, 2],
      [12n, 0],
    ])
    expect(toBatches(acks)).toEqual([{ firstOffset: 10n, lastOffset: 12n, acknowledgeTypes: [1, 2, 0] }])
  })
})

describe('Acknowledgements', () => {
  it('implicit mode: delivered records are accepted, gaps stay gaps, nothing is taken twice', () => {
    const a = new Acknowledgements()
    a.delivered(p0, [0n, 1n, 3n])
    a.gaps(p0, [2n])
    expect(a.unacknowledged()).toBe(3)
    a.acceptDelivered()
    expect(a.unacknowledged()).toBe(0)
    const taken = a.take(all)
    expect([...taken.keys()]).toEqual(['jobs-0'])
    expect(taken.get('jobs-0')!.batches).toEqual([{ firstOffset: 0n, lastOffset: 3n, acknowledgeTypes: [1, 1, 0, 1] }])
    expect(taken.get('jobs-0')!.offsets).toEqual([0n, 1n, 3n])
    expect(a.take(all).size).toBe(0)
    expect(a.hasPending()).toBe(false)
  })
  it('explicit mode: acknowledge() records each type; the last type before sending wins', () => {
    const a = new Acknowledgements()
    a.delivered(p0, [7n, 8n])
    a.acknowledge('jobs', 0, 7n, 'RELEASE')
    a.acknowledge('jobs', 0, 8n, 'REJECT')
    a.acknowledge('jobs', 0, 7n, 'ACCEPT')
    expect(a.take(all).get('jobs-0')!.batches).toEqual([{ firstOffset: 7n, lastOffset: 8n, acknowledgeTypes: [1, 3] }])
  })
  it('refuses records not delivered, already sent, gaps, and unknown types', () => {
    const a = new Acknowledgements()
    a.delivered(p0, [1n])
    a.gaps(p0, [2n])
    expect(() => a.acknowledge('jobs', 0, 5n, 'ACCEPT')).toThrow(IllegalStateError)
    expect(() => a.acknowledge('jobs', 0, 2n, 'ACCEPT')).toThrow(IllegalStateError)
    expect(() => a.acknowledge('jobs', 0, 1n, 'MAYBE' as never)).toThrow(TypeError)
    a.acknowledge('jobs', 0, 1n, 'ACCEPT')
    a.take(all)
    expect(() => a.acknowledge('jobs', 0, 1n, 'RELEASE')).toThrow(IllegalStateError)
  })
  it('takes only the partitions asked for (acknowledgements go to each leader)', () => {
    const a = new Acknowledgements()
    a.delivered(p0, [0n])
    a.delivered(p1, [0n])
    a.acceptDelivered()
    expect(a.hasPending((p) => p.partition === 1)).toBe(true)
    expect([...a.take((p) => p.partition === 1).keys()]).toEqual(['jobs-1'])
    expect([...a.take(all).keys()]).toEqual(['jobs-0'])
  })
  it('release() marks records never handed out for redelivery', () => {
    const a = new Acknowledgements()
    a.release(p0, [4n, 5n])
    expect(a.take(all).get('jobs-0')!.batches).toEqual([{ firstOffset: 4n, lastOffset: 5n, acknowledgeTypes: [2] }])
  })
})

describe('ShareSession', () => {
  it('opens with epoch 0 and every partition, then names only changes', () => {
    const s = new ShareSession(1)
    expect(s.isOpen).toBe(false)
    const first = s.planFetch([p0])
    expect(first).toEqual({ epoch: 0, added: [p0], forgotten: [] })
    s.fetchSucceeded(first)
    expect(s.epoch).toBe(1)
    expect(s.planFetch([p0])).toEqual({ epoch: 1, added: [], forgotten: [] })
    const grow = s.planFetch([p0, p1])
    expect(grow.added).toEqual([p1])
    s.fetchSucceeded(grow)
    const shrink = s.planFetch([p1])
    expect(shrink).toEqual({ epoch: 2, added: [], forgotten: [p0] })
    s.fetchSucceeded(shrink)
    expect(s.has(p0)).toBe(false)
    s.acknowledgeSucceeded(s.epoch)
    expect(s.epoch).toBe(4)
  })
  it('a reset (session error, unknown outcome) starts over with epoch 0 and all partitions', () => {
    const s = new ShareSession(1)
    s.fetchSucceeded(s.planFetch([p0, p1]))
    s.reset()
    expect(s.planFetch([p0, p1])).toEqual({ epoch: 0, added: [p0, p1], forgotten: [] })
  })
  it('epochs wrap from Int32 max to 1, and -1 (closed) to 0', () => {
    expect(nextEpoch(2147483647)).toBe(1)
    expect(nextEpoch(-1)).toBe(0)
    expect(nextEpoch(0)).toBe(1)
  })
})

describe('ShareHeartbeatState (fake clock)', () => {
  const ok = (over: Record<string, unknown> = {}) => ({
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId: null,
    memberEpoch: 3,
    heartbeatIntervalMs: 5000,
    assignment: null,
    ...over,
  })
  it('joins with the full request, then sends only what changed, every heartbeatIntervalMs', () => {
    const s = new ShareHeartbeatState('g', 'rack-a', 100, 'member-1')
    expect(s.due(0)).toBe(false) // no subscription: no join
    s.subscribe(['b', 'a', 'a'], 0)
    expect(s.due(0)).toBe(true)
    const join = s.build()
    expect(join).toEqual({
      groupId: 'g',
      memberId: 'member-1',
      memberEpoch: 0,
      rackId: 'rack-a',
      subscribedTopicNames: ['a', 'b'],
    })
    s.inFlight = true
    expect(s.due(0)).toBe(false)
    const outcome = s.onResponse(
      join,
      ok({ assignment: { topicPartitions: [{ topicId: 'T', partitions: [2, 0] }] } }),
      10,
    )
    expect(outcome).toBe('assignment')
    expect(s.assignment).toEqual([{ topicId: 'T', partitions: [0, 2] }])
    expect(s.due(5009)).toBe(false)
    expect(s.due(5010)).toBe(true)
    expect(s.build()).toEqual({
      groupId: 'g',
      memberId: 'member-1',
      memberEpoch: 3,
      rackId: null,
      subscribedTopicNames: null,
    })
    s.subscribe(['c'], 6000)
    expect(s.due(6000)).toBe(true)
    expect(s.build().subscribedTopicNames).toEqual(['c'])
  })
  it('fenced: epoch 0, assignment dropped, rejoin at once with the full request', () => {
    const s = new ShareHeartbeatState('g', null, 100, 'm')
    s.subscribe(['a'], 0)
    s.onResponse(s.build(), ok({ assignment: { topicPartitions: [{ topicId: 'T', partitions: [0] }] } }), 0)
    const hb = s.build()
    expect(s.onResponse(hb, ok({ errorCode: ErrorCode.FENCED_MEMBER_EPOCH }), 100)).toBe('fenced')
    expect(s.epoch).toBe(0)
    expect(s.assignment).toEqual([])
    expect(s.due(100)).toBe(true)
    expect(s.build().subscribedTopicNames).toEqual(['a'])
  })
  it('coordinator errors and transport errors retry after the backoff; others are fatal', () => {
    const s = new ShareHeartbeatState('g', null, 100, 'm')
    s.subscribe(['a'], 0)
    expect(s.onResponse(s.build(), ok({ errorCode: ErrorCode.NOT_COORDINATOR }), 0)).toBe('coordinator')
    expect(s.due(99)).toBe(false)
    expect(s.due(100)).toBe(true)
    s.onError(200)
    expect(s.due(299)).toBe(false)
    expect(s.due(300)).toBe(true)
    expect(s.onResponse(s.build(), ok({ errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }), 300)).toBe('fatal')
    expect(s.fatal?.code).toBe('GROUP_AUTHORIZATION_FAILED')
    expect(s.due(10_000)).toBe(false)
  })
  it('generates a member id when none is given (KIP-1082: the client chooses it)', () => {
    const a = new ShareHeartbeatState('g', null, 100)
    const b = new ShareHeartbeatState('g', null, 100)
    expect(a.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(a.memberId).not.toBe(b.memberId)
    expect(a.buildLeave().memberEpoch).toBe(-1)
  })
})

describe('decodeSharePartition', () => {
  function batch(base: bigint, values: string[]): Buffer {
    const b = new RecordBatchBuilder({ baseOffset: base, partitionLeaderEpoch: 0 })
    for (const [i, v] of values.entries()) b.tryAppend(1_000 + i, null, Buffer.from(v), null)
    return Buffer.from(b.build())
  }
  const opts = { checkCrcs: true, keyDeserializer: null, valueDeserializer: null }
  it('returns the acquired records with their delivery count, skips others, reports gaps', () => {
    const records = Buffer.concat([batch(0n, ['a', 'b', 'c']), batch(3n, ['d', 'e'])])
    const d = decodeSharePartition(
      p0,
      records,
      [
        { firstOffset: 1n, lastOffset: 2n, deliveryCount: 1 },
        { firstOffset: 4n, lastOffset: 6n, deliveryCount: 2 },
      ],
      opts,
    )
    expect(d.entries.map((e) => [e.record!.offset, String(e.record!.value), e.record!.deliveryCount])).toEqual([
      [1n, 'b', 1],
      [2n, 'c', 1],
      [4n, 'e', 2],
    ])
    expect(d.gaps).toEqual([5n, 6n])
  })
  it('a value that cannot be deserialized becomes an error entry in its place', () => {
    const d = decodeSharePartition(
      p0,
      batch(0n, ['1', 'x', '3']),
      [{ firstOffset: 0n, lastOffset: 2n, deliveryCount: 1 }],
      {
        ...opts,
        valueDeserializer: (b: Buffer | null) => {
          const n = Number(String(b))
          if (Number.isNaN(n)) throw new Error('not a number')
          return n
        },
      },
    )
    expect(d.entries.map((e) => (e.record ? e.record.value : e.error.code))).toEqual([
      1,
      'ERR_RECORD_DESERIALIZATION',
      3,
    ])
  })
})

describe('request bodies', () => {
  const options = resolveShareConsumerOptions({
    bootstrapServers: 'x:1',
    groupId: 'g',
    maxPollRecords: 7,
    shareAcquireMode: 'record_limit',
  })
  const acked = {
    partition: p1,
    batches: [{ firstOffset: 3n, lastOffset: 4n, acknowledgeTypes: [1] }],
    offsets: [3n, 4n],
  }
  it('ShareFetch: added partitions, acknowledgements on their partition, forgotten ones by topic id', () => {
    const body = shareFetchBody(
      options,
      'm',
      { epoch: 2, added: [p0, p1], forgotten: [] },
      new Map([['jobs-1', acked]]),
    )
    expect(body).toMatchObject({
      groupId: 'g',
      memberId: 'm',
      shareSessionEpoch: 2,
      maxRecords: 7,
      batchSize: 7,
      shareAcquireMode: 1,
    })
    expect(body.topics).toEqual([
      {
        topicId: p0.topicId,
        partitions: [
          { partitionIndex: 0, acknowledgementBatches: [], partitionMaxBytes: 0 },
          { partitionIndex: 1, acknowledgementBatches: acked.batches, partitionMaxBytes: 0 },
        ],
      },
    ])
    const forget = shareFetchBody(options, 'm', { epoch: 3, added: [], forgotten: [p0, p1] }, new Map())
    expect(forget.topics).toEqual([])
    expect(forget.forgottenTopicsData).toEqual([{ topicId: p0.topicId, partitions: [0, 1] }])
  })
  it('ShareAcknowledge: the acknowledgements by topic id at the given epoch', () => {
    expect(shareAcknowledgeBody('g', 'm', -1, new Map([['jobs-1', acked]]))).toEqual({
      groupId: 'g',
      memberId: 'm',
      shareSessionEpoch: -1,
      isRenewAck: false,
      topics: [{ topicId: p1.topicId, partitions: [{ partitionIndex: 1, acknowledgementBatches: acked.batches }] }],
    })
  })
})

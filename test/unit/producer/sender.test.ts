import { describe, expect, it } from 'vitest'
import {
  brokerError,
  ClosedError,
  ConnectionError,
  ErrorCode,
  NotLeaderOrFollowerError,
  RecordTooLargeError,
  TimeoutError,
} from '../../../src/errors.js'
import { createLog } from '../../../src/internal/log.js'
import { RECORD_OVERHEAD_BYTES } from '../../../src/producer/accumulator.js'
import { BACKGROUND_COMPRESSION_MIN_BYTES } from '../../../src/producer/batch.js'
import { type Sender, SenderLoop } from '../../../src/producer/sender.js'
import { batches, CompressionType } from '../../../src/protocol/records/index.js'
import { harness } from './harness.js'

describe('accumulator readiness (fake clock)', () => {
  it('sends a batch once it lingered lingerMs, and not before', () => {
    const h = harness({ lingerMs: 5 })
    h.send(0, 'a', 1000)
    let poll = h.sender.poll(1000, h.metadata)
    expect(poll.requests).toHaveLength(0)
    expect(poll.nextPollMs).toBe(1005)
    poll = h.sender.poll(1004, h.metadata)
    expect(poll.requests).toHaveLength(0)
    poll = h.sender.poll(1005, h.metadata)
    expect(poll.requests).toHaveLength(1)
    expect(poll.requests[0]!.nodeId).toBe(1)
    expect(h.decode(poll.requests[0]!)[0]!.values).toEqual(['a'])
  })

  it('sends a full batch at once, before lingerMs', () => {
    const h = harness({ lingerMs: 10_000, batchSize: 200 })
    // 61 header bytes + ~68 per record: two records fit in 200 bytes, the third starts a new batch.
    for (let i = 0; i < 3; i++) h.send(0, 'x'.repeat(59) + i, 0)
    const poll = h.sender.poll(0, h.metadata)
    expect(poll.requests).toHaveLength(1)
    const sent = h.decode(poll.requests[0]!)
    expect(sent).toHaveLength(1) // one batch per partition per request
    expect(sent[0]!.values).toHaveLength(2)
    // The rest (a second, partial batch) still lingers; the next request waits for a response or linger.
    const next = h.sender.poll(0, h.metadata)
    expect(next.requests).toHaveLength(0)
    expect(next.nextPollMs).toBe(10_000)
  })

  it('drains every partition led by one broker into one request, up to maxRequestSize', () => {
    const h = harness({ lingerMs: 0, partitions: [1, 1, 1], maxRequestSize: 250 })
    h.send(0, 'a'.repeat(100), 0)
    h.send(1, 'b'.repeat(100), 0)
    h.send(2, 'c'.repeat(100), 0)
    const poll = h.sender.poll(0, h.metadata)
    // Each batch is ~170 bytes: one per request under a 250-byte limit; up to maxInFlight requests at once.
    expect(poll.requests).toHaveLength(3)
    expect(poll.requests.map((r) => h.decode(r).length)).toEqual([1, 1, 1])
    const big = harness({ lingerMs: 0, partitions: [1, 1, 1] })
    big.send(0, 'a', 0)
    big.send(1, 'b', 0)
    big.send(2, 'c', 0)
    const one = big.sender.poll(0, big.metadata)
    expect(one.requests).toHaveLength(1)
    expect(
      big
        .decode(one.requests[0]!)
        .map((b) => b.partition)
        .sort(),
    ).toEqual([0, 1, 2])
  })

  it('keeps at most maxInFlightRequestsPerConnection requests per broker', () => {
    const h = harness({ lingerMs: 0, maxInFlight: 2, batchSize: 100 })
    for (let i = 0; i < 6; i++) h.send(0, 'v'.repeat(60) + i, 0)
    const poll = h.sender.poll(0, h.metadata)
    expect(poll.requests).toHaveLength(2)
    expect(h.sender.poll(0, h.metadata).requests).toHaveLength(0)
    // Nothing to do before a response arrives: the next deadline is only the delivery timeout (no busy loop).
    expect(h.sender.poll(0, h.metadata).nextPollMs).toBe(120_000)
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ baseOffset: 0n }]), 1)
    expect(h.sender.poll(1, h.metadata).requests).toHaveLength(1)
  })

  it('resolves records with offsets and CreateTime, or LogAppendTime when the broker returns it', async () => {
    const h = harness({ lingerMs: 0 })
    const a = h.send(0, 'a', 10)
    const b = h.send(0, 'b', 11)
    const c = h.send(1, 'c', 12)
    const poll = h.sender.poll(20, h.metadata)
    expect(poll.requests).toHaveLength(2)
    const [r0, r1] = poll.requests
    h.sender.onResponse(r0!, h.response(r0!, [{ baseOffset: 42n }]), 21)
    h.sender.onResponse(r1!, h.response(r1!, [{ baseOffset: 7n, logAppendTimeMs: 999n }]), 21)
    expect(await a).toEqual({
      topic: 't',
      partition: 0,
      offset: 42n,
      timestamp: 10,
      serializedKeySize: -1,
      serializedValueSize: 1,
    })
    expect((await b).offset).toBe(43n)
    expect(await c).toMatchObject({ partition: 1, offset: 7n, timestamp: 999 })
    expect(h.pool.usedMemory).toBe(0)
  })

  it('acks=0 resolves once written with offset -1n', async () => {
    const h = harness({ lingerMs: 0, acks: 0 })
    const p = h.send(0, 'a', 0)
    const poll = h.sender.poll(0, h.metadata)
    expect(poll.requests[0]!.expectResponse).toBe(false)
    h.sender.onResponse(poll.requests[0]!, undefined, 1)
    expect((await p).offset).toBe(-1n)
  })
})

describe('compression off the event loop (fake clock)', () => {
  it('a closed lz4 batch is compressed on the thread pool, not drained before that is done, then sent', async () => {
    const h = harness({
      lingerMs: 10_000,
      batchSize: 256 * 1024,
      bufferMemory: 4 << 20,
      compression: CompressionType.LZ4,
    })
    let compressed!: () => void
    const done = new Promise<void>((r) => (compressed = r))
    h.acc.onCompressed = () => compressed()
    // ~1 KB records until one no longer fits the first batch: it closes, the record starts a second.
    const queue = h.acc.topicQueues('t').queue(0)
    const values: string[] = []
    while (queue.batches.length < 2) {
      const v = `${values.length}:${'abcdefgh'.repeat(125)}`
      values.push(v)
      h.send(0, v, 0)
    }
    expect(BACKGROUND_COMPRESSION_MIN_BYTES).toBeLessThan(250 * 1024)
    const first = h.acc.topicQueues('t').queue(0).batches[0]!
    expect(first.compressing).toBe(true)
    // Full, with a second batch behind it, but still compressing: not sendable, and nothing due
    // to poll for soon (its completion wakes the sender; 120 s is the delivery-timeout check).
    const before = h.sender.poll(0, h.metadata)
    expect(before.requests).toHaveLength(0)
    expect(before.nextPollMs).toBe(120_000)
    await done
    expect(first.compressing).toBe(false)
    const poll = h.sender.poll(1, h.metadata)
    expect(poll.requests).toHaveLength(1)
    const sent = h.decode(poll.requests[0]!)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.values).toEqual(values.slice(0, -1))
    const batch = [...batches(poll.requests[0]!.body.topicData![0]!.partitionData![0]!.records as Buffer)][0]!
    expect(batch.compression).toBe(CompressionType.LZ4)
  })

  it('a small closed batch (under BACKGROUND_COMPRESSION_MIN_BYTES) is compressed when drained, as before', () => {
    const h = harness({ lingerMs: 10_000, batchSize: 1000, compression: CompressionType.LZ4 })
    for (let i = 0; i < 12; i++) h.send(0, `${i}:${'x'.repeat(98)}`, 0)
    const first = h.acc.topicQueues('t').queue(0).batches[0]!
    expect(first.estimatedSizeInBytes).toBeLessThan(BACKGROUND_COMPRESSION_MIN_BYTES)
    expect(first.compressing).toBe(false)
    expect(h.sender.poll(0, h.metadata).requests).toHaveLength(1)
  })
})

describe('producer metrics (fake clock)', () => {
  const at = (h: ReturnType<typeof harness>, name: string, now: number) =>
    h.metrics.registry.snapshot(now).find((m) => m.group === 'producer-metrics' && m.name === name)!.value

  it('counts records per request, retries per batch, and the latency from send to response', async () => {
    const h = harness({ lingerMs: 0 })
    const a = h.send(0, 'a', 0)
    h.send(0, 'b', 0)
    let poll = h.sender.poll(1_000, h.metadata)
    expect(poll.requests).toHaveLength(1)
    expect(at(h, 'record-send-total', 1_000)).toBe(2)
    expect(at(h, 'records-per-request-avg', 1_000)).toBe(2)
    expect(at(h, 'requests-in-flight', 1_000)).toBe(1)
    // NOT_LEADER_OR_FOLLOWER 40 ms later: one latency sample, the batch's 2 records retried.
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ errorCode: 6 }]), 1_040)
    expect(at(h, 'request-latency-avg', 1_040)).toBe(40)
    expect(at(h, 'record-retry-total', 1_040)).toBe(2)
    poll = h.sender.poll(1_140, h.metadata)
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ baseOffset: 7n }]), 1_150)
    expect((await a).offset).toBe(7n)
    // The retried records were sent again (Java counts them again too).
    expect(at(h, 'record-send-total', 1_150)).toBe(4)
    expect(at(h, 'request-latency-avg', 1_150)).toBe(25)
    expect(at(h, 'request-latency-max', 1_150)).toBe(40)
    expect(at(h, 'compression-rate-avg', 1_150)).toBe(1)
    expect(at(h, 'buffer-available-bytes', 1_150)).toBe(at(h, 'buffer-total-bytes', 1_150))
    // Two minutes later the windows are empty: averages NaN, totals kept.
    expect(at(h, 'request-latency-avg', 121_150)).toBeNaN()
    expect(at(h, 'record-send-total', 121_150)).toBe(4)
    const nodes = h.metrics.registry
      .snapshot(1_150)
      .filter((m) => m.group === 'producer-node-metrics' && m.name === 'request-latency-max')
    expect(nodes.map((m) => m.tags['node-id'])).toEqual(['node-1'])
  })
})

describe('retries and failures (fake clock)', () => {
  it('re-enqueues a retriable error at the front with backoff after asking for metadata', async () => {
    const h = harness({ lingerMs: 0 })
    const first = h.send(0, 'first', 0)
    let poll = h.sender.poll(0, h.metadata)
    const req = poll.requests[0]!
    const second = h.send(0, 'second', 1) // queued behind while the first is in flight
    h.sender.onResponse(req, h.response(req, [{ errorCode: 6 }]), 2) // NOT_LEADER_OR_FOLLOWER
    // Leadership moved: the next poll asks for metadata and routes to the new leader after backoff.
    h.topics.get('t')!.partitions[0]!.leaderId = 2
    poll = h.sender.poll(2, h.metadata)
    expect(poll.refreshMetadata).toBe(true)
    expect(poll.requests).toHaveLength(0)
    expect(poll.nextPollMs).toBe(102)
    poll = h.sender.poll(102, h.metadata)
    // The retried batch goes first, then the one queued behind it (pipelined, in order).
    expect(poll.requests).toHaveLength(2)
    expect(poll.requests.map((r) => r.nodeId)).toEqual([2, 2])
    expect(poll.requests.map((r) => h.decode(r)[0]!.values[0])).toEqual(['first', 'second'])
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ baseOffset: 5n }]), 103)
    expect((await first).offset).toBe(5n)
    h.sender.onResponse(poll.requests[1]!, h.response(poll.requests[1]!, [{ baseOffset: 6n }]), 104)
    expect((await second).offset).toBe(6n)
  })

  it('retries connection errors of a whole request', async () => {
    const h = harness({ lingerMs: 0 })
    const p = h.send(0, 'a', 0)
    let poll = h.sender.poll(0, h.metadata)
    h.sender.onError(poll.requests[0]!, new ConnectionError('socket closed'), 1)
    poll = h.sender.poll(101, h.metadata)
    expect(poll.requests).toHaveLength(1)
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ baseOffset: 1n }]), 102)
    expect((await p).offset).toBe(1n)
  })

  it('rejects the batch with the typed error for a non-retriable error, and only that batch', async () => {
    const h = harness({ lingerMs: 0 })
    const bad = h.send(0, 'a', 0)
    const good = h.send(1, 'b', 0)
    const poll = h.sender.poll(0, h.metadata)
    const r0 = poll.requests.find((r) => r.nodeId === 1)!
    const r1 = poll.requests.find((r) => r.nodeId === 2)!
    h.sender.onResponse(r0, h.response(r0, [{ errorCode: 10 }]), 1) // MESSAGE_TOO_LARGE
    h.sender.onResponse(r1, h.response(r1, [{ baseOffset: 3n }]), 1)
    const err = await bad.catch((e) => e)
    expect(err).toBeInstanceOf(RecordTooLargeError)
    expect(err).toMatchObject({ topic: 't', partition: 0, broker: 1 })
    expect((await good).offset).toBe(3n)
    expect(h.failed).toHaveLength(1)
  })

  it('stops retrying after `retries` attempts', async () => {
    const h = harness({ lingerMs: 0, retries: 1 })
    const p = h.send(0, 'a', 0)
    let poll = h.sender.poll(0, h.metadata)
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ errorCode: 6 }]), 1)
    poll = h.sender.poll(101, h.metadata)
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ errorCode: 6 }]), 102)
    expect(await p.catch((e) => e)).toBeInstanceOf(NotLeaderOrFollowerError)
  })

  it('expires queued batches after deliveryTimeoutMs', async () => {
    const h = harness({ lingerMs: 0, deliveryTimeoutMs: 1000, partitions: [-1] })
    const p = h.send(0, 'a', 0)
    let poll = h.sender.poll(0, h.metadata)
    expect(poll.refreshMetadata).toBe(true) // no leader
    expect(poll.nextPollMs).toBe(100)
    poll = h.sender.poll(999, h.metadata)
    expect(h.settled.size).toBe(0)
    poll = h.sender.poll(1000, h.metadata)
    const err = await p.catch((e) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(err.message).toMatch(/Expiring 1 record\(s\) for t-0/)
    expect(h.pool.usedMemory).toBe(0)
  })

  it('expires in-flight batches at the delivery deadline and ignores their late response', async () => {
    const h = harness({ lingerMs: 0, deliveryTimeoutMs: 1000 })
    const p = h.send(0, 'a', 0)
    let poll = h.sender.poll(0, h.metadata)
    const req = poll.requests[0]!
    poll = h.sender.poll(10, h.metadata)
    expect(poll.nextPollMs).toBe(1000)
    poll = h.sender.poll(1000, h.metadata)
    expect(await p.catch((e) => e)).toBeInstanceOf(TimeoutError)
    // Memory is held until the request settles: the socket may still reference the buffer.
    expect(h.pool.usedMemory).toBeGreaterThan(0)
    h.sender.onResponse(req, h.response(req, [{ baseOffset: 1n }]), 1001)
    expect(h.pool.usedMemory).toBe(0)
  })

  it('retries give up at the delivery timeout with a TimeoutError carrying the last error', async () => {
    const h = harness({ lingerMs: 0, deliveryTimeoutMs: 150 })
    const p = h.send(0, 'a', 0)
    let poll = h.sender.poll(0, h.metadata)
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ errorCode: 19 }]), 1) // NOT_ENOUGH_REPLICAS
    poll = h.sender.poll(101, h.metadata)
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ errorCode: 19 }]), 160)
    const err = await p.catch((e) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(err.cause.errorName).toBe('NOT_ENOUGH_REPLICAS')
  })
})

describe('ordering and idempotence (fake clock)', () => {
  it('applies responses of one broker in send order even when they settle out of order', async () => {
    const h = harness({ lingerMs: 0, batchSize: 100 })
    const order: string[] = []
    const a = h.send(0, 'a'.repeat(60), 0).then(() => order.push('a'))
    const poll1 = h.sender.poll(0, h.metadata)
    const b = h.send(0, 'b'.repeat(60), 1).then(() => order.push('b'))
    const poll2 = h.sender.poll(1, h.metadata)
    const [r1, r2] = [poll1.requests[0]!, poll2.requests[0]!]
    h.sender.onResponse(r2, h.response(r2, [{ baseOffset: 1n }]), 2)
    await h.flush()
    expect(order).toEqual([])
    h.sender.onResponse(r1, h.response(r1, [{ baseOffset: 0n }]), 3)
    await Promise.all([a, b])
    expect(order).toEqual(['a', 'b'])
  })

  it('sends one batch at a time to a partition until the first is acknowledged', async () => {
    const h = harness({ lingerMs: 0, batchSize: 100, idempotent: true })
    const a = h.send(0, 'a'.repeat(70), 0)
    const r0 = h.sender.poll(0, h.metadata).requests[0]!
    h.send(0, 'b'.repeat(70), 1)
    // A broker without state for this producer would take the second batch's sequence as its
    // first write if the first failed: the second waits.
    expect(h.sender.poll(1, h.metadata).requests).toHaveLength(0)
    h.sender.onResponse(r0, h.response(r0, [{ baseOffset: 0n }]), 2)
    expect((await a).offset).toBe(0n)
    const next = h.sender.poll(2, h.metadata).requests
    expect(next.map((r) => h.decode(r)[0]!.baseSequence)).toEqual([1])
    h.send(0, 'c'.repeat(70), 3)
    expect(h.sender.poll(3, h.metadata).requests.map((r) => h.decode(r)[0]!.baseSequence)).toEqual([2])
  })

  it('stamps sequences per partition and retries only the first unsettled batch', async () => {
    const h = harness({ lingerMs: 0, batchSize: 100, idempotent: true })
    const promises = []
    const requests = []
    // First an acknowledged batch (sequence 0): until then a partition takes one batch at a time.
    await h.acknowledgeFirstBatch()
    for (let i = 0; i < 3; i++) {
      promises.push(h.send(0, `${i}`.repeat(70), i))
      requests.push(h.sender.poll(i, h.metadata).requests[0]!)
    }
    expect(requests.map((r) => h.decode(r)[0]!.baseSequence)).toEqual([1, 2, 3])
    expect(requests.every((r) => h.decode(r)[0]!.producerEpoch === 0)).toBe(true)
    // The first fails (leader moved); the two behind it fail as well.
    h.sender.onResponse(requests[0]!, h.response(requests[0]!, [{ errorCode: 6 }]), 10)
    h.sender.onResponse(requests[1]!, h.response(requests[1]!, [{ errorCode: 45 }]), 10)
    h.sender.onResponse(requests[2]!, h.response(requests[2]!, [{ errorCode: 45 }]), 10)
    // Out-of-order errors for batches that are not next are plain retries: no epoch bump.
    let poll = h.sender.poll(200, h.metadata)
    expect(poll.requests).toHaveLength(1) // only the first unsettled goes
    expect(h.decode(poll.requests[0]!)[0]).toMatchObject({ baseSequence: 1, producerEpoch: 0 })
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ baseOffset: 1n }]), 201)
    poll = h.sender.poll(201, h.metadata)
    expect(poll.requests.map((r) => h.decode(r)[0]!.baseSequence)).toEqual([2])
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ baseOffset: 2n }]), 202)
    poll = h.sender.poll(202, h.metadata)
    expect(poll.requests.map((r) => h.decode(r)[0]!.baseSequence)).toEqual([3])
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ baseOffset: 3n }]), 203)
    expect((await Promise.all(promises)).map((m) => m.offset)).toEqual([1n, 2n, 3n])
  })

  it('bumps the epoch and renumbers from 0 on OUT_OF_ORDER_SEQUENCE_NUMBER for the next batch', async () => {
    const h = harness({ lingerMs: 0, batchSize: 100, idempotent: true })
    const p0 = h.send(0, '0'.repeat(70), 0)
    const r0 = h.sender.poll(0, h.metadata).requests[0]!
    h.sender.onResponse(r0, h.response(r0, [{ baseOffset: 0n }]), 1)
    await p0
    const p1 = h.send(0, '1'.repeat(70), 2)
    const r1 = h.sender.poll(2, h.metadata).requests[0]!
    const p2 = h.send(0, '2'.repeat(70), 3)
    const r2 = h.sender.poll(3, h.metadata).requests[0]!
    expect([h.decode(r1)[0]!.baseSequence, h.decode(r2)[0]!.baseSequence]).toEqual([1, 2])
    // The broker lost sequence 1 (e.g. an unclean leader change): a real gap.
    h.sender.onResponse(r1, h.response(r1, [{ errorCode: 45 }]), 4)
    h.sender.onResponse(r2, h.response(r2, [{ errorCode: 45 }]), 4)
    const poll = h.sender.poll(200, h.metadata)
    expect(h.state.epoch).toBe(1)
    expect(h.decode(poll.requests[0]!)[0]).toMatchObject({
      baseSequence: 0,
      producerEpoch: 1,
      values: ['1'.repeat(70)],
    })
    h.sender.onResponse(poll.requests[0]!, h.response(poll.requests[0]!, [{ baseOffset: 1n }]), 201)
    const next = h.sender.poll(201, h.metadata)
    expect(h.decode(next.requests[0]!)[0]).toMatchObject({ baseSequence: 1, producerEpoch: 1 })
    h.sender.onResponse(next.requests[0]!, h.response(next.requests[0]!, [{ baseOffset: 2n }]), 202)
    expect((await p1).offset).toBe(1n)
    expect((await p2).offset).toBe(2n)
    // New batches continue the new epoch's sequence.
    h.send(0, 'z', 300)
    const r3 = h.sender.poll(300, h.metadata).requests[0]!
    expect(h.decode(r3)[0]).toMatchObject({ baseSequence: 2, producerEpoch: 1 })
  })

  it('a batch the broker can no longer take (later sequences acknowledged) fails at once, not at the delivery timeout', async () => {
    const h = harness({ lingerMs: 0, batchSize: 100, idempotent: true })
    await h.acknowledgeFirstBatch()
    const a = h.send(0, 'a'.repeat(70), 1)
    const ra = h.sender.poll(1, h.metadata).requests[0]!
    const b = h.send(0, 'b'.repeat(70), 2)
    const rb = h.sender.poll(2, h.metadata).requests[0]!
    h.sender.onResponse(ra, h.response(ra, [{ errorCode: 6 }]), 3) // NOT_LEADER_OR_FOLLOWER
    h.sender.onResponse(rb, h.response(rb, [{ baseOffset: 1n }]), 3) // written after all
    expect((await b).offset).toBe(1n)
    const retry = h.sender.poll(200, h.metadata).requests[0]!
    expect(h.decode(retry)[0]).toMatchObject({ baseSequence: 1, producerEpoch: 0 })
    h.sender.onResponse(retry, h.response(retry, [{ errorCode: 45 }]), 201)
    expect(await a.catch((e) => e.errorName)).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
    // The partition starts over under a new epoch.
    h.send(0, 'c', 202)
    expect(h.decode(h.sender.poll(202, h.metadata).requests[0]!)[0]).toMatchObject({
      baseSequence: 0,
      producerEpoch: 1,
    })
  })

  it('bumps the epoch on UNKNOWN_PRODUCER_ID once nothing of the partition is on the wire', () => {
    const h = harness({ lingerMs: 0, idempotent: true })
    h.send(0, 'a', 0)
    const r = h.sender.poll(0, h.metadata).requests[0]!
    h.sender.onResponse(r, h.response(r, [{ errorCode: 59, logStartOffset: 10n }]), 1)
    const poll = h.sender.poll(200, h.metadata)
    expect(h.decode(poll.requests[0]!)[0]).toMatchObject({ baseSequence: 0, producerEpoch: 1 })
  })

  it('a batch that fails for good after being sent resets the partition under a new epoch', async () => {
    const h = harness({ lingerMs: 0, idempotent: true, batchSize: 100 })
    const bad = h.send(0, 'x'.repeat(70), 0)
    const r = h.sender.poll(0, h.metadata).requests[0]!
    h.send(0, 'y', 1)
    h.sender.onResponse(r, h.response(r, [{ errorCode: 87 }]), 2) // INVALID_RECORD
    expect(await bad.catch((e) => e.errorName)).toBe('INVALID_RECORD')
    const poll = h.sender.poll(2, h.metadata)
    expect(h.decode(poll.requests[0]!)[0]).toMatchObject({ values: ['y'], baseSequence: 0, producerEpoch: 1 })
  })

  it('sends nothing until the producer has an id', () => {
    const h = harness({ lingerMs: 0, idempotent: true })
    h.state.resetProducerId()
    h.send(0, 'a', 0)
    let poll = h.sender.poll(0, h.metadata)
    expect(poll.needsProducerId).toBe(true)
    expect(poll.requests).toHaveLength(0)
    h.state.setProducerIdAndEpoch(5n, 0)
    poll = h.sender.poll(1, h.metadata)
    expect(poll.requests).toHaveLength(1)
  })

  it('counts each record’s overhead against bufferMemory until its batch completes', async () => {
    const h = harness({ lingerMs: 0, batchSize: 1000 })
    const sends = [h.send(0, 'a', 0), h.send(0, 'b', 0), h.send(0, 'c', 0)]
    expect(h.pool.usedMemory).toBe(1000 + 3 * RECORD_OVERHEAD_BYTES) // the batch's buffer and its records
    const r = h.sender.poll(0, h.metadata).requests[0]!
    h.sender.onResponse(r, h.response(r, [{ baseOffset: 0n }]), 1)
    await Promise.all(sends)
    expect(h.pool.usedMemory).toBe(0)
  })

  it('makes every batch ready when someone waits for memory', () => {
    const h = harness({ lingerMs: 10_000, bufferMemory: 2 * (1000 + RECORD_OVERHEAD_BYTES), batchSize: 1000 })
    h.send(0, 'a', 0)
    h.send(1, 'b', 0)
    expect(h.sender.poll(0, h.metadata).requests).toHaveLength(0)
    const waiting = h.pool.allocate(1000, 60_000)
    expect(h.sender.poll(0, h.metadata).requests).toHaveLength(2)
    waiting.catch(() => undefined)
    h.pool.failWaiters(new Error('done'))
  })
})

describe('MESSAGE_TOO_LARGE: batch splitting (fake clock)', () => {
  /** Answers every request of `poll`: MESSAGE_TOO_LARGE for batches of more than `maxRecords`, else offsets from `next`. */
  function answer(
    h: ReturnType<typeof harness>,
    requests: any[],
    maxRecords: number,
    next: { offset: bigint },
    now: number,
  ) {
    for (const r of requests) {
      h.sender.onResponse(
        r,
        h.response(r, (b) => {
          if (b.recordCount > maxRecords) return { errorCode: 10 }
          const baseOffset = next.offset
          next.offset += BigInt(b.recordCount)
          return { baseOffset }
        }),
        now,
      )
    }
  }

  it('splits a refused batch in halves, keeps send order, and resolves every record once', async () => {
    // One batch per partition on the wire (maxInFlight 1 without idempotence), so order is kept.
    const h = harness({ lingerMs: 0, batchSize: 1000, maxInFlight: 1 })
    const values = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(70))
    const promises = values.map((v) => h.send(0, v, 0))
    let poll = h.sender.poll(0, h.metadata)
    expect(h.decode(poll.requests[0]!)[0]!.values).toHaveLength(10)
    const next = { offset: 100n }
    answer(h, poll.requests, 3, next, 1)
    // 10 → 5 + 5, then 5 → 3 + 2 each, one request at a time.
    const sent: string[][] = []
    for (let now = 1; now < 20 && h.acc.incomplete.size > 0; now++) {
      poll = h.sender.poll(now, h.metadata)
      for (const r of poll.requests) sent.push(...h.decode(r).map((b) => b.values))
      answer(h, poll.requests, 3, next, now)
    }
    expect(sent.map((v) => v.length)).toEqual([5, 3, 2, 5, 3, 2])
    const results = await Promise.all(promises)
    expect(results.map((m) => m.offset)).toEqual(values.map((_, i) => 100n + BigInt(i)))
    expect(h.failed).toHaveLength(0)
    expect(h.pool.availableMemory).toBe(h.pool.totalMemory)
  })

  it('with idempotence the parts take the batch’s sequence range; the batch behind it keeps its sequence', async () => {
    const h = harness({ lingerMs: 0, batchSize: 1000, idempotent: true })
    await h.acknowledgeFirstBatch()
    const first = Array.from({ length: 4 }, (_, i) => h.send(0, `a${i}`.repeat(30), 0))
    const r0 = h.sender.poll(0, h.metadata).requests[0]!
    const behind = h.send(0, 'b', 1)
    const r1 = h.sender.poll(1, h.metadata).requests[0]!
    expect([h.decode(r0)[0]!.baseSequence, h.decode(r1)[0]!.baseSequence]).toEqual([1, 5])
    h.sender.onResponse(r0, h.response(r0, [{ errorCode: 10 }]), 2)
    h.sender.onResponse(r1, h.response(r1, [{ errorCode: 45 }]), 2) // the broker expected sequence 1
    const poll = h.sender.poll(2, h.metadata)
    // Only the lowest unsettled sequence goes while the partition recovers.
    expect(poll.requests.map((r) => h.decode(r)[0])).toMatchObject([{ baseSequence: 1, producerEpoch: 0 }])
    const order: number[] = []
    let plan = poll.requests[0]!
    let offset = 1n
    for (let now = 3; now < 2000; now += 200) {
      const b = h.decode(plan)[0]!
      order.push(b.baseSequence)
      h.sender.onResponse(plan, h.response(plan, [{ baseOffset: offset }]), now)
      offset += BigInt(b.values.length)
      const next = h.sender.poll(now, h.metadata).requests
      if (next.length === 0) break
      plan = next[0]!
    }
    expect(order).toEqual([1, 3, 5])
    expect(h.state.epoch).toBe(0) // no reset: the sequence range was kept
    expect((await Promise.all(first)).map((m) => m.offset)).toEqual([1n, 2n, 3n, 4n])
    expect((await behind).offset).toBe(5n)
  })

  it('a single record that is still too large fails with RecordTooLargeError; the others are delivered', async () => {
    const h = harness({ lingerMs: 0, batchSize: 1000 })
    const small = [h.send(0, 'x', 0), h.send(0, 'y', 0)]
    const big = h.send(0, 'z'.repeat(300), 0)
    let poll = h.sender.poll(0, h.metadata)
    const next = { offset: 0n }
    const tooLarge = (b: any) => b.recordCount > 1 || b.estimatedSizeInBytes > 200
    for (let now = 1; now < 10 && h.acc.incomplete.size > 0; now++) {
      for (const r of poll.requests) {
        h.sender.onResponse(
          r,
          h.response(r, (b) => {
            if (tooLarge(b)) return { errorCode: 10 }
            const baseOffset = next.offset
            next.offset += BigInt(b.recordCount)
            return { baseOffset }
          }),
          now,
        )
      }
      poll = h.sender.poll(now, h.metadata)
    }
    expect((await Promise.all(small)).map((m) => m.offset)).toEqual([0n, 1n])
    expect(await big.catch((e) => e)).toBeInstanceOf(RecordTooLargeError)
    expect(h.failed).toHaveLength(1)
  })

  it('flush waits for the parts of a split batch', async () => {
    const h = harness({ lingerMs: 0, batchSize: 1000 })
    h.send(0, 'a', 0)
    h.send(0, 'b', 0)
    const batch = [...h.acc.incomplete][0]!
    let flushed = false
    batch.onDone(() => {
      flushed = true
    })
    let poll = h.sender.poll(0, h.metadata)
    answer(h, poll.requests, 1, { offset: 0n }, 1)
    expect(flushed).toBe(false)
    poll = h.sender.poll(1, h.metadata)
    expect(poll.requests).toHaveLength(2)
    answer(h, poll.requests.slice(0, 1), 1, { offset: 0n }, 2)
    expect(flushed).toBe(false)
    answer(h, poll.requests.slice(1), 1, { offset: 1n }, 2)
    expect(flushed).toBe(true)
  })
})

describe('SenderLoop scheduling', () => {
  /** A transport that never answers: these tests look only at how the loop schedules itself. */
  function idleTransport(h: ReturnType<typeof harness>) {
    return {
      metadata: h.metadata,
      produce: async () => undefined,
      initProducerId: async () => ({ producerId: 1n, producerEpoch: 0 }),
      requestMetadataRefresh: () => {},
    }
  }

  function loop() {
    const h = harness({ lingerMs: 0 })
    const calls: string[] = []
    let immediate: (() => void) | null = null
    const clock = {
      now: () => 1000,
      setTimeout: (_fn: () => void, ms: number) => {
        calls.push(`timeout ${ms}`)
        return 1
      },
      clearTimeout: () => calls.push('clear'),
      setImmediate: (fn: () => void) => {
        calls.push('immediate')
        immediate = fn
      },
    }
    const l = new SenderLoop(h.sender, h.state, idleTransport(h), { clock, retryBackoffMs: 100 })
    return { l, calls, h, clock: { ...clock, runImmediate: () => immediate?.() } }
  }

  it('a deadline that is already due (lingerMs 0) polls on setImmediate, not a ≥1 ms timer', () => {
    const { l, calls } = loop()
    l.wakeupAt(1000)
    expect(calls).toEqual(['immediate'])
    l.wakeupAt(999)
    expect(calls).toEqual(['immediate']) // coalesced
  })

  it('a poll that reports a deadline already due waits ≥ 1 ms instead of spinning on setImmediate', () => {
    const { calls, clock, h } = loop()
    const polls: number[] = []
    const sender = {
      poll: (now: number) => {
        polls.push(now)
        return { requests: [], nextPollMs: now, refreshMetadata: false, needsProducerId: false }
      },
    } as unknown as Sender
    const l = new SenderLoop(sender, h.state, idleTransport(h), { clock, retryBackoffMs: 0 })
    l.wakeup()
    calls.length = 0
    clock.runImmediate()
    expect(polls).toEqual([1000])
    expect(calls).toEqual(['timeout 1'])
  })

  it.each([
    [
      'a non-retriable error (no IDEMPOTENT_WRITE) is logged as an error',
      brokerError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
      1,
    ],
    [
      'a ClosedError (the producer is closing) is not logged: close() reports what is left',
      new ClosedError('The client is closed'),
      0,
    ],
  ])('InitProducerId failure: %s', async (_name, error, errorLines) => {
    const h = harness({ lingerMs: 0 })
    const logged: string[] = []
    const logger = createLog({ logger: { error: (m: string) => logged.push(m), warn: () => {}, info: () => {} } }, 'x')
    const sender = {
      poll: () => ({
        requests: [],
        nextPollMs: Number.POSITIVE_INFINITY,
        refreshMetadata: false,
        needsProducerId: true,
      }),
      failUnsent: () => {},
    } as unknown as Sender
    const transport = { ...idleTransport(h), initProducerId: () => Promise.reject(error) }
    const clock = {
      now: () => 1000,
      setTimeout: () => 1,
      clearTimeout: () => {},
      setImmediate: (fn: () => void) => fn(),
    }
    new SenderLoop(sender, h.state, transport, { clock, logger, retryBackoffMs: 100 }).wakeup()
    await new Promise((r) => setTimeout(r, 0))
    expect(logged).toHaveLength(errorLines)
  })

  it('a future deadline arms one timer for the remaining time', () => {
    const { l, calls } = loop()
    l.wakeupAt(1005)
    l.wakeupAt(1007) // later than the armed one: nothing to do
    expect(calls).toEqual(['timeout 5'])
  })
})

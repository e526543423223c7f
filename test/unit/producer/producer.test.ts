// The Producer's send path against an in-process fake cluster: partitioning, serializers,
// bad input, memory backpressure, abort, flush and close — without a broker.
import { afterEach, describe, expect, it } from 'vitest'
import { AbortError, ClosedError, ConfigError, RecordTooLargeError, TimeoutError } from '../../../src/errors.js'
import { PRODUCE_ACK_TIMEOUT, PRODUCE_RESPONSE_LISTENER, PRODUCER_CLUSTER } from '../../../src/internal/seams.js'
import { RECORD_OVERHEAD_BYTES } from '../../../src/producer/accumulator.js'
import { partitionForKey } from '../../../src/producer/partitioner.js'
import { Producer, type ProducerOptions } from '../../../src/producer/producer.js'
import { serializers } from '../../../src/producer/serializers.js'
import { type FakeCluster, fakeCluster } from './fake-cluster.js'

const open: Producer<any, any>[] = []
function make<K = any, V = any>(cluster: FakeCluster, options: Partial<ProducerOptions<K, V>> = {}) {
  const p = new Producer<K, V>({
    bootstrapServers: 'fake:9092',
    lingerMs: 0,
    ...options,
    [PRODUCER_CLUSTER]: cluster,
  } as ProducerOptions<K, V>)
  open.push(p)
  return p
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close({ timeoutMs: 1000 })))
})

describe('Producer (fake cluster)', () => {
  it('routes keyed records with murmur2 and resolves offsets in order', async () => {
    const c = fakeCluster({ t: 5 })
    const p = make(c)
    const mds = await Promise.all(
      Array.from({ length: 50 }, (_, i) => p.send({ topic: 't', key: `k${i % 7}`, value: `v${i}` })),
    )
    for (let i = 0; i < 50; i++) expect(mds[i]!.partition).toBe(partitionForKey(Buffer.from(`k${i % 7}`), 5))
    const byPartition = new Map<number, bigint[]>()
    for (const md of mds) byPartition.set(md.partition, [...(byPartition.get(md.partition) ?? []), md.offset])
    for (const offsets of byPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)))
  })

  it('uses a custom partitioner, falling back to the built-in one on undefined', async () => {
    const c = fakeCluster({ t: 4 })
    const p = make(c, { partitioner: ({ key }) => (key === 'special' ? 3 : undefined) })
    expect((await p.send({ topic: 't', key: 'special', value: 'a' })).partition).toBe(3)
    expect((await p.send({ topic: 't', key: 'x', value: 'b' })).partition).toBe(partitionForKey(Buffer.from('x'), 4))
  })

  it('rejects bad input at once, reports it to onError, and never leaves an unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (e: unknown) => unhandled.push(e)
    process.on('unhandledRejection', onUnhandled)
    try {
      const errors: Error[] = []
      const c = fakeCluster({ t: 1 })
      const p = make(c, { maxRequestSize: 1000, onError: (e) => errors.push(e) })
      p.send({ topic: 't', value: 5 as never })
      p.send({ topic: 't', value: Buffer.alloc(2000) })
      p.send({ topic: '', value: 'x' })
      p.send({ topic: 't', value: 'x', headers: { h: 5 as never } })
      await expect(p.send({ topic: 't', value: Buffer.alloc(2000) })).rejects.toBeInstanceOf(RecordTooLargeError)
      await expect(p.send({ topic: 't', value: {} as never })).rejects.toBeInstanceOf(TypeError)
      await new Promise((r) => setTimeout(r, 20))
      expect(unhandled).toEqual([])
      expect(errors.map((e) => e.constructor.name)).toEqual([
        'TypeError',
        'RecordTooLargeError',
        'TypeError',
        'TypeError',
        'RecordTooLargeError',
        'TypeError',
      ])
      expect((await p.send({ topic: 't', value: 'fine' })).offset).toBe(0n)
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('serializers: json values, string keys, headers as repeated pairs', async () => {
    const c = fakeCluster({ t: 1 })
    const p = make<string, unknown>(c, { keySerializer: serializers.string, valueSerializer: serializers.json })
    await p.send({
      topic: 't',
      key: 'k',
      value: { a: [1, 2] },
      headers: [
        ['x', '1'],
        ['x', Buffer.from('2')],
      ],
    })
    expect(c.produced[0]!.values).toEqual(['{"a":[1,2]}'])
    await expect(p.send({ topic: 't', key: 5 as never, value: 1 })).rejects.toBeInstanceOf(TypeError)
    await expect(p.send({ topic: 't', value: undefined })).rejects.toBeInstanceOf(TypeError)
  })

  it('a serializer error names the part of the record it is about (key or value)', async () => {
    const c = fakeCluster({ t: 1 })
    const p = make(c)
    await expect(p.send({ topic: 't', key: 5 as never, value: 'v' })).rejects.toThrow(
      /^Cannot serialize a key of type number for topic t: .* \(set keySerializer, e\.g\. serializers\.json\)$/,
    )
    await expect(p.send({ topic: 't', key: 'k', value: 5 as never })).rejects.toThrow(
      /^Cannot serialize a value of type number for topic t: .*set valueSerializer/,
    )
    const s = make<string, unknown>(c, { keySerializer: serializers.string, valueSerializer: serializers.json })
    await expect(s.send({ topic: 't', key: 5 as never, value: 1 })).rejects.toThrow(
      'The string serializer got a number as the key for topic t',
    )
    await expect(s.send({ topic: 't', key: 'k', value: undefined })).rejects.toThrow(
      'Cannot serialize a value of type undefined for topic t as JSON',
    )
  })

  it('waits for memory, in order, and rejects with TimeoutError after maxBlockMs', async () => {
    const c = fakeCluster({ t: 1 })
    c.hold = true
    // 4 batches of 1 KiB plus each record's overhead fill it.
    const bufferMemory = 4 * (1024 + RECORD_OVERHEAD_BYTES)
    const p = make(c, { bufferMemory, batchSize: 1024, maxBlockMs: 150 })
    const value = Buffer.alloc(900, 1)
    const first = Array.from({ length: 4 }, () => p.send({ topic: 't', value }))
    expect(p.bufferedBytes).toBe(bufferMemory)
    const started = Date.now()
    const blocked = p.send({ topic: 't', value })
    const err = await blocked.catch((e) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(err.message).toMatch(/maxBlockMs of 150 ms/)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    // Memory comes back: the next sends go through, in send order.
    const later = [p.send({ topic: 't', value: 'a' }), p.send({ topic: 't', value: 'b' })]
    c.hold = false
    c.release()
    await Promise.all(first)
    const [a, b] = await Promise.all(later)
    expect(b!.offset).toBeGreaterThan(a!.offset)
  })

  it('aborts a blocked send through its signal', async () => {
    const c = fakeCluster({ t: 1 })
    c.hold = true
    const p = make(c, { bufferMemory: 1024, batchSize: 1024, maxBlockMs: 10_000 })
    const held = p.send({ topic: 't', value: Buffer.alloc(900) })
    const ac = new AbortController()
    const blocked = p.send({ topic: 't', value: Buffer.alloc(900) }, { signal: ac.signal })
    ac.abort()
    await expect(blocked).rejects.toBeInstanceOf(AbortError)
    c.hold = false
    c.release()
    await held
  })

  it('flush waits for everything sent; close with a timeout fails what is left with ClosedError', async () => {
    const c = fakeCluster({ t: 2 })
    const p = make(c, { lingerMs: 60_000 })
    const a = p.send({ topic: 't', value: 'a' })
    await p.flush() // linger would hold it for a minute
    expect((await a).offset).toBe(0n)
    c.hold = true
    const b = p.send({ topic: 't', value: 'b' })
    await p.close({ timeoutMs: 50 })
    expect(await b.catch((e) => e)).toBeInstanceOf(ClosedError)
    expect(await p.send({ topic: 't', value: 'c' }).catch((e) => e)).toBeInstanceOf(ClosedError)
  })

  it('retries a retriable error and then succeeds', async () => {
    const c = fakeCluster({ t: 1 })
    const p = make(c, { retryBackoffMs: 1 })
    c.nextErrorCode = 6 // NOT_LEADER_OR_FOLLOWER
    const md = await p.send({ topic: 't', value: 'x' })
    expect(md.offset).toBe(0n)
    expect(c.produced).toHaveLength(2)
  })

  it('validates options', () => {
    const c = fakeCluster({ t: 1 })
    expect(() => make(c, { acks: 1, enableIdempotence: true })).toThrow(ConfigError)
    expect(() => make(c, { maxInFlightRequestsPerConnection: 6, enableIdempotence: true })).toThrow(/at most 5/)
    expect(() => make(c, { lingerMs: -1 })).toThrow(ConfigError)
    expect(() => make(c, { compressionType: 'brotli' as never })).toThrow(/compressionType/)
    expect(() => make(c, { deliveryTimeoutMs: 100 })).toThrow(/deliveryTimeoutMs/)
    expect(() => make(c, { acks: 1 })).not.toThrow() // idempotence defaults off with acks 1, as in Java
  })

  it('validates the transactional options: transactionalId implies idempotence and acks all', () => {
    const c = fakeCluster({ t: 1 })
    const option = (fn: () => unknown) => {
      try {
        fn()
      } catch (err) {
        return err instanceof ConfigError ? err.option : err
      }
      return undefined
    }
    expect(option(() => make(c, { transactionalId: 'x', acks: 1 }))).toBe('acks')
    expect(option(() => make(c, { transactionalId: 'x', enableIdempotence: false }))).toBe('enableIdempotence')
    expect(option(() => make(c, { transactionalId: 'x', retries: 0 }))).toBe('retries')
    expect(option(() => make(c, { transactionalId: 'x', maxInFlightRequestsPerConnection: 6 }))).toBe(
      'maxInFlightRequestsPerConnection',
    )
    expect(option(() => make(c, { transactionalId: '' }))).toBe('transactionalId')
    expect(option(() => make(c, { transactionalId: 'x', transactionTimeoutMs: 0 }))).toBe('transactionTimeoutMs')
    expect(option(() => make(c, { transactionalId: 'x', transactionTimeoutMs: 30_000 }))).toBeUndefined()
  })

  it('transactional calls on a producer without transactionalId are IllegalStateError', async () => {
    const p = make(fakeCluster({ t: 1 }))
    await expect(p.initTransactions()).rejects.toThrow(/needs the transactionalId option/)
    expect(() => p.beginTransaction()).toThrow(/needs the transactionalId option/)
  })
})

describe('Producer seams for kafka-wire/kafkajs', () => {
  it("PRODUCE_ACK_TIMEOUT is the Produce requests' timeoutMs (requestTimeoutMs without it)", async () => {
    const timeouts: number[] = []
    const spy = (c: FakeCluster) => {
      const send = c.send.bind(c)
      c.send = ((node: number, api: never, body: { timeoutMs: number }, opts: never) => {
        timeouts.push(body.timeoutMs)
        return send(node, api, body as never, opts)
      }) as typeof c.send
      return c
    }
    await make(spy(fakeCluster({ t: 1 })), { requestTimeoutMs: 20000, [PRODUCE_ACK_TIMEOUT]: 1234 } as never).send({
      topic: 't',
      value: 'x',
    })
    await make(spy(fakeCluster({ t: 1 })), { requestTimeoutMs: 20000 }).send({ topic: 't', value: 'y' })
    expect(timeouts).toEqual([1234, 20000])
  })

  it('PRODUCE_RESPONSE_LISTENER hears each partition of a successful response before its records resolve', async () => {
    const heard: unknown[] = []
    let resolved = 0
    const p = make(fakeCluster({ t: 2 }), {
      [PRODUCE_RESPONSE_LISTENER]: (topic: string, partition: number, logAppendTime: bigint, logStartOffset: bigint) =>
        heard.push([topic, partition, logAppendTime, logStartOffset, resolved]),
    } as never)
    await Promise.all(
      [0, 1, 1].map((partition) =>
        p.send({ topic: 't', partition, value: 'v' }).then(() => {
          resolved++
        }),
      ),
    )
    expect(heard.sort()).toEqual([
      ['t', 0, -1n, 0n, 0],
      ['t', 1, -1n, 0n, 0],
    ])
  })
})

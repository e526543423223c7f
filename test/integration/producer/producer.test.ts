// The Producer against the shared real broker: the three ways to send, metadata returned,
// headers and tombstones, LogAppendTime, acks 0/1/all, per-partition order, and bad input
// that must fail alone without disturbing other records.
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { ClosedError, RecordTooLargeError, TimeoutError } from '../../../src/errors.js'
import { Producer, type ProducerOptions, serializers } from '../../../src/producer/index.js'
import { createTopic, readTopic, uniqueName } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const open: Producer<any, any>[] = []

function producer<K = any, V = any>(options: Partial<ProducerOptions<K, V>> = {}): Producer<K, V> {
  const p = new Producer<K, V>({ bootstrapServers, ...options } as ProducerOptions<K, V>)
  open.push(p)
  return p
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()))
})

describe('Producer against a real broker', () => {
  it('sends synchronously and returns the record metadata', async () => {
    const topic = uniqueName('prod-sync')
    await createTopic(bootstrapServers, topic, 1)
    const p = producer()
    const before = Date.now()
    const md = await p.send({ topic, key: 'k', value: 'hello', headers: { h: 'v' } })
    expect(md).toMatchObject({ topic, partition: 0, offset: 0n, serializedKeySize: 1, serializedValueSize: 5 })
    expect(md.timestamp).toBeGreaterThanOrEqual(before)
    const md2 = await p.send({ topic, value: null })
    expect(md2.offset).toBe(1n)
    expect(md2.serializedValueSize).toBe(-1)
    const read = await readTopic(bootstrapServers, topic, { minRecords: 2 })
    expect(read.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      ['k', 'hello'],
      [null, null],
    ])
    expect(read[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('v') }])
    expect(read[0]!.timestamp).toBe(md.timestamp)
    expect(read[0]!.producerId).toBeGreaterThanOrEqual(0n) // idempotent by default
  })

  it('sends many records asynchronously, keeping per-partition order, with headers as pairs', async () => {
    const topic = uniqueName('prod-async')
    await createTopic(bootstrapServers, topic, 3)
    const p = producer()
    const n = 5000
    const promises = []
    for (let i = 0; i < n; i++) {
      promises.push(
        p.send({
          topic,
          key: `key-${i % 50}`,
          value: `value-${i}`,
          headers: [
            ['i', String(i)],
            ['i', 'again'],
          ],
        }),
      )
    }
    const mds = await Promise.all(promises)
    // Offsets increase in send order within each partition.
    const last = new Map<number, bigint>()
    for (const md of mds) {
      const prev = last.get(md.partition)
      if (prev !== undefined) expect(md.offset).toBeGreaterThan(prev)
      last.set(md.partition, md.offset)
    }
    const read = await readTopic(bootstrapServers, topic, { minRecords: n })
    expect(read).toHaveLength(n)
    for (let part = 0; part < 3; part++) {
      const values = read.filter((r) => r.partition === part).map((r) => Number(r.value!.toString().slice(6)))
      expect(values).toEqual([...values].sort((a, b) => a - b))
    }
    expect(read[0]!.headers.map((h) => h.key)).toEqual(['i', 'i'])
  })

  it('fire-and-forget: failures never raise unhandledRejection and reach the onError hook', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (e: unknown) => unhandled.push(e)
    process.on('unhandledRejection', onUnhandled)
    try {
      const errors: unknown[] = []
      const p = producer({ maxBlockMs: 1000, onError: (e) => errors.push(e) })
      p.send({ topic: uniqueName('does-not-exist'), value: 'x' })
      p.send({ topic: 'x', value: 42 as never })
      await new Promise((r) => setTimeout(r, 2500))
      expect(unhandled).toEqual([])
      expect(errors).toHaveLength(2)
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('rejects bad input at once without disturbing other records', async () => {
    const topic = uniqueName('prod-bad')
    await createTopic(bootstrapServers, topic, 1)
    const p = producer({ maxRequestSize: 10_000 })
    const good = p.send({ topic, value: 'ok-1' })
    await expect(p.send({ topic, value: 42 as never })).rejects.toBeInstanceOf(TypeError)
    await expect(p.send({ topic, value: Buffer.alloc(20_000) })).rejects.toBeInstanceOf(RecordTooLargeError)
    await expect(p.send({ topic, value: 'x', timestamp: -5 })).rejects.toBeInstanceOf(TypeError)
    const good2 = p.send({ topic, value: 'ok-2' })
    expect((await good).offset).toBe(0n)
    expect((await good2).offset).toBe(1n)
  })

  it('an unknown topic fails after maxBlockMs with an error naming the topic', async () => {
    const topic = uniqueName('unknown')
    const other = uniqueName('prod-known')
    await createTopic(bootstrapServers, other, 1)
    const p = producer({ maxBlockMs: 1500 })
    const started = Date.now()
    const failing = p.send({ topic, value: 'x' })
    const ok = await p.send({ topic: other, value: 'y' }) // not blocked behind the unknown topic
    expect(ok.offset).toBe(0n)
    const err = await failing.catch((e) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(err.message).toContain(topic)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
  })

  it('send() after close() rejects with a clear error; close is idempotent', async () => {
    const topic = uniqueName('prod-close')
    await createTopic(bootstrapServers, topic, 1)
    const p = producer()
    const pending = p.send({ topic, value: 'flushed by close' })
    const c1 = p.close()
    const c2 = p.close()
    expect(c1).toBe(c2)
    await c1
    expect((await pending).offset).toBe(0n)
    const err = await p.send({ topic, value: 'late' }).catch((e) => e)
    expect(err).toBeInstanceOf(ClosedError)
    expect(err.message).toMatch(/closed/)
  })

  it('returns LogAppendTime when the topic uses it', async () => {
    const topic = uniqueName('prod-lat')
    await createTopic(bootstrapServers, topic, 1, { 'message.timestamp.type': 'LogAppendTime' })
    const p = producer()
    const md = await p.send({ topic, value: 'v', timestamp: 1000 })
    expect(md.timestamp).not.toBe(1000)
    expect(Math.abs(md.timestamp - Date.now())).toBeLessThan(60_000)
  })

  it.each([0, 1, 'all'] as const)('acks %s', async (acks) => {
    const topic = uniqueName(`prod-acks-${acks}`)
    await createTopic(bootstrapServers, topic, 2)
    // With acks 0 a broker that is not yet leader drops the request silently (there is no
    // response to carry the error): make sure both partitions have a ready leader first.
    const warmup = producer()
    await Promise.all([0, 1].map((partition) => warmup.send({ topic, value: 'warm-up', partition })))
    const p = producer({ acks })
    const mds = await Promise.all(Array.from({ length: 100 }, (_, i) => p.send({ topic, value: `v${i}` })))
    if (acks === 0) expect(mds.every((m) => m.offset === -1n)).toBe(true)
    else expect(mds.every((m) => m.offset >= 0n)).toBe(true)
    await p.flush()
    expect(await readTopic(bootstrapServers, topic, { minRecords: 102 })).toHaveLength(102)
  })

  it.each([
    ['none', true],
    ['none', false],
    ['lz4', true],
  ] as const)(
    "a batch above the topic's max.message.bytes is split and delivered in order (%s, idempotence %s)",
    async (compressionType, enableIdempotence) => {
      const topic = uniqueName('prod-split')
      // 1 KiB limit, 16 KiB batches: a full batch needs four rounds of halving.
      await createTopic(bootstrapServers, topic, 1, { 'max.message.bytes': '1024' })
      const warnings: string[] = []
      const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} }
      const p = producer({
        lingerMs: 50,
        compressionType,
        enableIdempotence,
        ...(enableIdempotence ? {} : { acks: 1 as const, maxInFlightRequestsPerConnection: 1 }),
        logger,
      })
      // Random letters, so that lz4 cannot shrink a batch below the limit.
      const letters = (i: number) =>
        Array.from({ length: 100 }, (_, j) => String.fromCharCode(65 + ((i * 31 + j * j * 7) % 26))).join('')
      const values = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(4, '0')}-${letters(i)}`)
      const mds = await Promise.all(values.map((value) => p.send({ topic, value, headers: [['n', 'x']] })))
      expect(mds.map((m) => m.offset)).toEqual(values.map((_, i) => BigInt(i)))
      const read = await readTopic(bootstrapServers, topic, { minRecords: values.length })
      expect(read.map((r) => r.value!.toString())).toEqual(values)
      expect(read[0]!.headers).toEqual([{ key: 'n', value: Buffer.from('x') }])
      expect(warnings.some((w) => w.includes('MESSAGE_TOO_LARGE'))).toBe(true)
      // A record that is too large on its own still fails alone, with the broker's error.
      const tooBig = p.send({ topic, value: randomBytes(2000) }) // incompressible
      const after = p.send({ topic, value: 'after' })
      await expect(tooBig).rejects.toBeInstanceOf(RecordTooLargeError)
      expect((await after).offset).toBe(300n)
    },
  )

  it.each(['lz4', 'gzip', 'snappy'] as const)(
    'large %s batches compressed on the thread pool arrive whole and in order, idempotent',
    async (compressionType) => {
      const topic = uniqueName(`prod-bg-${compressionType}`)
      await createTopic(bootstrapServers, topic, 2)
      // 256 KiB batches: every closed batch holds ≥ 128 KiB of records, so it is compressed off
      // the event loop (BACKGROUND_COMPRESSION_MIN_BYTES) while later records are appended.
      const p = producer({ compressionType, batchSize: 256 * 1024, lingerMs: 20 })
      const values = Array.from(
        { length: 3000 },
        (_, i) =>
          `${String(i).padStart(5, '0')} {"user":${i % 97},"event":"click","path":"/a/b/${i % 13}"} ${'x'.repeat(900)}`,
      )
      const mds = await Promise.all(values.map((value, i) => p.send({ topic, partition: i % 2, value })))
      for (const partition of [0, 1]) {
        expect(mds.filter((m) => m.partition === partition).map((m) => m.offset)).toEqual(
          Array.from({ length: 1500 }, (_, i) => BigInt(i)),
        )
      }
      const read = await readTopic(bootstrapServers, topic, { minRecords: values.length })
      for (const partition of [0, 1]) {
        expect(read.filter((r) => r.partition === partition).map((r) => r.value!.toString())).toEqual(
          values.filter((_, i) => i % 2 === partition),
        )
      }
    },
  )

  it('json serializer and partitionsFor', async () => {
    const topic = uniqueName('prod-json')
    await createTopic(bootstrapServers, topic, 4)
    const p = producer<string, { n: number }>({ valueSerializer: serializers.json, keySerializer: serializers.string })
    const parts = await p.partitionsFor(topic)
    expect(parts.map((x) => x.partition)).toEqual([0, 1, 2, 3])
    expect(parts[0]!.leader).toBeGreaterThanOrEqual(0)
    const md = await p.send({ topic, key: 'a', value: { n: 1 }, partition: 2 })
    expect(md.partition).toBe(2)
    const read = await readTopic(bootstrapServers, topic, { minRecords: 1 })
    expect(JSON.parse(read[0]!.value!.toString())).toEqual({ n: 1 })
  })

  it('Symbol.asyncDispose closes the producer', async () => {
    const topic = uniqueName('prod-dispose')
    await createTopic(bootstrapServers, topic, 1)
    let md: unknown
    {
      await using p = new Producer({ bootstrapServers })
      md = p.send({ topic, value: 'v' })
    }
    await expect(md).resolves.toMatchObject({ offset: 0n })
  })
})

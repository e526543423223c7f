// The Fetcher against an in-process fake log (no network): how records come out of fetched
// batches — split across polls at any record, fetch positions inside a batch, gaps left by
// compaction, transaction markers and aborted transactions, deserializer failures, headers and
// timestamps — and where the position ends up after each step.
import { describe, expect, it } from 'vitest'
import { RecordDeserializationError } from '../../../src/consumer/errors.js'
import { Fetcher } from '../../../src/consumer/fetcher.js'
import { resolveConsumerOptions } from '../../../src/consumer/options.js'
import { SubscriptionState } from '../../../src/consumer/subscription-state.js'
import type { ConsumerRecord, Deserializer } from '../../../src/consumer/types.js'
import type { RecordShape } from '../../../src/internal/seams.js'
import { RecordBatchBuilder } from '../../../src/protocol/records/index.js'

const TOPIC = 't'
const PID = 7n

interface LogBatch {
  base: bigint
  bytes: Buffer
  /** Offset after the batch. */
  next: bigint
}

/** A partition's log: batches at given base offsets (gaps allowed, as compaction leaves them). */
class FakeLog {
  readonly batches: LogBatch[] = []
  readonly aborted: { producerId: bigint; firstOffset: bigint }[] = []
  #end = 0n

  get endOffset(): bigint {
    return this.#end
  }

  /** Appends a batch of `values` at `base` (default: the log end). */
  append(
    values: (string | null)[],
    opts: {
      base?: bigint
      transactional?: boolean
      headers?: [string, Buffer | null][]
      keys?: (string | null)[]
      timestamp?: number
      logAppendTime?: boolean
      leaderEpoch?: number
    } = {},
  ): bigint {
    const base = opts.base ?? this.#end
    const b = new RecordBatchBuilder({
      baseOffset: base,
      producerId: opts.transactional ? PID : -1n,
      producerEpoch: opts.transactional ? 0 : -1,
      baseSequence: opts.transactional ? 0 : -1,
      isTransactional: opts.transactional ?? false,
      logAppendTime: opts.logAppendTime ?? false,
      partitionLeaderEpoch: opts.leaderEpoch ?? 0,
      batchSizeLimit: 1 << 20,
    })
    values.forEach((v, i) => {
      const key = opts.keys?.[i] ?? null
      b.tryAppend(
        (opts.timestamp ?? 1_000) + i,
        key === null ? null : Buffer.from(key),
        v === null ? null : Buffer.from(v),
        opts.headers ?? null,
      )
    })
    const bytes = Buffer.from(b.build())
    this.#push({ base, bytes, next: base + BigInt(values.length) })
    return base
  }

  /** A transaction marker (control batch) of the transactional producer. */
  marker(commit: boolean): void {
    const base = this.#end
    const b = new RecordBatchBuilder({
      baseOffset: base,
      producerId: PID,
      producerEpoch: 0,
      isTransactional: true,
      isControl: true,
    })
    const key = Buffer.alloc(4)
    key.writeInt16BE(0, 0)
    key.writeInt16BE(commit ? 1 : 0, 2)
    const value = Buffer.alloc(6)
    value.writeInt32BE(0, 2)
    b.tryAppend(1_000, key, value)
    this.#push({ base, bytes: Buffer.from(b.build()), next: base + 1n })
  }

  #push(batch: LogBatch): void {
    this.batches.push(batch)
    this.#end = batch.next
  }

  /** What a broker returns for a fetch at `offset`: whole batches from the one holding it, up to maxBytes (at least one). */
  read(offset: bigint, maxBytes: number): Buffer {
    const out: Buffer[] = []
    let size = 0
    for (const b of this.batches) {
      if (b.next <= offset) continue
      if (out.length > 0 && size + b.bytes.length > maxBytes) break
      out.push(b.bytes)
      size += b.bytes.length
    }
    return Buffer.concat(out)
  }
}

function setup(
  opts: {
    partitions?: number
    isolationLevel?: 'read_committed' | 'read_uncommitted'
    maxPartitionFetchBytes?: number
    fetchMaxBytes?: number
    /** false: the fake broker creates no fetch session, so every Fetch names every partition. */
    sessions?: boolean
    keyDeserializer?: Deserializer<any>
    valueDeserializer?: Deserializer<any>
    recordShape?: RecordShape
  } = {},
) {
  const partitions = opts.partitions ?? 1
  const logs = Array.from({ length: partitions }, () => new FakeLog())
  const options = resolveConsumerOptions({
    bootstrapServers: 'x:1',
    autoOffsetReset: 'earliest',
    isolationLevel: opts.isolationLevel ?? 'read_uncommitted',
    maxPartitionFetchBytes: opts.maxPartitionFetchBytes ?? 1048576,
    fetchMaxBytes: opts.fetchMaxBytes ?? 52428800,
  })
  const md = {
    name: TOPIC,
    topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
    errorCode: 0,
    partitions: logs.map((_, p) => ({ partition: p, leaderId: 0, leaderEpoch: 0 })),
  }
  const fetches: { partition: number; offset: bigint; bytes: number }[] = []
  const cluster = {
    brokers: new Map([[0, { nodeId: 0 }]]),
    topic: (name: string) => (name === TOPIC ? md : undefined),
    leaderFor: () => ({ nodeId: 0, leaderEpoch: 0 }),
    requestMetadataRefresh: () => {},
    invalidateMetadata: () => {},
    send: async (_node: number, _api: unknown, build: any) => {
      await new Promise((r) => setImmediate(r))
      // Cluster.send builds the body for the version it chose (here v12: topic names).
      const body = typeof build === 'function' ? build(12) : build
      // The broker's limits: each partition's share, and the response's maxBytes (at least one batch).
      let left = body.maxBytes
      return {
        errorCode: 0,
        sessionId: opts.sessions === false ? 0 : 1,
        responses: body.topics.map((t: any) => ({
          topic: t.topic,
          topicId: t.topicId,
          partitions: t.partitions.map((p: any) => {
            const log = logs[p.partition]!
            const records = left > 0 ? log.read(p.fetchOffset, Math.min(p.partitionMaxBytes, left)) : Buffer.alloc(0)
            left -= records.length
            fetches.push({ partition: p.partition, offset: p.fetchOffset, bytes: records.length })
            return {
              partitionIndex: p.partition,
              errorCode: 0,
              highWatermark: log.endOffset,
              lastStableOffset: log.endOffset,
              logStartOffset: 0n,
              abortedTransactions: body.isolationLevel === 1 ? log.aborted : null,
              preferredReadReplica: -1,
              records,
            }
          }),
        })),
      }
    },
  }
  const subs = new SubscriptionState('earliest')
  subs.assignFromUser(logs.map((_, partition) => ({ topic: TOPIC, partition })))
  for (let p = 0; p < partitions; p++) subs.seek({ topic: TOPIC, partition: p }, 0n, -1, { nodeId: 0, leaderEpoch: 0 })
  let wake: (() => void) | null = null
  const fetcher = new Fetcher<any, any>({
    cluster: cluster as any,
    subscriptions: subs,
    options,
    requestTimeoutMs: 30000,
    ...(opts.keyDeserializer ? { keyDeserializer: opts.keyDeserializer } : {}),
    ...(opts.valueDeserializer ? { valueDeserializer: opts.valueDeserializer } : {}),
    ...(opts.recordShape ? { recordShape: opts.recordShape } : {}),
    onData: () => wake?.(),
  })
  const position = (partition = 0) => subs.position({ topic: TOPIC, partition })!.offset

  /** poll() in miniature: collect, else fetch and wait for data. Resolves with [] when nothing comes. */
  async function poll(max: number): Promise<ConsumerRecord<any, any>[]> {
    for (let i = 0; i < 20; i++) {
      const records = fetcher.collect(max)
      fetcher.sendFetches()
      if (!records.isEmpty) return [...records]
      if (fetcher.inFlightCount === 0 && !fetcher.hasBufferedData) continue
      await new Promise<void>((r) => {
        wake = r
        setTimeout(r, 50)
      })
    }
    return []
  }

  async function drain(max = 1000): Promise<ConsumerRecord<any, any>[]> {
    const all: ConsumerRecord<any, any>[] = []
    for (;;) {
      const got = await poll(max)
      if (got.length === 0) return all
      all.push(...got)
    }
  }

  return { logs, fetcher, subs, position, poll, drain, fetches }
}

const values = (records: ConsumerRecord<any, any>[]) => records.map((r) => r.value?.toString() ?? null)
const offsets = (records: ConsumerRecord<any, any>[]) => records.map((r) => Number(r.offset))

describe('Fetcher', () => {
  it('returns every record once, in order, whatever the split across polls', async () => {
    for (const max of [1, 2, 3, 7, 1000]) {
      const f = setup()
      f.logs[0]!.append(['a', 'b', 'c'])
      f.logs[0]!.append(['d', 'e'])
      f.logs[0]!.append(['f', 'g', 'h', 'i'])
      const got: ConsumerRecord<any, any>[] = []
      for (;;) {
        const r = await f.poll(max)
        if (r.length === 0) break
        expect(r.length).toBeLessThanOrEqual(max)
        got.push(...r)
        // The position is the offset after the last record returned.
        expect(f.position()).toBe(r[r.length - 1]!.offset + 1n)
      }
      expect(values(got)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'])
      expect(offsets(got)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
      expect(f.position()).toBe(9n)
      f.fetcher.close()
    }
  })

  it('starts inside a batch: records before the position are skipped', async () => {
    const f = setup()
    f.logs[0]!.append(['a', 'b', 'c', 'd', 'e'])
    f.logs[0]!.append(['f', 'g'])
    f.subs.seek({ topic: TOPIC, partition: 0 }, 3n)
    const got = await f.drain(2)
    expect(offsets(got)).toEqual([3, 4, 5, 6])
    expect(values(got)).toEqual(['d', 'e', 'f', 'g'])
    expect(f.position()).toBe(7n)
    f.fetcher.close()
  })

  it('moves past gaps between batches (compaction) and keeps exact offsets', async () => {
    const f = setup()
    f.logs[0]!.append(['a', 'b'], { base: 0n })
    f.logs[0]!.append(['c'], { base: 10n })
    f.logs[0]!.append(['d', 'e'], { base: 1_000_000_000_000n })
    const got = await f.drain()
    expect(offsets(got)).toEqual([0, 1, 10, 1e12, 1e12 + 1])
    expect(got.map((r) => r.offset)).toEqual([0n, 1n, 10n, 1_000_000_000_000n, 1_000_000_000_001n])
    expect(f.position()).toBe(1_000_000_000_002n)
    f.fetcher.close()
  })

  it('keeps offsets exact above 2^53', async () => {
    const f = setup()
    const base = 2n ** 60n
    f.logs[0]!.append(['x', 'y', 'z'], { base })
    f.subs.seek({ topic: TOPIC, partition: 0 }, base + 1n)
    const got = await f.drain()
    expect(got.map((r) => r.offset)).toEqual([base + 1n, base + 2n])
    expect(f.position()).toBe(base + 3n)
    f.fetcher.close()
  })

  it('never returns transaction markers, and the position moves past them', async () => {
    const f = setup()
    const log = f.logs[0]!
    log.append(['t1', 't2'], { transactional: true })
    log.marker(true)
    log.append(['plain'])
    log.append(['t3'], { transactional: true })
    log.marker(true)
    const got = await f.drain()
    expect(values(got)).toEqual(['t1', 't2', 'plain', 't3'])
    expect(offsets(got)).toEqual([0, 1, 3, 4])
    expect(f.position()).toBe(log.endOffset)
    f.fetcher.close()
  })

  it('read_committed skips aborted transactions; read_uncommitted returns them', async () => {
    const fill = (log: FakeLog) => {
      log.append(['c1', 'c2'], { transactional: true })
      log.marker(true)
      const first = log.append(['a1', 'a2', 'a3'], { transactional: true })
      log.marker(false)
      log.aborted.push({ producerId: PID, firstOffset: first })
      log.append(['c3'], { transactional: true })
      log.marker(true)
    }
    const committed = setup({ isolationLevel: 'read_committed' })
    fill(committed.logs[0]!)
    const rc = await committed.drain(2)
    expect(values(rc)).toEqual(['c1', 'c2', 'c3'])
    expect(committed.position()).toBe(committed.logs[0]!.endOffset)
    committed.fetcher.close()

    const uncommitted = setup({ isolationLevel: 'read_uncommitted' })
    fill(uncommitted.logs[0]!)
    const ru = await uncommitted.drain(2)
    expect(values(ru)).toEqual(['c1', 'c2', 'a1', 'a2', 'a3', 'c3'])
    expect(uncommitted.position()).toBe(uncommitted.logs[0]!.endOffset)
    uncommitted.fetcher.close()
  })

  it('passes keys, headers, timestamps, timestamp types and leader epochs through', async () => {
    const f = setup()
    const headers: [string, Buffer | null][] = [
      ['trace-id', Buffer.from('abc')],
      ['empty', null],
      ['ключ', Buffer.from('v')],
    ]
    f.logs[0]!.append(['v0', 'v1'], { keys: ['k0', null], headers, timestamp: 5_000, leaderEpoch: 3 })
    f.logs[0]!.append(['v2'], { logAppendTime: true, timestamp: 9_000, leaderEpoch: 4 })
    const got = await f.drain()
    expect(got).toHaveLength(3)
    expect(got[0]!.key?.toString()).toBe('k0')
    expect(got[1]!.key).toBeNull()
    for (const r of got.slice(0, 2)) {
      expect(r.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual([
        ['trace-id', 'abc'],
        ['empty', null],
        ['ключ', 'v'],
      ])
      expect(r.timestampType).toBe('CreateTime')
      expect(r.leaderEpoch).toBe(3)
      expect(r.topic).toBe(TOPIC)
      expect(r.partition).toBe(0)
    }
    expect(got[0]!.timestamp).toBe(5_000)
    expect(got[1]!.timestamp).toBe(5_001)
    expect(got[2]!.headers).toEqual([])
    expect(got[2]!.timestampType).toBe('LogAppendTime')
    expect(got[2]!.timestamp).toBe(9_000)
    expect(got[2]!.leaderEpoch).toBe(4)
    // Each record has its own headers array.
    expect(got[0]!.headers).not.toBe(got[1]!.headers)
    f.fetcher.close()
  })

  it("a record shape (kafka-wire/kafkajs's seam) builds every record from the decoded fields, skipping markers, positions exact", async () => {
    const built: unknown[][] = []
    const shape: RecordShape = (base, delta, timestamp, key, value, headers) => {
      built.push([base, delta])
      return {
        offset: String(base + BigInt(delta)),
        timestamp,
        key: key?.toString() ?? null,
        value: value?.toString() ?? null,
        headers: headers?.map((h) => h.key) ?? null,
      }
    }
    const f = setup({ recordShape: shape, valueDeserializer: () => 'not called' })
    const log = f.logs[0]!
    log.append(['a', 'b', 'c'], { keys: ['k', null, null], headers: [['h', null]], timestamp: 7_000 })
    log.append(['t'], { transactional: true })
    log.marker(true)
    log.append(['d'], { base: 100n })
    f.subs.seek({ topic: TOPIC, partition: 0 }, 1n)
    const got = (await f.drain(2)) as unknown[]
    expect(got).toEqual([
      { offset: '1', timestamp: 7_001, key: null, value: 'b', headers: ['h'] },
      { offset: '2', timestamp: 7_002, key: null, value: 'c', headers: ['h'] },
      { offset: '3', timestamp: 1_000, key: null, value: 't', headers: null },
      { offset: '100', timestamp: 1_000, key: null, value: 'd', headers: null },
    ])
    // Once per record returned (not for the one before the position), base and delta as decoded.
    expect(built).toEqual([
      [0n, 1],
      [0n, 2],
      [3n, 0],
      [100n, 0],
    ])
    expect(f.position()).toBe(101n)
    f.fetcher.close()
  })

  it('calls deserializers with the topic, partition and headers', async () => {
    const seen: { topic: string; partition: number; headers: string[] }[] = []
    const f = setup({
      keyDeserializer: (b) => (b === null ? null : b.toString().toUpperCase()),
      valueDeserializer: (b, ctx) => {
        seen.push({ topic: ctx.topic, partition: ctx.partition, headers: ctx.headers.map((h) => h.key) })
        return b === null ? null : JSON.parse(b.toString())
      },
    })
    f.logs[0]!.append(['{"n":1}', '{"n":2}'], { keys: ['a', 'b'], headers: [['h', null]] })
    const got = await f.drain()
    expect(got.map((r) => [r.key, r.value])).toEqual([
      ['A', { n: 1 }],
      ['B', { n: 2 }],
    ])
    expect(seen).toEqual([
      { topic: TOPIC, partition: 0, headers: ['h'] },
      { topic: TOPIC, partition: 0, headers: ['h'] },
    ])
    f.fetcher.close()
  })

  it('a failing deserializer: records before it are returned, then the error, and the position stays at the bad record', async () => {
    const f = setup({
      valueDeserializer: (b) => {
        const s = b!.toString()
        if (s === 'bad') throw new Error('not JSON')
        return s
      },
    })
    f.logs[0]!.append(['a', 'b', 'bad', 'c'])
    const first = await f.poll(10)
    expect(first.map((r) => r.value)).toEqual(['a', 'b'])
    expect(f.position()).toBe(2n)
    let error: unknown
    try {
      f.fetcher.collect(10)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(RecordDeserializationError)
    expect((error as RecordDeserializationError).message).toContain('offset 2')
    expect(f.position()).toBe(2n)
    // The application seeks past it and continues.
    f.subs.seek({ topic: TOPIC, partition: 0 }, 3n)
    f.fetcher.clearBufferedDataFor(new Set([f.subs.stateOf({ topic: TOPIC, partition: 0 })!.key]))
    const rest = await f.drain()
    expect(rest.map((r) => r.value)).toEqual(['c'])
    expect(f.position()).toBe(4n)
    f.fetcher.close()
  })

  it('reads several partitions; every record exactly once; pipelined fetches continue where the buffered data ends', async () => {
    const f = setup({ partitions: 3, maxPartitionFetchBytes: 200 })
    for (let p = 0; p < 3; p++) {
      for (let b = 0; b < 20; b++) f.logs[p]!.append([`${p}-${b}-0`, `${p}-${b}-1`, `${p}-${b}-2`])
    }
    const got = await f.drain(7)
    for (let p = 0; p < 3; p++) {
      const mine = got.filter((r) => r.partition === p)
      expect(offsets(mine)).toEqual(Array.from({ length: 60 }, (_, i) => i))
      expect(f.position(p)).toBe(60n)
    }
    // More than one fetch per partition (small maxPartitionFetchBytes), each at a batch boundary.
    expect(f.fetches.length).toBeGreaterThan(3)
    for (const x of f.fetches) expect(x.offset % 3n).toBe(0n)
    f.fetcher.close()
  })

  it('a slow consumer: no Fetch while the buffered responses hold fetchMaxBytes, whatever the partition count (#24)', async () => {
    const f = setup({ partitions: 10, maxPartitionFetchBytes: 400, fetchMaxBytes: 1000, sessions: false })
    for (let p = 0; p < 10; p++) for (let b = 0; b < 20; b++) f.logs[p]!.append([`${p}-${b}-0`, `${p}-${b}-1`])
    const fetched = () => f.fetches.reduce((n, x) => n + x.bytes, 0)
    // The application polls one record now and then: most of what was fetched stays buffered.
    const head = await f.poll(1)
    for (let i = 0; i < 20; i++) {
      f.fetcher.sendFetches()
      await new Promise((r) => setImmediate(r))
      await new Promise((r) => setImmediate(r))
    }
    const batchBytes = f.logs[0]!.batches[0]!.bytes.length
    // One response being drained (≤ fetchMaxBytes) and at most one more, sent while less than fetchMaxBytes was buffered.
    expect(fetched()).toBeLessThan(2 * 1000)
    expect(fetched()).toBeGreaterThan(1000 - batchBytes)
    // Draining lets the fetching go on: every record of every partition, once, in order.
    const got = [...head, ...(await f.poll(1)), ...(await f.drain(7))]
    for (let p = 0; p < 10; p++) expect(offsets(got.filter((r) => r.partition === p))).toHaveLength(40)
    expect(new Set(got.map((r) => `${r.partition}:${r.offset}`)).size).toBe(400)
    f.fetcher.close()
  })

  it("paused partitions' data is dropped when it would hold back the broker's other partitions, and fetched again after resume", async () => {
    const f = setup({ partitions: 4, maxPartitionFetchBytes: 1000, fetchMaxBytes: 1000, sessions: false })
    for (let p = 0; p < 4; p++) for (let b = 0; b < 10; b++) f.logs[p]!.append([`${p}-${b}`])
    const first = await f.poll(1)
    expect(first).toHaveLength(1)
    const busy = first[0]!.partition
    // The first response filled the buffer with one partition's data; pause that partition.
    const tp = { topic: TOPIC, partition: busy }
    f.subs.pause([tp])
    const got = await f.drain(5)
    // The other partitions were fetched and returned completely (the paused data did not block them).
    for (let p = 0; p < 4; p++) {
      const mine = got.filter((r) => r.partition === p)
      expect(offsets(mine)).toEqual(p === busy ? [] : Array.from({ length: 10 }, (_, i) => i))
    }
    f.subs.resume([tp])
    const rest = await f.drain(5)
    expect(offsets(rest)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1))
    f.fetcher.close()
  })

  it('sends each Fetch in one call: capped at v12 with the body built for the chosen version while the topic id is unknown', async () => {
    const calls: { maxVersion: unknown; topics: unknown }[] = []
    const subs = new SubscriptionState('earliest')
    const tp = { topic: TOPIC, partition: 0 }
    subs.assignFromUser([tp])
    subs.seek(tp, 0n, -1, { nodeId: 0, leaderEpoch: 0 })
    let topicId: string | undefined
    const cluster = {
      brokers: new Map([[0, { nodeId: 0 }]]),
      topic: () => (topicId === undefined ? undefined : { name: TOPIC, topicId, errorCode: 0, partitions: [] }),
      leaderFor: () => ({ nodeId: 0, leaderEpoch: 0 }),
      requestMetadataRefresh: () => {},
      invalidateMetadata: () => {},
      send: async (_node: number, _api: unknown, build: (v: number) => any, opts: { maxVersion?: number }) => {
        // What Cluster.send does: min(negotiated = 17, maxVersion), then build(version).
        const body = build(Math.min(17, opts.maxVersion ?? 17))
        calls.push({ maxVersion: opts.maxVersion, topics: body.topics.map((t: any) => t.topicId) })
        return { errorCode: 0, sessionId: 0, responses: [] }
      },
    }
    const fetcher = new Fetcher<any, any>({
      cluster: cluster as any,
      subscriptions: subs,
      options: resolveConsumerOptions({ bootstrapServers: 'x:1' }),
      requestTimeoutMs: 30000,
      onData: () => {},
    })
    fetcher.sendFetches()
    await new Promise((r) => setImmediate(r))
    topicId = 'AAAAAAAAAAAAAAAAAAAAAQ'
    fetcher.sendFetches()
    await new Promise((r) => setImmediate(r))
    expect(calls).toEqual([
      { maxVersion: 12, topics: ['AAAAAAAAAAAAAAAAAAAAAA'] }, // v12: by name, no id
      { maxVersion: undefined, topics: ['AAAAAAAAAAAAAAAAAAAAAQ'] }, // v17: by id
    ])
    fetcher.close()
  })

  it('backs off a failing broker exponentially (retryBackoffMs … retryBackoffMaxMs), stepped with plain numbers as time', async () => {
    let now = 0
    const sent: number[] = []
    let failuresLeft = 5
    const subs = new SubscriptionState('earliest')
    const tp = { topic: TOPIC, partition: 0 }
    subs.assignFromUser([tp])
    subs.seek(tp, 0n, -1, { nodeId: 0, leaderEpoch: 0 })
    const cluster = {
      brokers: new Map([[0, { nodeId: 0 }]]),
      topic: () => ({ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode: 0, partitions: [] }),
      leaderFor: () => ({ nodeId: 0, leaderEpoch: 0 }),
      requestMetadataRefresh: () => {},
      invalidateMetadata: () => {},
      send: async (_node: number, _api: unknown, build: (version: number) => unknown) => {
        sent.push(now)
        if (failuresLeft-- > 0) throw new Error('connection refused')
        build(12)
        return { errorCode: 0, sessionId: 0, responses: [] }
      },
    }
    const fetcher = new Fetcher<any, any>({
      cluster: cluster as any,
      subscriptions: subs,
      options: resolveConsumerOptions({ bootstrapServers: 'x:1' }),
      requestTimeoutMs: 30000,
      onData: () => {},
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1000,
      now: () => now,
      random: () => 0.5, // no jitter: the factor is 1
    })
    const settle = async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
    }
    // Step time in 10 ms ticks; a Fetch goes out whenever the broker is not backing off.
    for (now = 0; now <= 3000; now += 10) {
      fetcher.sendFetches(now)
      await settle()
    }
    // Failures at 0, 100, 300, 700, 1500; waits 100, 200, 400, 800, then capped at 1000 → 2500; then it succeeds
    // and fetches go on at every tick.
    expect(sent.slice(0, 7)).toEqual([0, 100, 300, 700, 1500, 2500, 2510])
    expect(fetcher.nextRetryMs).toBe(Number.POSITIVE_INFINITY)
    fetcher.close()
  })
})

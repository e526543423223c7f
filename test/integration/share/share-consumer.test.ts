// Share groups (KIP-932) against the real broker: several kafka-wire share consumers on one
// partition share its records; RELEASE redelivers, REJECT does not; the delivery count limit
// archives a poison record.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ShareConsumer, type ShareConsumerRecord } from '../../../src/share/index.js'
import {
  brokerConfig,
  createTopic,
  ensureShareGroups,
  pollUntil,
  RawProducer,
  setGroupConfig,
  uniqueName,
  values,
} from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

describe('ShareConsumer', () => {
  let producer: RawProducer
  const open: ShareConsumer<any, any>[] = []
  const consumer = <V = string>(groupId: string, extra: Record<string, unknown> = {}) => {
    const c = new ShareConsumer<string | null, V>({
      bootstrapServers,
      groupId,
      keyDeserializer: (b) => (b === null ? null : b.toString()),
      valueDeserializer: (b) => String(b) as V,
      ...extra,
    })
    open.push(c)
    return c
  }

  beforeAll(async () => {
    await ensureShareGroups(bootstrapServers, inject('kafkaLibDir'))
    producer = new RawProducer(bootstrapServers)
  })
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close(5000).catch(() => {})))
    await producer?.close()
  })

  it('three members share one partition: every record delivered once, all accepted, each member got some', async () => {
    const topic = uniqueName('share-three')
    const group = uniqueName('sg-three')
    await createTopic(bootstrapServers, topic, 1)
    await setGroupConfig(bootstrapServers, group, { 'share.auto.offset.reset': 'earliest' })
    const n = 600
    // Many small batches: the broker acquires whole batches, so small ones spread the records.
    await producer.send(topic, 0, values('v', n), { batchSize: 10 })
    const members = [0, 1, 2].map(() => consumer(group, { maxPollRecords: 10, shareAcquireMode: 'record_limit' }))
    for (const m of members) m.subscribe([topic])
    const seen = new Map<string, number>()
    const perMember = [0, 0, 0]
    const acked: Error[] = []
    for (const m of members) {
      m.setAcknowledgementCommitCallback((_offsets, error) => {
        if (error) acked.push(error)
      })
    }
    await pollUntil(
      members,
      () => seen.size >= n,
      async (i, records) => {
        for (const r of records) {
          seen.set(r.value, (seen.get(r.value) ?? 0) + 1)
          expect(r.deliveryCount).toBe(1)
        }
        perMember[i]! += records.length
        // Slow consumers, so that all three take turns at the partition.
        await new Promise((r) => setTimeout(r, 20))
      },
      60000,
    )
    for (const m of members) await m.commitSync()
    expect(seen.size).toBe(n)
    expect([...seen.values()].every((c) => c === 1)).toBe(true)
    for (const c of perMember) expect(c).toBeGreaterThan(0)
    expect(acked).toEqual([])
  })

  it('RELEASE redelivers the record (deliveryCount 2); REJECT never redelivers', async () => {
    const topic = uniqueName('share-release')
    const group = uniqueName('sg-release')
    await createTopic(bootstrapServers, topic, 1)
    await setGroupConfig(bootstrapServers, group, { 'share.auto.offset.reset': 'earliest' })
    await producer.send(topic, 0, values('r', 10))
    const c = consumer(group, { shareAcknowledgementMode: 'explicit' })
    c.subscribe([topic])
    const deliveries: [string, number][] = []
    const done = () => deliveries.filter(([v]) => v === 'r-3').length >= 2 && deliveries.length >= 11
    const deadline = Date.now() + 30000
    while (!done() && Date.now() < deadline) {
      const records = await c.poll(500)
      for (const r of records) {
        deliveries.push([r.value, r.deliveryCount])
        if (r.value === 'r-3' && r.deliveryCount === 1) c.acknowledge(r, 'RELEASE')
        else if (r.value === 'r-5') c.acknowledge(r, 'REJECT')
        else c.acknowledge(r, 'ACCEPT')
      }
    }
    expect(deliveries.filter(([v]) => v === 'r-3')).toEqual([
      ['r-3', 1],
      ['r-3', 2],
    ])
    // Nothing more comes: r-5 was rejected, the rest accepted.
    const more = await c.poll(1500)
    for (const r of more) c.acknowledge(r)
    expect(more.map((r) => r.value)).toEqual([])
    expect(deliveries.filter(([v]) => v === 'r-5')).toEqual([['r-5', 1]])
    expect(new Set(deliveries.map(([v]) => v)).size).toBe(10)
    // metrics(), with the Java share consumer's names: every delivery counted and acknowledged once.
    await c.commitSync()
    const metric = (group: string, name: string) => c.metrics().find((m) => m.group === group && m.name === name)?.value
    const FETCH = 'consumer-share-fetch-manager-metrics'
    expect(metric(FETCH, 'records-consumed-total')).toBe(deliveries.length)
    expect(metric(FETCH, 'acknowledgements-send-total')).toBe(deliveries.length)
    expect(metric(FETCH, 'acknowledgements-error-total')).toBe(0)
    expect(metric(FETCH, 'fetch-total')).toBeGreaterThanOrEqual(2)
    expect(metric(FETCH, 'bytes-consumed-total')).toBeGreaterThan(0)
    expect(metric(FETCH, 'records-per-request-max')).toBeGreaterThanOrEqual(1)
    expect(metric('consumer-share-metrics', 'last-poll-seconds-ago')).toBeGreaterThanOrEqual(0)
    expect(metric('consumer-share-metrics', 'poll-idle-ratio-avg')).toBeGreaterThan(0)
    expect(metric('consumer-share-coordinator-metrics', 'heartbeat-total')).toBeGreaterThanOrEqual(1)
    expect(metric('consumer-metrics', 'connection-count')).toBeGreaterThanOrEqual(1)
  })

  it('explicit mode: poll() refuses to go on while records are unacknowledged', async () => {
    const topic = uniqueName('share-explicit')
    const group = uniqueName('sg-explicit')
    await createTopic(bootstrapServers, topic, 1)
    await setGroupConfig(bootstrapServers, group, { 'share.auto.offset.reset': 'earliest' })
    await producer.send(topic, 0, values('e', 3))
    const c = consumer(group, { shareAcknowledgementMode: 'explicit' })
    c.subscribe([topic])
    let records: ShareConsumerRecord<string | null, string>[] = []
    const deadline = Date.now() + 20000
    while (records.length === 0 && Date.now() < deadline) records = await c.poll(500)
    expect(records.length).toBeGreaterThan(0)
    await expect(c.poll(100)).rejects.toThrow(/acknowledge\(\) each/)
    for (const r of records) c.acknowledge(r)
    const results = await c.commitSync()
    expect([...results.values()]).toEqual([null])
    expect(() => c.acknowledge(records[0]!)).toThrow(/not waiting/)
  })

  it('a member fetches only when its poll needs records: what it was not handed stays with the group', async () => {
    const topic = uniqueName('share-no-prefetch')
    const group = uniqueName('sg-no-prefetch')
    await createTopic(bootstrapServers, topic, 1)
    await setGroupConfig(bootstrapServers, group, { 'share.auto.offset.reset': 'earliest' })
    const lockMs = Number((await brokerConfig(bootstrapServers, 'group.share.record.lock.duration.ms')) ?? 30000)
    await producer.send(topic, 0, values('p', 100), { batchSize: 10 })
    const opts = { maxPollRecords: 10, shareAcquireMode: 'record_limit' }
    const a = consumer(group, opts)
    a.subscribe([topic])
    let handed: ShareConsumerRecord<string | null, string>[] = []
    const deadline = Date.now() + 20000
    while (handed.length === 0 && Date.now() < deadline) handed = await a.poll(500)
    expect(handed.length).toBe(10)
    // A stops polling. A client that fetched ahead would now hold the next 10 records under its
    // acquisition lock, out of reach of B until the lock expires.
    await new Promise((r) => setTimeout(r, 1000))
    const b = consumer(group, opts)
    b.subscribe([topic])
    // B polls for half the lock duration at most: none of its records can come from an expired lock of A's.
    const got = new Set<string>()
    await pollUntil(
      [b],
      () => got.size >= 90,
      (_i, records) => {
        for (const r of records) got.add(r.value)
      },
      lockMs / 2,
    )
    const aValues = new Set(handed.map((r) => r.value))
    expect(got.size).toBe(90)
    expect([...got].filter((v) => aValues.has(v))).toEqual([])
    await b.commitSync()
    await a.commitSync()
  })

  it('the delivery count limit archives a poison record', async () => {
    const topic = uniqueName('share-poison')
    const group = uniqueName('sg-poison')
    await createTopic(bootstrapServers, topic, 1)
    await setGroupConfig(bootstrapServers, group, {
      'share.auto.offset.reset': 'earliest',
      'share.delivery.count.limit': '2',
    })
    await producer.send(topic, 0, [{ value: 'poison' }, { value: 'good' }])
    const c = consumer(group, { shareAcknowledgementMode: 'explicit' })
    c.subscribe([topic])
    const deliveries: [string, number][] = []
    const deadline = Date.now() + 30000
    // The poison record is released each time (a processing failure); after 2 deliveries it is archived.
    while (Date.now() < deadline) {
      const records = await c.poll(500)
      for (const r of records) {
        deliveries.push([r.value, r.deliveryCount])
        c.acknowledge(r, r.value === 'poison' ? 'RELEASE' : 'ACCEPT')
      }
      if (deliveries.filter(([v]) => v === 'poison').length >= 2 && records.length === 0) break
    }
    await c.commitSync()
    expect(await c.poll(1500)).toEqual([])
    expect(deliveries.filter(([v]) => v === 'poison')).toEqual([
      ['poison', 1],
      ['poison', 2],
    ])
    expect(deliveries.filter(([v]) => v === 'good')).toEqual([['good', 1]])
  })

  it('async iterator (implicit mode), commitAsync with the callback, wakeup() and close()', async () => {
    const topic = uniqueName('share-iter')
    const group = uniqueName('sg-iter')
    await createTopic(bootstrapServers, topic, 1)
    await setGroupConfig(bootstrapServers, group, { 'share.auto.offset.reset': 'earliest' })
    await producer.send(topic, 0, values('i', 5))
    const completed: bigint[] = []
    const c = consumer(group, {
      acknowledgementCommitCallback: (offsets: Map<string, { offsets: bigint[] }>, error: Error | null) => {
        expect(error).toBeNull()
        for (const o of offsets.values()) completed.push(...o.offsets)
      },
    })
    c.subscribe([topic])
    const got: string[] = []
    for await (const r of c) {
      got.push(r.value)
      if (got.length === 5) break
    }
    expect(got).toEqual(['i-0', 'i-1', 'i-2', 'i-3', 'i-4'])
    c.commitAsync()
    // The callback runs on the application's side: in the next poll (woken up here).
    setTimeout(() => c.wakeup(), 1000)
    await expect(c.poll(10_000)).rejects.toThrow(/woken up/)
    await c.commitSync()
    expect(completed.sort((a, b) => Number(a - b))).toEqual([0n, 1n, 2n, 3n, 4n])
    await c.close()
    await expect(c.poll(10)).rejects.toThrow(/closed/)
  })

  it('refuses unknown options with the closest name, and a missing groupId', () => {
    expect(() => new ShareConsumer({ bootstrapServers, groupId: 'g', maxPolRecords: 5 } as never)).toThrow(
      /did you mean 'maxPollRecords'/,
    )
    expect(() => new ShareConsumer({ bootstrapServers } as never)).toThrow(/groupId/)
    expect(
      () => new ShareConsumer({ bootstrapServers, groupId: 'g', shareAcknowledgementMode: 'auto' } as never),
    ).toThrow(/shareAcknowledgementMode/)
  })
})

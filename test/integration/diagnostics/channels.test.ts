/**
 * The diagnostics channels against the real broker: an Admin, a Producer and a group Consumer
 * (async iterator, commitSync) run while every kafka-wire channel is subscribed; each channel
 * publishes its documented payload (docs/observability.md), settles (asyncEnd, or error), and
 * carries the client's id.
 */
import type dc from 'node:diagnostics_channel'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { channels } from '../../../src/diagnostics/index.js'
import { Producer } from '../../../src/producer/index.js'
import { uniqueName } from '../producer/helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

type Seen = { channel: string; event: string; message: any }
const seen: Seen[] = []
const offs: (() => void)[] = []

beforeAll(() => {
  for (const [name, ch] of Object.entries(channels)) {
    if ('start' in ch) {
      const handlers = Object.fromEntries(
        ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) => [
          event,
          (message: unknown) => seen.push({ channel: name, event, message }),
        ]),
      ) as unknown as dc.TracingChannelSubscribers<object>
      ;(ch as dc.TracingChannel<unknown, object>).subscribe(handlers)
      offs.push(() => (ch as dc.TracingChannel<unknown, object>).unsubscribe(handlers))
    } else {
      const handler = (message: unknown) => seen.push({ channel: name, event: 'publish', message })
      ch.subscribe(handler)
      offs.push(() => ch.unsubscribe(handler))
    }
  }
})
afterAll(() => {
  for (const off of offs) off()
})

function starts(channel: keyof typeof channels): any[] {
  return seen
    .filter((s) => s.channel === channel && (s.event === 'start' || s.event === 'publish'))
    .map((s) => s.message)
}

function settled(message: object): boolean {
  return seen.some((s) => s.message === message && s.event === 'asyncEnd')
}

it('publishes every channel with its documented payload', async () => {
  const topic = uniqueName('diag')
  const groupId = `${topic}-group`
  const admin = new Admin({ bootstrapServers, clientId: 'diag-admin' })
  try {
    await admin.createTopics([{ topic, numPartitions: 2 }])
  } finally {
    await admin.close()
  }
  const producer = new Producer({ bootstrapServers, clientId: 'diag-producer' })
  try {
    for (let i = 0; i < 3; i++) await producer.send({ topic, key: `k${i}`, value: `v${i}`, partition: i % 2 })
  } finally {
    await producer.close()
  }
  const consumer = new Consumer({
    bootstrapServers,
    clientId: 'diag-consumer',
    groupId,
    autoOffsetReset: 'earliest',
    heartbeatIntervalMs: 100,
  })
  const keys: string[] = []
  try {
    consumer.subscribe([topic])
    for await (const r of consumer) {
      keys.push(r.key!.toString())
      if (keys.length === 3) break
    }
    await consumer.commitSync()
    // Heartbeats run on the heartbeat thread and are reported to this one.
    for (let i = 0; i < 100 && starts('groupHeartbeat').length === 0; i++) await new Promise((r) => setTimeout(r, 50))
  } finally {
    await consumer.close()
  }
  expect(keys.sort()).toEqual(['k0', 'k1', 'k2'])

  const call = starts('adminCall').find((m) => m.operation === 'createTopics')
  expect(call).toMatchObject({ clientId: 'diag-admin', operation: 'createTopics', api: 'CreateTopics' })
  expect(settled(call)).toBe(true)

  const sends = starts('producerSend').filter((m) => m.topic === topic)
  expect(sends.map((m) => [m.clientId, m.key, m.partition])).toEqual([
    ['diag-producer', 'k0', 0],
    ['diag-producer', 'k1', 1],
    ['diag-producer', 'k2', 0],
  ])
  expect(sends.map((m) => m.result.offset)).toEqual([0n, 0n, 1n])

  const produce = starts('producerProduce').filter((m) => m.partitions.some((p: any) => p.topic === topic))
  expect(produce.length).toBeGreaterThanOrEqual(1)
  expect(produce[0]).toMatchObject({ clientId: 'diag-producer', nodeId: expect.any(Number) })

  const polls = starts('consumerPoll').filter((m) => m.clientId === 'diag-consumer')
  expect(polls.length).toBeGreaterThan(0)
  expect(polls[0]).toMatchObject({ groupId, timeoutMs: expect.any(Number) })
  expect(polls.reduce((n, m) => n + (m.result?.count ?? 0), 0)).toBeGreaterThanOrEqual(3)

  const fetches = starts('consumerFetch').filter((m) => m.clientId === 'diag-consumer')
  expect(fetches.length).toBeGreaterThan(0)
  expect(fetches[0].partitions[0]).toMatchObject({
    topic,
    partition: expect.any(Number),
    fetchOffset: expect.any(BigInt),
  })

  const processed = starts('consumerProcess').filter((m) => m.clientId === 'diag-consumer')
  expect(processed.map((m) => m.record.key.toString()).sort()).toEqual(['k0', 'k1', 'k2'])
  expect(processed.every((m) => m.groupId === groupId && settled(m))).toBe(true)

  const commits = starts('consumerCommit').filter((m) => m.groupId === groupId)
  expect(commits.length).toBeGreaterThan(0)
  expect(commits.at(-1).offsets.sort((a: any, b: any) => a.partition - b.partition)).toEqual([
    { topic, partition: 0, offset: 2n },
    { topic, partition: 1, offset: 1n },
  ])

  const join = starts('groupJoin').find((m) => m.groupId === groupId)
  expect(join).toMatchObject({
    clientId: 'diag-consumer',
    memberId: expect.any(String),
    coordinatorId: expect.any(Number),
  })
  expect(settled(join)).toBe(true)
  const sync = starts('groupSync').find((m) => m.groupId === groupId)
  expect(sync.generationId).toBeGreaterThanOrEqual(0)
  const rebalances = starts('groupRebalance').filter((m) => m.groupId === groupId)
  const assigned = rebalances.find((m) => m.kind === 'onPartitionsAssigned')
  expect(assigned.partitions).toEqual([
    { topic, partition: 0 },
    { topic, partition: 1 },
  ])

  const heartbeat = starts('groupHeartbeat').find((m) => m.groupId === groupId)
  expect(heartbeat).toMatchObject({ clientId: 'diag-consumer', sent: expect.any(Number) })
  expect(heartbeat.received).toBeGreaterThanOrEqual(1)

  const opened = starts('connectionOpen').filter((m) => m.clientId === 'diag-consumer')
  expect(opened.length).toBeGreaterThan(0)
  expect(opened[0]).toMatchObject({ host: expect.any(String), port: expect.any(Number) })
  const closed = starts('connectionClose').filter((m) => m.clientId === 'diag-consumer')
  expect(closed.length).toBeGreaterThan(0)
  expect(closed[0].reason).toBeInstanceOf(Error)

  const refreshes = starts('metadataRefresh').filter((m) => m.clientId === 'diag-producer')
  expect(refreshes.length).toBeGreaterThan(0)
  expect(refreshes.some((m) => Array.isArray(m.topics) && m.topics.includes(topic))).toBe(true)
})

it('the traced iterator hands out the same records, and leaving it early still rewinds to the first record not handed out', async () => {
  const topic = uniqueName('diag-rewind')
  const admin = new Admin({ bootstrapServers })
  try {
    await admin.createTopics([{ topic, numPartitions: 1 }])
  } finally {
    await admin.close()
  }
  const producer = new Producer({ bootstrapServers })
  try {
    await Promise.all([0, 1, 2, 3, 4].map((i) => producer.send({ topic, value: `v${i}` })))
  } finally {
    await producer.close()
  }
  const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest', maxPollRecords: 5 })
  try {
    consumer.assign([{ topic, partition: 0 }])
    const offsets: bigint[] = []
    for await (const r of consumer) {
      offsets.push(r.offset)
      if (offsets.length === 2) break
    }
    expect(offsets).toEqual([0n, 1n])
    const processed = starts('consumerProcess').filter((m) => m.record.topic === topic)
    expect(processed.map((m) => m.record.offset)).toEqual([0n, 1n])
    expect(processed.every((m) => settled(m))).toBe(true)
    let next: bigint | undefined
    for (let i = 0; i < 20 && next === undefined; i++) next = [...(await consumer.poll(500))][0]?.offset
    expect(next).toBe(2n)
  } finally {
    await consumer.close()
  }
})

// Differential tests of kafkajs's network events (REQUEST, REQUEST_TIMEOUT, REQUEST_QUEUE_SIZE) on the
// producer, consumer and admin: each program runs on kafkajs 2.2.4 and on the layer. REQUEST against the
// shared broker; REQUEST_TIMEOUT and REQUEST_QUEUE_SIZE against a scripted broker that never answers a
// Produce (test/unit/network/fake-broker.ts), the one way to make both clients time out and queue
// deterministically. Transcripts hold what does not depend on timing or on which requests each client
// needs: the events' payload keys and value types, and checks of their values.
import { createRequire } from 'node:module'
import { afterEach, describe, expect, it } from 'vitest'
import { Apis } from '../../../src/protocol/index.js'
import { type FakeBroker, type FakeRequest, startFakeBroker } from '../../unit/network/fake-broker.js'
import { produce, until } from './consumer-helpers.js'
import { type DiffContext, outcome, runDifferential } from './differential.js'

// kafkajs's own API table (name → key): its apiName for each apiKey.
const kafkajsApiKeys: Record<string, number> = createRequire(import.meta.url)('kafkajs/src/protocol/requests/apiKeys')
const kafkajsApiName = new Map(Object.entries(kafkajsApiKeys).map(([name, key]) => [key, name]))

interface Event {
  type: string
  payload: Record<string, unknown>
}

/** The distinct payload shapes: the event type, the keys, each value's type. */
function shapes(events: Event[]): string[] {
  const out = new Set<string>()
  for (const e of events) {
    const keys = Object.keys(e.payload).sort()
    out.add(`${e.type} ${keys.map((k) => `${k}:${e.payload[k] === null ? 'null' : typeof e.payload[k]}`).join(' ')}`)
  }
  return [...out].sort()
}

/** What every REQUEST / REQUEST_TIMEOUT payload must satisfy, whichever request it describes. */
function requestChecks(events: Event[], ctx: DiffContext): Record<string, boolean> {
  const clientId = ctx.kafkaConfig().clientId
  const p = events.map((e) => e.payload)
  return {
    some: p.length > 0,
    broker: p.every((x) => /^[^:]+:\d+$/.test(x.broker as string)),
    clientId: p.every((x) => x.clientId === clientId),
    correlationId: p.every((x) => Number.isInteger(x.correlationId) && (x.correlationId as number) >= 0),
    // kafkajs's name for each key it knows (e.g. GroupCoordinator for FindCoordinator, key 10).
    apiName: p.every((x) => (kafkajsApiName.get(x.apiKey as number) ?? x.apiName) === x.apiName),
    times: p.every(
      (x) =>
        (x.sentAt as number) >= (x.createdAt as number) &&
        x.pendingDuration === (x.sentAt as number) - (x.createdAt as number) &&
        (x.duration === undefined || (x.duration as number) >= 0),
    ),
  }
}

function apiNames(events: Event[]): Set<string> {
  return new Set(events.map((e) => e.payload.apiName as string))
}

describe('kafkajs layer: REQUEST events (shared broker)', () => {
  it('producer: REQUEST for its own requests, kafkajs payloads, none after the remover', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('request-events')
      await ctx.createTopic(topic, 2)
      // Another client of the same process: its requests are not this producer's events.
      const other = new k.Kafka(ctx.kafkaConfig({ clientId: 'other-client' })).producer()
      const producer = new k.Kafka(ctx.kafkaConfig()).producer()
      const events: Event[] = []
      const remove = producer.on(producer.events.REQUEST, (e) => events.push(e as unknown as Event))
      await other.connect()
      await producer.connect()
      await producer.send({ topic, messages: [{ key: 'a', value: '1' }] })
      await other.send({ topic, messages: [{ key: 'b', value: '2' }] })
      await producer.send({ topic, acks: 1, messages: [{ key: 'c', value: '3' }] })
      await producer.send({ topic, acks: 0, messages: [{ key: 'd', value: '4' }] })
      remove()
      const before = events.length
      await producer.send({ topic, messages: [{ key: 'e', value: '5' }] })
      await producer.disconnect()
      await other.disconnect()
      const produces = events.filter((e) => e.payload.apiName === 'Produce')
      return {
        shapes: shapes(events),
        checks: requestChecks(events, ctx),
        sawMetadata: apiNames(events).has('Metadata'),
        // acks -1 and 1 answered (a response frame), acks 0 written with size 0.
        produceSizes: produces.map((e) => ((e.payload.size as number) > 0 ? 'response' : 0)).sort(),
        afterRemove: events.length - before,
      }
    })
    expect(layer).toEqual(kafkajs)
    expect((kafkajs as { checks: Record<string, boolean> }).checks).toEqual({
      some: true,
      broker: true,
      clientId: true,
      correlationId: true,
      apiName: true,
      times: true,
    })
  })

  it('consumer: REQUEST for the group and fetch requests, GroupCoordinator spelled as kafkajs does', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('consumer-requests')
      const groupId = ctx.name('g-consumer-requests')
      await ctx.createTopic(topic, 1)
      await produce(ctx.brokers, topic, [{ partition: 0, value: 'one' }])
      const consumer = new k.Kafka(ctx.kafkaConfig()).consumer({ groupId, maxWaitTimeInMs: 200 })
      const events: Event[] = []
      consumer.on(consumer.events.REQUEST, (e) => events.push(e as unknown as Event))
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      let seen = 0
      await consumer.run({
        eachMessage: async () => {
          seen++
        },
      })
      await until(() => seen >= 1)
      await until(() => apiNames(events).has('OffsetCommit'))
      await consumer.disconnect()
      const names = apiNames(events)
      return {
        shapes: shapes(events),
        checks: requestChecks(events, ctx),
        saw: ['GroupCoordinator', 'JoinGroup', 'SyncGroup', 'Fetch', 'OffsetCommit', 'Metadata'].filter((n) =>
          names.has(n),
        ),
      }
    })
    expect(layer).toEqual(kafkajs)
    expect((layer as { saw: string[] }).saw).toHaveLength(6)
  })

  it('admin: REQUEST for its calls', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('admin-requests')
      await ctx.createTopic(topic, 1)
      const admin = new k.Kafka(ctx.kafkaConfig()).admin()
      const events: Event[] = []
      admin.on(admin.events.REQUEST, (e) => events.push(e as unknown as Event))
      await admin.connect()
      await admin.fetchTopicMetadata({ topics: [topic] })
      await admin.fetchTopicOffsets(topic)
      await admin.disconnect()
      const names = apiNames(events)
      return {
        shapes: shapes(events),
        checks: requestChecks(events, ctx),
        saw: ['Metadata', 'ListOffsets'].filter((n) => names.has(n)),
      }
    })
    expect(layer).toEqual(kafkajs)
  })
})

/** A broker that answers ApiVersions and Metadata (one broker: itself; `topic` with one partition it leads) and holds every other request. */
async function silentProduceBroker(topic: () => string): Promise<{ broker: FakeBroker; held: FakeRequest[] }> {
  const held: FakeRequest[] = []
  let port = 0
  const broker = await startFakeBroker((req, ctx) => {
    if (req.api === Apis.ApiVersions) return false
    if (req.api !== Apis.Metadata) {
      held.push(req)
      return true
    }
    const name = topic()
    ctx.reply(req, {
      brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
      clusterId: 'silent',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name,
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: 0,
              replicaNodes: [1],
              isrNodes: [1],
              offlineReplicas: [],
            },
          ],
        },
      ],
    })
    return true
  })
  port = broker.port
  return { broker, held }
}

let fake: FakeBroker | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

describe('kafkajs layer: REQUEST_QUEUE_SIZE and REQUEST_TIMEOUT (a broker that never answers a Produce)', () => {
  it('producer: a Produce queued behind a full pipeline, then timed out', async () => {
    const topic = 'silent-topic'
    const { broker } = await silentProduceBroker(() => topic)
    fake = broker
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const kafka = new k.Kafka({
        ...ctx.kafkaConfig(),
        brokers: [`127.0.0.1:${broker.port}`],
        requestTimeout: 500,
        retry: { retries: 0 },
      })
      // acks 1: kafkajs and the layer send at once (no InitProducerId, which this broker never answers).
      const producer = kafka.producer({ maxInFlightRequests: 1, retry: { retries: 0 } })
      const queue: Event[] = []
      const timeouts: Event[] = []
      producer.on(producer.events.REQUEST_QUEUE_SIZE, (e) => queue.push(e as unknown as Event))
      producer.on(producer.events.REQUEST_TIMEOUT, (e) => timeouts.push(e as unknown as Event))
      await producer.connect()
      // Two sends at once on the one connection allowing one request in flight: the second Produce waits.
      // (The layer has a producer per (acks, compression): two of them share the connection.)
      const sends = await Promise.all([
        outcome(() => producer.send({ topic, acks: 1, messages: [{ value: 'a' }] })),
        outcome(() =>
          producer.send({ topic, acks: 1, compression: k.CompressionTypes.GZIP, messages: [{ value: 'b' }] }),
        ),
      ])
      await until(() => timeouts.length > 0)
      await producer.disconnect().catch(() => {})
      return {
        queueShapes: shapes(queue),
        queued: queue.some((e) => e.payload.queueSize === 1),
        queueBroker: queue.every((e) => e.payload.broker === `127.0.0.1:${broker.port}`),
        timeoutShapes: shapes(timeouts),
        timeoutChecks: requestChecks(timeouts, ctx),
        timedOutProduce: timeouts.some((e) => e.payload.apiName === 'Produce'),
        sendsFailed: sends.map((s) => 'threw' in (s as object)),
      }
    })
    expect(layer).toEqual(kafkajs)
    expect((layer as { queued: boolean }).queued).toBe(true)
    expect((layer as { timedOutProduce: boolean }).timedOutProduce).toBe(true)
  })
})

// Differential tests of kafka-wire/kafkajs's Producer: each program runs on kafkajs 2.2.4 and on the
// layer against the shared broker; the normalised transcripts must be equal (differential.ts).
import { afterEach, describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Apis } from '../../../src/protocol/index.js'
import { type FakeBroker, type FakeRequest, startFakeBroker } from '../../unit/network/fake-broker.js'
import { loadModules, outcome, runDifferential, sortMetadata } from './differential.js'

describe('kafkajs layer: producer', () => {
  it('send() with keys, headers, explicit partitions and timestamps: same RecordMetadata and same records', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('send')
      await ctx.createTopic(topic, 3)
      const producer = new k.Kafka(ctx.kafkaConfig()).producer()
      await producer.connect()
      const sent = await producer.send({
        topic,
        messages: [
          { key: 'k1', value: 'v1', headers: { h: 'x', multi: ['a', Buffer.from('b')] } },
          { key: Buffer.from('k2'), value: Buffer.from('v2') },
          { key: 'k3', value: 'v3', partition: 2, timestamp: '1700000000000' },
          { key: null, value: null, partition: 0 },
          { value: 'no key', partition: 1 },
          { key: 'k1', value: 'v1 again' },
        ],
      })
      const acksTopic = ctx.name('acks')
      await ctx.createTopic(acksTopic, 1)
      const acks1 = await producer.send({ topic: acksTopic, acks: 1, messages: [{ key: 'a', value: 'acks 1' }] })
      const acks0 = await producer.send({ topic: acksTopic, acks: 0, messages: [{ key: 'b', value: 'acks 0' }] })
      await producer.disconnect()
      const acksRecords = (await ctx.readTopic(acksTopic, 2)).map((r) => [r.offset, r.key, r.value])
      const records = (await ctx.readTopic(topic, 6)).map((r) => ({
        ...r,
        // CreateTime set by the client at send: only the one given explicitly is comparable.
        timestamp: r.timestamp === 1700000000000 ? r.timestamp : 'now',
      }))
      return { sent: sortMetadata(sent), records, acks1, acks0, acksRecords }
    })
    expect(layer).toEqual(kafkajs)
  })
})

describe('kafkajs layer: producer (more)', () => {
  it('sendBatch() over two topics with every compression type: same metadata, same records, same codec on disk', async () => {
    const { kafkajs, layer } = await runDifferential(
      async (k, ctx) => {
        const a = ctx.name('batch-a')
        const b = ctx.name('batch-b')
        await ctx.createTopic(a, 2)
        await ctx.createTopic(b, 1)
        const producer = new k.Kafka(ctx.kafkaConfig()).producer()
        await producer.connect()
        const results: unknown[] = []
        // kafkajs 2.2.4 implements GZIP only: the others throw KafkaJSNotImplemented there unless a codec is registered.
        for (const compression of [k.CompressionTypes.None, k.CompressionTypes.GZIP]) {
          results.push(
            sortMetadata(
              await producer.sendBatch({
                compression,
                topicMessages: [
                  {
                    topic: a,
                    messages: [
                      { key: 'x', value: `x-${compression}` },
                      { key: 'y', value: `y-${compression}` },
                    ],
                  },
                  { topic: b, messages: [{ value: `b-${compression}` }] },
                  { topic: a, messages: [{ key: 'z', value: `z-${compression}` }] },
                ],
              }),
            ),
          )
        }
        const snappy = await outcome(() =>
          producer.send({ topic: b, compression: k.CompressionTypes.Snappy, messages: [{ value: 'snappy' }] }),
        )
        await producer.disconnect()
        const strip = (r: { timestamp: number }) => ({ ...r, timestamp: 'now' })
        const bRecords = await ctx.readTopic(b, ctx.side === 'layer' ? 3 : 2)
        return {
          results,
          snappy,
          a: (await ctx.readTopic(a, 6)).map(strip),
          b: bRecords.filter((r) => r.value !== 'snappy').map(strip),
          snappyOnDisk: bRecords.filter((r) => r.value === 'snappy').map((r) => r.compression),
        }
      },
      {
        allow: [
          { path: /^snappy$/, reason: 'kafkajs needs a registered Snappy codec; the layer has it built in' },
          { path: /^snappyOnDisk$/, reason: 'the layer wrote the snappy record (codec 2)' },
        ],
      },
    )
    expect(layer).toEqual(kafkajs)
  })

  it('errors: invalid arguments, idempotent with acks 1, sending while disconnected, unknown topic without auto-creation', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('errors')
      await ctx.createTopic(topic, 1)
      const kafka = new k.Kafka(ctx.kafkaConfig())
      const producer = kafka.producer({ allowAutoTopicCreation: false })
      const disconnected = await outcome(() => producer.send({ topic, messages: [{ value: 'v' }] }))
      await producer.connect()
      const out = {
        disconnected,
        noTopic: await outcome(() => producer.send({ topic: '', messages: [{ value: 'v' }] })),
        noMessages: await outcome(() => producer.send({ topic } as never)),
        noValue: await outcome(() => producer.send({ topic, messages: [{ key: 'k' } as never] })),
        unknownTopic: await outcome(() => producer.send({ topic: ctx.name('missing'), messages: [{ value: 'v' }] })),
        transactionWithoutId: await outcome(() => producer.transaction()),
        badEvent: await outcome(async () => producer.on('producer.nope' as never, () => {})),
        tooLarge: await outcome(() => producer.send({ topic, messages: [{ value: Buffer.alloc(1_200_000, 1) }] })),
        fine: sortMetadata(await producer.send({ topic, messages: [{ value: 'v' }] })),
      }
      await producer.disconnect()
      const idempotent = kafka.producer({ idempotent: true })
      await idempotent.connect()
      const acks1 = await outcome(() => idempotent.send({ topic, acks: 1, messages: [{ value: 'v' }] }))
      await idempotent.disconnect()
      const noRetries = await outcome(async () => kafka.producer({ idempotent: true, retry: { retries: 0 } }))
      return { ...out, acks1, noRetries, isIdempotent: idempotent.isIdempotent() }
    })
    if (process.env.KJS_PRINT) console.log(JSON.stringify(kafkajs, null, 1))
    expect(layer).toEqual(kafkajs)
  })

  it('events: CONNECT and DISCONNECT with their payload, on() returns a remover', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const producer = new k.Kafka(ctx.kafkaConfig()).producer()
      const events: unknown[] = []
      const remove = producer.on(producer.events.CONNECT, (e) => events.push(e))
      producer.on(producer.events.DISCONNECT, (e) => events.push(e))
      await producer.connect()
      await producer.connect()
      const topic = ctx.name('events')
      await ctx.createTopic(topic, 1)
      const sent = sortMetadata(await producer.send({ topic, messages: [{ value: 'after two connects' }] }))
      remove()
      await producer.disconnect()
      await producer.connect()
      await producer.disconnect()
      return { events, names: producer.events, sent }
    })
    expect(layer).toEqual(kafkajs)
  })

  it('transactions: commit and abort, sendOffsets, isActive, the guard after the end', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('txn')
      const group = ctx.name('txn-group')
      await ctx.createTopic(topic, 1)
      const kafka = new k.Kafka(ctx.kafkaConfig())
      const producer = kafka.producer({ transactionalId: ctx.name('txn-id'), idempotent: true, maxInFlightRequests: 1 })
      await producer.connect()
      const t1 = await producer.transaction()
      const second = await outcome(() => producer.transaction())
      const sent1 = sortMetadata(await t1.send({ topic, messages: [{ key: 'a', value: 'committed' }] }))
      await t1.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }] })
      const activeBefore = t1.isActive()
      await t1.commit()
      const after = { active: t1.isActive(), send: await outcome(() => t1.send({ topic, messages: [{ value: 'x' }] })) }
      const t2 = await producer.transaction()
      await t2.sendBatch({ topicMessages: [{ topic, messages: [{ key: 'b', value: 'aborted' }] }] })
      await t2.abort()
      const t3 = await producer.transaction()
      await t3.send({ topic, messages: [{ key: 'c', value: 'committed too' }] })
      await t3.commit()
      await producer.disconnect()
      // Read back: the committed offsets of the group, and the records (markers take offsets too).
      const offsets = await ctx.committedOffsets(group)
      const records = (await ctx.readTopic(topic, 3)).map((r) => ({ offset: r.offset, key: r.key, value: r.value }))
      return { second, sent1, activeBefore, after, offsets, records }
    })
    expect(layer).toEqual(kafkajs)
  })
})

describe('kafkajs layer: producer RecordMetadata and the Produce request', () => {
  it("logStartOffset and logAppendTime are the Produce response's (after DeleteRecords; on a LogAppendTime topic)", async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('log-start')
      const appendTopic = ctx.name('log-append-time')
      await ctx.createTopic(topic, 2)
      await ctx.createTopic(appendTopic, 1, { 'message.timestamp.type': 'LogAppendTime' })
      const producer = new k.Kafka(ctx.kafkaConfig()).producer()
      await producer.connect()
      const first = sortMetadata(
        await producer.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ value, partition: 0 })) }),
      )
      // Not through the API under test: move partition 0's log start offset to 2.
      const admin = new Admin({ bootstrapServers: ctx.brokers })
      try {
        await admin.deleteRecords([{ topic, partition: 0, beforeOffset: 2n }])
      } finally {
        await admin.close()
      }
      const second = sortMetadata(
        await producer.send({
          topic,
          messages: [
            { value: 'd', partition: 0 },
            { value: 'e', partition: 1 },
          ],
        }),
      )
      const before = Date.now()
      const appended = await producer.send({
        topic: appendTopic,
        messages: [{ value: 'x', timestamp: '1000' }],
      })
      await producer.disconnect()
      const appendTime = Number(appended[0]!.logAppendTime)
      return {
        first,
        second,
        // The broker's clock, not the message's timestamp: when it appended the batch.
        appended: appended.map((m) => ({
          ...m,
          logAppendTime: appendTime >= before - 1000 ? 'broker time' : m.logAppendTime,
        })),
        onDisk: (await ctx.readTopic(appendTopic, 1)).map((r) => r.timestamp === appendTime),
      }
    })
    expect(layer).toEqual(kafkajs)
    const l = layer as {
      second: { logStartOffset: string }[]
      appended: { logAppendTime: string }[]
      onDisk: boolean[]
    }
    expect(l.second.map((m) => m.logStartOffset)).toEqual(['2', '0'])
    expect(l.appended.map((m) => m.logAppendTime)).toEqual(['broker time'])
    expect(l.onDisk).toEqual([true])
  })
})

/** A broker that answers ApiVersions, Metadata (itself as the leader of `topic`'s one partition) and Produce, recording each Produce. */
async function recordingBroker(topic: string): Promise<{ broker: FakeBroker; produced: FakeRequest[] }> {
  const produced: FakeRequest[] = []
  let port = 0
  const broker = await startFakeBroker((req, ctx) => {
    if (req.api === Apis.Metadata) {
      ctx.reply(req, {
        brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
        clusterId: 'recording',
        controllerId: 1,
        topics: [
          {
            errorCode: 0,
            name: topic,
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
    }
    if (req.api !== Apis.Produce) return false
    produced.push(req)
    ctx.reply(req, {
      responses: req.body.topicData.map((t: { name: string; partitionData: { index: number }[] }) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => ({
          index: p.index,
          errorCode: 0,
          baseOffset: BigInt(produced.length - 1),
          logAppendTimeMs: -1n,
          logStartOffset: 0n,
          recordErrors: [],
          errorMessage: null,
        })),
      })),
      throttleTimeMs: 0,
    })
    return true
  })
  port = broker.port
  return { broker, produced }
}

describe('kafkajs layer: send({ timeout })', () => {
  let fake: FakeBroker | undefined
  afterEach(async () => {
    await fake?.close()
    fake = undefined
  })

  it("is the Produce request's timeout, per call (kafkajs's default 30000 otherwise)", async () => {
    const topic = 'timeouts'
    const { broker, produced } = await recordingBroker(topic)
    fake = broker
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const from = produced.length
      const producer = new k.Kafka({ ...ctx.kafkaConfig(), brokers: [`127.0.0.1:${broker.port}`] }).producer()
      await producer.connect()
      // acks 1: no InitProducerId (this broker does not answer one); one send at a time, one request each.
      await producer.send({ topic, acks: 1, messages: [{ value: 'default' }] })
      await producer.send({ topic, acks: 1, timeout: 1234, messages: [{ value: 'short' }] })
      await producer.send({ topic, acks: 1, timeout: 45000, messages: [{ value: 'long' }] })
      await producer.send({ topic, acks: 1, messages: [{ value: 'default again' }] })
      await producer.disconnect()
      return { timeouts: produced.slice(from).map((r) => ({ acks: r.body.acks, timeoutMs: r.body.timeoutMs })) }
    })
    expect(layer).toEqual(kafkajs)
    expect((layer as { timeouts: unknown[] }).timeouts).toEqual([
      { acks: 1, timeoutMs: 30000 },
      { acks: 1, timeoutMs: 1234 },
      { acks: 1, timeoutMs: 45000 },
      { acks: 1, timeoutMs: 30000 },
    ])
  })

  it('a timeout that is not an int32 is refused, naming it (kafkajs would encode garbage)', async () => {
    const { broker } = await recordingBroker('timeouts')
    fake = broker
    const { layer } = await loadModules()
    const producer = new layer.Kafka({ brokers: [`127.0.0.1:${broker.port}`], logLevel: 0 }).producer()
    await producer.connect()
    try {
      for (const timeout of [1.5, Number.NaN, 2 ** 31, '100' as unknown as number]) {
        const e = await producer
          .send({ topic: 'timeouts', acks: 1, timeout, messages: [{ value: 'x' }] })
          .catch((x) => x)
        expect(e).toBeInstanceOf(layer.KafkaJSNonRetriableError)
        expect(e.message).toMatch(/^Invalid timeout /)
      }
    } finally {
      await producer.disconnect()
    }
  })
})

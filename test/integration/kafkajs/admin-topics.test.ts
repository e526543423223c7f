// kafka-wire/kafkajs admin vs kafkajs 2.2.4 (differential, same broker): topics, partitions,
// metadata, cluster, events — values, shapes and errors (class name, retriable, type).
import { expect, it } from 'vitest'
import { adminDifferential, byPartition, settled } from './admin-differential.js'

it('topics: create (new, existing, invalid), list, metadata, partitions, delete', async () => {
  const { kafkajs, layer, documented } = await adminDifferential(async (admin, step, ctx) => {
    const name = (x: string) => ctx.name(x)
    const events: string[] = []
    admin.on(admin.events.CONNECT, (e: any) => events.push(`${e.type} ${Object.keys(e).sort()} ${e.payload}`))
    admin.on(admin.events.DISCONNECT, (e: any) => events.push(`${e.type} ${Object.keys(e).sort()} ${e.payload}`))
    const requests: string[] = []
    admin.on(admin.events.REQUEST, (e: any) => requests.push(e.payload.apiName))
    await step('on(unknown event)', async () => admin.on('admin.nope', () => {}))
    await step('connect', () => admin.connect())
    const topic = name('orders')
    await step('createTopics new', () =>
      admin.createTopics({
        topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      }),
    )
    await step('createTopics existing', () => admin.createTopics({ topics: [{ topic, numPartitions: 2 }] }))
    await step('createTopics existing + new', () =>
      admin.createTopics({
        topics: [{ topic }, { topic: name('second'), replicaAssignment: [{ partition: 0, replicas: [1] }] }],
      }),
    )
    await step('createTopics invalid config', () =>
      admin.createTopics({
        topics: [{ topic: name('bad'), configEntries: [{ name: 'cleanup.policy', value: 'nope' }] }],
      }),
    )
    await step(
      'createTopics validateOnly',
      () => admin.createTopics({ validateOnly: true, topics: [{ topic: name('dry-run') }] }),
      null,
      'validateOnly: kafkajs then waits for the leaders of a topic it did not create and fails; the layer resolves true',
    )
    await step('createTopics invalid name', () => admin.createTopics({ topics: [{ topic: 'bad name!' }] }))
    await step('createTopics not an array', () => admin.createTopics({ topics: 'x' }))
    await step('createTopics duplicates', () => admin.createTopics({ topics: [{ topic }, { topic }] }))
    await step('createTopics bad configEntries', () =>
      admin.createTopics({ topics: [{ topic, configEntries: [{ name: 'a' }] }] }),
    )
    await step(
      'listTopics',
      () => admin.listTopics(),
      (topics: string[]) =>
        topics.filter((t) => t === topic || t === name('second') || t === '__consumer_offsets').sort(),
    )
    await step(
      'fetchTopicMetadata',
      () => admin.fetchTopicMetadata({ topics: [topic] }),
      (m: any) => m.topics.map((t: any) => ({ name: t.name, partitions: byPartition(t.partitions) })),
    )
    await step(
      'fetchTopicMetadata all',
      () => admin.fetchTopicMetadata(),
      (m: any) => m.topics.some((t: any) => t.name === topic),
    )
    await step('fetchTopicMetadata unknown', () => admin.fetchTopicMetadata({ topics: [name('missing')] }))
    await step('fetchTopicMetadata invalid', () => admin.fetchTopicMetadata({ topics: [''] }))
    await step('createPartitions', () => admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] }))
    await step(
      'partitions after',
      () =>
        settled(
          () => admin.fetchTopicMetadata({ topics: [topic] }),
          (m: any) => m.topics[0].partitions.length === 3,
        ),
      (m: any) => m.topics[0].partitions.length,
    )
    await step('createPartitions fewer', () => admin.createPartitions({ topicPartitions: [{ topic, count: 1 }] }))
    await step('createPartitions unknown', () =>
      admin.createPartitions({ topicPartitions: [{ topic: name('missing'), count: 2 }] }),
    )
    await step('createPartitions empty', () => admin.createPartitions({ topicPartitions: [] }))
    await step(
      'describeCluster',
      () => admin.describeCluster(),
      (c: any) => ({ ...c, clusterId: typeof c.clusterId, controller: typeof c.controller }),
    )
    await step('deleteTopics', () => admin.deleteTopics({ topics: [topic, name('second')] }))
    await step('deleteTopics unknown', () => admin.deleteTopics({ topics: [name('missing')] }))
    await step('deleteTopics invalid', () => admin.deleteTopics({ topics: [1] }))
    await step('disconnect', () => admin.disconnect())
    await step('events', async () => events)
    await step('REQUEST events', async () => requests.includes('CreateTopics') && requests.includes('DeleteTopics'))
  })
  expect(layer).toEqual(kafkajs)
  expect(documented.get('createTopics validateOnly')).toEqual({
    kafkajs: { error: expect.objectContaining({ name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION' }) },
    layer: { value: true },
  })
})

it('connect to a broker that is not there', async () => {
  const { kafkajs, layer } = await adminDifferential(async (_admin, step, ctx, k) => {
    // Port 1 on this host: refused at once. Two retries, as ctx.kafkaConfig() sets.
    const admin = new k.Kafka(ctx.kafkaConfig({ brokers: ['127.0.0.1:1'], connectionTimeout: 300 })).admin()
    await step('connect', () => admin.connect())
    await admin.disconnect()
  })
  expect(layer).toEqual(kafkajs)
})

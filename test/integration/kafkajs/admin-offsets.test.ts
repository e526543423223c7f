// kafka-wire/kafkajs admin vs kafkajs 2.2.4 (differential, same broker): topic offsets, offsets by
// timestamp, group offsets (fetch, set, reset, resolve), deleteTopicRecords — and their errors.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/index.js'
import { produce, rawCluster } from '../admin/helpers.js'
import { adminDifferential, byPartition } from './admin-differential.js'

const bootstrap = () => inject('kafkaBootstrapServers')
let cluster: Cluster

beforeAll(() => {
  cluster = rawCluster(bootstrap())
})
afterAll(async () => {
  await cluster?.close()
})

it('offsets: topic offsets, by timestamp, group offsets, records', async () => {
  const { kafkajs, layer, documented } = await adminDifferential(async (admin, step, ctx) => {
    const name = (x: string) => ctx.name(x)
    await admin.connect()
    const topic = name('events')
    const groupId = name('group')
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
    const t0 = Date.now() - 60_000
    await produce(cluster, topic, 0, [
      { value: 'a', timestamp: t0 },
      { value: 'b', timestamp: t0 + 1000 },
      { value: 'c', timestamp: t0 + 2000 },
    ])
    await produce(cluster, topic, 1, [{ value: 'd', timestamp: t0 }])
    await step('fetchTopicOffsets', () => admin.fetchTopicOffsets(topic), byPartition)
    await step('fetchTopicOffsets unknown', () => admin.fetchTopicOffsets(name('missing')))
    await step('fetchTopicOffsets invalid', () => admin.fetchTopicOffsets(''))
    await step('byTimestamp middle', () => admin.fetchTopicOffsetsByTimestamp(topic, t0 + 500), byPartition)
    await step('byTimestamp future', () => admin.fetchTopicOffsetsByTimestamp(topic, Date.now() + 60_000), byPartition)
    await step('byTimestamp none', () => admin.fetchTopicOffsetsByTimestamp(topic), byPartition)
    await step('fetchOffsets none committed', () => admin.fetchOffsets({ groupId, topics: [topic] }))
    await step('fetchOffsets all topics, none', () => admin.fetchOffsets({ groupId }))
    await step('fetchOffsets unknown topic', () => admin.fetchOffsets({ groupId, topics: [name('missing')] }))
    await step('resetOffsets unknown topic', () => admin.resetOffsets({ groupId, topic: name('missing') }))
    await step('fetchOffsets no groupId', () => admin.fetchOffsets({ topics: [topic] }))
    await step('fetchOffsets topics not array', () => admin.fetchOffsets({ groupId, topics: topic }))
    await step('setOffsets', () => admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] }))
    await step('fetchOffsets after set', () => admin.fetchOffsets({ groupId, topics: [topic] }))
    await step(
      'fetchOffsets all topics',
      () => admin.fetchOffsets({ groupId }),
      (r: any[]) => r.map((t) => ({ ...t, partitions: byPartition(t.partitions) })),
    )
    await step('setOffsets no partitions', () => admin.setOffsets({ groupId, topic, partitions: [] }))
    await step('resetOffsets earliest', () => admin.resetOffsets({ groupId, topic, earliest: true }))
    await step(
      'fetchOffsets after reset',
      () => admin.fetchOffsets({ groupId, topics: [topic] }),
      (r: any[]) => r[0].partitions.map((p: any) => p.offset),
      "resetOffsets commits the earliest offsets themselves, not kafkajs's marker -2",
    )
    await step('fetchOffsets resolveOffsets', () =>
      admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true }),
    )
    await step('fetchOffsets resolved, committed', () => admin.fetchOffsets({ groupId, topics: [topic] }))
    await step('resetOffsets no topic', () => admin.resetOffsets({ groupId }))
    await step('deleteTopicRecords', () =>
      admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '1' }] }),
    )
    await step('offsets after delete', () => admin.fetchTopicOffsets(topic), byPartition)
    await step('deleteTopicRecords all (-1)', () =>
      admin.deleteTopicRecords({ topic, partitions: [{ partition: 1, offset: '-1' }] }),
    )
    await step('offsets after delete all', () => admin.fetchTopicOffsets(topic), byPartition)
    await step('deleteTopicRecords beyond the end', () =>
      admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '10' }] }),
    )
    await step('deleteTopicRecords unknown partition', () =>
      admin.deleteTopicRecords({ topic, partitions: [{ partition: 7, offset: '0' }] }),
    )
    await step('deleteTopicRecords invalid', () => admin.deleteTopicRecords({ topic, partitions: [] }))
    await admin.deleteTopics({ topics: [topic] })
    await admin.deleteGroups([groupId]).catch(() => {})
  })
  expect(layer).toEqual(kafkajs)
  expect(documented.get('fetchOffsets after reset')).toEqual({
    kafkajs: { value: ['-2', '-2'] },
    layer: { value: ['0', '0'] },
  })
})

// listConsumerGroupLag (committed offset, log end offset and lag per partition, assigned partitions
// without a commit included) and createTopics({ ifNotExists }), against the shared broker.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin, AdminAggregateError } from '../../../src/admin/index.js'
import type { Cluster } from '../../../src/cluster/index.js'
import { eventually, joinClassicGroup, produce, rawCluster, uniqueName } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
let admin: Admin
let raw: Cluster

beforeAll(() => {
  admin = new Admin({ bootstrapServers, clientId: 'admin-lag-test' })
  raw = rawCluster(bootstrapServers)
})
afterAll(async () => {
  await admin.close()
  await raw.close()
})

describe('listConsumerGroupLag', () => {
  it('reports committed offset, log end offset and lag per partition, and assigned partitions without a commit', async () => {
    const topic = uniqueName('adm-lag')
    await admin.createTopics([{ topic, numPartitions: 2 }])
    await eventually(() => admin.describeTopics([topic]))
    await produce(raw, topic, 0, [{ value: 'a' }, { value: 'b' }, { value: 'c' }, { value: 'd' }, { value: 'e' }])
    await produce(raw, topic, 1, [{ value: 'x' }, { value: 'y' }, { value: 'z' }])
    const groupId = uniqueName('adm-lag-group')
    await admin.alterConsumerGroupOffsets(groupId, [{ topic, partition: 0, offset: 2n }])
    const member = await joinClassicGroup(raw, groupId, [topic], [{ topic, partitions: [1] }])
    try {
      expect(await admin.listConsumerGroupLag(groupId)).toEqual([
        { topic, partition: 0, committedOffset: 2n, logEndOffset: 5n, lag: 3n, memberId: null },
        { topic, partition: 1, committedOffset: null, logEndOffset: 3n, lag: null, memberId: member.memberId },
      ])
    } finally {
      await member.leave()
    }
  })

  it('fails with GROUP_ID_NOT_FOUND naming a group that does not exist', async () => {
    const groupId = uniqueName('adm-lag-none')
    const error = await admin.listConsumerGroupLag(groupId).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'GROUP_ID_NOT_FOUND' })
    expect((error as Error).message).toContain(groupId)
  })
})

describe('createTopics ifNotExists', () => {
  it('skips topics that exist, creates the others, and still fails other errors', async () => {
    const existing = uniqueName('adm-ine')
    await admin.createTopics([{ topic: existing }])
    const again = admin.createTopics([{ topic: existing }])
    await expect(again).rejects.toBeInstanceOf(AdminAggregateError)
    await expect(again).rejects.toMatchObject({ errors: [{ code: 'TOPIC_ALREADY_EXISTS' }] })

    expect(await admin.createTopics([{ topic: existing }], { ifNotExists: true })).toEqual([])
    const fresh = uniqueName('adm-ine-new')
    const created = await admin.createTopics([{ topic: existing }, { topic: fresh, numPartitions: 2 }], {
      ifNotExists: true,
    })
    expect(created.map((t) => [t.topic, t.numPartitions])).toEqual([[fresh, 2]])

    await expect(
      admin.createTopics([{ topic: uniqueName('adm-ine-bad'), configs: { 'cleanup.policy': 'nope' } }], {
        ifNotExists: true,
      }),
    ).rejects.toMatchObject({ errors: [{ code: 'INVALID_CONFIG' }] })
  })
})

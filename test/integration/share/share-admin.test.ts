// Share group admin calls against the real broker: listGroups by type, describeShareGroups,
// listShareGroupOffsets, alterShareGroupOffsets (the next member starts there),
// deleteShareGroupOffsets and deleteShareGroups.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { ShareConsumer } from '../../../src/share/index.js'
import { createTopic, ensureShareGroups, RawProducer, setGroupConfig, uniqueName, values, waitFor } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

describe('Admin: share groups', () => {
  const topic = uniqueName('share-admin')
  const group = uniqueName('sg-admin')
  let admin: Admin
  let producer: RawProducer

  beforeAll(async () => {
    await ensureShareGroups(bootstrapServers, inject('kafkaLibDir'))
    admin = new Admin({ bootstrapServers })
    producer = new RawProducer(bootstrapServers)
    await createTopic(bootstrapServers, topic, 1)
    await setGroupConfig(bootstrapServers, group, { 'share.auto.offset.reset': 'earliest' })
    await producer.send(topic, 0, values('a', 20))
  })
  afterAll(async () => {
    await admin?.close()
    await producer?.close()
  })

  const consumeAll = async (c: ShareConsumer<null, string>, max: number, quietMs = 1500) => {
    const got: bigint[] = []
    let quietSince = Date.now()
    const deadline = Date.now() + 30000
    while (Date.now() < deadline && got.length < max && (got.length === 0 || Date.now() - quietSince < quietMs)) {
      const records = await c.poll(300)
      if (records.length > 0) quietSince = Date.now()
      for (const r of records) got.push(r.offset)
    }
    await c.commitSync()
    return got
  }
  const consumer = () =>
    new ShareConsumer<null, string>({
      bootstrapServers,
      groupId: group,
      maxPollRecords: 10,
      shareAcquireMode: 'record_limit',
    })

  it('lists, describes, reads, resets and deletes a share group', async () => {
    const c = consumer()
    c.subscribe([topic])
    try {
      expect((await consumeAll(c, 20)).length).toBe(20)
      const listed = await admin.listGroups({ types: ['share'] })
      expect(listed.find((g) => g.groupId === group)).toMatchObject({ type: 'share' })
      expect((await admin.listGroups({ types: ['consumer'] })).some((g) => g.groupId === group)).toBe(false)
      const [d] = await admin.describeShareGroups([group])
      expect(d).toMatchObject({ groupId: group, state: 'Stable', assignor: 'simple' })
      expect(d!.members.map((m) => m.memberId)).toEqual([c.memberId])
      expect(d!.members[0]!.assignment).toEqual([{ topic, partitions: [0] }])
      expect(d!.members[0]!.subscribedTopics).toEqual([topic])
    } finally {
      await c.close(5000)
    }
    // Every record accepted: nothing left (the persisted start offset may trail the last
    // acknowledgement: the broker moves it forward with its next state write).
    const offsets = await waitFor('the lag to reach 0', async () => {
      const o = await admin.listShareGroupOffsets(group)
      return o[0]?.lag === 0n ? o : null
    })
    expect(offsets).toEqual([
      { topic, partition: 0, startOffset: expect.any(BigInt), leaderEpoch: expect.any(Number), lag: 0n },
    ])
    expect(await admin.listShareGroupOffsets(group, [{ topic, partition: 0 }])).toEqual(offsets)

    // Back to 15 (the group is empty): the next member gets 15..19 again.
    await waitFor('the group to be empty', async () => (await admin.describeShareGroups([group]))[0]!.state === 'Empty')
    await admin.alterShareGroupOffsets(group, [{ topic, partition: 0, offset: 15 }])
    expect((await admin.listShareGroupOffsets(group))[0]).toMatchObject({ startOffset: 15n, lag: 5n })
    const again = consumer()
    again.subscribe([topic])
    try {
      expect(await consumeAll(again, 5)).toEqual([15n, 16n, 17n, 18n, 19n])
    } finally {
      await again.close(5000)
    }

    await waitFor('the group to be empty', async () => (await admin.describeShareGroups([group]))[0]!.state === 'Empty')
    await admin.deleteShareGroupOffsets(group, [topic])
    expect(await admin.listShareGroupOffsets(group)).toEqual([])
    await admin.deleteShareGroups([group])
    expect((await admin.listGroups({ types: ['share'] })).some((g) => g.groupId === group)).toBe(false)
  })

  it('a group that does not exist is GROUP_ID_NOT_FOUND; bad arguments are refused before sending', async () => {
    const missing = uniqueName('sg-missing')
    await expect(admin.describeShareGroups([missing])).rejects.toThrow(/GROUP_ID_NOT_FOUND|does not exist/i)
    await expect(admin.alterShareGroupOffsets('', [])).rejects.toThrow(/groupId/)
    await expect(admin.deleteShareGroupOffsets(group, [topic, topic])).rejects.toThrow(/duplicate|more than once/i)
  })
})

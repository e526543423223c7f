// Offsets and records against the shared broker: listOffsets (every spec, routed to leaders),
// deleteRecords, and a group's committed offsets (list / alter / delete) with per-partition errors.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin, AdminAggregateError } from '../../../src/admin/index.js'
import type { Cluster } from '../../../src/cluster/index.js'
import { eventually, joinClassicGroup, produce, rawCluster, uniqueName } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
let admin: Admin
let raw: Cluster

beforeAll(() => {
  admin = new Admin({ bootstrapServers, clientId: 'admin-offsets-test' })
  raw = rawCluster(bootstrapServers)
})
afterAll(async () => {
  await admin.close()
  await raw.close()
})

async function topicWithRecords(partitions = 2) {
  const topic = uniqueName('adm-offsets')
  await admin.createTopics([{ topic, numPartitions: partitions }])
  await eventually(() => admin.describeTopics([topic]))
  const t0 = Date.now() - 60_000
  // Partition 0: 5 records with increasing timestamps, the largest at offset 3.
  // The first produce may reach the broker before it took leadership of the new partition.
  await eventually(() =>
    produce(raw, topic, 0, [
      { value: 'a', timestamp: t0 },
      { value: 'b', timestamp: t0 + 1000 },
      { value: 'c', timestamp: t0 + 2000 },
      { value: 'd', timestamp: t0 + 9000 },
      { value: 'e', timestamp: t0 + 3000 },
    ]),
  )
  return { topic, t0 }
}

describe('listOffsets', () => {
  it('looks up earliest, latest, max-timestamp and by timestamp', async () => {
    const { topic, t0 } = await topicWithRecords()
    const result = await admin.listOffsets([
      { topic, partition: 0, spec: 'latest' },
      { topic, partition: 1, spec: 'latest' },
    ])
    expect(result.map((r) => [r.partition, r.offset])).toEqual([
      [0, 5n],
      [1, 0n],
    ])
    expect(result[0]!.leaderEpoch).toBeGreaterThanOrEqual(0)
    const [earliest] = await admin.listOffsets([{ topic, partition: 0, spec: 'earliest' }])
    expect(earliest).toMatchObject({ topic, partition: 0, offset: 0n })

    const [max, byTime, after] = await Promise.all([
      admin.listOffsets([{ topic, partition: 0, spec: 'max-timestamp' }]),
      admin.listOffsets([{ topic, partition: 0, spec: { timestamp: t0 + 1500 } }]),
      admin.listOffsets([{ topic, partition: 0, spec: { timestamp: new Date(t0 + 60_000) } }]),
    ])
    expect(max[0]).toMatchObject({ offset: 3n, timestamp: t0 + 9000 })
    expect(byTime[0]).toMatchObject({ offset: 2n, timestamp: t0 + 2000 })
    expect(after[0]!.offset).toBe(-1n)
    const committed = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }], {
      isolationLevel: 'read_committed',
    })
    expect(committed[0]!.offset).toBe(5n)
  })

  it('names a partition that does not exist when the call times out', async () => {
    const { topic } = await topicWithRecords(1)
    const error = await admin
      .listOffsets(
        [
          { topic, partition: 0, spec: 'latest' },
          { topic, partition: 7, spec: 'latest' },
        ],
        { timeoutMs: 1500 },
      )
      .catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.errors).toHaveLength(1)
    expect(error.errors[0]).toMatchObject({ code: 'ERR_TIMEOUT', topic, partition: 7 })
    expect(error.errors[0].cause).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    expect(error.succeeded).toEqual([expect.objectContaining({ topic, partition: 0, offset: 5n })])
  })
})

describe('deleteRecords', () => {
  it('advances the log start offset, and names partitions it could not', async () => {
    const { topic } = await topicWithRecords()
    const [deleted] = await admin.deleteRecords([{ topic, partition: 0, beforeOffset: 2 }])
    expect(deleted).toEqual({ topic, partition: 0, lowWatermark: 2n })
    const [earliest] = await admin.listOffsets([{ topic, partition: 0, spec: 'earliest' }])
    expect(earliest!.offset).toBe(2n)

    const error = await admin
      .deleteRecords([
        { topic, partition: 0, beforeOffset: -1 }, // up to the high watermark
        { topic, partition: 1, beforeOffset: 10n }, // beyond it
      ])
      .catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.errors[0]).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', topic, partition: 1 })
    expect(error.succeeded).toEqual([{ topic, partition: 0, lowWatermark: 5n }])
  })
})

describe('consumer group offsets', () => {
  it('alters, lists (all or some) and deletes committed offsets of an empty group', async () => {
    const { topic } = await topicWithRecords()
    const groupId = uniqueName('adm-offsets-group')
    await admin.alterConsumerGroupOffsets(groupId, [
      { topic, partition: 0, offset: 3n, metadata: 'm0' },
      { topic, partition: 1, offset: 0, leaderEpoch: 0 },
    ])
    expect(await admin.listConsumerGroupOffsets(groupId)).toEqual([
      { topic, partition: 0, offset: 3n, metadata: 'm0', leaderEpoch: -1 },
      { topic, partition: 1, offset: 0n, metadata: '', leaderEpoch: 0 },
    ])
    expect(await admin.listConsumerGroupOffsets(groupId, [{ topic, partition: 1 }])).toEqual([
      { topic, partition: 1, offset: 0n, metadata: '', leaderEpoch: 0 },
    ])
    await admin.deleteConsumerGroupOffsets(groupId, [{ topic, partition: 0 }])
    expect((await admin.listConsumerGroupOffsets(groupId)).map((o) => o.partition)).toEqual([1])
  })

  it('lists nothing for a group without commits', async () => {
    expect(await admin.listConsumerGroupOffsets(uniqueName('adm-no-commits'))).toEqual([])
  })

  it('names the group or the partitions that failed', async () => {
    const { topic } = await topicWithRecords()
    const groupId = uniqueName('adm-active')
    const member = await joinClassicGroup(raw, groupId, [topic], [{ topic, partitions: [0, 1] }])
    try {
      // An active group refuses an admin commit, per partition.
      const alter = await admin.alterConsumerGroupOffsets(groupId, [{ topic, partition: 0, offset: 1 }]).catch((e) => e)
      expect(alter).toBeInstanceOf(AdminAggregateError)
      expect(alter.errors[0]).toMatchObject({ topic, partition: 0 })
      expect(alter.errors[0].message).toContain(groupId)

      // ... and keeps the offsets of topics it is subscribed to.
      const del = await admin.deleteConsumerGroupOffsets(groupId, [{ topic, partition: 0 }]).catch((e) => e)
      expect(del).toBeInstanceOf(AdminAggregateError)
      expect(del.errors[0]).toMatchObject({ code: 'GROUP_SUBSCRIBED_TO_TOPIC', topic, partition: 0 })
    } finally {
      await member.leave()
    }
    const missing = uniqueName('adm-missing-group')
    const error = await admin.deleteConsumerGroupOffsets(missing, [{ topic, partition: 0 }]).catch((e) => e)
    expect(error).toMatchObject({ code: 'GROUP_ID_NOT_FOUND' })
    expect(error.message).toContain(missing)
  })
})

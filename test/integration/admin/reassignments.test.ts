// Partition reassignments on the single shared broker: what one node allows is a reassignment to
// the replica it already has (accepted, completed at once), listing (nothing in progress), and
// the errors (cancelling when nothing is in progress, an unknown broker, an unknown topic). Moving
// data between brokers needs several brokers and is not tested here.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { Admin, AdminAggregateError } from '../../../src/admin/index.js'
import { uniqueName } from './helpers.js'

let admin: Admin
let topic: string
let nodeId: number

beforeAll(async () => {
  admin = new Admin({ bootstrapServers: inject('kafkaBootstrapServers') })
  topic = uniqueName('reassign')
  await admin.createTopics([{ topic, numPartitions: 2, replicationFactor: 1 }])
  nodeId = (await admin.describeCluster()).brokers[0]!.nodeId
})
afterAll(async () => {
  await admin?.deleteTopics([topic]).catch(() => {})
  await admin?.close()
})

it('accepts a reassignment to the current replica, and lists none in progress', async () => {
  await admin.alterPartitionReassignments([
    { topic, partition: 0, replicas: [nodeId] },
    { topic, partition: 1, replicas: [nodeId] },
  ])
  expect(await admin.listPartitionReassignments([{ topic, partition: 0 }])).toEqual([])
  const all = await admin.listPartitionReassignments()
  expect(all.filter((r) => r.topic === topic)).toEqual([])
})

it('names each partition that failed', async () => {
  const error = await admin
    .alterPartitionReassignments([
      { topic, partition: 0, replicas: null },
      { topic, partition: 1, replicas: [nodeId + 1000] },
      { topic: uniqueName('missing'), partition: 0, replicas: [nodeId] },
    ])
    .catch((e: unknown) => e)
  expect(error).toBeInstanceOf(AdminAggregateError)
  const codes = (error as AdminAggregateError).errors.map((e) => [e.topic, e.partition, e.code])
  expect(codes).toEqual([
    [topic, 0, 'NO_REASSIGNMENT_IN_PROGRESS'],
    [topic, 1, 'INVALID_REPLICA_ASSIGNMENT'],
    [expect.any(String), 0, 'UNKNOWN_TOPIC_OR_PARTITION'],
  ])
})

it('rejects invalid arguments before sending', async () => {
  await expect(admin.alterPartitionReassignments([{ topic, partition: -1, replicas: [nodeId] }])).rejects.toMatchObject(
    {
      code: 'ERR_INVALID_ARGUMENT',
    },
  )
  await expect(admin.alterPartitionReassignments([{ topic, partition: 0, replicas: [] }])).rejects.toMatchObject({
    code: 'ERR_INVALID_ARGUMENT',
  })
})

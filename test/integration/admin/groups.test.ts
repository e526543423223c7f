// Group calls against the shared broker: listGroups, describeGroups (a classic group with a member
// and its decoded assignment, a KIP-848 'consumer' group), deleteGroups, and per-group errors.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin, AdminAggregateError } from '../../../src/admin/index.js'
import type { Cluster } from '../../../src/cluster/index.js'
import { eventually, joinClassicGroup, joinConsumerGroup, rawCluster, uniqueName } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
let admin: Admin
let raw: Cluster
let topic: string

beforeAll(async () => {
  admin = new Admin({ bootstrapServers, clientId: 'admin-groups-test' })
  raw = rawCluster(bootstrapServers)
  topic = uniqueName('adm-groups')
  await admin.createTopics([{ topic, numPartitions: 2 }])
  await eventually(() => admin.describeTopics([topic]))
})
afterAll(async () => {
  await admin.close()
  await raw.close()
})

describe('classic groups', () => {
  it('lists, describes (members, decoded assignment), and deletes once empty', async () => {
    const groupId = uniqueName('adm-classic')
    const member = await joinClassicGroup(raw, groupId, [topic], [{ topic, partitions: [1, 0] }])

    const listed = await admin.listGroups({ types: ['classic'], states: ['Stable'] })
    expect(listed.find((g) => g.groupId === groupId)).toEqual({
      groupId,
      protocolType: 'consumer',
      state: 'Stable',
      type: 'classic',
    })
    expect((await admin.listGroups({ states: ['Empty'] })).map((g) => g.groupId)).not.toContain(groupId)

    const [d] = await admin.describeGroups([groupId])
    expect(d).toMatchObject({
      groupId,
      type: 'classic',
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'range',
      groupEpoch: null,
    })
    expect(d!.coordinator).toBeTypeOf('number')
    expect(d!.members).toHaveLength(1)
    expect(d!.members[0]).toMatchObject({
      memberId: member.memberId,
      groupInstanceId: null,
      clientId: 'admin-test-helper',
      assignment: [{ topic, partitions: [0, 1] }],
      subscribedTopics: [topic],
      targetAssignment: null,
    })
    expect(d!.members[0]!.clientHost).toMatch(/127\.0\.0\.1/)

    // A group with a member cannot be deleted: the error names the group.
    const busy = await admin.deleteGroups([groupId]).catch((e) => e)
    expect(busy).toBeInstanceOf(AdminAggregateError)
    expect(busy.errors[0]).toMatchObject({ code: 'NON_EMPTY_GROUP' })
    expect(busy.errors[0].message).toContain(groupId)

    await member.leave()
    await eventually(async () => expect((await admin.describeGroups([groupId]))[0]!.state).toBe('Empty'))
    await admin.deleteGroups([groupId])
    const gone = await admin.describeGroups([groupId]).catch((e) => e)
    expect(gone).toBeInstanceOf(AdminAggregateError)
    expect(gone.errors[0]).toMatchObject({ code: 'GROUP_ID_NOT_FOUND' })
  })
})

describe("'consumer' (KIP-848) groups", () => {
  it('describes members through ConsumerGroupDescribe', async () => {
    const groupId = uniqueName('adm-kip848')
    const member = await joinConsumerGroup(raw, groupId, [topic])
    const listed = await admin.listGroups({ types: ['consumer'] })
    expect(listed.find((g) => g.groupId === groupId)).toMatchObject({ groupId, type: 'consumer' })

    const [d] = await admin.describeGroups([groupId])
    expect(d).toMatchObject({ groupId, type: 'consumer', protocolType: 'consumer' })
    expect(d!.protocol).toMatch(/\w+/) // the server-side assignor, e.g. 'uniform'
    expect(d!.groupEpoch).toBeGreaterThanOrEqual(1)
    expect(d!.members).toHaveLength(1)
    expect(d!.members[0]).toMatchObject({
      memberId: member.memberId,
      clientId: 'admin-test-helper',
      subscribedTopics: [topic],
    })
    expect(d!.members[0]!.memberEpoch).toBeGreaterThanOrEqual(1)
    const target = d!.members[0]!.targetAssignment!
    expect(target).toEqual([{ topic, partitions: [0, 1] }])

    await member.leave()
    await eventually(async () => expect((await admin.describeGroups([groupId]))[0]!.state).toBe('Empty'))
    await admin.deleteGroups([groupId])
  })
})

describe('per-group errors', () => {
  it('describes the groups that exist and names the ones that do not', async () => {
    const groupId = uniqueName('adm-exists')
    const missing = uniqueName('adm-nogroup')
    await admin.alterConsumerGroupOffsets(groupId, [{ topic, partition: 0, offset: 0 }])
    const error = await admin.describeGroups([groupId, missing]).catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.failed).toEqual([`group ${missing}`])
    expect(error.errors[0]).toMatchObject({ code: 'GROUP_ID_NOT_FOUND' })
    expect(error.errors[0].message).toContain(missing)
    expect(error.succeeded[0]).toMatchObject({ groupId, state: 'Empty', members: [] })

    const del = await admin.deleteGroups([groupId, missing]).catch((e) => e)
    expect(del).toBeInstanceOf(AdminAggregateError)
    expect(del.failed).toEqual([`group ${missing}`])
    expect(del.succeeded).toEqual([groupId])
  })
})

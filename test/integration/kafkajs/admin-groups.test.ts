// kafka-wire/kafkajs admin vs kafkajs 2.2.4 (differential, same broker): configs (describe with
// and without synonyms, topic and broker, alter, invalid values), groups (list, describe an empty,
// a running and an unknown group, delete an empty, a non-empty and an unknown group), ACLs (the
// shared broker has no authorizer: SECURITY_DISABLED) and partition reassignments on one broker.
import { createRequire } from 'node:module'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import type { Cluster } from '../../../src/cluster/index.js'
import { joinClassicGroup, joinConsumerGroup, type Member, rawCluster, uniqueName } from '../admin/helpers.js'
import { adminDifferential, settled } from './admin-differential.js'

const bootstrap = () => inject('kafkaBootstrapServers')
// Member buffers are decoded with kafkajs's own AssignerProtocol on both sides: the layer's must be what kafkajs reads.
const { AssignerProtocol } = createRequire(import.meta.url)('kafkajs')
let cluster: Cluster
let native: Admin
let member: Member
let kip848: Member
const running = {
  topic: uniqueName('kjs-running'),
  groupId: uniqueName('kjs-running-group'),
  kip848: uniqueName('kjs-848'),
}

beforeAll(async () => {
  cluster = rawCluster(bootstrap())
  native = new Admin({ bootstrapServers: bootstrap() })
  await native.createTopics([{ topic: running.topic, numPartitions: 2 }])
  kip848 = await joinConsumerGroup(cluster, running.kip848, [running.topic])
  member = await joinClassicGroup(
    cluster,
    running.groupId,
    [running.topic],
    [{ topic: running.topic, partitions: [0, 1] }],
  )
})
afterAll(async () => {
  await member?.leave().catch(() => {})
  await kip848?.leave().catch(() => {})
  await native?.deleteTopics([running.topic]).catch(() => {})
  await native?.close()
  await cluster?.close()
})

/** A group description with its member buffers decoded (kafkajs's AssignerProtocol). */
function decodedGroups(r: any) {
  return r.groups.map((g: any) => ({
    ...g,
    members: g.members.map((m: any) => ({
      ...m,
      memberId: typeof m.memberId,
      clientHost: typeof m.clientHost,
      memberMetadata: AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics,
      memberAssignment: AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment,
    })),
  }))
}

it('configs and groups', async () => {
  const { kafkajs, layer, documented } = await adminDifferential(async (admin, step, ctx, k) => {
    const name = (x: string) => ctx.name(x)
    const { ConfigResourceTypes } = k
    await admin.connect()
    const topic = name('configs')
    const empty = name('empty-group')
    await admin.createTopics({ topics: [{ topic, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })
    const describe = (configNames: string[], includeSynonyms = false) =>
      admin.describeConfigs({
        includeSynonyms,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames }],
      })
    await step('describeConfigs topic', () => describe(['cleanup.policy', 'retention.ms']))
    await step('describeConfigs synonyms', () => describe(['retention.ms', 'cleanup.policy'], true))
    await step('describeConfigs broker', () =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: ConfigResourceTypes.BROKER, name: '1', configNames: ['log.retention.hours', 'num.io.threads'] },
        ],
      }),
    )
    await step('describeConfigs unknown topic', () =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: name('missing') }],
      }),
    )
    await step('describeConfigs invalid type', () =>
      admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 99, name: topic }] }),
    )
    await step('describeConfigs empty', () => admin.describeConfigs({ includeSynonyms: false, resources: [] }))
    await step('alterConfigs', () =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
        ],
      }),
    )
    await step('describeConfigs after alter', () =>
      settled(
        () => describe(['retention.ms']),
        (r: any) => r.resources[0]?.configEntries[0]?.configValue === '3600000',
      ),
    )
    await step('alterConfigs invalid value', () =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: 'abc' }] },
        ],
      }),
    )
    await step('alterConfigs validateOnly', () =>
      admin.alterConfigs({
        validateOnly: true,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '1' }] },
        ],
      }),
    )
    await step('alterConfigs invalid entry', () =>
      admin.alterConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'x', value: 1 }] }],
      }),
    )

    // Groups: an empty one (committed offsets only), the running one (one classic member), an unknown one.
    await admin.setOffsets({ groupId: empty, topic, partitions: [{ partition: 0, offset: '0' }] })
    await step(
      'listGroups',
      () => admin.listGroups(),
      (r: any) =>
        r.groups
          .filter((g: any) => g.groupId === running.groupId)
          .map((g: any) => ({ ...g }))
          .sort(),
    )
    await step(
      'describeGroups of a group setOffsets made',
      () => admin.describeGroups([empty]),
      (r: any) => r.groups.map((g: any) => [g.state, g.protocolType]),
      'setOffsets commits as an admin (no member): the group it creates has no protocol type',
    )
    await step(
      'describeGroups of a KIP-848 group',
      () => admin.describeGroups([running.kip848]),
      (r: any) => r.groups.map((g: any) => [g.state, g.members.length]),
      'KIP-848 groups are described through ConsumerGroupDescribe',
    )
    await step(
      'describeGroups running + unknown',
      () => admin.describeGroups([running.groupId, name('unknown-group')]),
      decodedGroups,
    )
    await step('setOffsets on a running group', () =>
      admin.setOffsets({ groupId: running.groupId, topic: running.topic, partitions: [{ partition: 0, offset: '0' }] }),
    )
    await step('deleteGroups running (not empty)', () => admin.deleteGroups([running.groupId]))
    await step('deleteGroups unknown', () => admin.deleteGroups([name('unknown-group')]))
    await step('deleteGroups empty', () => admin.deleteGroups([empty]))
    await step('deleteGroups invalid', () => admin.deleteGroups('x'))
    await admin.deleteTopics({ topics: [topic] })
  })
  expect(layer).toEqual(kafkajs)
  expect(documented.get('describeGroups of a KIP-848 group')).toEqual({
    kafkajs: { value: [['Dead', 0]] },
    layer: { value: [[expect.stringMatching(/^(Stable|Assigning|Reconciling)$/), 1]] },
  })
  expect(documented.get('describeGroups of a group setOffsets made')).toEqual({
    kafkajs: { value: [['Empty', 'consumer']] },
    layer: { value: [['Empty', '']] },
  })
})

it('ACLs (no authorizer) and partition reassignments (one broker)', async () => {
  const { kafkajs, layer } = await adminDifferential(async (admin, step, ctx, k) => {
    const name = (x: string) => ctx.name(x)
    const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = k
    await admin.connect()
    const topic = name('moves')
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
    const acl = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:alice',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    }
    await step('createAcls', () => admin.createAcls({ acl: [acl] }))
    await step('describeAcls', () => admin.describeAcls({ ...acl, resourceName: undefined }))
    await step('deleteAcls', () => admin.deleteAcls({ filters: [acl] }))
    await step('createAcls empty', () => admin.createAcls({ acl: [] }))
    await step('createAcls invalid operation', () => admin.createAcls({ acl: [{ ...acl, operation: 42 }] }))
    await step('describeAcls invalid resource type', () => admin.describeAcls({ ...acl, resourceType: 42 }))
    await step('deleteAcls invalid principal', () => admin.deleteAcls({ filters: [{ ...acl, principal: 7 }] }))

    await step('listPartitionReassignments (none)', () =>
      admin.listPartitionReassignments({ topics: [{ topic, partitions: [0, 1] }] }),
    )
    await step(
      'listPartitionReassignments all',
      () => admin.listPartitionReassignments({}),
      (r: any) => r.topics.filter((t: any) => t.topic === topic),
    )
    await step('alterPartitionReassignments same replica', () =>
      admin.alterPartitionReassignments({
        topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [1] }] }],
      }),
    )
    await step('alterPartitionReassignments unknown broker', () =>
      admin.alterPartitionReassignments({
        topics: [{ topic, partitionAssignment: [{ partition: 1, replicas: [7] }] }],
      }),
    )
    await step('alterPartitionReassignments unknown topic', () =>
      admin.alterPartitionReassignments({
        topics: [{ topic: name('missing'), partitionAssignment: [{ partition: 0, replicas: [1] }] }],
      }),
    )
    await step('alterPartitionReassignments invalid', () =>
      admin.alterPartitionReassignments({
        topics: [{ topic, partitionAssignment: [{ partition: -1, replicas: [1] }] }],
      }),
    )
    await step('listPartitionReassignments invalid', () =>
      admin.listPartitionReassignments({ topics: [{ topic, partitions: [-1] }] }),
    )
    await admin.deleteTopics({ topics: [topic] })
  })
  expect(layer).toEqual(kafkajs)
})

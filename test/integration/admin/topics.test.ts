// Admin topic calls against the shared broker: create/list/describe/createPartitions/delete,
// describeCluster, and per-topic error reporting.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin, AdminAggregateError } from '../../../src/admin/index.js'
import { KafkaAggregateError, TimeoutError } from '../../../src/errors.js'
import { eventually, uniqueName } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
let admin: Admin

beforeAll(() => {
  admin = new Admin({ bootstrapServers, clientId: 'admin-topics-test' })
})
afterAll(async () => {
  await admin.close()
})

describe('createTopics', () => {
  it('creates topics with partitions, replication factor, configs and explicit assignments', async () => {
    const a = uniqueName('adm-create-a')
    const b = uniqueName('adm-create-b')
    const created = await admin.createTopics([
      { topic: a, numPartitions: 3, replicationFactor: 1, configs: { 'retention.ms': '3600000' } },
      { topic: b, replicaAssignment: [[1], [1]] },
    ])
    expect(created.map((t) => t.topic)).toEqual([a, b])
    expect(created[0]).toMatchObject({ numPartitions: 3, replicationFactor: 1 })
    expect(created[0]!.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(created[0]!.configs['retention.ms']).toMatchObject({ value: '3600000', source: 'dynamic-topic-config' })
    expect(created[1]).toMatchObject({ numPartitions: 2, replicationFactor: 1 })
  })

  it("reports each config's type as describeConfigs does (CreateTopics carries none)", async () => {
    const name = uniqueName('adm-create-types')
    const [created] = await admin.createTopics([{ topic: name }])
    const [described] = await admin.describeConfigs([{ type: 'topic', name }])
    const types = (configs: Record<string, { type: string }>) =>
      Object.fromEntries(Object.entries(configs).map(([k, c]) => [k, c.type]))
    expect(created!.configs['retention.ms']!.type).toBe('long')
    expect(types(created!.configs)).toEqual(types(described!.configs))
  })

  it('validateOnly creates nothing', async () => {
    const name = uniqueName('adm-validate')
    const [result] = await admin.createTopics([{ topic: name, numPartitions: 2 }], { validateOnly: true })
    expect(result).toMatchObject({ topic: name, numPartitions: 2 })
    const topics = await admin.listTopics()
    expect(topics.map((t) => t.topic)).not.toContain(name)
  })

  it('with one existing and one new topic: creates the new one and names the existing one', async () => {
    const existing = uniqueName('adm-exists')
    const fresh = uniqueName('adm-fresh')
    await admin.createTopics([{ topic: existing }])
    const error = await admin.createTopics([{ topic: existing }, { topic: fresh }]).catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error).toBeInstanceOf(KafkaAggregateError)
    expect(error.errors).toHaveLength(1)
    expect(error.errors[0]).toMatchObject({ code: 'TOPIC_ALREADY_EXISTS', topic: existing })
    expect(error.failed).toEqual([existing])
    expect(error.succeeded.map((t: { topic: string }) => t.topic)).toEqual([fresh])
    expect(error.message).toContain(existing)
    // Brokers learn of new topics from the metadata log, a moment after the controller created them.
    await eventually(async () => expect((await admin.listTopics()).map((t) => t.topic)).toContain(fresh))
  })

  it('reports invalid settings per topic', async () => {
    const name = uniqueName('adm-bad-rf')
    const error = await admin.createTopics([{ topic: name, replicationFactor: 3 }]).catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.errors[0]).toMatchObject({ code: 'INVALID_REPLICATION_FACTOR', topic: name })
  })
})

describe('listTopics / describeTopics', () => {
  it('lists user topics, and internal ones on request', async () => {
    const name = uniqueName('adm-list')
    await admin.createTopics([{ topic: name }])
    const user = await eventually(async () => {
      const topics = await admin.listTopics()
      expect(topics.map((t) => t.topic)).toContain(name)
      return topics
    })
    const listing = user.find((t) => t.topic === name)
    expect(listing).toMatchObject({ isInternal: false })
    expect(listing!.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(user.every((t) => !t.isInternal)).toBe(true)
    // __consumer_offsets exists once any group has committed; make sure one has.
    const all = await admin.listTopics({ includeInternal: true })
    expect(all.length).toBeGreaterThanOrEqual(user.length)
  })

  it('describes partitions (leader, epoch, replicas, ISR), the topic id and configs', async () => {
    const name = uniqueName('adm-describe')
    const [created] = await admin.createTopics([
      { topic: name, numPartitions: 2, configs: { 'cleanup.policy': 'compact' } },
    ])
    const [d] = await eventually(() => admin.describeTopics([name], { includeConfigs: true }))
    expect(d!.topic).toBe(name)
    expect(d!.topicId).toBe(created!.topicId)
    expect(d!.isInternal).toBe(false)
    expect(d!.partitions).toHaveLength(2)
    for (const [i, p] of d!.partitions.entries()) {
      expect(p.partition).toBe(i)
      expect(p.leader).toBeTypeOf('number')
      expect(p.leaderEpoch).toBeGreaterThanOrEqual(0)
      expect(p.replicas).toEqual([p.leader])
      expect(p.isr).toEqual([p.leader])
      expect(p.offlineReplicas).toEqual([])
    }
    expect(d!.configs!['cleanup.policy']).toMatchObject({ value: 'compact', source: 'dynamic-topic-config' })
    expect(d!.configs!['retention.ms']).toMatchObject({ isDefault: true })
  })

  it('names a missing topic and still describes the others', async () => {
    const name = uniqueName('adm-present')
    const missing = uniqueName('adm-missing')
    await admin.createTopics([{ topic: name }])
    await eventually(() => admin.describeTopics([name]))
    const error = await admin.describeTopics([name, missing]).catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.errors).toHaveLength(1)
    expect(error.errors[0]).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', topic: missing })
    expect(error.message).toContain(missing)
    expect(error.succeeded.map((t: { topic: string }) => t.topic)).toEqual([name])
  })
})

describe('createPartitions', () => {
  it('adds partitions, visible to describeTopics and to leader-routed calls', async () => {
    const name = uniqueName('adm-grow')
    await admin.createTopics([{ topic: name, numPartitions: 1 }])
    await eventually(() => admin.describeTopics([name]))
    await admin.createPartitions([{ topic: name, count: 3 }])
    const [d] = await eventually(async () => {
      const r = await admin.describeTopics([name])
      expect(r[0]!.partitions).toHaveLength(3)
      return r
    })
    expect(d!.partitions.map((p) => p.partition)).toEqual([0, 1, 2])
    // The admin's own metadata follows: a partition that did not exist before is routed to its leader.
    const [offset] = await admin.listOffsets([{ topic: name, partition: 2, spec: 'latest' }])
    expect(offset).toMatchObject({ topic: name, partition: 2, offset: 0n })
  })

  it('names the topic it could not grow', async () => {
    const name = uniqueName('adm-shrink')
    const missing = uniqueName('adm-nogrow')
    await admin.createTopics([{ topic: name, numPartitions: 2 }])
    const error = await admin
      .createPartitions([
        { topic: name, count: 1 },
        { topic: missing, count: 2 },
      ])
      .catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    const byTopic = Object.fromEntries(error.errors.map((e: any) => [e.topic, e.code]))
    expect(byTopic).toEqual({ [name]: 'INVALID_PARTITIONS', [missing]: 'UNKNOWN_TOPIC_OR_PARTITION' })
  })
})

describe('deleteTopics', () => {
  it('deletes topics and names the ones that do not exist', async () => {
    const name = uniqueName('adm-delete')
    const missing = uniqueName('adm-delete-missing')
    await admin.createTopics([{ topic: name }])
    const error = await admin.deleteTopics([name, missing]).catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.errors[0]).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', topic: missing })
    expect(error.succeeded).toEqual([name])
    await eventually(async () => {
      expect((await admin.listTopics()).map((t) => t.topic)).not.toContain(name)
    })
  })
})

describe('describeCluster', () => {
  it('reports the cluster id, the brokers and the controller', async () => {
    const cluster = await admin.describeCluster()
    expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1)
    const [host, port] = bootstrapServers.split(',')[0]!.split(':')
    expect(cluster.brokers.some((b) => b.host === host && b.port === Number(port))).toBe(true)
    expect(cluster.controller).not.toBeNull()
    expect(cluster.brokers.map((b) => b.nodeId)).toContain(cluster.controller!.nodeId)
    expect(cluster.brokers[0]!.fenced).toBe(false)
  })
})

describe('lifecycle', () => {
  it('times out per call and rejects after close()', async () => {
    const other = new Admin({ bootstrapServers, defaultApiTimeoutMs: 5_000 })
    await other.listTopics()
    // listOffsets on an unknown topic keeps looking for it until the call's timeout.
    const error = await other
      .listOffsets([{ topic: uniqueName('adm-nowhere'), partition: 0, spec: 'latest' }], { timeoutMs: 1_500 })
      .catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.errors[0]).toBeInstanceOf(TimeoutError)
    await other.close()
    await other.close()
    await expect(other.listTopics()).rejects.toMatchObject({ code: 'ERR_CLOSED' })
  })

  it('honours an AbortSignal', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(admin.listTopics({ signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' })
  })

  it('supports await using', async () => {
    {
      await using scoped = new Admin({ bootstrapServers })
      expect((await scoped.describeCluster()).brokers.length).toBeGreaterThan(0)
    }
  })
})

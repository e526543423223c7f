/**
 * Cluster against the shared broker: bootstrap, metadata (topics with ids, leaders, epochs,
 * replicas, ISR), refresh after CreatePartitions (explicit and by metadataMaxAgeMs), leader
 * routing, coordinator lookup, workload isolation, unknown topics, and timers that never keep
 * the process alive.
 */
import { afterEach, describe, expect, inject, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { UnknownTopicOrPartitionError } from '../../../src/errors.js'
import { Apis } from '../../../src/protocol/index.js'
import { createTopic, latestOffset, makeCluster, uniqueTopic, waitFor } from './helpers.js'

const clusters: Cluster[] = []
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.close()))
})

function cluster(extra: Record<string, unknown> = {}): Cluster {
  const c = makeCluster({ bootstrapServers: inject('kafkaBootstrapServers'), ...extra })
  clusters.push(c)
  return c
}

describe('Cluster (real broker)', () => {
  it('bootstraps: brokers, controller and cluster id', async () => {
    const c = cluster()
    await c.connect()
    expect(c.brokers.size).toBe(1)
    const [b] = [...c.brokers.values()]
    expect(b!.host).toBe('127.0.0.1')
    expect(c.controllerId).toBe(b!.nodeId)
    expect(c.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('topic metadata: id, partitions, leaders, epochs, replicas, ISR; routes to the leader', async () => {
    const c = cluster()
    const topic = uniqueTopic('kw-md')
    await c.connect()
    await createTopic(c, topic, 3)
    const md = (await c.topicMetadata([topic])).get(topic)!
    expect(md.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(md.topicId).not.toBe('AAAAAAAAAAAAAAAAAAAAAA')
    expect(c.topicById(md.topicId)?.name).toBe(topic)
    expect(md.partitions).toHaveLength(3)
    for (const p of md.partitions) {
      expect(p.leaderId).toBe([...c.brokers.keys()][0])
      expect(p.leaderEpoch).toBeGreaterThanOrEqual(0)
      expect(p.replicas).toEqual([p.leaderId])
      expect(p.isr).toEqual([p.leaderId])
    }
    const { partition } = await latestOffset(c, topic, 2)
    expect(partition.errorCode).toBe(0)
    expect(partition.offset).toBe(0n)
  })

  it('metadata is refreshed after a topic gains partitions (CreatePartitions through sendToController)', async () => {
    const c = cluster()
    const topic = uniqueTopic('kw-grow')
    await c.connect()
    await createTopic(c, topic, 1)
    expect(c.topic(topic)!.partitions).toHaveLength(1)
    const res = await c.sendToController(Apis.CreatePartitions, {
      topics: [{ name: topic, count: 4, assignments: null }],
      timeoutMs: 30_000,
      validateOnly: false,
    })
    expect(res.results[0]!.errorCode).toBe(0)
    await waitFor(
      async () => {
        await c.refreshMetadata()
        return c.topic(topic)!.partitions.length === 4
      },
      20_000,
      '4 partitions',
    )
    expect(c.leaderFor(topic, 3)).toBeDefined()
  })

  it('metadata refreshes by itself every metadataMaxAgeMs', async () => {
    const c = cluster({ metadataMaxAgeMs: 300 })
    const admin = cluster()
    const topic = uniqueTopic('kw-age')
    await admin.connect()
    await createTopic(admin, topic, 1)
    await c.topicMetadata([topic]) // tracked from now on
    await admin.sendToController(Apis.CreatePartitions, {
      topics: [{ name: topic, count: 2, assignments: null }],
      timeoutMs: 30_000,
      validateOnly: false,
    })
    // No explicit refresh: the periodic one picks the change up.
    await waitFor(() => c.topic(topic)?.partitions.length === 2, 15_000, 'periodic refresh')
  })

  it('an unknown topic is retried until timeoutMs, then UnknownTopicOrPartitionError names it', async () => {
    const c = cluster()
    const started = Date.now()
    const err = await c.topicMetadata(['kw-does-not-exist-xyz'], { timeoutMs: 800 }).catch((e) => e)
    expect(err).toBeInstanceOf(UnknownTopicOrPartitionError)
    expect(err.topic).toBe('kw-does-not-exist-xyz')
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('finds group and transaction coordinators, batching concurrent group lookups', async () => {
    const c = cluster()
    const [a, b] = await Promise.all([
      c.findCoordinator('group', uniqueTopic('kw-g'), { timeoutMs: 60_000 }),
      c.findCoordinator('group', uniqueTopic('kw-g'), { timeoutMs: 60_000 }),
    ])
    const nodeId = [...c.brokers.keys()][0]
    expect([a, b]).toEqual([nodeId, nodeId])
    expect(await c.findCoordinator('transaction', uniqueTopic('kw-txn'), { timeoutMs: 60_000 })).toBe(nodeId)
    const conn = c.connectionOptions(nodeId!)
    expect(conn).toMatchObject({ host: '127.0.0.1', nodeId })
  })

  it('workloads use separate connections: a long-polling Fetch does not delay an admin request', async () => {
    const c = cluster()
    const topic = uniqueTopic('kw-iso')
    await c.connect()
    await createTopic(c, topic, 1)
    const leader = c.leaderFor(topic, 0)!
    const md = c.topic(topic)!
    const fetchVersion = await c.versionFor(leader.nodeId, Apis.Fetch)
    const fetchStarted = Date.now()
    const fetch = c.send(
      leader.nodeId,
      Apis.Fetch,
      {
        replicaId: -1,
        maxWaitMs: 2000,
        minBytes: 1_000_000,
        maxBytes: 1 << 20,
        topics: [
          {
            ...(fetchVersion >= 13 ? { topicId: md.topicId } : { topic }),
            partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }],
          },
        ],
      },
      { workload: 'fetch' },
    )
    await new Promise((r) => setTimeout(r, 100))
    const started = Date.now()
    await c.send(leader.nodeId, Apis.Metadata, { topics: [] }, { workload: 'admin' })
    await c.send(leader.nodeId, Apis.Metadata, { topics: [] }, { workload: 'produce' })
    expect(Date.now() - started).toBeLessThan(1000)
    await fetch
    expect(Date.now() - fetchStarted).toBeGreaterThanOrEqual(1500)
  })

  it('a closed cluster leaves no timer or socket keeping the process alive', async () => {
    const c = cluster({ metadataMaxAgeMs: 100 })
    await c.connect()
    await c.sendAny(Apis.Metadata, { topics: [] })
    await c.close()
    const handles = (process as any)._getActiveHandles() as unknown[]
    const sockets = handles.filter(
      (h: any) => h?.constructor?.name === 'Socket' && h.remotePort !== undefined && !h.destroyed,
    )
    // Other test files' sockets may exist in this worker, but none to our broker from this cluster is ref'd and open.
    expect(
      sockets.every(
        (s: any) =>
          s.destroyed ||
          typeof s.hasRef !== 'function' ||
          !s.hasRef() ||
          s.remotePort !== c.brokers.values().next().value?.port,
      ),
    ).toBe(true)
  })
})

/**
 * On a 3-node cluster, SIGKILL the leader of a partition: a request to the dead leader fails with a
 * retriable ConnectionError, which makes the Cluster refresh its metadata; the partition's leader
 * moves (with a newer leader epoch) and partition requests route to the new leader. Bootstrap and
 * sendAny keep working while one node is dead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { withRetry } from '../../../src/cluster/retry.js'
import { ConnectionError, KafkaError } from '../../../src/errors.js'
import { Apis } from '../../../src/protocol/index.js'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'
import { createTopic, latestOffset, makeCluster, uniqueTopic, waitFor } from '../../integration/cluster/helpers.js'

let kafka: KafkaCluster
let cluster: Cluster

beforeAll(async () => {
  kafka = await startKafka({ nodes: 3 })
  cluster = makeCluster({
    bootstrapServers: kafka.bootstrapServers,
    requestTimeoutMs: 15_000,
    socketConnectionSetupTimeoutMs: 3000,
  })
}, 300_000)

afterAll(async () => {
  await cluster?.close()
  await kafka?.stop()
})

describe('leader failover (3 nodes)', () => {
  it('after SIGKILL of a leader, partition requests route to the new leader', async () => {
    const topic = uniqueTopic('kw-failover')
    await cluster.connect()
    expect(cluster.brokers.size).toBe(3)
    await createTopic(cluster, topic, 3, 3)
    await waitFor(
      async () => {
        await cluster.refreshMetadata({ topics: [topic] })
        return cluster.topic(topic)!.partitions.every((p) => p.isr.length === 3)
      },
      60_000,
      'full ISR',
    )
    const before = cluster.leaderFor(topic, 0)!
    await waitFor(async () => (await latestOffset(cluster, topic, 0)).partition.errorCode === 0, 30_000, 'leader ready')

    await kafka.kill(before.nodeId)

    // The old leader is gone: one attempt fails with a retriable ConnectionError...
    const err = await cluster
      .send(before.nodeId, Apis.Metadata, { topics: [] }, { timeoutMs: 10_000 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConnectionError)
    expect((err as KafkaError).retriable).toBe(true)

    // ...which made the Cluster refresh metadata by itself; the leader moves to a live node with a newer epoch.
    await waitFor(
      () => {
        const now = cluster.leaderFor(topic, 0)
        return now !== undefined && now.nodeId !== before.nodeId
      },
      60_000,
      'new leader in metadata (background refresh)',
    )
    const after = cluster.leaderFor(topic, 0)!
    expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch)

    // A caller's retry loop routes the partition request to the new leader.
    const { nodeId, partition } = await withRetry(
      async () => {
        const r = await latestOffset(cluster, topic, 0)
        if (r.partition.errorCode !== 0)
          throw new KafkaError(`error ${r.partition.errorCode}`, 'X', { retriable: true })
        return r
      },
      {
        deadline: Date.now() + 60_000,
        backoffMs: 100,
        backoffMaxMs: 1000,
        onRetry: () => cluster.requestMetadataRefresh(),
      },
    )
    expect(nodeId).not.toBe(before.nodeId)
    expect(partition.offset).toBe(0n)

    // Every partition has a live leader and sendAny avoids the dead node.
    for (let p = 0; p < 3; p++) expect(cluster.leaderFor(topic, p)?.nodeId).not.toBe(before.nodeId)
    for (let i = 0; i < 5; i++) {
      const res = await cluster.sendAny(Apis.Metadata, { topics: [] }, { timeoutMs: 20_000 })
      expect(res.brokers.map((b) => b.nodeId)).not.toContain(before.nodeId)
    }
  })
})

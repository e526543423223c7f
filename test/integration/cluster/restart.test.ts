/**
 * A broker restarted in the middle of requests, on a dedicated single-node cluster: an in-flight
 * request fails with a retriable ConnectionError (it may or may not have been applied; the caller
 * decides), a one-shot send() while the broker is down fails fast, a sendAny() (idempotent metadata)
 * is retried with reconnect backoff until the broker is back, and the next requests work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { ConnectionError, KafkaError } from '../../../src/errors.js'
import { Apis } from '../../../src/protocol/index.js'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'
import { createTopic, latestOffset, makeCluster, uniqueTopic, waitFor } from './helpers.js'

let kafka: KafkaCluster
let cluster: Cluster

beforeAll(async () => {
  kafka = await startKafka({ nodes: 1 })
  cluster = makeCluster({ bootstrapServers: kafka.bootstrapServers, requestTimeoutMs: 30_000 })
}, 180_000)

afterAll(async () => {
  await cluster?.close()
  await kafka?.stop()
})

describe('broker restart', () => {
  it('in-flight request fails (retriable), requests while down are retried or fail fast, then all works again', async () => {
    const topic = uniqueTopic('kw-restart')
    await cluster.connect()
    await createTopic(cluster, topic, 1)
    const leader = cluster.leaderFor(topic, 0)!
    const md = cluster.topic(topic)!
    const fetchVersion = await cluster.versionFor(leader.nodeId, Apis.Fetch)

    // A long-polling Fetch in flight when the broker goes down.
    const inflight = cluster
      .send(
        leader.nodeId,
        Apis.Fetch,
        {
          replicaId: -1,
          maxWaitMs: 20_000,
          minBytes: 1_000_000,
          maxBytes: 1 << 20,
          topics: [
            {
              ...(fetchVersion >= 13 ? { topicId: md.topicId } : { topic }),
              partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }],
            },
          ],
        },
        { workload: 'fetch', timeoutMs: 60_000 },
      )
      .then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      )
    await new Promise((r) => setTimeout(r, 300))
    await kafka.stopNode(leader.nodeId)
    const outcome = await inflight
    if (!outcome.ok) {
      // Not a hang, not a crash: a typed, retriable error.
      expect(outcome.error).toBeInstanceOf(ConnectionError)
      expect((outcome.error as KafkaError).retriable).toBe(true)
    }

    // While the broker is down: one attempt fails fast with a retriable error...
    const started = Date.now()
    const err = await cluster.send(leader.nodeId, Apis.Metadata, { topics: [] }, { timeoutMs: 20_000 }).catch((e) => e)
    expect(err).toBeInstanceOf(KafkaError)
    expect(err.retriable).toBe(true)
    expect(Date.now() - started).toBeLessThan(15_000)

    // ...and an idempotent request through sendAny is retried until the broker is back.
    const retried = cluster.sendAny(Apis.Metadata, { topics: [{ name: topic }] }, { timeoutMs: 120_000 })
    await new Promise((r) => setTimeout(r, 1000))
    await kafka.startNode(leader.nodeId)
    const res = await retried
    expect(res.brokers).toHaveLength(1)

    // The next requests work (through new connections).
    await waitFor(
      async () => {
        await cluster.refreshMetadata({ topics: [topic] })
        return (await latestOffset(cluster, topic, 0)).partition.errorCode === 0
      },
      60_000,
      'partition back online',
    )
    const { partition } = await latestOffset(cluster, topic, 0)
    expect(partition.offset).toBe(0n)
  })
})

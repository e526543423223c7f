/** Helpers for the network/cluster integration tests: topics and long-polling fetches over raw connections. */
import { randomBytes } from 'node:crypto'
import type { Connection } from '../../../src/network/index.js'
import { Apis, type RequestOf } from '../../../src/protocol/index.js'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'

export function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

/** Creates a topic and waits until every partition has a leader; returns its id. */
export async function createTopic(
  conn: Connection,
  name: string,
  numPartitions = 1,
  replicationFactor = 1,
): Promise<string> {
  const res = await conn.request(Apis.CreateTopics, {
    topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: [] }],
    timeoutMs: 30_000,
  })
  const err = res.topics[0]!.errorCode
  if (err !== 0 && err !== 36 /* TOPIC_ALREADY_EXISTS */) throw new Error(`CreateTopics ${name}: error ${err}`)
  const deadline = Date.now() + 30_000
  for (;;) {
    const md = await conn.request(Apis.Metadata, { topics: [{ name }] })
    const t = md.topics[0]!
    if (t.errorCode === 0 && t.partitions.length === numPartitions && t.partitions.every((p) => p.leaderId >= 0)) {
      // The leader may answer Metadata before its log is ready: wait until a Fetch succeeds too.
      const fetch = longPollFetch(conn, name, t.topicId, 0)
      const res = await conn.request(Apis.Fetch, fetch)
      const p0 = res.responses[0]?.partitions[0]
      if (res.errorCode === 0 && p0 !== undefined && p0.errorCode === 0) return t.topicId
    }
    if (Date.now() > deadline) throw new Error(`topic ${name} not ready`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A Fetch at the end of partition 0 that the broker holds for `maxWaitMs` (no data arrives). */
export function longPollFetch(
  conn: Connection,
  topic: string,
  topicId: string,
  maxWaitMs: number,
): RequestOf<typeof Apis.Fetch> {
  const v = conn.versionFor(Apis.Fetch)
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1_000_000,
    maxBytes: 1024 * 1024,
    topics: [
      {
        ...(v >= 13 ? { topicId } : { topic }),
        partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1024 * 1024 }],
      },
    ],
  }
}

/**
 * A broker of a test's own whose SASL_PLAINTEXT listener also enables OAUTHBEARER with Kafka's
 * default *unsecured* JWT handler (tokens from `unsecuredJwt()`); `brokerConfig` adds to that.
 * Returns the cluster and the listener's bootstrap servers.
 */
export async function startOAuthBearerKafka(
  brokerConfig: Record<string, string> = {},
): Promise<{ kafka: KafkaCluster; bootstrap: string }> {
  const kafka = await startKafka({
    provider: 'jvm', // a broker of its own even when KAFKA_BOOTSTRAP_SERVERS names a shared one (no OAUTHBEARER there)
    listeners: ['SASL_PLAINTEXT'],
    brokerConfig: {
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin";',
      ...brokerConfig,
    },
  })
  return { kafka, bootstrap: kafka.listeners.SASL_PLAINTEXT!.bootstrapServers }
}

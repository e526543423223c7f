/** Cluster-level helpers for integration and fault tests (topics through Cluster.sendToController). */
import { randomBytes } from 'node:crypto'
import { Cluster, type ClusterConfig } from '../../../src/cluster/cluster.js'
import { type CommonClientOptions, resolveCommonOptions } from '../../../src/cluster/options.js'
import { Apis } from '../../../src/protocol/index.js'

export function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

export function makeCluster(options: CommonClientOptions, config?: ClusterConfig): Cluster {
  return new Cluster(resolveCommonOptions({ clientId: 'kw-cluster-test', ...options }), config)
}

export async function createTopic(cluster: Cluster, name: string, numPartitions: number, replicationFactor = 1) {
  const res = await cluster.sendToController(Apis.CreateTopics, {
    topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: [] }],
    timeoutMs: 30_000,
  })
  const t = res.topics[0]!
  if (t.errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${t.errorCode} ${t.errorMessage ?? ''}`)
  await waitFor(async () => {
    await cluster.refreshMetadata({ topics: [name] })
    const md = cluster.topic(name)
    if (md === undefined || md.partitions.length !== numPartitions || md.partitions.some((p) => p.leaderId < 0)) {
      return false
    }
    // Leaders may answer Metadata before their logs are ready: wait until each answers ListOffsets.
    for (let p = 0; p < numPartitions; p++) {
      if ((await latestOffset(cluster, name, p)).partition.errorCode !== 0) return false
    }
    return true
  }, 30_000)
}

/** Polls `cond` every 50 ms until true or `timeoutMs`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await cond()) return
    } catch {
      // keep polling
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** ListOffsets (latest) for one partition, sent to its cached leader. */
export async function latestOffset(cluster: Cluster, topic: string, partition: number, timeoutMs = 5000) {
  const leader = cluster.leaderFor(topic, partition)
  if (leader === undefined) throw new Error(`no leader for ${topic}-${partition}`)
  const res = await cluster.send(
    leader.nodeId,
    Apis.ListOffsets,
    {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: topic,
          partitions: [{ partitionIndex: partition, currentLeaderEpoch: leader.leaderEpoch, timestamp: -1n }],
        },
      ],
    },
    { timeoutMs },
  )
  return { nodeId: leader.nodeId, partition: res.topics[0]!.partitions[0]! }
}

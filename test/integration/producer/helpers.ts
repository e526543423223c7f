/**
 * Helpers of the producer's real-broker tests: topics through Admin, and reading back with raw
 * Fetch requests through Cluster plus the RecordBatch decoder (independent of our Consumer).
 */
import { randomUUID } from 'node:crypto'
import { Admin } from '../../../src/admin/index.js'
import { Cluster, resolveCommonOptions } from '../../../src/cluster/index.js'
import { Apis } from '../../../src/protocol/index.js'
import { batches } from '../../../src/protocol/records/index.js'

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

export async function createTopic(
  bootstrapServers: string,
  topic: string,
  partitions = 1,
  configs: Record<string, string> = {},
  replicationFactor = 1,
): Promise<void> {
  const admin = new Admin({ bootstrapServers })
  try {
    await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor, configs }])
  } finally {
    await admin.close()
  }
}

export interface ReadRecord {
  partition: number
  offset: bigint
  timestamp: number
  timestampType: number
  key: Buffer | null
  value: Buffer | null
  headers: { key: string; value: Buffer | null }[]
  producerId: bigint
  compression: number
}

/**
 * Reads every record of `topic` (all partitions) from the beginning up to the high watermark
 * with raw Fetch requests. Waits until at least `minRecords` were read (or timeoutMs).
 */
export async function readTopic(
  bootstrapServers: string,
  topic: string,
  opts: { minRecords?: number; timeoutMs?: number } = {},
): Promise<ReadRecord[]> {
  const out: ReadRecord[] = []
  await scanTopic(bootstrapServers, topic, (r) => out.push(r), opts)
  return out
}

/**
 * readTopic without keeping the records: hands each record to `onRecord` in offset order per
 * partition and returns how many there were, so a test can audit millions of records (the
 * chaos run) in bounded memory. The record's buffers are copies the callback may keep.
 */
export async function scanTopic(
  bootstrapServers: string,
  topic: string,
  onRecord: (r: ReadRecord) => void,
  opts: { minRecords?: number; timeoutMs?: number } = {},
): Promise<number> {
  const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000)
  let count = 0
  try {
    const md = (await cluster.topicMetadata([topic], { timeoutMs: 30_000 })).get(topic)!
    const n = md.partitions.length
    const offsets = new Array<bigint>(n).fill(0n)
    for (;;) {
      let progressed = false
      for (let p = 0; p < n; p++) {
        await cluster.refreshMetadata({ topics: [topic] }).catch(() => {})
        const leader = cluster.leaderFor(topic, p)
        if (leader === undefined) continue
        const res = await cluster
          .send(
            leader.nodeId,
            Apis.Fetch,
            {
              replicaId: -1,
              maxWaitMs: 100,
              minBytes: 1,
              maxBytes: 32 * 1024 * 1024,
              isolationLevel: 0,
              topics: [
                {
                  topic,
                  topicId: md.topicId,
                  partitions: [{ partition: p, fetchOffset: offsets[p]!, partitionMaxBytes: 16 * 1024 * 1024 }],
                },
              ],
              forgottenTopicsData: [],
            },
            { workload: 'fetch' },
          )
          .catch(() => undefined)
        const pr = res?.responses[0]?.partitions[0]
        if (pr === undefined || pr.errorCode !== 0 || pr.records === null) continue
        for (const batch of batches(pr.records)) {
          for (const r of batch.records()) {
            if (r.offset < offsets[p]!) continue
            onRecord({
              partition: p,
              offset: r.offset,
              timestamp: r.timestamp,
              timestampType: batch.timestampType,
              key: r.key === null ? null : Buffer.from(r.key),
              value: r.value === null ? null : Buffer.from(r.value),
              headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value) })),
              producerId: batch.producerId,
              compression: batch.compression,
            })
            count++
            offsets[p] = r.offset + 1n
            progressed = true
          }
        }
      }
      if (!progressed && count >= (opts.minRecords ?? 0)) return count
      if (Date.now() > deadline) return count
    }
  } finally {
    await cluster.close()
  }
}

/**
 * Helpers of the consumer's real-broker tests: topics (Admin), test data written with raw Produce
 * requests built with the RecordBatch builder (independent of our Producer), and small waits.
 */
import { randomUUID } from 'node:crypto'
import { Admin } from '../../../src/admin/index.js'
import { Cluster, resolveCommonOptions } from '../../../src/cluster/index.js'
import { Apis } from '../../../src/protocol/index.js'
import { type CompressionType, RecordBatchBuilder } from '../../../src/protocol/records/index.js'

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

export async function createTopic(bootstrapServers: string, topic: string, partitions = 1): Promise<void> {
  const admin = new Admin({ bootstrapServers })
  try {
    await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1 }])
  } finally {
    await admin.close()
  }
}

export interface TestRecord {
  key?: string | Buffer | null
  value: string | Buffer | null
  headers?: [string, Buffer | null][]
  timestamp?: number
}

function buf(v: string | Buffer | null | undefined): Buffer | null {
  if (v === undefined || v === null) return null
  return typeof v === 'string' ? Buffer.from(v) : v
}

/** Writes records with raw Produce requests (acks=all), in batches of `batchSize`. */
export class RawProducer {
  readonly cluster: Cluster
  constructor(bootstrapServers: string) {
    this.cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
  }

  async send(
    topic: string,
    partition: number,
    records: TestRecord[],
    opts: { compression?: CompressionType; batchSize?: number } = {},
  ): Promise<bigint> {
    await this.cluster.topicMetadata([topic])
    let firstOffset = -1n
    const batchSize = opts.batchSize ?? 500
    for (let i = 0; i < records.length; i += batchSize) {
      const builder = new RecordBatchBuilder({
        compression: opts.compression ?? 0,
        batchSizeLimit: 64 * 1024 * 1024,
      })
      const now = Date.now()
      for (const r of records.slice(i, i + batchSize)) {
        builder.tryAppend(r.timestamp ?? now, buf(r.key), buf(r.value), r.headers ?? null)
      }
      const batch = builder.build()
      for (let attempt = 0; ; attempt++) {
        const leader = this.cluster.leaderFor(topic, partition)
        if (leader === undefined) throw new Error(`no leader for ${topic}-${partition}`)
        const res = await this.cluster.send(
          leader.nodeId,
          Apis.Produce,
          {
            transactionalId: null,
            acks: -1,
            timeoutMs: 30000,
            topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
          },
          { workload: 'produce', maxVersion: 12 },
        )
        const p = res.responses[0]!.partitionResponses[0]!
        if (p.errorCode === 0) {
          if (firstOffset < 0n) firstOffset = p.baseOffset
          break
        }
        if (attempt > 20) throw new Error(`produce failed with error ${p.errorCode}`)
        await this.cluster.refreshMetadata({ topics: [topic] })
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    return firstOffset
  }

  async close(): Promise<void> {
    await this.cluster.close()
  }
}

/** Values "prefix-0" ... "prefix-(n-1)". */
export function values(prefix: string, n: number, from = 0): TestRecord[] {
  return Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `${prefix}-${from + i}` }))
}

export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  { timeoutMs = 30000, intervalMs = 100 } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v as NonNullable<T>
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

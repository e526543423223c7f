/**
 * Helpers of the share group tests: group configs (share.auto.offset.reset etc. are GROUP
 * resource configs), the broker's share settings, and draining share consumers.
 */
import { Admin } from '../../../src/admin/index.js'
import type { ShareConsumer, ShareConsumerRecord } from '../../../src/share/index.js'
import { enableShareGroups } from '../../../src/testing/index.js'

export { createTopic, RawProducer, uniqueName, values, waitFor } from '../consumer/helpers.js'

/** Sets share group configs (e.g. share.auto.offset.reset=earliest) before or while the group runs. */
export async function setGroupConfig(bootstrapServers: string, groupId: string, configs: Record<string, string>) {
  const admin = new Admin({ bootstrapServers })
  try {
    await admin.incrementalAlterConfigs([
      { type: 'group', name: groupId, ops: Object.entries(configs).map(([name, value]) => ({ name, value })) },
    ])
  } finally {
    await admin.close()
  }
}

/** A broker config's value (e.g. group.share.min.record.lock.duration.ms). */
export async function brokerConfig(bootstrapServers: string, name: string): Promise<string | null> {
  const admin = new Admin({ bootstrapServers })
  try {
    const cluster = await admin.describeCluster()
    const [d] = await admin.describeConfigs([{ type: 'broker', name: String(cluster.brokers[0]!.nodeId) }])
    return d!.configs[name]?.value ?? null
  } finally {
    await admin.close()
  }
}

/** Polls `consumers` in turn until `done()` or the timeout; each poll's records go to `onRecords`. */
export async function pollUntil<K, V>(
  consumers: ShareConsumer<K, V>[],
  done: () => boolean,
  onRecords: (c: number, records: ShareConsumerRecord<K, V>[]) => void | Promise<void>,
  timeoutMs = 30000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  await Promise.all(
    consumers.map(async (c, i) => {
      while (!done() && Date.now() < deadline) {
        const records = await c.poll(200)
        if (records.length > 0) await onRecords(i, records)
      }
    }),
  )
}

let enabled: Promise<number> | undefined
/** share.version on (idempotent: FeatureCommand upgrade only when it is off), once per test file. */
export function ensureShareGroups(bootstrapServers: string, libDir: string): Promise<number> {
  enabled ??= enableShareGroups(libDir, bootstrapServers)
  return enabled
}

/**
 * Share groups (KIP-932) on a test cluster: they need the `share.version` feature finalized at 1
 * or more. Kafka 4.2+ finalizes it when storage is formatted (the kit's brokers have it on); 4.0
 * and 4.1 had it off (preview). `enableShareGroups` reads the feature with Kafka's FeatureCommand
 * and upgrades it only when it is off, so it is idempotent and safe on a shared external broker.
 */
import { JAVA_TOOLS, javaTool } from './java-tool.js'
import type { KafkaCluster } from './types.js'

/** The finalized share.version level in FeatureCommand `describe` output (0 when absent or unsupported). */
export function finalizedShareVersion(describeOutput: string): number {
  const line = describeOutput.split('\n').find((l) => /Feature:\s*share\.version\b/.test(l))
  const m = line?.match(/FinalizedVersionLevel:\s*(\d+)/)
  return m ? Number(m[1]) : 0
}

/**
 * Makes sure share groups are enabled on the cluster at `bootstrapServers`, running Kafka's tools
 * from `target` (a cluster, or a lib dir of Kafka jars). Resolves with the finalized share.version
 * level; throws when the cluster cannot have share groups (Kafka < 4.0).
 */
export async function enableShareGroups(target: KafkaCluster | string, bootstrapServers?: string): Promise<number> {
  const servers = bootstrapServers ?? (typeof target === 'string' ? undefined : target.bootstrapServers)
  if (servers === undefined) throw new Error('kafka-wire/testing: enableShareGroups needs bootstrapServers')
  const describe = await javaTool(target, JAVA_TOOLS.featureCommand, ['--bootstrap-server', servers, 'describe'], {
    heapMb: 256,
    timeoutMs: 60_000,
  })
  if (describe.code !== 0) {
    throw new Error(`kafka-wire/testing: FeatureCommand describe failed (exit ${describe.code}): ${describe.stderr}`)
  }
  const level = finalizedShareVersion(describe.stdout)
  if (level >= 1) return level
  const upgrade = await javaTool(
    target,
    JAVA_TOOLS.featureCommand,
    ['--bootstrap-server', servers, 'upgrade', '--feature', 'share.version=1'],
    { heapMb: 256, timeoutMs: 60_000 },
  )
  if (upgrade.code !== 0) {
    throw new Error(
      `kafka-wire/testing: cannot enable share groups (share.version=1) at ${servers}: ${upgrade.stdout}${upgrade.stderr}`,
    )
  }
  return 1
}

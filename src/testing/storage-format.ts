/**
 * Formatting a new cluster's storage (Kafka's `kafka.tools.StorageTool format`, RECIPE.md §0):
 * one JVM run per node with its server.properties, SCRAM users written at format time. Because
 * formatting costs a JVM start per node, the formatted directories of a configuration are kept
 * as a template in the cache (keyed by version, node ids, SCRAM users and broker config) and
 * copied for the next cluster; broker configs that change what `format` writes
 * (FORMAT_SENSITIVE) are formatted fresh. Owned by the JVM provider (jvm-provider.ts).
 */
import { createHash } from 'node:crypto'
import { existsSync, promises as fs } from 'node:fs'
import path from 'node:path'
import { cdsUseArgs, QUIET_JVM_LOGGING } from './cds.js'
import { kafkaUuid, renderProperties } from './config.js'
import { toolsLoggingArg } from './generations.js'
import { cacheBaseDir, javaBinary } from './paths.js'
import { run } from './process.js'
import { KafkaStartError } from './start-error.js'

async function storageFormat(libDir: string, configPath: string, clusterId: string, extra: string[]): Promise<void> {
  const args = [
    '-Xmx256m',
    '-XX:+UseSerialGC',
    ...QUIET_JVM_LOGGING,
    ...cdsUseArgs(libDir),
    await toolsLoggingArg(libDir),
    '-cp',
    `${libDir}/*`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    configPath,
    ...extra,
  ]
  let r: Awaited<ReturnType<typeof run>>
  try {
    r = await run(javaBinary(), args, { timeoutMs: 120_000 })
  } catch (err) {
    throw new KafkaStartError(
      `kafka-wire/testing: cannot run ${javaBinary()} (${(err as Error).message}). The JVM provider needs Java 17+ ` +
        '(set JAVA_HOME or put java on PATH), or set KAFKA_BOOTSTRAP_SERVERS to use an existing cluster.',
    )
  }
  if (r.code !== 0) {
    throw new KafkaStartError(`kafka-wire/testing: StorageTool format failed (exit ${r.code}):\n${r.stdout}${r.stderr}`)
  }
}

// brokerConfig keys that change what `format` writes or where: no template for those.
export const FORMAT_SENSITIVE =
  /^(log\.dirs?|metadata\.log\.dir|process\.roles|node\.id|controller\.quorum\..*|.*\.version)$/

export interface FormatPlan {
  libDir: string
  version: string
  nodeIds: number[]
  /** server.properties of each node, to format with (log.dirs is replaced for templates). */
  configs: Map<number, Record<string, string>>
  dataDirs: Map<number, string>
  scramArgs: string[]
  useTemplate: boolean
  brokerConfig: Record<string, string>
  scratchDir: string
}

/** Format every node's storage; returns the cluster id. */
export async function formatStorage(plan: FormatPlan): Promise<string> {
  const formatDirect = async (clusterId: string, targetDirs: Map<number, string>, scratch: string): Promise<void> => {
    await fs.mkdir(scratch, { recursive: true })
    await Promise.all(
      plan.nodeIds.map(async (id) => {
        const cfg = { ...plan.configs.get(id)!, 'log.dirs': targetDirs.get(id)! }
        const file = path.join(scratch, `format-${id}.properties`)
        await fs.writeFile(file, renderProperties(cfg))
        await storageFormat(plan.libDir, file, clusterId, plan.scramArgs)
      }),
    )
  }
  if (!plan.useTemplate) {
    const clusterId = kafkaUuid()
    await formatDirect(clusterId, plan.dataDirs, plan.scratchDir)
    return clusterId
  }
  const key = createHash('sha256')
    .update(JSON.stringify({ v: plan.version, n: plan.nodeIds, s: plan.scramArgs, c: plan.brokerConfig }))
    .digest('hex')
    .slice(0, 16)
  const templates = path.join(cacheBaseDir(), 'templates')
  const root = path.join(templates, `${plan.version}-${key}`)
  if (!existsSync(path.join(root, '.complete'))) {
    const staging = `${root}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
    const clusterId = kafkaUuid()
    const dirs = new Map(plan.nodeIds.map((id) => [id, path.join(staging, `node-${id}`)]))
    try {
      await formatDirect(clusterId, dirs, path.join(staging, 'configs'))
      await fs.rm(path.join(staging, 'configs'), { recursive: true, force: true })
      await fs.writeFile(path.join(staging, 'cluster-id'), clusterId)
      await fs.writeFile(path.join(staging, '.complete'), '')
      await fs.rename(staging, root)
    } catch (err) {
      await fs.rm(staging, { recursive: true, force: true })
      // Lost a race with another process that made the same template: use theirs.
      if (!existsSync(path.join(root, '.complete'))) throw err
    }
  }
  const clusterId = (await fs.readFile(path.join(root, 'cluster-id'), 'utf8')).trim()
  await Promise.all(
    plan.nodeIds.map((id) => fs.cp(path.join(root, `node-${id}`), plan.dataDirs.get(id)!, { recursive: true })),
  )
  return clusterId
}

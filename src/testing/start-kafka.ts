/**
 * `startKafka`: picks a provider and starts (or finds) a cluster.
 *
 * Order with provider 'auto' (the default):
 *   1. `KAFKA_BOOTSTRAP_SERVERS` set → that cluster, as it is (external);
 *   2. `KAFKA_PROVIDER` set (external | jvm | testcontainers) → that provider;
 *   3. a Docker engine answers `GET /_ping` within 500 ms and the request is one PLAINTEXT
 *      node → the apache/kafka image through testcontainers;
 *   4. otherwise → the JVM provider (Maven Central jars, Java 17+).
 */
import { dockerAvailable } from './docker.js'
import { externalCluster } from './external-provider.js'
import { startJvmCluster } from './jvm-provider.js'
import { enableShareGroups } from './share-groups.js'
import { startTestcontainersCluster } from './testcontainers-provider.js'
import type { KafkaCluster, KafkaClusterInfo, ProviderName, StartKafkaOptions } from './types.js'

function fitsTestcontainers(options: StartKafkaOptions): boolean {
  return (
    (options.nodes ?? 1) === 1 &&
    (options.listeners ?? ['PLAINTEXT']).every((l) => l === 'PLAINTEXT') &&
    !options.scramUsers?.length &&
    !options.ports &&
    !options.dir &&
    !options.classpath?.length
  )
}

/** The provider `startKafka(options)` would use. */
export async function selectProvider(options: StartKafkaOptions = {}): Promise<ProviderName> {
  const requested = options.provider ?? 'auto'
  if (requested !== 'auto') return requested
  if (process.env.KAFKA_BOOTSTRAP_SERVERS) return 'external'
  const env = process.env.KAFKA_PROVIDER
  if (env && env !== 'auto') {
    if (env !== 'external' && env !== 'jvm' && env !== 'testcontainers') {
      throw new Error(`kafka-wire/testing: KAFKA_PROVIDER must be external, jvm or testcontainers, not ${env}`)
    }
    return env
  }
  if (fitsTestcontainers(options) && (await dockerAvailable(500))) return 'testcontainers'
  return 'jvm'
}

/** Start a Kafka cluster (or attach to `KAFKA_BOOTSTRAP_SERVERS`). Stop it with `stop()` or `await using`. */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaCluster> {
  const cluster = await startCluster(options)
  if (options.shareGroups) {
    // Kafka 4.2+ formats with share.version on; 4.0/4.1 need the upgrade (idempotent either way).
    await enableShareGroups(cluster).catch(async (err) => {
      await cluster.stop().catch(() => {})
      throw err
    })
  }
  return cluster
}

async function startCluster(options: StartKafkaOptions): Promise<KafkaCluster> {
  const provider = await selectProvider(options)
  switch (provider) {
    case 'external': {
      const servers = process.env.KAFKA_BOOTSTRAP_SERVERS
      if (!servers) throw new Error("kafka-wire/testing: provider 'external' needs KAFKA_BOOTSTRAP_SERVERS")
      return externalCluster(servers, options)
    }
    case 'testcontainers':
      if (options.classpath?.length) throw new Error("kafka-wire/testing: 'classpath' needs the jvm provider")
      return startTestcontainersCluster(options)
    case 'jvm':
      return startJvmCluster(options)
  }
}

/** JSON-serialisable endpoints and credentials of a cluster (e.g. to hand from a global setup to tests). */
export function describeCluster(cluster: KafkaCluster): KafkaClusterInfo {
  const info: KafkaClusterInfo = {
    provider: cluster.provider,
    version: cluster.version,
    bootstrapServers: cluster.bootstrapServers,
    listeners: JSON.parse(JSON.stringify(cluster.listeners)),
  }
  if (cluster.tls) {
    const { caPemContent: _, ...paths } = cluster.tls
    info.tls = paths
  }
  if (cluster.sasl) info.sasl = JSON.parse(JSON.stringify(cluster.sasl))
  return info
}

/**
 * The external provider: `KAFKA_BOOTSTRAP_SERVERS` names a running cluster, used as it is.
 * Only the PLAINTEXT listener is known; stop() does nothing and node control throws.
 */
import type { KafkaCluster, KafkaNodeInfo, StartKafkaOptions } from './types.js'

function unsupported(what: string): never {
  throw new Error(
    `kafka-wire/testing: ${what} is not possible on an external cluster (KAFKA_BOOTSTRAP_SERVERS); ` +
      "start the cluster with provider: 'jvm' for node control",
  )
}

export function externalCluster(bootstrapServers: string, options: StartKafkaOptions = {}): KafkaCluster {
  const servers = bootstrapServers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(',')
  if (!servers) throw new Error('kafka-wire/testing: KAFKA_BOOTSTRAP_SERVERS is empty')
  if (options.classpath?.length) unsupported("adding to the brokers' classpath")
  const nodes: KafkaNodeInfo[] = []
  return {
    provider: 'external',
    version: options.version ?? process.env.KAFKA_VERSION ?? 'unknown',
    bootstrapServers: servers,
    listeners: { PLAINTEXT: { bootstrapServers: servers, securityProtocol: 'PLAINTEXT' } },
    nodes,
    stop: async () => undefined,
    kill: async () => unsupported('kill()'),
    stopNode: async () => unsupported('stopNode()'),
    startNode: async () => unsupported('startNode()'),
    logPath: () => unsupported('logPath()'),
    logTail: () => '',
    [Symbol.asyncDispose]: async () => undefined,
  }
}

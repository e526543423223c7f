/**
 * globalSetup of the broker-version matrix (vitest.brokers.config.ts): one single-node PLAINTEXT
 * broker of $KAFKA_VERSION, KRaft from the kit, or ZooKeeper mode with KAFKA_ZOOKEEPER=1 (3.x).
 * Provides the same values as test/setup/global-broker.ts, plus `kafkaZooKeeper`.
 */
import type { TestProject } from 'vitest/node'
import { describeCluster, resolveKafkaVersion, startKafka } from '../../src/testing/index.js'
import { startZooKeeperBroker } from './zookeeper-broker.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now()
  const version = resolveKafkaVersion()
  if (process.env.KAFKA_ZOOKEEPER === '1') {
    const zk = await startZooKeeperBroker(version)
    project.provide('kafkaBootstrapServers', zk.bootstrapServers)
    project.provide('kafkaLibDir', zk.libDir)
    project.provide('kafkaVersion', version)
    project.provide('kafkaLogPaths', [zk.logPath])
    project.provide('kafkaZooKeeper', true)
    process.stdout.write(
      `[brokers] ZooKeeper-mode Kafka ${version} at ${zk.bootstrapServers} (${Date.now() - started} ms)\n`,
    )
    return () => zk.stop()
  }
  const cluster = await startKafka({ provider: 'jvm', version, listeners: ['PLAINTEXT'] })
  project.provide('kafkaBootstrapServers', cluster.bootstrapServers)
  project.provide('kafkaListeners', describeCluster(cluster))
  project.provide('kafkaLibDir', cluster.libDir ?? '')
  project.provide('kafkaVersion', cluster.version)
  project.provide('kafkaLogPaths', cluster.nodes.map((n) => n.logPath).filter(Boolean))
  project.provide('kafkaZooKeeper', false)
  process.stdout.write(
    `[brokers] KRaft Kafka ${cluster.version} at ${cluster.bootstrapServers} (${Date.now() - started} ms)\n`,
  )
  return () => cluster.stop()
}

/**
 * vitest globalSetup of the `integration` project: ONE single-node Kafka cluster shared by all
 * integration test files, with PLAINTEXT, SASL_PLAINTEXT, SSL and SASL_SSL listeners (plus
 * MTLS), or the cluster named by KAFKA_BOOTSTRAP_SERVERS. Tests read it with
 * `inject('kafkaBootstrapServers')` etc. (types in ./inject.d.ts). Tests that need 3 nodes
 * or special settings start their own with `startKafka` from src/testing.
 */
import type { TestProject } from 'vitest/node'
import { describeCluster, ensureKafkaLibs, type KafkaCluster, startKafka } from '../../src/testing/index.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now()
  let cluster: KafkaCluster
  try {
    cluster = await startKafka({ listeners: ['PLAINTEXT', 'SASL_PLAINTEXT', 'SSL', 'SASL_SSL'] })
  } catch (err) {
    // The message carries the tail of the broker log; print it in full before vitest summarises.
    process.stderr.write(`\n[global-broker] could not start Kafka:\n${(err as Error).message}\n\n`)
    throw err
  }
  let libDir = cluster.libDir ?? ''
  if (!libDir) {
    // External/testcontainers cluster: Java tools still work if Java and Maven are here.
    libDir = await ensureKafkaLibs(cluster.version === 'unknown' ? undefined : cluster.version).catch(() => '')
  }
  project.provide('kafkaBootstrapServers', cluster.bootstrapServers)
  project.provide('kafkaListeners', describeCluster(cluster))
  project.provide('kafkaLibDir', libDir)
  project.provide('kafkaVersion', cluster.version)
  project.provide('kafkaLogPaths', cluster.nodes.map((n) => n.logPath).filter(Boolean))
  process.stdout.write(
    `[global-broker] ${cluster.provider} Kafka ${cluster.version} at ${cluster.bootstrapServers} ` +
      `(${Date.now() - started} ms)${cluster.dir ? `, logs in ${cluster.dir}` : ''}\n`,
  )
  return async () => {
    await cluster.stop()
  }
}

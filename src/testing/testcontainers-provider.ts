/**
 * The testcontainers provider: the official `apache/kafka` image, single node, PLAINTEXT only.
 * A free host port is mapped 1:1 into the container so the advertised listener is right.
 * `testcontainers` is an optional peer, imported only when this provider is used.
 * (Not exercised in this repository's CI, which has no Docker engine.)
 */
import { nodeConfig } from './config.js'
import { pickFreePorts } from './ports.js'
import type { KafkaCluster, StartKafkaOptions } from './types.js'
import { resolveKafkaVersion } from './versions.js'

export async function startTestcontainersCluster(options: StartKafkaOptions = {}): Promise<KafkaCluster> {
  if ((options.nodes ?? 1) !== 1 || (options.listeners ?? ['PLAINTEXT']).some((l) => l !== 'PLAINTEXT')) {
    throw new Error(
      "kafka-wire/testing: the testcontainers provider supports one PLAINTEXT node only; use provider: 'jvm'",
    )
  }
  let tc: typeof import('testcontainers')
  try {
    tc = await import('testcontainers')
  } catch (err) {
    throw new Error(
      `kafka-wire/testing: the testcontainers provider needs the 'testcontainers' package: ${(err as Error).message}`,
    )
  }
  const version = resolveKafkaVersion(options.version)
  const [port] = await pickFreePorts(1)
  const host = process.env.TESTCONTAINERS_HOST_OVERRIDE ?? '127.0.0.1'
  const config = nodeConfig(
    {
      host: '127.0.0.1',
      nodes: [{ nodeId: 1, ports: { PLAINTEXT: port!, CONTROLLER: 9093 }, dataDir: '/tmp/kraft-combined-logs' }],
      listeners: ['PLAINTEXT'],
      brokerConfig: options.brokerConfig,
    },
    1,
  )
  config['listeners'] = `PLAINTEXT://0.0.0.0:${port},CONTROLLER://127.0.0.1:9093`
  config['advertised.listeners'] = `PLAINTEXT://${host}:${port}`
  // The image turns KAFKA_FOO_BAR into foo.bar (and ___ into -, __ into _).
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(config)) {
    env[`KAFKA_${k.replace(/_/g, '__').replace(/-/g, '___').replace(/\./g, '_').toUpperCase()}`] = v
  }
  const container = await new tc.GenericContainer(`apache/kafka:${version}`)
    .withExposedPorts({ container: port!, host: port! })
    .withEnvironment(env)
    .withWaitStrategy(tc.Wait.forLogMessage('Kafka Server started'))
    .withStartupTimeout(options.readyTimeoutMs ?? 120_000)
    .start()
  const servers = `${host}:${port}`
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await container.stop()
  }
  const unsupported = (what: string): never => {
    throw new Error(`kafka-wire/testing: ${what} is not supported by the testcontainers provider; use provider: 'jvm'`)
  }
  return {
    provider: 'testcontainers',
    version,
    bootstrapServers: servers,
    listeners: { PLAINTEXT: { bootstrapServers: servers, securityProtocol: 'PLAINTEXT' } },
    nodes: [{ nodeId: 1, host, port: port!, ports: { PLAINTEXT: port! }, logPath: '', dataDir: '', pid: undefined }],
    stop,
    kill: async () => unsupported('kill()'),
    stopNode: async () => unsupported('stopNode()'),
    startNode: async () => unsupported('startNode()'),
    logPath: () => unsupported('logPath()'),
    logTail: () => '',
    [Symbol.asyncDispose]: stop,
  }
}

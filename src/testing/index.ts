/**
 * kafka-wire/testing — a real Apache Kafka broker for tests.
 *
 *   import { startKafka } from 'kafka-wire/testing'
 *   await using kafka = await startKafka({ listeners: ['PLAINTEXT', 'SASL_SSL'] })
 *   kafka.bootstrapServers // '127.0.0.1:23456'
 *
 * Providers: an existing cluster (KAFKA_BOOTSTRAP_SERVERS), the apache/kafka image through
 * testcontainers (Docker), or — the default here — broker JVMs from Maven Central jars.
 * See docs/testing.md.
 */
export type { ClusterConfigSpec, NodeLayout, PortMap } from './config.js'
export {
  BROKER_LOG4J2_PROPERTIES,
  DEFAULT_PLAIN_USERS,
  DEFAULT_SCRAM_USERS,
  kafkaUuid,
  listenerNamesFor,
  nodeConfig,
  parseProperties,
  READY_LINE,
  renderProperties,
  SASL_MECHANISMS,
  scramFormatArgs,
  TOOLS_LOG4J2_PROPERTIES,
} from './config.js'
export type { DevBrokerOptions, DevBrokerStatus } from './dev-broker.js'
export { devBrokerStatus, startDevBroker, stopDevBroker } from './dev-broker.js'
export { dockerAvailable } from './docker.js'
export type { JavaToolOptions, JavaToolProcess, JavaToolResult } from './java-tool.js'
export { JAVA_TOOLS, javaTool, spawnJavaTool } from './java-tool.js'
export { KafkaStartError, startJvmCluster } from './jvm-provider.js'
export type { EnsureKafkaLibsOptions } from './libs.js'
export { ensureKafkaLibs, kafkaLibDir, kafkaLibsReady } from './libs.js'
export { cacheBaseDir } from './paths.js'
export { canConnect, pickFreePorts } from './ports.js'
export { enableShareGroups } from './share-groups.js'
export { describeCluster, selectProvider, startKafka } from './start-kafka.js'
export type { RecordedTelemetryMetric, RecordedTelemetryPush, TelemetryRecorder } from './telemetry-recorder.js'
export {
  buildTelemetryRecorder,
  readTelemetryPushes,
  TELEMETRY_RECORDER_CLASS,
  TELEMETRY_RECORDER_FILE_CONFIG,
} from './telemetry-recorder.js'
export { generateTlsMaterial } from './tls.js'
export type {
  KafkaCluster,
  KafkaClusterInfo,
  KafkaNodeInfo,
  KafkaUser,
  ListenerInfo,
  ListenerName,
  ProviderName,
  SaslInfo,
  SaslMechanism,
  SecurityProtocol,
  StartKafkaOptions,
  TlsMaterial,
} from './types.js'
export type {
  VerifiableConsumerOptions,
  VerifiableEvent,
  VerifiablePartition,
  VerifiableProducerOptions,
  VerifiableToolOptions,
} from './verifiable.js'
export {
  parseVerifiableEvent,
  startVerifiableConsumer,
  startVerifiableProducer,
  VerifiableConsumer,
  VerifiableEventError,
  VerifiableProducer,
  VerifiableTool,
  VerifiableToolError,
  verifiableConsumerArgs,
  verifiableProducerArgs,
} from './verifiable.js'
export { DEFAULT_KAFKA_VERSION, LOG4J2_VERSIONS, log4j2VersionFor, resolveKafkaVersion } from './versions.js'

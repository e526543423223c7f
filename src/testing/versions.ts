/**
 * Which Apache Kafka release the kit runs, and the log4j2 version that goes with it.
 *
 * Kafka's published POMs carry no SLF4J binding, so kafka/pom.xml adds log4j-api,
 * log4j-core and log4j-slf4j-impl itself; their version must be the "log4j2" entry of
 * gradle/dependencies.gradle of that Kafka release (see ../shared/broker/RECIPE.md §1.1).
 */

/**
 * The pinned release: the newest 4.x whose full dependency tree (kafka_2.13, kafka-tools and
 * their Kafka modules) resolves on Maven Central, and whose message definitions the protocol
 * schemas are generated from (scripts/generate-protocol.mjs).
 */
export const DEFAULT_KAFKA_VERSION = '4.4.0'

/** Kafka release → log4j2 version of that release. */
export const LOG4J2_VERSIONS: Readonly<Record<string, string>> = {
  '4.0.0': '2.24.3',
  '4.0.1': '2.24.3',
  '4.0.2': '2.25.3',
  '4.1.0': '2.24.3',
  '4.1.1': '2.24.3',
  '4.1.2': '2.25.3',
  '4.2.0': '2.25.3',
  '4.2.1': '2.25.4',
  '4.3.0': '2.25.4',
  '4.3.1': '2.25.4',
  // 4.3.2 and 4.4.0: read from the log4j-api/log4j-core runtime dependencies of kafka-server's
  // POM on Maven Central (2026-12).
  '4.3.2': '2.25.5',
  '4.4.0': '2.25.5',
}

/** The Kafka version to use: the argument, else `$KAFKA_VERSION`, else the pinned release. */
export function resolveKafkaVersion(version?: string): string {
  const v = version ?? process.env.KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION
  if (!/^[0-9]+\.[0-9]+\.[0-9]+([.-][A-Za-z0-9.-]+)?$/.test(v)) {
    throw new Error(`kafka-wire/testing: invalid Kafka version ${JSON.stringify(v)}`)
  }
  return v
}

/**
 * The log4j2 version for a Kafka release: `$KAFKA_LOG4J2_VERSION` if set, else the table,
 * else the pinned release's (a reasonable guess for an unknown 4.x release).
 */
export function log4j2VersionFor(kafkaVersion: string): string {
  return process.env.KAFKA_LOG4J2_VERSION ?? LOG4J2_VERSIONS[kafkaVersion] ?? LOG4J2_VERSIONS[DEFAULT_KAFKA_VERSION]!
}

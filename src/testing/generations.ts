/**
 * What differs between the broker generations the kit runs (3.9 and 4.x), in one place:
 *
 * - logging: Kafka 3.x logs through log4j 1 (reload4j, with kafka-tools' SLF4J binding) and
 *   reads `-Dlog4j.configuration=file:…`; 4.x uses log4j2 and `-Dlog4j2.configurationFile=…`;
 * - tool classes: 3.x still has the Scala ConsoleProducer in kafka_2.13 (`kafka.tools.…`);
 * - ZooKeeper: 3.x jars carry a ZooKeeper server (zookeeper-3.8.x, a kafka_2.13 dependency), so a
 *   pre-KRaft broker can run from the same lib dir; 4.x has no ZooKeeper mode at all.
 *
 * The generation of a lib dir is read from its kafka_2.13 jar, so callers holding only a lib dir
 * (the Java tools) get the right settings too.
 */
import { createHash } from 'node:crypto'
import { existsSync, promises as fs, readdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { TOOLS_LOG4J2_PROPERTIES } from './config.js'

/** The major version of a Kafka release string ("3.9.1" → 3). */
export function kafkaMajor(version: string): number {
  return Number.parseInt(version, 10)
}

/** Kafka 3.x (and older) logs through log4j 1; the kit's pom then leaves the log4j2 jars out. */
export function usesLog4j1(version: string): boolean {
  return kafkaMajor(version) < 4
}

/** ZooKeeper mode exists up to 3.9 and is gone in 4.0 (KIP-833). */
export function supportsZooKeeper(version: string): boolean {
  return kafkaMajor(version) < 4
}

const libVersions = new Map<string, string | undefined>()

/** The Kafka release of a lib dir, from its kafka_2.13-<version>.jar (undefined if none). */
export function libDirKafkaVersion(libDir: string): string | undefined {
  if (libVersions.has(libDir)) return libVersions.get(libDir)
  let version: string | undefined
  try {
    const jar = readdirSync(libDir).find((f) => /^kafka_2\.1[0-9]-.+\.jar$/.test(f) && !f.includes('-test'))
    version = jar?.replace(/^kafka_2\.1[0-9]-/, '').replace(/\.jar$/, '')
  } catch {
    version = undefined
  }
  libVersions.set(libDir, version)
  return version
}

/** log4j 1 config for a broker: as BROKER_LOG4J2_PROPERTIES (WARN, INFO for the readiness line). */
export const BROKER_LOG4J1_PROPERTIES = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.org.apache.zookeeper=WARN
`

/** log4j 1 config for Java tools and a ZooKeeper server: WARN and above to stderr. */
export const TOOLS_LOG4J1_PROPERTIES = `log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
`

/** The JVM system property pointing the generation's logging at `file`. */
export function loggingJvmArg(log4j1: boolean, file: string): string {
  return log4j1 ? `-Dlog4j.configuration=file:${file}` : `-Dlog4j2.configurationFile=${file}`
}

const toolsConfigs = new Map<string, string>()

/** A logging config file in the temp dir, written once per content (shared by processes). */
export async function sharedConfigFile(kind: string, content: string): Promise<string> {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 8)
  const file = path.join(os.tmpdir(), `kafka-wire-${kind}-${hash}.properties`)
  const known = toolsConfigs.get(file)
  if (known && existsSync(known)) return known
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`
    await fs.writeFile(tmp, content)
    await fs.rename(tmp, file)
  }
  toolsConfigs.set(file, file)
  return file
}

/** The logging JVM argument for a Java tool (or StorageTool) run from `libDir`. */
export async function toolsLoggingArg(libDir: string): Promise<string> {
  const version = libDirKafkaVersion(libDir)
  const log4j1 = version !== undefined && usesLog4j1(version)
  const file = log4j1
    ? await sharedConfigFile('tools-log4j', TOOLS_LOG4J1_PROPERTIES)
    : await sharedConfigFile('tools-log4j2', TOOLS_LOG4J2_PROPERTIES)
  return loggingJvmArg(log4j1, file)
}

/** Tool classes of Kafka 4.4 that lived elsewhere before: [class, release it moved in, old class]. */
const MOVED_TOOLS: readonly (readonly [string, string, string])[] = [
  // ConfigCommand moved from core (Scala) to kafka-tools in 4.4.
  ['org.apache.kafka.tools.ConfigCommand', '4.4', 'kafka.admin.ConfigCommand'],
  // ConsoleProducer moved to kafka-tools in 4.0 (3.x: the Scala one in kafka_2.13).
  ['org.apache.kafka.tools.ConsoleProducer', '4.0', 'kafka.tools.ConsoleProducer'],
]

/** Whether release `version` is older than `majorMinor` ("4.4"). */
function olderThan(version: string, majorMinor: string): boolean {
  const [a = 0, b = 0] = version.split('.').map((x) => Number.parseInt(x, 10))
  const [c = 0, d = 0] = majorMinor.split('.').map((x) => Number.parseInt(x, 10))
  return a < c || (a === c && b < d)
}

/** The class of a Java tool in the jars of `libDir` (JAVA_TOOLS names are Kafka 4.4's). */
export function toolClassFor(libDir: string, className: string): string {
  const version = libDirKafkaVersion(libDir)
  if (version === undefined) return className
  const moved = MOVED_TOOLS.find(([now, since]) => now === className && olderThan(version, since))
  return moved ? moved[2] : className
}

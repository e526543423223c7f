/**
 * Broker configuration generation — pure functions, no I/O (unit-tested in
 * test/unit/testing/config.test.ts). Configs follow ../shared/broker/RECIPE.md §3:
 * combined broker+controller nodes with a static quorum, PLAINTEXT for inter-broker and
 * controller traffic, extra client listeners for SASL/SSL, `brokerConfig` merged last.
 */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import type { KafkaUser, ListenerName, SaslMechanism, SecurityProtocol } from './types.js'

export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']

/** PLAIN users configured on every SASL listener. */
export const DEFAULT_PLAIN_USERS: readonly KafkaUser[] = [
  { name: 'admin', password: 'admin-secret' },
  { name: 'alice', password: 'alice-secret' },
]

/** SCRAM users when a SASL listener is requested and `scramUsers` is not given. */
export const DEFAULT_SCRAM_USERS: readonly KafkaUser[] = [{ name: 'alice', password: 'alice-secret' }]

/** The security protocol behind a listener name. */
export function securityProtocolOf(name: ListenerName): SecurityProtocol {
  return name === 'MTLS' ? 'SSL' : name
}

export function isTlsListener(name: ListenerName): boolean {
  return name === 'SSL' || name === 'SASL_SSL' || name === 'MTLS'
}

export function isSaslListener(name: ListenerName): boolean {
  return name === 'SASL_PLAINTEXT' || name === 'SASL_SSL'
}

/** The listeners a node gets for the requested ones: PLAINTEXT always, MTLS with any TLS listener, fixed order. */
export function listenerNamesFor(requested: readonly SecurityProtocol[] = ['PLAINTEXT']): ListenerName[] {
  const known: SecurityProtocol[] = ['PLAINTEXT', 'SASL_PLAINTEXT', 'SSL', 'SASL_SSL']
  for (const r of requested) {
    if (!known.includes(r)) throw new Error(`kafka-wire/testing: unknown listener ${JSON.stringify(r)}`)
  }
  const names: ListenerName[] = ['PLAINTEXT']
  for (const p of known.slice(1)) if (requested.includes(p)) names.push(p)
  if (names.some(isTlsListener)) names.push('MTLS')
  return names
}

export type PortMap = Partial<Record<ListenerName | 'CONTROLLER', number>>

export interface NodeLayout {
  nodeId: number
  ports: PortMap
  dataDir: string
}

export interface ClusterConfigSpec {
  host: string
  nodes: readonly NodeLayout[]
  /** From `listenerNamesFor`. */
  listeners: readonly ListenerName[]
  /** Broker keystore and truststore, required when a TLS listener is present. */
  tls?: { keystore: string; truststore: string; password: string }
  plainUsers?: readonly KafkaUser[]
  brokerConfig?: Readonly<Record<string, string>>
}

function jaasValue(s: string): string {
  if (/["\\\n]/.test(s))
    throw new Error(`kafka-wire/testing: SASL user names and passwords cannot contain '"', '\\' or newlines`)
  return `"${s}"`
}

function plainJaas(users: readonly KafkaUser[]): string {
  const entries = users.map((u) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(u.name)) throw new Error(`kafka-wire/testing: invalid PLAIN user name ${u.name}`)
    return `user_${u.name}=${jaasValue(u.password)}`
  })
  return `org.apache.kafka.common.security.plain.PlainLoginModule required ${entries.join(' ')};`
}

/** server.properties entries of one node, in insertion order. */
export function nodeConfig(spec: ClusterConfigSpec, nodeId: number): Record<string, string> {
  const node = spec.nodes.find((n) => n.nodeId === nodeId)
  if (!node) throw new Error(`kafka-wire/testing: no node ${nodeId}`)
  const multi = spec.nodes.length > 1
  const h = spec.host
  const port = (n: NodeLayout, l: ListenerName | 'CONTROLLER'): number => {
    const p = n.ports[l]
    if (p === undefined) throw new Error(`kafka-wire/testing: node ${n.nodeId} has no port for ${l}`)
    return p
  }
  const c: Record<string, string> = {}
  c['process.roles'] = 'broker,controller'
  c['node.id'] = String(nodeId)
  c['controller.quorum.voters'] = spec.nodes.map((n) => `${n.nodeId}@${h}:${port(n, 'CONTROLLER')}`).join(',')
  c['listeners'] = [
    ...spec.listeners.map((l) => `${l}://${h}:${port(node, l)}`),
    `CONTROLLER://${h}:${port(node, 'CONTROLLER')}`,
  ].join(',')
  c['advertised.listeners'] = spec.listeners.map((l) => `${l}://${h}:${port(node, l)}`).join(',')
  c['listener.security.protocol.map'] = [
    ...spec.listeners.map((l) => `${l}:${securityProtocolOf(l)}`),
    'CONTROLLER:PLAINTEXT',
  ].join(',')
  c['inter.broker.listener.name'] = 'PLAINTEXT'
  c['controller.listener.names'] = 'CONTROLLER'
  c['log.dirs'] = node.dataDir

  if (spec.listeners.some(isSaslListener)) {
    c['sasl.enabled.mechanisms'] = SASL_MECHANISMS.join(',')
    const plain = plainJaas(spec.plainUsers ?? DEFAULT_PLAIN_USERS)
    for (const l of spec.listeners.filter(isSaslListener)) {
      const prefix = `listener.name.${l.toLowerCase()}`
      c[`${prefix}.plain.sasl.jaas.config`] = plain
      c[`${prefix}.scram-sha-256.sasl.jaas.config`] =
        'org.apache.kafka.common.security.scram.ScramLoginModule required;'
      c[`${prefix}.scram-sha-512.sasl.jaas.config`] =
        'org.apache.kafka.common.security.scram.ScramLoginModule required;'
    }
  }
  if (spec.listeners.some(isTlsListener)) {
    if (!spec.tls) throw new Error('kafka-wire/testing: TLS listeners need TLS material')
    c['ssl.keystore.type'] = 'PKCS12'
    c['ssl.keystore.location'] = spec.tls.keystore
    c['ssl.keystore.password'] = spec.tls.password
    c['ssl.key.password'] = spec.tls.password
    c['ssl.truststore.type'] = 'PKCS12'
    c['ssl.truststore.location'] = spec.tls.truststore
    c['ssl.truststore.password'] = spec.tls.password
    c['ssl.client.auth'] = 'none'
    if (spec.listeners.includes('MTLS')) c['listener.name.mtls.ssl.client.auth'] = 'required'
  }

  if (multi) {
    // RECIPE §3(b): three combined nodes, replicated internal topics, fast fencing of a killed node.
    Object.assign(c, {
      'num.partitions': '3',
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
      'offsets.topic.replication.factor': '3',
      'offsets.topic.num.partitions': '6',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
      'transaction.state.log.num.partitions': '6',
      'share.coordinator.state.topic.replication.factor': '3',
      'share.coordinator.state.topic.min.isr': '2',
      'share.coordinator.state.topic.num.partitions': '6',
      'broker.heartbeat.interval.ms': '500',
      'broker.session.timeout.ms': '3000',
    })
  } else {
    // RECIPE §3(a): one node, internal topics with replication factor 1 and one partition.
    Object.assign(c, {
      'num.partitions': '1',
      'default.replication.factor': '1',
      'min.insync.replicas': '1',
      'offsets.topic.replication.factor': '1',
      'offsets.topic.num.partitions': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'transaction.state.log.num.partitions': '1',
      'share.coordinator.state.topic.replication.factor': '1',
      'share.coordinator.state.topic.min.isr': '1',
      'share.coordinator.state.topic.num.partitions': '1',
    })
  }
  Object.assign(c, {
    'auto.create.topics.enable': 'false',
    'group.initial.rebalance.delay.ms': '0',
    // 2 MiB instead of 128 MiB of heap for the log cleaner (Kafka's own test kit value).
    'log.cleaner.dedupe.buffer.size': '2097152',
    // Allow short client session timeouts in tests (classic and KIP-848 groups).
    'group.min.session.timeout.ms': '1000',
    'group.consumer.min.session.timeout.ms': '6000',
    'group.consumer.session.timeout.ms': '10000',
    'group.consumer.min.heartbeat.interval.ms': '500',
    'group.consumer.heartbeat.interval.ms': '1000',
    // Share groups (KIP-932): short heartbeats and lock durations allowed, for fast tests.
    'group.share.min.heartbeat.interval.ms': '500',
    'group.share.heartbeat.interval.ms': '1000',
    'group.share.min.session.timeout.ms': '6000',
    'group.share.session.timeout.ms': '10000',
    'group.share.min.record.lock.duration.ms': '1000',
  })
  for (const [k, v] of Object.entries(spec.brokerConfig ?? {})) c[k] = v
  return c
}

function escapeProperties(s: string, isKey: boolean): string {
  let out = ''
  for (const ch of s) {
    const code = ch.codePointAt(0)!
    if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (isKey && (ch === '=' || ch === ':' || ch === ' ' || ch === '#' || ch === '!')) out += `\\${ch}`
    else if (code > 0x7e) {
      const units = ch.length === 2 ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [code]
      out += units.map((u) => `\\u${u.toString(16).padStart(4, '0')}`).join('')
    } else out += ch
  }
  // A leading space in a value would be dropped by java.util.Properties.
  if (!isKey && out.startsWith(' ')) out = `\\${out}`
  return out
}

/** Render a java.util.Properties file. */
export function renderProperties(props: Readonly<Record<string, string>>, header?: string): string {
  const lines = header ? header.split('\n').map((l) => `# ${l}`) : []
  for (const [k, v] of Object.entries(props)) lines.push(`${escapeProperties(k, true)}=${escapeProperties(v, false)}`)
  return `${lines.join('\n')}\n`
}

/** The test kit reads properties with the client's own reader (java.util.Properties semantics). */
export { parseProperties } from '../internal/properties.js'

/**
 * log4j2 config for a broker: WARN by default, INFO for KafkaRaftServer so the readiness
 * line "Kafka Server started" is printed. Everything goes to stdout (the node's log file).
 */
export const BROKER_LOG4J2_PROPERTIES = `status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.raftserver.name = kafka.server.KafkaRaftServer
logger.raftserver.level = INFO
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.oak.name = org.apache.kafka
logger.oak.level = WARN
`

/** log4j2 config for Java tools: WARN and above to stderr, so stdout carries only the tool's output. */
export const TOOLS_LOG4J2_PROPERTIES = `status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
`

/** The line a broker logs when it is serving (KafkaBroker.STARTED_MESSAGE). */
export const READY_LINE = 'Kafka Server started'

/** `StorageTool format` arguments adding SCRAM-SHA-256 and -512 credentials for each user. */
export function scramFormatArgs(users: readonly KafkaUser[]): string[] {
  const args: string[] = []
  for (const u of users) {
    for (const part of [u.name, u.password]) {
      if (/["\n]/.test(part))
        throw new Error("kafka-wire/testing: SCRAM user names and passwords cannot contain '\"' or newlines")
    }
    for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      args.push('--add-scram', `${mech}=[name="${u.name}",password="${u.password}"]`)
    }
  }
  return args
}

/** A Kafka Uuid string (22 chars base64url, never starting with '-'), from `bytes` or random. */
export function kafkaUuid(bytes?: Uint8Array): string {
  const b = Buffer.from(bytes ?? randomBytes(16)).subarray(0, 16)
  let id = b.toString('base64url')
  if (id.startsWith('-')) id = `A${id.slice(1)}`
  return id
}

/** JVM arguments for a broker node. */
export function brokerJvmArgs(opts: {
  heapMb: number
  log4j2Path: string
  /** Kafka 3.x: `log4j2Path` is a log4j 1 config (`-Dlog4j.configuration`). */
  log4j1?: boolean
  libDir: string
  configPath: string
  extra?: readonly string[]
  tag?: string
  /** Jars or directories after Kafka's (StartKafkaOptions.classpath). */
  classpath?: readonly string[]
}): string[] {
  return [
    `-Xms${opts.heapMb}m`,
    `-Xmx${opts.heapMb}m`,
    // kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS
    '-server',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:MaxInlineLevel=15',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    opts.log4j1 ? `-Dlog4j.configuration=file:${opts.log4j2Path}` : `-Dlog4j2.configurationFile=${opts.log4j2Path}`,
    ...(opts.tag ? [`-Dkafka.wire.node=${opts.tag}`] : []),
    ...(opts.extra ?? []),
    '-cp',
    [`${opts.libDir}/*`, ...(opts.classpath ?? [])].join(path.delimiter),
    'kafka.Kafka',
    opts.configPath,
  ]
}

/**
 * Consumer options: Java's consumer configs camelCased, with Java's defaults, validated once at
 * construction (a ConfigError names the bad option). Called by Consumer's constructor only.
 */
import type { CommonClientOptions } from '../cluster/index.js'
import { ConfigError } from '../errors.js'
import type { ConsumerPartitionAssignor } from './assignors/types.js'
import type { Deserializer } from './types.js'

export type AutoOffsetReset = 'earliest' | 'latest' | 'none'
export type IsolationLevel = 'read_uncommitted' | 'read_committed'
export type AssignmentStrategyName = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky'
/** Java's group.protocol: 'classic' (JoinGroup/SyncGroup) or 'consumer' (KIP-848 ConsumerGroupHeartbeat). */
export type GroupProtocol = 'classic' | 'consumer'

export interface ConsumerOptions<K = Buffer | null, V = Buffer | null> extends CommonClientOptions {
  /** The consumer group. Required for subscribe() and for committing; not needed with assign() alone. */
  groupId?: string
  /** Static membership (KIP-345): a stable id for this member across restarts. */
  groupInstanceId?: string
  /**
   * The group protocol (Java's group.protocol): 'classic' (default; JoinGroup/SyncGroup, client-side
   * assignors) or 'consumer' (KIP-848: ConsumerGroupHeartbeat, the broker assigns; Kafka 4.0+).
   */
  groupProtocol?: GroupProtocol
  /**
   * With groupProtocol 'consumer': the broker-side assignor to use ('uniform', 'range', or any name in
   * the broker's group.consumer.assignors); null (default) lets the broker choose. Java's group.remote.assignor.
   */
  groupRemoteAssignor?: string | null
  autoOffsetReset?: AutoOffsetReset
  enableAutoCommit?: boolean
  autoCommitIntervalMs?: number
  sessionTimeoutMs?: number
  heartbeatIntervalMs?: number
  maxPollIntervalMs?: number
  maxPollRecords?: number
  fetchMinBytes?: number
  fetchMaxBytes?: number
  fetchMaxWaitMs?: number
  maxPartitionFetchBytes?: number
  partitionAssignmentStrategy?: ReadonlyArray<AssignmentStrategyName | ConsumerPartitionAssignor>
  isolationLevel?: IsolationLevel
  keyDeserializer?: Deserializer<K>
  valueDeserializer?: Deserializer<V>
  checkCrcs?: boolean
  clientRack?: string
  /** Exclude internal topics (__consumer_offsets, ...) from regex subscriptions (Java's exclude.internal.topics). */
  excludeInternalTopics?: boolean
  /** Let a subscription create missing topics on brokers that allow it (Java's allow.auto.create.topics). */
  allowAutoCreateTopics?: boolean
  /** Default timeout of blocking calls without their own (commitSync, committed, position, close). Java's default.api.timeout.ms. */
  defaultApiTimeoutMs?: number
  /**
   * Run heartbeats on a worker thread (default true). false runs them on the main event loop: only for
   * environments without worker_threads; a blocked event loop then costs the member its partitions.
   */
  heartbeatThread?: boolean
}

export interface ResolvedConsumerOptions {
  groupId: string | null
  groupInstanceId: string | null
  groupProtocol: GroupProtocol
  groupRemoteAssignor: string | null
  autoOffsetReset: AutoOffsetReset
  enableAutoCommit: boolean
  autoCommitIntervalMs: number
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
  maxPollRecords: number
  fetchMinBytes: number
  fetchMaxBytes: number
  fetchMaxWaitMs: number
  maxPartitionFetchBytes: number
  partitionAssignmentStrategy: ReadonlyArray<AssignmentStrategyName | ConsumerPartitionAssignor>
  isolationLevel: IsolationLevel
  checkCrcs: boolean
  clientRack: string | null
  excludeInternalTopics: boolean
  allowAutoCreateTopics: boolean
  defaultApiTimeoutMs: number
  heartbeatThread: boolean
}

export const CONSUMER_DEFAULTS: ResolvedConsumerOptions = {
  groupId: null,
  groupInstanceId: null,
  groupProtocol: 'classic',
  groupRemoteAssignor: null,
  autoOffsetReset: 'latest',
  enableAutoCommit: true,
  autoCommitIntervalMs: 5000,
  sessionTimeoutMs: 45000,
  heartbeatIntervalMs: 3000,
  maxPollIntervalMs: 300000,
  maxPollRecords: 500,
  fetchMinBytes: 1,
  fetchMaxBytes: 52428800,
  fetchMaxWaitMs: 500,
  maxPartitionFetchBytes: 1048576,
  partitionAssignmentStrategy: ['range', 'cooperative-sticky'],
  isolationLevel: 'read_uncommitted',
  checkCrcs: true,
  clientRack: null,
  excludeInternalTopics: true,
  allowAutoCreateTopics: true,
  defaultApiTimeoutMs: 60000,
  heartbeatThread: true,
}

/** Names of the consumer's own options (the rest of an options object must be a shared option). */
export const CONSUMER_OPTION_NAMES: ReadonlySet<string> = new Set<string>([
  ...Object.keys(CONSUMER_DEFAULTS),
  'keyDeserializer',
  'valueDeserializer',
])

const INT32_MAX = 2147483647

/**
 * Options the 'consumer' group protocol does not take (Java's CONSUMER_PROTOCOL_UNSUPPORTED_CONFIGS):
 * the broker decides them, through the config named here.
 */
const BROKER_SIDE_UNDER_CONSUMER_PROTOCOL: Record<string, string> = {
  sessionTimeoutMs:
    "the broker decides the session timeout under groupProtocol 'consumer': set group.consumer.session.timeout.ms on the broker (or consumer.session.timeout.ms on the group)",
  heartbeatIntervalMs:
    "the broker decides the heartbeat interval under groupProtocol 'consumer': set group.consumer.heartbeat.interval.ms on the broker (or consumer.heartbeat.interval.ms on the group)",
  partitionAssignmentStrategy:
    "the broker assigns partitions under groupProtocol 'consumer': choose one of the broker's group.consumer.assignors with groupRemoteAssignor",
}

function int(o: Record<string, unknown>, name: keyof ResolvedConsumerOptions, min: number, max = INT32_MAX): number {
  const v = o[name]
  if (v === undefined) return CONSUMER_DEFAULTS[name] as number
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(name, `must be an integer in [${min}, ${max}], got ${String(v)}`)
  }
  return v
}

function bool(o: Record<string, unknown>, name: keyof ResolvedConsumerOptions): boolean {
  const v = o[name]
  if (v === undefined) return CONSUMER_DEFAULTS[name] as boolean
  if (typeof v !== 'boolean') throw new ConfigError(name, `must be a boolean, got ${String(v)}`)
  return v
}

function optionalString(o: Record<string, unknown>, name: string): string | null {
  const v = o[name]
  if (v === undefined || v === null) return null
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(name, 'must be a non-empty string')
  return v
}

/** Validates and fills in the consumer-specific options (the common ones go through resolveCommonOptions). */
export function resolveConsumerOptions(options: ConsumerOptions<any, any>): ResolvedConsumerOptions {
  const o = options as unknown as Record<string, unknown>
  const autoOffsetReset = o.autoOffsetReset ?? CONSUMER_DEFAULTS.autoOffsetReset
  if (autoOffsetReset !== 'earliest' && autoOffsetReset !== 'latest' && autoOffsetReset !== 'none') {
    throw new ConfigError('autoOffsetReset', `must be 'earliest', 'latest' or 'none', got ${String(autoOffsetReset)}`)
  }
  const isolationLevel = o.isolationLevel ?? CONSUMER_DEFAULTS.isolationLevel
  if (isolationLevel !== 'read_uncommitted' && isolationLevel !== 'read_committed') {
    throw new ConfigError(
      'isolationLevel',
      `must be 'read_uncommitted' or 'read_committed', got ${String(isolationLevel)}`,
    )
  }
  // Validated by createAssignors() (which throws a ConfigError naming the option).
  const strategy = (o.partitionAssignmentStrategy ?? CONSUMER_DEFAULTS.partitionAssignmentStrategy) as ReadonlyArray<
    AssignmentStrategyName | ConsumerPartitionAssignor
  >
  for (const name of ['keyDeserializer', 'valueDeserializer'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw new ConfigError(name, 'must be a function')
  }
  const groupProtocol = o.groupProtocol ?? CONSUMER_DEFAULTS.groupProtocol
  if (groupProtocol !== 'classic' && groupProtocol !== 'consumer') {
    throw new ConfigError('groupProtocol', `must be 'classic' or 'consumer', got ${String(groupProtocol)}`)
  }
  const groupRemoteAssignor = optionalString(o, 'groupRemoteAssignor')
  if (groupProtocol === 'consumer') {
    for (const [name, why] of Object.entries(BROKER_SIDE_UNDER_CONSUMER_PROTOCOL)) {
      if (o[name] !== undefined) throw new ConfigError(name, `is not supported with groupProtocol 'consumer': ${why}`)
    }
  } else if (groupRemoteAssignor !== null) {
    throw new ConfigError(
      'groupRemoteAssignor',
      "is only used with groupProtocol 'consumer' (the classic protocol assigns on the client: use partitionAssignmentStrategy)",
    )
  }
  const resolved: ResolvedConsumerOptions = {
    groupId: optionalString(o, 'groupId'),
    groupInstanceId: optionalString(o, 'groupInstanceId'),
    groupProtocol,
    groupRemoteAssignor,
    autoOffsetReset,
    enableAutoCommit: bool(o, 'enableAutoCommit'),
    autoCommitIntervalMs: int(o, 'autoCommitIntervalMs', 0),
    sessionTimeoutMs: int(o, 'sessionTimeoutMs', 1),
    heartbeatIntervalMs: int(o, 'heartbeatIntervalMs', 1),
    maxPollIntervalMs: int(o, 'maxPollIntervalMs', 1),
    maxPollRecords: int(o, 'maxPollRecords', 1),
    fetchMinBytes: int(o, 'fetchMinBytes', 0),
    fetchMaxBytes: int(o, 'fetchMaxBytes', 0),
    fetchMaxWaitMs: int(o, 'fetchMaxWaitMs', 0),
    maxPartitionFetchBytes: int(o, 'maxPartitionFetchBytes', 0),
    partitionAssignmentStrategy: strategy,
    isolationLevel,
    checkCrcs: bool(o, 'checkCrcs'),
    clientRack: optionalString(o, 'clientRack'),
    excludeInternalTopics: bool(o, 'excludeInternalTopics'),
    allowAutoCreateTopics: bool(o, 'allowAutoCreateTopics'),
    defaultApiTimeoutMs: int(o, 'defaultApiTimeoutMs', 0),
    heartbeatThread: bool(o, 'heartbeatThread'),
  }
  if (resolved.heartbeatIntervalMs >= resolved.sessionTimeoutMs) {
    throw new ConfigError('heartbeatIntervalMs', 'must be lower than sessionTimeoutMs')
  }
  if (resolved.groupInstanceId !== null && resolved.groupId === null) {
    throw new ConfigError('groupInstanceId', 'requires groupId')
  }
  if (resolved.groupId === null && options.enableAutoCommit === true) {
    throw new ConfigError('enableAutoCommit', 'requires groupId')
  }
  // Java: without a group id, auto-commit is off by default.
  if (resolved.groupId === null) resolved.enableAutoCommit = false
  return resolved
}

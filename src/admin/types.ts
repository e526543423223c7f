/**
 * Public argument and result types of the Admin client.
 *
 * Owned by src/admin; admin.ts and the pure request/response modules beside it use these. Results
 * are plain data built from the responses (never the raw protocol objects): names follow Kafka's
 * Java admin API camelCased, enums are kebab-case strings of the Java enum names (so Kafka's
 * documentation carries over), offsets are bigint and timestamps are milliseconds as numbers.
 */
import type { CommonClientOptions } from '../cluster/index.js'

export interface AdminOptions extends CommonClientOptions {
  /** Default time limit of each admin call, retries included (Java's default.api.timeout.ms). Default 60000. */
  defaultApiTimeoutMs?: number
}

/** Accepted by every admin call. */
export interface AdminCallOptions {
  signal?: AbortSignal
  /** Time limit of the whole call, retries included. Default: the client's `defaultApiTimeoutMs`. */
  timeoutMs?: number
}

// ---------------------------------------------------------------------------------------------
// Topics

export interface NewTopic {
  topic: string
  /** Default: the broker's num.partitions (ignored when `replicaAssignment` is given). */
  numPartitions?: number
  /** Default: the broker's default.replication.factor (ignored when `replicaAssignment` is given). */
  replicationFactor?: number
  /** Partition → broker ids of its replicas, the preferred leader first. An array indexed by partition fits. */
  replicaAssignment?: Readonly<Record<number, readonly number[]>>
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configs?: Readonly<Record<string, string | null>>
}

export interface CreateTopicsOptions extends AdminCallOptions {
  /** Check the request (names, configs, replica placement) without creating anything. */
  validateOnly?: boolean
  /**
   * Resolve only once every broker's metadata shows the new topics with a leader for each
   * partition (bounded by the call's timeout), so that what follows — describeTopics, a produce —
   * finds them. Default true; false resolves as soon as the controller created them (Java's behaviour).
   */
  waitForMetadata?: boolean
  /**
   * A topic that exists already (TOPIC_ALREADY_EXISTS) is not a failure; it is left out of the
   * result, which lists the topics this call created. Its configs and partitions are not checked.
   */
  ifNotExists?: boolean
}

export interface CreatedTopic {
  topic: string
  /** null when the broker did not report one (e.g. with validateOnly). */
  topicId: string | null
  /** -1 when the broker did not report it. */
  numPartitions: number
  replicationFactor: number
  /** The topic's effective configs as the broker reported them (empty when it did not). */
  configs: Record<string, ConfigEntry>
}

export interface ListTopicsOptions extends AdminCallOptions {
  /** Include internal topics such as __consumer_offsets. Default false. */
  includeInternal?: boolean
}

export interface TopicListing {
  topic: string
  topicId: string | null
  isInternal: boolean
}

export interface DescribeTopicsOptions extends AdminCallOptions {
  /** Also describe each topic's configs (one extra DescribeConfigs request). Default false. */
  includeConfigs?: boolean
}

export interface PartitionDescription {
  partition: number
  /** Node id of the leader, or null when the partition has none. */
  leader: number | null
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  offlineReplicas: number[]
}

export interface TopicDescription {
  topic: string
  topicId: string | null
  isInternal: boolean
  /** Sorted by partition number. */
  partitions: PartitionDescription[]
  /** Present when `includeConfigs` was set. */
  configs?: Record<string, ConfigEntry>
}

export interface NewPartitions {
  topic: string
  /** The new total number of partitions (must exceed the current count). */
  count: number
  /** Replica broker ids for each *new* partition, in order; default: the broker places them. */
  assignments?: readonly (readonly number[])[]
}

export interface CreatePartitionsOptions extends AdminCallOptions {
  validateOnly?: boolean
  /** Resolve only once every broker's metadata shows the new partitions with leaders. Default true. */
  waitForMetadata?: boolean
}

export interface DeleteTopicsOptions extends AdminCallOptions {}

// ---------------------------------------------------------------------------------------------
// Cluster

export interface BrokerDescription {
  nodeId: number
  host: string
  port: number
  rack: string | null
  /** Whether the controller has fenced the broker (reported by DescribeCluster v2+, else false). */
  fenced: boolean
}

export interface ClusterDescription {
  clusterId: string | null
  /** The broker reported as controller (in KRaft clusters: a broker that forwards to the controller quorum). */
  controller: BrokerDescription | null
  brokers: BrokerDescription[]
}

// ---------------------------------------------------------------------------------------------
// Configs

export type ConfigResourceType = 'topic' | 'broker' | 'broker-logger' | 'client-metrics' | 'group' | 'unknown'

export interface ConfigResource {
  type: ConfigResourceType
  /** Topic or group name, broker id as a string ('' = the cluster-wide default broker config), ... */
  name: string
}

export interface DescribeConfigResource extends ConfigResource {
  /** Only these configs (default: all). */
  configNames?: readonly string[]
}

export interface DescribeConfigsOptions extends AdminCallOptions {
  /** Report, for each config, the values it has at every level (topic, broker, default). */
  includeSynonyms?: boolean
  includeDocumentation?: boolean
}

/** Where a config value comes from (Java's ConfigEntry.ConfigSource, kebab-case). */
export type ConfigSource =
  | 'unknown'
  | 'dynamic-topic-config'
  | 'dynamic-broker-config'
  | 'dynamic-default-broker-config'
  | 'static-broker-config'
  | 'default-config'
  | 'dynamic-broker-logger-config'
  | 'dynamic-client-metrics-config'
  | 'dynamic-group-config'

export type ConfigType =
  | 'unknown'
  | 'boolean'
  | 'string'
  | 'int'
  | 'short'
  | 'long'
  | 'double'
  | 'list'
  | 'class'
  | 'password'

export interface ConfigSynonym {
  name: string
  value: string | null
  source: ConfigSource
}

export interface ConfigEntry {
  name: string
  /** null for sensitive configs and for configs without a value. */
  value: string | null
  source: ConfigSource
  isDefault: boolean
  readOnly: boolean
  sensitive: boolean
  type: ConfigType
  /** Empty unless `includeSynonyms` was set. */
  synonyms: ConfigSynonym[]
  /** null unless `includeDocumentation` was set. */
  documentation: string | null
}

export interface ConfigResourceDescription extends ConfigResource {
  /** By config name. */
  configs: Record<string, ConfigEntry>
}

export type AlterConfigOpType = 'set' | 'delete' | 'append' | 'subtract'

export interface AlterConfigOp {
  name: string
  /** Required except for 'delete'. For 'append'/'subtract': the list element(s), comma-separated. */
  value?: string | null
  /** Default 'set'. */
  op?: AlterConfigOpType
}

export interface AlterConfigsResource extends ConfigResource {
  ops: readonly AlterConfigOp[]
}

export interface IncrementalAlterConfigsOptions extends AdminCallOptions {
  validateOnly?: boolean
}

// ---------------------------------------------------------------------------------------------
// Groups

/** Group types (KIP-848): 'classic' groups use JoinGroup/SyncGroup, 'consumer' groups ConsumerGroupHeartbeat. */
export type GroupType = 'classic' | 'consumer' | 'share' | 'streams' | (string & {})

/**
 * Group states as the broker names them, e.g. 'Stable', 'Empty', 'PreparingRebalance',
 * 'CompletingRebalance', 'Dead' (classic) and 'Assigning', 'Reconciling', 'NotReady' (consumer).
 */
export type GroupState =
  | 'Unknown'
  | 'PreparingRebalance'
  | 'CompletingRebalance'
  | 'Stable'
  | 'Dead'
  | 'Empty'
  | 'Assigning'
  | 'Reconciling'
  | 'NotReady'
  | (string & {})

export interface ListGroupsOptions extends AdminCallOptions {
  /** Only groups in these states (case-insensitive; needs ListGroups v4, Kafka 2.6+). */
  states?: readonly GroupState[]
  /** Only groups of these types (needs ListGroups v5, Kafka 3.8+). */
  types?: readonly GroupType[]
}

export interface GroupListing {
  groupId: string
  /** 'consumer' for consumer groups, 'connect' for Connect workers, '' for groups used only to commit offsets. */
  protocolType: string
  /** null when the broker does not report states (ListGroups < v4). */
  state: GroupState | null
  /** null when the broker does not report types (ListGroups < v5). */
  type: GroupType | null
}

export interface TopicPartitions {
  topic: string
  partitions: number[]
}

export interface GroupMemberDescription {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  /** The partitions assigned to the member, by topic (sorted). Empty for non-consumer protocols. */
  assignment: TopicPartitions[]
  /** 'consumer' groups only: what the member is moving towards; null for classic groups. */
  targetAssignment: TopicPartitions[] | null
  /** Topics the member subscribed to (null when unknown, e.g. a non-consumer classic protocol). */
  subscribedTopics: string[] | null
  /** 'consumer' groups only: the member's epoch; null for classic groups. */
  memberEpoch: number | null
  /** 'consumer' groups only. */
  rackId: string | null
}

export interface GroupDescription {
  groupId: string
  /** Which protocol the group uses: answered by ConsumerGroupDescribe ('consumer') or DescribeGroups ('classic'). */
  type: 'classic' | 'consumer'
  state: GroupState
  /** Classic groups: 'consumer', 'connect', ... ('' for a group that only stores offsets); 'consumer' for KIP-848 groups. */
  protocolType: string
  /** The assignor in use (classic: the chosen protocol name, e.g. 'range'; consumer: the server assignor, e.g. 'uniform'). */
  protocol: string
  members: GroupMemberDescription[]
  /** Node id of the group coordinator. */
  coordinator: number
  /** 'consumer' groups only. */
  groupEpoch: number | null
  /** 'consumer' groups only. */
  assignmentEpoch: number | null
}

// ---------------------------------------------------------------------------------------------
// Offsets

/** Which offset ListOffsets looks up. `timestamp`: the earliest offset whose record timestamp is >= it. */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | { timestamp: number | bigint | Date }

export interface ListOffsetsQuery {
  topic: string
  partition: number
  spec: OffsetSpec
}

export interface ListOffsetsOptions extends AdminCallOptions {
  /** 'read_committed': 'latest' is the last stable offset instead of the high watermark. Default 'read_uncommitted'. */
  isolationLevel?: 'read_uncommitted' | 'read_committed'
}

export interface ListOffsetsResultInfo {
  topic: string
  partition: number
  /** -1n when no offset matches (e.g. a timestamp later than every record). */
  offset: bigint
  /** Milliseconds; -1 when not applicable (earliest/latest). */
  timestamp: number
  /** -1 when unknown. */
  leaderEpoch: number
}

/** One partition of `Admin.listConsumerGroupLag`. */
export interface ConsumerGroupLag {
  topic: string
  partition: number
  /** The group's committed offset (the next offset it will consume); null when the group has none for the partition. */
  committedOffset: bigint | null
  /** The log end offset (the high watermark; the last stable offset with 'read_committed'); null when unknown. */
  logEndOffset: bigint | null
  /** logEndOffset - committedOffset; null when either is unknown. */
  lag: bigint | null
  /** The member the partition is assigned to; null when no member has it. */
  memberId: string | null
}

export interface ConsumerGroupLagOptions extends AdminCallOptions {
  /** 'read_committed': measure against the last stable offset (what a read_committed consumer can reach). Default 'read_uncommitted'. */
  isolationLevel?: 'read_uncommitted' | 'read_committed'
}

export interface GroupTopicPartition {
  topic: string
  partition: number
}

export interface ConsumerGroupOffset {
  topic: string
  partition: number
  /** The next offset the group will consume. */
  offset: bigint
  metadata: string | null
  /** -1 when unknown. */
  leaderEpoch: number
}

export interface ListConsumerGroupOffsetsOptions extends AdminCallOptions {
  /** Fail partitions with pending transactional commits (UNSTABLE_OFFSET_COMMIT, retried) instead of returning older offsets. */
  requireStable?: boolean
}

export interface GroupOffsetUpdate {
  topic: string
  partition: number
  offset: bigint | number
  metadata?: string | null
  leaderEpoch?: number
}

export interface DeleteRecordsRequestItem {
  topic: string
  partition: number
  /** Delete every record below this offset; -1 means up to the high watermark. */
  beforeOffset: bigint | number
}

export interface DeletedRecords {
  topic: string
  partition: number
  /** The partition's new log start offset. */
  lowWatermark: bigint
}

// ---------------------------------------------------------------------------------------------
// ACLs

export type AclResourceType =
  | 'unknown'
  | 'any'
  | 'topic'
  | 'group'
  | 'cluster'
  | 'transactional-id'
  | 'delegation-token'
  | 'user'
export type AclPatternType = 'unknown' | 'any' | 'match' | 'literal' | 'prefixed'
export type AclOperation =
  | 'unknown'
  | 'any'
  | 'all'
  | 'read'
  | 'write'
  | 'create'
  | 'delete'
  | 'alter'
  | 'describe'
  | 'cluster-action'
  | 'describe-configs'
  | 'alter-configs'
  | 'idempotent-write'
  | 'create-tokens'
  | 'describe-tokens'
  | 'two-phase-commit'
export type AclPermissionType = 'unknown' | 'any' | 'deny' | 'allow'

/** One ACL: `principal` from `host` is `permissionType`-ed to `operation` on the resource. */
export interface AclBinding {
  resourceType: AclResourceType
  /** The cluster resource is named 'kafka-cluster'. */
  resourceName: string
  patternType: AclPatternType
  /** e.g. 'User:alice'. */
  principal: string
  /** '*' for any host. */
  host: string
  operation: AclOperation
  permissionType: AclPermissionType
}

/** What createAcls takes: `patternType` defaults to 'literal' and `host` to '*'. */
export interface NewAclBinding extends Omit<AclBinding, 'patternType' | 'host'> {
  patternType?: AclPatternType
  host?: string
}

/** Matches ACLs: an omitted (or null) field matches anything; the enums default to 'any'. */
export interface AclBindingFilter {
  resourceType?: AclResourceType
  resourceName?: string | null
  /** 'match' matches literal, wildcard and prefixed ACLs that would apply to `resourceName`. */
  patternType?: AclPatternType
  principal?: string | null
  host?: string | null
  operation?: AclOperation
  permissionType?: AclPermissionType
}

export interface DeleteAclsFilterResult {
  filter: AclBindingFilter
  /** The ACLs the filter matched and deleted. */
  deleted: AclBinding[]
}

// ---------------------------------------------------------------------------------------------
// SCRAM credentials

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

export interface ScramCredentialInfo {
  mechanism: ScramMechanism
  iterations: number
}

export interface UserScramCredentials {
  user: string
  credentials: ScramCredentialInfo[]
}

export interface ScramCredentialUpsertion {
  op: 'upsert'
  user: string
  mechanism: ScramMechanism
  /** The clear password: only the salted password (RFC 5802 Hi()) is sent. */
  password: string
  /** Default 4096 (the broker's minimum; at most 16384). */
  iterations?: number
  /** Default: 32 random bytes. */
  salt?: Uint8Array
}

export interface ScramCredentialDeletion {
  op: 'delete'
  user: string
  mechanism: ScramMechanism
}

export type ScramCredentialAlteration = ScramCredentialUpsertion | ScramCredentialDeletion

// ---------------------------------------------------------------------------------------------
// Partition reassignments

export interface TopicPartitionRef {
  topic: string
  partition: number
}

/** A partition to move to `replicas` (preferred leader first), or `replicas: null` to cancel its reassignment. */
export interface PartitionReassignmentRequest extends TopicPartitionRef {
  replicas: readonly number[] | null
}

export interface AlterPartitionReassignmentsOptions extends AdminCallOptions {
  /** Allow the new replica list to change the replication factor (KIP-860; brokers 3.9+). Default true. */
  allowReplicationFactorChange?: boolean
}

/** A reassignment in progress: the current replicas and those being added and removed. */
export interface PartitionReassignment extends TopicPartitionRef {
  replicas: number[]
  addingReplicas: number[]
  removingReplicas: number[]
}

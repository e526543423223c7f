/**
 * The Admin client: topics, partitions, configs, groups, offsets, records, ACLs and SCRAM users.
 *
 * Owns one Cluster (connections, metadata, coordinators), or borrows kafka-wire/kafkajs's consumer's.
 * Each public method names one call and hands its declaration to the AdminExecutor (executor.ts),
 * which routes it the way Java's KafkaAdminClient does: topic creation/deletion to the controller,
 * partition requests to each partition's leader, group requests to the group's coordinator, broker
 * configs to that broker, everything else to any broker — with per-item results, per-item retries
 * of retriable errors (with metadata / coordinator refresh) until the call's deadline, and an
 * AdminAggregateError naming every failed item.
 *
 * The calls are declared as data in the area files beside this one (topics.ts, configs.ts,
 * groups.ts, offsets.ts, acls.ts, scram.ts): adding a call is declaring an operation there and
 * naming it here.
 */
import { type Cluster, NetworkMetrics, ownOrBorrowed, resolveClientOptions } from '../cluster/index.js'
import { type ClientTelemetryReporter, clientInstanceId, startClientTelemetry } from '../cluster/telemetry/index.js'
import { ClosedError, ConfigError } from '../errors.js'
import { type Metric, Metrics } from '../internal/metrics.js'
import { createAclsOperation, deleteAclsOperation, describeAclsOperation } from './acls.js'
import { describeConfigsOperation, incrementalAlterConfigsOperation } from './configs.js'
import { AdminExecutor } from './executor.js'
import { deleteGroupsOperation, describeGroupsOperation, listGroupsCall } from './groups.js'
import { listConsumerGroupLagCall } from './lag.js'
import {
  alterConsumerGroupOffsetsOperation,
  deleteConsumerGroupOffsetsOperation,
  deleteRecordsOperation,
  listConsumerGroupOffsetsOperation,
  listOffsetsOperation,
} from './offsets.js'
import { alterPartitionReassignmentsOperation, listPartitionReassignmentsOperation } from './reassignments.js'
import { alterScramCall, describeScramOperation } from './scram.js'
import {
  alterShareGroupOffsetsOperation,
  deleteShareGroupOffsetsOperation,
  describeShareGroupsOperation,
  listShareGroupOffsetsOperation,
  type ShareGroupDescription,
  type ShareGroupOffset,
  type ShareGroupOffsetUpdate,
} from './share-groups.js'
import {
  createPartitionsOperation,
  createTopicsOperation,
  deleteTopicsOperation,
  describeClusterOperation,
  describeTopicsOperation,
  listTopicsOperation,
} from './topics.js'
import type {
  AclBinding,
  AclBindingFilter,
  AdminCallOptions,
  AdminOptions,
  AlterConfigsResource,
  AlterPartitionReassignmentsOptions,
  ClusterDescription,
  ConfigResourceDescription,
  ConsumerGroupLag,
  ConsumerGroupLagOptions,
  ConsumerGroupOffset,
  CreatedTopic,
  CreatePartitionsOptions,
  CreateTopicsOptions,
  DeleteAclsFilterResult,
  DeletedRecords,
  DeleteRecordsRequestItem,
  DeleteTopicsOptions,
  DescribeConfigResource,
  DescribeConfigsOptions,
  DescribeTopicsOptions,
  GroupDescription,
  GroupListing,
  GroupOffsetUpdate,
  GroupTopicPartition,
  IncrementalAlterConfigsOptions,
  ListConsumerGroupOffsetsOptions,
  ListGroupsOptions,
  ListOffsetsOptions,
  ListOffsetsQuery,
  ListOffsetsResultInfo,
  ListTopicsOptions,
  NewAclBinding,
  NewPartitions,
  NewTopic,
  PartitionReassignment,
  PartitionReassignmentRequest,
  ScramCredentialAlteration,
  TopicDescription,
  TopicListing,
  TopicPartitionRef,
  UserScramCredentials,
} from './types.js'

const DEFAULT_API_TIMEOUT_MS = 60_000

/** Names of the admin client's own options (the rest must be shared options). */
const ADMIN_OPTION_NAMES: ReadonlySet<string> = new Set<keyof AdminOptions>(['defaultApiTimeoutMs'])

export class Admin implements AsyncDisposable {
  readonly #cluster: Cluster
  readonly #releaseCluster: () => Promise<void>
  readonly #closer = new AbortController()
  readonly #executor: AdminExecutor
  readonly #metrics: Metrics
  readonly #telemetry: ClientTelemetryReporter | undefined
  readonly #defaultApiTimeoutMs: number
  #closing: Promise<void> | undefined

  constructor(options: AdminOptions) {
    const { common: resolved, own } = resolveClientOptions(options, ADMIN_OPTION_NAMES, 'admin')
    const defaultApiTimeoutMs = own.defaultApiTimeoutMs
    if (
      defaultApiTimeoutMs !== undefined &&
      (typeof defaultApiTimeoutMs !== 'number' ||
        !Number.isInteger(defaultApiTimeoutMs) ||
        defaultApiTimeoutMs <= 0 ||
        // Longer than a timer can wait (Node fires such a setTimeout at once: every call would time out).
        defaultApiTimeoutMs > 2147483647)
    ) {
      throw new ConfigError('defaultApiTimeoutMs', 'must be a positive integer (milliseconds) up to 2147483647')
    }
    // Java's admin client reports its Selector's metrics: admin-client-metrics, admin-client-node-metrics.
    this.#metrics = new Metrics({ tags: { 'client-id': resolved.clientId } })
    // Its own Cluster, or the kafkajs consumer's, borrowed (SHARED_CLUSTER, cluster/shared.ts).
    const cluster = ownOrBorrowed(options, resolved, { sensors: new NetworkMetrics(this.#metrics, 'admin-client') })
    this.#cluster = cluster.cluster
    this.#releaseCluster = cluster.release
    this.#defaultApiTimeoutMs = defaultApiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS
    this.#telemetry = startClientTelemetry(this.#cluster, () => this.metrics())
    this.#executor = new AdminExecutor(
      this.#cluster,
      {
        defaultApiTimeoutMs: defaultApiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS,
        requestTimeoutMs: resolved.requestTimeoutMs ?? 30_000,
        retryBackoffMs: resolved.retryBackoffMs ?? 100,
        retryBackoffMaxMs: resolved.retryBackoffMaxMs ?? 1000,
      },
      this.#closer.signal,
    )
  }

  /** The admin client's network metrics now, with the Java admin client's names (docs/observability.md). */
  metrics(): Metric[] {
    return this.#metrics.snapshot()
  }

  /** The id the broker gave this client for KIP-714 telemetry, or null if none came within timeoutMs. */
  clientInstanceId(timeoutMs: number): Promise<string | null> {
    return clientInstanceId(this.#telemetry, timeoutMs)
  }

  /**
   * Closes every connection; pending calls reject with ClosedError. Idempotent. `timeoutMs` bounds
   * the terminating telemetry push (KIP-714), sent first when the broker subscribed this client.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closing === undefined) {
      this.#closer.abort(new ClosedError('The admin client was closed'))
      const deadline = Date.now() + (options.timeoutMs ?? this.#defaultApiTimeoutMs)
      this.#closing = (this.#telemetry?.close(deadline) ?? Promise.resolve()).then(() => this.#releaseCluster())
    }
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  // -------------------------------------------------------------------------------------------
  // Topics

  /**
   * Creates topics. Resolves with each topic's result when all were created; otherwise rejects
   * with an AdminAggregateError naming each topic that failed (e.g. TOPIC_ALREADY_EXISTS) and
   * holding the results of those that were created in `succeeded`.
   */
  createTopics(topics: readonly NewTopic[], options: CreateTopicsOptions = {}): Promise<CreatedTopic[]> {
    return this.#executor.call(options, () => createTopicsOperation(topics, options))
  }

  /** Deletes topics (and their data). Rejects with an AdminAggregateError naming each topic that could not be deleted. */
  deleteTopics(topics: readonly string[], options: DeleteTopicsOptions = {}): Promise<void> {
    return this.#executor.call(options, () => deleteTopicsOperation(topics))
  }

  /** Lists topics, sorted by name (internal ones only with `includeInternal`). */
  listTopics(options: ListTopicsOptions = {}): Promise<TopicListing[]> {
    return this.#executor.call(options, () => listTopicsOperation(options))
  }

  /**
   * Describes topics: id, partitions with leader, leader epoch, replicas, ISR and offline
   * replicas, and (with `includeConfigs`) configs. A topic that does not exist fails at once with
   * UNKNOWN_TOPIC_OR_PARTITION naming it; the others are still described (see AdminAggregateError.succeeded).
   */
  describeTopics(topics: readonly string[], options: DescribeTopicsOptions = {}): Promise<TopicDescription[]> {
    return this.#executor.call(options, () => describeTopicsOperation(topics, options))
  }

  /** Raises topics' partition counts. Rejects with an AdminAggregateError naming each topic that failed. */
  createPartitions(items: readonly NewPartitions[], options: CreatePartitionsOptions = {}): Promise<void> {
    return this.#executor.call(options, () => createPartitionsOperation(items, options))
  }

  /**
   * Starts moving partitions to other replicas (or cancels a move: `replicas: null`). Resolves once
   * the controller accepted every one; the data moves in the background. Rejects with an
   * AdminAggregateError naming each partition that failed (e.g. NO_REASSIGNMENT_IN_PROGRESS).
   */
  alterPartitionReassignments(
    items: readonly PartitionReassignmentRequest[],
    options: AlterPartitionReassignmentsOptions = {},
  ): Promise<void> {
    return this.#executor.call(options, () => alterPartitionReassignmentsOperation(items, options))
  }

  /** The partition reassignments in progress (of every partition, or of `partitions`), sorted. */
  listPartitionReassignments(
    partitions?: readonly TopicPartitionRef[] | null,
    options: AdminCallOptions = {},
  ): Promise<PartitionReassignment[]> {
    return this.#executor.call(options, () => listPartitionReassignmentsOperation(partitions))
  }

  // -------------------------------------------------------------------------------------------
  // Cluster

  /** The cluster id, the brokers and the controller (DescribeCluster; Metadata on brokers before 2.8). */
  describeCluster(options: AdminCallOptions = {}): Promise<ClusterDescription> {
    return this.#executor.call(options, () => describeClusterOperation())
  }

  // -------------------------------------------------------------------------------------------
  // Configs

  /**
   * Describes the configs of topics, brokers, broker loggers, groups or client-metrics resources.
   * Broker resources (name = broker id) are asked of that broker.
   */
  describeConfigs(
    resources: readonly DescribeConfigResource[],
    options: DescribeConfigsOptions = {},
  ): Promise<ConfigResourceDescription[]> {
    return this.#executor.call(options, () =>
      describeConfigsOperation(resources, {
        includeSynonyms: options.includeSynonyms ?? false,
        includeDocumentation: options.includeDocumentation ?? false,
      }),
    )
  }

  /**
   * Changes individual config entries ('set', 'delete', 'append' or 'subtract' each), leaving the
   * others as they are. Rejects with an AdminAggregateError naming each resource that failed.
   */
  incrementalAlterConfigs(
    resources: readonly AlterConfigsResource[],
    options: IncrementalAlterConfigsOptions = {},
  ): Promise<void> {
    return this.#executor.call(options, () => incrementalAlterConfigsOperation(resources, options))
  }

  // -------------------------------------------------------------------------------------------
  // Groups

  /**
   * Lists the groups of the cluster (asking every broker: each lists the groups it coordinates),
   * sorted by id. `states` and `types` filter on the broker.
   */
  listGroups(options: ListGroupsOptions = {}): Promise<GroupListing[]> {
    return this.#executor.call(options, () => listGroupsCall(options))
  }

  /**
   * Describes groups: state, assignor, members with client id, host and assigned partitions.
   * 'consumer' (KIP-848) groups are described with ConsumerGroupDescribe, classic groups with
   * DescribeGroups (assignments decoded from the consumer protocol). A group that does not exist
   * fails with GROUP_ID_NOT_FOUND naming it.
   */
  describeGroups(groupIds: readonly string[], options: AdminCallOptions = {}): Promise<GroupDescription[]> {
    return this.#executor.call(options, () => describeGroupsOperation(groupIds))
  }

  /** Deletes groups (they must be empty). Rejects with an AdminAggregateError naming each group that failed. */
  deleteGroups(groupIds: readonly string[], options: AdminCallOptions = {}): Promise<void> {
    return this.#executor.call(options, () => deleteGroupsOperation(groupIds))
  }

  // -------------------------------------------------------------------------------------------
  // Share groups (KIP-932; admin/share-groups.ts). List them with listGroups({ types: ['share'] }).

  /** Describes share groups: state, epochs, members with subscriptions and (shared) assignments. */
  describeShareGroups(groupIds: readonly string[], options: AdminCallOptions = {}): Promise<ShareGroupDescription[]> {
    return this.#executor.call(options, () => describeShareGroupsOperation(groupIds))
  }

  /** A share group's start offset (and lag) per partition: every partition it has state for, or these. */
  listShareGroupOffsets(
    groupId: string,
    partitions?: readonly GroupTopicPartition[] | null,
    options: AdminCallOptions = {},
  ): Promise<ShareGroupOffset[]> {
    return this.#executor.call(options, () => listShareGroupOffsetsOperation(groupId, partitions))
  }

  /** Sets a share group's start offsets (the group must be empty). */
  alterShareGroupOffsets(
    groupId: string,
    offsets: readonly ShareGroupOffsetUpdate[],
    options: AdminCallOptions = {},
  ): Promise<void> {
    return this.#executor.call(options, () => alterShareGroupOffsetsOperation(groupId, offsets))
  }

  /** Deletes a share group's state for whole topics (the group must be empty). */
  deleteShareGroupOffsets(groupId: string, topics: readonly string[], options: AdminCallOptions = {}): Promise<void> {
    return this.#executor.call(options, () => deleteShareGroupOffsetsOperation(groupId, topics))
  }

  /** Deletes share groups (they must be empty): DeleteGroups, as for any group. */
  deleteShareGroups(groupIds: readonly string[], options: AdminCallOptions = {}): Promise<void> {
    return this.#executor.call(options, () => deleteGroupsOperation(groupIds))
  }

  // -------------------------------------------------------------------------------------------
  // Offsets and records

  /**
   * Looks up offsets by spec ('earliest', 'latest', 'max-timestamp' or a timestamp), asking each
   * partition's leader. Leader moves are followed within the call's timeout.
   */
  listOffsets(
    queries: readonly ListOffsetsQuery[],
    options: ListOffsetsOptions = {},
  ): Promise<ListOffsetsResultInfo[]> {
    return this.#executor.call(options, () => listOffsetsOperation(queries, options))
  }

  /**
   * Deletes the records of partitions below `beforeOffset` (advancing their log start offset),
   * asking each partition's leader. Resolves with each partition's new low watermark.
   */
  deleteRecords(items: readonly DeleteRecordsRequestItem[], options: AdminCallOptions = {}): Promise<DeletedRecords[]> {
    return this.#executor.call(options, () => deleteRecordsOperation(items))
  }

  /**
   * The committed offsets of a group (all its partitions, or just `partitions`), from its
   * coordinator. Partitions without a committed offset are left out.
   */
  listConsumerGroupOffsets(
    groupId: string,
    partitions?: readonly GroupTopicPartition[] | null,
    options: ListConsumerGroupOffsetsOptions = {},
  ): Promise<ConsumerGroupOffset[]> {
    return this.#executor.call(options, () => listConsumerGroupOffsetsOperation(groupId, partitions, options))
  }

  /**
   * A consumer group's lag per partition: its committed offset, the log end offset and their
   * difference, for every partition with a committed offset or assigned to a member (what
   * `kafka-consumer-groups --describe` shows). Composes describeGroups, listConsumerGroupOffsets
   * and listOffsets within one timeout.
   */
  listConsumerGroupLag(groupId: string, options: ConsumerGroupLagOptions = {}): Promise<ConsumerGroupLag[]> {
    return this.#executor.call(options, () => listConsumerGroupLagCall(groupId, options))
  }

  /**
   * Sets a group's committed offsets (an admin commit: generation -1, no member — the group must
   * have no active members). Rejects with an AdminAggregateError naming each partition that failed.
   */
  alterConsumerGroupOffsets(
    groupId: string,
    offsets: readonly GroupOffsetUpdate[],
    options: AdminCallOptions = {},
  ): Promise<void> {
    return this.#executor.call(options, () => alterConsumerGroupOffsetsOperation(groupId, offsets))
  }

  /**
   * Deletes a group's committed offsets for some partitions (OffsetDelete); the group must not be
   * subscribed to their topics. A group-level failure (e.g. GROUP_ID_NOT_FOUND) rejects with that
   * error, naming the group; partition failures with an AdminAggregateError naming each.
   */
  deleteConsumerGroupOffsets(
    groupId: string,
    partitions: readonly GroupTopicPartition[],
    options: AdminCallOptions = {},
  ): Promise<void> {
    return this.#executor.call(options, () => deleteConsumerGroupOffsetsOperation(groupId, partitions))
  }

  // -------------------------------------------------------------------------------------------
  // ACLs

  /** The ACLs matching `filter` (default: all). Needs an authorizer on the brokers (else SECURITY_DISABLED). */
  describeAcls(filter: AclBindingFilter = {}, options: AdminCallOptions = {}): Promise<AclBinding[]> {
    return this.#executor.call(options, () => describeAclsOperation(filter))
  }

  /** Creates ACLs. Rejects with an AdminAggregateError naming each binding that could not be created. */
  createAcls(bindings: readonly NewAclBinding[], options: AdminCallOptions = {}): Promise<void> {
    return this.#executor.call(options, () => createAclsOperation(bindings))
  }

  /** Deletes the ACLs matching each filter; resolves with what each filter deleted. */
  deleteAcls(filters: readonly AclBindingFilter[], options: AdminCallOptions = {}): Promise<DeleteAclsFilterResult[]> {
    return this.#executor.call(options, () => deleteAclsOperation(filters))
  }

  // -------------------------------------------------------------------------------------------
  // SCRAM credentials

  /**
   * The SCRAM credentials (mechanism and iterations; never secrets) of `users`, or of every user
   * with credentials. A listed user without credentials fails with RESOURCE_NOT_FOUND naming it.
   */
  describeUserScramCredentials(
    users?: readonly string[] | null,
    options: AdminCallOptions = {},
  ): Promise<UserScramCredentials[]> {
    return this.#executor.call(options, () => describeScramOperation(users))
  }

  /**
   * Creates, updates ('upsert': the salted password is computed here, RFC 5802) or deletes SCRAM
   * credentials. Rejects with an AdminAggregateError naming each user whose alteration failed.
   */
  alterUserScramCredentials(
    alterations: readonly ScramCredentialAlteration[],
    options: AdminCallOptions = {},
  ): Promise<void> {
    return this.#executor.call(options, () => alterScramCall(alterations))
  }
}

/**
 * kafka.admin(): kafkajs 2.2.4's Admin on kafka-wire's Admin (src/admin). This file holds the
 * client's lifecycle (connect, disconnect), its events and logger, and names each method; the
 * methods live beside it by area: admin-topics.ts, admin-offsets.ts, admin-groups.ts,
 * admin-acls.ts (shared helpers: admin-support.ts, enums: admin-enums.ts).
 *
 * kafkajs retries each call with its retrier (`retry`); the native admin retries retriable errors
 * itself, per item, so each call is one native call whose time limit is the retrier's budget.
 *
 * Owner: kafka-wire/kafkajs admin.
 */
import { Admin as NativeAdmin } from '../admin/index.js'
import { withRequestObserver } from '../cluster/index.js'
import * as acls from './admin-acls.js'
import * as groups from './admin-groups.js'
import * as offsets from './admin-offsets.js'
import { ADMIN_EVENTS, type AdminEvents, type AdminScope, lastError, retryBudgetMs } from './admin-support.js'
import * as topics from './admin-topics.js'
import type { KafkaJSContext } from './context.js'
import { toKafkaJSRetryError } from './errors.js'
import { KafkaJSInstrumentation } from './instrumentation.js'
import type { KafkaJSLogger } from './logger.js'
import type { InstrumentationEvent, RetryOptions } from './types.js'

export type {
  Acl,
  AclEntry,
  AclFilter,
  AclResource,
  DeleteAclFilterResponses,
  DeleteAclResponse,
  DescribeAclResource,
  DescribeAclResponse,
  ListPartitionReassignmentsResponse,
  MatchingAcl,
  OngoingPartitionReassignment,
  OngoingTopicReassignment,
  PartitionReassignment,
} from './admin-acls.js'
export {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ConfigSource,
  ResourcePatternTypes,
  ResourceTypes,
} from './admin-enums.js'
export type {
  ConfigEntries,
  ConfigSynonyms,
  ConsumerGroupState,
  DeleteGroupsResult,
  DescribeConfigResponse,
  GroupDescription,
  GroupDescriptions,
  GroupOverview,
  IResourceConfig,
  MemberDescription,
  ResourceConfigQuery,
} from './admin-groups.js'
export type { FetchOffsetsPartition } from './admin-offsets.js'
export type { AdminEvents } from './admin-support.js'
/** kafkajs's name of the admin client's type. */
export type Admin = KafkaJSAdmin
export type { ITopicConfig, ITopicMetadata, ITopicPartitionConfig, ReplicaAssignment } from './admin-topics.js'

export interface AdminConfig {
  retry?: RetryOptions
}

export class KafkaJSAdmin {
  /** The event names, for `on()`: CONNECT, DISCONNECT, REQUEST, REQUEST_TIMEOUT, REQUEST_QUEUE_SIZE. */
  readonly events: AdminEvents = ADMIN_EVENTS
  readonly #logger: KafkaJSLogger
  readonly #instrumentation: KafkaJSInstrumentation
  readonly #scope: AdminScope
  #native: Promise<NativeAdmin> | undefined

  constructor(
    readonly context: KafkaJSContext,
    readonly config: AdminConfig = {},
  ) {
    this.#logger = context.logger.namespace('Admin')
    this.#instrumentation = new KafkaJSInstrumentation(ADMIN_EVENTS, 'admin.events', this.#logger)
    const retry = { ...context.retry, ...config.retry }
    const budget = retryBudgetMs(retry)
    this.#scope = {
      native: () => this.#connection(),
      context,
      retry,
      logger: this.#logger,
      callOptions: () => ({ timeoutMs: budget }),
    }
  }

  /** The native admin of the current connection (made on first use when connect() was not called). */
  #connection(): Promise<NativeAdmin> {
    if (this.#native === undefined) {
      const native = this.context
        .clientOptions('Admin')
        .then((options) => new NativeAdmin(withRequestObserver(options, this.#instrumentation.requestObserver)))
      this.#native = native
      // A failed setup is not cached: the next call tries again.
      native.catch(() => {
        if (this.#native === native) this.#native = undefined
      })
    }
    return this.#native
  }

  /** Connects (fetching the cluster's metadata) and emits CONNECT. */
  async connect(): Promise<void> {
    const admin = await this.#connection()
    // kafkajs connects under the Kafka-level retrier, each attempt bounded by connectionTimeout.
    const retry = this.context.retry
    const attempts = Math.min(retry.retries ?? 5, 50) + 1
    const timeoutMs = retryBudgetMs(retry, 0) + (this.context.config.connectionTimeout ?? 1000) * attempts
    try {
      await admin.describeCluster({ timeoutMs })
    } catch (e) {
      throw toKafkaJSRetryError(lastError(e), { retryCount: attempts - 1, retryTime: timeoutMs })
    }
    this.#instrumentation.emit(ADMIN_EVENTS.CONNECT)
  }

  /** Closes every connection and emits DISCONNECT; the admin may connect again. */
  async disconnect(): Promise<void> {
    const native = this.#native
    this.#native = undefined
    if (native !== undefined) await (await native.catch(() => undefined))?.close()
    this.#instrumentation.emit(ADMIN_EVENTS.DISCONNECT)
  }

  logger(): KafkaJSLogger {
    return this.#logger
  }

  /**
   * Listens to an event (`admin.events.*`); returns the function that removes the listener. A
   * listener's error is logged. REQUEST, REQUEST_TIMEOUT and REQUEST_QUEUE_SIZE describe the admin's
   * own requests (instrumentation.ts).
   */
  on(eventName: string, listener: (event: InstrumentationEvent<any>) => unknown): () => void {
    return this.#instrumentation.on(eventName, listener)
  }

  // Topics, partitions, metadata (admin-topics.ts)

  listTopics(): Promise<string[]> {
    return topics.listTopics(this.#scope)
  }

  createTopics(options: topics.CreateTopicsRequest): Promise<boolean> {
    return topics.createTopics(this.#scope, options)
  }

  deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void> {
    return topics.deleteTopics(this.#scope, options)
  }

  createPartitions(options: topics.CreatePartitionsRequest): Promise<boolean> {
    return topics.createPartitions(this.#scope, options)
  }

  fetchTopicMetadata(options?: { topics: string[] }): Promise<{ topics: Array<topics.ITopicMetadata> }> {
    return topics.fetchTopicMetadata(this.#scope, options)
  }

  describeCluster(): Promise<topics.ClusterMetadata> {
    return topics.describeCluster(this.#scope)
  }

  // Offsets and records (admin-offsets.ts)

  fetchOffsets(options: {
    groupId: string
    topics?: string[]
    resolveOffsets?: boolean
  }): Promise<Array<{ topic: string; partitions: offsets.FetchOffsetsPartition[] }>> {
    return offsets.fetchOffsets(this.#scope, options)
  }

  fetchTopicOffsets(topic: string): Promise<Array<offsets.SeekEntry & { high: string; low: string }>> {
    return offsets.fetchTopicOffsets(this.#scope, topic)
  }

  fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<Array<offsets.SeekEntry>> {
    return offsets.fetchTopicOffsetsByTimestamp(this.#scope, topic, timestamp)
  }

  setOffsets(options: { groupId: string; topic: string; partitions: offsets.SeekEntry[] }): Promise<void> {
    return offsets.setOffsets(this.#scope, options)
  }

  resetOffsets(options: { groupId: string; topic: string; earliest: boolean }): Promise<void> {
    return offsets.resetOffsets(this.#scope, options)
  }

  deleteTopicRecords(options: { topic: string; partitions: offsets.SeekEntry[] }): Promise<void> {
    return offsets.deleteTopicRecords(this.#scope, options)
  }

  // Configs and groups (admin-groups.ts)

  describeConfigs(configs: {
    resources: groups.ResourceConfigQuery[]
    includeSynonyms: boolean
  }): Promise<groups.DescribeConfigResponse> {
    return groups.describeConfigs(this.#scope, configs)
  }

  alterConfigs(configs: { validateOnly: boolean; resources: groups.IResourceConfig[] }): Promise<any> {
    return groups.alterConfigs(this.#scope, configs)
  }

  listGroups(): Promise<{ groups: groups.GroupOverview[] }> {
    return groups.listGroups(this.#scope)
  }

  describeGroups(groupIds: string[]): Promise<groups.GroupDescriptions> {
    return groups.describeGroups(this.#scope, groupIds)
  }

  deleteGroups(groupIds: string[]): Promise<groups.DeleteGroupsResult[]> {
    return groups.deleteGroups(this.#scope, groupIds)
  }

  // ACLs and reassignments (admin-acls.ts)

  describeAcls(options: acls.AclFilter): Promise<acls.DescribeAclResponse> {
    return acls.describeAcls(this.#scope, options)
  }

  deleteAcls(options: { filters: acls.AclFilter[] }): Promise<acls.DeleteAclResponse> {
    return acls.deleteAcls(this.#scope, options)
  }

  createAcls(options: { acl: acls.AclEntry[] }): Promise<boolean> {
    return acls.createAcls(this.#scope, options)
  }

  alterPartitionReassignments(request: { topics: acls.PartitionReassignment[]; timeout?: number }): Promise<void> {
    return acls.alterPartitionReassignments(this.#scope, request)
  }

  listPartitionReassignments(request: {
    topics?: acls.TopicPartitions[]
    timeout?: number
  }): Promise<acls.ListPartitionReassignmentsResponse> {
    return acls.listPartitionReassignments(this.#scope, request)
  }
}

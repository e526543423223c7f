/**
 * The Admin client: topics, partitions, configs, groups, offsets, records, ACLs and SCRAM users.
 *
 * Owns one Cluster (connections, metadata, coordinators) and routes each request the way Java's
 * KafkaAdminClient does: topic creation/deletion to the controller, partition requests to each
 * partition's leader, group requests to the group's coordinator, broker configs to that broker,
 * everything else to any broker. Every call runs through `drive()` (driver.ts): per-item results,
 * per-item retries of retriable errors (with metadata / coordinator refresh) until the call's
 * deadline, and an AdminAggregateError naming every failed item.
 *
 * Request building and response mapping live in the pure modules beside this file (topics.ts,
 * configs.ts, groups.ts, offsets.ts, acls.ts, scram.ts); this file does the routing and I/O only.
 */
import { backoff, Cluster, raceWith, resolveClientOptions, sleep } from '../cluster/index.js'
import {
  brokerError,
  ClosedError,
  ConfigError,
  ConnectionError,
  KafkaError,
  UnsupportedVersionError,
} from '../errors.js'
import { type ApiSchema, Apis, type RequestOf, type ResponseOf } from '../protocol/index.js'
import {
  aclsFromDescribe,
  bindingLabel,
  buildCreateAclsRequest,
  buildDeleteAclsRequest,
  buildDescribeAclsRequest,
  filterLabel,
  handleCreateAclsResponse,
  handleDeleteAclsResponse,
  normalizeBinding,
} from './acls.js'
import {
  ErrorCode,
  groupBy,
  invalidArgument,
  requireNonEmptyString,
  requireUnique,
  toBigInt,
  topicName,
  tpKey,
  tpName,
} from './common.js'
import {
  buildDescribeConfigsRequest,
  buildIncrementalAlterConfigsRequest,
  handleDescribeConfigsResponse,
  handleIncrementalAlterConfigsResponse,
  resourceKey,
  resourceName,
  resourceNode,
  validateAlterResources,
  validateResources,
} from './configs.js'
import { type DriveOptions, type DriveResult, drive, RoundReport, settle, throwIfAborted } from './driver.js'
import { AdminAggregateError } from './errors.js'
import {
  buildListGroupsRequest,
  groupListings,
  handleConsumerGroupDescribeResponse,
  handleDeleteGroupsResponse,
  handleDescribeGroupsResponse,
  mergeGroupListings,
} from './groups.js'
import {
  buildDeleteRecordsRequest,
  buildListOffsetsRequest,
  buildOffsetCommitRequest,
  buildOffsetDeleteRequest,
  buildOffsetFetchRequest,
  type FetchedGroupOffsets,
  handleDeleteRecordsResponse,
  handleListOffsetsResponse,
  handleOffsetCommitResponse,
  handleOffsetDeleteResponse,
  type LeaderQuery,
  MAX_OFFSET_COMMIT_VERSION,
  MAX_OFFSET_FETCH_VERSION,
  mapOffsetFetchResponse,
  minListOffsetsVersion,
  specTimestamp,
  unsupportedSpecError,
  validatePartitions,
} from './offsets.js'
import {
  buildAlterScramRequest,
  handleAlterScramResponse,
  handleDescribeScramResponse,
  prepareAlterations,
  validateAlterations,
} from './scram.js'
import {
  buildCreatePartitionsRequest,
  buildCreateTopicsRequest,
  buildDeleteTopicsRequest,
  buildMetadataRequest,
  clusterFromDescribeCluster,
  clusterFromMetadata,
  handleCreatePartitionsResponse,
  handleCreateTopicsResponse,
  handleDeleteTopicsResponse,
  handleDescribeTopicsMetadata,
  topicListings,
  topicsReady,
  validateNewPartitions,
  validateNewTopics,
} from './topics.js'
import type {
  AclBinding,
  AclBindingFilter,
  AdminCallOptions,
  AdminOptions,
  AlterConfigsResource,
  ClusterDescription,
  ConfigResource,
  ConfigResourceDescription,
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
  ScramCredentialAlteration,
  TopicDescription,
  TopicListing,
  UserScramCredentials,
} from './types.js'

const DEFAULT_API_TIMEOUT_MS = 60_000

/** One admin call in progress. */
interface Call {
  readonly deadline: number
  readonly signal: AbortSignal
}

type AnyApi = ApiSchema<any, any>

/** Names of the admin client's own options (the rest must be shared options). */
const ADMIN_OPTION_NAMES: ReadonlySet<string> = new Set<keyof AdminOptions>(['defaultApiTimeoutMs'])

export class Admin implements AsyncDisposable {
  readonly #cluster: Cluster
  readonly #defaultApiTimeoutMs: number
  readonly #requestTimeoutMs: number
  readonly #retryBackoffMs: number
  readonly #retryBackoffMaxMs: number
  readonly #closer = new AbortController()
  #closing: Promise<void> | undefined
  #nextNode = 0

  constructor(options: AdminOptions) {
    const { common: resolved, own } = resolveClientOptions(options, ADMIN_OPTION_NAMES, 'admin')
    const defaultApiTimeoutMs = own.defaultApiTimeoutMs
    if (
      defaultApiTimeoutMs !== undefined &&
      (typeof defaultApiTimeoutMs !== 'number' || !Number.isInteger(defaultApiTimeoutMs) || defaultApiTimeoutMs <= 0)
    ) {
      throw new ConfigError('defaultApiTimeoutMs', 'must be a positive integer (milliseconds)')
    }
    this.#cluster = new Cluster(resolved)
    this.#defaultApiTimeoutMs = defaultApiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS
    this.#requestTimeoutMs = resolved.requestTimeoutMs ?? 30_000
    this.#retryBackoffMs = resolved.retryBackoffMs ?? 100
    this.#retryBackoffMaxMs = resolved.retryBackoffMaxMs ?? 1000
  }

  /** Closes every connection; pending calls reject with ClosedError. Idempotent. */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closer.abort(new ClosedError('The admin client was closed'))
      this.#closing = this.#cluster.close()
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
  async createTopics(topics: readonly NewTopic[], options: CreateTopicsOptions = {}): Promise<CreatedTopic[]> {
    const call = this.#begin(options)
    validateNewTopics(topics)
    if (topics.length === 0) return []
    await this.#connect(call)
    const byName = new Map(topics.map((t) => [t.topic, t]))
    const keys = [...byName.keys()]
    const outcome = await drive<CreatedTopic>(
      keys,
      async (pending, report) => {
        const node = await this.#controllerNode(call)
        const { response } = await this.#send(call, node, Apis.CreateTopics, () =>
          buildCreateTopicsRequest(
            pending.map((k) => byName.get(k)!),
            { validateOnly: options.validateOnly ?? false, timeoutMs: this.#requestTimeout(call) },
          ),
        )
        handleCreateTopicsResponse(response, report, Apis.CreateTopics.apiKey)
      },
      this.#driveOptions(call),
    )
    if (!options.validateOnly && (options.waitForMetadata ?? true) && outcome.results.size > 0) {
      await this.#awaitTopicsVisible(
        call,
        new Map([...outcome.results.values()].map((t) => [t.topic, Math.max(1, t.numPartitions)])),
      )
    }
    return settle('createTopics', 'topics', keys, outcome, topicName)
  }

  /** Deletes topics (and their data). Rejects with an AdminAggregateError naming each topic that could not be deleted. */
  async deleteTopics(topics: readonly string[], options: DeleteTopicsOptions = {}): Promise<void> {
    const call = this.#begin(options)
    for (const t of topics) requireNonEmptyString(t, 'topic name')
    requireUnique(topics, 'topic')
    if (topics.length === 0) return
    await this.#connect(call)
    const outcome = await drive<string>(
      topics,
      async (pending, report) => {
        const node = await this.#controllerNode(call)
        const { response } = await this.#send(call, node, Apis.DeleteTopics, (version) =>
          buildDeleteTopicsRequest(pending, version, this.#requestTimeout(call)),
        )
        handleDeleteTopicsResponse(response, report, Apis.DeleteTopics.apiKey)
      },
      this.#driveOptions(call),
    )
    settle('deleteTopics', 'topics', topics, outcome, topicName)
  }

  /** Lists topics, sorted by name (internal ones only with `includeInternal`). */
  async listTopics(options: ListTopicsOptions = {}): Promise<TopicListing[]> {
    const call = this.#begin(options)
    await this.#connect(call)
    return this.#single(call, async () => {
      const node = await this.#anyNode(call)
      const { response } = await this.#send(call, node, Apis.Metadata, (version) => buildMetadataRequest(null, version))
      return topicListings(response, options.includeInternal ?? false)
    })
  }

  /**
   * Describes topics: id, partitions with leader, leader epoch, replicas, ISR and offline
   * replicas, and (with `includeConfigs`) configs. A topic that does not exist fails at once with
   * UNKNOWN_TOPIC_OR_PARTITION naming it; the others are still described (see AdminAggregateError.succeeded).
   */
  async describeTopics(topics: readonly string[], options: DescribeTopicsOptions = {}): Promise<TopicDescription[]> {
    const call = this.#begin(options)
    for (const t of topics) requireNonEmptyString(t, 'topic name')
    requireUnique(topics, 'topic')
    if (topics.length === 0) return []
    await this.#connect(call)
    const outcome = await drive<TopicDescription>(
      topics,
      async (pending, report) => {
        const node = await this.#anyNode(call)
        const { response } = await this.#send(call, node, Apis.Metadata, (version) =>
          buildMetadataRequest(pending, version),
        )
        handleDescribeTopicsMetadata(response, report, Apis.Metadata.apiKey)
      },
      this.#driveOptions(call),
    )
    if (options.includeConfigs) {
      const described = topics.filter((t) => outcome.results.has(t))
      const configs = await this.#describeConfigs(
        call,
        described.map((name) => ({ type: 'topic' as const, name })),
        { includeSynonyms: false, includeDocumentation: false },
      )
      for (const name of described) {
        const key = resourceKey({ type: 'topic', name })
        const error = configs.errors.get(key)
        if (error !== undefined) {
          outcome.results.delete(name)
          outcome.errors.set(name, error)
        } else {
          outcome.results.get(name)!.configs = configs.results.get(key)!.configs
        }
      }
    }
    return settle('describeTopics', 'topics', topics, outcome, topicName)
  }

  /** Raises topics' partition counts. Rejects with an AdminAggregateError naming each topic that failed. */
  async createPartitions(items: readonly NewPartitions[], options: CreatePartitionsOptions = {}): Promise<void> {
    const call = this.#begin(options)
    validateNewPartitions(items)
    if (items.length === 0) return
    await this.#connect(call)
    const byName = new Map(items.map((p) => [p.topic, p]))
    const keys = [...byName.keys()]
    const outcome = await drive<string>(
      keys,
      async (pending, report) => {
        const node = await this.#controllerNode(call)
        const { response } = await this.#send(call, node, Apis.CreatePartitions, () =>
          buildCreatePartitionsRequest(
            pending.map((k) => byName.get(k)!),
            { validateOnly: options.validateOnly ?? false, timeoutMs: this.#requestTimeout(call) },
          ),
        )
        handleCreatePartitionsResponse(response, report, Apis.CreatePartitions.apiKey)
      },
      this.#driveOptions(call),
    )
    if (!options.validateOnly && (options.waitForMetadata ?? true) && outcome.results.size > 0) {
      await this.#awaitTopicsVisible(call, new Map([...outcome.results.keys()].map((t) => [t, byName.get(t)!.count])))
    }
    // Our own metadata cache should see the new partitions at once.
    this.#cluster.requestMetadataRefresh()
    settle('createPartitions', 'topics', keys, outcome, topicName)
  }

  // -------------------------------------------------------------------------------------------
  // Cluster

  /** The cluster id, the brokers and the controller (DescribeCluster; Metadata on brokers before 2.8). */
  async describeCluster(options: AdminCallOptions = {}): Promise<ClusterDescription> {
    const call = this.#begin(options)
    await this.#connect(call)
    return this.#single(call, async () => {
      const node = await this.#anyNode(call)
      let supported = true
      try {
        await this.#versionFor(call, node, Apis.DescribeCluster)
      } catch (e) {
        if (!(e instanceof UnsupportedVersionError)) throw e
        supported = false
      }
      if (!supported) {
        const { response } = await this.#send(call, node, Apis.Metadata, (version) => buildMetadataRequest([], version))
        return clusterFromMetadata(response)
      }
      const { response } = await this.#send(call, node, Apis.DescribeCluster, () => ({
        includeClusterAuthorizedOperations: false,
      }))
      if (response.errorCode !== ErrorCode.NONE) {
        throw brokerError(response.errorCode, response.errorMessage, {
          apiKey: Apis.DescribeCluster.apiKey,
          broker: node,
        })
      }
      return clusterFromDescribeCluster(response)
    })
  }

  // -------------------------------------------------------------------------------------------
  // Configs

  /**
   * Describes the configs of topics, brokers, broker loggers, groups or client-metrics resources.
   * Broker resources (name = broker id) are asked of that broker.
   */
  async describeConfigs(
    resources: readonly DescribeConfigResource[],
    options: DescribeConfigsOptions = {},
  ): Promise<ConfigResourceDescription[]> {
    const call = this.#begin(options)
    validateResources(resources)
    if (resources.length === 0) return []
    await this.#connect(call)
    const outcome = await this.#describeConfigs(call, resources, {
      includeSynonyms: options.includeSynonyms ?? false,
      includeDocumentation: options.includeDocumentation ?? false,
    })
    const byKey = new Map(resources.map((r) => [resourceKey(r), r]))
    return settle('describeConfigs', 'resources', [...byKey.keys()], outcome, (k) => resourceName(byKey.get(k)!))
  }

  async #describeConfigs(
    call: Call,
    resources: readonly DescribeConfigResource[],
    flags: { includeSynonyms: boolean; includeDocumentation: boolean },
  ) {
    const byKey = new Map(resources.map((r) => [resourceKey(r), r]))
    return drive<ConfigResourceDescription>(
      [...byKey.keys()],
      async (pending, report) => {
        const groups = groupBy(pending, (k) => resourceNode(byKey.get(k)!))
        await this.#fanOut(call, report, groups, async (target, keys) => {
          const node = target ?? (await this.#anyNode(call))
          const { response } = await this.#send(call, node, Apis.DescribeConfigs, () =>
            buildDescribeConfigsRequest(
              keys.map((k) => byKey.get(k)!),
              flags,
            ),
          )
          handleDescribeConfigsResponse(response, report, Apis.DescribeConfigs.apiKey, node)
        })
      },
      this.#driveOptions(call),
    )
  }

  /**
   * Changes individual config entries ('set', 'delete', 'append' or 'subtract' each), leaving the
   * others as they are. Rejects with an AdminAggregateError naming each resource that failed.
   */
  async incrementalAlterConfigs(
    resources: readonly AlterConfigsResource[],
    options: IncrementalAlterConfigsOptions = {},
  ): Promise<void> {
    const call = this.#begin(options)
    validateAlterResources(resources)
    if (resources.length === 0) return
    await this.#connect(call)
    const byKey = new Map(resources.map((r) => [resourceKey(r), r]))
    const keys = [...byKey.keys()]
    const outcome = await drive<ConfigResource>(
      keys,
      async (pending, report) => {
        const groups = groupBy(pending, (k) => resourceNode(byKey.get(k)!))
        await this.#fanOut(call, report, groups, async (target, keys) => {
          const node = target ?? (await this.#anyNode(call))
          const { response } = await this.#send(call, node, Apis.IncrementalAlterConfigs, () =>
            buildIncrementalAlterConfigsRequest(
              keys.map((k) => byKey.get(k)!),
              options.validateOnly ?? false,
            ),
          )
          handleIncrementalAlterConfigsResponse(response, report, Apis.IncrementalAlterConfigs.apiKey, node)
        })
      },
      this.#driveOptions(call),
    )
    settle('incrementalAlterConfigs', 'resources', keys, outcome, (k) => resourceName(byKey.get(k)!))
  }

  // -------------------------------------------------------------------------------------------
  // Groups

  /**
   * Lists the groups of the cluster (asking every broker: each lists the groups it coordinates),
   * sorted by id. `states` and `types` filter on the broker.
   */
  async listGroups(options: ListGroupsOptions = {}): Promise<GroupListing[]> {
    const call = this.#begin(options)
    await this.#connect(call)
    await this.#refreshMetadata(call)
    const nodes = [...this.#cluster.brokers.keys()].map(String)
    const outcome = await drive<GroupListing[]>(
      nodes,
      async (pending, report) => {
        await this.#fanOut(call, report, new Map(pending.map((k) => [Number(k), [k]])), async (node, keys) => {
          const { response } = await this.#send(call, node, Apis.ListGroups, () => buildListGroupsRequest(options))
          if (response.errorCode !== ErrorCode.NONE) {
            const error = brokerError(response.errorCode, `broker ${node}`, {
              apiKey: Apis.ListGroups.apiKey,
              broker: node,
            })
            report.failAll(keys, error, error.retriable)
          } else {
            report.ok(keys[0]!, groupListings(response))
          }
        })
      },
      this.#driveOptions(call),
    )
    if (outcome.errors.size > 0) {
      throw new AdminAggregateError<GroupListing>(
        'listGroups',
        'brokers',
        [...outcome.errors].map(([k, error]) => ({ label: `broker ${k}`, error })),
        mergeGroupListings([...outcome.results.values()]).map((g) => ({ label: g.groupId, value: g })),
      )
    }
    return mergeGroupListings([...outcome.results.values()])
  }

  /**
   * Describes groups: state, assignor, members with client id, host and assigned partitions.
   * 'consumer' (KIP-848) groups are described with ConsumerGroupDescribe, classic groups with
   * DescribeGroups (assignments decoded from the consumer protocol). A group that does not exist
   * fails with GROUP_ID_NOT_FOUND naming it.
   */
  async describeGroups(groupIds: readonly string[], options: AdminCallOptions = {}): Promise<GroupDescription[]> {
    const call = this.#begin(options)
    this.#checkGroupIds(groupIds)
    if (groupIds.length === 0) return []
    await this.#connect(call)
    const invalidate = (g: string) => this.#cluster.invalidateCoordinator('group', g)
    const outcome = await drive<GroupDescription>(
      groupIds,
      async (pending, report) => {
        const coordinators = await this.#coordinators(call, pending, report)
        await this.#fanOut(
          call,
          report,
          coordinators,
          async (node, groups) => {
            let classic = groups
            let newProtocol = true
            try {
              await this.#versionFor(call, node, Apis.ConsumerGroupDescribe)
            } catch (e) {
              if (!(e instanceof UnsupportedVersionError)) throw e
              newProtocol = false
            }
            if (newProtocol) {
              const { response } = await this.#send(call, node, Apis.ConsumerGroupDescribe, () => ({
                groupIds: groups,
                includeAuthorizedOperations: false,
              }))
              classic = handleConsumerGroupDescribeResponse(
                response,
                report,
                Apis.ConsumerGroupDescribe.apiKey,
                node,
                invalidate,
              )
            }
            if (classic.length === 0) return
            const { response } = await this.#send(call, node, Apis.DescribeGroups, () => ({
              groups: classic,
              includeAuthorizedOperations: false,
            }))
            handleDescribeGroupsResponse(response, report, Apis.DescribeGroups.apiKey, node, invalidate)
          },
          (_node, groups) => groups.forEach(invalidate),
        )
      },
      this.#driveOptions(call),
    )
    return settle('describeGroups', 'groups', groupIds, outcome, (g) => `group ${g}`)
  }

  /** Deletes groups (they must be empty). Rejects with an AdminAggregateError naming each group that failed. */
  async deleteGroups(groupIds: readonly string[], options: AdminCallOptions = {}): Promise<void> {
    const call = this.#begin(options)
    this.#checkGroupIds(groupIds)
    if (groupIds.length === 0) return
    await this.#connect(call)
    const invalidate = (g: string) => this.#cluster.invalidateCoordinator('group', g)
    const outcome = await drive<string>(
      groupIds,
      async (pending, report) => {
        const coordinators = await this.#coordinators(call, pending, report)
        await this.#fanOut(
          call,
          report,
          coordinators,
          async (node, groups) => {
            const { response } = await this.#send(call, node, Apis.DeleteGroups, () => ({ groupsNames: groups }))
            handleDeleteGroupsResponse(response, report, Apis.DeleteGroups.apiKey, node, invalidate)
          },
          (_node, groups) => groups.forEach(invalidate),
        )
      },
      this.#driveOptions(call),
    )
    settle('deleteGroups', 'groups', groupIds, outcome, (g) => `group ${g}`)
  }

  // -------------------------------------------------------------------------------------------
  // Offsets and records

  /**
   * Looks up offsets by spec ('earliest', 'latest', 'max-timestamp' or a timestamp), asking each
   * partition's leader. Leader moves are followed within the call's timeout.
   */
  async listOffsets(
    queries: readonly ListOffsetsQuery[],
    options: ListOffsetsOptions = {},
  ): Promise<ListOffsetsResultInfo[]> {
    const call = this.#begin(options)
    validatePartitions(queries, 'ListOffsetsQuery')
    const byKey = new Map(queries.map((q) => [tpKey(q.topic, q.partition), { ...q, timestamp: specTimestamp(q.spec) }]))
    if (queries.length === 0) return []
    await this.#connect(call)
    const keys = [...byKey.keys()]
    const topics = [...new Set(queries.map((q) => q.topic))]
    const outcome = await drive<ListOffsetsResultInfo>(
      keys,
      async (pending, report) => {
        const leaders = await this.#leaders(call, pending, report)
        await this.#fanOut(call, report, leaders.groups, async (node, keys) => {
          const version = await this.#versionFor(call, node, Apis.ListOffsets)
          const queries: LeaderQuery[] = []
          for (const k of keys) {
            const q = byKey.get(k)!
            if (version < minListOffsetsVersion(q.timestamp)) report.fail(k, unsupportedSpecError(q, version))
            else queries.push({ ...q, currentLeaderEpoch: leaders.epochs.get(k) ?? -1 })
          }
          if (queries.length === 0) return
          const { response } = await this.#send(call, node, Apis.ListOffsets, () =>
            buildListOffsetsRequest(queries, {
              isolationLevel: options.isolationLevel ?? 'read_uncommitted',
              timeoutMs: this.#requestTimeout(call),
            }),
          )
          handleListOffsetsResponse(response, report, Apis.ListOffsets.apiKey, node)
        })
      },
      this.#driveOptions(call, topics),
    )
    return settle('listOffsets', 'partitions', keys, outcome, tpName)
  }

  /**
   * Deletes the records of partitions below `beforeOffset` (advancing their log start offset),
   * asking each partition's leader. Resolves with each partition's new low watermark.
   */
  async deleteRecords(
    items: readonly DeleteRecordsRequestItem[],
    options: AdminCallOptions = {},
  ): Promise<DeletedRecords[]> {
    const call = this.#begin(options)
    validatePartitions(items, 'DeleteRecordsRequestItem')
    const byKey = new Map(
      items.map((i) => [tpKey(i.topic, i.partition), { ...i, offset: toBigInt(i.beforeOffset, 'beforeOffset') }]),
    )
    if (items.length === 0) return []
    await this.#connect(call)
    const keys = [...byKey.keys()]
    const topics = [...new Set(items.map((i) => i.topic))]
    const outcome = await drive<DeletedRecords>(
      keys,
      async (pending, report) => {
        const leaders = await this.#leaders(call, pending, report)
        await this.#fanOut(call, report, leaders.groups, async (node, keys) => {
          const { response } = await this.#send(call, node, Apis.DeleteRecords, () =>
            buildDeleteRecordsRequest(
              keys.map((k) => byKey.get(k)!),
              this.#requestTimeout(call),
            ),
          )
          handleDeleteRecordsResponse(response, report, Apis.DeleteRecords.apiKey, node)
        })
      },
      this.#driveOptions(call, topics),
    )
    return settle('deleteRecords', 'partitions', keys, outcome, tpName)
  }

  /**
   * The committed offsets of a group (all its partitions, or just `partitions`), from its
   * coordinator. Partitions without a committed offset are left out.
   */
  async listConsumerGroupOffsets(
    groupId: string,
    partitions?: readonly GroupTopicPartition[] | null,
    options: ListConsumerGroupOffsetsOptions = {},
  ): Promise<ConsumerGroupOffset[]> {
    const call = this.#begin(options)
    requireNonEmptyString(groupId, 'groupId')
    if (partitions) validatePartitions(partitions, 'GroupTopicPartition')
    await this.#connect(call)
    const fetched = await this.#single<FetchedGroupOffsets>(call, async (report) => {
      return this.#withCoordinator(call, groupId, async (node) => {
        const { response, version } = await this.#send(
          call,
          node,
          Apis.OffsetFetch,
          (version) => buildOffsetFetchRequest(groupId, partitions ?? null, version, options.requireStable ?? false),
          MAX_OFFSET_FETCH_VERSION,
        )
        const result = mapOffsetFetchResponse(response, groupId, version, Apis.OffsetFetch.apiKey, node)
        if (result.retry !== null) {
          if (result.retry.code === 'NOT_COORDINATOR' || result.retry.code === 'COORDINATOR_NOT_AVAILABLE') {
            this.#cluster.invalidateCoordinator('group', groupId)
          }
          report.retry('call', result.retry)
          return undefined
        }
        return result
      })
    })
    if (fetched.errors.length > 0) {
      throw new AdminAggregateError<ConsumerGroupOffset>(
        'listConsumerGroupOffsets',
        'partitions',
        fetched.errors.map((error) => ({ label: `${error.topic}-${error.partition}`, error })),
        fetched.offsets.map((o) => ({ label: `${o.topic}-${o.partition}`, value: o })),
      )
    }
    return fetched.offsets
  }

  /**
   * Sets a group's committed offsets (an admin commit: generation -1, no member — the group must
   * have no active members). Rejects with an AdminAggregateError naming each partition that failed.
   */
  async alterConsumerGroupOffsets(
    groupId: string,
    offsets: readonly GroupOffsetUpdate[],
    options: AdminCallOptions = {},
  ): Promise<void> {
    const call = this.#begin(options)
    requireNonEmptyString(groupId, 'groupId')
    validatePartitions(offsets, 'GroupOffsetUpdate')
    const byKey = new Map(
      offsets.map((o) => [tpKey(o.topic, o.partition), { ...o, offset: toBigInt(o.offset, 'offset') }]),
    )
    if (offsets.length === 0) return
    await this.#connect(call)
    const keys = [...byKey.keys()]
    const outcome = await drive<GroupTopicPartition>(
      keys,
      async (pending, report) => {
        await this.#withCoordinator(call, groupId, async (node) => {
          const { response } = await this.#send(
            call,
            node,
            Apis.OffsetCommit,
            () =>
              buildOffsetCommitRequest(
                groupId,
                pending.map((k) => byKey.get(k)!),
              ),
            MAX_OFFSET_COMMIT_VERSION,
          )
          handleOffsetCommitResponse(response, groupId, report, Apis.OffsetCommit.apiKey, node, () =>
            this.#cluster.invalidateCoordinator('group', groupId),
          )
        })
      },
      this.#driveOptions(call),
    )
    settle('alterConsumerGroupOffsets', 'partitions', keys, outcome, tpName)
  }

  /**
   * Deletes a group's committed offsets for some partitions (OffsetDelete); the group must not be
   * subscribed to their topics. A group-level failure (e.g. GROUP_ID_NOT_FOUND) rejects with that
   * error, naming the group; partition failures with an AdminAggregateError naming each.
   */
  async deleteConsumerGroupOffsets(
    groupId: string,
    partitions: readonly GroupTopicPartition[],
    options: AdminCallOptions = {},
  ): Promise<void> {
    const call = this.#begin(options)
    requireNonEmptyString(groupId, 'groupId')
    validatePartitions(partitions, 'GroupTopicPartition')
    if (partitions.length === 0) return
    await this.#connect(call)
    const byKey = new Map(partitions.map((p) => [tpKey(p.topic, p.partition), p]))
    const keys = [...byKey.keys()]
    const outcome = await drive<GroupTopicPartition>(
      keys,
      async (pending, report) => {
        await this.#withCoordinator(call, groupId, async (node) => {
          const { response } = await this.#send(call, node, Apis.OffsetDelete, () =>
            buildOffsetDeleteRequest(
              groupId,
              pending.map((k) => byKey.get(k)!),
            ),
          )
          handleOffsetDeleteResponse(response, groupId, report, Apis.OffsetDelete.apiKey, node)
        })
      },
      this.#driveOptions(call),
    )
    settle('deleteConsumerGroupOffsets', 'partitions', keys, outcome, tpName)
  }

  // -------------------------------------------------------------------------------------------
  // ACLs

  /** The ACLs matching `filter` (default: all). Needs an authorizer on the brokers (else SECURITY_DISABLED). */
  async describeAcls(filter: AclBindingFilter = {}, options: AdminCallOptions = {}): Promise<AclBinding[]> {
    const call = this.#begin(options)
    const request = buildDescribeAclsRequest(filter)
    await this.#connect(call)
    return this.#single(call, async () => {
      const node = await this.#anyNode(call)
      const { response } = await this.#send(call, node, Apis.DescribeAcls, () => request)
      return aclsFromDescribe(response, filter, Apis.DescribeAcls.apiKey)
    })
  }

  /** Creates ACLs. Rejects with an AdminAggregateError naming each binding that could not be created. */
  async createAcls(bindings: readonly NewAclBinding[], options: AdminCallOptions = {}): Promise<void> {
    const call = this.#begin(options)
    const normalized = bindings.map(normalizeBinding)
    buildCreateAclsRequest(normalized) // validates the enums before any I/O
    if (normalized.length === 0) return
    await this.#connect(call)
    const keys = normalized.map((_, i) => String(i))
    const outcome = await drive<AclBinding>(
      keys,
      async (pending, report) => {
        const node = await this.#anyNode(call)
        const list = pending.map((k) => normalized[Number(k)]!)
        const { response } = await this.#send(call, node, Apis.CreateAcls, () => buildCreateAclsRequest(list))
        handleCreateAclsResponse(response, list, pending, report, Apis.CreateAcls.apiKey)
      },
      this.#driveOptions(call),
    )
    settle('createAcls', 'ACL bindings', keys, outcome, (k) => bindingLabel(normalized[Number(k)]!))
  }

  /** Deletes the ACLs matching each filter; resolves with what each filter deleted. */
  async deleteAcls(
    filters: readonly AclBindingFilter[],
    options: AdminCallOptions = {},
  ): Promise<DeleteAclsFilterResult[]> {
    const call = this.#begin(options)
    buildDeleteAclsRequest(filters) // validates the enums before any I/O
    if (filters.length === 0) return []
    await this.#connect(call)
    const keys = filters.map((_, i) => String(i))
    const outcome = await drive<DeleteAclsFilterResult>(
      keys,
      async (pending, report) => {
        const node = await this.#anyNode(call)
        const list = pending.map((k) => filters[Number(k)]!)
        const { response } = await this.#send(call, node, Apis.DeleteAcls, () => buildDeleteAclsRequest(list))
        handleDeleteAclsResponse(response, list, pending, report, Apis.DeleteAcls.apiKey)
      },
      this.#driveOptions(call),
    )
    return settle('deleteAcls', 'ACL filters', keys, outcome, (k) => filterLabel(filters[Number(k)]!))
  }

  // -------------------------------------------------------------------------------------------
  // SCRAM credentials

  /**
   * The SCRAM credentials (mechanism and iterations; never secrets) of `users`, or of every user
   * with credentials. A listed user without credentials fails with RESOURCE_NOT_FOUND naming it.
   */
  async describeUserScramCredentials(
    users?: readonly string[] | null,
    options: AdminCallOptions = {},
  ): Promise<UserScramCredentials[]> {
    const call = this.#begin(options)
    if (users) {
      for (const u of users) requireNonEmptyString(u, 'user')
      requireUnique(users, 'user')
      if (users.length === 0) return []
    }
    await this.#connect(call)
    if (!users) {
      return this.#single(call, async () => {
        const node = await this.#anyNode(call)
        const { response } = await this.#send(call, node, Apis.DescribeUserScramCredentials, () => ({ users: null }))
        const report = new RoundReport<UserScramCredentials>()
        handleDescribeScramResponse(response, report, Apis.DescribeUserScramCredentials.apiKey)
        return [...report.results.values()].sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0))
      })
    }
    const outcome = await drive<UserScramCredentials>(
      users,
      async (pending, report) => {
        const node = await this.#anyNode(call)
        const { response } = await this.#send(call, node, Apis.DescribeUserScramCredentials, () => ({
          users: pending.map((name) => ({ name })),
        }))
        handleDescribeScramResponse(response, report, Apis.DescribeUserScramCredentials.apiKey)
      },
      this.#driveOptions(call),
    )
    return settle('describeUserScramCredentials', 'users', users, outcome, (u) => `user ${u}`)
  }

  /**
   * Creates, updates ('upsert': the salted password is computed here, RFC 5802) or deletes SCRAM
   * credentials. Rejects with an AdminAggregateError naming each user whose alteration failed.
   */
  async alterUserScramCredentials(
    alterations: readonly ScramCredentialAlteration[],
    options: AdminCallOptions = {},
  ): Promise<void> {
    const call = this.#begin(options)
    validateAlterations(alterations)
    if (alterations.length === 0) return
    const prepared = await prepareAlterations(alterations)
    await this.#connect(call)
    const outcome: DriveResult<string> = { results: new Map(), errors: new Map() }
    for (const wave of prepared.waves) {
      // A user that failed in an earlier wave is not altered further.
      const users = wave.map((a) => a.user).filter((u) => !outcome.errors.has(u))
      if (users.length === 0) continue
      const waveOutcome = await drive<string>(
        users,
        async (pending, report) => {
          const node = await this.#anyNode(call)
          const { response } = await this.#send(call, node, Apis.AlterUserScramCredentials, () =>
            buildAlterScramRequest(wave, new Set(pending)),
          )
          handleAlterScramResponse(response, report, Apis.AlterUserScramCredentials.apiKey)
        },
        this.#driveOptions(call),
      )
      for (const [u, e] of waveOutcome.errors) outcome.errors.set(u, e)
      for (const [u, r] of waveOutcome.results) outcome.results.set(u, r)
    }
    for (const u of outcome.errors.keys()) outcome.results.delete(u)
    settle('alterUserScramCredentials', 'users', prepared.users, outcome, (u) => `user ${u}`)
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing

  #begin(options: AdminCallOptions | undefined): Call {
    if (this.#closing !== undefined) throw new ClosedError('The admin client is closed')
    const timeoutMs = options?.timeoutMs ?? this.#defaultApiTimeoutMs
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) throw invalidArgument('timeoutMs must be a number >= 0')
    const signal =
      options?.signal === undefined ? this.#closer.signal : AbortSignal.any([this.#closer.signal, options.signal])
    throwIfAborted(signal)
    return { deadline: Date.now() + timeoutMs, signal }
  }

  #driveOptions(call: Call, topics?: readonly string[]): DriveOptions {
    return {
      deadline: call.deadline,
      signal: call.signal,
      retryBackoffMs: this.#retryBackoffMs,
      retryBackoffMaxMs: this.#retryBackoffMaxMs,
      refreshMetadata: () =>
        this.#cluster.refreshMetadata({
          ...(topics === undefined ? {} : { topics: [...topics] }),
          signal: call.signal,
          timeoutMs: this.#remaining(call),
        }),
    }
  }

  /** Time left for one request: the request timeout, bounded by the call's deadline. */
  #requestTimeout(call: Call): number {
    return Math.max(1, Math.min(this.#requestTimeoutMs, call.deadline - Date.now()))
  }

  /** Bootstraps (idempotent), retrying unreachable bootstrap servers until the call's deadline. */
  async #connect(call: Call): Promise<void> {
    // The bootstrap is shared by every call (and keeps its own deadline): bound the wait by ours.
    await this.#single(call, () =>
      raceWith(
        this.#cluster.connect({ signal: call.signal, timeoutMs: this.#remaining(call) }),
        { signal: call.signal, deadline: call.deadline },
        'bootstrapping',
      ),
    )
  }

  async #refreshMetadata(call: Call): Promise<void> {
    await this.#single(call, () =>
      this.#cluster.refreshMetadata({ signal: call.signal, timeoutMs: this.#remaining(call) }),
    )
  }

  #remaining(call: Call): number {
    return Math.max(1, call.deadline - Date.now())
  }

  /** The version `nodeId` speaks for `api` (connecting if needed), waiting no longer than the call may. */
  #versionFor(call: Call, nodeId: number, api: AnyApi): Promise<number> {
    return raceWith(
      this.#cluster.versionFor(nodeId, api),
      { signal: call.signal, deadline: call.deadline },
      `connecting to broker ${nodeId}`,
    )
  }

  /**
   * Runs a call that has no items of its own: retried as a whole on retriable errors; rejects
   * with its (last) error. `fn` may ask for another round through `report.retry('call', error)`
   * and returning undefined.
   */
  async #single<R>(call: Call, fn: (report: RoundReport<R>) => Promise<R | undefined>): Promise<R> {
    const outcome = await drive<R>(
      ['call'],
      async (_pending, report) => {
        const value = await fn(report)
        if (!report.retries.has('call')) report.ok('call', value as R)
      },
      this.#driveOptions(call),
    )
    const error = outcome.errors.get('call')
    if (error !== undefined) throw error
    return outcome.results.get('call') as R
  }

  /** Sends `build(version)` to `nodeId` at the negotiated version (capped at `maxVersion`). */
  async #send<A extends AnyApi>(
    call: Call,
    nodeId: number,
    api: A,
    build: (version: number) => RequestOf<A>,
    maxVersion: number = api.maxVersion,
  ): Promise<{ response: ResponseOf<A>; version: number }> {
    throwIfAborted(call.signal)
    const version = Math.min(await this.#versionFor(call, nodeId, api), maxVersion)
    const response = await this.#cluster.send(nodeId, api, build(version), {
      workload: 'admin',
      signal: call.signal,
      timeoutMs: this.#requestTimeout(call),
      version,
    })
    return { response, version }
  }

  /** Any known broker, rotating between calls so that one unreachable broker is not asked forever. */
  async #anyNode(call: Call): Promise<number> {
    let ids = [...this.#cluster.brokers.keys()]
    if (ids.length === 0) {
      await this.#cluster.refreshMetadata({ signal: call.signal, timeoutMs: this.#remaining(call) })
      ids = [...this.#cluster.brokers.keys()]
    }
    if (ids.length === 0) throw new ConnectionError('No broker is known yet')
    return ids[this.#nextNode++ % ids.length]!
  }

  /** The controller as metadata reports it (KRaft: a broker that forwards to the quorum), else any broker. */
  async #controllerNode(call: Call): Promise<number> {
    const id = this.#cluster.controllerId
    if (id >= 0 && this.#cluster.brokers.has(id)) return id
    return this.#anyNode(call)
  }

  /**
   * Runs `fn` for each node's share of the pending keys, in parallel. A node whose request fails
   * as a whole reports that error for each of its keys (retried when retriable); abort and close
   * end the call.
   */
  async #fanOut<N>(
    call: Call,
    report: RoundReport<any>,
    groups: ReadonlyMap<N, string[]>,
    fn: (node: N, keys: string[]) => Promise<void>,
    onRetriable?: (node: N, keys: string[]) => void,
  ): Promise<void> {
    await Promise.all(
      [...groups].map(async ([node, keys]) => {
        try {
          await fn(node, keys)
        } catch (e) {
          throwIfAborted(call.signal)
          if (!(e instanceof KafkaError) || e instanceof ClosedError) throw e
          const pending = keys.filter((k) => !report.results.has(k) && !report.errors.has(k))
          report.failAll(pending, e, e.retriable)
          if (e.retriable) {
            report.refreshMetadata = true
            onRetriable?.(node, pending)
          }
        }
      }),
    )
  }

  /**
   * Waits until every broker's metadata shows `expected` (topic → minimum partition count) with
   * leaders: brokers learn of new topics and partitions from the metadata log a moment after the
   * controller answered. Best effort: gives up silently at the call's deadline (the change itself
   * succeeded); an abort or close still rejects.
   */
  async #awaitTopicsVisible(call: Call, expected: ReadonlyMap<string, number>): Promise<void> {
    const topics = [...expected.keys()]
    for (let attempt = 0; ; attempt++) {
      const nodes = [...this.#cluster.brokers.keys()]
      const answers = await Promise.allSettled(
        nodes.map((node) => this.#send(call, node, Apis.Metadata, (version) => buildMetadataRequest(topics, version))),
      )
      throwIfAborted(call.signal)
      if (
        nodes.length > 0 &&
        answers.every((a) => a.status === 'fulfilled' && topicsReady(a.value.response, expected))
      ) {
        return
      }
      const wait = backoff(attempt, this.#retryBackoffMs, this.#retryBackoffMaxMs)
      if (Date.now() + wait >= call.deadline) return
      try {
        await sleep(wait, call.signal)
      } catch {
        throwIfAborted(call.signal)
      }
    }
  }

  /** Finds each group's coordinator; groups whose lookup failed are reported and left out. */
  async #coordinators(
    call: Call,
    groupIds: readonly string[],
    report: RoundReport<any>,
  ): Promise<Map<number, string[]>> {
    const found = await Promise.all(
      groupIds.map(async (g) => {
        try {
          return [
            g,
            await this.#cluster.findCoordinator('group', g, {
              signal: call.signal,
              timeoutMs: this.#requestTimeout(call),
            }),
          ] as const
        } catch (e) {
          throwIfAborted(call.signal)
          if (!(e instanceof KafkaError) || e instanceof ClosedError) throw e
          report.failAll([g], e, e.retriable)
          return null
        }
      }),
    )
    const out = new Map<number, string[]>()
    for (const entry of found) {
      if (entry === null) continue
      const list = out.get(entry[1]) ?? []
      list.push(entry[0])
      out.set(entry[1], list)
    }
    return out
  }

  /** Runs `fn` against the group's coordinator; any retriable failure forgets the coordinator first. */
  async #withCoordinator<T>(call: Call, groupId: string, fn: (node: number) => Promise<T>): Promise<T> {
    const node = await this.#cluster.findCoordinator('group', groupId, {
      signal: call.signal,
      timeoutMs: this.#requestTimeout(call),
    })
    try {
      return await fn(node)
    } catch (e) {
      if (e instanceof KafkaError && e.retriable) this.#cluster.invalidateCoordinator('group', groupId)
      throw e
    }
  }

  /**
   * Each pending partition's leader (from metadata, refreshed when stale). Partitions without a
   * known leader are reported for retry (with a metadata refresh); topics whose metadata lookup
   * failed are reported with that error.
   */
  async #leaders(
    call: Call,
    pending: readonly string[],
    report: RoundReport<any>,
  ): Promise<{ groups: Map<number, string[]>; epochs: Map<string, number> }> {
    const byTopic = groupBy(pending, (k) => k.slice(0, k.lastIndexOf(':')))
    const groups = new Map<number, string[]>()
    const epochs = new Map<string, number>()
    await Promise.all(
      [...byTopic].map(async ([topic, keys]) => {
        let metadata: Awaited<ReturnType<Cluster['topicMetadata']>>
        try {
          metadata = await this.#cluster.topicMetadata([topic], {
            signal: call.signal,
            timeoutMs: this.#remaining(call),
            allowAutoTopicCreation: false,
          })
        } catch (e) {
          throwIfAborted(call.signal)
          if (!(e instanceof KafkaError) || e instanceof ClosedError) throw e
          report.failAll(keys, e, e.retriable)
          return
        }
        const md = metadata.get(topic)
        for (const key of keys) {
          const partition = Number(key.slice(key.lastIndexOf(':') + 1))
          const p = md?.partitions.find((x) => x.partition === partition)
          if (md === undefined || p === undefined) {
            report.retry(key, brokerError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, { topic, partition }))
            report.refreshMetadata = true
          } else if (p.leaderId < 0) {
            report.retry(key, brokerError(ErrorCode.LEADER_NOT_AVAILABLE, null, { topic, partition }))
            report.refreshMetadata = true
          } else {
            epochs.set(key, p.leaderEpoch)
            const list = groups.get(p.leaderId) ?? []
            list.push(key)
            groups.set(p.leaderId, list)
          }
        }
      }),
    )
    return { groups, epochs }
  }

  #checkGroupIds(groupIds: readonly string[]): void {
    for (const g of groupIds) requireNonEmptyString(g, 'group id')
    requireUnique(groupIds, 'group id')
  }
}

/**
 * The topic calls: CreateTopics, DeleteTopics, CreatePartitions (sent to the controller) and
 * Metadata-based listTopics / describeTopics / describeCluster. Request building and response
 * mapping are pure functions; the operations at the end declare each call for executor.ts.
 */

import { ErrorCode } from '../error-codes.js'
import { BrokerError, brokerError } from '../errors.js'
import { Apis, type RequestOf, type ResponseOf } from '../protocol/index.js'
import {
  controllerRetry,
  invalidArgument,
  namedMessage,
  reportError,
  requireNonEmptyString,
  requireUnique,
  topicIdOrNull,
  topicName,
} from './common.js'
import { configEntryFromCreateTopics, describeConfigsOperation, resourceKey } from './configs.js'
import { type RoundReport, settle } from './driver.js'
import { operation, request, singleOperation } from './operation.js'
import type {
  BrokerDescription,
  ClusterDescription,
  ConfigEntry,
  CreatedTopic,
  CreatePartitionsOptions,
  CreateTopicsOptions,
  DescribeTopicsOptions,
  ListTopicsOptions,
  NewPartitions,
  NewTopic,
  PartitionDescription,
  TopicDescription,
  TopicListing,
} from './types.js'

type CreateTopicsRequest = RequestOf<typeof Apis.CreateTopics>
type CreateTopicsResponse = ResponseOf<typeof Apis.CreateTopics>

export function validateNewTopics(topics: readonly NewTopic[]): void {
  for (const t of topics) requireNonEmptyString(t?.topic, 'NewTopic.topic')
  requireUnique(
    topics.map((t) => t.topic),
    'topic',
  )
}

export function buildCreateTopicsRequest(
  topics: readonly NewTopic[],
  options: { validateOnly: boolean; timeoutMs: number },
): CreateTopicsRequest {
  return {
    topics: topics.map((t) => {
      const assignments =
        t.replicaAssignment === undefined
          ? []
          : Object.entries(t.replicaAssignment).map(([partition, brokerIds]) => ({
              partitionIndex: Number(partition),
              brokerIds: [...brokerIds],
            }))
      // With an explicit assignment, the protocol requires -1 for both counts.
      const explicit = assignments.length > 0
      return {
        name: t.topic,
        numPartitions: explicit ? -1 : (t.numPartitions ?? -1),
        replicationFactor: explicit ? -1 : (t.replicationFactor ?? -1),
        assignments,
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      }
    }),
    timeoutMs: options.timeoutMs,
    validateOnly: options.validateOnly,
  }
}

export function handleCreateTopicsResponse(
  response: CreateTopicsResponse,
  report: RoundReport<CreatedTopic>,
  apiKey: number,
): void {
  for (const t of response.topics) {
    if (t.errorCode !== ErrorCode.NONE) {
      reportError(report, t.name, t.errorCode, t.errorMessage, { topic: t.name, apiKey }, controllerRetry(t.errorCode))
      continue
    }
    const configs: Record<string, ConfigEntry> = {}
    for (const c of t.configs ?? []) configs[c.name] = configEntryFromCreateTopics(c)
    report.ok(t.name, {
      topic: t.name,
      topicId: topicIdOrNull(t.topicId),
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      configs,
    })
  }
}

/** DeleteTopics by name: v6+ carries `topics` (name or id), older versions `topicNames`. */
export function buildDeleteTopicsRequest(
  names: readonly string[],
  version: number,
  timeoutMs: number,
): RequestOf<typeof Apis.DeleteTopics> {
  if (version >= 6) return { topics: names.map((name) => ({ name })), timeoutMs }
  return { topicNames: [...names], timeoutMs }
}

export function handleDeleteTopicsResponse(
  response: ResponseOf<typeof Apis.DeleteTopics>,
  report: RoundReport<string>,
  apiKey: number,
): void {
  for (const t of response.responses) {
    const name = t.name ?? ''
    if (t.errorCode !== ErrorCode.NONE) {
      reportError(report, name, t.errorCode, t.errorMessage, { topic: name, apiKey }, controllerRetry(t.errorCode))
    } else {
      report.ok(name, name)
    }
  }
}

export function validateNewPartitions(items: readonly NewPartitions[]): void {
  for (const p of items) {
    requireNonEmptyString(p?.topic, 'NewPartitions.topic')
    if (!Number.isInteger(p.count) || p.count <= 0) throw invalidArgument(`NewPartitions.count of ${p.topic}`)
  }
  requireUnique(
    items.map((p) => p.topic),
    'topic',
  )
}

export function buildCreatePartitionsRequest(
  items: readonly NewPartitions[],
  options: { validateOnly: boolean; timeoutMs: number },
): RequestOf<typeof Apis.CreatePartitions> {
  return {
    topics: items.map((p) => ({
      name: p.topic,
      count: p.count,
      assignments: p.assignments === undefined ? null : p.assignments.map((ids) => ({ brokerIds: [...ids] })),
    })),
    timeoutMs: options.timeoutMs,
    validateOnly: options.validateOnly,
  }
}

export function handleCreatePartitionsResponse(
  response: ResponseOf<typeof Apis.CreatePartitions>,
  report: RoundReport<string>,
  apiKey: number,
): void {
  for (const r of response.results) {
    if (r.errorCode !== ErrorCode.NONE) {
      reportError(report, r.name, r.errorCode, r.errorMessage, { topic: r.name, apiKey }, controllerRetry(r.errorCode))
    } else {
      report.ok(r.name, r.name)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Metadata-based calls

/** A Metadata request for these topics (null = every topic) that never auto-creates topics. */
export function buildMetadataRequest(
  topics: readonly string[] | null,
  version: number,
): RequestOf<typeof Apis.Metadata> {
  return {
    topics: topics === null ? (version === 0 ? [] : null) : topics.map((name) => ({ name })),
    allowAutoTopicCreation: false,
  }
}

type MetadataResponse = ResponseOf<typeof Apis.Metadata>

export function topicListings(response: MetadataResponse, includeInternal: boolean): TopicListing[] {
  return response.topics
    .filter((t) => t.errorCode === ErrorCode.NONE && t.name !== null && (includeInternal || !t.isInternal))
    .map((t) => ({ topic: t.name as string, topicId: topicIdOrNull(t.topicId), isInternal: t.isInternal }))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0))
}

export function topicDescription(t: MetadataResponse['topics'][number]): TopicDescription {
  const partitions: PartitionDescription[] = t.partitions
    .map((p) => ({
      partition: p.partitionIndex,
      leader: p.leaderId >= 0 ? p.leaderId : null,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicaNodes,
      isr: p.isrNodes,
      offlineReplicas: p.offlineReplicas,
    }))
    .sort((a, b) => a.partition - b.partition)
  return { topic: t.name ?? '', topicId: topicIdOrNull(t.topicId), isInternal: t.isInternal, partitions }
}

/**
 * describeTopics from one Metadata response. As in Java, an unknown topic fails at once (not
 * retried: the caller asked about a topic that does not exist); LEADER_NOT_AVAILABLE and other
 * transient topic errors (e.g. a topic still being created) are retried.
 */
export function handleDescribeTopicsMetadata(
  response: MetadataResponse,
  report: RoundReport<TopicDescription>,
  apiKey: number,
): void {
  if (response.errorCode !== undefined && response.errorCode !== ErrorCode.NONE) {
    throw brokerError(response.errorCode, null, { apiKey })
  }
  for (const t of response.topics) {
    const name = t.name ?? ''
    if (t.errorCode === ErrorCode.NONE) {
      report.ok(name, topicDescription(t))
    } else if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
      report.fail(
        name,
        brokerError(t.errorCode, namedMessage('the topic does not exist', null), { topic: name, apiKey }),
      )
    } else {
      const kind = t.errorCode === ErrorCode.LEADER_NOT_AVAILABLE ? 'metadata' : 'no'
      reportError(report, name, t.errorCode, null, { topic: name, apiKey }, kind)
    }
  }
}

/**
 * Whether a Metadata response shows every topic of `expected` with at least that many partitions,
 * each with a leader: what createTopics / createPartitions wait for before resolving.
 */
export function topicsReady(response: MetadataResponse, expected: ReadonlyMap<string, number>): boolean {
  for (const [name, minPartitions] of expected) {
    const t = response.topics.find((x) => x.name === name)
    if (t === undefined || t.errorCode !== ErrorCode.NONE) return false
    if (t.partitions.length < minPartitions) return false
    if (t.partitions.some((p) => p.errorCode !== ErrorCode.NONE || p.leaderId < 0)) return false
  }
  return true
}

export function clusterFromDescribeCluster(response: ResponseOf<typeof Apis.DescribeCluster>): ClusterDescription {
  const brokers: BrokerDescription[] = response.brokers
    .map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack, fenced: b.isFenced }))
    .sort((a, b) => a.nodeId - b.nodeId)
  return {
    clusterId: response.clusterId,
    controller: brokers.find((b) => b.nodeId === response.controllerId) ?? null,
    brokers,
  }
}

export function clusterFromMetadata(response: MetadataResponse): ClusterDescription {
  const brokers: BrokerDescription[] = response.brokers
    .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack, fenced: false }))
    .sort((a, b) => a.nodeId - b.nodeId)
  return {
    clusterId: response.clusterId,
    controller: brokers.find((b) => b.nodeId === response.controllerId) ?? null,
    brokers,
  }
}

// ---------------------------------------------------------------------------------------------
// Operations (run by executor.ts)

const waitsForMetadata = (o: { validateOnly?: boolean; waitForMetadata?: boolean }) =>
  !o.validateOnly && (o.waitForMetadata ?? true)

export function createTopicsOperation(topics: readonly NewTopic[], options: CreateTopicsOptions) {
  validateNewTopics(topics)
  const items = new Map(topics.map((t) => [t.topic, t]))
  return operation({
    name: 'createTopics',
    itemKind: 'topics',
    api: Apis.CreateTopics,
    route: 'controller',
    items,
    itemName: topicName,
    build: (list, ctx) =>
      buildCreateTopicsRequest(list, { validateOnly: options.validateOnly ?? false, timeoutMs: ctx.timeoutMs }),
    handle: (response, report: RoundReport<CreatedTopic>, ctx) =>
      handleCreateTopicsResponse(response, report, ctx.apiKey),
    finish: async (outcome, ctx) => {
      // ifNotExists: a topic that exists already is no failure, and not in the result (it was not created).
      const existing = new Set<string>()
      if (options.ifNotExists) {
        for (const [topic, error] of outcome.errors) {
          if (error instanceof BrokerError && error.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) existing.add(topic)
        }
        for (const topic of existing) outcome.errors.delete(topic)
      }
      if (waitsForMetadata(options) && outcome.results.size > 0) {
        await ctx.awaitTopicsVisible(
          new Map([...outcome.results.values()].map((t) => [t.topic, Math.max(1, t.numPartitions)])),
        )
      }
      const keys = [...items.keys()].filter((t) => !existing.has(t))
      return settle('createTopics', 'topics', keys, outcome, topicName)
    },
  })
}

export function deleteTopicsOperation(topics: readonly string[]) {
  for (const t of topics) requireNonEmptyString(t, 'topic name')
  requireUnique(topics, 'topic')
  return operation({
    name: 'deleteTopics',
    itemKind: 'topics',
    api: Apis.DeleteTopics,
    route: 'controller',
    items: new Map(topics.map((t) => [t, t])),
    itemName: topicName,
    build: (names, ctx) => buildDeleteTopicsRequest(names, ctx.version, ctx.timeoutMs),
    handle: (response, report: RoundReport<string>, ctx) => handleDeleteTopicsResponse(response, report, ctx.apiKey),
    result: () => undefined,
  })
}

export function listTopicsOperation(options: ListTopicsOptions) {
  return singleOperation({
    name: 'listTopics',
    api: Apis.Metadata,
    route: 'any',
    build: (_items, ctx) => buildMetadataRequest(null, ctx.version),
    handle: (response, report: RoundReport<TopicListing[]>) =>
      report.ok('call', topicListings(response, options.includeInternal ?? false)),
  })
}

export function describeTopicsOperation(topics: readonly string[], options: DescribeTopicsOptions) {
  for (const t of topics) requireNonEmptyString(t, 'topic name')
  requireUnique(topics, 'topic')
  return operation({
    name: 'describeTopics',
    itemKind: 'topics',
    api: Apis.Metadata,
    route: 'any',
    items: new Map(topics.map((t) => [t, t])),
    itemName: topicName,
    build: (names, ctx) => buildMetadataRequest(names, ctx.version),
    handle: (response, report: RoundReport<TopicDescription>, ctx) =>
      handleDescribeTopicsMetadata(response, report, ctx.apiKey),
    finish: async (outcome, ctx) => {
      if (options.includeConfigs) {
        const described = topics.filter((t) => outcome.results.has(t))
        const configs = await ctx.execute(
          describeConfigsOperation(
            described.map((name) => ({ type: 'topic' as const, name })),
            { includeSynonyms: false, includeDocumentation: false },
          ),
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
    },
  })
}

export function createPartitionsOperation(items: readonly NewPartitions[], options: CreatePartitionsOptions) {
  validateNewPartitions(items)
  const byName = new Map(items.map((p) => [p.topic, p]))
  return operation({
    name: 'createPartitions',
    itemKind: 'topics',
    api: Apis.CreatePartitions,
    route: 'controller',
    items: byName,
    itemName: topicName,
    build: (list, ctx) =>
      buildCreatePartitionsRequest(list, { validateOnly: options.validateOnly ?? false, timeoutMs: ctx.timeoutMs }),
    handle: (response, report: RoundReport<string>, ctx) =>
      handleCreatePartitionsResponse(response, report, ctx.apiKey),
    finish: async (outcome, ctx) => {
      if (waitsForMetadata(options) && outcome.results.size > 0) {
        await ctx.awaitTopicsVisible(new Map([...outcome.results.keys()].map((t) => [t, byName.get(t)!.count])))
      }
      // Our own metadata cache should see the new partitions at once.
      ctx.cluster.requestMetadataRefresh()
      settle('createPartitions', 'topics', [...byName.keys()], outcome, topicName)
    },
    result: () => undefined,
  })
}

/** DescribeCluster; Metadata on brokers without it (before 2.8). */
export function describeClusterOperation() {
  return singleOperation({
    name: 'describeCluster',
    api: Apis.DescribeCluster,
    route: 'any',
    build: () => ({ includeClusterAuthorizedOperations: false }),
    handle: (response, report: RoundReport<ClusterDescription>, ctx) => {
      if (response.errorCode !== ErrorCode.NONE) {
        throw brokerError(response.errorCode, response.errorMessage, { apiKey: ctx.apiKey, broker: ctx.node })
      }
      report.ok('call', clusterFromDescribeCluster(response))
    },
    next: request({
      api: Apis.Metadata,
      build: (_items, ctx) => buildMetadataRequest([], ctx.version),
      handle: (response, report: RoundReport<ClusterDescription>) => report.ok('call', clusterFromMetadata(response)),
    }),
  })
}

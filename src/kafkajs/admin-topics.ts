/**
 * kafkajs Admin: topics, partitions, metadata and the cluster (listTopics, createTopics,
 * deleteTopics, createPartitions, fetchTopicMetadata, describeCluster), with kafkajs 2.2.4's
 * argument checks, return values and errors, on kafka-wire's Admin.
 *
 * Owner: kafka-wire/kafkajs admin.
 */
import { AdminAggregateError, type NewTopic, type TopicDescription } from '../admin/index.js'
import { ErrorCode } from '../error-codes.js'
import { KafkaError } from '../errors.js'
import { type AdminScope, afterRetries, check, codeOf, itemErrors, kjs, protocolError } from './admin-support.js'
import { KafkaJSAggregateError, KafkaJSCreateTopicError } from './errors.js'
import type { PartitionMetadata } from './types.js'

export interface ReplicaAssignment {
  partition: number
  replicas: number[]
}

export interface IResourceConfigEntry {
  name: string
  value: string
}

export interface ITopicConfig {
  topic: string
  numPartitions?: number
  replicationFactor?: number
  replicaAssignment?: ReplicaAssignment[]
  configEntries?: IResourceConfigEntry[]
}

export interface ITopicPartitionConfig {
  topic: string
  count: number
  assignments?: Array<Array<number>>
}

export interface ITopicMetadata {
  name: string
  partitions: PartitionMetadata[]
}

export interface CreateTopicsRequest {
  validateOnly?: boolean
  waitForLeaders?: boolean
  timeout?: number
  topics: ITopicConfig[]
}

export interface CreatePartitionsRequest {
  validateOnly?: boolean
  timeout?: number
  topicPartitions: ITopicPartitionConfig[]
}

export interface ClusterMetadata {
  brokers: Array<{ nodeId: number; host: string; port: number }>
  controller: number | null
  clusterId: string
}

/** All topic names, internal ones included (kafkajs lists what Metadata returns). */
export async function listTopics(scope: AdminScope): Promise<string[]> {
  const admin = await scope.native()
  try {
    const topics = await admin.listTopics({ includeInternal: true, ...scope.callOptions() })
    return topics.map((t) => t.topic)
  } catch (e) {
    throw kjs(e)
  }
}

function validateTopicConfigs(topics: ITopicConfig[]): void {
  check(topics && Array.isArray(topics), `Invalid topics array ${topics}`)
  check(
    topics.every(({ topic }) => typeof topic === 'string'),
    'Invalid topics array, the topic names have to be a valid string',
  )
  check(
    new Set(topics.map(({ topic }) => topic)).size === topics.length,
    'Invalid topics array, it cannot have multiple entries for the same topic',
  )
  for (const { topic, configEntries } of topics) {
    if (configEntries == null) continue
    check(Array.isArray(configEntries), `Invalid configEntries for topic "${topic}", must be an array`)
    configEntries.forEach((entry, index) => {
      check(
        typeof entry === 'object' && entry !== null,
        `Invalid configEntries for topic "${topic}". Entry ${index} must be an object`,
      )
      for (const property of ['name', 'value'] as const) {
        check(
          Object.hasOwn(entry, property) && typeof entry[property] === 'string',
          `Invalid configEntries for topic "${topic}". Entry ${index} must have a valid "${property}" property`,
        )
      }
    })
  }
}

function toNewTopic(t: ITopicConfig): NewTopic {
  const topic: NewTopic = { topic: t.topic }
  if (t.numPartitions !== undefined && t.numPartitions !== -1) topic.numPartitions = t.numPartitions
  if (t.replicationFactor !== undefined && t.replicationFactor !== -1) topic.replicationFactor = t.replicationFactor
  if (t.replicaAssignment && t.replicaAssignment.length > 0) {
    topic.replicaAssignment = Object.fromEntries(t.replicaAssignment.map((a) => [a.partition, a.replicas]))
  }
  if (t.configEntries && t.configEntries.length > 0) {
    topic.configs = Object.fromEntries(t.configEntries.map((c) => [c.name, c.value]))
  }
  return topic
}

/**
 * Resolves true when every topic was created, false when some existed already (and nothing else
 * failed); other topic errors reject with KafkaJSAggregateError of KafkaJSCreateTopicError.
 */
export async function createTopics(scope: AdminScope, request: CreateTopicsRequest): Promise<boolean> {
  const { topics, validateOnly = false, waitForLeaders = true } = request ?? ({} as CreateTopicsRequest)
  validateTopicConfigs(topics)
  const admin = await scope.native()
  try {
    await admin.createTopics(topics.map(toNewTopic), {
      validateOnly,
      waitForMetadata: waitForLeaders && !validateOnly,
      ...scope.callOptions(),
    })
    return true
  } catch (e) {
    // Topic errors (each naming its topic) are what kafkajs aggregates; anything else is thrown as is.
    if (!(e instanceof AdminAggregateError)) throw kjs(e)
    if (e.errors.every((x) => codeOf(x) === 'TOPIC_ALREADY_EXISTS')) return false
    throw new KafkaJSAggregateError(
      'Topic creation errors',
      e.errors.map(
        (x) => new KafkaJSCreateTopicError(protocolError(x), x instanceof KafkaError ? (x.topic ?? '') : ''),
      ),
    )
  }
}

/**
 * Deletes topics. A topic that does not exist fails as kafkajs's retrier reports it
 * (KafkaJSNumberOfRetriesExceeded: kafkajs retries UNKNOWN_TOPIC_OR_PARTITION); other errors
 * reject with the first topic's KafkaJSProtocolError.
 */
export async function deleteTopics(scope: AdminScope, request: { topics: string[]; timeout?: number }): Promise<void> {
  const { topics } = request ?? ({} as { topics: string[] })
  check(topics && Array.isArray(topics), `Invalid topics array ${topics}`)
  check(
    topics.every((t) => typeof t === 'string'),
    'Invalid topics array, the names must be a valid string',
  )
  const admin = await scope.native()
  try {
    await admin.deleteTopics(topics, scope.callOptions())
  } catch (e) {
    const first = itemErrors(e)[0]
    const error = kjs(first)
    if (codeOf(first) === 'UNKNOWN_TOPIC_OR_PARTITION' || codeOf(first) === 'NOT_CONTROLLER') throw afterRetries(error)
    if (codeOf(first) === 'REQUEST_TIMED_OUT') {
      scope.logger.error(
        'Could not delete topics, check if "delete.topic.enable" is set to "true" (the default value is "false") or increase the timeout',
        { error: error.message, retryCount: 0, retryTime: 0 },
      )
    }
    throw error
  }
}

/** Raises partition counts. Resolves undefined as kafkajs does (its type says boolean). */
export async function createPartitions(scope: AdminScope, request: CreatePartitionsRequest): Promise<boolean> {
  const { topicPartitions, validateOnly = false } = request ?? ({} as CreatePartitionsRequest)
  check(topicPartitions && Array.isArray(topicPartitions), `Invalid topic partitions array ${topicPartitions}`)
  check(topicPartitions.length > 0, 'Empty topic partitions array')
  check(
    topicPartitions.every(({ topic }) => typeof topic === 'string'),
    'Invalid topic partitions array, the topic names have to be a valid string',
  )
  check(
    new Set(topicPartitions.map(({ topic }) => topic)).size === topicPartitions.length,
    'Invalid topic partitions array, it cannot have multiple entries for the same topic',
  )
  const admin = await scope.native()
  try {
    await admin.createPartitions(
      topicPartitions.map((p) => ({
        topic: p.topic,
        count: p.count,
        ...(p.assignments && p.assignments.length > 0 ? { assignments: p.assignments } : {}),
      })),
      { validateOnly, ...scope.callOptions() },
    )
  } catch (e) {
    const first = itemErrors(e)[0]
    if (codeOf(first) === 'NOT_CONTROLLER') throw afterRetries(kjs(first))
    throw kjs(first)
  }
  return undefined as unknown as boolean
}

function partitionMetadata(topic: TopicDescription): PartitionMetadata[] {
  return topic.partitions.map((p) => ({
    partitionErrorCode: p.leader === null ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
    partitionId: p.partition,
    leader: p.leader ?? -1,
    replicas: p.replicas,
    isr: p.isr,
    offlineReplicas: p.offlineReplicas,
  }))
}

/** Partitions of `topics` (default: every topic, internal ones included). */
export async function fetchTopicMetadata(
  scope: AdminScope,
  { topics = [] }: { topics?: string[] } = {},
): Promise<{ topics: ITopicMetadata[] }> {
  if (topics) {
    for (const topic of topics) check(topic && typeof topic === 'string', `Invalid topic ${topic}`)
  }
  const admin = await scope.native()
  try {
    const names =
      topics && topics.length > 0
        ? topics
        : (await admin.listTopics({ includeInternal: true, ...scope.callOptions() })).map((t) => t.topic)
    const described = await admin.describeTopics(names, scope.callOptions())
    return { topics: described.map((t) => ({ name: t.topic, partitions: partitionMetadata(t) })) }
  } catch (e) {
    throw kjs(itemErrors(e)[0])
  }
}

/** The brokers, the controller's node id (null when unknown) and the cluster id. */
export async function describeCluster(scope: AdminScope): Promise<ClusterMetadata> {
  const admin = await scope.native()
  try {
    const c = await admin.describeCluster(scope.callOptions())
    return {
      brokers: c.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })),
      controller: c.controller === null ? null : c.controller.nodeId,
      clusterId: c.clusterId ?? '',
    }
  } catch (e) {
    throw kjs(e)
  }
}

/**
 * The metadata cache: brokers, controller, cluster id, and per topic its id, partitions, leaders,
 * leader epochs, replicas and ISR. Pure (time is passed in), so the merge rules are unit-tested:
 *
 * - Brokers, controller and cluster id are taken from the latest response.
 * - Per partition, a response carrying an *older* leader epoch than the cached one is stale (it
 *   came from a broker that has not caught up) and is ignored; an equal or newer epoch replaces the
 *   entry. When either side has no epoch (-1), the response wins.
 * - A topic whose id changed was deleted and re-created: its cached partitions are dropped whole.
 * - Partitions are never forgotten for the same topic id (a lagging broker may not know about
 *   partitions added by CreatePartitions yet).
 * - A topic reported UNKNOWN_TOPIC_OR_PARTITION / UNKNOWN_TOPIC_ID / INVALID_TOPIC / an
 *   authorization failure is removed; other topic errors (LEADER_NOT_AVAILABLE while a topic is
 *   being created) leave the cached entry alone. The last error code per topic is kept.
 *
 * Owned by Cluster; the producer and consumer read it through Cluster.
 */
import { ErrorCode } from '../errors.js'
import { ZERO_UUID } from '../protocol/index.js'

export interface BrokerMetadata {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

export interface PartitionMetadata {
  partition: number
  /** -1 when there is no leader. */
  leaderId: number
  /** -1 when unknown (old brokers). */
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  offlineReplicas: number[]
  errorCode: number
}

export interface TopicMetadata {
  name: string
  /** base64url topic id; the zero UUID from brokers that do not send it. */
  topicId: string
  isInternal: boolean
  errorCode: number
  /** Index = partition number. */
  partitions: PartitionMetadata[]
}

/** Whether cached topic metadata can be assigned and fetched from: present, no error, partitions known. */
export function isUsableTopic(md: TopicMetadata | undefined): md is TopicMetadata {
  return md !== undefined && md.errorCode === ErrorCode.NONE && md.partitions.length > 0
}

/** The parts of a MetadataResponse the cache reads (any version). */
export interface MetadataResponseLike {
  brokers: readonly { nodeId: number; host: string; port: number; rack: string | null }[]
  clusterId: string | null
  controllerId: number
  topics: readonly {
    errorCode: number
    name: string | null
    topicId: string
    isInternal: boolean
    partitions: readonly {
      errorCode: number
      partitionIndex: number
      leaderId: number
      leaderEpoch: number
      replicaNodes: readonly number[]
      isrNodes: readonly number[]
      offlineReplicas: readonly number[]
    }[]
  }[]
}

/** Topic errors after which the cached entry is dropped (the topic is gone or not ours to see). */
const REMOVES_TOPIC: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.INVALID_TOPIC_EXCEPTION,
  ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  ErrorCode.UNKNOWN_TOPIC_ID,
])

export function hasTopicId(id: string): boolean {
  return id !== ZERO_UUID && id !== ''
}

/** The partition entry to keep: the incoming one unless its leader epoch is older than the cached one. */
export function mergePartition(
  cached: PartitionMetadata | undefined,
  incoming: PartitionMetadata,
): { kept: PartitionMetadata; stale: boolean } {
  if (cached === undefined || incoming.leaderEpoch < 0 || cached.leaderEpoch < 0)
    return { kept: incoming, stale: false }
  if (incoming.leaderEpoch >= cached.leaderEpoch) return { kept: incoming, stale: false }
  return { kept: cached, stale: true }
}

/** Merges a topic from a response into the cached one (see the module comment). */
export function mergeTopic(cached: TopicMetadata | undefined, incoming: TopicMetadata): TopicMetadata {
  if (cached === undefined) return incoming
  const recreated = hasTopicId(cached.topicId) && hasTopicId(incoming.topicId) && cached.topicId !== incoming.topicId
  if (recreated) return incoming
  const n = Math.max(cached.partitions.length, incoming.partitions.length)
  const partitions: PartitionMetadata[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const inc = incoming.partitions[i]
    const old = cached.partitions[i]
    partitions[i] = inc === undefined ? old! : mergePartition(old, inc).kept
  }
  return {
    name: incoming.name,
    topicId: hasTopicId(incoming.topicId) ? incoming.topicId : cached.topicId,
    isInternal: incoming.isInternal,
    errorCode: incoming.errorCode,
    partitions,
  }
}

function placeholder(partition: number): PartitionMetadata {
  return {
    partition,
    leaderId: -1,
    leaderEpoch: -1,
    replicas: [],
    isr: [],
    offlineReplicas: [],
    errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
  }
}

/** Converts one topic of a MetadataResponse; partitions are indexed by number (gaps filled as leaderless). */
export function topicFromResponse(t: MetadataResponseLike['topics'][number]): TopicMetadata {
  const partitions: PartitionMetadata[] = []
  for (const p of t.partitions) {
    partitions[p.partitionIndex] = {
      partition: p.partitionIndex,
      leaderId: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      replicas: [...p.replicaNodes],
      isr: [...p.isrNodes],
      offlineReplicas: [...p.offlineReplicas],
      errorCode: p.errorCode,
    }
  }
  for (let i = 0; i < partitions.length; i++) partitions[i] ??= placeholder(i)
  return { name: t.name ?? '', topicId: t.topicId, isInternal: t.isInternal, errorCode: t.errorCode, partitions }
}

export interface MetadataUpdate {
  /** Topic-level error codes in this response (non-zero only). */
  topicErrors: Map<string, number>
  /** Partitions whose stale (older-epoch) entries were ignored. */
  staleIgnored: number
  /** Node ids that were brokers before and are not any more. */
  removedBrokers: number[]
}

export class MetadataCache {
  #brokers = new Map<number, BrokerMetadata>()
  #controllerId = -1
  #clusterId: string | null = null
  readonly #topics = new Map<string, TopicMetadata>()
  readonly #topicErrors = new Map<string, number>()
  #updatedAt = 0
  #version = 0

  get brokers(): ReadonlyMap<number, BrokerMetadata> {
    return this.#brokers
  }

  get controllerId(): number {
    return this.#controllerId
  }

  get clusterId(): string | null {
    return this.#clusterId
  }

  /** Date.now() of the last successful update (0 before the first). */
  get updatedAt(): number {
    return this.#updatedAt
  }

  /** Incremented on every update. */
  get version(): number {
    return this.#version
  }

  topic(name: string): TopicMetadata | undefined {
    return this.#topics.get(name)
  }

  /** The last non-zero topic-level error code reported for `name`, if any. */
  topicError(name: string): number | undefined {
    return this.#topicErrors.get(name)
  }

  topicNames(): IterableIterator<string> {
    return this.#topics.keys()
  }

  topicById(topicId: string): TopicMetadata | undefined {
    for (const t of this.#topics.values()) if (t.topicId === topicId) return t
    return undefined
  }

  isStale(now: number, maxAgeMs: number): boolean {
    return this.#updatedAt === 0 || now - this.#updatedAt >= maxAgeMs
  }

  /**
   * Merges a MetadataResponse. `requested` is the topic list of the request ('all' for every topic):
   * with 'all', cached topics missing from the response are removed.
   */
  update(res: MetadataResponseLike, now: number, requested: readonly string[] | 'all'): MetadataUpdate {
    const result: MetadataUpdate = { topicErrors: new Map(), staleIgnored: 0, removedBrokers: [] }
    if (res.brokers.length > 0) {
      const brokers = new Map<number, BrokerMetadata>()
      for (const b of res.brokers) brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })
      for (const id of this.#brokers.keys()) if (!brokers.has(id)) result.removedBrokers.push(id)
      this.#brokers = brokers
    }
    this.#controllerId = res.controllerId
    if (res.clusterId !== null) this.#clusterId = res.clusterId
    const seen = new Set<string>()
    for (const t of res.topics) {
      if (t.name === null) continue
      seen.add(t.name)
      if (t.errorCode !== ErrorCode.NONE) {
        result.topicErrors.set(t.name, t.errorCode)
        this.#topicErrors.set(t.name, t.errorCode)
        if (REMOVES_TOPIC.has(t.errorCode)) this.#topics.delete(t.name)
        continue
      }
      this.#topicErrors.delete(t.name)
      const incoming = topicFromResponse(t)
      const cached = this.#topics.get(t.name)
      if (cached !== undefined && cached.topicId === incoming.topicId) {
        for (let i = 0; i < incoming.partitions.length; i++) {
          const old = cached.partitions[i]
          if (old !== undefined && mergePartition(old, incoming.partitions[i]!).stale) result.staleIgnored++
        }
      }
      this.#topics.set(t.name, mergeTopic(cached, incoming))
    }
    if (requested === 'all') {
      for (const name of [...this.#topics.keys()]) if (!seen.has(name)) this.#topics.delete(name)
    } else {
      // Asked for but not answered at all: unknown.
      for (const name of requested) {
        if (!seen.has(name)) {
          this.#topics.delete(name)
          this.#topicErrors.set(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
          result.topicErrors.set(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
        }
      }
    }
    this.#updatedAt = now
    this.#version++
    return result
  }

  /**
   * A leader learnt outside Metadata (e.g. KIP-951 `currentLeader` in a Produce or Fetch response).
   * Applied only when its epoch is newer than the cached one. Returns whether it was applied.
   */
  updateLeader(topic: string, partition: number, leaderId: number, leaderEpoch: number): boolean {
    const t = this.#topics.get(topic)
    const p = t?.partitions[partition]
    if (t === undefined || p === undefined || leaderEpoch < 0 || leaderEpoch <= p.leaderEpoch) return false
    const partitions = t.partitions.slice()
    partitions[partition] = { ...p, leaderId, leaderEpoch, errorCode: ErrorCode.NONE }
    this.#topics.set(topic, { ...t, partitions })
    this.#version++
    return true
  }

  /** Adds or replaces one broker's address (e.g. from KIP-951 `nodeEndpoints`). */
  addBroker(b: BrokerMetadata): void {
    if (this.#brokers.get(b.nodeId)?.host === b.host && this.#brokers.get(b.nodeId)?.port === b.port) return
    const brokers = new Map(this.#brokers)
    brokers.set(b.nodeId, b)
    this.#brokers = brokers
  }

  removeTopic(name: string): void {
    this.#topics.delete(name)
  }
}

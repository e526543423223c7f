/**
 * Public value types of the consumer: records, offsets, listeners, deserializers.
 * Owned by the consumer module; every other consumer file imports them from here.
 */
import { parseTopicPartitionKey, topicPartitionKey } from '../internal/topic-partition.js'
import type { TopicPartition } from './assignors/types.js'

export type { TopicPartition } from './assignors/types.js'

/** A header of a record. The key is UTF-8 text; the value raw bytes (null when absent). */
export interface RecordHeader {
  key: string
  value: Buffer | null
}

export type TimestampType = 'CreateTime' | 'LogAppendTime'

/** One record as the application sees it. */
export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  topic: string
  partition: number
  offset: bigint
  /** Milliseconds since the epoch. */
  timestamp: number
  timestampType: TimestampType
  key: K
  value: V
  headers: RecordHeader[]
  /** The leader epoch of the batch that holds the record, or -1 when unknown. */
  leaderEpoch: number
}

/**
 * A committed (or to-be-committed) position. `offset` is the next offset to read, as in Kafka:
 * after processing record `r`, commit `r.offset + 1n`.
 */
export interface TopicPartitionOffset extends TopicPartition {
  offset: bigint | number
  metadata?: string | null
  leaderEpoch?: number
}

/** What `committed()` returns per partition (null when the group has no commit for it). */
export interface OffsetAndMetadata {
  offset: bigint
  metadata: string | null
  leaderEpoch: number
}

/** `offsets` arguments: an array (or any iterable), or a Map whose values are the offsets. */
export type OffsetsInput = Iterable<TopicPartitionOffset> | ReadonlyMap<unknown, TopicPartitionOffset>

/** Context handed to deserializers. */
export interface DeserializerContext {
  topic: string
  partition: number
  headers: RecordHeader[]
}

/** Turns a record's key or value bytes into an application value. Must be synchronous. */
export type Deserializer<T> = (data: Buffer | null, context: DeserializerContext) => T

/**
 * Rebalance callbacks (Java's ConsumerRebalanceListener). They may be async: the consumer awaits them
 * inside poll(), on the application's side. onPartitionsRevoked is where an application commits what it
 * processed (commitSync) before another member takes the partitions over.
 */
export interface ConsumerRebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>
  /** The partitions were already taken away (the member was kicked out of the group): committing is pointless. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>
}

/** The member's identity in its group, as needed to fence transactional offset commits (Java's ConsumerGroupMetadata). */
export interface ConsumerGroupMetadata {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

/**
 * Called when a commitAsync completes. `offsets` holds what was committed, keyed by
 * `topicPartitionKey(topic, partition)` (`"orders-3"`, Java's TopicPartition.toString()); each value
 * carries its topic and partition too, so iterating `offsets.values()` needs no key parsing.
 */
export type CommitCallback = (error: Error | null, offsets: Map<string, TopicPartitionOffset>) => void

/** @deprecated Internal alias of `topicPartitionKey` (src/internal/topic-partition.ts) kept for files not yet converted. */
export const tpKey = topicPartitionKey
/** @deprecated Internal alias of `parseTopicPartitionKey`. */
export const tpFromKey: (key: string) => TopicPartition = parseTopicPartitionKey

/** A partition for messages: `topic-partition`, the same text as its key. */
export function formatTp(tp: TopicPartition): string {
  return topicPartitionKey(tp.topic, tp.partition)
}

/** Validates a partitions argument (an iterable of { topic, partition }) and copies it; `call` names the method. */
export function partitionsArg(call: string, input: unknown): TopicPartition[] {
  if (input === null || typeof input !== 'object' || !(Symbol.iterator in input)) {
    throw new TypeError(`${call} takes an array of { topic, partition } objects, got ${typeof input}`)
  }
  const out = [...(input as Iterable<TopicPartition>)]
  for (const tp of out) {
    if (typeof tp?.topic !== 'string' || !Number.isInteger(tp.partition) || tp.partition < 0) {
      throw new TypeError(`${call} takes { topic, partition } objects`)
    }
  }
  return out
}

/** Normalises an `offsets` argument into a list, validating each entry. */
export function offsetsList(input: OffsetsInput): TopicPartitionOffset[] {
  if (input === null || typeof input !== 'object' || !(Symbol.iterator in input)) {
    throw new TypeError(`offsets must be an array or a Map of { topic, partition, offset }, got ${typeof input}`)
  }
  const values: Iterable<TopicPartitionOffset> =
    input instanceof Map
      ? (input as ReadonlyMap<unknown, TopicPartitionOffset>).values()
      : (input as Iterable<TopicPartitionOffset>)
  const out: TopicPartitionOffset[] = []
  for (const o of values) {
    if (o === null || typeof o !== 'object' || typeof o.topic !== 'string' || !Number.isInteger(o.partition)) {
      throw new TypeError('each offset must be { topic: string, partition: number, offset: bigint | number }')
    }
    const offset = typeof o.offset === 'bigint' ? o.offset : Number.isSafeInteger(o.offset) ? BigInt(o.offset) : null
    if (offset === null || offset < 0n) throw new RangeError(`invalid offset ${String(o.offset)} for ${formatTp(o)}`)
    out.push({ ...o, offset })
  }
  return out
}

/** Sorts partitions by topic then partition (stable output for listeners and assignment()). */
export function sortTps<T extends TopicPartition>(tps: T[]): T[] {
  return tps.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
}

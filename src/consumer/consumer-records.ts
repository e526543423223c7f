/**
 * ConsumerRecords: what one poll() returns, grouped by partition (Java's ConsumerRecords); and the
 * records the consumer's async iterator hands out (rewinding the unseen ones, their process payload).
 */
import type { ConsumedRecordLike, ConsumerPollMessage, ConsumerProcessMessage } from '../diagnostics/index.js'
import { CONSUMED_RECORD_OF, CONSUMER_RECORD_SHAPE, type RecordShape } from '../internal/seams.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import type { SubscriptionState } from './subscription-state.js'
import type { ConsumerRecord, TopicPartition } from './types.js'

export class ConsumerRecords<K = Buffer | null, V = Buffer | null> implements Iterable<ConsumerRecord<K, V>> {
  static empty<K, V>(): ConsumerRecords<K, V> {
    return new ConsumerRecords<K, V>(new Map())
  }

  readonly #byPartition: Map<string, { tp: TopicPartition; records: ConsumerRecord<K, V>[] }>
  readonly count: number

  /** @internal */
  constructor(byPartition: Map<string, { tp: TopicPartition; records: ConsumerRecord<K, V>[] }>) {
    this.#byPartition = byPartition
    let n = 0
    for (const p of byPartition.values()) n += p.records.length
    this.count = n
  }

  get isEmpty(): boolean {
    return this.count === 0
  }

  /** The partitions that have records in this batch. */
  partitions(): TopicPartition[] {
    return [...this.#byPartition.values()].map((p) => ({ ...p.tp }))
  }

  /** The records of one partition (in offset order), or of one topic when given a string. */
  records(tp: TopicPartition | string): ConsumerRecord<K, V>[] {
    if (typeof tp === 'string') {
      const out: ConsumerRecord<K, V>[] = []
      for (const p of this.#byPartition.values()) if (p.tp.topic === tp) out.push(...p.records)
      return out
    }
    for (const p of this.#byPartition.values()) {
      if (p.tp.topic === tp.topic && p.tp.partition === tp.partition) return p.records
    }
    return []
  }

  /** Every record, partition after partition (an array iterator: the cheapest for `for...of`). */
  [Symbol.iterator](): Iterator<ConsumerRecord<K, V>> {
    return this.#all()[Symbol.iterator]()
  }

  #flat: ConsumerRecord<K, V>[] | null = null
  #all(): ConsumerRecord<K, V>[] {
    if (this.#flat !== null) return this.#flat
    let flat: ConsumerRecord<K, V>[]
    if (this.#byPartition.size === 1) {
      flat = this.#byPartition.values().next().value!.records
    } else {
      flat = []
      for (const p of this.#byPartition.values()) for (const r of p.records) flat.push(r)
    }
    this.#flat = flat
    return flat
  }

  /** Offsets to commit after processing every record here: per partition, last offset + 1. */
  nextOffsets(): { topic: string; partition: number; offset: bigint; leaderEpoch: number }[] {
    const out: { topic: string; partition: number; offset: bigint; leaderEpoch: number }[] = []
    for (const p of this.#byPartition.values()) {
      const last = p.records[p.records.length - 1]
      if (last !== undefined) {
        out.push({
          topic: p.tp.topic,
          partition: p.tp.partition,
          offset: last.offset + 1n,
          leaderEpoch: last.leaderEpoch,
        })
      }
    }
    return out
  }
}

/**
 * The async iterator left early: make the next poll() return the records fetched but not handed
 * out (from `index` on) again, by seeking each partition back to its first unseen record.
 */
export function rewindUnseen(
  pending: readonly ConsumerRecord<any, any>[],
  index: number,
  subscriptions: SubscriptionState,
  fetcher: { clearBufferedDataFor(keys: Set<string>): void },
): void {
  const firstUnseen = new Map<string, ConsumerRecord<any, any>>()
  for (let i = index; i < pending.length; i++) {
    const r = pending[i]!
    const key = topicPartitionKey(r.topic, r.partition)
    if (!firstUnseen.has(key)) firstUnseen.set(key, r)
  }
  for (const r of firstUnseen.values()) {
    if (subscriptions.isAssigned(r)) subscriptions.seek(r, r.offset, r.leaderEpoch)
  }
  fetcher.clearBufferedDataFor(new Set(firstUnseen.keys()))
}

/** The `kafka-wire:consumer:process` payload of a record the async iterator hands out. */
export function processMessage(
  cluster: { options: { clientId: string } },
  options: { groupId: string | null },
  record: ConsumerRecord<any, any>,
): ConsumerProcessMessage {
  return { clientId: cluster.options.clientId, groupId: options.groupId, record }
}

/** A CONSUMED_RECORD_OF seam: one of a record shape's records as poll-channel subscribers read it. */
export type ConsumedRecordOf = (topic: string, partition: number, record: unknown) => ConsumedRecordLike

/** The record seams a Consumer's `options` carry (each null when absent), for its Fetcher. */
export function recordSeamsOf(options: object): {
  recordShape: RecordShape | null
  consumedRecordOf: ConsumedRecordOf | null
} {
  const o = options as { [CONSUMER_RECORD_SHAPE]?: RecordShape; [CONSUMED_RECORD_OF]?: ConsumedRecordOf }
  return { recordShape: o[CONSUMER_RECORD_SHAPE] ?? null, consumedRecordOf: o[CONSUMED_RECORD_OF] ?? null }
}

/** What `kafka-wire:consumer:poll` subscribers get as `result` in place of the ConsumerRecords. */
export type PollView<K, V> = (records: ConsumerRecords<K, V>) => ConsumerPollMessage['result']

/**
 * With a record shape (the CONSUMER_RECORD_SHAPE seam) a poll's records are the shape's objects:
 * poll subscribers get each turned back into the record they read. Undefined without one.
 */
export function pollView<K, V>(of: ConsumedRecordOf | null): PollView<K, V> | undefined {
  if (of === null) return undefined
  return (records) => {
    const out: ConsumedRecordLike[] = []
    for (const tp of records.partitions()) for (const r of records.records(tp)) out.push(of(tp.topic, tp.partition, r))
    return Object.assign(out, { count: out.length })
  }
}

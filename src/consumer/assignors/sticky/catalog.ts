/**
 * The partitions being assigned, one object per partition, so the sticky builders can use object
 * identity in Sets and Maps instead of building string keys on every lookup.
 */
import type { TopicPartition } from '../types.js'

export class PartitionCatalog {
  readonly #byTopic = new Map<string, readonly TopicPartition[]>()
  readonly total: number

  /** `topics`: topic → partition count, in sorted topic order. */
  constructor(topics: ReadonlyMap<string, number>) {
    let total = 0
    for (const [topic, count] of topics) {
      this.#byTopic.set(
        topic,
        Array.from({ length: count }, (_, partition) => Object.freeze({ topic, partition })),
      )
      total += count
    }
    this.total = total
  }

  /** The canonical object for a partition, or undefined if it is not being assigned. */
  get(topic: string, partition: number): TopicPartition | undefined {
    return this.#byTopic.get(topic)?.[partition]
  }

  has(topic: string): boolean {
    return this.#byTopic.has(topic)
  }

  /** Sorted topics. */
  topics(): IterableIterator<string> {
    return this.#byTopic.keys()
  }

  partitions(topic: string): readonly TopicPartition[] {
    return this.#byTopic.get(topic) ?? []
  }

  /** Every partition of the given topics (default: all, sorted), in partition order within a topic. */
  all(topics: Iterable<string> = this.#byTopic.keys()): TopicPartition[] {
    const result: TopicPartition[] = []
    for (const topic of topics) result.push(...this.partitions(topic))
    return result
  }

  /** Canonical objects for claimed partitions, dropping unknown ones and duplicates. */
  canonical(claimed: Iterable<TopicPartition>): TopicPartition[] {
    const result = new Set<TopicPartition>()
    for (const { topic, partition } of claimed) {
      const tp = this.get(topic, partition)
      if (tp) result.add(tp)
    }
    return [...result]
  }
}

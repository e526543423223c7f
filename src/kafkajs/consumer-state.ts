/**
 * The kafkajs consumer's bookkeeping, as kafkajs keeps it: which partitions are paused (by topic, or
 * by partition; kafkajs's SubscriptionState, surviving rebalances), and the resolved and committed
 * offsets of the assigned partitions (kafkajs's OffsetManager without its I/O): `resolveOffset(o)`
 * makes `o + 1` the offset to commit; `uncommittedOffsets()` lists what differs from the last commit;
 * `commitOffsetsIfNecessary()`'s interval/threshold test lives here too.
 *
 * Owner: the kafkajs consumer; consumer-runner.ts drives it, the native Consumer does the I/O.
 */
import { topicPartitionKey } from '../internal/topic-partition.js'

export interface TopicPartitions {
  topic: string
  partitions: number[]
}

// kafkajs's own offsets types: `partition` is typed a number, but what kafkajs builds from its offset maps
// (uncommittedOffsets(), auto-commits) carries it as a string (an object key); so does the layer.
import type { PartitionOffset, TopicOffsets } from './types.js'

interface PauseState {
  paused: Set<number>
  pauseAll: boolean
  resumed: Set<number>
}

/** kafkajs's SubscriptionState: pause/resume by topic or partition; what is paused among the assigned partitions. */
export class PauseBook {
  #assigned = new Map<string, number[]>()
  readonly #states = new Map<string, PauseState>()

  assign(tps: TopicPartitions[]): void {
    this.#assigned = new Map(tps.map(({ topic, partitions }) => [topic, [...partitions]]))
  }

  #state(topic: string): PauseState {
    let s = this.#states.get(topic)
    if (s === undefined) this.#states.set(topic, (s = { paused: new Set(), pauseAll: false, resumed: new Set() }))
    return s
  }

  pause(tps: { topic: string; partitions?: number[] }[]): void {
    for (const { topic, partitions } of tps) {
      const s = this.#state(topic)
      if (partitions === undefined) {
        s.paused.clear()
        s.resumed.clear()
        s.pauseAll = true
      } else {
        for (const p of partitions) {
          s.paused.add(p)
          s.resumed.delete(p)
        }
        s.pauseAll = false
      }
    }
  }

  resume(tps: { topic: string; partitions?: number[] }[]): void {
    for (const { topic, partitions } of tps) {
      const s = this.#state(topic)
      if (partitions === undefined) {
        s.paused.clear()
        s.resumed.clear()
        s.pauseAll = false
      } else {
        for (const p of partitions) {
          s.paused.delete(p)
          if (s.pauseAll) s.resumed.add(p)
        }
      }
    }
  }

  isPaused(topic: string, partition: number): boolean {
    const s = this.#states.get(topic)
    if (s === undefined) return false
    return (s.pauseAll && !s.resumed.has(partition)) || s.paused.has(partition)
  }

  /** The assigned partitions that are paused, by topic (kafkajs sorts them as strings, so do we). */
  paused(): TopicPartitions[] {
    return [...this.#assigned]
      .map(([topic, partitions]) => ({
        topic,
        partitions: partitions.filter((p) => this.isPaused(topic, p)).sort(),
      }))
      .filter(({ partitions }) => partitions.length !== 0)
  }
}

interface PartitionOffsets {
  topic: string
  partition: number
  /** The last committed offset, or the partition's starting offset when the group has none (kafkajs's baseline). */
  committed: string | null
  /** The next offset to commit: last resolved + 1; null until something is resolved. */
  resolved: string | null
  /**
   * A message offset resolved through `resolver()` and not yet turned into `resolved` (its + 1): the
   * eachMessage loop resolves every message, and the arithmetic waits until something reads the offsets.
   */
  pending: string | null
}

/** `resolved` brought up to date with what the eachMessage loop resolved since. */
function settle(p: PartitionOffsets): PartitionOffsets {
  if (p.pending !== null) {
    p.resolved = (BigInt(p.pending) + 1n).toString()
    p.pending = null
  }
  return p
}

export class OffsetBook {
  readonly #partitions = new Map<string, PartitionOffsets>()
  #lastCommit = Date.now()

  constructor(
    readonly autoCommitInterval: number | null,
    readonly autoCommitThreshold: number | null,
  ) {}

  /** A new assignment starts from scratch, as kafkajs's new OffsetManager after each SyncGroup. */
  assign(tps: { topic: string; partition: number }[]): void {
    this.#partitions.clear()
    for (const { topic, partition } of tps) {
      const p: PartitionOffsets = { topic, partition, committed: null, resolved: null, pending: null }
      this.#partitions.set(topicPartitionKey(topic, partition), p)
    }
    this.#lastCommit = Date.now()
  }

  has(topic: string, partition: number): boolean {
    return this.#partitions.has(topicPartitionKey(topic, partition))
  }

  hasBaseline(topic: string, partition: number): boolean {
    return (this.#partitions.get(topicPartitionKey(topic, partition))?.committed ?? null) !== null
  }

  setBaseline(topic: string, partition: number, offset: string): void {
    const p = this.#partitions.get(topicPartitionKey(topic, partition))
    if (p !== undefined && p.committed === null) p.committed = offset
  }

  resolveOffset(topic: string, partition: number, offset: string): void {
    const p = this.#partitions.get(topicPartitionKey(topic, partition))
    if (p === undefined) return
    p.resolved = (BigInt(offset) + 1n).toString()
    p.pending = null
  }

  /**
   * resolveOffset() for one partition's messages, one after another (the eachMessage loop): no lookup
   * and no arithmetic per message. `offset` must be a message's own offset string.
   */
  resolver(topic: string, partition: number): (offset: string) => void {
    const p = this.#partitions.get(topicPartitionKey(topic, partition))
    return p === undefined
      ? () => {}
      : (offset) => {
          p.pending = offset
        }
  }

  /** The next offset processing resumes from (resolved, else the baseline), or null when unknown. */
  nextOffset(topic: string, partition: number): string | null {
    const p = this.#partitions.get(topicPartitionKey(topic, partition))
    return p === undefined ? null : (settle(p).resolved ?? p.committed)
  }

  /** After a seek with auto-commit (committed there) or a restart: start over from `offset`. */
  reset(topic: string, partition: number, committed: string | null): void {
    const p = this.#partitions.get(topicPartitionKey(topic, partition))
    if (p === undefined) return
    p.committed = committed
    p.resolved = null
    p.pending = null
  }

  uncommittedOffsets(): { topics: TopicOffsets[] } {
    const byTopic = new Map<string, PartitionOffset[]>()
    for (const p of this.#partitions.values()) {
      settle(p)
      if (p.resolved === null || p.resolved === p.committed || BigInt(p.resolved) < 0n) continue
      let list = byTopic.get(p.topic)
      if (list === undefined) byTopic.set(p.topic, (list = []))
      list.push({ partition: String(p.partition) as unknown as number, offset: p.resolved }) // kafkajs: a string
    }
    return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) }
  }

  /** Record a successful commit (also of offsets given explicitly). */
  committed(topics: TopicOffsets[]): void {
    for (const { topic, partitions } of topics) {
      for (const { partition, offset } of partitions) {
        const p = this.#partitions.get(topicPartitionKey(topic, Number(partition)))
        if (p !== undefined) p.committed = offset
      }
    }
    this.#lastCommit = Date.now()
  }

  /** Nothing to commit: kafkajs still restarts the interval. */
  touched(): void {
    this.#lastCommit = Date.now()
  }

  /** kafkajs's countResolvedOffsets: how far the resolved offsets are ahead of the committed ones. */
  #countResolved(): bigint {
    let sum = 0n
    for (const p of this.#partitions.values()) {
      settle(p)
      if (p.resolved === null) continue
      const committed = p.committed === null ? -1n : BigInt(p.committed)
      sum += committed < 0n ? BigInt(p.resolved) : BigInt(p.resolved) - committed
    }
    return sum
  }

  /** commitOffsetsIfNecessary()'s test: the interval elapsed or the threshold of resolved offsets reached. */
  commitDue(): boolean {
    const timeout = this.autoCommitInterval !== null && Date.now() >= this.#lastCommit + this.autoCommitInterval
    const threshold = this.autoCommitThreshold !== null && this.#countResolved() >= BigInt(this.autoCommitThreshold)
    return timeout || threshold
  }
}

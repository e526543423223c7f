/**
 * Partition moves made while balancing (Java's AbstractStickyAssignor.PartitionMovements), kept so
 * that balancing does not swap partitions of one topic back and forth between two members: when
 * X must give a partition of topic T to Y, and earlier a partition of T moved from Y to X, that
 * earlier move is undone instead of a new one made.
 */
import type { TopicPartition } from '../types.js'

interface Move {
  from: string
  to: string
}

export class PartitionMovements {
  /** Each moved partition's original owner and current destination. */
  readonly #moves = new Map<TopicPartition, Move>()
  /** topic → "from\0to" → partitions moved that way. */
  readonly #byTopic = new Map<string, Map<string, Set<TopicPartition>>>()

  /** The partition to move when `partition` should go from `from` to `to`: possibly an earlier move reversed. */
  partitionToMove(partition: TopicPartition, from: string, to: string): TopicPartition {
    const topicMoves = this.#byTopic.get(partition.topic)
    if (!topicMoves) return partition
    const earlier = this.#moves.get(partition)
    const origin = earlier ? earlier.from : from
    const reverse = topicMoves.get(pairKey(to, origin))
    if (!reverse) return partition
    return reverse.values().next().value as TopicPartition
  }

  record(partition: TopicPartition, from: string, to: string): void {
    const earlier = this.#moves.get(partition)
    if (earlier) {
      this.#remove(partition, earlier)
      // A partition that returns to its original owner has not moved at all.
      if (earlier.from !== to) this.#add(partition, { from: earlier.from, to })
    } else {
      this.#add(partition, { from, to })
    }
  }

  #add(partition: TopicPartition, move: Move): void {
    this.#moves.set(partition, move)
    let topicMoves = this.#byTopic.get(partition.topic)
    if (!topicMoves) this.#byTopic.set(partition.topic, (topicMoves = new Map()))
    const key = pairKey(move.from, move.to)
    let set = topicMoves.get(key)
    if (!set) topicMoves.set(key, (set = new Set()))
    set.add(partition)
  }

  #remove(partition: TopicPartition, move: Move): void {
    this.#moves.delete(partition)
    const topicMoves = this.#byTopic.get(partition.topic)!
    const key = pairKey(move.from, move.to)
    const set = topicMoves.get(key)!
    set.delete(partition)
    if (set.size === 0) topicMoves.delete(key)
    if (topicMoves.size === 0) this.#byTopic.delete(partition.topic)
  }
}

function pairKey(from: string, to: string): string {
  return JSON.stringify([from, to])
}

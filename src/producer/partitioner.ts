/**
 * Partition selection, bit for bit the Java client's default.
 *
 * - A record with an explicit partition goes there.
 * - A custom partitioner function (the `partitioner` option) decides next; it may return
 *   `undefined` (or -1) to fall back to the built-in logic below.
 * - A record with a key goes to `toPositive(murmur2(keyBytes)) % numPartitions`, exactly as
 *   `org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey`.
 * - A record without a key uses uniform sticky partitioning (KIP-480 / KIP-794): the producer
 *   stays on one partition until about `batchSize` bytes went to it (and its batch is full),
 *   then moves to another partition picked at random, weighted towards partitions whose
 *   queues are shorter (adaptive partitioning), among partitions that have a leader.
 *
 * Owned by the accumulator (one StickyPartitioner per topic). `partitionForKey` is public (for
 * custom partitioners and for computing a key's partition outside the producer).
 */

const M = 0x5bd1e995
const SEED = 0x9747b28c | 0

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): a signed 32-bit hash. */
export function murmur2(data: Uint8Array): number {
  const length = data.length
  let h = SEED ^ length
  const length4 = length & ~3
  for (let i = 0; i < length4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  switch (length & 3) {
    // The Java original falls through from 3 to 2 to 1.
    case 3:
      h ^= (data[length4 + 2]! << 16) | (data[length4 + 1]! << 8) | data[length4]!
      h = Math.imul(h, M)
      break
    case 2:
      h ^= (data[length4 + 1]! << 8) | data[length4]!
      h = Math.imul(h, M)
      break
    case 1:
      h ^= data[length4]!
      h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/**
 * murmur2 over the UTF-8 encoding of a string (the partitioning fast path for string keys):
 * equal to `murmur2(Buffer.from(s, 'utf8'))`. ASCII strings are hashed without allocating.
 */
export function murmur2String(s: string): number {
  const n = s.length
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) >= 0x80) return murmur2(Buffer.from(s, 'utf8'))
  }
  let h = SEED ^ n
  const n4 = n & ~3
  for (let i = 0; i < n4; i += 4) {
    let k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  if (n4 < n) {
    let tail = 0
    for (let i = n4; i < n; i++) tail |= s.charCodeAt(i) << ((i - n4) << 3)
    h ^= tail
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which differs for MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

/** The Java client's partition for a serialized key: `toPositive(murmur2(key)) % numPartitions`. */
export function partitionForKey(key: Uint8Array | string, numPartitions: number): number {
  const hash = typeof key === 'string' ? murmur2String(key) : murmur2(key)
  return toPositive(hash) % numPartitions
}

/** What a custom partitioner sees for one record. */
export interface PartitionerContext {
  topic: string
  /** The key as given to send(), before serialization. */
  key: unknown
  /** The serialized key, or null. */
  keyBytes: Uint8Array | null
  /** The value as given to send(). */
  value: unknown
  numPartitions: number
  /** Partitions that currently have a leader (ascending). */
  availablePartitions: readonly number[]
}

/**
 * A custom partitioner: returns a partition in [0, numPartitions), or `undefined` / -1 to use
 * the built-in logic (murmur2 for keyed records, uniform sticky otherwise).
 */
export type Partitioner = (context: PartitionerContext) => number | undefined

/** The topic facts the sticky partitioner needs, read from metadata. */
export interface TopicPartitionsView {
  numPartitions: number
  /** Partitions with a known leader, ascending. */
  availablePartitions: readonly number[]
}

/**
 * Uniform sticky partitioning for one topic (Java's BuiltInPartitioner). Call `partition()`
 * for the current sticky partition, then `onAppend()` with the bytes the record added to it.
 */
export class StickyPartitioner {
  #current = -1
  #producedBytes = 0
  /** Cumulative frequency table and partition ids from the last load update, or null. */
  #cft: Int32Array | null = null
  #cftIds: Int32Array | null = null
  #cftLength = 0

  constructor(
    readonly stickyBatchSize: number,
    private readonly random: () => number = randomInt,
  ) {
    if (stickyBatchSize < 1) throw new RangeError(`stickyBatchSize must be >= 1, got ${stickyBatchSize}`)
  }

  /** The current sticky partition, choosing one if there is none yet. */
  partition(view: TopicPartitionsView): number {
    if (this.#current < 0 || this.#current >= view.numPartitions) {
      this.#current = this.#next(view)
      this.#producedBytes = 0
    }
    return this.#current
  }

  /**
   * Records that `appendedBytes` went to the current partition. Switches partition once
   * `stickyBatchSize` bytes were produced and `enableSwitch` (the partition's last batch is
   * full, so no half-filled batch is left behind), or unconditionally at twice that.
   */
  onAppend(appendedBytes: number, enableSwitch: boolean, view: TopicPartitionsView): void {
    const produced = (this.#producedBytes += appendedBytes)
    if ((produced >= this.stickyBatchSize && enableSwitch) || produced >= this.stickyBatchSize * 2) {
      this.#current = this.#next(view)
      this.#producedBytes = 0
    }
  }

  /** Forgets the current partition (e.g. the partition count changed). */
  reset(): void {
    this.#current = -1
    this.#producedBytes = 0
  }

  /**
   * Adaptive partitioning (KIP-794): `queueSizes[i]` is the number of batches queued for
   * partition `partitionIds[i]`, for the first `length` entries (partitions with a leader).
   * Partitions with shorter queues become proportionally more likely. Modifies the arrays.
   */
  updateLoadStats(queueSizes: Int32Array | null, partitionIds: Int32Array | null, length: number): void {
    if (queueSizes === null || partitionIds === null || length < 1 || queueSizes.length < 2) {
      this.#cft = null
      return
    }
    let maxPlus1 = queueSizes[0]!
    let allEqual = true
    for (let i = 1; i < length; i++) {
      const q = queueSizes[i]!
      if (q !== maxPlus1) allEqual = false
      if (q > maxPlus1) maxPlus1 = q
    }
    maxPlus1++
    if (allEqual && length === queueSizes.length) {
      this.#cft = null
      return
    }
    queueSizes[0] = maxPlus1 - queueSizes[0]!
    for (let i = 1; i < length; i++) queueSizes[i] = maxPlus1 - queueSizes[i]! + queueSizes[i - 1]!
    this.#cft = queueSizes
    this.#cftIds = partitionIds
    this.#cftLength = length
  }

  #next(view: TopicPartitionsView): number {
    const random = this.random()
    const cft = this.#cft
    if (cft !== null) {
      const length = this.#cftLength
      const weighted = random % cft[length - 1]!
      // First entry strictly greater than `weighted`.
      let lo = 0
      let hi = length - 1
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (cft[mid]! > weighted) hi = mid
        else lo = mid + 1
      }
      const p = this.#cftIds![lo]!
      if (p < view.numPartitions) return p
    }
    const available = view.availablePartitions
    if (available.length > 0) return available[random % available.length]!
    return random % view.numPartitions
  }
}

function randomInt(): number {
  return (Math.random() * 0x80000000) | 0
}

/**
 * One partition's data from one Fetch response (Java's CompletedFetch), drained lazily by the
 * Fetcher's collect(): batches are decoded one at a time and records one by one as poll() hands
 * them out; control batches and, with read_committed, aborted transactions are skipped here.
 * Also the unit of the consumer's memory bound (FetchedFrame: the response it is a view into).
 */
import type { RecordShape } from '../internal/seams.js'
import { batches, ControlRecordType, type RecordBatch, type RecordCursor } from '../protocol/records/index.js'
import { scanRecordsEnd } from '../protocol/records/scan.js'
import { RecordDeserializationError } from './errors.js'
import type { TopicPartitionState } from './subscription-state.js'
import type { ConsumerRecord, Deserializer } from './types.js'

export const identity: Deserializer<any> = (data) => data

export interface AbortedTxn {
  producerId: bigint
  firstOffset: bigint
}

/**
 * One Fetch response's frame, for the memory bound: its record bytes (the partitions' record sets are
 * views into the frame, so it lives until the last of its CompletedFetches is drained or dropped).
 */
export interface FetchedFrame {
  readonly nodeId: number
  readonly bytes: number
}

/** One partition's data from one Fetch response, consumed lazily. */
export class CompletedFetch {
  readonly state: TopicPartitionState
  /** The response the records are a view into (null: an error, no data). */
  frame: FetchedFrame | null = null
  readonly fetchOffset: bigint
  readonly sizeInBytes: number
  nextFetchOffset: bigint
  lastEpoch = -1
  consumed = false
  initialized = false
  /** An error to raise when this partition is reached (records before it are returned first). */
  error: Error | null = null
  readonly #batches: Generator<RecordBatch, void, undefined> | null
  #batch: RecordBatch | null = null
  #cursor: RecordCursor | null = null
  readonly #aborted: AbortedTxn[] | null
  #abortedIndex = 0
  readonly #abortedProducers = new Set<bigint>()
  readonly #readCommitted: boolean

  constructor(
    state: TopicPartitionState,
    fetchOffset: bigint,
    records: Buffer | null,
    checkCrcs: boolean,
    readCommitted: boolean,
    aborted: AbortedTxn[] | null,
  ) {
    this.state = state
    this.fetchOffset = fetchOffset
    this.nextFetchOffset = fetchOffset
    this.sizeInBytes = records?.length ?? 0
    this.#batches = records !== null && records.length > 0 ? batches(records, { checkCrcs }) : null
    this.#readCommitted = readCommitted
    this.#aborted =
      aborted !== null && aborted.length > 0
        ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1))
        : null
    if (this.#batches === null) this.consumed = true
    if (records !== null) {
      const end = scanRecordsEnd(records)
      this.endOffset = end.nextOffset
      this.lastBatchEpoch = end.lastEpoch
    }
  }

  /** Offset after the last complete batch (-1n: unknown), and its leader epoch: where the next, pipelined fetch starts. */
  endOffset = -1n
  lastBatchEpoch = -1

  #nextBatch(): RecordBatch | null {
    const it = this.#batches
    if (it === null) return null
    const r = it.next()
    return r.done ? null : r.value
  }

  /**
   * The next batch to read records from (null when the response is drained). Advances
   * nextFetchOffset past batches skipped whole: already consumed, control batches (transaction
   * markers), and with read_committed the batches of aborted transactions.
   */
  #nextDataBatch(): RecordBatch | null {
    for (;;) {
      const batch = this.#nextBatch()
      if (batch === null) return null
      if (batch.nextOffset <= this.nextFetchOffset) continue
      if (this.#readCommitted && batch.producerId >= 0n) {
        this.#consumeAbortedUpTo(batch.lastOffset)
        if (batch.isControl) {
          const control = batch.controlRecord()
          if (control !== null && control.type === ControlRecordType.ABORT)
            this.#abortedProducers.delete(batch.producerId)
        } else if (batch.isTransactional && this.#abortedProducers.has(batch.producerId)) {
          this.nextFetchOffset = batch.nextOffset
          continue
        }
      }
      if (batch.isControl) {
        this.nextFetchOffset = batch.nextOffset
        continue
      }
      return batch
    }
  }

  /**
   * Up to `max` records from here, deserialized, appended to `out`. Advances nextFetchOffset past
   * returned records and skipped batches (control batches, aborted transactions).
   *
   * The hot loop of the consumer: records are decoded through a RecordCursor (no intermediate
   * record or iterator-result objects), records before the position are skipped by comparing
   * offset deltas (numbers), and nextFetchOffset (a bigint) is updated once per batch or call,
   * not per record. Deserializers (and their context object) are skipped when none was given.
   * With a `shape` (the CONSUMER_RECORD_SHAPE seam), `out` receives what it builds instead.
   */
  fetch<K, V>(
    max: number,
    out: ConsumerRecord<K, V>[],
    keyDe: Deserializer<K>,
    valueDe: Deserializer<V>,
    shape: RecordShape | null = null,
  ): void {
    const s = this.state
    const topic = s.topic
    const partition = s.partition
    const plainKey = keyDe === identity
    const plainValue = valueDe === identity
    let batch = this.#batch
    let cursor = this.#cursor
    /** Records of `batch` whose offset delta is below this were consumed already. */
    let minDelta = batch === null ? 0 : Number(this.nextFetchOffset - batch.baseOffset)
    /** Delta of the last record of `batch` returned by this call (-1: none yet). */
    let lastDelta = -1
    try {
      while (out.length < max && !this.consumed) {
        if (batch === null || cursor === null) {
          batch = this.#nextDataBatch()
          if (batch === null) {
            this.consumed = true
            break
          }
          cursor = batch.cursor()
          this.#batch = batch
          this.#cursor = cursor
          minDelta = Number(this.nextFetchOffset - batch.baseOffset)
          lastDelta = -1
        }
        const base = batch.baseOffset
        const timestampType = batch.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'
        const leaderEpoch = batch.partitionLeaderEpoch
        for (;;) {
          if (out.length >= max) break
          if (!cursor.next()) {
            if (lastDelta >= 0) this.nextFetchOffset = base + BigInt(lastDelta + 1)
            lastDelta = -1
            if (batch.nextOffset > this.nextFetchOffset) this.nextFetchOffset = batch.nextOffset
            this.#batch = batch = null
            this.#cursor = cursor = null
            break
          }
          const delta = cursor.offsetDelta
          if (delta < minDelta) continue
          if (shape !== null) {
            out.push(
              shape(base, delta, cursor.timestamp, cursor.key, cursor.value, cursor.headers) as ConsumerRecord<K, V>,
            )
            lastDelta = delta
            this.lastEpoch = leaderEpoch
            continue
          }
          // bigint + BigInt(small int) is optimised by V8 (~4 ns); BigInt(large number) is a runtime call (~16 ns).
          const offset = base + BigInt(delta)
          const headers = cursor.headers ?? []
          let key: K
          let value: V
          if (plainKey && plainValue) {
            key = cursor.key as K
            value = cursor.value as V
          } else {
            const ctx = { topic, partition, headers }
            try {
              key = plainKey ? (cursor.key as K) : keyDe(cursor.key, ctx)
              value = plainValue ? (cursor.value as V) : valueDe(cursor.value, ctx)
            } catch (err) {
              throw new RecordDeserializationError(
                `Cannot deserialize the record at offset ${offset} of ${topic}-${partition}: ${String((err as Error)?.message ?? err)}. ` +
                  'seek() past it to continue.',
                s.tp,
                offset,
                err,
              )
            }
          }
          out.push({
            topic,
            partition,
            offset,
            timestamp: cursor.timestamp,
            timestampType,
            key,
            value,
            headers,
            leaderEpoch,
          })
          lastDelta = delta
          this.lastEpoch = leaderEpoch
        }
      }
    } finally {
      // Records returned before the limit, an error or a bad record: the position moves past them.
      if (lastDelta >= 0 && batch !== null) this.nextFetchOffset = batch.baseOffset + BigInt(lastDelta + 1)
    }
  }

  #consumeAbortedUpTo(offset: bigint): void {
    const aborted = this.#aborted
    if (aborted === null) return
    while (this.#abortedIndex < aborted.length && aborted[this.#abortedIndex]!.firstOffset <= offset) {
      this.#abortedProducers.add(aborted[this.#abortedIndex]!.producerId)
      this.#abortedIndex++
    }
  }
}

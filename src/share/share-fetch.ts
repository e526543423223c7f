/**
 * One partition of a ShareFetch response turned into records, sans-IO (Java's ShareCompletedFetch):
 * the records whose offsets fall in the AcquiredRecords ranges, each with its range's delivery
 * count, and the acquired offsets that hold no record (control batches, compacted records) as
 * gaps to acknowledge. Records outside the ranges were acquired by other members: skipped.
 * Decoded at once (a share fetch is bounded by maxRecords); a record that cannot be deserialized
 * becomes an error entry in its place (poll() raises it, after the records before it).
 */
import { RecordDeserializationError } from '../consumer/errors.js'
import type { Deserializer } from '../consumer/types.js'
import { batches } from '../protocol/records/index.js'
import type { SharePartition } from './acknowledgements.js'
import type { ShareConsumerRecord } from './types.js'

export interface AcquiredRange {
  firstOffset: bigint
  lastOffset: bigint
  deliveryCount: number
}

/** A record, or the deserialization error of the record at that offset. */
export type ShareFetchEntry<K, V> =
  | { record: ShareConsumerRecord<K, V>; error?: undefined }
  | { record?: undefined; error: RecordDeserializationError; offset: bigint }

export interface DecodedPartition<K, V> {
  entries: ShareFetchEntry<K, V>[]
  gaps: bigint[]
}

export interface DecodeOptions<K, V> {
  checkCrcs: boolean
  keyDeserializer: Deserializer<K> | null
  valueDeserializer: Deserializer<V> | null
}

export function decodeSharePartition<K, V>(
  p: SharePartition,
  records: Buffer | null,
  acquired: readonly AcquiredRange[],
  options: DecodeOptions<K, V>,
): DecodedPartition<K, V> {
  const entries: ShareFetchEntry<K, V>[] = []
  const ranges = [...acquired].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1))
  if (ranges.length === 0) return { entries, gaps: [] }
  const seen = new Set<bigint>()
  const { topic, partition } = p
  const keyDe = options.keyDeserializer
  const valueDe = options.valueDeserializer
  let r = 0
  if (records !== null && records.length > 0) {
    for (const batch of batches(records, { checkCrcs: options.checkCrcs })) {
      if (batch.isControl) continue
      if (batch.lastOffset < ranges[0]!.firstOffset) continue
      const cursor = batch.cursor()
      const base = batch.baseOffset
      const timestampType = batch.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'
      while (cursor.next()) {
        const offset = base + BigInt(cursor.offsetDelta)
        while (r < ranges.length && ranges[r]!.lastOffset < offset) r++
        if (r === ranges.length) break
        const range = ranges[r]!
        if (offset < range.firstOffset) continue
        seen.add(offset)
        const headers = cursor.headers ?? []
        let key: K
        let value: V
        try {
          const ctx = { topic, partition, headers }
          key = keyDe === null ? (cursor.key as K) : keyDe(cursor.key, ctx)
          value = valueDe === null ? (cursor.value as V) : valueDe(cursor.value, ctx)
        } catch (err) {
          const error = new RecordDeserializationError(
            `Cannot deserialize the record at offset ${offset} of ${topic}-${partition}: ${String((err as Error)?.message ?? err)}. ` +
              'It was rejected (it will not be delivered again).',
            { topic, partition },
            offset,
            err,
          )
          entries.push({ error, offset })
          continue
        }
        entries.push({
          record: {
            topic,
            partition,
            offset,
            timestamp: cursor.timestamp,
            timestampType,
            key,
            value,
            headers,
            leaderEpoch: batch.partitionLeaderEpoch,
            deliveryCount: range.deliveryCount,
          },
        })
      }
      if (r === ranges.length) break
    }
  }
  const gaps: bigint[] = []
  for (const range of ranges) {
    for (let o = range.firstOffset; o <= range.lastOffset; o++) if (!seen.has(o)) gaps.push(o)
  }
  return { entries, gaps }
}

/**
 * Where a Fetch response's records end, read from batch headers only (no record is decoded, no CRC
 * checked): the offset after the last complete batch and that batch's partition leader epoch. The
 * consumer starts its next, pipelined fetch of a partition there while poll() still drains the
 * records (consumer/fetcher.ts); this is the one place above which nobody reads the header bytes.
 *
 * Both layouts share the first 17 bytes: offset int64, length int32, then (v2) partition leader
 * epoch int32 or (magic 0/1) crc uint32, then magic int8. A v2 batch ends at baseOffset +
 * lastOffsetDelta + 1; a legacy message (a compressed wrapper too: its offset is its last inner
 * message's) at its offset + 1, with no leader epoch (-1). A batch the broker cut short at the end
 * is not counted, as in `batches()`.
 */

const LOG_OVERHEAD = 12
const LENGTH_OFFSET = 8
const PARTITION_LEADER_EPOCH_OFFSET = 12
const MAGIC_OFFSET = 16
const LAST_OFFSET_DELTA_OFFSET = 23
const RECORDS_COUNT_OFFSET = 57
/** Length field of the smallest v2 batch (61 bytes in all) and of the smallest legacy message. */
const MIN_V2_LENGTH = 49
const MIN_LEGACY_LENGTH = 14

export interface RecordsEnd {
  /** The offset after the last complete batch; -1n when there is none or the bytes are not a record set. */
  readonly nextOffset: bigint
  /** The partition leader epoch of the last complete batch; -1 for legacy messages or none. */
  readonly lastEpoch: number
}

const NONE: RecordsEnd = { nextOffset: -1n, lastEpoch: -1 }

/**
 * The end of a records buffer (see the module header). Stops, with what it found so far, at a
 * batch cut short; returns `nextOffset: -1n` for a header it cannot read (a length below the
 * smallest batch or an unknown magic): `batches()` reports those as a ProtocolError when reached.
 */
export function scanRecordsEnd(records: Uint8Array): RecordsEnd {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength)
  const end = records.byteLength
  let pos = 0
  let result = NONE
  while (end - pos >= LOG_OVERHEAD + 5) {
    const length = view.getInt32(pos + LENGTH_OFFSET)
    const magic = records[pos + MAGIC_OFFSET]
    if (magic === 2) {
      if (length < MIN_V2_LENGTH) return NONE
      if (length > end - pos - LOG_OVERHEAD) break
      result = {
        nextOffset: view.getBigInt64(pos) + BigInt(view.getInt32(pos + LAST_OFFSET_DELTA_OFFSET) + 1),
        lastEpoch: view.getInt32(pos + PARTITION_LEADER_EPOCH_OFFSET),
      }
    } else if (magic === 0 || magic === 1) {
      if (length < MIN_LEGACY_LENGTH) return NONE
      if (length > end - pos - LOG_OVERHEAD) break
      result = { nextOffset: view.getBigInt64(pos) + 1n, lastEpoch: -1 }
    } else {
      return NONE
    }
    pos += LOG_OVERHEAD + length
  }
  return result
}

/**
 * How many records the complete v2 batches of a records buffer hold, from their headers'
 * recordsCount (the consumer's records-per-request metric). Legacy messages and a batch cut
 * short at the end are not counted; nothing is decoded.
 */
export function countRecords(records: Uint8Array): number {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength)
  const end = records.byteLength
  let pos = 0
  let count = 0
  while (end - pos >= LOG_OVERHEAD + 5) {
    const length = view.getInt32(pos + LENGTH_OFFSET)
    if (length < MIN_LEGACY_LENGTH || length > end - pos - LOG_OVERHEAD) break
    if (records[pos + MAGIC_OFFSET] === 2 && length >= MIN_V2_LENGTH) count += view.getInt32(pos + RECORDS_COUNT_OFFSET)
    pos += LOG_OVERHEAD + length
  }
  return count
}

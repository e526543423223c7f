/**
 * The MaxBytes of a ShareFetch, sans-IO (issue #21). The broker reads each partition's share of
 * MaxBytes from its log (MaxBytes ÷ the partitions in the request) and walks every batch header of
 * that slice to find the last one before it acquires records (SharePartition.acquire:
 * `records.lastBatch()`), then slices the response down to the records it acquired — at most
 * MaxRecords (maxPollRecords), plus the rest of the last batch. With Java's default fetch.max.bytes
 * (50 MiB) that walk spans up to 50 MiB of log per request for ~0.5 MB handed out: broker time per
 * request grows with MaxBytes, not with what is returned (docs/performance.md, share section).
 *
 * So a ShareFetch asks for what maxPollRecords records need: per partition, twice the bytes of
 * maxPollRecords records at the average size seen in the last response, at least 1 MiB (Java's
 * max.partition.fetch.bytes default, and what ShareConsumerPerformance sends), and never more than
 * fetchMaxBytes. The first request (no size seen yet) asks for fetchMaxBytes. A budget that falls
 * short only means fewer records in one response (the broker always returns a first batch, however
 * large); the next request uses the new average.
 */

/** The least a partition is given: Java's max.partition.fetch.bytes default. */
export const MIN_PARTITION_BUDGET = 1048576

export class ShareFetchBudget {
  /** Bytes per acquired record in the last response that carried records; 0 before the first. */
  #bytesPerRecord = 0

  /** A response carried `bytes` of record batches for `acquired` acquired offsets. */
  observe(bytes: number, acquired: number): void {
    if (bytes > 0 && acquired > 0) this.#bytesPerRecord = bytes / acquired
  }

  /** MaxBytes for a ShareFetch of `partitions` partitions. */
  maxBytes(fetchMaxBytes: number, maxPollRecords: number, partitions: number): number {
    if (this.#bytesPerRecord === 0) return fetchMaxBytes
    const perPartition = Math.max(MIN_PARTITION_BUDGET, Math.ceil(2 * this.#bytesPerRecord * maxPollRecords))
    return Math.min(fetchMaxBytes, perPartition * Math.max(1, partitions))
  }
}

/** How many offsets AcquiredRecords ranges span. */
export function acquiredCount(ranges: readonly { firstOffset: bigint; lastOffset: bigint }[]): number {
  let n = 0
  for (const r of ranges) n += Number(r.lastOffset - r.firstOffset) + 1
  return n
}

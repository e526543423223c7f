// The raw Fetch of benchmarks/consumer/throughput.mjs (its "ceiling") and read-cost.mjs: Fetch
// requests as the consumer sends them (1 MiB per partition, 50 MiB per response, v12 by topic name,
// no session) through kafka-wire's network layer, and a walk over each response's batch headers
// only (no CRC check, decompression or record decoding).

/**
 * A fetcher of `topic`'s partitions 0..offsets.length-1 from `leader` over `cluster`, starting at
 * `offsets` (bigints, advanced by walk()). `fetch()` sends one Fetch; `walk(response)` moves the
 * offsets past its whole batches and returns { records, bytes }; any error code fails the run (an
 * error would leave the offsets where they are and a loop spinning).
 */
export function rawFetcher({ cluster, Apis, ZERO_UUID }, leader, topic, offsets) {
  const fetch = () =>
    cluster.send(
      leader,
      Apis.Fetch,
      {
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 52428800,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            topicId: ZERO_UUID, // a Fetch below v13 names the topic; the id field is then ignored
            partitions: offsets.map((fetchOffset, partition) => ({
              partition,
              currentLeaderEpoch: -1,
              fetchOffset,
              lastFetchedEpoch: -1,
              logStartOffset: -1n,
              partitionMaxBytes: 1048576,
            })),
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      },
      { workload: 'fetch', maxVersion: 12 },
    )
  const walk = (res) => {
    if (res.errorCode !== 0) throw new Error(`raw fetch: Fetch failed with error code ${res.errorCode}`)
    let records = 0
    let bytes = 0
    for (const t of res.responses) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw new Error(`raw fetch: partition ${p.partitionIndex}: error code ${p.errorCode}`)
        const buf = p.records
        if (buf === null || buf === undefined) continue
        let pos = 0
        // Batch header: baseOffset int64, batchLength int32, ..., lastOffsetDelta int32 at 23,
        // recordCount int32 at 57; a partial batch at the end is left for the next fetch.
        while (pos + 61 <= buf.length) {
          const end = pos + 12 + buf.readInt32BE(pos + 8)
          if (end > buf.length) break
          records += buf.readInt32BE(pos + 57)
          bytes += end - pos
          offsets[p.partitionIndex] = buf.readBigInt64BE(pos) + BigInt(buf.readInt32BE(pos + 23)) + 1n
          pos = end
        }
      }
    }
    return { records, bytes }
  }
  return { fetch, walk }
}

#!/usr/bin/env node
/**
 * Message codec (src/protocol/schema/codec.ts) throughput: whole request/response frames
 * through encodeRequest / decodeResponse, as the network layer uses them.
 *
 *   npm run build && node benchmarks/codec/messages.bench.mjs [--quick]
 *
 * - Produce request encode: 6 partitions, each a prebuilt 16 KiB record batch (attached by
 *   reference, not copied), at v9 (first flexible) and the highest version.
 * - Fetch response decode: 6 partitions × 1 MiB of records (zero-copy slices of the frame).
 * - Metadata response decode and encode: 100 topics × 6 partitions, 3 brokers.
 * - Small requests: Metadata for 3 topics, Heartbeat — the per-call overhead.
 * Figures are ops/s and µs/op of the best of several timed runs after a warm-up (the best run
 * is the least disturbed by other processes on a shared machine), with the median beside it.
 */
// KAFKA_WIRE_DIST=<dir> compares another build (e.g. a copy of dist/esm from before a change).
const dist = process.env.KAFKA_WIRE_DIST ?? new URL('../../dist/esm', import.meta.url).pathname
const { Apis, decodeResponse, encodeRequest, encodeResponse } = await import(`${dist}/protocol/index.js`)

const quick = process.argv.includes('--quick')
const runs = quick ? 3 : 7
const runMs = quick ? 100 : 400

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}
const best = (xs) => Math.max(...xs)

let sink = 0
function measure(fn) {
  const results = []
  for (let r = 0; r < runs + 1; r++) {
    let ops = 0
    const t0 = process.hrtime.bigint()
    let ns = 0
    do {
      for (let i = 0; i < 16; i++) sink ^= fn() | 0
      ops += 16
      ns = Number(process.hrtime.bigint() - t0)
    } while (ns < runMs * 1e6)
    if (r > 0) results.push((ops / ns) * 1e9)
  }
  return { best: best(results), median: median(results) }
}

const rows = []
function report(name, { best: opsPerSec, median: medianOps }, bytesPerOp) {
  const row = {
    benchmark: name,
    'ops/s': Math.round(opsPerSec).toLocaleString('en-US'),
    'µs/op': (1e6 / opsPerSec).toFixed(2),
    'µs/op (median)': (1e6 / medianOps).toFixed(2),
  }
  if (bytesPerOp !== undefined) row['MB/s (frame)'] = ((opsPerSec * bytesPerOp) / 1e6).toFixed(0)
  rows.push(row)
  console.log(`${name.padEnd(58)} ${row['ops/s'].padStart(12)} ops/s ${row['µs/op'].padStart(9)} µs/op`)
}

const frameLength = (chunks) => chunks.reduce((n, c) => n + c.length, 0)

// ---------------------------------------------------------------------------------------------
// Produce request: 6 partitions × 16 KiB prebuilt batches

const batch16k = Array.from({ length: 6 }, (_, i) => Buffer.alloc(16 * 1024, i + 1))
const topicId = Buffer.alloc(16, 7).toString('base64url')
for (const v of [9, Apis.Produce.maxVersion]) {
  const body = {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [
      { name: 'bench-topic', topicId, partitionData: batch16k.map((records, index) => ({ index, records })) },
    ],
  }
  const size = frameLength(encodeRequest(Apis.Produce, v, 1, 'bench', body))
  let id = 0
  report(
    `Produce v${v} request encode (6 × 16 KiB batches)`,
    measure(() => encodeRequest(Apis.Produce, v, id++, 'bench', body).length),
    size,
  )
}

// ---------------------------------------------------------------------------------------------
// Fetch response: 6 partitions × 1 MiB records

for (const v of [12, Apis.Fetch.maxVersion]) {
  const body = {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 123,
    responses: [
      {
        topic: 'bench-topic',
        topicId,
        partitions: Array.from({ length: 6 }, (_, i) => ({
          partitionIndex: i,
          errorCode: 0,
          highWatermark: 1_000_000n,
          lastStableOffset: 1_000_000n,
          logStartOffset: 0n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: Buffer.alloc(1024 * 1024, i),
        })),
      },
    ],
  }
  const frame = Buffer.concat(encodeResponse(Apis.Fetch, v, 1, body)).subarray(4)
  report(
    `Fetch v${v} response decode (6 × 1 MiB records)`,
    measure(() => decodeResponse(Apis.Fetch, v, frame).responses.length),
    frame.length,
  )
}

// ---------------------------------------------------------------------------------------------
// Metadata response: 100 topics × 6 partitions

for (const v of [9, 12]) {
  const body = {
    throttleTimeMs: 0,
    brokers: [1, 2, 3].map((nodeId) => ({ nodeId, host: `broker-${nodeId}.example.com`, port: 9092, rack: null })),
    clusterId: 'abcdefghijklmnopqrstuv',
    controllerId: 1,
    topics: Array.from({ length: 100 }, (_, t) => ({
      errorCode: 0,
      name: `topic-${t}`,
      topicId: Buffer.alloc(16, t + 1).toString('base64url'),
      isInternal: false,
      partitions: Array.from({ length: 6 }, (_, p) => ({
        errorCode: 0,
        partitionIndex: p,
        leaderId: (p % 3) + 1,
        leaderEpoch: 5,
        replicaNodes: [1, 2, 3],
        isrNodes: [1, 2, 3],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: -2147483648,
    })),
  }
  const frame = Buffer.concat(encodeResponse(Apis.Metadata, v, 1, body)).subarray(4)
  report(
    `Metadata v${v} response decode (100 topics × 6 partitions)`,
    measure(() => decodeResponse(Apis.Metadata, v, frame).topics.length),
    frame.length,
  )
  const decoded = decodeResponse(Apis.Metadata, v, frame)
  report(
    `Metadata v${v} response encode (100 topics × 6 partitions)`,
    measure(() => encodeResponse(Apis.Metadata, v, 1, decoded).length),
    frame.length,
  )
}

// ---------------------------------------------------------------------------------------------
// Small requests: per-call overhead

{
  const body = { topics: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], allowAutoTopicCreation: false }
  let id = 0
  report(
    'Metadata v12 request encode (3 topics)',
    measure(() => encodeRequest(Apis.Metadata, 12, id++, 'bench', body).length),
  )
  const hb = { groupId: 'bench-group', generationId: 5, memberId: 'member-1', groupInstanceId: null }
  report(
    'Heartbeat v4 request encode',
    measure(() => encodeRequest(Apis.Heartbeat, 4, id++, 'bench', hb).length),
  )
}

console.log()
console.table(rows)
if (sink === 0.5) console.log(sink) // keep results alive

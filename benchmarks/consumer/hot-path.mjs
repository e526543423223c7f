#!/usr/bin/env node
/**
 * The consumer's CPU cost per record without a broker: Fetch request planning (fetch sessions) →
 * (fake) response → CompletedFetch → lazy batch/record decoding → deserializers → ConsumerRecords →
 * the application iterating them, against an in-process fake cluster that answers every Fetch at
 * once with ~maxPartitionFetchBytes of batches per partition (shaped like Java ProducerPerformance's:
 * no key, random A–Z values, big batches). Isolates the client's own cost from the broker and the
 * network; use with `node --cpu-prof` to profile the hot path.
 *
 *   node benchmarks/consumer/hot-path.mjs [records=3000000] [size=100] [compression=none|lz4] [headers=0]
 *   KAFKA_WIRE_DIST=<dir> measures another build of dist/esm.
 */
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = process.env.KAFKA_WIRE_DIST ?? path.join(here, '../../dist/esm')
const load = (p) => import(pathToFileURL(path.join(dist, p)).href)
const { Fetcher } = await load('consumer/fetcher.js')
const { SubscriptionState } = await load('consumer/subscription-state.js')
const { resolveConsumerOptions } = await load('consumer/options.js')
const { RecordBatchBuilder, CompressionType, setBaseOffset, loadCodec } = await load('protocol/records/index.js')

const total = Number(process.argv[2] ?? 3_000_000)
const size = Number(process.argv[3] ?? 100)
const compression = process.argv[4] ?? 'none'
const headerCount = Number(process.argv[5] ?? 0)
const codec = compression === 'lz4' ? CompressionType.LZ4 : CompressionType.NONE
if (codec !== CompressionType.NONE) loadCodec(codec)
const topic = 'hot'
const partitions = 3
const options = resolveConsumerOptions({ bootstrapServers: 'x:1', autoOffsetReset: 'earliest' })

// One partition's response template: batches of up to 256 KiB (ProducerPerformance with
// batch.size=262144) filling maxPartitionFetchBytes; base offsets are patched per response.
function template() {
  const chunks = []
  const batchOffsets = []
  let bytes = 0
  let offset = 0
  const headers = Array.from({ length: headerCount }, (_, i) => [`h${i}`, Buffer.from(`v${i}`)])
  while (bytes < options.maxPartitionFetchBytes) {
    const b = new RecordBatchBuilder({ batchSizeLimit: 262144, compression: codec })
    const ts = Date.now()
    for (;;) {
      const v = Buffer.allocUnsafe(size)
      for (let i = 0; i < size; i++) v[i] = 65 + Math.floor(Math.random() * 26)
      if (!b.tryAppend(ts, null, v, headerCount > 0 ? headers : null)) break
    }
    const built = Buffer.from(b.build())
    if (bytes + built.length > options.maxPartitionFetchBytes && chunks.length > 0) break
    batchOffsets.push({ at: bytes, length: built.length, delta: offset })
    chunks.push(built)
    bytes += built.length
    offset += b.recordCount
  }
  return { buf: Buffer.concat(chunks), batchOffsets, records: offset }
}
const tpl = template()

const md = {
  name: topic,
  topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
  errorCode: 0,
  partitions: Array.from({ length: partitions }, (_, p) => ({ partition: p, leaderId: 0, leaderEpoch: 0 })),
}
const fakeCluster = {
  brokers: new Map([[0, { nodeId: 0 }]]),
  topic: (name) => (name === topic ? md : undefined),
  leaderFor: () => ({ nodeId: 0, leaderEpoch: 0 }),
  requestMetadataRefresh: () => {},
  invalidateMetadata: () => {},
  send: async (_node, _api, build) => {
    // Cluster.send builds the body for the version it chose (v16 here).
    const body = typeof build === 'function' ? build(16) : build
    // Answer on a later turn of the event loop, as a socket read would.
    await new Promise((r) => setImmediate(r))
    return {
      errorCode: 0,
      sessionId: 1,
      responses: body.topics.map((t) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => {
          // A fresh buffer per response, copied like the frame decoder does.
          const records = Buffer.allocUnsafeSlow(tpl.buf.length)
          tpl.buf.copy(records)
          for (const b of tpl.batchOffsets)
            setBaseOffset(records.subarray(b.at, b.at + b.length), p.fetchOffset + BigInt(b.delta))
          return {
            partitionIndex: p.partition,
            errorCode: 0,
            highWatermark: p.fetchOffset + BigInt(tpl.records),
            lastStableOffset: -1n,
            logStartOffset: 0n,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records,
          }
        }),
      })),
    }
  },
}

const subs = new SubscriptionState('earliest')
subs.assignFromUser(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })))
for (let p = 0; p < partitions; p++) {
  subs.seekUnvalidated({ topic, partition: p }, { offset: 0n, offsetEpoch: -1, leaderId: 0, leaderEpoch: 0 })
}
let wake = null
const fetcher = new Fetcher({
  cluster: fakeCluster,
  subscriptions: subs,
  options,
  requestTimeoutMs: 30000,
  onData: () => wake?.(),
})

async function consume(n) {
  let count = 0
  let bytes = 0
  while (count < n) {
    const records = fetcher.collect(2000)
    fetcher.sendFetches()
    if (records.isEmpty) {
      await new Promise((r) => {
        wake = r
      })
      continue
    }
    for (const r of records) {
      count++
      bytes += r.value.length
    }
  }
  return bytes
}

await consume(Math.min(total, 300_000)) // warm-up
const cpu = process.cpuUsage()
const start = process.hrtime.bigint()
await consume(total)
const seconds = Number(process.hrtime.bigint() - start) / 1e9
const used = process.cpuUsage(cpu)
const cpuUs = ((used.user + used.system) / total).toFixed(3)
console.log(
  `${total} records of ${size} B, ${compression}${headerCount ? `, ${headerCount} headers` : ''}: ` +
    `${Math.round(total / seconds).toLocaleString('en-US')} rec/s, ${cpuUs} µs CPU/record ` +
    `(${tpl.records} records, ${tpl.batchOffsets.length} batches per partition response)`,
)
fetcher.close()

/**
 * The producer benchmark's ceiling (run by run.mjs in its own process): what one broker on this
 * machine accepts from a client that does no per-record work. One batch per partition is encoded
 * once (`batchSize` bytes of the benchmark's records, uncompressed or lz4) and the same bytes are
 * sent in every Produce request — one batch per partition of the 3-partition topic, at most 5
 * requests in flight, through kafka-wire's network layer — until `records` records were
 * acknowledged. No Node client can produce faster than this with the same batch size.
 * argv[2]: JSON { mode: 'throughput', bootstrap, topic, records, size, acks, compression, batchSize }.
 */
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { emit, payload, peakRssMb } from './common.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = process.env.KAFKA_WIRE_DIST ?? path.join(here, '../../dist/esm')
const load = (p) => import(pathToFileURL(path.join(dist, p)).href)
const { Cluster, resolveCommonOptions } = await load('cluster/index.js')
const { Apis } = await load('protocol/index.js')
const { RecordBatchBuilder, CompressionType, loadCodec } = await load('protocol/records/index.js')

const cfg = JSON.parse(process.argv[2])
if (cfg.mode !== 'throughput') throw new Error('client-raw-produce measures throughput only')
const compression = cfg.compression === 'lz4' ? CompressionType.LZ4 : CompressionType.NONE
if (compression !== CompressionType.NONE) loadCodec(compression)
const value = payload(cfg.size)
const builder = new RecordBatchBuilder({ batchSizeLimit: cfg.batchSize ?? 16384, compression })
while (builder.tryAppend(Date.now(), null, value, null)) {}
const batch = builder.build()
const perBatch = builder.recordCount

const cluster = new Cluster(resolveCommonOptions({ bootstrapServers: cfg.bootstrap }))
const md = (await cluster.topicMetadata([cfg.topic])).get(cfg.topic)
const byLeader = new Map()
for (const p of md.partitions) {
  if (!byLeader.has(p.leaderId)) byLeader.set(p.leaderId, [])
  byLeader.get(p.leaderId).push(p.partition)
}
const acks = cfg.acks === 'all' ? -1 : cfg.acks
const produce = (leader, partitions) =>
  cluster.send(
    leader,
    Apis.Produce,
    {
      transactionalId: null,
      acks,
      timeoutMs: 30000,
      topicData: [
        { name: cfg.topic, topicId: md.topicId, partitionData: partitions.map((index) => ({ index, records: batch })) },
      ],
    },
    { workload: 'produce', timeoutMs: 30000 },
  )
const check = (res) => {
  for (const t of res.responses)
    for (const p of t.partitionResponses) if (p.errorCode !== 0) throw new Error(`Produce error ${p.errorCode}`)
}
// Connection and metadata before timing, as the clients' first send.
for (const [leader, partitions] of byLeader) check(await produce(leader, partitions))

let acked = 0
let sent = 0
const cpu0 = process.cpuUsage()
const t0 = performance.now()
await Promise.all(
  [...byLeader].map(async ([leader, partitions]) => {
    const perRequest = perBatch * partitions.length
    const share = Math.ceil(cfg.records / byLeader.size)
    let done = 0
    // Five requests in flight per connection, as the producers' maxInFlightRequestsPerConnection.
    const lane = async () => {
      while (done < share) {
        done += perRequest
        sent += perRequest
        check(await produce(leader, partitions))
        acked += perRequest
      }
    }
    await Promise.all(Array.from({ length: 5 }, lane))
  }),
)
const seconds = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(cpu0)
await cluster.close()
emit({
  records: acked,
  seconds,
  recordsPerSec: acked / seconds,
  mbPerSec: (acked * cfg.size) / seconds / 1e6,
  cpuUsPerRecord: (cpu.user + cpu.system) / acked,
  peakRssMb: peakRssMb(),
  recordsPerBatch: perBatch,
  requestsSent: Math.round(sent / perBatch),
})

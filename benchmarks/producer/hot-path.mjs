#!/usr/bin/env node
/**
 * The producer's CPU cost per record without a broker: send() → serialize → partition →
 * append → drain → Produce request encoding → (fake) response → promises resolved, against an
 * in-process fake cluster that answers every Produce at once. Isolates the client's own cost
 * from the broker and the network; use with `node --cpu-prof` to profile the hot path.
 *
 *   node benchmarks/producer/hot-path.mjs [records=2000000] [size=100] [keyed=0]
 *
 * OTEL=1 runs it with kafka-wire/otel's instrumentation (../otel-setup.mjs): the cost of a `send`
 * span and its traceparent header per record.
 */
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { instrumentIfAsked } from '../otel-setup.mjs'
import { payload } from './common.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = process.env.KAFKA_WIRE_DIST ?? path.join(here, '../../dist/esm')
const { Producer } = await import(pathToFileURL(path.join(dist, 'index.js')).href)
const { Apis, encodeRequest } = await import(pathToFileURL(path.join(dist, 'protocol/index.js')).href)
const { PRODUCER_CLUSTER } = await import(pathToFileURL(path.join(dist, 'internal/seams.js')).href)

const n = Number(process.argv[2] ?? 2_000_000)
const size = Number(process.argv[3] ?? 100)
const keyed = process.argv[4] === '1'
const topic = 'hot'
const partitions = 6
const md = {
  name: topic,
  topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
  isInternal: false,
  errorCode: 0,
  partitions: Array.from({ length: partitions }, (_, p) => ({
    partition: p,
    leaderId: p % 3,
    leaderEpoch: 0,
    replicas: [p % 3],
    isr: [p % 3],
    offlineReplicas: [],
    errorCode: 0,
  })),
}
const offsets = new Array(partitions).fill(0n)
let correlation = 0
const fakeCluster = {
  topic: (name) => (name === topic ? md : undefined),
  topicMetadata: async () => new Map([[topic, md]]),
  refreshMetadata: async () => {},
  requestMetadataRefresh: () => {},
  updateLeader: () => false,
  connect: async () => {},
  close: async () => {},
  sendAny: async () => ({ errorCode: 0, producerId: 1n, producerEpoch: 0, throttleTimeMs: 0 }),
  send: async (_node, api, body) => {
    // Encode as the connection would (the cost of framing the request), then answer.
    encodeRequest(api, 12, correlation++, 'bench', body)
    // Answer on a later turn of the event loop, as a socket read would.
    await new Promise((r) => setImmediate(r))
    return {
      throttleTimeMs: 0,
      responses: body.topicData.map((t) => ({
        name: t.name,
        topicId: t.topicId,
        partitionResponses: t.partitionData.map((p) => {
          const count = p.records.readInt32BE(57)
          const baseOffset = offsets[p.index]
          offsets[p.index] += BigInt(count)
          return {
            index: p.index,
            errorCode: 0,
            baseOffset,
            logAppendTimeMs: -1n,
            logStartOffset: 0n,
            recordErrors: [],
            errorMessage: null,
          }
        }),
      })),
    }
  },
}
if (Apis.Produce === undefined) throw new Error('protocol not loaded')

await instrumentIfAsked(dist)

const producer = new Producer({
  bootstrapServers: 'fake:9092',
  lingerMs: 5,
  acks: 'all',
  bufferMemory: Number(process.env.BUFFER_MEMORY ?? 33554432),
  [PRODUCER_CLUSTER]: fakeCluster,
})
const value = payload(size)
const keys = Array.from({ length: 1000 }, (_, i) => `key-${i}`)
await producer.send({ topic, value })
const cpu0 = process.cpuUsage()
const t0 = performance.now()
for (let i = 0; i < n; i++) {
  if (keyed) producer.send({ topic, key: keys[i % 1000], value })
  else producer.send({ topic, value })
  if (process.env.PROGRESS && i % 200_000 === 0) {
    console.log(
      i,
      Math.round(performance.now() - t0),
      'ms',
      producer.bufferedBytes,
      'B buffered',
      Math.round(process.memoryUsage().rss / 1e6),
      'MB RSS',
    )
  }
  // Pause while sends wait for buffer memory, as a Java send() blocks.
  if ((i & 1023) === 0) while (producer.waitingSends > 0) await new Promise((r) => setTimeout(r, 1))
}
await producer.flush()
const ms = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
await producer.close()
console.log(
  `${n} records of ${size} B${keyed ? ' keyed' : ''}: ${Math.round((n / ms) * 1000).toLocaleString()} records/s, ` +
    `${((n * size) / ms / 1000).toFixed(1)} MB/s, ${((cpu.user + cpu.system) / n).toFixed(3)} µs CPU/record, ` +
    `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
)

/**
 * kafkajs client of the producer benchmark, with its best batching: sendBatch() of 1000
 * messages, up to `concurrency` calls in flight. LZ4 uses kafka-wire's codec (kafkajs has none
 * built in). argv[2]: JSON config as client-kafka-wire.mjs, plus `concurrency`.
 */
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import kafkajs from 'kafkajs'
import { emit, paced, payload, peakRssMb, percentile } from './common.mjs'

const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = kafkajs
const here = path.dirname(fileURLToPath(import.meta.url))
const dist = process.env.KAFKA_WIRE_DIST ?? path.join(here, '../../dist/esm')

const cfg = JSON.parse(process.argv[2])
if (cfg.compression === 'lz4') {
  const records = await import(pathToFileURL(path.join(dist, 'protocol/records/index.js')).href)
  records.loadCodec(records.CompressionType.LZ4)
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder) => records.compress(records.CompressionType.LZ4, encoder.buffer),
    decompress: async (buffer) => records.decompress(records.CompressionType.LZ4, buffer),
  })
}
const compression = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, lz4: CompressionTypes.LZ4 }[
  cfg.compression
]
const acks = cfg.acks === 'all' ? -1 : cfg.acks
const kafka = new Kafka({ clientId: 'bench', brokers: cfg.bootstrap.split(','), logLevel: logLevel.NOTHING })
const producer = kafka.producer({ allowAutoTopicCreation: false })
await producer.connect()
const topic = cfg.topic
const value = payload(cfg.size)
await producer.send({ topic, acks, compression, messages: [{ value }] })

if (cfg.mode === 'throughput') {
  const n = cfg.records
  const per = 1000
  const messages = Array.from({ length: per }, () => ({ value }))
  const concurrency = cfg.concurrency ?? 5
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let next = 0
  const worker = async () => {
    while (next < n) {
      const count = Math.min(per, n - next)
      next += count
      await producer.sendBatch({
        acks,
        compression,
        topicMessages: [{ topic, messages: count === per ? messages : messages.slice(0, count) }],
      })
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  await producer.disconnect()
  emit({
    records: n,
    seconds,
    recordsPerSec: n / seconds,
    mbPerSec: (n * cfg.size) / seconds / 1e6,
    cpuUsPerRecord: (cpu.user + cpu.system) / n,
    peakRssMb: peakRssMb(),
  })
} else {
  const latencies = new Float64Array(cfg.records)
  const pending = []
  await paced(cfg.rate, cfg.records, (i) => {
    const t = performance.now()
    pending.push(
      producer
        .send({ topic, acks, compression, messages: [{ value }] })
        .then(() => (latencies[i] = performance.now() - t)),
    )
  })
  await Promise.all(pending)
  await producer.disconnect()
  latencies.sort()
  emit({
    records: cfg.records,
    rate: cfg.rate,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1],
    peakRssMb: peakRssMb(),
  })
}

/**
 * kafka-wire producer client of the producer benchmark (run by run.mjs in its own process).
 * argv[2]: JSON { mode: 'throughput' | 'latency', bootstrap, topic, records, size, acks,
 * compression, lingerMs, rate? }. Imports the build (dist/esm, or $KAFKA_WIRE_DIST).
 */
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { emit, paced, payload, peakRssMb, percentile } from './common.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = process.env.KAFKA_WIRE_DIST ?? path.join(here, '../../dist/esm')
const { Producer } = await import(pathToFileURL(path.join(dist, 'index.js')).href)

const cfg = JSON.parse(process.argv[2])
const value = payload(cfg.size)
const producer = new Producer({
  bootstrapServers: cfg.bootstrap,
  acks: cfg.acks,
  lingerMs: cfg.lingerMs,
  compressionType: cfg.compression,
  batchSize: cfg.batchSize ?? 16384,
})
const topic = cfg.topic
await producer.send({ topic, value }) // metadata, connection and producer id before timing

if (cfg.mode === 'throughput') {
  // Like ProducerPerformance: send as fast as possible; like a Java send() blocked on a full
  // buffer, pause while sends are waiting for buffer memory, so memory stays bounded.
  const n = cfg.records
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    producer.send({ topic, value })
    if ((i & 1023) === 0) while (producer.waitingSends > 0) await new Promise((r) => setTimeout(r, 1))
  }
  await producer.flush()
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  await producer.close()
  emit({
    records: n,
    seconds,
    recordsPerSec: n / seconds,
    mbPerSec: (n * cfg.size) / seconds / 1e6,
    cpuUsPerRecord: (cpu.user + cpu.system) / n,
    peakRssMb: peakRssMb(),
  })
} else {
  // send() → acknowledgement latency at a fixed rate.
  const latencies = new Float64Array(cfg.records)
  const pending = []
  await paced(cfg.rate, cfg.records, (i) => {
    const t = performance.now()
    pending.push(producer.send({ topic, value }).then(() => (latencies[i] = performance.now() - t)))
  })
  await Promise.all(pending)
  await producer.close()
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

#!/usr/bin/env node
/**
 * RecordBatch v2 encode/decode throughput per codec, for 100 B and 1 KiB records.
 *
 *   npm run build && node benchmarks/codec/record-batch.bench.mjs [--quick] [--cpu] [--batch-size N] [--codecs none,lz4]
 *
 * --cpu measures process CPU time instead of wall time (for a busy shared machine).
 * KAFKA_WIRE_DIST=<dir> benchmarks another build of dist/esm (default: ../../dist/esm).
 *
 * Encode: RecordBatchBuilder.tryAppend until the batch is full (batch size 16 KiB by default,
 * Kafka's `batch.size`), then build() (compression + header + CRC-32C).
 * Decode: batches() + records() over the same batches, CRC checked (the consumer default),
 * reading every record's value.
 * MB/s counts record payload (key + value bytes), 1 MB = 10^6 bytes. Each figure is the median
 * of several runs. Record values are JSON-like text, so compression ratios are realistic.
 */
const dist = process.env.KAFKA_WIRE_DIST ?? new URL('../../dist/esm/', import.meta.url).pathname
const { batches, CompressionType, loadCodec, RecordBatchBuilder } = await import(`${dist}/protocol/records/index.js`)

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const cpu = args.includes('--cpu')
const now = () => {
  if (!cpu) return Number(process.hrtime.bigint())
  const u = process.cpuUsage()
  return (u.user + u.system) * 1000
}
const arg = (name, dflt) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
const batchSize = Number(arg('--batch-size', '16384'))
const codecNames = arg('--codecs', 'none,gzip,snappy,lz4,zstd').split(',')
const runs = quick ? 3 : 7
const runMs = quick ? 100 : 400

// Deterministic pseudo-random JSON-ish values.
let seed = 42
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
const words = ['signup', 'view', 'purchase', 'click', 'logout', 'search', 'twitter', 'google', 'direct', 'email']
function makeValue(size) {
  let s = ''
  while (s.length < size) {
    s += `{"id":${(rand() * 1e6) | 0},"user":"user_${(rand() * 30000) | 0}","event":"${words[(rand() * 10) | 0]}","ts":${1700000000000 + ((rand() * 1e9) | 0)},"amount":${(rand() * 1000).toFixed(2)},"session":"${((rand() * 0xffffffff) >>> 0).toString(16)}"}`
  }
  return Buffer.from(s.slice(0, size))
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

function measure(fn) {
  // fn() runs one unit of work and returns the number of records it handled.
  const results = []
  for (let r = 0; r < runs + 1; r++) {
    let records = 0
    const t0 = now()
    let ns = 0
    do {
      // Several units between clock reads: process.cpuUsage() costs about a microsecond.
      for (let k = 0; k < 8; k++) records += fn()
      ns = now() - t0
    } while (ns < runMs * 1e6)
    if (r > 0) results.push((records / ns) * 1e9) // first run is warm-up
  }
  return median(results)
}

const rows = []
for (const valueSize of [100, 1024]) {
  const count = 2000
  const values = Array.from({ length: count }, () => makeValue(valueSize))
  const keys = Array.from({ length: count }, (_, i) => Buffer.from(`key-${i % 1000}`.padEnd(8, '_')))
  const payloadPerRecord = values[0].length + keys[0].length
  for (const name of codecNames) {
    const compression = CompressionType[name.toUpperCase()]
    loadCodec(compression)
    const ts = 1700000000000
    let next = 0
    const encodeOne = () => {
      const b = new RecordBatchBuilder({ compression, batchSizeLimit: batchSize })
      let n = 0
      while (b.tryAppend(ts + n, keys[next], values[next])) {
        n++
        next = next + 1 === count ? 0 : next + 1
      }
      b.build()
      return n
    }
    // Encoded corpus for decoding: ~4 MB of payload.
    const built = []
    let corpusRecords = 0
    while (corpusRecords * payloadPerRecord < 4e6) {
      const b = new RecordBatchBuilder({ compression, batchSizeLimit: batchSize })
      while (b.tryAppend(ts + corpusRecords, keys[corpusRecords % count], values[corpusRecords % count]))
        corpusRecords++
      built.push(b.build())
    }
    const corpus = Buffer.concat(built)
    const decodeAll = () => {
      let n = 0
      let bytes = 0
      for (const batch of batches(corpus)) {
        for (const record of batch.records()) {
          bytes += record.value.length
          n++
        }
      }
      if (bytes === 0) throw new Error('nothing decoded')
      return n
    }
    const enc = measure(encodeOne)
    const dec = measure(decodeAll)
    const wire = corpus.length / corpusRecords
    rows.push({
      valueSize,
      name,
      enc,
      dec,
      mbEnc: (enc * payloadPerRecord) / 1e6,
      mbDec: (dec * payloadPerRecord) / 1e6,
      wire,
    })
    console.error(`done ${valueSize} ${name}`)
  }
}

console.log(
  `Node ${process.version}, batch size ${batchSize} B, key 8 B, ${runs} runs × ${runMs} ms ${cpu ? 'CPU' : 'wall'} time, median`,
)
console.log('')
console.log('| value | codec | wire B/record | encode records/s | encode MB/s | decode records/s | decode MB/s |')
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |')
const fmt = (n) => Math.round(n).toLocaleString('en-US')
for (const r of rows) {
  console.log(
    `| ${r.valueSize} B | ${r.name} | ${r.wire.toFixed(1)} | ${fmt(r.enc)} | ${r.mbEnc.toFixed(0)} | ${fmt(r.dec)} | ${r.mbDec.toFixed(0)} |`,
  )
}

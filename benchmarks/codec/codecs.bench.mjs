#!/usr/bin/env node
/**
 * Codec-level measurements behind the choices in src/protocol/records (see docs/performance.md, "Codec"):
 * CRC-32C throughput of the pure-JS implementation, and zstd through zstd-napi vs node:zlib
 * (node:zlib only has zstd on Node >= 22.15; run this with a Node 22 binary to compare),
 * plus LZ4 through lz4-napi vs the pure-JS fallback, and the registry's LZ4 decoder (the frame in JS,
 * its blocks through lz4-napi).
 *
 *   npm run build && node benchmarks/codec/codecs.bench.mjs [--cpu]
 *
 * Inputs are record sections of 100 B JSON-like records (what a producer compresses).
 */
import { createRequire } from 'node:module'
import zlib from 'node:zlib'

const dist = process.env.KAFKA_WIRE_DIST ?? new URL('../../dist/esm/', import.meta.url).pathname
const { crc32c, compressLz4Frame, RecordBatchBuilder } = await import(`${dist}/protocol/records/index.js`)
const require = createRequire(import.meta.url)
const cpu = process.argv.includes('--cpu')
const clock = () => {
  if (!cpu) return performance.now()
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

function throughput(bytes, fn, ms = 300) {
  // Repeat fn enough times between clock reads (~0.1 ms) that reading the clock costs nothing.
  let inner = 1
  for (const t = performance.now(); performance.now() - t < 0.2; inner++) fn()
  const results = []
  for (let r = 0; r < 6; r++) {
    const t0 = clock()
    let it = 0
    while (clock() - t0 < ms) {
      for (let k = 0; k < inner; k++) fn()
      it += inner
    }
    if (r > 0) results.push((bytes * it) / (clock() - t0) / 1e3) // MB/s
  }
  results.sort((a, b) => a - b)
  return results[results.length >> 1]
}

let seed = 7
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
function section(size) {
  const b = new RecordBatchBuilder({ batchSizeLimit: size })
  let i = 0
  while (
    b.tryAppend(
      i,
      Buffer.from(`key-${i++}`),
      Buffer.from(
        `{"id":${(rand() * 1e6) | 0},"user":"user_${(rand() * 30000) | 0}","event":"view","amount":${(rand() * 1000).toFixed(2)}}`.padEnd(
          100,
          ' ',
        ),
      ),
    )
  );
  return b.build().subarray(61)
}

console.log(`Node ${process.version}, ${cpu ? 'CPU' : 'wall'} time, median MB/s`)
console.log('\n| CRC-32C (pure JS) | 128 B | 1 KiB | 16 KiB | 1 MiB |\n| --- | ---: | ---: | ---: | ---: |')
const crcRow = [128, 1024, 16384, 1 << 20].map((n) => {
  const b = Buffer.alloc(n, 0x5a)
  return throughput(n, () => crc32c(b)).toFixed(0)
})
console.log(`| slicing-by-16 | ${crcRow.join(' | ')} |`)

const sizes = [16384, 1 << 20]
const inputs = sizes.map(section)
console.log(
  '\n| codec | 16 KiB compress | 16 KiB decompress | 1 MiB compress | 1 MiB decompress |\n| --- | ---: | ---: | ---: | ---: |',
)
const row = (name, c, d) => {
  const cells = inputs.flatMap((input) => {
    const packed = c(input)
    return [throughput(input.length, () => c(input)).toFixed(0), throughput(input.length, () => d(packed)).toFixed(0)]
  })
  console.log(`| ${name} | ${cells.join(' | ')} |`)
}
try {
  const zn = require('zstd-napi')
  const comp = new zn.Compressor()
  comp.setParameters({ compressionLevel: 3 })
  const dec = new zn.Decompressor()
  row(
    'zstd-napi (level 3)',
    (b) => comp.compress(b),
    (b) => dec.decompress(b),
  )
} catch {
  console.log('| zstd-napi | not installed | | | |')
}
if (typeof zlib.zstdCompressSync === 'function') {
  const params = { [zlib.constants.ZSTD_c_compressionLevel]: 3 }
  row(
    'node:zlib zstd (level 3)',
    (b) => zlib.zstdCompressSync(b, { params }),
    (b) => zlib.zstdDecompressSync(b),
  )
} else {
  console.log('| node:zlib zstd | needs Node >= 22.15 | | | |')
}
const lz4 = require('lz4-napi')
row(
  'lz4-napi frame',
  (b) => lz4.compressFrameSync(b),
  (b) => lz4.decompressFrameSync(b),
)
const { decompressLz4Frame, decompress, CompressionType } = await import(`${dist}/protocol/records/index.js`)
row(
  'pure-JS LZ4 (ours)',
  (b) => compressLz4Frame(b),
  (b) => decompressLz4Frame(b, 1 << 30),
)
// What the consumer uses: the frame read in JS, its blocks decoded by lz4-napi's uncompressSync.
row(
  'ours, blocks through lz4-napi (the registry)',
  (b) => compressLz4Frame(b),
  (b) => decompress(CompressionType.LZ4, b, 1 << 30),
)

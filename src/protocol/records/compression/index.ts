/**
 * The codec registry: compression type id → codec, loaded lazily and synchronously.
 *
 * Native codec packages are `require`d the first time a codec is used (never at startup),
 * resolved from kafka-wire's own location (`moduleDir`), so both builds and the tests load
 * them the same way. Built in, needing no package: none, gzip (node:zlib), LZ4 (pure JS when
 * `lz4-napi` is absent), and zstd on Node ≥ 22.15 (node:zlib) when `zstd-napi` is absent.
 * Packages: snappy (`snappy`), LZ4 (`lz4-napi`, preferred when installed: it compresses, and
 * decodes the blocks of the frames lz4.ts reads), zstd (`zstd-napi`, preferred: measured 2–4×
 * faster than node:zlib's zstd).
 *
 * A codec whose package is not installed throws KafkaError `ERR_CODEC_UNAVAILABLE` naming the
 * package to install. The producer calls `loadCodec` for its configured codec at startup to
 * fail early; the consumer just decompresses.
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ConfigError, KafkaError, ProtocolError } from '../../../errors.js'
import { moduleDir } from '../../../internal/module-dir.js'
import { compressOnWorker } from './compression-thread.js'
import { gzipCodec } from './gzip.js'
import { createLz4Codec, jsLz4Codec, type Lz4Api } from './lz4.js'
import { createSnappyCodec, type SnappyApi } from './snappy.js'
import {
  COMPRESSION_NAMES,
  type Codec,
  type CompressionName,
  CompressionType,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
} from './types.js'
import {
  createNodeZstdCodec,
  createZstdNapiCodec,
  nodeHasZstd,
  type ZstdNapiApi,
  type ZstdNapiBinding,
} from './zstd.js'

export { compressLz4Frame, decompressLz4Frame } from './lz4.js'
export {
  COMPRESSION_NAMES,
  type Codec,
  type CompressionName,
  CompressionType,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
} from './types.js'

const noneCodec: Codec = {
  compress: (input) => input,
  decompress(input, maxSize) {
    if (input.length > maxSize) throw new ProtocolError(`Data of ${input.length} bytes exceeds ${maxSize}`)
    return input
  },
}

/** Codecs by type id, filled on first use. */
const codecs: (Codec | undefined)[] = [noneCodec, gzipCodec, undefined, undefined, undefined]
/** Why a codec could not be loaded (remembered: a missing package stays missing). */
const failures: (KafkaError | undefined)[] = []
const PACKAGES: readonly string[] = ['', '', 'snappy', 'lz4-napi', 'zstd-napi']

let requireFromHere: NodeJS.Require | undefined
function requirePackage(name: string): unknown {
  requireFromHere ??= createRequire(join(moduleDir, 'index.js'))
  return requireFromHere(name)
}

/**
 * LZ4 loads lz4-napi on first use (compression, and the blocks of a frame when decompressing) and
 * falls back to pure JS when it is not installed, so LZ4 is always available.
 */
const lz4Codec: Codec = {
  compress(input) {
    return resolveLz4().compress(input)
  },
  // No compressAsync here: compressOnThreadPool resolves the real codec first.
  decompress(input, maxSize) {
    return resolveLz4().decompress(input, maxSize)
  },
}

function resolveLz4(): Codec {
  let codec: Codec
  try {
    codec = createLz4Codec(requirePackage('lz4-napi') as Lz4Api)
  } catch {
    codec = jsLz4Codec
  }
  codecs[CompressionType.LZ4] = codec
  return codec
}

function loadNative(type: CompressionType): Codec {
  const failed = failures[type]
  if (failed !== undefined) throw failed
  try {
    switch (type) {
      case CompressionType.SNAPPY:
        return createSnappyCodec(requirePackage('snappy') as SnappyApi)
      case CompressionType.ZSTD:
        try {
          return createZstdNapiCodec(
            requirePackage('zstd-napi') as ZstdNapiApi,
            requirePackage('zstd-napi/binding.js') as ZstdNapiBinding,
          )
        } catch (err) {
          if (nodeHasZstd()) return createNodeZstdCodec()
          throw err
        }
      default:
        return codecs[type]!
    }
  } catch (err) {
    const pkg = PACKAGES[type]!
    const extra = type === CompressionType.ZSTD ? ' (or use Node.js >= 22.15, which has zstd built in)' : ''
    const error = new KafkaError(
      `${COMPRESSION_NAMES[type]} compression needs the "${pkg}" package, which could not be loaded: npm install ${pkg}${extra}`,
      'ERR_CODEC_UNAVAILABLE',
      { cause: err },
    )
    failures[type] = error
    throw error
  }
}

function codecFor(type: number): Codec {
  const codec = codecs[type]
  if (codec !== undefined) return codec
  if (!(type >= 0 && type <= 4 && Number.isInteger(type))) throw new ProtocolError(`Unknown compression type ${type}`)
  if (type === CompressionType.LZ4) return (codecs[type] = lz4Codec)
  return (codecs[type] = loadNative(type as CompressionType))
}

/**
 * Loads the codec for `type` now (compression and decompression), so that a missing package
 * is reported at startup. Throws KafkaError `ERR_CODEC_UNAVAILABLE` naming the package.
 */
export function loadCodec(type: CompressionType): void {
  if (codecFor(type) === lz4Codec) resolveLz4()
}

/** Whether `type` can be used here (its package is installed); loads it if so. */
export function isCodecAvailable(type: CompressionType): boolean {
  try {
    loadCodec(type)
    return true
  } catch (err) {
    if (err instanceof KafkaError && err.code === 'ERR_CODEC_UNAVAILABLE') return false
    throw err
  }
}

/** Compresses synchronously. `level` is codec-specific (gzip 1–9, zstd 1–22; others ignore it). */
export function compress(type: CompressionType, input: Buffer, level?: number): Buffer {
  return codecFor(type).compress(input, level)
}

/**
 * Decompresses synchronously, producing at most `maxSize` bytes. Throws ProtocolError for
 * malformed input, an unknown type or a larger output (a decompression bomb is rejected,
 * not allocated), and KafkaError `ERR_CODEC_UNAVAILABLE` if the codec's package is missing.
 */
export function decompress(type: CompressionType, input: Buffer, maxSize = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  return codecFor(type).decompress(input, maxSize)
}

/** Inputs at least this large are compressed on the libuv thread pool by `compressAsync`. */
export const ASYNC_COMPRESS_THRESHOLD = 256 * 1024

/**
 * Compresses, off the event loop for inputs of `ASYNC_COMPRESS_THRESHOLD` bytes or more (measured:
 * below that the hand-off costs more than it saves). If the other thread fails (the compression
 * worker died), compresses here instead: a codec error is then thrown by the codec itself.
 */
export async function compressAsync(type: CompressionType, input: Buffer, level?: number): Promise<Buffer> {
  const onPool = input.length >= ASYNC_COMPRESS_THRESHOLD ? compressOnThreadPool(type, input, level) : null
  if (onPool === null) return compress(type, input, level)
  return onPool.catch(() => compress(type, input, level))
}

/**
 * Compresses off the event loop whatever the input size: on the libuv thread pool where the
 * codec has a variant for it (gzip, snappy, lz4-napi, node:zlib's zstd), else on the compression
 * worker thread (zstd-napi, the pure-JS LZ4 compressor). Returns null when neither can (no
 * build to start the worker from). The caller must not change `input` until the promise settles.
 */
export function compressOnThreadPool(type: CompressionType, input: Buffer, level?: number): Promise<Buffer> | null {
  let codec = codecFor(type)
  if (codec === lz4Codec) codec = resolveLz4() // lz4-napi, or the pure-JS codec (no thread pool)
  if (codec.compressAsync === undefined) return compressOnWorker(type, input, level)
  return codec.compressAsync(input, level)
}

/** `compression.type` name → id. */
export function compressionTypeFromName(name: CompressionName | string): CompressionType {
  const i = COMPRESSION_NAMES.indexOf(name as CompressionName)
  if (i < 0)
    throw new ConfigError(
      'compressionType',
      `unknown compression type "${name}" (expected one of ${COMPRESSION_NAMES.join(', ')})`,
    )
  return i as CompressionType
}

/** Id → `compression.type` name. */
export function compressionName(type: CompressionType): CompressionName {
  const name = COMPRESSION_NAMES[type]
  if (name === undefined) throw new ProtocolError(`Unknown compression type ${type}`)
  return name
}

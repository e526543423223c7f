/**
 * The codec registry: compression type id → codec, loaded lazily.
 *
 * Native codec packages are loaded with `import()` on first request (`loadCodec`), never at
 * startup; `import()` is the one lazy loader that works in both our ESM and CJS builds. The
 * codec functions themselves are synchronous, so a caller loads once and then compresses or
 * decompresses without awaiting:
 *
 * - always available: none, gzip (node:zlib), lz4 decompression (pure JS), and zstd on
 *   Node ≥ 22.15 (node:zlib);
 * - needs `await loadCodec(type)` first: snappy (`snappy`), lz4 compression (`lz4-napi`),
 *   and zstd through the faster `zstd-napi` (which replaces node:zlib's once loaded).
 *
 * Using a codec that is not loaded throws KafkaError `ERR_CODEC_NOT_LOADED`; a package that
 * is not installed makes `loadCodec` reject with KafkaError `ERR_CODEC_UNAVAILABLE` naming
 * the package to install. The producer loads its configured codec when it starts; the
 * consumer loads a batch's codec when `isCodecLoaded` says it must.
 */
import { ConfigError, KafkaError, ProtocolError } from '../../../errors.js'
import { gzipCodec } from './gzip.js'
import { createLz4Codec, decompressLz4Frame, type Lz4Api } from './lz4.js'
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

export { decompressLz4Frame } from './lz4.js'
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

/** Decompression-only LZ4 until lz4-napi is loaded for compression. */
const lz4DecompressOnly: Codec = {
  compress: () => notLoaded(CompressionType.LZ4),
  decompress: decompressLz4Frame,
}

/** Fully usable codecs by type id. */
const loaded: (Codec | undefined)[] = [noneCodec, gzipCodec, undefined, undefined, undefined]
/** Codecs that can decompress (and maybe compress through a slower backend) before loading. */
const fallback: (Codec | undefined)[] = [
  noneCodec,
  gzipCodec,
  undefined,
  lz4DecompressOnly,
  nodeHasZstd() ? createNodeZstdCodec() : undefined,
]
const pending: (Promise<void> | undefined)[] = []

const PACKAGES: readonly string[] = ['', '', 'snappy', 'lz4-napi', 'zstd-napi']

/** Imports a package by a computed name, so a missing optional one is a runtime error, not a type error. */
async function importPackage(name: string): Promise<unknown> {
  const mod = (await import(name)) as { default?: unknown }
  // ESM import of a CJS package puts module.exports on `default`; a CJS build's require does not.
  return mod.default !== undefined && typeof mod.default === 'object' ? mod.default : mod
}

function unavailable(type: CompressionType, cause: unknown): KafkaError {
  const pkg = PACKAGES[type]!
  const extra = type === CompressionType.ZSTD ? ' (or use Node.js ≥ 22.15, which has zstd built in)' : ''
  return new KafkaError(
    `${COMPRESSION_NAMES[type]} compression needs the "${pkg}" package: npm install ${pkg}${extra}`,
    'ERR_CODEC_UNAVAILABLE',
    { cause },
  )
}

function notLoaded(type: CompressionType): never {
  throw new KafkaError(
    `The ${COMPRESSION_NAMES[type]} codec is not loaded: await loadCodec(${type}) before using it`,
    'ERR_CODEC_NOT_LOADED',
  )
}

function checkType(type: number): asserts type is CompressionType {
  if (!(type >= 0 && type <= 4 && Number.isInteger(type))) throw new ProtocolError(`Unknown compression type ${type}`)
}

async function load(type: CompressionType): Promise<void> {
  try {
    switch (type) {
      case CompressionType.SNAPPY:
        loaded[type] = createSnappyCodec((await importPackage('snappy')) as SnappyApi)
        break
      case CompressionType.LZ4:
        loaded[type] = createLz4Codec((await importPackage('lz4-napi')) as Lz4Api)
        break
      case CompressionType.ZSTD: {
        const [api, binding] = await Promise.all([importPackage('zstd-napi'), importPackage('zstd-napi/binding.js')])
        loaded[type] = createZstdNapiCodec(api as ZstdNapiApi, binding as ZstdNapiBinding)
        break
      }
    }
  } catch (err) {
    const usable = fallback[type]
    // zstd without zstd-napi still works through node:zlib where Node has it.
    if (type === CompressionType.ZSTD && usable !== undefined) {
      loaded[type] = usable
      return
    }
    throw unavailable(type, err)
  }
}

/**
 * Loads the codec for `type` (once; later calls return the same promise). Rejects with
 * KafkaError `ERR_CODEC_UNAVAILABLE` naming the package when it is not installed.
 */
export function loadCodec(type: CompressionType): Promise<void> {
  checkType(type)
  if (loaded[type] !== undefined) return Promise.resolve()
  let p = pending[type]
  if (p === undefined) {
    p = load(type)
    pending[type] = p
    // A failed load may succeed later (package installed meanwhile): forget the failure.
    p.catch(() => {
      if (pending[type] === p) pending[type] = undefined
    })
  }
  return p
}

/** Loads every codec whose package is installed; resolves to the types that are unavailable. */
export async function loadAllCodecs(): Promise<CompressionType[]> {
  const types = [CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD] as const
  const results = await Promise.allSettled(types.map((t) => loadCodec(t)))
  return types.filter((_, i) => results[i]!.status === 'rejected')
}

/** Whether `decompress(type, ...)` works without loading first. */
export function canDecompress(type: CompressionType): boolean {
  return (loaded[type] ?? fallback[type]) !== undefined
}

/** Whether `loadCodec(type)` has completed (both directions usable at full speed). */
export function isCodecLoaded(type: CompressionType): boolean {
  return loaded[type] !== undefined
}

/** Compresses synchronously. `level` is codec-specific (gzip 1–9, zstd 1–22; others ignore it). */
export function compress(type: CompressionType, input: Buffer, level?: number): Buffer {
  checkType(type)
  const codec = loaded[type] ?? fallback[type]
  if (codec === undefined) notLoaded(type)
  return codec.compress(input, level)
}

/**
 * Decompresses synchronously, producing at most `maxSize` bytes. Throws ProtocolError for
 * malformed input or a larger output (a decompression bomb is rejected, not allocated).
 */
export function decompress(type: CompressionType, input: Buffer, maxSize = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  checkType(type)
  const codec = loaded[type] ?? fallback[type]
  if (codec === undefined) notLoaded(type)
  return codec.decompress(input, maxSize)
}

/** Inputs at least this large are compressed on the libuv thread pool by `compressAsync`. */
export const ASYNC_COMPRESS_THRESHOLD = 256 * 1024

/**
 * Loads the codec if needed, then compresses. Inputs of `ASYNC_COMPRESS_THRESHOLD` bytes or
 * more go to the thread pool where the codec supports it (measured: for smaller inputs the
 * hand-off costs more than it saves).
 */
export async function compressAsync(type: CompressionType, input: Buffer, level?: number): Promise<Buffer> {
  checkType(type)
  if (loaded[type] === undefined && type !== CompressionType.NONE) await loadCodec(type)
  const codec = loaded[type]!
  if (codec.compressAsync !== undefined && input.length >= ASYNC_COMPRESS_THRESHOLD) {
    return codec.compressAsync(input, level)
  }
  return codec.compress(input, level)
}

/** Loads the codec if needed, then decompresses (synchronously). */
export async function decompressAsync(
  type: CompressionType,
  input: Buffer,
  maxSize = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Promise<Buffer> {
  checkType(type)
  if (!canDecompress(type)) await loadCodec(type)
  return decompress(type, input, maxSize)
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
  checkType(type)
  return COMPRESSION_NAMES[type]!
}

/**
 * zstd. Two backends:
 *
 * - `zstd-napi` (optional dependency, preferred): measured 2–4× faster than node:zlib's zstd
 *   on Node 22 for 1 KiB–1 MiB inputs (docs/performance.md, "Codec").
 * - node:zlib's `zstdCompressSync`/`zstdDecompressSync` (Node ≥ 22.15), used when `zstd-napi`
 *   is not installed.
 *
 * Decompression is bounded: a frame that declares a content size above `maxSize` is rejected
 * before allocating; frames without one (the Java producer's, FHD 00) are streamed into
 * chunks and rejected as soon as the output passes `maxSize`.
 */
import zlib from 'node:zlib'
import { ProtocolError } from '../../../errors.js'
import type { Codec } from './types.js'

/** The subset of `zstd-napi` (main module) we use. */
export interface ZstdNapiApi {
  Compressor: new () => { setParameters(p: { compressionLevel?: number }): void; compress(input: Uint8Array): Buffer }
}

/** The subset of `zstd-napi/binding` we use. */
export interface ZstdNapiBinding {
  DCtx: new () => ZstdDCtx
  getFrameContentSize(frame: Uint8Array): number | null
  ResetDirective: { sessionOnly: number }
}

interface ZstdDCtx {
  decompress(dst: Uint8Array, src: Uint8Array): number
  decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number]
  reset(directive: number): void
}

/** Kafka's default zstd level. */
const DEFAULT_LEVEL = 3
const STREAM_CHUNK = 128 * 1024

export function createZstdNapiCodec(api: ZstdNapiApi, binding: ZstdNapiBinding): Codec {
  const compressors = new Map<number, { compress(input: Uint8Array): Buffer }>()
  let dctx: ZstdDCtx | null = null

  function compressor(level: number) {
    let c = compressors.get(level)
    if (c === undefined) {
      const created = new api.Compressor()
      created.setParameters({ compressionLevel: level })
      compressors.set(level, created)
      c = created
    }
    return c
  }

  function stream(ctx: ZstdDCtx, input: Buffer, maxSize: number): Buffer {
    const chunks: Buffer[] = []
    let total = 0
    let src = input
    for (;;) {
      const cap = Math.max(1, Math.min(maxSize - total + 1, Math.max(STREAM_CHUNK, src.length * 4)))
      const dst = Buffer.allocUnsafe(cap)
      const [ret, produced, consumed] = ctx.decompressStream(dst, src)
      total += produced
      if (total > maxSize) throw new ProtocolError(`zstd data decompresses to more than ${maxSize} bytes`)
      if (produced > 0) chunks.push(dst.subarray(0, produced))
      src = src.subarray(consumed)
      if (src.length === 0 && ret === 0) break
      if (consumed === 0 && produced < cap) throw new ProtocolError('Truncated zstd frame')
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
  }

  return {
    compress(input, level) {
      return compressor(level ?? DEFAULT_LEVEL).compress(input)
    },
    decompress(input, maxSize) {
      if (dctx === null) dctx = new binding.DCtx()
      const ctx = dctx
      try {
        ctx.reset(binding.ResetDirective.sessionOnly)
        const declared = binding.getFrameContentSize(input)
        if (declared !== null && declared > maxSize) {
          throw new ProtocolError(`zstd frame declares ${declared} bytes, more than ${maxSize}`)
        }
        if (declared !== null) {
          const out = Buffer.allocUnsafe(declared)
          try {
            if (ctx.decompress(out, input) === declared) return out
          } catch {
            // Several frames or trailing data: stream instead.
          }
          ctx.reset(binding.ResetDirective.sessionOnly)
        }
        return stream(ctx, input, maxSize)
      } catch (err) {
        if (err instanceof ProtocolError) throw err
        throw new ProtocolError(`Invalid zstd data: ${(err as Error).message}`, { cause: err })
      }
    },
  }
}

type ZlibWithZstd = typeof zlib & {
  zstdCompressSync(input: Buffer, options?: object): Buffer
  zstdDecompressSync(input: Buffer, options?: object): Buffer
  zstdCompress(input: Buffer, options: object, cb: (err: Error | null, out: Buffer) => void): void
}

/** Whether this Node has zstd in node:zlib (≥ 22.15). */
export function nodeHasZstd(): boolean {
  return typeof (zlib as Partial<ZlibWithZstd>).zstdCompressSync === 'function'
}

export function createNodeZstdCodec(): Codec {
  const z = zlib as ZlibWithZstd
  const levelParam = (zlib.constants as unknown as Record<string, number>)['ZSTD_c_compressionLevel']!
  const options = (input: Buffer, level: number | undefined) => ({
    pledgedSrcSize: input.length,
    params: { [levelParam]: level ?? DEFAULT_LEVEL },
  })
  return {
    compress(input, level) {
      return z.zstdCompressSync(input, options(input, level))
    },
    compressAsync(input, level) {
      return new Promise((resolve, reject) => {
        z.zstdCompress(input, options(input, level), (err, out) => (err ? reject(err) : resolve(out)))
      })
    },
    decompress(input, maxSize) {
      try {
        return z.zstdDecompressSync(input, {
          maxOutputLength: Math.max(1, maxSize),
          chunkSize: Math.max(1024, Math.min(maxSize, 256 * 1024, Math.max(16 * 1024, input.length * 4))),
        })
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new ProtocolError(`zstd data decompresses to more than ${maxSize} bytes`)
        }
        throw new ProtocolError(`Invalid zstd data: ${(err as Error).message}`, { cause: err })
      }
    },
  }
}

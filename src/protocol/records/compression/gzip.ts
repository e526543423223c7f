/** gzip through node:zlib (always available). Output is bounded with zlib's own `maxOutputLength`. */
import zlib from 'node:zlib'
import { ProtocolError } from '../../../errors.js'
import type { Codec } from './types.js'

function chunkSizeFor(inputLength: number, maxSize: number): number {
  // zlib grows its output in chunkSize steps; a chunk near the expected output size saves copies.
  return Math.max(1024, Math.min(maxSize, 256 * 1024, Math.max(16 * 1024, inputLength * 4)))
}

export const gzipCodec: Codec = {
  compress(input, level) {
    return zlib.gzipSync(input, level === undefined ? undefined : { level })
  },
  decompress(input, maxSize) {
    try {
      return zlib.gunzipSync(input, {
        maxOutputLength: Math.max(1, maxSize),
        chunkSize: chunkSizeFor(input.length, maxSize),
      })
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ProtocolError(`gzip data decompresses to more than ${maxSize} bytes`)
      }
      throw new ProtocolError(`Invalid gzip data: ${(err as Error).message}`, { cause: err })
    }
  },
  compressAsync(input, level) {
    return new Promise((resolve, reject) => {
      zlib.gzip(input, level === undefined ? {} : { level }, (err, out) => (err ? reject(err) : resolve(out)))
    })
  },
}

// What happens when the optional codec packages are not installed: node:module's require is
// mocked so that 'snappy', 'lz4-napi' and 'zstd-napi' fail to load, as on a machine where they
// are missing (or failed to build).
import zlib from 'node:zlib'
import { describe, expect, it, vi } from 'vitest'

vi.mock('node:module', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:module')>()
  const createRequire = (from: string) => {
    const real = actual.createRequire(from)
    return (name: string) => {
      if (['snappy', 'lz4-napi', 'zstd-napi', 'zstd-napi/binding.js'].includes(name)) {
        throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' })
      }
      return real(name)
    }
  }
  return { ...actual, createRequire, default: { ...actual, createRequire } }
})

const { KafkaError } = await import('../../../src/errors.js')
const { CompressionType, compress, decompress, isCodecAvailable, loadCodec } = await import(
  '../../../src/protocol/records/compression/index.js'
)

describe('codec packages that are not installed', () => {
  it('snappy: a KafkaError naming the package, for both directions and for loadCodec', () => {
    const expectMissing = (fn: () => unknown) => {
      try {
        fn()
        expect.unreachable()
      } catch (err) {
        expect(err).toBeInstanceOf(KafkaError)
        expect((err as InstanceType<typeof KafkaError>).code).toBe('ERR_CODEC_UNAVAILABLE')
        expect((err as Error).message).toContain('npm install snappy')
      }
    }
    expectMissing(() => compress(CompressionType.SNAPPY, Buffer.from('x')))
    expectMissing(() => decompress(CompressionType.SNAPPY, Buffer.from([1, 0, 0x78])))
    expectMissing(() => loadCodec(CompressionType.SNAPPY))
    expect(isCodecAvailable(CompressionType.SNAPPY)).toBe(false)
  })

  it('lz4: still works in both directions through the pure-JS codec', () => {
    const data = Buffer.from('lz4 without lz4-napi '.repeat(100))
    loadCodec(CompressionType.LZ4)
    expect(isCodecAvailable(CompressionType.LZ4)).toBe(true)
    const frame = compress(CompressionType.LZ4, data)
    expect([...frame.subarray(0, 7)]).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82])
    expect(decompress(CompressionType.LZ4, frame).equals(data)).toBe(true)
  })

  const nodeZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function'
  it.runIf(nodeZstd)('zstd: falls back to node:zlib on Node >= 22.15', () => {
    const data = Buffer.from('zstd through node:zlib '.repeat(100))
    expect(decompress(CompressionType.ZSTD, compress(CompressionType.ZSTD, data)).equals(data)).toBe(true)
  })
  it.skipIf(nodeZstd)('zstd: a KafkaError naming zstd-napi on Node without built-in zstd', () => {
    expect(() => compress(CompressionType.ZSTD, Buffer.from('x'))).toThrow(/npm install zstd-napi/)
    expect(isCodecAvailable(CompressionType.ZSTD)).toBe(false)
  })

  it('built-in codecs are unaffected', () => {
    for (const type of [CompressionType.NONE, CompressionType.GZIP]) {
      const data = Buffer.from('always there')
      expect(decompress(type, compress(type, data)).equals(data)).toBe(true)
    }
  })
})

import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import zlib from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { KafkaError, ProtocolError } from '../../../src/errors.js'
import { type Lz4BlockDecoder, nativeBlockDecoder } from '../../../src/protocol/records/compression/lz4.js'
import {
  COMPRESSION_NAMES,
  CompressionType,
  compress,
  compressAsync,
  compressionName,
  compressionTypeFromName,
  compressLz4Frame,
  decompress,
  decompressLz4Frame,
  isCodecAvailable,
  loadCodec,
} from '../../../src/protocol/records/index.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/kafka-protocol/fixtures/compression')
const haveFixtures = existsSync(join(FIXTURES, 'input.jsonl'))
const fixture = (name: string) => readFileSync(join(FIXTURES, name))

const ALL = [
  CompressionType.NONE,
  CompressionType.GZIP,
  CompressionType.SNAPPY,
  CompressionType.LZ4,
  CompressionType.ZSTD,
] as const

describe('compression fixtures written by Kafka’s own codecs', () => {
  if (!haveFixtures) {
    it.skip(`skipped: fixtures not found at ${FIXTURES} (../shared/kafka-protocol is not present)`, () => {})
    return
  }
  const input = () => fixture('input.jsonl')
  const cases: Array<[string, CompressionType]> = [
    ['input.jsonl.java-gzip', CompressionType.GZIP],
    ['input.jsonl.kafka-snappy-xerial', CompressionType.SNAPPY],
    ['input.jsonl.raw-snappy', CompressionType.SNAPPY],
    ['input.jsonl.kafka-lz4', CompressionType.LZ4],
    ['input.jsonl.kafka-lz4-magic-v0', CompressionType.LZ4],
    ['input.jsonl.kafka-zstd', CompressionType.ZSTD],
  ]
  for (const [file, type] of cases) {
    it(`${file} decodes exactly to input.jsonl`, () => {
      expect(decompress(type, fixture(file)).equals(input())).toBe(true)
    })
    it(`${file} is rejected when the output bound is one byte short`, () => {
      expect(() => decompress(type, fixture(file), input().length - 1)).toThrow(ProtocolError)
      expect(decompress(type, fixture(file), input().length).length).toBe(input().length)
    })
  }
  it('our LZ4 frames are ones Kafka’s reader accepts: version 1, independent blocks, no dictionary', () => {
    const ours = compress(CompressionType.LZ4, input())
    expect(ours.readUInt32LE(0)).toBe(0x184d2204)
    expect(ours[4]! & 0xe1).toBe(0x60)
    expect([0x40, 0x50, 0x60, 0x70]).toContain(ours[5])
  })
})

describe('pure-JS LZ4 compressor (used when lz4-napi is missing)', () => {
  const lz4napi = createRequire(import.meta.url)('lz4-napi') as { decompressFrameSync(b: Buffer): Buffer }

  it('writes Kafka’s frame header exactly and frames an independent decoder (lz4-napi) reads', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc
            .array(fc.constantFrom('alpha ', 'beta ', 'gamma ', '{"id":1}', '\n'), { maxLength: 2000 })
            .map((w) => new TextEncoder().encode(w.join(''))),
        ),
        (bytes) => {
          const buf = Buffer.from(bytes)
          const frame = compressLz4Frame(buf)
          expect([...frame.subarray(0, 7)]).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82])
          expect(lz4napi.decompressFrameSync(frame).equals(buf)).toBe(true)
          expect(decompress(CompressionType.LZ4, frame, buf.length).equals(buf)).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('multi-block inputs, incompressible blocks stored raw, long runs', () => {
    const random = Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 2654435761) >>> 24))
    const mixed = Buffer.concat([Buffer.alloc(70_000, 'a'), random.subarray(0, 70_000), Buffer.alloc(100_000, 0)])
    for (const input of [random, mixed, Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(13, 1)]) {
      const frame = compressLz4Frame(input)
      expect(lz4napi.decompressFrameSync(frame).equals(input)).toBe(true)
      expect(decompress(CompressionType.LZ4, frame, Math.max(1, input.length)).equals(input)).toBe(true)
    }
    expect(compressLz4Frame(Buffer.alloc(1 << 20)).length).toBeLessThan(5000)
  })

  if (haveFixtures) {
    it('compresses the fixture input to about the size Kafka’s own writer produced', () => {
      const kafka = fixture('input.jsonl.kafka-lz4')
      const ours = compressLz4Frame(fixture('input.jsonl'))
      expect(ours.subarray(0, 7).equals(kafka.subarray(0, 7))).toBe(true)
      expect(ours.length).toBeLessThan(kafka.length * 1.1)
    })
  }
})

describe('codec round trips', () => {
  for (const type of ALL) {
    it(`${COMPRESSION_NAMES[type]}: decompress(compress(x)) = x`, () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 5000 }),
            fc.string({ maxLength: 3000 }).map((s) => new TextEncoder().encode(s.repeat(3))),
          ),
          (bytes) => {
            const buf = Buffer.from(bytes)
            const out = decompress(type, compress(type, buf), buf.length)
            expect(out.equals(buf)).toBe(true)
          },
        ),
        { numRuns: 60 },
      )
    })
  }

  it('large inputs (several LZ4 blocks, xerial-sized chunks)', () => {
    const big = Buffer.alloc(300_000)
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251 < 40 ? i & 0xff : 65 + (i % 7)
    for (const type of ALL) {
      expect(decompress(type, compress(type, big)).equals(big)).toBe(true)
    }
  })

  it('compressAsync gives bytes that decompress to the input (thread pool for large inputs)', async () => {
    const big = Buffer.alloc(400_000, 'kafka-wire ')
    for (const type of ALL) {
      const small = Buffer.from('hello hello hello')
      expect(decompress(type, await compressAsync(type, small)).equals(small)).toBe(true)
      expect(decompress(type, await compressAsync(type, big)).equals(big)).toBe(true)
    }
  })

  it('levels are honoured for gzip and zstd', () => {
    const data = Buffer.from('abcdefghij'.repeat(1000))
    for (const type of [CompressionType.GZIP, CompressionType.ZSTD] as const) {
      const fast = compress(type, data, 1)
      const best = compress(type, data, 9)
      expect(decompress(type, fast).equals(data)).toBe(true)
      expect(decompress(type, best).equals(data)).toBe(true)
    }
  })
})

describe('decompression bombs and malformed input', () => {
  const zeros = Buffer.alloc(8 * 1024 * 1024)
  for (const type of [
    CompressionType.GZIP,
    CompressionType.SNAPPY,
    CompressionType.LZ4,
    CompressionType.ZSTD,
  ] as const) {
    it(`${COMPRESSION_NAMES[type]}: output beyond maxSize is rejected`, () => {
      const bomb = compress(type, zeros)
      expect(bomb.length).toBeLessThan(zeros.length / 20)
      expect(() => decompress(type, bomb, 1024 * 1024)).toThrow(/more than 1048576/)
      expect(decompress(type, bomb, zeros.length).length).toBe(zeros.length)
    })
    it(`${COMPRESSION_NAMES[type]}: garbage gives ProtocolError`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          try {
            decompress(type, Buffer.from(bytes), 1 << 20)
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolError)
          }
        }),
        { numRuns: 300 },
      )
    })
    it(`${COMPRESSION_NAMES[type]}: truncated and bit-flipped data gives ProtocolError or bounded output`, () => {
      const data = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(200))
      const good = compress(type, data)
      fc.assert(
        fc.property(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (cut, at, flip) => {
          const truncated = good.subarray(0, cut % good.length)
          const flipped = Buffer.from(good)
          flipped[at % flipped.length]! ^= flip
          for (const input of [truncated, flipped]) {
            try {
              const out = decompress(type, input, 64 * 1024)
              expect(out.length).toBeLessThanOrEqual(64 * 1024)
            } catch (err) {
              expect(err).toBeInstanceOf(ProtocolError)
            }
          }
        }),
        { numRuns: 300 },
      )
    })
  }

  it('a raw snappy block that claims a huge length is rejected before allocating', () => {
    // varint 0xFFFFFFFF followed by nothing useful
    expect(() => decompress(CompressionType.SNAPPY, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]))).toThrow(
      /more than/,
    )
  })

  it('an LZ4 frame whose header declares a content size above the bound is rejected', () => {
    const frame = Buffer.from([
      0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x00, 0, 0, 0, 0,
    ])
    expect(() => decompressLz4Frame(frame, 1 << 20)).toThrow(/declares/)
  })

  it('a zstd frame that declares a content size above the bound is rejected', () => {
    const frame = compress(CompressionType.ZSTD, Buffer.alloc(100_000))
    expect(() => decompress(CompressionType.ZSTD, frame, 50_000)).toThrow(ProtocolError)
  })

  it('a gzip stream inflating past the bound is cut off', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(4 << 20))
    expect(() => decompress(CompressionType.GZIP, bomb, 1 << 20)).toThrow(ProtocolError)
  })

  it('none: passes data through but still honours the bound', () => {
    const data = Buffer.from('abc')
    expect(decompress(CompressionType.NONE, data)).toBe(data)
    expect(() => decompress(CompressionType.NONE, data, 2)).toThrow(ProtocolError)
  })
})

describe('registry', () => {
  it('unknown type ids are ProtocolErrors', () => {
    expect(() => decompress(5 as CompressionType, Buffer.alloc(1))).toThrow(ProtocolError)
    expect(() => decompress(-1 as CompressionType, Buffer.alloc(1))).toThrow(ProtocolError)
    expect(() => compressionName(7 as CompressionType)).toThrow(ProtocolError)
  })

  it('names map to ids and back', () => {
    for (const [i, name] of COMPRESSION_NAMES.entries()) {
      expect(compressionTypeFromName(name)).toBe(i)
      expect(compressionName(i as CompressionType)).toBe(name)
    }
    expect(() => compressionTypeFromName('brotli')).toThrow(KafkaError)
  })

  it('installed codecs load eagerly', () => {
    for (const type of ALL) {
      expect(() => loadCodec(type)).not.toThrow()
      expect(isCodecAvailable(type)).toBe(true)
    }
  })
})

describe('LZ4 blocks through lz4-napi’s block decoder', () => {
  const lz4napi = createRequire(import.meta.url)('lz4-napi') as { uncompressSync(b: Uint8Array): Buffer }
  /** JSON-like text that compresses about 2.5:1, as a Kafka batch of JSON records does. */
  const jsonLike = (n: number) => {
    const parts: string[] = []
    for (let i = 0; parts.join('').length < n; i++) {
      parts.push(`{"id":${(i * 7919) % 100003},"event":"${['view', 'click', 'buy'][i % 3]}","v":${(i * 31) % 977}}`)
    }
    return Buffer.from(parts.join('').slice(0, n))
  }
  /** The native decoder, recording the compressed size of each block it is given. */
  const recording = () => {
    const calls: number[] = []
    const inner = nativeBlockDecoder(lz4napi)
    const decoder: Lz4BlockDecoder = (block, capacity) => {
      calls.push(block.length)
      return inner(block, capacity)
    }
    return { calls, decoder }
  }

  it('decodes every compressed block of 1 KiB or more natively, to the bytes the JavaScript decoder gives', () => {
    const input = jsonLike(300_000) // five 64 KiB blocks
    const frame = compressLz4Frame(input)
    const { calls, decoder } = recording()
    const out = decompressLz4Frame(frame, input.length, decoder)
    expect(out.equals(input)).toBe(true)
    expect(decompressLz4Frame(frame, input.length).equals(input)).toBe(true)
    expect(calls.length).toBe(5)
    expect(calls.every((n) => n >= 1024)).toBe(true)
  })

  it('a frame of one block returns the native decoder’s buffer as it is', () => {
    const input = jsonLike(40_000)
    let returned: Buffer | null = null
    const inner = nativeBlockDecoder(lz4napi)
    const out = decompressLz4Frame(compressLz4Frame(input), input.length, (b, c) => (returned = inner(b, c)))
    expect(out.equals(input)).toBe(true)
    expect(out).toBe(returned)
  })

  it('small blocks, stored blocks and frames of dependent blocks stay in JavaScript', () => {
    const { calls, decoder } = recording()
    const small = jsonLike(1500) // compresses below 1 KiB
    expect(decompressLz4Frame(compressLz4Frame(small), small.length, decoder).equals(small)).toBe(true)
    let x = 2463534242
    const random = Buffer.from(
      Array.from({ length: 20_000 }, () => {
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        return x & 255
      }),
    )
    const stored = compressLz4Frame(random)
    expect(stored.readUInt32LE(7) >>> 31).toBe(1) // stored raw: it does not shrink
    expect(decompressLz4Frame(stored, random.length, decoder).equals(random)).toBe(true)
    const input = jsonLike(100_000)
    const dependent = Buffer.from(compressLz4Frame(input))
    dependent[4] = 0x40 // FLG without the block-independence bit
    expect(decompressLz4Frame(dependent, input.length, decoder).equals(input)).toBe(true)
    expect(calls).toEqual([])
  })

  it('a block the native decoder refuses is decoded by the JavaScript one', () => {
    const input = jsonLike(100_000)
    const refusing: Lz4BlockDecoder = () => {
      throw new Error('refused')
    }
    expect(decompressLz4Frame(compressLz4Frame(input), input.length, refusing).equals(input)).toBe(true)
  })

  it('output beyond maxSize is rejected, and a block that decodes past its capacity fails as ProtocolError', () => {
    const input = jsonLike(300_000)
    const frame = compressLz4Frame(input)
    const decoder = nativeBlockDecoder(lz4napi)
    expect(() => decompressLz4Frame(frame, 200_000, decoder)).toThrow(/more than 200000/)
    expect(() => decompressLz4Frame(frame, input.length - 1, decoder)).toThrow(ProtocolError)
    // The first block's size word says 64 bytes too few: the native decoder must not read past it.
    const cut = Buffer.from(frame)
    const word = cut.readUInt32LE(7)
    cut.writeUInt32LE(word - 64, 7)
    expect(() => decompressLz4Frame(cut, input.length, decoder)).toThrow(ProtocolError)
  })

  it('truncated and bit-flipped frames of large blocks give ProtocolError or bounded output', () => {
    const input = jsonLike(150_000)
    const good = compressLz4Frame(input)
    const decoder = nativeBlockDecoder(lz4napi)
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (cut, at, flip) => {
        const flipped = Buffer.from(good)
        flipped[at % flipped.length]! ^= flip
        for (const input of [good.subarray(0, cut % good.length), flipped]) {
          try {
            expect(decompressLz4Frame(input, 200_000, decoder).length).toBeLessThanOrEqual(200_000)
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolError)
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('the registry’s LZ4 decompression goes through lz4-napi', () => {
    const input = jsonLike(100_000)
    const frame = compressLz4Frame(input)
    const spy = vi.spyOn(lz4napi, 'uncompressSync')
    try {
      expect(decompress(CompressionType.LZ4, frame, input.length).equals(input)).toBe(true)
      expect(spy).toHaveBeenCalledTimes(2)
    } finally {
      spy.mockRestore()
    }
  })
})

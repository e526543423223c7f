import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../../../src/protocol/records/crc32c.js'

/** Bit-at-a-time reference implementation. */
function reference(buf: Uint8Array): number {
  let c = 0xffffffff
  for (const b of buf) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}

describe('crc32c', () => {
  it('matches the known check value and RFC 3720 vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(0))).toBe(0)
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa)
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43)
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e)
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c)
  })

  it('agrees with the reference on any input, range and alignment (both the byte and word paths)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(7), fc.nat(7), (bytes, pre, post) => {
        const backing = Buffer.alloc(pre + bytes.length + post)
        backing.set(bytes, pre)
        expect(crc32c(backing, pre, pre + bytes.length)).toBe(reference(bytes))
        expect(crc32c(backing.subarray(pre, pre + bytes.length))).toBe(reference(bytes))
      }),
      { numRuns: 300 },
    )
  })

  it('word path: lengths around the threshold at every alignment', () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 131 + 17) & 255))
    for (let pre = 0; pre < 4; pre++) {
      for (const len of [1023, 1024, 1025, 1039, 1040, 1041, 4096, 4999 - pre]) {
        const view = data.subarray(pre, pre + len)
        expect(crc32c(view)).toBe(reference(view))
        expect(crc32c(data, pre, pre + len)).toBe(reference(view))
      }
    }
  })

  it('continues a checksum across ranges', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), fc.nat(), (bytes, cut) => {
        const at = bytes.length === 0 ? 0 : cut % bytes.length
        const buf = Buffer.from(bytes)
        expect(crc32c(buf, at, buf.length, crc32c(buf, 0, at))).toBe(crc32c(buf))
      }),
      { numRuns: 200 },
    )
  })
})

describe('native and pure-JS implementations agree', () => {
  it('on every size around the native threshold, with offsets and continuation', async () => {
    const { crc32c, crc32cJs, crc32cImplementation, NATIVE_THRESHOLD } = await import(
      '../../../src/protocol/records/crc32c.js'
    )
    // In this repository the optional native package is installed, so both paths are exercised.
    expect(crc32cImplementation).toBe('native')
    const buf = Buffer.alloc(70_000)
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 24
    for (const size of [0, 1, 63, NATIVE_THRESHOLD - 1, NATIVE_THRESHOLD, 1000, 16_384, 65_000]) {
      for (const start of [0, 3]) {
        expect(crc32c(buf, start, start + size), `size ${size} start ${start}`).toBe(crc32cJs(buf, start, start + size))
      }
      const half = Math.floor(size / 2)
      const first = crc32c(buf, 0, half)
      expect(crc32c(buf, half, size, first)).toBe(crc32cJs(buf, 0, size))
    }
  })
})

/** Shared test helpers for the records codec tests. */
import fc from 'fast-check'
import { CompressionType } from '../../../src/protocol/records/index.js'

export interface InputRecord {
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: Array<[string, Buffer | null]>
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b))

export const recordArb: fc.Arbitrary<InputRecord> = fc.record({
  timestamp: fc.oneof(
    fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
    fc.integer({ min: 0, max: 2 ** 45 }),
  ),
  key: fc.option(bytes(40), { nil: null }),
  value: fc.option(fc.oneof(bytes(300), bytes(3000)), { nil: null }),
  headers: fc.array(fc.tuple(fc.string({ maxLength: 12, unit: 'binary' }), fc.option(bytes(20), { nil: null })), {
    maxLength: 4,
  }),
})

export const compressionArb = fc.constantFrom(
  CompressionType.NONE,
  CompressionType.GZIP,
  CompressionType.SNAPPY,
  CompressionType.LZ4,
  CompressionType.ZSTD,
)

/** Recomputes the CRC-32C of a v2 batch after a test edits its bytes. */
export { crc32c } from '../../../src/protocol/records/crc32c.js'

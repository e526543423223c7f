import { describe, expect, it } from 'vitest'
import {
  batches,
  type CompressionType,
  RecordBatchBuilder,
  setBaseOffset,
  setPartitionLeaderEpoch,
} from '../../../src/protocol/records/index.js'
import { countRecords, scanRecordsEnd } from '../../../src/protocol/records/scan.js'

/** A v2 batch of `count` records at `baseOffset` with a leader epoch. */
function v2(baseOffset: bigint, count: number, epoch: number, compression: CompressionType = 0): Buffer {
  const b = new RecordBatchBuilder({ compression })
  for (let i = 0; i < count; i++) b.tryAppend(1_700_000_000_000 + i, null, Buffer.from(`v${i}`), null)
  const buf = Buffer.from(b.build())
  setBaseOffset(buf, baseOffset)
  setPartitionLeaderEpoch(buf, epoch)
  return buf
}

/** A legacy (magic 0 or 1) message at `offset`: the scan reads no CRC, so it is left 0. */
function legacy(magic: 0 | 1, offset: bigint, value: string): Buffer {
  const v = Buffer.from(value)
  const body = Buffer.alloc((magic === 0 ? 14 : 22) + v.length)
  body[4] = magic
  let p = magic === 0 ? 6 : 14
  body.writeInt32BE(-1, p) // key: null
  body.writeInt32BE(v.length, p + 4)
  p += 8
  v.copy(body, p)
  const head = Buffer.alloc(12)
  head.writeBigInt64BE(offset, 0)
  head.writeInt32BE(body.length, 8)
  return Buffer.concat([head, body])
}

describe('scanRecordsEnd', () => {
  it('is the offset after the last v2 batch and its leader epoch', () => {
    const records = Buffer.concat([v2(100n, 3, 4), v2(103n, 5, 7)])
    expect(scanRecordsEnd(records)).toEqual({ nextOffset: 108n, lastEpoch: 7 })
    // The same end as decoding the batches.
    const all = [...batches(records)]
    expect(all.at(-1)!.nextOffset).toBe(108n)
  })

  it('reads compressed batches from their headers', () => {
    expect(scanRecordsEnd(v2(5000n, 10, 2, 1))).toEqual({ nextOffset: 5010n, lastEpoch: 2 })
  })

  it('ignores a batch the broker cut short at the end', () => {
    const first = v2(0n, 2, 1)
    const second = v2(2n, 4, 1)
    for (const cut of [1, 30, 61, second.length - 1]) {
      const records = Buffer.concat([first, second.subarray(0, cut)])
      expect(scanRecordsEnd(records)).toEqual({ nextOffset: 2n, lastEpoch: 1 })
    }
  })

  it('finds nothing in empty or cut-only data', () => {
    expect(scanRecordsEnd(Buffer.alloc(0))).toEqual({ nextOffset: -1n, lastEpoch: -1 })
    expect(scanRecordsEnd(v2(9n, 1, 0).subarray(0, 40))).toEqual({ nextOffset: -1n, lastEpoch: -1 })
  })

  it('reads legacy message sets (magic 0 and 1) with no leader epoch', () => {
    expect(scanRecordsEnd(Buffer.concat([legacy(0, 10n, 'a'), legacy(1, 11n, 'bc')]))).toEqual({
      nextOffset: 12n,
      lastEpoch: -1,
    })
    expect([...batches(Buffer.concat([legacy(0, 10n, 'a')]), { checkCrcs: false })][0]!.nextOffset).toBe(11n)
    // A v2 batch after legacy data (a topic upgraded in place).
    expect(scanRecordsEnd(Buffer.concat([legacy(1, 0n, 'x'), v2(1n, 2, 3)]))).toEqual({ nextOffset: 3n, lastEpoch: 3 })
  })

  it('gives up on a header it cannot read (the decoder reports those)', () => {
    const bad = v2(0n, 1, 0)
    bad[16] = 7 // unknown magic
    expect(scanRecordsEnd(bad).nextOffset).toBe(-1n)
    const short = v2(0n, 1, 0)
    short.writeInt32BE(20, 8) // a v2 length below the smallest batch
    expect(scanRecordsEnd(Buffer.concat([v2(0n, 1, 0), short])).nextOffset).toBe(-1n)
  })

  it('reads a view into a larger buffer (a Fetch frame)', () => {
    const frame = Buffer.concat([Buffer.alloc(37, 0xff), v2(42n, 2, 9), Buffer.alloc(5)])
    const view = frame.subarray(37, frame.length - 5)
    expect(scanRecordsEnd(view)).toEqual({ nextOffset: 44n, lastEpoch: 9 })
  })
})

describe('countRecords', () => {
  it('sums the complete v2 batches’ record counts, compressed ones included, from their headers', () => {
    expect(countRecords(Buffer.concat([v2(0n, 3, 1), v2(3n, 10, 1, 1), v2(13n, 1, 1)]))).toBe(14)
  })

  it('leaves out a batch cut short at the end, legacy messages and empty data', () => {
    const second = v2(2n, 4, 1)
    expect(countRecords(Buffer.concat([v2(0n, 2, 1), second.subarray(0, 40)]))).toBe(2)
    expect(countRecords(Buffer.concat([legacy(1, 0n, 'a'), v2(1n, 2, 1)]))).toBe(2)
    expect(countRecords(Buffer.alloc(0))).toBe(0)
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  murmur2,
  murmur2String,
  partitionForKey,
  StickyPartitioner,
  toPositive,
} from '../../../src/producer/partitioner.js'

describe('murmur2', () => {
  // Vectors from Apache Kafka's UtilsTest.testMurmur2.
  const cases: [Uint8Array, number][] = [
    [Buffer.from('21'), -973932308],
    [Buffer.from('foobar'), -790332482],
    [Buffer.from('a-little-bit-long-string'), -985981536],
    [Buffer.from('a-little-bit-longer-string'), -1486304829],
    [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
    [Buffer.from([0x61, 0x62, 0x63]), 479470107],
  ]
  it.each(cases)('matches the Java client for %s', (input, expected) => {
    expect(murmur2(input)).toBe(expected)
    expect(murmur2String(Buffer.from(input).toString('latin1'))).toBe(expected)
  })

  it('hashes strings exactly as their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(murmur2String(s)).toBe(murmur2(Buffer.from(s, 'utf8')))
      }),
      { numRuns: 2000 },
    )
  })

  it('toPositive clears the sign bit like Java (not Math.abs)', () => {
    expect(toPositive(-2147483648)).toBe(0)
    expect(toPositive(-1)).toBe(0x7fffffff)
    expect(toPositive(5)).toBe(5)
  })

  it('partitionForKey accepts bytes or strings', () => {
    expect(partitionForKey('foobar', 7)).toBe(toPositive(-790332482) % 7)
    expect(partitionForKey(Buffer.from('foobar'), 7)).toBe(toPositive(-790332482) % 7)
  })
})

describe('StickyPartitioner', () => {
  const view = { numPartitions: 4, availablePartitions: [0, 1, 2, 3] }

  it('sticks to one partition until batchSize bytes went to it and its batch is full', () => {
    let r = 0
    const p = new StickyPartitioner(1000, () => r++)
    expect(p.partition(view)).toBe(0)
    p.onAppend(600, true, view)
    expect(p.partition(view)).toBe(0)
    p.onAppend(600, false, view) // enough bytes, but the batch is not full
    expect(p.partition(view)).toBe(0)
    p.onAppend(100, true, view)
    expect(p.partition(view)).toBe(1)
  })

  it('switches unconditionally at twice the batch size', () => {
    let r = 0
    const p = new StickyPartitioner(1000, () => r++)
    p.partition(view)
    p.onAppend(2000, false, view)
    expect(p.partition(view)).toBe(1)
  })

  it('only picks partitions that have a leader', () => {
    const p = new StickyPartitioner(10, () => 3)
    const v = { numPartitions: 4, availablePartitions: [1, 2] }
    expect(p.partition(v)).toBe(2) // 3 % 2 = 1 → available[1]
  })

  it('weights partitions by inverse queue length (adaptive)', () => {
    const p = new StickyPartitioner(1, () => 0)
    // queues 0,3,1 → CFT 4,5,8: random 0..3 → p0, 4 → p1, 5..7 → p2
    const counts = [0, 0, 0]
    for (let r = 0; r < 8; r++) {
      const q = new StickyPartitioner(1, () => r)
      q.updateLoadStats(Int32Array.from([0, 3, 1]), Int32Array.from([0, 1, 2]), 3)
      counts[q.partition({ numPartitions: 3, availablePartitions: [0, 1, 2] })]!++
    }
    expect(counts).toEqual([4, 1, 3])
    p.updateLoadStats(Int32Array.from([2, 2, 2]), Int32Array.from([0, 1, 2]), 3)
    expect(p.partition({ numPartitions: 3, availablePartitions: [0, 1, 2] })).toBe(0)
  })
})

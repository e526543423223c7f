import { describe, expect, it } from 'vitest'
import {
  DEFAULT_GENERATION,
  decodeCooperativeGeneration,
  decodeStickyUserData,
  encodeCooperativeUserData,
  encodeStickyUserData,
} from '../../../../src/consumer/assignors/index.js'
import { tp } from './helpers.js'

// Bytes written out by hand from Java's StickyAssignor schema (STICKY_ASSIGNOR_USER_DATA_V1):
// ARRAY(int32) of { topic: int16 length + UTF-8, partitions: ARRAY(int32) of INT32 }, generation INT32.
const V1_T0_0_1_T1_2_GEN_5 = Buffer.from(
  [
    '00000002', // 2 topics
    '0002 7430', // "t0"
    '00000002 00000000 00000001', // [0, 1]
    '0002 7431', // "t1"
    '00000001 00000002', // [2]
    '00000005', // generation 5
  ]
    .join('')
    .replaceAll(' ', ''),
  'hex',
)

describe('sticky userData (Java StickyAssignor format)', () => {
  it('encodes the previous assignment grouped by topic, then the generation', () => {
    expect(encodeStickyUserData([tp('t0', 0), tp('t0', 1), tp('t1', 2)], 5)).toEqual(V1_T0_0_1_T1_2_GEN_5)
  })

  it('decodes V1', () => {
    expect(decodeStickyUserData(V1_T0_0_1_T1_2_GEN_5)).toEqual({
      partitions: [tp('t0', 0), tp('t0', 1), tp('t1', 2)],
      generation: 5,
    })
  })

  it('decodes V0 (no generation) as generation-less', () => {
    const v0 = V1_T0_0_1_T1_2_GEN_5.subarray(0, V1_T0_0_1_T1_2_GEN_5.length - 4)
    expect(decodeStickyUserData(v0)).toEqual({ partitions: [tp('t0', 0), tp('t0', 1), tp('t1', 2)], generation: null })
  })

  it('ignores trailing bytes (a later version may append fields)', () => {
    const longer = Buffer.concat([V1_T0_0_1_T1_2_GEN_5, Buffer.from([1, 2, 3, 4, 5])])
    expect(decodeStickyUserData(longer).generation).toBe(5)
  })

  it('reads absent or empty userData as no previous assignment', () => {
    expect(decodeStickyUserData(null)).toEqual({ partitions: [], generation: null })
    expect(decodeStickyUserData(Buffer.alloc(0))).toEqual({ partitions: [], generation: null })
  })

  it('reads undecodable userData as no previous assignment at the default generation', () => {
    for (const bad of [
      Buffer.from([0, 0, 0]),
      Buffer.from('ffffffff', 'hex'), // negative array length
      Buffer.from('7fffffff', 'hex'), // array longer than the data
      Buffer.from('00000001 ffff'.replaceAll(' ', ''), 'hex'), // negative string length
      Buffer.from('00000001 0005 7430'.replaceAll(' ', ''), 'hex'), // truncated string
      V1_T0_0_1_T1_2_GEN_5.subarray(0, 20), // truncated partitions
    ]) {
      expect(decodeStickyUserData(bad)).toEqual({ partitions: [], generation: DEFAULT_GENERATION })
    }
  })

  it('round-trips UTF-8 topic names and an empty assignment', () => {
    const partitions = [tp('ünïcode.topic', 7)]
    expect(decodeStickyUserData(encodeStickyUserData(partitions, 12))).toEqual({ partitions, generation: 12 })
    expect(encodeStickyUserData([], -1)).toEqual(Buffer.from('00000000ffffffff', 'hex'))
  })
})

describe('cooperative-sticky userData (Java CooperativeStickyAssignor format)', () => {
  it('is the generation as a big-endian int32', () => {
    expect(encodeCooperativeUserData(7)).toEqual(Buffer.from('00000007', 'hex'))
    expect(encodeCooperativeUserData(-1)).toEqual(Buffer.from('ffffffff', 'hex'))
  })

  it('decodes absent as no generation, short as the default, and ignores trailing bytes', () => {
    expect(decodeCooperativeGeneration(null)).toBeNull()
    expect(decodeCooperativeGeneration(Buffer.alloc(0))).toBe(DEFAULT_GENERATION)
    expect(decodeCooperativeGeneration(Buffer.from([0, 1]))).toBe(DEFAULT_GENERATION)
    expect(decodeCooperativeGeneration(Buffer.from('0000002a00', 'hex'))).toBe(42)
  })
})

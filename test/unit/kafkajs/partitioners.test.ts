// kafkajs's partitioners on the layer: keys must land where kafkajs's own functions put them.
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { Partitioners } from '../../../src/kafkajs/index.js'
import { legacyMurmur2 } from '../../../src/kafkajs/partitioners.js'

const require = createRequire(import.meta.url)
const kafkajs = require('kafkajs') as typeof import('kafkajs')
const kafkajsLegacyMurmur2 = require('kafkajs/src/producer/partitioners/legacy/murmur2.js') as (k: unknown) => number

function keys(): (string | Buffer)[] {
  const out: (string | Buffer)[] = [
    '',
    'a',
    'ab',
    'abc',
    'abcd',
    'abcde',
    'key-1',
    'ключ',
    '🙂 emoji',
    'x'.repeat(1000),
  ]
  for (let i = 0; i < 500; i++) out.push(`user-${i}`)
  for (let len = 0; len < 40; len++) out.push(randomBytes(len))
  for (let i = 0; i < 200; i++) out.push(randomBytes(1 + (i % 97)))
  return out
}

const metadata = (n: number, leaderless: number[] = []) =>
  Array.from({ length: n }, (_, i) => ({
    partitionErrorCode: 0,
    partitionId: i,
    leader: leaderless.includes(i) ? -1 : 0,
    replicas: [0],
    isr: [0],
  }))

describe('kafkajs layer: partitioners', () => {
  it("legacyMurmur2 is kafkajs's legacy murmur2, float arithmetic included", () => {
    for (const k of keys()) expect(legacyMurmur2(k), String(k)).toBe(kafkajsLegacyMurmur2(k))
    // …and it is not Java's: the two partitioners place many keys differently.
    const legacy = Partitioners.LegacyPartitioner()
    const java = Partitioners.DefaultPartitioner()
    const differ = keys().filter((key) => {
      const args = { topic: 't', partitionMetadata: metadata(7), message: { key, value: 'v' } }
      return legacy(args) !== java(args)
    })
    expect(differ.length).toBeGreaterThan(100)
  })

  for (const name of ['LegacyPartitioner', 'DefaultPartitioner', 'JavaCompatiblePartitioner'] as const) {
    it(`${name} places every key where kafkajs's ${name} does`, () => {
      const ours = Partitioners[name]()
      const theirs = kafkajs.Partitioners[name]()
      for (const n of [1, 3, 7, 50]) {
        const partitionMetadata = metadata(n)
        for (const key of keys()) {
          const message = { key, value: 'v' }
          expect(ours({ topic: 't', partitionMetadata, message }), `${String(key)} of ${n}`).toBe(
            theirs({ topic: 't', partitionMetadata, message }),
          )
        }
      }
      // An explicit partition wins, as in kafkajs.
      expect(
        ours({ topic: 't', partitionMetadata: metadata(3), message: { key: 'k', value: 'v', partition: 2 } }),
      ).toBe(2)
    })
  }

  it('keyless messages go round-robin over the partitions with a leader', () => {
    const p = Partitioners.LegacyPartitioner()
    const partitionMetadata = metadata(4, [1])
    const seen = Array.from({ length: 6 }, () => p({ topic: 'rr', partitionMetadata, message: { value: 'v' } }))
    expect(new Set(seen)).toEqual(new Set([0, 2, 3]))
    for (let i = 1; i < seen.length; i++) {
      const order = [0, 2, 3]
      expect(order.indexOf(seen[i]!)).toBe((order.indexOf(seen[i - 1]!) + 1) % 3)
    }
  })
})

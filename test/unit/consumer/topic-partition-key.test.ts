// One format for topic-partition keys: topicPartitionKey()/parseTopicPartitionKey() (src/internal/topic-partition.ts).
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { OffsetOutOfRangeNoResetError } from '../../../src/consumer/errors.js'
import { formatTp, tpKey } from '../../../src/consumer/types.js'
import { parseTopicPartitionKey, topicPartitionKey } from '../../../src/internal/topic-partition.js'

const root = join(import.meta.dirname, '../../..')

describe('topicPartitionKey', () => {
  it('is topic-partition, as Java prints a TopicPartition', () => {
    expect(topicPartitionKey('orders', 3)).toBe('orders-3')
    expect(formatTp({ topic: 'orders', partition: 3 })).toBe('orders-3')
    expect(tpKey('orders', 3)).toBe('orders-3')
  })

  it('round-trips every legal topic name, dashes and digits included', () => {
    const topic = fc.stringMatching(/^[a-zA-Z0-9._-]{1,249}$/)
    fc.assert(
      fc.property(topic, fc.nat(1_000_000), (t, p) => {
        expect(parseTopicPartitionKey(topicPartitionKey(t, p))).toEqual({ topic: t, partition: p })
      }),
    )
    expect(parseTopicPartitionKey('a-1-2')).toEqual({ topic: 'a-1', partition: 2 })
    expect(parseTopicPartitionKey('t--1')).toEqual({ topic: 't-', partition: 1 })
  })

  it('keys distinct partitions distinctly', () => {
    expect(topicPartitionKey('a-1', 2)).not.toBe(topicPartitionKey('a', 12))
    expect(topicPartitionKey('a-1', 2)).not.toBe(topicPartitionKey('a', 1))
  })

  it('parse rejects what is not a key', () => {
    for (const bad of ['', 'orders', 'orders-', '-3', 'orders-x', 'orders:3', 'orders\u00003', 'orders-1.5']) {
      expect(() => parseTopicPartitionKey(bad), bad).toThrow(TypeError)
    }
  })

  it('is the key of OffsetOutOfRangeNoResetError.offsets', () => {
    const e = new OffsetOutOfRangeNoResetError({ topic: 'my-topic', partition: 4 }, 17n)
    expect(e.offsets.get(topicPartitionKey('my-topic', 4))).toBe(17n)
  })
})

/** Files another helper owns this round that still build keys their own way (see docs/DESIGN.md). */
const NOT_YET_CONVERTED = new Set(['src/admin/common.ts'])

describe('no topic-partition key is built by hand', () => {
  it('no key joined with \\u0000 or : from a topic and a partition in src/', () => {
    const handBuilt = /\$\{[^}]*\}(\\u0000|\\0|:)\$\{[^}]*[pP]artition[^}]*\}/
    const hits: string[] = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name)
        if (e.isDirectory()) walk(p)
        else if (e.name.endsWith('.ts')) {
          const rel = relative(root, p).split('\\').join('/')
          if (NOT_YET_CONVERTED.has(rel)) continue
          readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (handBuilt.test(line)) hits.push(`${rel}:${i + 1}: ${line.trim()}`)
            })
        }
      }
    }
    walk(join(root, 'src'))
    expect(hits).toEqual([])
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
    expect(handBuilt.test('const key = `${name}\\u0000${p.partitionIndex}`')).toBe(true)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
    expect(handBuilt.test('const key = `${t.topic}:${t.partition}`')).toBe(true)
  })
})

// kafkajs's message shape from a kafka-wire record: strings where kafkajs has strings (offset,
// timestamp — the timestamp through a one-entry cache, docs/performance.md "The kafkajs layer"),
// repeated header keys as arrays. The differential tests (test/integration/kafkajs) compare whole
// consumer runs against kafkajs itself.
import { describe, expect, it } from 'vitest'
import type { ConsumerRecord } from '../../../src/consumer/types.js'
import { toKafkaMessage } from '../../../src/kafkajs/consumer-batch.js'

function record(over: Partial<ConsumerRecord> = {}): ConsumerRecord {
  return {
    topic: 't',
    partition: 0,
    offset: 42n,
    timestamp: 1733450000123,
    timestampType: 'CreateTime',
    key: null,
    value: Buffer.from('v'),
    headers: [],
    leaderEpoch: 0,
    ...over,
  }
}

describe('toKafkaMessage', () => {
  it("kafkajs's fields: offset and timestamp as decimal strings, no headers as {}", () => {
    expect(toKafkaMessage(record())).toEqual({
      magicByte: 2,
      attributes: 0,
      timestamp: '1733450000123',
      offset: '42',
      key: null,
      value: Buffer.from('v'),
      headers: {},
      isControlRecord: false,
    })
  })

  it('timestamps stay right whether they repeat or change (the cache holds the last one only)', () => {
    const stamps = [1733450000123, 1733450000123, 1733450000124, -1, 0, 1733450000123, 2 ** 53 - 1, 1.5]
    expect(stamps.map((timestamp) => toKafkaMessage(record({ timestamp })).timestamp)).toEqual([
      '1733450000123',
      '1733450000123',
      '1733450000124',
      '-1',
      '0',
      '1733450000123',
      '9007199254740991',
      '1.5',
    ])
  })

  it('offsets beyond 2^53 and repeated header keys', () => {
    const m = toKafkaMessage(
      record({
        offset: 2n ** 62n,
        headers: [
          { key: 'a', value: Buffer.from('1') },
          { key: 'b', value: Buffer.from('2') },
          { key: 'a', value: Buffer.from('3') },
          { key: 'a', value: Buffer.from('4') },
        ],
      }),
    )
    expect(m.offset).toBe('4611686018427387904')
    expect(m.headers).toEqual({ a: [Buffer.from('1'), Buffer.from('3'), Buffer.from('4')], b: Buffer.from('2') })
  })
})

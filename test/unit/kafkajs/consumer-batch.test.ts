// kafkajs's message shape, built by kafkaMessage from the fields kafka-wire's fetch loop decodes (the
// native consumer's CONSUMER_RECORD_SHAPE seam): strings where kafkajs has strings (offset from the
// batch's base offset and the record's delta, timestamp through a one-entry cache — docs/performance.md
// "The kafkajs layer"), repeated header keys as arrays. The differential tests
// (test/integration/kafkajs) compare whole consumer runs against kafkajs itself.
import { describe, expect, it } from 'vitest'
import { ConsumerRecords, pollView } from '../../../src/consumer/consumer-records.js'
import { consumedRecord, kafkaMessage } from '../../../src/kafkajs/consumer-batch.js'

type Headers = { key: string; value: Buffer | null }[] | null

function message(over: { base?: bigint; delta?: number; timestamp?: number; headers?: Headers } = {}) {
  return kafkaMessage(
    over.base ?? 40n,
    over.delta ?? 2,
    over.timestamp ?? 1733450000123,
    null,
    Buffer.from('v'),
    over.headers ?? null,
  )
}

describe('kafkaMessage', () => {
  it("kafkajs's fields: offset (base + delta) and timestamp as decimal strings, no headers as {}", () => {
    expect(message()).toEqual({
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

  it('each record gets its own headers object', () => {
    const a = message() as { headers: object }
    const b = message() as { headers: object }
    expect(a.headers).not.toBe(b.headers)
  })

  it('timestamps stay right whether they repeat or change (the cache holds the last one only)', () => {
    const stamps = [1733450000123, 1733450000123, 1733450000124, -1, 0, 1733450000123, 2 ** 53 - 1, 1.5]
    expect(stamps.map((timestamp) => (message({ timestamp }) as { timestamp: string }).timestamp)).toEqual([
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

  it('offsets stay right as the base changes, near and beyond 2^53 (through BigInt there)', () => {
    const cases: [bigint, number, string][] = [
      [0n, 0, '0'],
      [0n, 2 ** 31 - 1, '2147483647'],
      [1000n, 5, '1005'],
      [1000n, 6, '1006'],
      [BigInt(Number.MAX_SAFE_INTEGER) - 10n, 20, '9007199254741001'],
      [2n ** 62n, 0, '4611686018427387904'],
      [2n ** 62n, 7, '4611686018427387911'],
      [1000n, 7, '1007'],
    ]
    expect(cases.map(([base, delta]) => (message({ base, delta }) as { offset: string }).offset)).toEqual(
      cases.map(([, , s]) => s),
    )
  })

  it('repeated header keys become arrays', () => {
    const m = message({
      headers: [
        { key: 'a', value: Buffer.from('1') },
        { key: 'b', value: Buffer.from('2') },
        { key: 'a', value: Buffer.from('3') },
        { key: 'a', value: Buffer.from('4') },
      ],
    }) as { headers: object }
    expect(m.headers).toEqual({ a: [Buffer.from('1'), Buffer.from('3'), Buffer.from('4')], b: Buffer.from('2') })
  })
})

describe('consumedRecord (the CONSUMED_RECORD_OF seam) and the poll view', () => {
  // kafka-wire/otel links a poll span to each record's producer span through the headers of the
  // records the poll channel carries; with the layer's messages those are kafkajs messages, so the
  // channel gets them turned back into kafka-wire's record (offset a bigint, header pairs in order).
  const headers = [
    { key: 'traceparent', value: Buffer.from('00-aa-bb-01') },
    { key: 'a', value: Buffer.from('1') },
    { key: 'a', value: Buffer.from('2') },
  ]

  it('a kafkajs message back to topic, partition, bigint offset, key and { key, value } headers', () => {
    const m = kafkaMessage(40n, 2, 1, Buffer.from('k'), Buffer.from('v'), headers)
    expect(consumedRecord('t', 3, m)).toEqual({ topic: 't', partition: 3, offset: 42n, key: Buffer.from('k'), headers })
  })

  it("a poll's records, partition by partition, with the count; none without the seam", () => {
    expect(pollView(null)).toBeUndefined()
    const byPartition = new Map([
      ['t-0', { tp: { topic: 't', partition: 0 }, records: [kafkaMessage(0n, 0, 1, null, null, headers)] }],
      [
        'u-1',
        { tp: { topic: 'u', partition: 1 }, records: [0, 1].map((d) => kafkaMessage(5n, d, 1, null, null, null)) },
      ],
    ])
    const view = pollView<unknown, unknown>(consumedRecord)!(new ConsumerRecords(byPartition as never))!
    expect(view.count).toBe(3)
    expect([...view].map((r) => [r.topic, r.partition, r.offset, r.headers.length])).toEqual([
      ['t', 0, 0n, 3],
      ['u', 1, 5n, 0],
      ['u', 1, 6n, 0],
    ])
  })
})

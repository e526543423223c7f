import { expect, it } from 'vitest'
import { deserializers, lastHeader } from '../../../src/index.js'

const ctx = { topic: 'orders', partition: 2, headers: [] }

it('deserializers.json parses what serializers.json wrote; null stays null; bad JSON names the partition', () => {
  expect(deserializers.json(Buffer.from('{"total":42}'), ctx)).toEqual({ total: 42 })
  expect(deserializers.json(null, ctx)).toBeNull()
  expect(() => deserializers.json(Buffer.from('not json'), ctx)).toThrow(/Not JSON in a record of orders-2/)
  expect(deserializers.string(Buffer.from('héllo'), ctx)).toBe('héllo')
  expect(deserializers.string(null, ctx)).toBeNull()
})

it('lastHeader: the last value of a header, as text or bytes', () => {
  const record = {
    headers: [
      { key: 'trace', value: Buffer.from('a') },
      { key: 'trace', value: Buffer.from('b') },
      { key: 'empty', value: null },
    ],
  }
  expect(lastHeader(record, 'trace')).toBe('b')
  expect(lastHeader(record, 'trace', 'buffer')).toEqual(Buffer.from('b'))
  expect(lastHeader(record, 'empty')).toBeNull()
  expect(lastHeader(record, 'missing')).toBeUndefined()
})

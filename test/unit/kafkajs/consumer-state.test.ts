// The kafkajs consumer's offset book (kafkajs's OffsetManager without its I/O): resolveOffset() and the
// eachMessage loop's resolver() give the same offsets to commit, whichever came last.
import { describe, expect, it } from 'vitest'
import { OffsetBook } from '../../../src/kafkajs/consumer-state.js'

const tp = { topic: 't', partition: 0 }

function book(): OffsetBook {
  const b = new OffsetBook(null, null)
  b.assign([tp, { topic: 't', partition: 1 }])
  return b
}

describe('OffsetBook', () => {
  it("resolver(): each message's offset + 1 is what is committed and where processing resumes", () => {
    const b = book()
    const resolve = b.resolver('t', 0)
    for (const o of ['41', '42', '43']) resolve(o)
    expect(b.nextOffset('t', 0)).toBe('44')
    expect(b.uncommittedOffsets()).toEqual({ topics: [{ topic: 't', partitions: [{ partition: '0', offset: '44' }] }] })
    b.committed([{ topic: 't', partitions: [{ partition: 0, offset: '44' }] }])
    expect(b.uncommittedOffsets()).toEqual({ topics: [] })
    resolve('9007199254740993') // beyond 2^53: exact, as kafkajs's Long
    expect(b.nextOffset('t', 0)).toBe('9007199254740994')
  })

  it('the later of resolveOffset() and resolver() wins; reset() and a new assignment drop both', () => {
    const b = book()
    const resolve = b.resolver('t', 0)
    resolve('10')
    b.resolveOffset('t', 0, '5') // eachBatch's resolveOffset after the loop's: kafkajs keeps the last call
    expect(b.nextOffset('t', 0)).toBe('6')
    resolve('7')
    expect(b.nextOffset('t', 0)).toBe('8')
    resolve('20')
    b.reset('t', 0, '3')
    expect(b.nextOffset('t', 0)).toBe('3')
    resolve('30')
    b.assign([tp])
    expect(b.nextOffset('t', 0)).toBe(null)
    resolve('31') // a resolver of the old assignment resolves nothing in the new one
    expect(b.uncommittedOffsets()).toEqual({ topics: [] })
  })

  it('a resolver for a partition not assigned resolves nothing', () => {
    const b = book()
    b.resolver('other', 0)('5')
    expect(b.uncommittedOffsets()).toEqual({ topics: [] })
  })

  it('autoCommitThreshold counts what the resolver resolved', () => {
    const b = new OffsetBook(null, 3)
    b.assign([tp])
    b.setBaseline('t', 0, '10')
    const resolve = b.resolver('t', 0)
    resolve('10')
    resolve('11')
    expect(b.commitDue()).toBe(false)
    resolve('12')
    expect(b.commitDue()).toBe(true)
  })
})

// KIP-227 fetch sessions: full then incremental requests, added/altered/forgotten partitions,
// epochs, and the fall-back to a full fetch on session errors.
import { describe, expect, it } from 'vitest'
import { FetchSessionHandler, type PartitionFetchData } from '../../../src/consumer/fetch-session.js'
import { ErrorCode } from '../../../src/error-codes.js'

const { FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH } = ErrorCode

function p(topic: string, partition: number, fetchOffset: bigint): [string, PartitionFetchData] {
  return [
    `${topic}\u0000${partition}`,
    {
      topic,
      topicId: `id-${topic}`,
      partition,
      fetchOffset,
      logStartOffset: -1n,
      maxBytes: 1024,
      currentLeaderEpoch: 0,
      lastFetchedEpoch: -1,
    },
  ]
}

describe('FetchSessionHandler', () => {
  it('starts full, then sends only changes, and forgets removed partitions', () => {
    const h = new FetchSessionHandler()
    const r1 = h.build(new Map([p('a', 0, 0n), p('a', 1, 0n)]))
    expect(r1).toMatchObject({ full: true, sessionId: 0, sessionEpoch: 0 })
    expect(r1.toSend).toHaveLength(2)
    expect(h.handleResponse(0, 77)).toBe(true)
    expect([h.sessionId, h.epoch]).toEqual([77, 1])

    const r2 = h.build(new Map([p('a', 0, 10n), p('a', 1, 0n), p('b', 0, 0n)]))
    expect(r2).toMatchObject({ full: false, sessionId: 77, sessionEpoch: 1 })
    expect(r2.toSend.map((x) => `${x.topic}-${x.partition}@${x.fetchOffset}`)).toEqual(['a-0@10', 'b-0@0'])
    expect(r2.toForget).toEqual([])
    h.handleResponse(0, 77)
    expect(h.epoch).toBe(2)

    const r3 = h.build(new Map([p('b', 0, 0n)]))
    expect(r3.toSend).toEqual([])
    expect(r3.toForget.map((x) => `${x.topic}-${x.partition}`)).toEqual(['a-0', 'a-1'])
    h.handleResponse(0, 77)
    expect([...h.sessionPartitions().keys()]).toEqual(['b\u00000'])
  })

  it('goes back to a full fetch on FETCH_SESSION_ID_NOT_FOUND (new session) and INVALID_FETCH_SESSION_EPOCH (same id, epoch 0)', () => {
    const h = new FetchSessionHandler()
    h.build(new Map([p('a', 0, 0n)]))
    h.handleResponse(0, 5)
    h.build(new Map([p('a', 0, 1n)]))
    expect(h.handleResponse(INVALID_FETCH_SESSION_EPOCH, 0)).toBe(false)
    const r = h.build(new Map([p('a', 0, 1n)]))
    expect(r).toMatchObject({ full: true, sessionId: 5, sessionEpoch: 0 })
    expect(h.handleResponse(FETCH_SESSION_ID_NOT_FOUND, 0)).toBe(false)
    expect(h.build(new Map([p('a', 0, 1n)]))).toMatchObject({ full: true, sessionId: 0, sessionEpoch: 0 })
  })

  it('stays on full fetches when the broker creates no session, and after transport errors', () => {
    const h = new FetchSessionHandler()
    h.build(new Map([p('a', 0, 0n)]))
    h.handleResponse(0, 0)
    expect(h.build(new Map([p('a', 0, 3n)]))).toMatchObject({ full: true, sessionId: 0 })
    h.handleResponse(0, 9)
    h.build(new Map([p('a', 0, 4n)]))
    h.handleError()
    expect(h.build(new Map([p('a', 0, 4n)]))).toMatchObject({ full: true, sessionId: 9, sessionEpoch: 0 })
  })

  it('wraps the epoch from INT32_MAX to 1', () => {
    const h = new FetchSessionHandler()
    h.build(new Map([p('a', 0, 0n)]))
    h.handleResponse(0, 1)
    h.epoch = 2147483647
    h.build(new Map([p('a', 0, 0n)]))
    h.handleResponse(0, 1)
    expect(h.epoch).toBe(1)
  })
})

// The MaxBytes of a ShareFetch (issue #21): the broker walks MaxBytes of log per request, so after
// the first response the request asks for what maxPollRecords records need, within fetchMaxBytes.
import { describe, expect, it } from 'vitest'
import { acquiredCount, MIN_PARTITION_BUDGET, ShareFetchBudget } from '../../../src/share/fetch-budget.js'
import { resolveShareConsumerOptions } from '../../../src/share/options.js'
import { shareFetchBody } from '../../../src/share/share-requests.js'

const p0 = { topic: 'jobs', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partition: 0 }
const MiB = 1048576

describe('ShareFetch MaxBytes', () => {
  const options = resolveShareConsumerOptions({ bootstrapServers: 'x:9092', groupId: 'g' })

  it('asks for fetchMaxBytes until a response shows the record size', () => {
    const budget = new ShareFetchBudget()
    expect(budget.maxBytes(options.fetchMaxBytes, options.maxPollRecords, 1)).toBe(50 * MiB)
    const body = shareFetchBody(options, 'm', { epoch: 0, added: [p0], forgotten: [] }, new Map())
    expect(body.maxBytes).toBe(50 * MiB)
  })

  it('after 504 records of ~1 KB, asks for twice 500 such records (~1 MB, not 50 MiB)', () => {
    const budget = new ShareFetchBudget()
    budget.observe(504 * 1090, acquiredCount([{ firstOffset: 1512n, lastOffset: 2015n }]))
    const maxBytes = budget.maxBytes(options.fetchMaxBytes, options.maxPollRecords, 1)
    expect(maxBytes).toBe(2 * 1090 * 500)
    const body = shareFetchBody(options, 'm', { epoch: 3, added: [], forgotten: [] }, new Map(), maxBytes)
    expect(body.maxBytes).toBe(1090000)
    expect(body.maxRecords).toBe(500)
    // Three partitions on the leader: the broker gives each MaxBytes ÷ 3.
    expect(budget.maxBytes(options.fetchMaxBytes, options.maxPollRecords, 3)).toBe(3 * 1090000)
    // Small records: at least 1 MiB per partition.
    budget.observe(500 * 170, 500)
    expect(budget.maxBytes(options.fetchMaxBytes, options.maxPollRecords, 1)).toBe(MIN_PARTITION_BUDGET)
  })

  it('large records: twice maxPollRecords × the average size, capped by fetchMaxBytes', () => {
    const budget = new ShareFetchBudget()
    budget.observe(10 * 20000, 10)
    expect(budget.maxBytes(50 * MiB, 500, 1)).toBe(2 * 20000 * 500)
    expect(budget.maxBytes(50 * MiB, 500, 4)).toBe(50 * MiB)
    expect(budget.maxBytes(5 * MiB, 500, 1)).toBe(5 * MiB)
    // A response without records changes nothing.
    budget.observe(0, 0)
    expect(budget.maxBytes(50 * MiB, 500, 1)).toBe(2 * 20000 * 500)
  })

  it('the body never asks for more than fetchMaxBytes', () => {
    const small = resolveShareConsumerOptions({ bootstrapServers: 'x:9092', groupId: 'g', fetchMaxBytes: 1000 })
    const body = shareFetchBody(small, 'm', { epoch: 0, added: [p0], forgotten: [] }, new Map(), 5 * MiB)
    expect(body.maxBytes).toBe(1000)
  })

  it('acquiredCount spans the ranges', () => {
    expect(acquiredCount([])).toBe(0)
    expect(
      acquiredCount([
        { firstOffset: 0n, lastOffset: 0n },
        { firstOffset: 5n, lastOffset: 9n },
      ]),
    ).toBe(6)
  })
})

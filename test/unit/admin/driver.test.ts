import { describe, expect, it, vi } from 'vitest'
import { drive, settle } from '../../../src/admin/driver.js'
import { AdminAggregateError } from '../../../src/admin/errors.js'
import {
  AbortError,
  brokerError,
  ClosedError,
  ConnectionError,
  KafkaAggregateError,
  TimeoutError,
  UnsupportedVersionError,
} from '../../../src/errors.js'

const base = { retryBackoffMs: 1, retryBackoffMaxMs: 5 }
const opts = (extra: object = {}) => ({
  deadline: Date.now() + 5_000,
  signal: new AbortController().signal,
  ...base,
  ...extra,
})

describe('drive', () => {
  it('collects results and final errors in one round', async () => {
    const round = vi.fn(async (pending: string[], report: any) => {
      for (const k of pending) {
        if (k === 'bad') report.fail(k, brokerError(36, null, { topic: k }))
        else report.ok(k, k.toUpperCase())
      }
    })
    const out = await drive(['a', 'bad', 'b'], round, opts())
    expect(round).toHaveBeenCalledTimes(1)
    expect([...out.results]).toEqual([
      ['a', 'A'],
      ['b', 'B'],
    ])
    expect(out.errors.get('bad')?.code).toBe('TOPIC_ALREADY_EXISTS')
  })

  it('retries only the items reported for retry, and refreshes metadata first when asked', async () => {
    const seen: string[][] = []
    const refreshMetadata = vi.fn(async () => {})
    const out = await drive(
      ['a', 'b'],
      async (pending, report, attempt) => {
        seen.push([...pending])
        for (const k of pending) {
          if (k === 'b' && attempt < 2) {
            report.retry(k, brokerError(6, null, { topic: 't', partition: 1 }))
            report.refreshMetadata = true
          } else report.ok(k, attempt)
        }
      },
      opts({ refreshMetadata }),
    )
    expect(seen).toEqual([['a', 'b'], ['b'], ['b']])
    expect(refreshMetadata).toHaveBeenCalledTimes(2)
    expect(out.results.get('a')).toBe(0)
    expect(out.results.get('b')).toBe(2)
  })

  it('turns retriable items still pending at the deadline into TimeoutErrors naming the item', async () => {
    const out = await drive(
      ['t:0'],
      async (pending, report) => {
        for (const k of pending) report.retry(k, brokerError(5, null, { topic: 't', partition: 0 }))
      },
      opts({ deadline: Date.now() + 50 }),
    )
    const error = out.errors.get('t:0')!
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.topic).toBe('t')
    expect(error.partition).toBe(0)
    expect((error.cause as any).code).toBe('LEADER_NOT_AVAILABLE')
  })

  it('retries a round that throws a retriable error, and rejects on a non-retriable one', async () => {
    let calls = 0
    const out = await drive(
      ['x'],
      async (pending, report) => {
        if (++calls === 1) throw new ConnectionError('socket closed')
        report.ok(pending[0]!, 'ok')
      },
      opts(),
    )
    expect(calls).toBe(2)
    expect(out.results.get('x')).toBe('ok')

    await expect(
      drive(
        ['x'],
        async () => {
          throw new UnsupportedVersionError('nope')
        },
        opts(),
      ),
    ).rejects.toBeInstanceOf(UnsupportedVersionError)
  })

  it('fails items missing from the response', async () => {
    const out = await drive(['a', 'b'], async (_p, report) => report.ok('a', 1), opts())
    expect(out.errors.get('b')?.code).toBe('ERR_MISSING_RESULT')
  })

  it('stops at abort with AbortError, or the ClosedError the signal carries', async () => {
    const ac = new AbortController()
    const p = drive(
      ['a'],
      async (pending, report) => {
        report.retry(pending[0]!, new ConnectionError('x'))
      },
      opts({ signal: ac.signal, retryBackoffMs: 200, retryBackoffMaxMs: 200 }),
    )
    setTimeout(() => ac.abort(), 20)
    await expect(p).rejects.toBeInstanceOf(AbortError)

    const closer = new AbortController()
    closer.abort(new ClosedError('closed'))
    await expect(drive(['a'], async () => {}, opts({ signal: closer.signal }))).rejects.toBeInstanceOf(ClosedError)
  })
})

describe('settle', () => {
  it('returns results in key order when everything succeeded', () => {
    const results = new Map([
      ['b', 2],
      ['a', 1],
    ])
    expect(settle('op', 'items', ['a', 'b'], { results, errors: new Map() })).toEqual([1, 2])
  })

  it('rejects with an AdminAggregateError listing failures and successes', () => {
    const error = brokerError(36, 'Topic exists', { topic: 'a' })
    try {
      settle('createTopics', 'topics', ['a', 'b'], { results: new Map([['b', 'B']]), errors: new Map([['a', error]]) })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(AdminAggregateError)
      expect(e).toBeInstanceOf(KafkaAggregateError)
      const agg = e as AdminAggregateError<string>
      expect(agg.errors).toEqual([error])
      expect(agg.failed).toEqual(['a'])
      expect(agg.succeeded).toEqual(['B'])
      expect(agg.message).toContain('createTopics failed for 1 of 2 topics (succeeded: b)')
      expect(agg.message).toContain('TOPIC_ALREADY_EXISTS (topic a): Topic exists')
      expect(agg.name).toBe('AdminAggregateError')
    }
  })
})

describe('naming', () => {
  it('keeps the last broker error over a request timeout, and names shared errors by item', async () => {
    let round = 0
    const out = await drive(
      ['t:3'],
      async (pending, report) => {
        if (++round === 1) report.retry(pending[0]!, brokerError(14, 'group g', { topic: 't', partition: 3 }))
        else throw new TimeoutError('Request timed out')
      },
      opts({ deadline: Date.now() + 60 }),
    )
    expect(out.errors.get('t:3')?.cause).toMatchObject({ code: 'COORDINATOR_LOAD_IN_PROGRESS' })

    const shared = new ConnectionError('socket closed')
    try {
      settle('op', 'partitions', ['t:3'], { results: new Map(), errors: new Map([['t:3', shared]]) }, () => ({
        label: 't-3',
        topic: 't',
        partition: 3,
      }))
      expect.unreachable()
    } catch (e) {
      const named = (e as AdminAggregateError).errors[0]!
      expect(named).toMatchObject({ code: 'ERR_CONNECTION', topic: 't', partition: 3, retriable: true })
      expect(named.message).toBe('t-3: socket closed')
      expect(named.cause).toBe(shared)
    }
  })
})

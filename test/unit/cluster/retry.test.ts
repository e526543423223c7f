import { describe, expect, it, vi } from 'vitest'
import { withRetry } from '../../../src/cluster/retry.js'
import { AbortError, ConnectionError, KafkaError } from '../../../src/errors.js'

describe('withRetry', () => {
  it('retries retriable errors and returns the result', async () => {
    let calls = 0
    const onRetry = vi.fn()
    const v = await withRetry(
      async (attempt) => {
        calls++
        if (attempt < 3) throw new ConnectionError('down')
        return 'ok'
      },
      { deadline: Date.now() + 5000, backoffMs: 1, backoffMaxMs: 5, onRetry },
    )
    expect(v).toBe('ok')
    expect(calls).toBe(4)
    expect(onRetry).toHaveBeenCalledTimes(3)
  })

  it('throws a non-retriable error at once', async () => {
    let calls = 0
    const err = new KafkaError('fatal', 'X')
    await expect(
      withRetry(
        async () => {
          calls++
          throw err
        },
        { deadline: Date.now() + 5000, backoffMs: 1, backoffMaxMs: 5 },
      ),
    ).rejects.toBe(err)
    expect(calls).toBe(1)
  })

  it('stops at the deadline and rethrows the last error', async () => {
    const started = Date.now()
    const err = await withRetry(
      async (n) => {
        throw new ConnectionError(`attempt ${n}`)
      },
      { deadline: Date.now() + 300, backoffMs: 50, backoffMaxMs: 100 },
    ).catch((e) => e)
    expect(err).toBeInstanceOf(ConnectionError)
    expect(Date.now() - started).toBeLessThan(400)
  })

  it('aborts during the backoff sleep', async () => {
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 30)
    const err = await withRetry(
      async () => {
        throw new ConnectionError('down')
      },
      { deadline: Date.now() + 10_000, backoffMs: 5000, backoffMaxMs: 5000, signal: ac.signal },
    ).catch((e) => e)
    expect(err).toBeInstanceOf(AbortError)
  })
})

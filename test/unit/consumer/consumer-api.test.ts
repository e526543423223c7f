// Consumer calls that need no broker: poll({ signal }) and the shape of commitAsync.
import { describe, expect, it } from 'vitest'
import { Consumer } from '../../../src/consumer/index.js'
import { AbortError, ClosedError } from '../../../src/errors.js'

// Nothing listens on port 1: connecting never succeeds, so poll() waits until it is aborted.
const bootstrapServers = '127.0.0.1:1'

/** An AbortSignal that counts its abort listeners. */
function countingSignal() {
  const ac = new AbortController()
  let listeners = 0
  const add = ac.signal.addEventListener.bind(ac.signal)
  const remove = ac.signal.removeEventListener.bind(ac.signal)
  ac.signal.addEventListener = ((type: string, fn: any, o?: any) => {
    listeners++
    add(type, fn, o)
  }) as typeof ac.signal.addEventListener
  ac.signal.removeEventListener = ((type: string, fn: any, o?: any) => {
    listeners--
    remove(type, fn, o)
  }) as typeof ac.signal.removeEventListener
  return { ac, listeners: () => listeners }
}

describe('Consumer.poll({ signal })', () => {
  it('rejects with AbortError when the signal aborts, removes its listeners, and can poll again', async () => {
    await using consumer = new Consumer({ bootstrapServers, retryBackoffMs: 10, reconnectBackoffMs: 10 })
    consumer.assign([{ topic: 't', partition: 0 }])
    const s = countingSignal()
    const t0 = Date.now()
    const polling = consumer.poll(30_000, { signal: s.ac.signal })
    setTimeout(() => s.ac.abort('enough'), 100)
    const err = await polling.catch((e) => e)
    expect(err).toBeInstanceOf(AbortError)
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(s.listeners()).toBe(0)
    // Not stuck in "poll() is already running".
    const again = new AbortController()
    again.abort()
    await expect(consumer.poll(10, { signal: again.signal })).rejects.toBeInstanceOf(AbortError)
    await expect(consumer.poll(30_000, { signal: AbortSignal.timeout(50) })).rejects.toBeInstanceOf(AbortError)
  })
})

describe('Consumer.commitAsync', () => {
  it('one shape: a promise that rejects with the error, safe to ignore; the callback is a compatibility path', async () => {
    const consumer = new Consumer({ bootstrapServers, groupId: 'g' })
    await consumer.close()
    await expect(consumer.commitAsync()).rejects.toBeInstanceOf(ClosedError)
    // Fire and forget: no unhandledRejection (vitest fails the run on one).
    consumer.commitAsync()
    const seen: (Error | null)[] = []
    const p = consumer.commitAsync((err) => {
      seen.push(err)
    })
    await expect(p).rejects.toBeInstanceOf(ClosedError)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toBeInstanceOf(ClosedError)
    // A throwing callback neither breaks the promise nor escapes as an unhandled error.
    const q = consumer.commitAsync([], () => {
      throw new Error('callback bug')
    })
    await expect(q).rejects.toBeInstanceOf(ClosedError)
    await new Promise((r) => setTimeout(r, 10))
  })
})

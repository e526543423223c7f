// The ground floor's waits: one deadline race (TIMED_OUT / TimeoutError / AbortError) and sleep.
import { describe, expect, it } from 'vitest'
import { AbortError, TimeoutError } from '../../../src/errors.js'
import { raceWith, sleep, TIMED_OUT, withDeadline } from '../../../src/internal/deadline.js'

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

describe('withDeadline', () => {
  it("resolves with the promise's value, or TIMED_OUT at the deadline", async () => {
    expect(await withDeadline(Promise.resolve(1), Date.now() + 1000)).toBe(1)
    expect(await withDeadline(new Promise(() => {}), Date.now() + 20)).toBe(TIMED_OUT)
  })

  it('lets an already-settled promise win over a passed deadline', async () => {
    expect(await withDeadline(Promise.resolve('v'), Date.now() - 5)).toBe('v')
    expect(await withDeadline(new Promise(() => {}), Date.now() - 5)).toBe(TIMED_OUT)
  })

  it('passes a rejection through', async () => {
    await expect(withDeadline(Promise.reject(new Error('boom')), Date.now() + 1000)).rejects.toThrow('boom')
  })

  it('rejects with AbortError (cause: the reason) when the signal aborts, and removes its listener either way', async () => {
    const s = countingSignal()
    const pending = withDeadline(new Promise(() => {}), undefined, s.ac.signal)
    expect(s.listeners()).toBe(1)
    s.ac.abort('stop')
    const err = await pending.catch((e) => e)
    expect(err).toBeInstanceOf(AbortError)
    expect((err as AbortError).cause).toBe('stop')
    expect(s.listeners()).toBe(0)

    const s2 = countingSignal()
    for (let i = 0; i < 100; i++) await withDeadline(Promise.resolve(i), Date.now() + 1000, s2.ac.signal)
    await withDeadline(new Promise(() => {}), Date.now() + 5, s2.ac.signal)
    expect(s2.listeners()).toBe(0)
  })

  it('rejects at once on an aborted signal', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(withDeadline(Promise.resolve(1), undefined, ac.signal)).rejects.toBeInstanceOf(AbortError)
  })

  it('an already-aborted signal leaves no unhandled rejection behind when the promise rejects too', async () => {
    // The demo crashed this way: close() aborted a join's signal and closed the cluster, whose
    // metadata refresh then rejected with ClosedError that nobody was listening to any more.
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const ac = new AbortController()
      ac.abort()
      await expect(withDeadline(Promise.reject(new Error('closed')), undefined, ac.signal)).rejects.toBeInstanceOf(
        AbortError,
      )
      await new Promise((r) => setTimeout(r, 10))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

describe('raceWith', () => {
  it('throws TimeoutError naming what timed out', async () => {
    await expect(raceWith(new Promise(() => {}), { deadline: Date.now() + 5 }, 'waiting for x')).rejects.toThrow(
      new TimeoutError('Timed out waiting for x'),
    )
  })
})

describe('sleep', () => {
  it('waits, or rejects with AbortError when aborted (listener removed)', async () => {
    const t0 = Date.now()
    await sleep(20)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15)
    const s = countingSignal()
    await sleep(5, s.ac.signal)
    expect(s.listeners()).toBe(0)
    const p = sleep(10_000, s.ac.signal)
    s.ac.abort()
    await expect(p).rejects.toBeInstanceOf(AbortError)
    expect(s.listeners()).toBe(0)
  })
})

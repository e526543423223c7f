import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TimeoutError } from '../../../src/errors.js'
import { BufferPool } from '../../../src/producer/buffer-pool.js'

describe('BufferPool', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('reuses poolable buffers and accounts memory', () => {
    const pool = new BufferPool(1000, 100)
    const a = pool.tryAllocate(100)!
    expect(a.length).toBe(100)
    expect(pool.availableMemory).toBe(900)
    pool.release(a, 100)
    expect(pool.availableMemory).toBe(1000)
    expect(pool.tryAllocate(100)).toBe(a)
    const big = pool.tryAllocate(500)!
    expect(big.length).toBe(500)
    expect(pool.usedMemory).toBe(600)
  })

  it('waits for memory in FIFO order and serves waiters on release', async () => {
    const pool = new BufferPool(300, 100)
    const held = [pool.tryAllocate(100)!, pool.tryAllocate(100)!, pool.tryAllocate(100)!]
    expect(pool.tryAllocate(100)).toBeNull()
    const order: string[] = []
    const w1 = pool.allocate(200, 1000).then(() => order.push('w1'))
    const w2 = pool.allocate(100, 1000).then(() => order.push('w2'))
    // A small request must not overtake the waiters (fairness).
    expect(pool.tryAllocate(1)).toBeNull()
    pool.release(held[0]!, 100)
    await Promise.resolve()
    expect(order).toEqual([])
    pool.release(held[1]!, 100)
    pool.release(held[2]!, 100)
    await Promise.all([w1, w2])
    expect(order).toEqual(['w1', 'w2'])
    expect(pool.queued).toBe(0)
    expect(pool.availableMemory).toBe(0)
  })

  it('rejects with a TimeoutError after maxBlockMs and lets the next waiter go', async () => {
    const pool = new BufferPool(200, 100)
    pool.tryAllocate(100)
    const held = pool.tryAllocate(100)!
    const big = pool.allocate(200, 50)
    const small = pool.allocate(100, 10_000)
    const bigResult = big.catch((e) => e)
    await vi.advanceTimersByTimeAsync(49)
    pool.release(held, 100) // 100 free: the head (200) still cannot go, small waits behind it
    expect(pool.queued).toBe(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(await bigResult).toBeInstanceOf(TimeoutError)
    await expect(small).resolves.toHaveLength(100)
  })

  it('aborts through a signal', async () => {
    const pool = new BufferPool(100, 100)
    pool.tryAllocate(100)
    const ac = new AbortController()
    const p = pool.allocate(100, 1000, ac.signal)
    ac.abort()
    await expect(p).rejects.toMatchObject({ name: 'AbortError' })
    expect(pool.queued).toBe(0)
  })
})

describe('BufferPool multiples of the batch size', () => {
  it('reuses buffers of batchSize multiples and trades free buffers for other sizes', () => {
    const pool = new BufferPool(4000, 1000)
    const double = pool.tryAllocate(2000)!
    pool.release(double, 2000)
    expect(pool.tryAllocate(2000)).toBe(double)
    pool.release(double, 2000)
    // 3500 needs the free 2000-byte buffer's memory back.
    const big = pool.tryAllocate(3500)!
    expect(big.length).toBe(3500)
    expect(pool.availableMemory).toBe(500)
    pool.release(big, 3500)
    expect(pool.availableMemory).toBe(4000)
  })
})

describe('BufferPool charges (per-record overhead)', () => {
  it('a charge makes allocations wait until it is given back, even with free buffers', async () => {
    const pool = new BufferPool(3000, 1000)
    const a = pool.tryAllocate(1000)!
    pool.release(a, 1000) // on the free list now
    pool.charge(2500)
    expect(pool.availableMemory).toBe(500)
    expect(pool.tryAllocate(1000)).toBeNull()
    const waiting = pool.allocate(1000, 60_000)
    let got = false
    waiting.then(() => {
      got = true
    })
    await new Promise((r) => setImmediate(r))
    expect(got).toBe(false)
    pool.uncharge(2500)
    expect((await waiting).length).toBe(1000)
    expect(pool.availableMemory).toBe(2000)
  })
})

/** A manual clock and timer queue for the consumer's sans-IO state machines. */
import type { Clock } from '../../../src/internal/clock.js'

export class FakeClock implements Clock {
  #now: number
  #timers: { at: number; fn: () => void; id: number }[] = []
  #nextId = 1
  constructor(start = 1_000_000) {
    this.#now = start
  }
  now(): number {
    return this.#now
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++
    this.#timers.push({ at: this.#now + Math.max(0, ms), fn, id })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle)
  }
  setImmediate(fn: () => void): void {
    this.setTimeout(fn, 0)
  }
  /** Advances time in steps, running due timers in order (and microtasks between them). */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms
    for (;;) {
      await flush()
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id)
      const next = this.#timers[0]
      if (next === undefined || next.at > end) break
      this.#timers.shift()
      this.#now = Math.max(this.#now, next.at)
      next.fn()
    }
    this.#now = end
    await flush()
  }
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

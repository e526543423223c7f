/** Small async helpers of the consumer: deadlines, wakeable waits. No Kafka logic here. */

export const TIMED_OUT: unique symbol = Symbol('timed out')

/** Resolves after `ms`, or early when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** `promise`'s outcome, or TIMED_OUT once `deadline` (Date.now() based) passes. The promise keeps running. */
export function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | typeof TIMED_OUT> {
  const ms = deadline - Date.now()
  if (ms <= 0) {
    // Still give an already-settled promise the chance to win.
    return Promise.race([promise, Promise.resolve().then((): typeof TIMED_OUT => TIMED_OUT)])
  }
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** A one-shot latch that any number of waiters can await; `fire()` wakes all and re-arms. */
export class Signal {
  #resolve: (() => void) | null = null
  #promise: Promise<void> | null = null
  wait(): Promise<void> {
    this.#promise ??= new Promise<void>((r) => {
      this.#resolve = r
    })
    return this.#promise
  }
  fire(): void {
    const r = this.#resolve
    this.#resolve = null
    this.#promise = null
    r?.()
  }
}

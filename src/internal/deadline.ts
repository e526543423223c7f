/**
 * Waiting with a bound: `sleep`, and the one race of a promise against a deadline and an abort
 * signal (`withDeadline`; `raceWith` is the same race that throws TimeoutError). Deadlines are
 * Date.now()-based instants. Every timer and abort listener is removed when the race settles,
 * whichever side wins, so long-lived signals and promises do not accumulate listeners.
 */
import { AbortError, TimeoutError } from '../errors.js'

export const TIMED_OUT: unique symbol = Symbol('timed out')

function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason })
}

/** Throws AbortError when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal)
}

/**
 * Resolves after `ms`, or rejects with AbortError when `signal` aborts. The timer is ref'd unless
 * `unref`: a retry in progress is work in flight and may keep the process alive until its deadline.
 */
export function sleep(ms: number, signal?: AbortSignal, unref = false): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal))
      return
    }
    if (!(ms > 0)) {
      resolve()
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      signal!.removeEventListener('abort', onAbort)
      reject(abortError(signal!))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    if (unref) timer.unref()
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * `promise`'s outcome, or TIMED_OUT once `deadline` passes, or an AbortError rejection when
 * `signal` aborts, whichever comes first. The promise itself keeps running. A deadline already
 * passed still lets an already-settled promise win. No deadline and no signal: `promise` itself.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  deadline: number | undefined,
  signal?: AbortSignal,
): Promise<T | typeof TIMED_OUT> {
  if (deadline === undefined && signal === undefined) return promise
  if (signal?.aborted) {
    // The caller gets the abort; the promise's own rejection (e.g. a ClosedError of a client closed
    // by the same close()) must not become an unhandled rejection that kills the process.
    promise.catch(() => {})
    return Promise.reject(abortError(signal))
  }
  return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let done = false
    const settle = (fn: () => void) => {
      if (done) return
      done = true
      if (timer !== undefined) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      fn()
    }
    const onAbort = () => settle(() => reject(abortError(signal!)))
    signal?.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => settle(() => resolve(v)),
      (e) => settle(() => reject(e)),
    )
    if (deadline !== undefined && Number.isFinite(deadline)) {
      const ms = deadline - Date.now()
      if (ms <= 0) {
        // Behind the promise's own reactions: an already-settled promise wins.
        Promise.resolve()
          .then(() => undefined)
          .then(() => settle(() => resolve(TIMED_OUT)))
      } else {
        timer = setTimeout(() => settle(() => resolve(TIMED_OUT)), ms)
      }
    }
  })
}

/** `withDeadline`, with TimeoutError(`Timed out ${what}`) instead of TIMED_OUT. */
export function raceWith<T>(
  promise: Promise<T>,
  opts: { signal?: AbortSignal; deadline?: number },
  what: string,
): Promise<T> {
  if (opts.signal === undefined && opts.deadline === undefined) return promise
  return withDeadline(promise, opts.deadline, opts.signal).then((r) => {
    if (r === TIMED_OUT) throw new TimeoutError(`Timed out ${what}`)
    return r
  })
}

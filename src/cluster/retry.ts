/**
 * Backoff and retry, the Java client's way (ExponentialBackoff with multiplier 2 and jitter 0.2):
 * attempt n waits base·2ⁿ capped at max, then multiplied by a random factor in [0.8, 1.2).
 * Used for request retries (retryBackoffMs → retryBackoffMaxMs), reconnects (reconnectBackoffMs →
 * reconnectBackoffMaxMs) and metadata refreshes. Retries never outlive the caller's deadline.
 */
import { AbortError, KafkaError } from '../errors.js'
import { sleep } from '../internal/deadline.js'

export const BACKOFF_JITTER = 0.2

/** Exponential backoff with ±20% jitter. `attempt` counts from 0 (the first retry waits ≈ baseMs). */
export function backoff(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  if (baseMs <= 0) return 0
  const cap = Math.max(baseMs, maxMs)
  const term = Math.min(baseMs * 2 ** Math.max(0, Math.min(attempt, 62)), cap)
  const factor = 1 - BACKOFF_JITTER + random() * 2 * BACKOFF_JITTER
  return Math.floor(term * factor)
}

export interface RetryOptions {
  /** Date.now()-based instant after which no new attempt starts; the last error is then thrown. */
  deadline: number
  backoffMs: number
  backoffMaxMs: number
  signal?: AbortSignal
  /** Default: a KafkaError whose `retriable` is true. */
  retriable?: (err: unknown) => boolean
  /** Called before each backoff sleep with the error that is being retried. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void
  /** For tests. */
  random?: () => number
}

export function isRetriableError(err: unknown): boolean {
  return err instanceof KafkaError && err.retriable
}

/**
 * Calls `fn(attempt)` until it resolves, a non-retriable error is thrown, the signal aborts, or
 * the next attempt would start after `deadline` — then the last error is rethrown as is (it says
 * more than a generic timeout: an UnknownTopicOrPartitionError naming the topic, for instance).
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const retriable = opts.retriable ?? isRetriableError
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted) throw new AbortError(undefined, { cause: opts.signal.reason })
    try {
      return await fn(attempt)
    } catch (err) {
      if (opts.signal?.aborted) {
        throw err instanceof AbortError ? err : new AbortError(undefined, { cause: opts.signal.reason })
      }
      if (!retriable(err)) throw err
      const delay = backoff(attempt, opts.backoffMs, opts.backoffMaxMs, opts.random)
      if (Date.now() + delay >= opts.deadline) throw err
      opts.onRetry?.(err, attempt, delay)
      await sleep(delay, opts.signal)
    }
  }
}

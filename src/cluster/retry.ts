/**
 * Retrying an async call with the one backoff (internal/backoff.ts) until it succeeds, fails for
 * good, is aborted or would outlive the caller's deadline.
 */
import { AbortError, KafkaError } from '../errors.js'
import { backoff } from '../internal/backoff.js'
import { sleep } from '../internal/deadline.js'

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

/**
 * kafkajs's retrier as the consumer's run loop uses it: `retries` further attempts after the first,
 * each after a randomised, exponentially growing delay (kafkajs's src/retry: factor, multiplier,
 * initialRetryTime, maxRetryTime), then KafkaJSNumberOfRetriesExceeded; an error that is not
 * retriable (`retriable: false`, or a TypeError/RangeError/ReferenceError/SyntaxError) gives up at once
 * with KafkaJSNonRetriableError. kafkajs uses faster defaults when NODE_ENV is 'test'; so does this.
 *
 * Owner: the kafkajs consumer (consumer-runner.ts, consumer.ts's crash handling).
 */
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from './errors.js'
import type { RetryOptions } from './types.js'

const DEFAULTS = { maxRetryTime: 30000, initialRetryTime: 300, factor: 0.2, multiplier: 2, retries: 5 }
const TEST_DEFAULTS = { maxRetryTime: 1000, initialRetryTime: 50, factor: 0.02, multiplier: 1.5, retries: 15 }

const UNRECOVERABLE = new Set(['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError'])

export function retryDefaults(): typeof DEFAULTS {
  return process.env.NODE_ENV === 'test' ? TEST_DEFAULTS : DEFAULTS
}

/** kafkajs's isErrorRetriable. */
export function retriable(e: Error & { retriable?: boolean }): boolean {
  return (e?.retriable || e?.retriable !== false) && !UNRECOVERABLE.has(e?.name)
}

/** The error a retrier gives up with. `attempt` null: the error was not retriable. */
export function wrap(e: Error, attempt: { retryCount: number; retryTime: number } | null): Error {
  const cause = ((e as { cause?: unknown }).cause as Error | undefined) ?? e
  if (attempt === null) return new KafkaJSNonRetriableError(e, { cause })
  return new KafkaJSNumberOfRetriesExceeded(e, attempt)
}

function randomFromRetryTime(factor: number, retryTime: number): number {
  const delta = factor * retryTime
  return Math.ceil(Math.random() * 2 * delta + (retryTime - delta))
}

export class KafkaJSRetrier {
  readonly #cfg: typeof DEFAULTS
  #count = 0
  #retryTime: number
  /** The last attempt's numbers, for the error that ends the retries. */
  last: { retryCount: number; retryTime: number }

  constructor(options: RetryOptions = {}) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
    this.#cfg = { ...retryDefaults(), ...defined } as typeof DEFAULTS
    this.#retryTime = randomFromRetryTime(this.#cfg.factor, this.#cfg.initialRetryTime)
    this.last = { retryCount: 0, retryTime: this.#retryTime }
  }

  get initialRetryTime(): number {
    return this.#cfg.initialRetryTime
  }

  /** After a failure: the delay before trying again, or null when the retries are used up. */
  next(): { retryTime: number; retryCount: number } | null {
    this.last = { retryCount: this.#count, retryTime: this.#retryTime }
    if (this.#count >= this.#cfg.retries) return null
    const attempt = { retryTime: this.#retryTime, retryCount: this.#count }
    this.#count++
    this.#retryTime = Math.min(
      randomFromRetryTime(this.#cfg.factor, this.#retryTime) * this.#cfg.multiplier,
      this.#cfg.maxRetryTime,
    )
    return attempt
  }

  reset(): void {
    this.#count = 0
    this.#retryTime = randomFromRetryTime(this.#cfg.factor, this.#cfg.initialRetryTime)
  }
}

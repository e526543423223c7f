/**
 * After a bootstrap fails to authenticate, the cluster fails fast with that error until the
 * reconnect backoff has passed (Java's AUTHENTICATION_FAILED connection state under
 * reconnect.backoff.ms … reconnect.backoff.max.ms). Bootstrap connections are throwaway ones,
 * outside the pool's reconnect backoff; without this an application retrying in a loop opened a
 * connection per call when the refusal came fast (a SCRAM server signature that does not verify:
 * 45 connections in 5 s, test/fault/network/scram-tamper.test.ts). Sans-IO: `now` is given.
 */
import { AuthenticationError } from '../errors.js'
import { backoff } from '../internal/backoff.js'

export class AuthenticationBackoff {
  #failure: { error: Error; failures: number; retryAt: number } | undefined

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  /** The error to fail with at once, while the last authentication failure's backoff runs. */
  pending(now: number): Error | undefined {
    const f = this.#failure
    return f !== undefined && now < f.retryAt ? f.error : undefined
  }

  /** A bootstrap succeeded: the next failure starts from the base backoff. */
  succeeded(): void {
    this.#failure = undefined
  }

  /** A bootstrap failed: an AuthenticationError starts (or doubles) the backoff; others do not count. */
  failed(err: unknown, now: number): void {
    if (!(err instanceof AuthenticationError)) return
    const failures = (this.#failure?.failures ?? 0) + 1
    this.#failure = { error: err, failures, retryAt: now + backoff(failures - 1, this.baseMs, this.maxMs) }
  }
}

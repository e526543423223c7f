/**
 * The one retry backoff, the Java client's way (ExponentialBackoff with multiplier 2 and jitter 0.2):
 * attempt n waits base·2ⁿ capped at max, then multiplied by a random factor in [0.8, 1.2).
 * Every layer uses it: request retries (retryBackoffMs → retryBackoffMaxMs: cluster, admin, the
 * producer's Sender and transactions, the consumer's Fetcher and offsets), reconnects
 * (reconnectBackoffMs → reconnectBackoffMaxMs) and metadata refreshes. Pure: the caller adds it
 * to its own `now`.
 */

export const BACKOFF_JITTER = 0.2

/** Exponential backoff with ±20% jitter. `attempt` counts from 0 (the first retry waits ≈ baseMs). */
export function backoff(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  if (baseMs <= 0) return 0
  const cap = Math.max(baseMs, maxMs)
  const term = Math.min(baseMs * 2 ** Math.max(0, Math.min(attempt, 62)), cap)
  const factor = 1 - BACKOFF_JITTER + random() * 2 * BACKOFF_JITTER
  return Math.floor(term * factor)
}

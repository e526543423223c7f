/**
 * The per-item retry engine under every admin call.
 *
 * An admin call works on items (topics, partitions, groups, config resources...), each identified
 * by a string key. It runs in rounds: a round sends requests for the items still pending and
 * reports, per item, a result, a final error, or a retriable error. Items with retriable errors
 * stay pending and are sent again in the next round, after a backoff, until the call's deadline;
 * then they fail with a TimeoutError whose cause is their last error. A round that throws fails
 * every pending item with that error when it is retriable (connection lost, request timed out)
 * and rejects the whole call otherwise (authentication, unsupported version, abort, close).
 *
 * Called by executor.ts only. Pure apart from the clock and timers; the unit tests step it with
 * fake rounds.
 */

import { AbortError, ClosedError, KafkaError, TimeoutError } from '../errors.js'
import { backoff } from '../internal/backoff.js'
import { sleep } from '../internal/deadline.js'
import { AdminAggregateError } from './errors.js'

/** What a round reports for the pending items. */
export class RoundReport<R> {
  readonly results = new Map<string, R>()
  readonly errors = new Map<string, KafkaError>()
  readonly retries = new Map<string, KafkaError>()
  /** Set by a round when a retriable error means cached metadata (leaders, controller) is stale. */
  refreshMetadata = false

  ok(key: string, value: R): void {
    this.results.set(key, value)
  }
  fail(key: string, error: KafkaError): void {
    this.errors.set(key, error)
  }
  retry(key: string, error: KafkaError): void {
    this.retries.set(key, error)
  }
  /** Reports `error` for each key: retried when `retriable`, else final. */
  failAll(keys: Iterable<string>, error: KafkaError, retriable: boolean): void {
    for (const key of keys) retriable ? this.retry(key, error) : this.fail(key, error)
  }
}

export interface DriveOptions {
  /** Date.now()-based. */
  deadline: number
  signal: AbortSignal
  retryBackoffMs: number
  retryBackoffMaxMs: number
  /** Called before a round that follows one which set `refreshMetadata`; its errors are ignored. */
  refreshMetadata?: () => Promise<void>
  /** Whether an error thrown by a round is worth retrying (default: `KafkaError.retriable`). */
  retriable?: (error: unknown) => boolean
}

export interface DriveResult<R> {
  results: Map<string, R>
  errors: Map<string, KafkaError>
}

/** Throws the AbortError / ClosedError the signal was aborted with. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortReason(signal)
}

export function abortReason(signal: AbortSignal): KafkaError {
  const reason = signal.reason
  if (reason instanceof KafkaError) return reason
  return new AbortError(undefined, { cause: reason })
}

/**
 * Runs rounds over `keys` until every key has a result or a final error, or the deadline passes.
 * Never rejects for per-item failures: the caller turns `errors` into an AdminAggregateError.
 */
export async function drive<R>(
  keys: readonly string[],
  round: (pending: string[], report: RoundReport<R>, attempt: number) => Promise<void>,
  options: DriveOptions,
): Promise<DriveResult<R>> {
  const results = new Map<string, R>()
  const errors = new Map<string, KafkaError>()
  const lastErrors = new Map<string, KafkaError>()
  let pending = [...new Set(keys)]
  const isRetriable = options.retriable ?? ((e: unknown) => e instanceof KafkaError && e.retriable)
  let refresh = false

  for (let attempt = 0; pending.length > 0; attempt++) {
    throwIfAborted(options.signal)
    if (refresh && options.refreshMetadata !== undefined) {
      try {
        await options.refreshMetadata()
      } catch (e) {
        throwIfAborted(options.signal)
        if (e instanceof ClosedError) throw e
        // A failed refresh is not fatal: the next round fails the same way and is retried.
      }
    }
    const report = new RoundReport<R>()
    try {
      await round(pending, report, attempt)
    } catch (e) {
      throwIfAborted(options.signal)
      if (!isRetriable(e)) throw e
      const error = e instanceof KafkaError ? e : new KafkaError(String(e), 'ERR_KAFKA', { cause: e })
      for (const key of pending) {
        if (!report.results.has(key) && !report.errors.has(key)) report.retry(key, error)
      }
      report.refreshMetadata = true
    }
    refresh = report.refreshMetadata
    const next: string[] = []
    for (const key of pending) {
      const result = report.results
      if (result.has(key)) results.set(key, result.get(key) as R)
      else if (report.errors.has(key)) errors.set(key, report.errors.get(key)!)
      else if (report.retries.has(key)) {
        // A request cut short by the deadline says less than the broker error before it: keep that one.
        const error = report.retries.get(key)!
        const previous = lastErrors.get(key)
        if (!(error instanceof TimeoutError && previous !== undefined && !(previous instanceof TimeoutError))) {
          lastErrors.set(key, error)
        }
        next.push(key)
      } else {
        errors.set(key, new KafkaError(`The response had no result for ${key}`, 'ERR_MISSING_RESULT'))
      }
    }
    pending = next
    if (pending.length === 0) break
    const wait = backoff(attempt, options.retryBackoffMs, options.retryBackoffMaxMs)
    if (Date.now() + wait >= options.deadline) {
      for (const key of pending) errors.set(key, timedOut(lastErrors.get(key)!))
      break
    }
    try {
      await sleep(wait, options.signal)
    } catch {
      throw abortReason(options.signal)
    }
  }
  return { results, errors }
}

function timedOut(last: KafkaError): TimeoutError {
  const options: { cause: KafkaError; topic?: string; partition?: number } = { cause: last }
  if (last.topic !== undefined) options.topic = last.topic
  if (last.partition !== undefined) options.partition = last.partition
  return new TimeoutError(`Timed out retrying: ${last.message}`, options)
}

/** How an item is named in errors: a label, and its topic/partition when it has them. */
export interface ItemName {
  label: string
  topic?: string
  partition?: number
}

/**
 * Makes sure an item's error names the item. Errors built from a response already do (topic and
 * partition set, or the group / resource / user in the message); errors shared by several items —
 * a request that timed out or failed as a whole — do not, and are wrapped: a TimeoutError stays a
 * TimeoutError, anything else becomes a KafkaError with the same `code` and the original as `cause`.
 */
export function nameError(error: KafkaError, name: ItemName): KafkaError {
  if (error.topic !== undefined || error.message.includes(name.label)) return error
  const options = {
    cause: error instanceof TimeoutError && error.cause instanceof KafkaError ? error.cause : error,
    retriable: error.retriable,
    ...(name.topic === undefined ? {} : { topic: name.topic }),
    ...(name.partition === undefined ? {} : { partition: name.partition }),
    ...(error.broker === undefined ? {} : { broker: error.broker }),
    ...(error.apiKey === undefined ? {} : { apiKey: error.apiKey }),
  }
  if (error instanceof TimeoutError) return new TimeoutError(`${name.label}: ${error.message}`, options)
  return new KafkaError(`${name.label}: ${error.message}`, error.code, options)
}

/**
 * Turns a drive result into the call's outcome: the results in `keys` order when every item
 * succeeded, else an AdminAggregateError naming each failure and listing what succeeded.
 */
export function settle<R, S = R>(
  operation: string,
  itemKind: string,
  keys: readonly string[],
  outcome: DriveResult<R>,
  name: (key: string) => ItemName | string = (key) => key,
  succeededValue: (key: string, value: R) => S = (_key, value) => value as unknown as S,
): R[] {
  const unique = [...new Set(keys)]
  const itemName = (k: string): ItemName => {
    const n = name(k)
    return typeof n === 'string' ? { label: n } : n
  }
  const failures = unique.filter((k) => outcome.errors.has(k))
  if (failures.length === 0) return unique.map((k) => outcome.results.get(k) as R)
  throw new AdminAggregateError<S>(
    operation,
    itemKind,
    failures.map((k) => ({ label: itemName(k).label, error: nameError(outcome.errors.get(k)!, itemName(k)) })),
    unique
      .filter((k) => outcome.results.has(k))
      .map((k) => ({ label: itemName(k).label, value: succeededValue(k, outcome.results.get(k) as R) })),
  )
}

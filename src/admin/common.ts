/**
 * Small helpers shared by the admin request/response modules: item keys, per-item error
 * classification, argument checks.
 */

import { ErrorCode } from '../error-codes.js'
import { type BrokerError, brokerError, invalidatesMetadata, isRetriable, KafkaError } from '../errors.js'
import { ZERO_UUID } from '../protocol/index.js'
import type { RoundReport } from './driver.js'

/** Key of a topic-partition item. Topic names cannot contain ':' ([a-zA-Z0-9._-]). */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`
}

export function tpLabel(key: string): string {
  const i = key.lastIndexOf(':')
  return `${key.slice(0, i)}-${key.slice(i + 1)}`
}

/** How a partition item is named in errors. */
export function tpName(key: string): { label: string; topic: string; partition: number } {
  const i = key.lastIndexOf(':')
  return {
    label: `${key.slice(0, i)}-${key.slice(i + 1)}`,
    topic: key.slice(0, i),
    partition: Number(key.slice(i + 1)),
  }
}

/** How a topic item is named in errors. */
export function topicName(topic: string): { label: string; topic: string } {
  return { label: topic, topic }
}

/** Why an item's error code is retried, if it is. */
export type RetryKind = 'no' | 'yes' | 'metadata' | 'coordinator'

/** Controller-bound calls (topics, partitions): Java retries only a controller move and quota throttling. */
export function controllerRetry(code: number): RetryKind {
  if (code === ErrorCode.NOT_CONTROLLER) return 'metadata'
  if (code === ErrorCode.THROTTLING_QUOTA_EXCEEDED) return 'yes'
  return 'no'
}

/** Coordinator-bound calls (groups, committed offsets). */
export function coordinatorRetry(code: number): RetryKind {
  if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) return 'coordinator'
  if (code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return 'yes'
  return 'no'
}

/** Leader-bound calls (partitions): the error table decides; stale-metadata errors refresh leaders first. */
export function leaderRetry(code: number): RetryKind {
  if (!isRetriable(code)) return 'no'
  return invalidatesMetadata(code) ? 'metadata' : 'yes'
}

export interface ItemWhere {
  topic?: string
  partition?: number
  broker?: number
  apiKey?: number
}

/**
 * Reports a non-zero `code` for `key`: retried or final per `kind`. Returns the error.
 * `onCoordinator` is called for 'coordinator' retries (to forget the cached coordinator).
 */
export function reportError(
  report: RoundReport<unknown>,
  key: string,
  code: number,
  message: string | null | undefined,
  where: ItemWhere,
  kind: RetryKind,
  onCoordinator?: () => void,
): BrokerError {
  const error = brokerError(code, message, where)
  if (kind === 'no') {
    report.fail(key, error)
  } else {
    report.retry(key, error)
    if (kind === 'metadata') report.refreshMetadata = true
    if (kind === 'coordinator') onCoordinator?.()
  }
  return error
}

/** A broker error whose message names an item that has no topic/partition (group, resource, user). */
export function namedMessage(what: string, message: string | null | undefined): string {
  return message ? `${what}: ${message}` : what
}

export function topicIdOrNull(id: string | undefined | null): string | null {
  return id === undefined || id === null || id === ZERO_UUID ? null : id
}

export function invalidArgument(message: string): KafkaError {
  return new KafkaError(message, 'ERR_INVALID_ARGUMENT')
}

/** Throws ERR_INVALID_ARGUMENT when `keys` has duplicates (brokers reject such requests as a whole). */
export function requireUnique(keys: readonly string[], what: string): void {
  const seen = new Set<string>()
  for (const key of keys) {
    if (seen.has(key)) throw invalidArgument(`Duplicate ${what} '${key}'`)
    seen.add(key)
  }
}

export function requireNonEmptyString(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw invalidArgument(`${what} must be a non-empty string`)
}

export function requirePartition(value: unknown, what: string): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 0) throw invalidArgument(`${what} must be an integer >= 0`)
}

export function toBigInt(value: bigint | number, what: string): bigint {
  if (typeof value === 'bigint') return value
  if (!Number.isSafeInteger(value)) throw invalidArgument(`${what} must be an integer (got ${value})`)
  return BigInt(value)
}

/** Groups items by a key (e.g. the leader's node id), keeping insertion order. */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>()
  for (const item of items) {
    const k = keyOf(item)
    const list = out.get(k)
    if (list === undefined) out.set(k, [item])
    else list.push(item)
  }
  return out
}

/** Topic → partitions, in first-seen order. */
export function byTopic<T extends { topic: string }>(items: Iterable<T>): Map<string, T[]> {
  return groupBy(items, (i) => i.topic)
}

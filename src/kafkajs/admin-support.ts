/**
 * What the kafkajs Admin's method files share: the native call's time budget (kafkajs's retrier
 * turned into one deadline), the translation of kafka-wire's admin errors into the error kafkajs
 * throws at that point (its retrier wraps errors it retried in KafkaJSNumberOfRetriesExceeded and
 * errors it did not in KafkaJSNonRetriableError, unless the method bails with the error as it is),
 * and the admin's event names.
 *
 * Owner: kafka-wire/kafkajs admin.
 */
import { type Admin, AdminAggregateError } from '../admin/index.js'
import { BrokerError, KafkaError, TimeoutError } from '../errors.js'
import type { KafkaJSContext } from './context.js'
import {
  type KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  kafkaJSErrorInfo,
  toKafkaJSError,
} from './errors.js'
import type { KafkaJSLogger } from './logger.js'
import type { RetryOptions } from './types.js'

/** kafkajs's retry defaults (src/retry/defaults.js). */
const RETRY_DEFAULTS = { maxRetryTime: 30_000, initialRetryTime: 300, factor: 0.2, multiplier: 2, retries: 5 }

/**
 * How long kafkajs's retrier would keep trying: the sum of its waits (initialRetryTime growing by
 * `multiplier`, capped at maxRetryTime, `retries` times), plus one request timeout for the last
 * attempt. The native call retries retriable errors itself until this deadline.
 */
export function retryBudgetMs(retry: RetryOptions, requestTimeoutMs = 30_000): number {
  const r = { ...RETRY_DEFAULTS, ...retry }
  let wait = r.initialRetryTime
  let total = 0
  for (let i = 0; i < r.retries; i++) {
    total += wait
    wait = Math.min(wait * r.multiplier, r.maxRetryTime)
  }
  return Math.max(1000, Math.min(total, r.maxRetryTime * (r.retries + 1))) + requestTimeoutMs
}

/** The errors an AdminAggregateError holds, or the error itself. */
export function itemErrors(e: unknown): unknown[] {
  return e instanceof AdminAggregateError ? [...e.errors] : [e]
}

/** The Kafka error code (e.g. 'TOPIC_ALREADY_EXISTS') behind a native error, if any. */
export function codeOf(e: unknown): string | undefined {
  if (e instanceof TimeoutError && e.cause instanceof KafkaError) return e.cause.code
  return e instanceof KafkaError ? e.code : undefined
}

/** The broker error a native timeout gave up on (what kafkajs's last attempt failed with). */
export function lastError(e: unknown): unknown {
  return e instanceof TimeoutError && e.cause instanceof Error ? e.cause : e
}

/** The kafkajs error for a native error (KafkaJSProtocolError for broker errors). */
export function kjs(e: unknown): KafkaJSError {
  return toKafkaJSError(lastError(e) as Error) as KafkaJSError
}

/**
 * The protocol error (with `type`) for a native broker error, as kafkajs builds it from a
 * response's error code (createErrorFromCode: always a KafkaJSProtocolError, never a subclass;
 * codes newer than kafkajs keep Kafka's name).
 */
export function protocolError(e: unknown): KafkaJSProtocolError {
  const last = lastError(e)
  if (last instanceof BrokerError) {
    return new KafkaJSProtocolError(kafkaJSErrorInfo(last.errorCode, last.errorName, last.retriable))
  }
  return kjs(e) as KafkaJSProtocolError
}

/**
 * What kafkajs's retrier rejects with when the attempt threw `e`: retriable errors exhausted
 * the retries (KafkaJSNumberOfRetriesExceeded), the others were not retried
 * (KafkaJSNonRetriableError), both with the error as `cause`.
 */
export function afterRetries(e: KafkaJSError): KafkaJSError {
  if (e instanceof KafkaJSNonRetriableError && e.name !== 'KafkaJSNonRetriableError') return e
  if (e.retriable !== false) return new KafkaJSNumberOfRetriesExceeded(e, { retryCount: 0, retryTime: 0 })
  return new KafkaJSNonRetriableError(e, { cause: e })
}

/** Throws KafkaJSNonRetriableError(message) unless `ok`. */
export function check(ok: unknown, message: string): asserts ok {
  if (!ok) throw new KafkaJSNonRetriableError(message)
}

export const ADMIN_EVENTS = Object.freeze({
  CONNECT: 'admin.connect',
  DISCONNECT: 'admin.disconnect',
  REQUEST: 'admin.network.request',
  REQUEST_TIMEOUT: 'admin.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'admin.network.request_queue_size',
} as const)

export type AdminEvents = typeof ADMIN_EVENTS

/** What every method file gets: the native admin of the current connection and the settings. */
export interface AdminScope {
  native(): Promise<Admin>
  readonly context: KafkaJSContext
  readonly retry: RetryOptions
  readonly logger: KafkaJSLogger
  /** The native call's options: kafkajs's retry budget as its time limit. */
  callOptions(): { timeoutMs: number }
}

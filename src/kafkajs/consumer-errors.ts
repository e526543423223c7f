/**
 * TEMPORARY (until the kafkajs core's errors.ts lands): the kafkajs error classes the consumer throws.
 * Replaced by imports from errors.ts at the merge of wt-kjscore.
 */
import { KafkaError } from '../errors.js'
import { KafkaJSError } from './errors.js'

export class KafkaJSNonRetriableError extends KafkaJSError {
  override readonly cause: unknown
  constructor(e: Error | string, { cause }: { cause?: unknown } = {}) {
    super(e, { retriable: false })
    this.name = 'KafkaJSNonRetriableError'
    this.cause = cause
  }
}

export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  readonly retryCount: number
  readonly retryTime: number
  constructor(e: Error, { retryCount, retryTime }: { retryCount: number; retryTime: number; cause?: unknown }) {
    super(e, { cause: e })
    this.stack = `${this.name}\n  Caused by: ${e.stack}`
    this.retryCount = retryCount
    this.retryTime = retryTime
    this.name = 'KafkaJSNumberOfRetriesExceeded'
  }
}

export function toKafkaJSError(e: unknown): Error {
  if (e instanceof KafkaJSError) return e
  if (e instanceof KafkaError) return new KafkaJSError(e, { retriable: e.retriable })
  return e as Error
}

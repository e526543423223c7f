/**
 * The kafka-wire error hierarchy and the one place that classifies Kafka error codes.
 *
 * Every error thrown or rejected by kafka-wire is a KafkaError. Broker error codes are
 * data inside responses (the codecs never throw for them); the layer that acts on a
 * response turns a non-zero code into a BrokerError through `brokerError()`, and decides
 * whether to retry or refresh metadata through `isRetriable()` / `invalidatesMetadata()`.
 */
import { ERROR_CODES, ErrorCode, type ErrorCodeInfo } from './error-codes.js'

export { ErrorCode, type ErrorCodeName } from './error-codes.js'

export interface KafkaErrorOptions {
  cause?: unknown
  retriable?: boolean
  /** Node id of the broker that reported or caused the error. */
  broker?: number
  apiKey?: number
  topic?: string
  partition?: number
}

/** Root of every error kafka-wire produces. `code` is stable across releases. */
export class KafkaError extends Error {
  /** A stable identifier: the Kafka error name for broker errors, `ERR_*` for client-side errors. */
  readonly code: string
  readonly retriable: boolean
  readonly broker?: number
  readonly apiKey?: number
  readonly topic?: string
  readonly partition?: number

  constructor(message: string, code = 'ERR_KAFKA', options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.retriable = options.retriable ?? false
    if (options.broker !== undefined) this.broker = options.broker
    if (options.apiKey !== undefined) this.apiKey = options.apiKey
    if (options.topic !== undefined) this.topic = options.topic
    if (options.partition !== undefined) this.partition = options.partition
  }
}

/** Malformed bytes from the wire: a frame or field that cannot be decoded. Never retriable as-is. */
export class ProtocolError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_PROTOCOL', options)
  }
}

/** A request needs an API or field that the negotiated version does not have. */
export class UnsupportedVersionError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'UNSUPPORTED_VERSION', options)
  }
}

/**
 * A call is not allowed in the client's current state (Java's IllegalStateException): a consumer
 * not subscribed or a partition not assigned; send() outside a transaction, commitTransaction()
 * without beginTransaction().
 */
export class IllegalStateError extends KafkaError {
  constructor(message: string) {
    super(message, 'ERR_ILLEGAL_STATE')
  }
}

/** An invalid option, reported at construction and naming the option. */
export class ConfigError extends KafkaError {
  readonly option: string
  constructor(option: string, message: string) {
    super(`Invalid option ${option}: ${message}`, 'ERR_CONFIG')
    this.option = option
  }
}

/** A client-side deadline passed (request timeout, maxBlockMs, deliveryTimeoutMs, ...). */
export class TimeoutError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_TIMEOUT', { retriable: true, ...options })
  }
}

/** The connection to a broker failed or closed; the request may or may not have been applied. */
export class ConnectionError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_CONNECTION', { retriable: true, ...options })
  }
}

/** The operation was aborted through an AbortSignal. */
export class AbortError extends KafkaError {
  constructor(message = 'The operation was aborted', options: KafkaErrorOptions = {}) {
    super(message, 'ERR_ABORTED', options)
  }
}

/** The client (or connection) was closed while the operation was pending or before it started. */
export class ClosedError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_CLOSED', options)
  }
}

/** SASL or TLS authentication failed. Never retried: a wrong password does not get better. */
export class AuthenticationError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'SASL_AUTHENTICATION_FAILED', { ...options, retriable: false })
  }
}

/** An error code reported by a broker, with its Kafka name and flags from the error table. */
export class BrokerError extends KafkaError {
  readonly errorCode: number
  readonly errorName: string
  readonly invalidatesMetadata: boolean
  constructor(errorCode: number, message?: string | null, options: KafkaErrorOptions = {}) {
    const info = errorInfo(errorCode)
    const where = describeLocation(options)
    super(`${info.name}${where}${message ? `: ${message}` : ''}`, info.name, {
      retriable: info.retriable,
      ...options,
    })
    this.errorCode = errorCode
    this.errorName = info.name
    this.invalidatesMetadata = info.invalidatesMetadata
  }
}

export class RecordTooLargeError extends BrokerError {}
export class InvalidTopicError extends BrokerError {}
export class TopicAuthorizationFailedError extends BrokerError {}
export class UnknownTopicOrPartitionError extends BrokerError {}
export class NotLeaderOrFollowerError extends BrokerError {}
export class OffsetOutOfRangeError extends BrokerError {}
export class RebalanceInProgressError extends BrokerError {}
export class IllegalGenerationError extends BrokerError {}
export class UnknownMemberIdError extends BrokerError {}
export class FencedInstanceIdError extends BrokerError {}
export class OutOfOrderSequenceError extends BrokerError {}
export class UnknownProducerIdError extends BrokerError {}
export class InvalidProducerEpochError extends BrokerError {}
/**
 * @deprecated Use `AuthenticationError`: SASL_AUTHENTICATION_FAILED has one class, the one every
 * SASL failure is thrown as (Java's SaslAuthenticationException is an AuthenticationException).
 * This alias names the same class, so `instanceof SaslAuthenticationFailedError` now catches them.
 */
export const SaslAuthenticationFailedError = AuthenticationError
/** @deprecated Use `AuthenticationError`. */
export type SaslAuthenticationFailedError = AuthenticationError

const SPECIFIC: Record<number, typeof BrokerError> = {
  [ErrorCode.MESSAGE_TOO_LARGE]: RecordTooLargeError,
  [ErrorCode.INVALID_TOPIC_EXCEPTION]: InvalidTopicError,
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED]: TopicAuthorizationFailedError,
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]: UnknownTopicOrPartitionError,
  [ErrorCode.NOT_LEADER_OR_FOLLOWER]: NotLeaderOrFollowerError,
  [ErrorCode.OFFSET_OUT_OF_RANGE]: OffsetOutOfRangeError,
  [ErrorCode.REBALANCE_IN_PROGRESS]: RebalanceInProgressError,
  [ErrorCode.ILLEGAL_GENERATION]: IllegalGenerationError,
  [ErrorCode.UNKNOWN_MEMBER_ID]: UnknownMemberIdError,
  [ErrorCode.FENCED_INSTANCE_ID]: FencedInstanceIdError,
  [ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER]: OutOfOrderSequenceError,
  [ErrorCode.UNKNOWN_PRODUCER_ID]: UnknownProducerIdError,
  [ErrorCode.INVALID_PRODUCER_EPOCH]: InvalidProducerEpochError,
}

/** Per-item failures of one call (a topic, a partition, a group), each with its item named. */
export class KafkaAggregateError extends KafkaError {
  readonly errors: readonly KafkaError[]
  constructor(message: string, errors: readonly KafkaError[]) {
    super(`${message}: ${errors.map((e) => e.message).join('; ')}`, 'ERR_AGGREGATE', {
      retriable: errors.length > 0 && errors.every((e) => e.retriable),
    })
    this.errors = errors
  }
}

const UNKNOWN: ErrorCodeInfo = { name: 'UNKNOWN_SERVER_ERROR', retriable: false, invalidatesMetadata: false }

export function errorInfo(errorCode: number): ErrorCodeInfo {
  return ERROR_CODES.get(errorCode) ?? { ...UNKNOWN, name: `UNKNOWN_ERROR_CODE_${errorCode}` }
}

/** Whether a broker error code may succeed if the request is retried (Kafka's RetriableException). */
export function isRetriable(errorCode: number): boolean {
  return errorInfo(errorCode).retriable
}

/** Whether a broker error code means our metadata (leaders, topics) is stale. */
export function invalidatesMetadata(errorCode: number): boolean {
  return errorInfo(errorCode).invalidatesMetadata
}

/** Turns a broker error code into the matching typed error. `errorCode` must be non-zero. */
export function brokerError(errorCode: number, message?: string | null, options: KafkaErrorOptions = {}): BrokerError {
  const Class = SPECIFIC[errorCode] ?? BrokerError
  return new Class(errorCode, message, options)
}

function describeLocation(options: KafkaErrorOptions): string {
  if (options.topic === undefined) return ''
  return options.partition === undefined ? ` (topic ${options.topic})` : ` (${options.topic}-${options.partition})`
}

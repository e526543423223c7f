/**
 * The kafkajs 2.2.4 error classes (names, fields and hierarchy as kafkajs defines them, so that
 * `instanceof`, `e.name`, `e.retriable` and `e.type` checks in kafkajs applications keep working)
 * and `toKafkaJSError`, the one place that turns a kafka-wire error into the class kafkajs throws
 * in the same situation (owner: core).
 */
import {
  AbortError,
  AuthenticationError,
  BrokerError,
  ClosedError,
  ConfigError,
  ConnectionError,
  IllegalStateError,
  KafkaError,
  ProtocolError,
  TimeoutError,
  UnsupportedVersionError,
} from '../errors.js'
import { KAFKAJS_ERROR_CODES } from './protocol-errors.js'

/** What kafkajs's protocol errors are built from: an entry of its error table. */
export interface KafkaJSProtocolErrorInfo {
  type: string
  code: number
  retriable: boolean
  message: string
  helpUrl?: string
}

type ErrorInput = Error | string | { message: string; helpUrl?: string; retriable?: boolean }

function messageOf(e: ErrorInput | undefined): string {
  if (e === undefined) return ''
  return typeof e === 'string' ? e : e.message || String(e)
}

export class KafkaJSError extends Error {
  readonly retriable: boolean
  readonly helpUrl?: string
  override readonly cause?: Error
  constructor(e?: ErrorInput, { retriable = true, cause }: { retriable?: boolean; cause?: Error } = {}) {
    super(messageOf(e), cause === undefined ? undefined : { cause })
    this.name = 'KafkaJSError'
    this.retriable = retriable
    const helpUrl = typeof e === 'object' ? (e as { helpUrl?: string }).helpUrl : undefined
    if (helpUrl !== undefined) this.helpUrl = helpUrl
    if (cause !== undefined) this.cause = cause
  }
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e?: ErrorInput, { cause }: { cause?: Error } = {}) {
    super(e, { retriable: false, ...(cause === undefined ? {} : { cause }) })
    this.name = 'KafkaJSNonRetriableError'
  }
}

export class KafkaJSProtocolError extends KafkaJSError {
  readonly type: string
  readonly code: number
  constructor(e: ErrorInput | KafkaJSProtocolErrorInfo, options: { retriable?: boolean; cause?: Error } = {}) {
    const info = typeof e === 'object' && 'type' in e ? e : undefined
    super(e, {
      retriable: options.retriable ?? info?.retriable ?? true,
      ...(options.cause ? { cause: options.cause } : {}),
    })
    this.type = info?.type ?? 'UNKNOWN'
    this.code = info?.code ?? -1
    this.name = 'KafkaJSProtocolError'
  }
}

export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  readonly topic: string
  readonly partition: number
  constructor(e: ErrorInput | KafkaJSProtocolErrorInfo, { topic, partition }: { topic: string; partition: number }) {
    super(e)
    this.topic = topic
    this.partition = partition
    this.name = 'KafkaJSOffsetOutOfRange'
  }
}

export class KafkaJSMemberIdRequired extends KafkaJSProtocolError {
  readonly memberId: string
  constructor(e: ErrorInput | KafkaJSProtocolErrorInfo, { memberId }: { memberId: string }) {
    super(e)
    this.memberId = memberId
    this.name = 'KafkaJSMemberIdRequired'
  }
}

export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  readonly retryCount: number
  readonly retryTime: number
  constructor(e: Error, { retryCount, retryTime }: { retryCount: number; retryTime: number }) {
    super(e, { cause: e })
    this.stack = `${this.name}\n  Caused by: ${e.stack}`
    this.retryCount = retryCount
    this.retryTime = retryTime
    this.name = 'KafkaJSNumberOfRetriesExceeded'
  }
}

export class KafkaJSConnectionError extends KafkaJSError {
  readonly broker?: string
  readonly code?: string
  constructor(e: ErrorInput, { broker, code, cause }: { broker?: string; code?: string; cause?: Error } = {}) {
    super(e, cause === undefined ? {} : { cause })
    if (broker !== undefined) this.broker = broker
    if (code !== undefined) this.code = code
    this.name = 'KafkaJSConnectionError'
  }
}

export class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  readonly host?: string
  readonly port?: number
  constructor(e: ErrorInput, { host, port }: { host?: string; port?: number } = {}) {
    super(e, { broker: `${host}:${port}` })
    if (host !== undefined) this.host = host
    if (port !== undefined) this.port = port
    this.name = 'KafkaJSConnectionClosedError'
  }
}

export class KafkaJSRequestTimeoutError extends KafkaJSError {
  readonly broker?: string
  readonly correlationId?: number
  readonly createdAt?: number
  readonly sentAt?: number
  readonly pendingDuration?: number
  constructor(
    e: ErrorInput,
    meta: {
      broker?: string
      correlationId?: number
      createdAt?: number
      sentAt?: number
      pendingDuration?: number
      cause?: Error
    } = {},
  ) {
    super(e, meta.cause === undefined ? {} : { cause: meta.cause })
    if (meta.broker !== undefined) this.broker = meta.broker
    if (meta.correlationId !== undefined) this.correlationId = meta.correlationId
    if (meta.createdAt !== undefined) this.createdAt = meta.createdAt
    if (meta.sentAt !== undefined) this.sentAt = meta.sentAt
    if (meta.pendingDuration !== undefined) this.pendingDuration = meta.pendingDuration
    this.name = 'KafkaJSRequestTimeoutError'
  }
}

export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  constructor(e?: ErrorInput, options?: { retriable?: boolean; cause?: Error }) {
    super(e, options)
    this.name = 'KafkaJSMetadataNotLoaded'
  }
}

export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  readonly topic?: string
  constructor(e?: ErrorInput, { topic }: { topic?: string } = {}) {
    super(e)
    if (topic !== undefined) this.topic = topic
    this.name = 'KafkaJSTopicMetadataNotLoaded'
  }
}

export class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  readonly topic?: string
  readonly unknownPartitions?: number[]
  constructor(e?: ErrorInput, { topic, unknownPartitions }: { topic?: string; unknownPartitions?: number[] } = {}) {
    super(e)
    if (topic !== undefined) this.topic = topic
    if (unknownPartitions !== undefined) this.unknownPartitions = unknownPartitions
    this.name = 'KafkaJSStaleTopicMetadataAssignment'
  }
}

export interface KafkaJSDeleteGroupsErrorGroups {
  groupId: string
  errorCode: number
  error: KafkaJSError
}

export class KafkaJSDeleteGroupsError extends KafkaJSError {
  readonly groups: KafkaJSDeleteGroupsErrorGroups[]
  constructor(e: ErrorInput, groups: KafkaJSDeleteGroupsErrorGroups[] = []) {
    super(e)
    this.groups = groups
    this.name = 'KafkaJSDeleteGroupsError'
  }
}

export class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  readonly apiKey?: number
  readonly apiName?: string
  constructor(e: ErrorInput, { apiKey, apiName }: { apiKey?: number; apiName?: string } = {}) {
    super(e)
    if (apiKey !== undefined) this.apiKey = apiKey
    if (apiName !== undefined) this.apiName = apiName
    this.name = 'KafkaJSServerDoesNotSupportApiKey'
  }
}

export class KafkaJSBrokerNotFound extends KafkaJSError {
  constructor(e?: ErrorInput, options?: { retriable?: boolean; cause?: Error }) {
    super(e, options)
    this.name = 'KafkaJSBrokerNotFound'
  }
}

export class KafkaJSPartialMessageError extends KafkaJSNonRetriableError {
  constructor(e?: ErrorInput, options?: { cause?: Error }) {
    super(e, options)
    this.name = 'KafkaJSPartialMessageError'
  }
}

export class KafkaJSSASLAuthenticationError extends KafkaJSNonRetriableError {
  constructor(e?: ErrorInput, options?: { cause?: Error }) {
    super(e, options)
    this.name = 'KafkaJSSASLAuthenticationError'
  }
}

export class KafkaJSGroupCoordinatorNotFound extends KafkaJSNonRetriableError {
  constructor(e?: ErrorInput, options?: { cause?: Error }) {
    super(e, options)
    this.name = 'KafkaJSGroupCoordinatorNotFound'
  }
}

export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  constructor(e?: ErrorInput, options?: { cause?: Error }) {
    super(e, options)
    this.name = 'KafkaJSNotImplemented'
  }
}

export class KafkaJSTimeout extends KafkaJSNonRetriableError {
  constructor(e?: ErrorInput, options?: { cause?: Error }) {
    super(e, options)
    this.name = 'KafkaJSTimeout'
  }
}

export class KafkaJSLockTimeout extends KafkaJSTimeout {
  constructor(e?: ErrorInput, options?: { cause?: Error }) {
    super(e, options)
    this.name = 'KafkaJSLockTimeout'
  }
}

export class KafkaJSUnsupportedMagicByteInMessageSet extends KafkaJSNonRetriableError {
  constructor(e?: ErrorInput, options?: { cause?: Error }) {
    super(e, options)
    this.name = 'KafkaJSUnsupportedMagicByteInMessageSet'
  }
}

export interface KafkaJSDeleteTopicRecordsErrorPartition {
  partition: number
  offset: string
  error: KafkaJSError | null
}

export class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  readonly partitions: KafkaJSDeleteTopicRecordsErrorPartition[]
  constructor({ partitions }: { topic?: string; partitions: KafkaJSDeleteTopicRecordsErrorPartition[] }) {
    // Retriable when every partition's error is (kafkajs's rule).
    const retriable = partitions.filter(({ error }) => error != null).every(({ error }) => error?.retriable === true)
    super('Error while deleting records', { retriable })
    this.name = 'KafkaJSDeleteTopicRecordsError'
    this.partitions = partitions
  }
}

export class KafkaJSInvariantViolation extends KafkaJSNonRetriableError {
  constructor(e: ErrorInput) {
    super(`Invariant violated: ${messageOf(e)}. This is likely a bug and should be reported.`)
    this.name = 'KafkaJSInvariantViolation'
  }
}

export class KafkaJSInvalidVarIntError extends KafkaJSNonRetriableError {
  constructor(e?: ErrorInput, options?: { cause?: Error }) {
    super(e, options)
    // kafkajs names it so (sic): applications matching on `name` see this.
    this.name = 'KafkaJSNonRetriableError'
  }
}

export class KafkaJSInvalidLongError extends KafkaJSNonRetriableError {
  constructor(e?: ErrorInput, options?: { cause?: Error }) {
    super(e, options)
    this.name = 'KafkaJSNonRetriableError'
  }
}

export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  readonly topic: string
  constructor(e: ErrorInput | KafkaJSProtocolErrorInfo, topicName: string) {
    super(e)
    this.topic = topicName
    this.name = 'KafkaJSCreateTopicError'
  }
}

export class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  readonly topic?: string
  readonly partition?: number
  constructor(e: ErrorInput | KafkaJSProtocolErrorInfo, topicName?: string, partition?: number) {
    super(e)
    if (topicName !== undefined) this.topic = topicName
    if (partition !== undefined) this.partition = partition
    this.name = 'KafkaJSAlterPartitionReassignmentsError'
  }
}

export class KafkaJSAggregateError extends Error {
  readonly errors: (Error | string)[]
  constructor(message: Error | string, errors: (Error | string)[]) {
    super(messageOf(message))
    this.errors = errors
    this.name = 'KafkaJSAggregateError'
  }
}

/** kafkajs's fetcher signal (an Error without its own name, as in kafkajs). */
export class KafkaJSFetcherRebalanceError extends Error {}

export class KafkaJSNoBrokerAvailableError extends KafkaJSError {
  constructor() {
    super('No broker available')
    this.name = 'KafkaJSNoBrokerAvailableError'
  }
}

// ---------------------------------------------------------------------------------------------
// From kafka-wire's errors to kafkajs's.

const BY_CODE = new Map<number, KafkaJSProtocolErrorInfo>(
  KAFKAJS_ERROR_CODES.map(([code, type, retriable, message]) => [code, { code, type, retriable, message }]),
)

/**
 * kafkajs's table entry for a Kafka error code. Codes kafkajs 2.2.4 does not know (Kafka added them
 * later: 89 and up) keep Kafka's own name and retriability rather than kafkajs's
 * KAFKAJS_UNKNOWN_ERROR_CODE, which would hide what happened.
 */
export function kafkaJSErrorInfo(errorCode: number, kafkaName?: string, retriable?: boolean): KafkaJSProtocolErrorInfo {
  const known = BY_CODE.get(errorCode)
  if (known) return { ...known }
  if (kafkaName !== undefined) {
    return { code: errorCode, type: kafkaName, retriable: retriable ?? false, message: kafkaName }
  }
  return { type: 'KAFKAJS_UNKNOWN_ERROR_CODE', code: -99, retriable: false, message: `Unknown error code ${errorCode}` }
}

/** kafkajs's createErrorFromCode: the KafkaJSProtocolError for a Kafka error code. */
export function createErrorFromCode(errorCode: number): KafkaJSProtocolError {
  return new KafkaJSProtocolError(kafkaJSErrorInfo(errorCode))
}

/** kafkajs's isRebalancing (not exported by kafkajs's index, used by its consumer). */
export function isRebalancing(e: { type?: string }): boolean {
  return e.type === 'REBALANCE_IN_PROGRESS' || e.type === 'NOT_COORDINATOR_FOR_GROUP' || e.type === 'ILLEGAL_GENERATION'
}

export function isKafkaJSError(e: unknown): e is KafkaJSError {
  return e instanceof KafkaJSError
}

function brokerLabel(e: KafkaError): string | undefined {
  return e.broker === undefined ? undefined : String(e.broker)
}

/**
 * The error kafkajs throws where kafka-wire threw `err`:
 *
 * - a broker error code → KafkaJSProtocolError with kafkajs's `type`, `code` and `retriable`
 *   (OFFSET_OUT_OF_RANGE → KafkaJSOffsetOutOfRange, MEMBER_ID_REQUIRED → KafkaJSMemberIdRequired);
 * - ConnectionError → KafkaJSConnectionError; TimeoutError → KafkaJSRequestTimeoutError;
 * - AuthenticationError → KafkaJSSASLAuthenticationError;
 * - UnsupportedVersionError → KafkaJSProtocolError UNSUPPORTED_VERSION (kafkajs's check of a response);
 * - ConfigError, IllegalStateError, ClosedError, AbortError, ProtocolError and every other
 *   kafka-wire error → KafkaJSNonRetriableError (kafkajs rejects bad arguments and wrong states
 *   with it) — or KafkaJSError when kafka-wire says the error is retriable.
 *
 * The kafka-wire error stays reachable as `cause`. kafkajs errors and errors that are not
 * kafka-wire's (an application's own, thrown from a callback) are returned unchanged.
 */
export function toKafkaJSError(err: unknown): Error {
  if (err instanceof KafkaJSError || err instanceof KafkaJSAggregateError) return err
  if (!(err instanceof KafkaError)) return err instanceof Error ? err : new KafkaJSError(String(err))
  if (err instanceof BrokerError) {
    const info = kafkaJSErrorInfo(err.errorCode, err.errorName, err.retriable)
    // kafkajs's message is its table's text; kafka-wire's says where (topic, partition, broker's words).
    const withCause = (e: KafkaJSProtocolError): KafkaJSProtocolError => {
      Object.defineProperty(e, 'cause', { value: err, enumerable: false, configurable: true })
      return e
    }
    if (info.type === 'OFFSET_OUT_OF_RANGE') {
      return withCause(new KafkaJSOffsetOutOfRange(info, { topic: err.topic ?? '', partition: err.partition ?? -1 }))
    }
    if (info.type === 'MEMBER_ID_REQUIRED') return withCause(new KafkaJSMemberIdRequired(info, { memberId: '' }))
    return new KafkaJSProtocolError(info, { cause: err })
  }
  if (err.code !== undefined && /^[A-Z][A-Z_]+$/.test(err.code)) {
    // Errors that carry a Kafka error name without being a BrokerError (PRODUCER_FENCED, ...).
    const entry = KAFKAJS_ERROR_CODES.find(([, type]) => type === err.code)
    if (entry && !(err instanceof AuthenticationError) && !(err instanceof UnsupportedVersionError)) {
      return new KafkaJSProtocolError(kafkaJSErrorInfo(entry[0]), { cause: err })
    }
  }
  const broker = brokerLabel(err)
  if (err instanceof ConnectionError) {
    return new KafkaJSConnectionError(err.message, { ...(broker ? { broker } : {}), cause: err })
  }
  if (err instanceof TimeoutError) {
    return new KafkaJSRequestTimeoutError(err.message, { ...(broker ? { broker } : {}), cause: err })
  }
  if (err instanceof AuthenticationError) return new KafkaJSSASLAuthenticationError(err.message, { cause: err })
  if (err instanceof UnsupportedVersionError) {
    return new KafkaJSProtocolError(kafkaJSErrorInfo(35), { cause: err })
  }
  if (
    err instanceof ConfigError ||
    err instanceof IllegalStateError ||
    err instanceof ClosedError ||
    err instanceof AbortError ||
    err instanceof ProtocolError ||
    !err.retriable
  ) {
    return new KafkaJSNonRetriableError(err.message, { cause: err })
  }
  return new KafkaJSError(err.message, { retriable: true, cause: err })
}

/**
 * What kafkajs's retrier rejects with once it gives up on `err`: a retriable error after the
 * last retry → KafkaJSNumberOfRetriesExceeded (wrapping the kafkajs error); a non-retriable one →
 * KafkaJSNonRetriableError carrying the kafkajs error's message. kafka-wire retries inside its
 * clients, so the layer applies this where kafkajs's own code path goes through its retrier.
 */
export function toKafkaJSRetryError(err: unknown, retry: { retryCount: number; retryTime: number }): Error {
  const e = toKafkaJSError(err)
  if (!(e instanceof KafkaJSError)) return e
  if (e.retriable) return new KafkaJSNumberOfRetriesExceeded(e, retry)
  return new KafkaJSNonRetriableError(e, { cause: e.cause ?? e })
}

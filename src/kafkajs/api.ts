/**
 * The public API of kafka-wire/kafkajs (index.ts re-exports it, and makes it the default export
 * too). The values are kafkajs 2.2.4's `module.exports`, name for name, plus kafkajs 1.x's
 * `ResourceTypes`; the types are every type the modules declare (kafkajs's types/index.d.ts).
 * Helpers the modules share among themselves (error conversion, defaults, logger plumbing) stay
 * out: an application could come to depend on them, and kafkajs has none of them.
 * test/unit/kafkajs/exports.test.ts compares the names with kafkajs's own.
 */
export type * from './admin.js'
export {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ConfigSource,
  ResourcePatternTypes,
  ResourceTypes,
} from './admin-enums.js'
export { AssignerProtocol, PartitionAssigners } from './assigners.js'
export type * from './compression.js'
export { CompressionCodecs, CompressionTypes } from './compression.js'
export type * from './consumer.js'
export type * from './errors.js'
export {
  KafkaJSAggregateError,
  KafkaJSAlterPartitionReassignmentsError,
  KafkaJSBrokerNotFound,
  KafkaJSConnectionClosedError,
  KafkaJSConnectionError,
  KafkaJSCreateTopicError,
  KafkaJSDeleteGroupsError,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSError,
  KafkaJSFetcherRebalanceError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSInvalidLongError,
  KafkaJSInvalidVarIntError,
  KafkaJSInvariantViolation,
  KafkaJSLockTimeout,
  KafkaJSMemberIdRequired,
  KafkaJSMetadataNotLoaded,
  KafkaJSNoBrokerAvailableError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSOffsetOutOfRange,
  KafkaJSPartialMessageError,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSStaleTopicMetadataAssignment,
  KafkaJSTimeout,
  KafkaJSTopicMetadataNotLoaded,
  KafkaJSUnsupportedMagicByteInMessageSet,
} from './errors.js'
export type * from './kafka.js'
export { Kafka } from './kafka.js'
export type * from './logger.js'
export { logLevel } from './logger.js'
export { Partitioners } from './partitioners.js'
export type * from './producer.js'
export type * from './types.js'

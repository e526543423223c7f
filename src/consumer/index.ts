/** The consumer: public surface (re-exported from src/index.ts). */
export type {
  ConsumerPartitionAssignor,
  GroupAssignment,
  MemberSubscription,
  PartitionRacks,
  RebalanceProtocol,
} from './assignors/index.js'
export { type CommittedOffset, Consumer, type ListedOffset } from './consumer.js'
export { ConsumerRecords } from './consumer-records.js'
export { deserializers, lastHeader } from './deserializers.js'
export {
  CommitFailedError,
  FencedInstanceError,
  IllegalStateError,
  LogTruncationError,
  NoOffsetForPartitionError,
  OffsetOutOfRangeNoResetError,
  RecordDeserializationError,
  WakeupError,
} from './errors.js'
export {
  type AssignmentStrategyName,
  type AutoOffsetReset,
  CONSUMER_DEFAULTS,
  type ConsumerOptions,
  type IsolationLevel,
} from './options.js'
export type {
  CommitCallback,
  ConsumerGroupMetadata,
  ConsumerRebalanceListener,
  ConsumerRecord,
  Deserializer,
  DeserializerContext,
  OffsetAndMetadata,
  OffsetsInput,
  RecordHeader,
  TimestampType,
  TopicPartition,
  TopicPartitionOffset,
} from './types.js'

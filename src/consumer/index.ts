/** The consumer: public surface (re-exported from src/index.ts). */

/** The key of the per-partition maps kafka-wire returns (`CommitCallback` offsets, ...): `topic-partition`. */
export { parseTopicPartitionKey, topicPartitionKey } from '../internal/topic-partition.js'
export type {
  ConsumerPartitionAssignor,
  GroupAssignment,
  MemberSubscription,
  PartitionRacks,
  RebalanceProtocol,
} from './assignors/index.js'
export {
  type CommittedOffset,
  Consumer,
  type ListedOffset,
  type PollOptions,
  type SubscriptionPattern,
} from './consumer.js'
export { ConsumerRecords } from './consumer-records.js'
export { deserializers, lastHeader } from './deserializers.js'
export {
  CommitFailedError,
  CorruptRecordError,
  FencedInstanceError,
  IllegalStateError,
  LogTruncationError,
  NoOffsetForPartitionError,
  OffsetOutOfRangeNoResetError,
  RecordDeserializationError,
  WakeupError,
} from './errors.js'
export type {
  AssignmentStrategyName,
  AutoOffsetReset,
  ConsumerOptions,
  GroupProtocol,
  IsolationLevel,
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

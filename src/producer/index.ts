/** The producer: public API. */
export type { RecordMetadata } from './batch.js'
export type { ProducerConfig, ProducerErrorInfo } from './options.js'
// The Java-compatible key → partition function is public for custom partitioners that route some
// keys themselves and hash the rest as every Kafka client does; murmur2 and toPositive stay inside.
export { type Partitioner, type PartitionerContext, partitionForKey } from './partitioner.js'
export {
  type PartitionInfo,
  Producer,
  type ProducerCloseOptions,
  type ProducerOptions,
  type ProducerRecord,
  type ProducerSendOptions,
} from './producer.js'
export {
  type DefaultData,
  type HeaderValue,
  type RecordHeaders,
  type RecordPart,
  type Serializer,
  serializers,
} from './serializers.js'
export {
  ProducerFencedError,
  TransactionAbortableError,
  TransactionAbortedError,
  type TransactionErrorCategory,
  TransactionFatalError,
} from './transactions/errors.js'
export type { TransactionOffsetsInput } from './transactions/producer-transactions.js'
export type { TxnGroupMetadata as TransactionGroupMetadata } from './transactions/transaction-manager.js'

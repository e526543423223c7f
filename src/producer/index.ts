/** The producer: public API. */
export type { RecordMetadata } from './batch.js'
export type { ProducerConfig, ProducerErrorInfo } from './options.js'
export { murmur2, type Partitioner, type PartitionerContext, partitionForKey, toPositive } from './partitioner.js'
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
  defaultSerializer,
  type HeaderValue,
  type RecordHeaders,
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

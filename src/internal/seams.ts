/**
 * Seams: hooks that unit tests and benchmarks use to run a client without a broker, and that
 * kafka-wire/kafkajs uses where kafkajs's API needs more than the Java-shaped options give. They are
 * symbol-keyed options, so they are not part of any public type, cannot be reached from the
 * package's entry points, and pass the unknown-option check (which looks at string keys only).
 *
 *   new Producer({ bootstrapServers: 'fake:9092', [PRODUCER_CLUSTER]: fakeCluster } as ProducerOptions)
 */

/** Producer option: a stand-in for the Cluster (a `ProducerCluster`, producer/transport.ts), for tests and benchmarks. */
export const PRODUCER_CLUSTER: unique symbol = Symbol('kafka-wire: producer cluster (tests and benchmarks)')

/**
 * Producer option: the Produce requests' `timeoutMs` (how long the broker may wait for the
 * replicas' acknowledgements), when it should differ from `requestTimeoutMs` (Java uses that for
 * both). kafkajs's send({ timeout }).
 */
export const PRODUCE_ACK_TIMEOUT: unique symbol = Symbol('kafka-wire: Produce acknowledgement timeout (kafkajs)')

/**
 * Producer option: a `ProduceResponseListener`, told what each partition's successful Produce
 * response said beyond the offset, before the batch's records resolve. kafkajs's RecordMetadata
 * carries `logAppendTime` and `logStartOffset`.
 */
export const PRODUCE_RESPONSE_LISTENER: unique symbol = Symbol('kafka-wire: Produce response listener (kafkajs)')

/**
 * Consumer option: a `RecordShape` that builds each record poll() hands out from the decoded fields,
 * in place of kafka-wire's ConsumerRecord (key and value deserializers are then not called). kafkajs
 * messages (offset and timestamp as strings, headers as an object) built this way cost one object per
 * record instead of two: the layer's medians reading 100 B records went from 1.84M to 2.52M records/s
 * in an alternating A/B (docs/performance.md, "The kafkajs layer"). poll()'s ConsumerRecords then hold the shape's objects: the consumer's own paths that read
 * records (its async iterator, ConsumerRecords.nextOffsets) must not be used with it.
 */
export const CONSUMER_RECORD_SHAPE: unique symbol = Symbol('kafka-wire: consumer record shape (kafkajs)')

/** One record's fields as decoded: its offset is `baseOffset + offsetDelta`; headers null when it has none. */
export type RecordShape = (
  baseOffset: bigint,
  offsetDelta: number,
  timestamp: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly { key: string; value: Buffer | null }[] | null,
) => unknown

/**
 * Consumer option, beside CONSUMER_RECORD_SHAPE: turns one of the shape's records back into the
 * record the `kafka-wire:consumer:poll` channel's subscribers read (kafka-wire/otel links the poll
 * span to each record's producer span from its headers). Only called while the channel has
 * subscribers. Its type, and the reader of both record seams, live in consumer/consumer-records.ts.
 */
export const CONSUMED_RECORD_OF: unique symbol = Symbol('kafka-wire: consumed record of a shaped record (kafkajs)')

/** `logAppendTimeMs` is -1 unless the topic uses LogAppendTime; `logStartOffset` -1 when the broker did not say. */
export type ProduceResponseListener = (
  topic: string,
  partition: number,
  logAppendTimeMs: bigint,
  logStartOffset: bigint,
) => void

/** The Sender options the kafkajs seams of a Producer's `options` ask for (none without them). */
export function senderSeams(options: object): {
  ackTimeoutMs?: number
  onPartitionAcknowledged?: ProduceResponseListener
} {
  const o = options as { [PRODUCE_ACK_TIMEOUT]?: number; [PRODUCE_RESPONSE_LISTENER]?: ProduceResponseListener }
  return {
    ...(o[PRODUCE_ACK_TIMEOUT] === undefined ? {} : { ackTimeoutMs: o[PRODUCE_ACK_TIMEOUT] }),
    ...(o[PRODUCE_RESPONSE_LISTENER] === undefined ? {} : { onPartitionAcknowledged: o[PRODUCE_RESPONSE_LISTENER] }),
  }
}

/**
 * Producer and Consumer option: a SharedCluster (cluster/shared.ts) the client borrows instead of
 * building a Cluster of its own; it binds its network metrics and topic-error hook to it and never
 * closes it. kafka-wire/kafkajs connects a cluster and loads its topics' metadata before it builds
 * native clients: borrowing spares each a bootstrap and a set of connections.
 */
export const SHARED_CLUSTER: unique symbol = Symbol('kafka-wire: shared cluster (kafkajs)')

/**
 * Public value types of the share consumer (KIP-932): records with their delivery count,
 * acknowledgement types and the acknowledgement commit callback. Owned by src/share/.
 */
import type { ConsumerRecord } from '../consumer/types.js'

/** A record delivered to a share group member: a ConsumerRecord plus how often it was delivered. */
export interface ShareConsumerRecord<K = Buffer | null, V = Buffer | null> extends ConsumerRecord<K, V> {
  /** 1 on the first delivery; the broker archives a record once it reaches the group's delivery count limit. */
  deliveryCount: number
}

/**
 * How a record is acknowledged (Java's AcknowledgeType): ACCEPT (processed), RELEASE (give it
 * back for redelivery, its delivery count grows), REJECT (unprocessable: archived, never redelivered).
 */
export type AcknowledgeType = 'ACCEPT' | 'RELEASE' | 'REJECT'

/** The wire codes of AcknowledgementBatch.AcknowledgeTypes (GAP: an offset without a record). */
export const AckCode = { GAP: 0, ACCEPT: 1, RELEASE: 2, REJECT: 3 } as const
export type AckCode = (typeof AckCode)[keyof typeof AckCode]

/** Offsets of one partition whose acknowledgement completed (with the same outcome). */
export interface AcknowledgedOffsets {
  topic: string
  topicId: string
  partition: number
  offsets: bigint[]
}

/**
 * Java's AcknowledgementCommitCallback: called with the acknowledgements of each partition once the
 * broker answered (error null), or with the error the broker returned for them (e.g.
 * InvalidRecordStateError when the acquisition lock had expired and the record went to another member).
 * Called on the application's side: inside poll(), commitSync(), commitAsync() or close().
 * `offsets` is keyed by topicPartitionKey (`"jobs-0"`).
 */
export type AcknowledgementCommitCallback = (offsets: Map<string, AcknowledgedOffsets>, error: Error | null) => void

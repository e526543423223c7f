/**
 * Errors specific to the consumer. All extend KafkaError (src/errors.ts); codes are stable.
 */
import { FencedInstanceIdError, KafkaError, type KafkaErrorOptions } from '../errors.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import type { TopicPartition } from './types.js'

/** wakeup() was called: the current or next poll() (or a blocking call) rejects with this. */
export class WakeupError extends KafkaError {
  constructor() {
    super('The consumer was woken up', 'ERR_WAKEUP')
  }
}

/** autoOffsetReset is 'none' and a partition has neither a committed offset nor a position. */
export class NoOffsetForPartitionError extends KafkaError {
  readonly partitions: TopicPartition[]
  constructor(partitions: TopicPartition[]) {
    super(
      `No committed offset and autoOffsetReset is 'none' for ${partitions.map((p) => `${p.topic}-${p.partition}`).join(', ')}`,
      'ERR_NO_OFFSET_FOR_PARTITION',
      partitions.length === 1 ? { topic: partitions[0]!.topic, partition: partitions[0]!.partition } : {},
    )
    this.partitions = partitions
  }
}

/** The fetch position ran out of the log's range and autoOffsetReset is 'none'. */
export class OffsetOutOfRangeNoResetError extends KafkaError {
  readonly offsets: Map<string, bigint>
  constructor(tp: TopicPartition, offset: bigint) {
    super(
      `Fetch position ${offset} is out of range for ${tp.topic}-${tp.partition} and autoOffsetReset is 'none'`,
      'ERR_OFFSET_OUT_OF_RANGE',
      { topic: tp.topic, partition: tp.partition },
    )
    this.offsets = new Map([[topicPartitionKey(tp.topic, tp.partition), offset]])
  }
}

/**
 * A commit was rejected because the member is no longer part of the generation that owned the partitions
 * (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS after a completed rebalance, ...).
 * Not retriable: the partitions may already belong to another member.
 */
export class CommitFailedError extends KafkaError {
  constructor(message?: string, options: KafkaErrorOptions = {}) {
    super(
      message ??
        'Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member. ' +
          'Processing took longer than maxPollIntervalMs, or the member was removed from the group.',
      'ERR_COMMIT_FAILED',
      options,
    )
  }
}

export { IllegalStateError } from '../errors.js'

/** A record failed its CRC check or could not be decoded or deserialized. */
export class RecordDeserializationError extends KafkaError {
  readonly offset: bigint
  constructor(
    message: string,
    tp: TopicPartition,
    offset: bigint,
    cause?: unknown,
    code = 'ERR_RECORD_DESERIALIZATION',
  ) {
    super(message, code, { topic: tp.topic, partition: tp.partition, cause })
    this.offset = offset
  }
}

/**
 * A fetched record batch is corrupt: its CRC does not match (with `checkCrcs`, the default) or its
 * bytes cannot be decoded (Java's CorruptRecordException). `offset` is the consumer's position,
 * where the bad batch starts; the records before it were returned. A RecordDeserializationError,
 * so code that catches those catches this too.
 */
export class CorruptRecordError extends RecordDeserializationError {
  constructor(tp: TopicPartition, offset: bigint, cause: KafkaError) {
    super(
      `Corrupt record batch in ${tp.topic}-${tp.partition} at offset ${offset}: ${cause.message}. seek() past it to continue.`,
      tp,
      offset,
      cause,
      'ERR_CORRUPT_RECORD',
    )
  }
}

/** The log was truncated below the consumer's position (detected with OffsetForLeaderEpoch) and autoOffsetReset is 'none'. */
export class LogTruncationError extends KafkaError {
  readonly divergentOffset: bigint
  constructor(tp: TopicPartition, position: bigint, divergentOffset: bigint) {
    super(
      `Truncation detected for ${tp.topic}-${tp.partition}: position ${position}, log diverged at ${divergentOffset}`,
      'ERR_LOG_TRUNCATION',
      { topic: tp.topic, partition: tp.partition },
    )
    this.divergentOffset = divergentOffset
  }
}

/**
 * @deprecated Use `FencedInstanceIdError` (Java's FencedInstanceIdException): FENCED_INSTANCE_ID has one class.
 * This alias names the same class, so `instanceof FencedInstanceError` keeps working.
 */
export const FencedInstanceError = FencedInstanceIdError
/** @deprecated Use `FencedInstanceIdError`. */
export type FencedInstanceError = FencedInstanceIdError

/**
 * The Consumer's commit calls' plumbing: commitAsync's promise-and-callback contract, and the
 * shape of committed()'s answer.
 */
import type { Log } from '../internal/log.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import {
  type CommitCallback,
  type OffsetAndMetadata,
  type OffsetsInput,
  offsetsList,
  type TopicPartition,
  type TopicPartitionOffset,
} from './types.js'

export interface CommittedOffset extends TopicPartition {
  /** Null when the group has no committed offset for the partition. */
  offset: bigint | null
  metadata: string | null
  leaderEpoch: number
}

/**
 * commitAsync(offsets?, callback?) or commitAsync(callback): `start(list)` begins the commit (list
 * undefined: everything consumed) and may throw. The returned promise is marked handled (a failure
 * nobody handles is logged at warn); the callback runs before it settles.
 */
export function commitAsyncCall(
  offsets: OffsetsInput | CommitCallback | undefined,
  callback: CommitCallback | undefined,
  start: (list: TopicPartitionOffset[] | undefined) => { list: TopicPartitionOffset[]; done: Promise<void> },
  logger: Log | undefined,
): Promise<void> {
  if (typeof offsets === 'function') {
    callback = offsets
    offsets = undefined
  }
  let map: Map<string, TopicPartitionOffset> = new Map()
  let done: Promise<void>
  try {
    const started = start(offsets === undefined ? undefined : offsetsList(offsets))
    map = new Map(started.list.map((o) => [topicPartitionKey(o.topic, o.partition), o]))
    done = started.done
  } catch (err) {
    done = Promise.reject(err)
  }
  // Handles the rejection (so ignoring the promise is safe) and runs the callback first.
  done.then(
    () => runCommitCallback(callback, null, map, logger),
    (err) => {
      if (callback) runCommitCallback(callback, err, map, logger)
      else logger?.warn({ err }, 'kafka-wire consumer: commitAsync failed')
    },
  )
  return done
}

function runCommitCallback(
  callback: CommitCallback | undefined,
  err: Error | null,
  map: Map<string, TopicPartitionOffset>,
  logger: Log | undefined,
): void {
  try {
    callback?.(err, map)
  } catch (thrown) {
    logger?.error({ err: thrown }, 'kafka-wire consumer: the commitAsync callback threw')
  }
}

/** committed()'s answer, in the order of `partitions`. */
export function committedOffsets(
  partitions: readonly TopicPartition[],
  map: ReadonlyMap<string, OffsetAndMetadata | null>,
): CommittedOffset[] {
  return partitions.map((tp) => {
    const c = map.get(topicPartitionKey(tp.topic, tp.partition))
    return {
      topic: tp.topic,
      partition: tp.partition,
      offset: c?.offset ?? null,
      metadata: c?.metadata ?? null,
      leaderEpoch: c?.leaderEpoch ?? -1,
    }
  })
}

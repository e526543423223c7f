/**
 * The wire side of the transactional requests whose bodies and answers are per partition
 * (AddPartitionsToTxn ≤ v3 for TV1, TxnOffsetCommit): grouping partitions by topic into a body,
 * and folding a response's partition codes into the one code TransactionManager acts on. Pure
 * functions; every decision (retry, abortable, fatal) stays in transaction-manager.ts.
 */
import { ErrorCode } from '../../error-codes.js'
import { parseTopicPartitionKey, topicPartitionKey } from '../../internal/topic-partition.js'
import type { Apis, ResponseOf } from '../../protocol/index.js'
import { isRetriableTxnCode, type TxnOffset, type TxnOffsetPartition } from './types.js'

/** AddPartitionsToTxn's topics (≤ v3) for `keys` (topicPartitionKey). */
export function addPartitionsTopics(keys: Iterable<string>): { name: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>()
  for (const key of keys) {
    const { topic, partition } = parseTopicPartitionKey(key)
    let list = byTopic.get(topic)
    if (list === undefined) byTopic.set(topic, (list = []))
    list.push(partition)
  }
  return [...byTopic].map(([name, partitions]) => ({ name, partitions }))
}

/**
 * An AddPartitionsToTxn answer: the partitions added, and the code that decides (NONE when all
 * were added; OPERATION_NOT_ATTEMPTED only when no partition says why).
 */
export function foldAddPartitions(res: ResponseOf<typeof Apis.AddPartitionsToTxn>): {
  worst: number
  added: string[]
} {
  let worst: number = ErrorCode.NONE
  const added: string[] = []
  for (const t of res.resultsByTopicV3AndBelow) {
    for (const p of t.resultsByPartition) {
      const key = topicPartitionKey(t.name, p.partitionIndex)
      if (p.partitionErrorCode === ErrorCode.NONE) added.push(key)
      // OPERATION_NOT_ATTEMPTED only says another partition failed.
      else if (p.partitionErrorCode !== ErrorCode.OPERATION_NOT_ATTEMPTED || worst === ErrorCode.NONE)
        worst = p.partitionErrorCode
    }
  }
  return { worst, added }
}

/** TxnOffsetCommit's topics for the offsets still to commit. */
export function txnOffsetCommitTopics(
  offsets: readonly TxnOffset[],
): { name: string; partitions: TxnOffsetPartition[] }[] {
  const byTopic = new Map<string, TxnOffsetPartition[]>()
  for (const o of offsets) {
    let list = byTopic.get(o.topic)
    if (list === undefined) byTopic.set(o.topic, (list = []))
    list.push({
      partitionIndex: o.partition,
      committedOffset: o.offset,
      committedLeaderEpoch: o.leaderEpoch ?? -1,
      committedMetadata: o.metadata ?? null,
    })
  }
  return [...byTopic].map(([name, partitions]) => ({ name, partitions }))
}

/**
 * A TxnOffsetCommit answer: the offsets to send again (their partitions failed) and the code that
 * decides (NONE when all were committed; a non-retriable code wins over retriable ones).
 */
export function foldTxnOffsetCommit(
  res: ResponseOf<typeof Apis.TxnOffsetCommit>,
  sent: readonly TxnOffset[],
): { worst: number; retry: TxnOffset[] } {
  const retry: TxnOffset[] = []
  let worst: number = ErrorCode.NONE
  for (const t of res.topics) {
    for (const p of t.partitions) {
      if (p.errorCode === ErrorCode.NONE) continue
      const o = sent.find((x) => x.topic === t.name && x.partition === p.partitionIndex)
      if (o !== undefined) retry.push(o)
      if (worst === ErrorCode.NONE || !isRetriableTxnCode(p.errorCode)) worst = p.errorCode
    }
  }
  return { worst, retry }
}

/**
 * kafkajs Admin: offsets and records (fetchTopicOffsets, fetchTopicOffsetsByTimestamp,
 * fetchOffsets, setOffsets, resetOffsets, deleteTopicRecords), with kafkajs 2.2.4's checks, string
 * offsets and errors, on kafka-wire's Admin.
 *
 * kafkajs sets a group's offsets by joining the group with a consumer and seeking; here they are
 * committed by the admin directly (an OffsetCommit without a member, as Java's admin does), after
 * the same check that the group has no running members.
 *
 * Owner: kafka-wire/kafkajs admin.
 */
import { AdminAggregateError, type ListOffsetsQuery } from '../admin/index.js'
import { KafkaError } from '../errors.js'
import { type AdminScope, afterRetries, check, codeOf, itemErrors, kjs, protocolError } from './admin-support.js'
import { KafkaJSBrokerNotFound, KafkaJSDeleteTopicRecordsError } from './errors.js'
import type { PartitionOffset } from './types.js'

export type SeekEntry = PartitionOffset

export type FetchOffsetsPartition = SeekEntry & { metadata: string | null }

/** kafkajs's EARLIEST_OFFSET / LATEST_OFFSET markers (what kafkajs's resetOffsets commits; '-1' also means none committed). */
const EARLIEST_OFFSET = '-2'
const LATEST_OFFSET = '-1'

/** The partition numbers of a topic, sorted; an unknown topic fails with UNKNOWN_TOPIC_OR_PARTITION. */
async function topicPartitions(scope: AdminScope, topic: string): Promise<number[]> {
  const admin = await scope.native()
  const [description] = await admin.describeTopics([topic], scope.callOptions())
  return description!.partitions.map((p) => p.partition)
}

/** An unknown topic fails after kafkajs's retries; the rest as they are (kafkajs bails). */
function offsetsError(e: unknown): Error {
  const first = itemErrors(e)[0]
  const error = kjs(first)
  return codeOf(first) === 'UNKNOWN_TOPIC_OR_PARTITION' ? afterRetries(error) : error
}

async function listOffsets(scope: AdminScope, topic: string, partitions: number[], spec: ListOffsetsQuery['spec']) {
  const admin = await scope.native()
  const results = await admin.listOffsets(
    partitions.map((partition) => ({ topic, partition, spec })),
    scope.callOptions(),
  )
  return new Map(results.map((r) => [r.partition, r.offset]))
}

/** Each partition's high watermark (`offset` and `high`) and log start offset (`low`). */
export async function fetchTopicOffsets(
  scope: AdminScope,
  topic: string,
): Promise<Array<SeekEntry & { high: string; low: string }>> {
  check(topic && typeof topic === 'string', `Invalid topic ${topic}`)
  try {
    const partitions = await topicPartitions(scope, topic)
    const high = await listOffsets(scope, topic, partitions, 'latest')
    const low = await listOffsets(scope, topic, partitions, 'earliest')
    return partitions.map((partition) => {
      const offset = String(high.get(partition))
      return { partition, offset, high: offset, low: String(low.get(partition)) }
    })
  } catch (e) {
    throw offsetsError(e)
  }
}

/**
 * Each partition's first offset whose timestamp is at or after `timestamp` (default: the latest
 * offset); the high watermark where no record is that recent.
 */
export async function fetchTopicOffsetsByTimestamp(
  scope: AdminScope,
  topic: string,
  timestamp?: number,
): Promise<SeekEntry[]> {
  check(topic && typeof topic === 'string', `Invalid topic ${topic}`)
  try {
    const partitions = await topicPartitions(scope, topic)
    const high = await listOffsets(scope, topic, partitions, 'latest')
    const found = timestamp == null ? high : await listOffsets(scope, topic, partitions, { timestamp })
    return partitions.map((partition) => {
      const offset = found.get(partition)!
      return { partition, offset: String(offset >= 0n ? offset : high.get(partition)) }
    })
  } catch (e) {
    throw offsetsError(e)
  }
}

/**
 * A group's committed offsets: for every partition of `topics` ('-1' where none is committed), or
 * for every partition it committed (no `topics`). `resolveOffsets` turns the earliest/latest
 * markers resetOffsets commits into real offsets, and commits those.
 */
export async function fetchOffsets(
  scope: AdminScope,
  request: { groupId: string; topics?: string[]; resolveOffsets?: boolean },
): Promise<Array<{ topic: string; partitions: FetchOffsetsPartition[] }>> {
  const { groupId, resolveOffsets = false } = request ?? ({} as { groupId: string })
  const topics = request?.topics ?? []
  check(groupId, `Invalid groupId ${groupId}`)
  check(Array.isArray(topics), 'Expected topics array to be set')
  const admin = await scope.native()
  let result: Array<{ topic: string; partitions: FetchOffsetsPartition[] }>
  try {
    const wanted = await Promise.all(
      topics.map(async (topic) => ({ topic, partitions: await topicPartitions(scope, topic) })),
    )
    const committed = await admin.listConsumerGroupOffsets(
      groupId,
      topics.length === 0
        ? null
        : wanted.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition }))),
      scope.callOptions(),
    )
    const byTopic = new Map<string, Map<number, FetchOffsetsPartition>>()
    for (const o of committed) {
      const partitions = byTopic.get(o.topic) ?? new Map<number, FetchOffsetsPartition>()
      partitions.set(o.partition, { partition: o.partition, offset: String(o.offset), metadata: o.metadata || null })
      byTopic.set(o.topic, partitions)
    }
    result =
      topics.length === 0
        ? [...byTopic].map(([topic, partitions]) => ({ topic, partitions: [...partitions.values()] }))
        : wanted.map(({ topic, partitions }) => ({
            topic,
            partitions: partitions.map(
              (partition) => byTopic.get(topic)?.get(partition) ?? { partition, offset: LATEST_OFFSET, metadata: null },
            ),
          }))
  } catch (e) {
    throw kjs(itemErrors(e)[0])
  }
  if (!resolveOffsets) return result
  return Promise.all(
    result.map(async ({ topic, partitions }) => {
      const offsets = new Map((await fetchTopicOffsets(scope, topic)).map((o) => [o.partition, o]))
      const resolved = partitions.map(({ partition, offset, metadata }) => ({
        partition,
        offset:
          offset === EARLIEST_OFFSET
            ? offsets.get(partition)!.low
            : offset === LATEST_OFFSET
              ? offsets.get(partition)!.high
              : offset,
        metadata,
      }))
      await setOffsets(scope, { groupId, topic, partitions: resolved })
      return { topic, partitions: resolved }
    }),
  )
}

/** The group's state; a group that does not exist is 'Dead' (what DescribeGroups answers for it). */
async function groupState(scope: AdminScope, groupId: string): Promise<string> {
  const admin = await scope.native()
  try {
    const [group] = await admin.describeGroups([groupId], scope.callOptions())
    return group!.state
  } catch (e) {
    if (codeOf(itemErrors(e)[0]) === 'GROUP_ID_NOT_FOUND') return 'Dead'
    throw kjs(itemErrors(e)[0])
  }
}

/** Commits `partitions`' offsets for the group, which must have no running members. */
export async function setOffsets(
  scope: AdminScope,
  request: { groupId: string; topic: string; partitions: SeekEntry[] },
): Promise<void> {
  const { groupId, topic, partitions } = request ?? ({} as { groupId: string; topic: string; partitions: SeekEntry[] })
  check(groupId, `Invalid groupId ${groupId}`)
  check(topic, `Invalid topic ${topic}`)
  check(partitions && partitions.length > 0, 'Invalid partitions')
  const state = await groupState(scope, groupId)
  check(
    state === 'Empty' || state === 'Dead',
    `The consumer group must have no running instances, current state: ${state}`,
  )
  const admin = await scope.native()
  try {
    await admin.alterConsumerGroupOffsets(
      groupId,
      partitions.map(({ partition, offset }) => ({ topic, partition, offset: BigInt(offset) })),
      scope.callOptions(),
    )
  } catch (e) {
    throw kjs(itemErrors(e)[0])
  }
}

/**
 * Commits every partition of `topic` at its earliest (`earliest`) or latest offset. kafkajs commits
 * the markers -2 / -1 instead, which only a kafkajs consumer (or fetchOffsets' resolveOffsets)
 * understands; the offsets themselves mean the same to every consumer (Java's, kafka-wire's).
 */
export async function resetOffsets(
  scope: AdminScope,
  request: { groupId: string; topic: string; earliest?: boolean },
): Promise<void> {
  const { groupId, topic, earliest = false } = request ?? ({} as { groupId: string; topic: string })
  check(groupId, `Invalid groupId ${groupId}`)
  check(topic, `Invalid topic ${topic}`)
  try {
    // An unknown topic fails as kafkajs's metadata lookup does: not after retries.
    await topicPartitions(scope, topic)
  } catch (e) {
    throw kjs(itemErrors(e)[0])
  }
  const partitions = (await fetchTopicOffsets(scope, topic)).map(({ partition, low, high }) => ({
    partition,
    offset: earliest ? low : high,
  }))
  await setOffsets(scope, { groupId, topic, partitions })
}

/**
 * Deletes the records below each partition's `offset` ('-1': all). Partition errors reject as
 * kafkajs's retrier reports a KafkaJSDeleteTopicRecordsError (its `partitions` name each error).
 */
export async function deleteTopicRecords(
  scope: AdminScope,
  request: { topic: string; partitions: SeekEntry[] },
): Promise<void> {
  const { topic, partitions } = request ?? ({} as { topic: string; partitions: SeekEntry[] })
  check(topic && typeof topic === 'string', `Invalid topic "${topic}"`)
  check(partitions && partitions.length > 0, 'Invalid partitions')
  const offsets = await fetchTopicOffsets(scope, topic)
  const known = new Map(offsets.map((o) => [o.partition, o]))
  const missing = partitions.filter((p) => !known.has(p.partition))
  if (missing.length > 0) {
    throw new KafkaJSDeleteTopicRecordsError({
      topic,
      partitions: missing.map(({ partition, offset }) => ({
        partition,
        offset,
        error: new KafkaJSBrokerNotFound('Could not find the leader for the partition', { retriable: false }),
      })),
    })
  }
  for (const { partition, offset } of partitions) {
    const low = known.get(partition)!.low
    if (Number.parseInt(offset, 10) < Number.parseInt(low, 10) && Number.parseInt(offset, 10) !== -1) {
      scope.logger.warn(
        'The requested offset is before the earliest offset maintained on the partition - no records will be deleted from this partition',
        { topic, partition, offset },
      )
    }
  }
  const admin = await scope.native()
  try {
    await admin.deleteRecords(
      partitions.map(({ partition, offset }) => ({ topic, partition, beforeOffset: BigInt(offset) })),
      scope.callOptions(),
    )
  } catch (e) {
    if (!(e instanceof AdminAggregateError)) throw kjs(e)
    const failed = e.errors.map((error) => {
      const partition = error instanceof KafkaError ? (error.partition ?? -1) : -1
      const offset = partitions.find((p) => p.partition === partition)?.offset ?? '-1'
      return { partition, offset, error: protocolError(error) }
    })
    throw afterRetries(new KafkaJSDeleteTopicRecordsError({ topic, partitions: failed }))
  }
}

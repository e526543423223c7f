/**
 * Offset calls: ListOffsets and DeleteRecords (to each partition's leader), OffsetFetch,
 * OffsetCommit and OffsetDelete (to the group's coordinator). Request building and response
 * mapping, and the operations declaring each call for executor.ts.
 *
 * OffsetFetch and OffsetCommit are capped at v9: v10 (KIP-848 follow-up) names topics by id only,
 * which would need an id → name lookup for every call and adds nothing for an admin.
 */

import { ErrorCode } from '../error-codes.js'
import { brokerError, type KafkaError, UnsupportedVersionError } from '../errors.js'
import { Apis, type RequestOf, type ResponseOf } from '../protocol/index.js'
import {
  byTopic,
  coordinatorRetry,
  invalidArgument,
  leaderRetry,
  namedMessage,
  reportError,
  requireNonEmptyString,
  requirePartition,
  requireUnique,
  toBigInt,
  tpKey,
  tpName,
} from './common.js'
import type { RoundReport } from './driver.js'
import { AdminAggregateError } from './errors.js'
import { operation, singleOperation } from './operation.js'
import type {
  ConsumerGroupOffset,
  DeletedRecords,
  DeleteRecordsRequestItem,
  GroupOffsetUpdate,
  GroupTopicPartition,
  ListConsumerGroupOffsetsOptions,
  ListOffsetsOptions,
  ListOffsetsQuery,
  ListOffsetsResultInfo,
  OffsetSpec,
} from './types.js'

/** Highest OffsetFetch / OffsetCommit versions used (v10 identifies topics by id only). */
export const MAX_OFFSET_FETCH_VERSION = 9
export const MAX_OFFSET_COMMIT_VERSION = 9

export const EARLIEST_TIMESTAMP = -2n
export const LATEST_TIMESTAMP = -1n
export const MAX_TIMESTAMP = -3n

export function validatePartitions(items: readonly { topic: string; partition: number }[], what: string): void {
  for (const i of items) {
    requireNonEmptyString(i?.topic, `${what}.topic`)
    requirePartition(i.partition, `${what}.partition`)
  }
  requireUnique(
    items.map((i) => tpKey(i.topic, i.partition)),
    'partition',
  )
}

/** The ListOffsets timestamp encoding an OffsetSpec. */
export function specTimestamp(spec: OffsetSpec): bigint {
  if (spec === 'earliest') return EARLIEST_TIMESTAMP
  if (spec === 'latest') return LATEST_TIMESTAMP
  if (spec === 'max-timestamp') return MAX_TIMESTAMP
  if (spec !== null && typeof spec === 'object' && 'timestamp' in spec) {
    const t = spec.timestamp
    const ms = t instanceof Date ? BigInt(t.getTime()) : typeof t === 'bigint' ? t : BigInt(Math.trunc(t))
    if (ms < 0n) throw invalidArgument(`OffsetSpec timestamp must be >= 0 (got ${ms})`)
    return ms
  }
  throw invalidArgument(`Invalid OffsetSpec ${JSON.stringify(spec)}`)
}

/** The lowest ListOffsets version that understands a spec (max-timestamp needs v7, Kafka 3.0). */
export function minListOffsetsVersion(timestamp: bigint): number {
  return timestamp === MAX_TIMESTAMP ? 7 : 1
}

export interface LeaderQuery extends ListOffsetsQuery {
  timestamp: bigint
  currentLeaderEpoch: number
}

export function buildListOffsetsRequest(
  queries: readonly LeaderQuery[],
  options: { isolationLevel: 'read_uncommitted' | 'read_committed'; timeoutMs: number },
): RequestOf<typeof Apis.ListOffsets> {
  return {
    replicaId: -1,
    isolationLevel: options.isolationLevel === 'read_committed' ? 1 : 0,
    topics: [...byTopic(queries)].map(([name, list]) => ({
      name,
      partitions: list.map((q) => ({
        partitionIndex: q.partition,
        currentLeaderEpoch: q.currentLeaderEpoch,
        timestamp: q.timestamp,
      })),
    })),
    timeoutMs: options.timeoutMs,
  }
}

export function handleListOffsetsResponse(
  response: ResponseOf<typeof Apis.ListOffsets>,
  report: RoundReport<ListOffsetsResultInfo>,
  apiKey: number,
  broker: number,
): void {
  for (const t of response.topics) {
    for (const p of t.partitions) {
      const key = tpKey(t.name, p.partitionIndex)
      if (p.errorCode !== ErrorCode.NONE) {
        const where = { topic: t.name, partition: p.partitionIndex, apiKey, broker }
        reportError(report, key, p.errorCode, null, where, leaderRetry(p.errorCode))
        continue
      }
      report.ok(key, {
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.offset,
        timestamp: Number(p.timestamp),
        leaderEpoch: p.leaderEpoch,
      })
    }
  }
}

export function unsupportedSpecError(q: ListOffsetsQuery, version: number): KafkaError {
  return new UnsupportedVersionError(
    `ListOffsets v${version} cannot look up '${typeof q.spec === 'string' ? q.spec : 'timestamp'}' (the broker is too old)`,
    { topic: q.topic, partition: q.partition },
  )
}

// ---------------------------------------------------------------------------------------------
// DeleteRecords

export function buildDeleteRecordsRequest(
  items: readonly (DeleteRecordsRequestItem & { offset: bigint })[],
  timeoutMs: number,
): RequestOf<typeof Apis.DeleteRecords> {
  return {
    topics: [...byTopic(items)].map(([name, list]) => ({
      name,
      partitions: list.map((i) => ({ partitionIndex: i.partition, offset: i.offset })),
    })),
    timeoutMs,
  }
}

export function handleDeleteRecordsResponse(
  response: ResponseOf<typeof Apis.DeleteRecords>,
  report: RoundReport<DeletedRecords>,
  apiKey: number,
  broker: number,
): void {
  for (const t of response.topics) {
    for (const p of t.partitions) {
      const key = tpKey(t.name, p.partitionIndex)
      if (p.errorCode !== ErrorCode.NONE) {
        const where = { topic: t.name, partition: p.partitionIndex, apiKey, broker }
        reportError(report, key, p.errorCode, null, where, leaderRetry(p.errorCode))
        continue
      }
      report.ok(key, { topic: t.name, partition: p.partitionIndex, lowWatermark: p.lowWatermark })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// OffsetFetch

export function buildOffsetFetchRequest(
  groupId: string,
  partitions: readonly GroupTopicPartition[] | null,
  version: number,
  requireStable: boolean,
): RequestOf<typeof Apis.OffsetFetch> {
  const topics =
    partitions === null
      ? null
      : [...byTopic(partitions)].map(([name, list]) => ({ name, partitionIndexes: list.map((p) => p.partition) }))
  if (version >= 8) return { groups: [{ groupId, topics }], requireStable }
  return { groupId, topics, requireStable }
}

export interface FetchedGroupOffsets {
  offsets: ConsumerGroupOffset[]
  /** Partition-level failures (each naming its partition). */
  errors: KafkaError[]
  /** A partition reported a retriable error (UNSTABLE_OFFSET_COMMIT): ask again. */
  retry: KafkaError | null
}

/**
 * Maps an OffsetFetch response for one group. A group-level error is thrown (a BrokerError naming
 * the group: retried by the driver when it is retriable); partitions without a committed offset
 * (offset -1) are left out.
 */
export function mapOffsetFetchResponse(
  response: ResponseOf<typeof Apis.OffsetFetch>,
  groupId: string,
  version: number,
  apiKey: number,
  broker: number,
): FetchedGroupOffsets {
  let errorCode: number
  let topics: {
    name: string
    partitions: {
      partitionIndex: number
      committedOffset: bigint
      committedLeaderEpoch: number
      metadata: string | null
      errorCode: number
    }[]
  }[]
  if (version >= 8) {
    const g = response.groups.find((x) => x.groupId === groupId)
    if (g === undefined)
      throw brokerError(-1, namedMessage(`group ${groupId}`, 'missing from the response'), { apiKey })
    errorCode = g.errorCode
    topics = g.topics
  } else {
    errorCode = response.errorCode
    topics = response.topics
  }
  if (errorCode !== ErrorCode.NONE) {
    throw brokerError(errorCode, namedMessage(`group ${groupId}`, null), { apiKey, broker })
  }
  const offsets: ConsumerGroupOffset[] = []
  const errors: KafkaError[] = []
  let retry: KafkaError | null = null
  for (const t of topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) {
        const error = brokerError(p.errorCode, `group ${groupId}`, {
          topic: t.name,
          partition: p.partitionIndex,
          apiKey,
          broker,
        })
        // Coordinator moves show up per partition on old versions: retry the whole fetch.
        if (coordinatorRetry(p.errorCode) !== 'no' || error.retriable) retry = error
        else errors.push(error)
        continue
      }
      if (p.committedOffset < 0n) continue
      offsets.push({
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        metadata: p.metadata,
        leaderEpoch: p.committedLeaderEpoch,
      })
    }
  }
  offsets.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
  return { offsets, errors, retry }
}

// ---------------------------------------------------------------------------------------------
// OffsetCommit (alterConsumerGroupOffsets) and OffsetDelete

export function buildOffsetCommitRequest(
  groupId: string,
  offsets: readonly (GroupOffsetUpdate & { offset: bigint })[],
): RequestOf<typeof Apis.OffsetCommit> {
  // generation -1 and an empty member id: an admin commit, accepted only while the group is empty.
  return {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [...byTopic(offsets)].map(([name, list]) => ({
      name,
      partitions: list.map((o) => ({
        partitionIndex: o.partition,
        committedOffset: o.offset,
        committedLeaderEpoch: o.leaderEpoch ?? -1,
        committedMetadata: o.metadata ?? '',
      })),
    })),
  }
}

export function handleOffsetCommitResponse(
  response: ResponseOf<typeof Apis.OffsetCommit>,
  groupId: string,
  report: RoundReport<GroupTopicPartition>,
  apiKey: number,
  broker: number,
  invalidateCoordinator: () => void,
): void {
  for (const t of response.topics) {
    for (const p of t.partitions) {
      const key = tpKey(t.name, p.partitionIndex)
      if (p.errorCode !== ErrorCode.NONE) {
        const where = { topic: t.name, partition: p.partitionIndex, apiKey, broker }
        reportError(
          report,
          key,
          p.errorCode,
          `group ${groupId}`,
          where,
          coordinatorRetry(p.errorCode),
          invalidateCoordinator,
        )
        continue
      }
      report.ok(key, { topic: t.name, partition: p.partitionIndex })
    }
  }
}

export function buildOffsetDeleteRequest(
  groupId: string,
  partitions: readonly GroupTopicPartition[],
): RequestOf<typeof Apis.OffsetDelete> {
  return {
    groupId,
    topics: [...byTopic(partitions)].map(([name, list]) => ({
      name,
      partitions: list.map((p) => ({ partitionIndex: p.partition })),
    })),
  }
}

/** Maps an OffsetDelete response; a group-level error is thrown as a BrokerError naming the group. */
export function handleOffsetDeleteResponse(
  response: ResponseOf<typeof Apis.OffsetDelete>,
  groupId: string,
  report: RoundReport<GroupTopicPartition>,
  apiKey: number,
  broker: number,
): void {
  if (response.errorCode !== ErrorCode.NONE) {
    throw brokerError(response.errorCode, namedMessage(`group ${groupId}`, null), { apiKey, broker })
  }
  for (const t of response.topics) {
    for (const p of t.partitions) {
      const key = tpKey(t.name, p.partitionIndex)
      if (p.errorCode !== ErrorCode.NONE) {
        const where = { topic: t.name, partition: p.partitionIndex, apiKey, broker }
        reportError(report, key, p.errorCode, `group ${groupId}`, where, 'no')
        continue
      }
      report.ok(key, { topic: t.name, partition: p.partitionIndex })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Operations (run by executor.ts)

export function listOffsetsOperation(queries: readonly ListOffsetsQuery[], options: ListOffsetsOptions) {
  validatePartitions(queries, 'ListOffsetsQuery')
  const items = new Map(queries.map((q) => [tpKey(q.topic, q.partition), { ...q, timestamp: specTimestamp(q.spec) }]))
  return operation({
    name: 'listOffsets',
    itemKind: 'partitions',
    api: Apis.ListOffsets,
    route: 'leaders',
    items,
    itemName: tpName,
    topics: [...new Set(queries.map((q) => q.topic))],
    unsupported: (q, version) =>
      version < minListOffsetsVersion(q.timestamp) ? unsupportedSpecError(q, version) : undefined,
    build: (list, ctx) =>
      buildListOffsetsRequest(
        list.map((q, i) => ({ ...q, currentLeaderEpoch: ctx.leaderEpoch(ctx.keys[i]!) })),
        { isolationLevel: options.isolationLevel ?? 'read_uncommitted', timeoutMs: ctx.timeoutMs },
      ),
    handle: (response, report: RoundReport<ListOffsetsResultInfo>, ctx) =>
      handleListOffsetsResponse(response, report, ctx.apiKey, ctx.node),
  })
}

export function deleteRecordsOperation(items: readonly DeleteRecordsRequestItem[]) {
  validatePartitions(items, 'DeleteRecordsRequestItem')
  const byKey = new Map(
    items.map((i) => [tpKey(i.topic, i.partition), { ...i, offset: toBigInt(i.beforeOffset, 'beforeOffset') }]),
  )
  return operation({
    name: 'deleteRecords',
    itemKind: 'partitions',
    api: Apis.DeleteRecords,
    route: 'leaders',
    items: byKey,
    itemName: tpName,
    topics: [...new Set(items.map((i) => i.topic))],
    build: (list, ctx) => buildDeleteRecordsRequest(list, ctx.timeoutMs),
    handle: (response, report: RoundReport<DeletedRecords>, ctx) =>
      handleDeleteRecordsResponse(response, report, ctx.apiKey, ctx.node),
  })
}

export function listConsumerGroupOffsetsOperation(
  groupId: string,
  partitions: readonly GroupTopicPartition[] | null | undefined,
  options: ListConsumerGroupOffsetsOptions,
) {
  requireNonEmptyString(groupId, 'groupId')
  if (partitions) validatePartitions(partitions, 'GroupTopicPartition')
  return singleOperation({
    name: 'listConsumerGroupOffsets',
    api: Apis.OffsetFetch,
    maxVersion: MAX_OFFSET_FETCH_VERSION,
    route: 'coordinator',
    group: groupId,
    build: (_items, ctx) =>
      buildOffsetFetchRequest(groupId, partitions ?? null, ctx.version, options.requireStable ?? false),
    handle: (response, report: RoundReport<FetchedGroupOffsets>, ctx) => {
      const result = mapOffsetFetchResponse(response, groupId, ctx.version, ctx.apiKey, ctx.node)
      if (result.retry === null) {
        report.ok('call', result)
        return
      }
      if (result.retry.code === 'NOT_COORDINATOR' || result.retry.code === 'COORDINATOR_NOT_AVAILABLE') {
        ctx.invalidateCoordinator(groupId)
      }
      report.retry('call', result.retry)
    },
    finish: (outcome) => {
      const error = outcome.errors.get('call')
      if (error !== undefined) throw error
      const fetched = outcome.results.get('call')!
      if (fetched.errors.length > 0) {
        throw new AdminAggregateError<ConsumerGroupOffset>(
          'listConsumerGroupOffsets',
          'partitions',
          fetched.errors.map((error) => ({ label: `${error.topic}-${error.partition}`, error })),
          fetched.offsets.map((o) => ({ label: `${o.topic}-${o.partition}`, value: o })),
        )
      }
      return fetched.offsets
    },
  })
}

export function alterConsumerGroupOffsetsOperation(groupId: string, offsets: readonly GroupOffsetUpdate[]) {
  requireNonEmptyString(groupId, 'groupId')
  validatePartitions(offsets, 'GroupOffsetUpdate')
  return operation({
    name: 'alterConsumerGroupOffsets',
    itemKind: 'partitions',
    api: Apis.OffsetCommit,
    maxVersion: MAX_OFFSET_COMMIT_VERSION,
    route: 'coordinator',
    group: groupId,
    items: new Map(offsets.map((o) => [tpKey(o.topic, o.partition), { ...o, offset: toBigInt(o.offset, 'offset') }])),
    itemName: tpName,
    build: (list) => buildOffsetCommitRequest(groupId, list),
    handle: (response, report: RoundReport<GroupTopicPartition>, ctx) =>
      handleOffsetCommitResponse(response, groupId, report, ctx.apiKey, ctx.node, () =>
        ctx.invalidateCoordinator(groupId),
      ),
    result: () => undefined,
  })
}

export function deleteConsumerGroupOffsetsOperation(groupId: string, partitions: readonly GroupTopicPartition[]) {
  requireNonEmptyString(groupId, 'groupId')
  validatePartitions(partitions, 'GroupTopicPartition')
  return operation({
    name: 'deleteConsumerGroupOffsets',
    itemKind: 'partitions',
    api: Apis.OffsetDelete,
    route: 'coordinator',
    group: groupId,
    items: new Map(partitions.map((p) => [tpKey(p.topic, p.partition), p])),
    itemName: tpName,
    build: (list) => buildOffsetDeleteRequest(groupId, list),
    handle: (response, report: RoundReport<GroupTopicPartition>, ctx) =>
      handleOffsetDeleteResponse(response, groupId, report, ctx.apiKey, ctx.node),
    result: () => undefined,
  })
}

/**
 * Share group calls (KIP-932), declared as operations for executor.ts like the other areas:
 * ShareGroupDescribe, DescribeShareGroupOffsets, AlterShareGroupOffsets and DeleteShareGroupOffsets
 * (to the group's coordinator). Deleting share groups is DeleteGroups (groups.ts); listing them is
 * listGroups({ types: ['share'] }).
 *
 * A share group's "offset" per partition is its start offset: records below it are done
 * (acknowledged or archived); between it and the end some are in flight. Altering and deleting
 * offsets needs an empty group (no members), as for consumer groups.
 */
import { ErrorCode } from '../error-codes.js'
import { Apis, type ResponseOf } from '../protocol/index.js'
import {
  coordinatorRetry,
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
import { operation, singleOperation } from './operation.js'
import type { TopicPartitions } from './types.js'

export interface ShareGroupMemberDescription {
  memberId: string
  clientId: string
  clientHost: string
  rackId: string | null
  memberEpoch: number
  subscribedTopics: string[]
  /** The partitions assigned to the member (other members may have the same ones). */
  assignment: TopicPartitions[]
}

export interface ShareGroupDescription {
  groupId: string
  /** 'Empty', 'Stable', 'Dead', ... as the broker reports it. */
  state: string
  groupEpoch: number
  assignmentEpoch: number
  assignor: string
  coordinator: number
  members: ShareGroupMemberDescription[]
}

export interface ShareGroupOffset {
  topic: string
  partition: number
  /** Where the share partition starts (null: the group has no state for it yet). */
  startOffset: bigint | null
  leaderEpoch: number
  /** Records not yet done (null when the broker does not say: DescribeShareGroupOffsets v0). */
  lag: bigint | null
}

export interface ShareGroupOffsetUpdate {
  topic: string
  partition: number
  /** The new start offset. */
  offset: bigint | number
}

const groupLabel = (g: string) => `group ${g}`

function sortAssignment(list: readonly { topicName: string; partitions: readonly number[] }[]): TopicPartitions[] {
  return list
    .map((t) => ({ topic: t.topicName, partitions: [...t.partitions].sort((a, b) => a - b) }))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0))
}

export function handleShareGroupDescribeResponse(
  response: ResponseOf<typeof Apis.ShareGroupDescribe>,
  report: RoundReport<ShareGroupDescription>,
  apiKey: number,
  coordinator: number,
  invalidateCoordinator: (groupId: string) => void,
): void {
  for (const g of response.groups) {
    if (g.errorCode !== ErrorCode.NONE) {
      reportError(
        report,
        g.groupId,
        g.errorCode,
        namedMessage(`share group ${g.groupId}`, g.errorMessage),
        { apiKey, broker: coordinator },
        coordinatorRetry(g.errorCode),
        () => invalidateCoordinator(g.groupId),
      )
      continue
    }
    report.ok(g.groupId, {
      groupId: g.groupId,
      state: g.groupState,
      groupEpoch: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
      assignor: g.assignorName,
      coordinator,
      members: g.members
        .map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          subscribedTopics: [...m.subscribedTopicNames].sort(),
          assignment: sortAssignment(m.assignment.topicPartitions),
        }))
        .sort((a, b) => (a.memberId < b.memberId ? -1 : 1)),
    })
  }
}

/** Describes share groups: state, epochs, members with their subscriptions and assignments. */
export function describeShareGroupsOperation(groupIds: readonly string[]) {
  for (const g of groupIds) requireNonEmptyString(g, 'group id')
  requireUnique(groupIds, 'group id')
  return operation({
    name: 'describeShareGroups',
    itemKind: 'groups',
    api: Apis.ShareGroupDescribe,
    route: 'coordinator',
    items: new Map(groupIds.map((g) => [g, g])),
    itemName: groupLabel,
    build: (groups) => ({ groupIds: [...groups], includeAuthorizedOperations: false }),
    handle: (response, report: RoundReport<ShareGroupDescription>, ctx) =>
      handleShareGroupDescribeResponse(response, report, ctx.apiKey, ctx.node, ctx.invalidateCoordinator),
  })
}

/** The start offsets of a share group (every partition it has state for, or these partitions only). */
export function listShareGroupOffsetsOperation(
  groupId: string,
  partitions?: readonly { topic: string; partition: number }[] | null,
) {
  requireNonEmptyString(groupId, 'groupId')
  if (partitions) {
    for (const p of partitions) {
      requireNonEmptyString(p?.topic, 'partition.topic')
      requirePartition(p.partition, 'partition.partition')
    }
  }
  const topics = new Map<string, number[]>()
  for (const p of partitions ?? []) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition])
  return singleOperation({
    name: 'listShareGroupOffsets',
    api: Apis.DescribeShareGroupOffsets,
    route: 'coordinator',
    group: groupId,
    build: () => ({
      groups: [
        {
          groupId,
          topics: partitions ? [...topics].map(([topicName, ps]) => ({ topicName, partitions: ps })) : null,
        },
      ],
    }),
    handle: (response, report: RoundReport<ShareGroupOffset[]>, ctx) => {
      const g = response.groups.find((x) => x.groupId === groupId)
      if (g === undefined) return
      if (g.errorCode !== ErrorCode.NONE) {
        reportError(
          report,
          'call',
          g.errorCode,
          namedMessage(`share group ${groupId}`, g.errorMessage),
          { apiKey: ctx.apiKey, broker: ctx.node },
          coordinatorRetry(g.errorCode),
          () => ctx.invalidateCoordinator(groupId),
        )
        return
      }
      const out: ShareGroupOffset[] = []
      for (const t of g.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) continue
          out.push({
            topic: t.topicName,
            partition: p.partitionIndex,
            startOffset: p.startOffset < 0n ? null : p.startOffset,
            leaderEpoch: p.leaderEpoch,
            lag: p.lag < 0n ? null : p.lag,
          })
        }
      }
      out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
      report.ok('call', out)
    },
  })
}

/** Sets a share group's start offsets (the group must be empty). */
export function alterShareGroupOffsetsOperation(groupId: string, offsets: readonly ShareGroupOffsetUpdate[]) {
  requireNonEmptyString(groupId, 'groupId')
  for (const o of offsets) {
    requireNonEmptyString(o?.topic, 'ShareGroupOffsetUpdate.topic')
    requirePartition(o.partition, 'ShareGroupOffsetUpdate.partition')
  }
  requireUnique(
    offsets.map((o) => tpKey(o.topic, o.partition)),
    'partition',
  )
  const items = new Map(
    offsets.map((o) => [tpKey(o.topic, o.partition), { ...o, offset: toBigInt(o.offset, 'offset') }]),
  )
  return operation({
    name: 'alterShareGroupOffsets',
    itemKind: 'partitions',
    api: Apis.AlterShareGroupOffsets,
    route: 'coordinator',
    group: groupId,
    items,
    itemName: tpName,
    build: (list) => {
      const byTopic = new Map<string, { partitionIndex: number; startOffset: bigint }[]>()
      for (const o of list) {
        const ps = byTopic.get(o.topic) ?? []
        ps.push({ partitionIndex: o.partition, startOffset: o.offset })
        byTopic.set(o.topic, ps)
      }
      return { groupId, topics: [...byTopic].map(([topicName, partitions]) => ({ topicName, partitions })) }
    },
    handle: (response, report: RoundReport<undefined>, ctx) => {
      const where = { apiKey: ctx.apiKey, broker: ctx.node }
      if (response.errorCode !== ErrorCode.NONE) {
        for (const key of ctx.keys) {
          reportError(
            report,
            key,
            response.errorCode,
            namedMessage(`share group ${groupId}`, response.errorMessage),
            where,
            coordinatorRetry(response.errorCode),
            () => ctx.invalidateCoordinator(groupId),
          )
        }
        return
      }
      for (const t of response.responses) {
        for (const p of t.partitions) {
          const key = tpKey(t.topicName, p.partitionIndex)
          if (p.errorCode === ErrorCode.NONE) report.ok(key, undefined)
          else {
            reportError(
              report,
              key,
              p.errorCode,
              p.errorMessage,
              { ...where, topic: t.topicName, partition: p.partitionIndex },
              'no',
            )
          }
        }
      }
    },
    result: () => undefined,
  })
}

/** Deletes a share group's state for whole topics (the group must be empty). */
export function deleteShareGroupOffsetsOperation(groupId: string, topics: readonly string[]) {
  requireNonEmptyString(groupId, 'groupId')
  for (const t of topics) requireNonEmptyString(t, 'topic')
  requireUnique(topics, 'topic')
  return operation({
    name: 'deleteShareGroupOffsets',
    itemKind: 'topics',
    api: Apis.DeleteShareGroupOffsets,
    route: 'coordinator',
    group: groupId,
    items: new Map(topics.map((t) => [t, t])),
    itemName: (t: string) => `topic ${t}`,
    build: (list) => ({ groupId, topics: list.map((topicName) => ({ topicName })) }),
    handle: (response, report: RoundReport<undefined>, ctx) => {
      const where = { apiKey: ctx.apiKey, broker: ctx.node }
      if (response.errorCode !== ErrorCode.NONE) {
        for (const key of ctx.keys) {
          reportError(
            report,
            key,
            response.errorCode,
            namedMessage(`share group ${groupId}`, response.errorMessage),
            where,
            coordinatorRetry(response.errorCode),
            () => ctx.invalidateCoordinator(groupId),
          )
        }
        return
      }
      for (const t of response.responses) {
        if (t.errorCode === ErrorCode.NONE) report.ok(t.topicName, undefined)
        else reportError(report, t.topicName, t.errorCode, t.errorMessage, { ...where, topic: t.topicName }, 'no')
      }
    },
    result: () => undefined,
  })
}

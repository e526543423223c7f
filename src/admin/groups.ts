/**
 * Group calls: ListGroups (every broker), DescribeGroups / ConsumerGroupDescribe and DeleteGroups
 * (the group's coordinator). Request building and response mapping, and the operations declaring
 * each call for executor.ts.
 *
 * describeGroups follows Java's admin: ConsumerGroupDescribe first (KIP-848 'consumer' groups);
 * a group it does not know (GROUP_ID_NOT_FOUND — a classic group, or no group at all) is asked
 * again with DescribeGroups, which answers for classic groups; brokers without
 * ConsumerGroupDescribe get DescribeGroups for every group.
 */

import { ErrorCode } from '../error-codes.js'
import { brokerError, KafkaError } from '../errors.js'
import {
  Apis,
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  compile,
  type MessageSchema,
  Reader,
  type RequestOf,
  type ResponseOf,
} from '../protocol/index.js'
import { coordinatorRetry, namedMessage, reportError, requireNonEmptyString, requireUnique } from './common.js'
import type { RoundReport } from './driver.js'
import { AdminAggregateError } from './errors.js'
import { type CompositeCall, operation, request } from './operation.js'
import type {
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  GroupState,
  GroupType,
  ListGroupsOptions,
  TopicPartitions,
} from './types.js'

export function buildListGroupsRequest(options: ListGroupsOptions): RequestOf<typeof Apis.ListGroups> {
  return { statesFilter: [...(options.states ?? [])], typesFilter: [...(options.types ?? [])] }
}

export function groupListings(response: ResponseOf<typeof Apis.ListGroups>): GroupListing[] {
  return response.groups.map((g) => ({
    groupId: g.groupId,
    protocolType: g.protocolType,
    state: (g.groupState || null) as GroupState | null,
    type: (g.groupType || null) as GroupType | null,
  }))
}

/** Merges the listings of every broker (a group is listed by its coordinator only; dedupe anyway). */
export function mergeGroupListings(lists: readonly GroupListing[][]): GroupListing[] {
  const byId = new Map<string, GroupListing>()
  for (const list of lists) for (const g of list) if (!byId.has(g.groupId)) byId.set(g.groupId, g)
  return [...byId.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
}

/**
 * Decodes an embedded consumer-protocol message (int16 version + body). A version newer than
 * ours is read with our highest one, ignoring trailing fields (as Java's ConsumerProtocol does).
 */
export function decodeVersioned<T>(schema: MessageSchema<any>, buf: Buffer): T | null {
  if (buf.length < 2) return null
  const version = Math.min(buf.readInt16BE(0), schema.validVersions.max)
  if (version < schema.validVersions.min) return null
  return compile(schema, version).decode(new Reader(buf, 2)) as T
}

export function decodeAssignment(buf: Buffer): TopicPartitions[] {
  const a = decodeVersioned<{ assignedPartitions: { topic: string; partitions: number[] }[] }>(
    ConsumerProtocolAssignment,
    buf,
  )
  return a === null ? [] : sortTopicPartitions(a.assignedPartitions)
}

export function decodeSubscribedTopics(buf: Buffer): string[] | null {
  const s = decodeVersioned<{ topics: string[] }>(ConsumerProtocolSubscription, buf)
  return s === null ? null : [...s.topics].sort()
}

function sortTopicPartitions(list: readonly { topic: string; partitions: readonly number[] }[]): TopicPartitions[] {
  const merged = new Map<string, Set<number>>()
  for (const { topic, partitions } of list) {
    const set = merged.get(topic) ?? new Set<number>()
    for (const p of partitions) set.add(p)
    merged.set(topic, set)
  }
  return [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, set]) => ({ topic, partitions: [...set].sort((a, b) => a - b) }))
}

/** Reports a group-level error code: coordinator errors retried (forgetting the coordinator), others final. */
export function reportGroupError(
  report: RoundReport<unknown>,
  groupId: string,
  code: number,
  message: string | null | undefined,
  apiKey: number,
  broker: number,
  invalidateCoordinator: () => void,
): void {
  reportError(
    report,
    groupId,
    code,
    namedMessage(`group ${groupId}`, message),
    { apiKey, broker },
    coordinatorRetry(code),
    invalidateCoordinator,
  )
}

/**
 * Maps a ConsumerGroupDescribe response. Returns the groups to ask again with DescribeGroups
 * (GROUP_ID_NOT_FOUND: not a 'consumer' group).
 */
export function handleConsumerGroupDescribeResponse(
  response: ResponseOf<typeof Apis.ConsumerGroupDescribe>,
  report: RoundReport<GroupDescription>,
  apiKey: number,
  coordinator: number,
  invalidateCoordinator: (groupId: string) => void,
): string[] {
  const classic: string[] = []
  for (const g of response.groups) {
    if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) {
      classic.push(g.groupId)
      continue
    }
    if (g.errorCode !== ErrorCode.NONE) {
      reportGroupError(report, g.groupId, g.errorCode, g.errorMessage, apiKey, coordinator, () =>
        invalidateCoordinator(g.groupId),
      )
      continue
    }
    const members: GroupMemberDescription[] = g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: sortTopicPartitions(
        m.assignment.topicPartitions.map((tp) => ({ topic: tp.topicName, partitions: tp.partitions })),
      ),
      targetAssignment: sortTopicPartitions(
        m.targetAssignment.topicPartitions.map((tp) => ({ topic: tp.topicName, partitions: tp.partitions })),
      ),
      subscribedTopics: [...m.subscribedTopicNames].sort(),
      memberEpoch: m.memberEpoch,
      rackId: m.rackId,
    }))
    report.ok(g.groupId, {
      groupId: g.groupId,
      type: 'consumer',
      state: g.groupState,
      protocolType: 'consumer',
      protocol: g.assignorName,
      members,
      coordinator,
      groupEpoch: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
    })
  }
  return classic
}

export function handleDescribeGroupsResponse(
  response: ResponseOf<typeof Apis.DescribeGroups>,
  report: RoundReport<GroupDescription>,
  apiKey: number,
  coordinator: number,
  invalidateCoordinator: (groupId: string) => void,
): void {
  for (const g of response.groups) {
    if (g.errorCode !== ErrorCode.NONE) {
      reportGroupError(report, g.groupId, g.errorCode, g.errorMessage, apiKey, coordinator, () =>
        invalidateCoordinator(g.groupId),
      )
      continue
    }
    // Members of the 'consumer' protocol carry ConsumerProtocol subscriptions and assignments;
    // other protocols (connect, ...) have their own formats, left undecoded.
    const decodable = g.protocolType === 'consumer' || g.protocolType === ''
    const members: GroupMemberDescription[] = g.members.map((m) => {
      let assignment: TopicPartitions[] = []
      let subscribedTopics: string[] | null = null
      if (decodable) {
        try {
          if (m.memberAssignment.length > 0) assignment = decodeAssignment(m.memberAssignment)
          if (m.memberMetadata.length > 0) subscribedTopics = decodeSubscribedTopics(m.memberMetadata)
        } catch (e) {
          if (!(e instanceof KafkaError)) throw e
          // A member with a malformed assignment is still described, without its partitions.
        }
      }
      return {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        assignment,
        targetAssignment: null,
        subscribedTopics,
        memberEpoch: null,
        rackId: null,
      }
    })
    report.ok(g.groupId, {
      groupId: g.groupId,
      type: 'classic',
      state: g.groupState,
      protocolType: g.protocolType,
      protocol: g.protocolData,
      members,
      coordinator,
      groupEpoch: null,
      assignmentEpoch: null,
    })
  }
}

export function handleDeleteGroupsResponse(
  response: ResponseOf<typeof Apis.DeleteGroups>,
  report: RoundReport<string>,
  apiKey: number,
  coordinator: number,
  invalidateCoordinator: (groupId: string) => void,
): void {
  for (const r of response.results) {
    if (r.errorCode !== ErrorCode.NONE) {
      // v3+ (Kafka 4.4) carries the broker's reason for a failed deletion.
      reportGroupError(report, r.groupId, r.errorCode, r.errorMessage, apiKey, coordinator, () =>
        invalidateCoordinator(r.groupId),
      )
    } else {
      report.ok(r.groupId, r.groupId)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Operations (run by executor.ts)

function checkGroupIds(groupIds: readonly string[]): void {
  for (const g of groupIds) requireNonEmptyString(g, 'group id')
  requireUnique(groupIds, 'group id')
}

const groupLabel = (g: string) => `group ${g}`

/** ListGroups on every broker (each lists the groups it coordinates), merged and sorted by id. */
export function listGroupsCall(options: ListGroupsOptions): CompositeCall<GroupListing[]> {
  return {
    name: 'listGroups',
    async run(ctx) {
      await ctx.refreshMetadata()
      const nodes = [...ctx.cluster.brokers.keys()].map(String)
      const outcome = await ctx.execute(
        operation({
          name: 'listGroups',
          itemKind: 'brokers',
          api: Apis.ListGroups,
          route: 'broker',
          node: (_item, key) => Number(key),
          items: new Map(nodes.map((k) => [k, k])),
          build: () => buildListGroupsRequest(options),
          handle: (response, report: RoundReport<GroupListing[]>, ctx) => {
            if (response.errorCode !== ErrorCode.NONE) {
              const error = brokerError(response.errorCode, `broker ${ctx.node}`, {
                apiKey: ctx.apiKey,
                broker: ctx.node,
              })
              report.failAll(ctx.keys, error, error.retriable)
            } else {
              report.ok(ctx.keys[0]!, groupListings(response))
            }
          },
        }),
      )
      const merged = mergeGroupListings([...outcome.results.values()])
      if (outcome.errors.size > 0) {
        throw new AdminAggregateError<GroupListing>(
          'listGroups',
          'brokers',
          [...outcome.errors].map(([k, error]) => ({ label: `broker ${k}`, error })),
          merged.map((g) => ({ label: g.groupId, value: g })),
        )
      }
      return merged
    },
  }
}

export function describeGroupsOperation(groupIds: readonly string[]) {
  checkGroupIds(groupIds)
  return operation({
    name: 'describeGroups',
    itemKind: 'groups',
    api: Apis.ConsumerGroupDescribe,
    route: 'coordinator',
    items: new Map(groupIds.map((g) => [g, g])),
    itemName: groupLabel,
    build: (groups) => ({ groupIds: [...groups], includeAuthorizedOperations: false }),
    handle: (response, report: RoundReport<GroupDescription>, ctx) =>
      handleConsumerGroupDescribeResponse(response, report, ctx.apiKey, ctx.node, ctx.invalidateCoordinator),
    // Classic groups (and brokers without ConsumerGroupDescribe).
    next: request({
      api: Apis.DescribeGroups,
      build: (groups: readonly string[]) => ({ groups: [...groups], includeAuthorizedOperations: false }),
      handle: (response, report: RoundReport<GroupDescription>, ctx) =>
        handleDescribeGroupsResponse(response, report, ctx.apiKey, ctx.node, ctx.invalidateCoordinator),
    }),
  })
}

export function deleteGroupsOperation(groupIds: readonly string[]) {
  checkGroupIds(groupIds)
  return operation({
    name: 'deleteGroups',
    itemKind: 'groups',
    api: Apis.DeleteGroups,
    route: 'coordinator',
    items: new Map(groupIds.map((g) => [g, g])),
    itemName: groupLabel,
    build: (groups) => ({ groupsNames: [...groups] }),
    handle: (response, report: RoundReport<string>, ctx) =>
      handleDeleteGroupsResponse(response, report, ctx.apiKey, ctx.node, ctx.invalidateCoordinator),
    result: () => undefined,
  })
}

/**
 * Partition reassignment calls: AlterPartitionReassignments (start or cancel moving partitions to
 * other replicas) and ListPartitionReassignments (those in progress). Both go to the controller
 * (in KRaft: any broker, which forwards), as in Java's KafkaAdminClient; a controller move
 * (NOT_CONTROLLER) is retried after a metadata refresh.
 */

import { ErrorCode } from '../error-codes.js'
import { brokerError } from '../errors.js'
import { Apis } from '../protocol/index.js'
import { byTopic, controllerRetry, invalidArgument, reportError, tpKey, tpName } from './common.js'
import { type RoundReport, settle } from './driver.js'
import { validatePartitions } from './offsets.js'
import { operation, singleOperation } from './operation.js'
import type {
  AlterPartitionReassignmentsOptions,
  PartitionReassignment,
  PartitionReassignmentRequest,
  TopicPartitionRef,
} from './types.js'

function validateReplicas(item: PartitionReassignmentRequest): void {
  if (item.replicas === null) return
  if (
    !Array.isArray(item.replicas) ||
    item.replicas.length === 0 ||
    item.replicas.some((r) => !Number.isInteger(r) || r < 0)
  ) {
    throw invalidArgument(
      `PartitionReassignmentRequest.replicas of ${item.topic}-${item.partition} must be a non-empty array of broker ids (or null to cancel)`,
    )
  }
}

/**
 * Starts the reassignment of each partition to `replicas` (the first one the preferred leader), or
 * cancels the one in progress (`replicas: null`). Resolves once the controller accepted them all
 * (the data moves in the background: see listPartitionReassignments); otherwise rejects with an
 * AdminAggregateError naming each partition that failed (e.g. NO_REASSIGNMENT_IN_PROGRESS).
 */
export function alterPartitionReassignmentsOperation(
  items: readonly PartitionReassignmentRequest[],
  options: AlterPartitionReassignmentsOptions,
) {
  validatePartitions(items, 'PartitionReassignmentRequest')
  for (const item of items) validateReplicas(item)
  const byKey = new Map(items.map((i) => [tpKey(i.topic, i.partition), i]))
  return operation({
    name: 'alterPartitionReassignments',
    itemKind: 'partitions',
    api: Apis.AlterPartitionReassignments,
    route: 'controller',
    items: byKey,
    itemName: tpName,
    build: (list, ctx) => ({
      timeoutMs: ctx.timeoutMs,
      allowReplicationFactorChange: options.allowReplicationFactorChange ?? true,
      topics: [...byTopic(list)].map(([name, parts]) => ({
        name,
        partitions: parts.map((p) => ({
          partitionIndex: p.partition,
          replicas: p.replicas === null ? null : [...p.replicas],
        })),
      })),
    }),
    handle: (response, report: RoundReport<undefined>, ctx) => {
      if (response.errorCode !== ErrorCode.NONE) {
        // A request-level error (e.g. NOT_CONTROLLER, CLUSTER_AUTHORIZATION_FAILED) is every partition's.
        for (const key of ctx.keys) {
          const { topic, partition } = tpName(key)
          reportError(
            report,
            key,
            response.errorCode,
            response.errorMessage,
            { topic, partition, apiKey: ctx.apiKey },
            controllerRetry(response.errorCode),
          )
        }
        return
      }
      for (const t of response.responses) {
        for (const p of t.partitions) {
          const key = tpKey(t.name, p.partitionIndex)
          if (p.errorCode === ErrorCode.NONE) report.ok(key, undefined)
          else
            reportError(
              report,
              key,
              p.errorCode,
              p.errorMessage,
              { topic: t.name, partition: p.partitionIndex, apiKey: ctx.apiKey },
              controllerRetry(p.errorCode),
            )
        }
      }
    },
    finish: (outcome) => {
      settle('alterPartitionReassignments', 'partitions', [...byKey.keys()], outcome, tpName)
    },
    result: () => undefined,
  })
}

/**
 * The reassignments in progress: of every partition (`partitions` null/undefined) or of these.
 * A partition without one (or that does not exist) is left out, as the broker does.
 */
export function listPartitionReassignmentsOperation(partitions: readonly TopicPartitionRef[] | null | undefined) {
  if (partitions !== null && partitions !== undefined) validatePartitions(partitions, 'TopicPartitionRef')
  return singleOperation({
    name: 'listPartitionReassignments',
    api: Apis.ListPartitionReassignments,
    route: 'controller',
    build: (_items, ctx) => ({
      timeoutMs: ctx.timeoutMs,
      topics:
        partitions === null || partitions === undefined
          ? null
          : [...byTopic(partitions)].map(([name, parts]) => ({
              name,
              partitionIndexes: parts.map((p) => p.partition),
            })),
    }),
    handle: (response, report: RoundReport<PartitionReassignment[]>, ctx) => {
      if (response.errorCode !== ErrorCode.NONE) {
        const error = brokerError(response.errorCode, response.errorMessage, { apiKey: ctx.apiKey, broker: ctx.node })
        if (controllerRetry(response.errorCode) === 'no') report.fail('call', error)
        else {
          report.retry('call', error)
          report.refreshMetadata = true
        }
        return
      }
      const result: PartitionReassignment[] = []
      for (const t of response.topics) {
        for (const p of t.partitions) {
          result.push({
            topic: t.name,
            partition: p.partitionIndex,
            replicas: p.replicas,
            addingReplicas: p.addingReplicas,
            removingReplicas: p.removingReplicas,
          })
        }
      }
      result.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
      report.ok('call', result)
    },
  })
}

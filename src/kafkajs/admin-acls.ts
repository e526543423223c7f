/**
 * kafkajs Admin: ACLs (createAcls, describeAcls, deleteAcls) with kafkajs's numeric enums, and
 * partition reassignments (alterPartitionReassignments, listPartitionReassignments), on
 * kafka-wire's Admin.
 *
 * Owner: kafka-wire/kafkajs admin.
 */
import { type AclBinding, type AclBindingFilter, AdminAggregateError } from '../admin/index.js'
import { KafkaError } from '../errors.js'
import {
  type AclOperationTypes,
  type AclPermissionTypes,
  type AclResourceTypes,
  aclOperations,
  aclPatternTypes,
  aclPermissionTypes,
  aclResourceTypes,
  type ResourcePatternTypes,
} from './admin-enums.js'
import { type AdminScope, check, itemErrors, kjs, protocolError } from './admin-support.js'
import type { ReplicaAssignment } from './admin-topics.js'
import { KafkaJSAggregateError, KafkaJSAlterPartitionReassignmentsError } from './errors.js'

export interface Acl {
  principal: string
  host: string
  operation: AclOperationTypes
  permissionType: AclPermissionTypes
}

export interface AclResource {
  resourceType: AclResourceTypes
  resourceName: string
  resourcePatternType: ResourcePatternTypes
}

export type AclEntry = Acl & AclResource

export type DescribeAclResource = AclResource & { acls: Acl[] }

export interface DescribeAclResponse {
  throttleTime: number
  errorCode: number
  errorMessage?: string
  resources: DescribeAclResource[]
}

export interface AclFilter {
  resourceType: AclResourceTypes
  resourceName?: string
  resourcePatternType: ResourcePatternTypes
  principal?: string
  host?: string
  operation: AclOperationTypes
  permissionType: AclPermissionTypes
}

export interface MatchingAcl {
  errorCode: number
  errorMessage?: string
  resourceType: AclResourceTypes
  resourceName: string
  resourcePatternType: ResourcePatternTypes
  principal: string
  host: string
  operation: AclOperationTypes
  permissionType: AclPermissionTypes
}

export interface DeleteAclFilterResponses {
  errorCode: number
  errorMessage?: string
  matchingAcls: MatchingAcl[]
}

export interface DeleteAclResponse {
  throttleTime: number
  filterResponses: DeleteAclFilterResponses[]
}

export interface PartitionReassignment {
  topic: string
  partitionAssignment: Array<ReplicaAssignment>
}

export type TopicPartitions = { topic: string; partitions: number[] }

export interface OngoingPartitionReassignment {
  partitionIndex: number
  replicas: number[]
  addingReplicas?: number[]
  removingReplicas?: number[]
}

export interface OngoingTopicReassignment {
  topic: string
  partitions: OngoingPartitionReassignment[]
}

export interface ListPartitionReassignmentsResponse {
  topics: OngoingTopicReassignment[]
}

/** kafkajs's checks of ACL entries and filters, in its order and words. */
function validateAcls(list: (AclEntry | AclFilter)[], what: 'ACL' | 'ACL Filter', strict: boolean): void {
  const isString = (v: unknown) => typeof v === 'string' || (!strict && v === undefined)
  check(
    list.every(({ principal }) => isString(principal)),
    `Invalid ${what} array, the principals have to be a valid string`,
  )
  check(
    list.every(({ host }) => isString(host)),
    `Invalid ${what} array, the hosts have to be a valid string`,
  )
  check(
    list.every(({ resourceName }) => isString(resourceName)),
    `Invalid ${what} array, the resourceNames have to be a valid string`,
  )
  let invalid = list.find((i) => !aclOperations.valid(i.operation))
  check(!invalid, `Invalid operation type ${invalid?.operation}: ${JSON.stringify(invalid)}`)
  invalid = list.find((i) => !aclPatternTypes.valid(i.resourcePatternType))
  check(!invalid, `Invalid resource pattern type ${invalid?.resourcePatternType}: ${JSON.stringify(invalid)}`)
  invalid = list.find((i) => !aclPermissionTypes.valid(i.permissionType))
  check(!invalid, `Invalid permission type ${invalid?.permissionType}: ${JSON.stringify(invalid)}`)
  invalid = list.find((i) => !aclResourceTypes.valid(i.resourceType))
  check(!invalid, `Invalid resource type ${invalid?.resourceType}: ${JSON.stringify(invalid)}`)
}

function nativeFilter(f: AclFilter): AclBindingFilter {
  return {
    resourceType: aclResourceTypes.name(f.resourceType),
    resourceName: f.resourceName ?? null,
    patternType: aclPatternTypes.name(f.resourcePatternType),
    principal: f.principal ?? null,
    host: f.host ?? null,
    operation: aclOperations.name(f.operation),
    permissionType: aclPermissionTypes.name(f.permissionType),
  }
}

function matchingAcl(b: AclBinding): MatchingAcl {
  return {
    errorCode: 0,
    errorMessage: null as unknown as string,
    resourceType: aclResourceTypes.code(b.resourceType) as AclResourceTypes,
    resourceName: b.resourceName,
    resourcePatternType: aclPatternTypes.code(b.patternType) as ResourcePatternTypes,
    principal: b.principal,
    host: b.host,
    operation: aclOperations.code(b.operation) as AclOperationTypes,
    permissionType: aclPermissionTypes.code(b.permissionType) as AclPermissionTypes,
  }
}

export async function createAcls(scope: AdminScope, request: { acl: AclEntry[] }): Promise<boolean> {
  const { acl } = request ?? ({} as { acl: AclEntry[] })
  check(acl && Array.isArray(acl), `Invalid ACL array ${acl}`)
  check(acl.length > 0, 'Empty ACL array')
  validateAcls(acl, 'ACL', true)
  const admin = await scope.native()
  try {
    await admin.createAcls(
      acl.map((a) => ({
        resourceType: aclResourceTypes.name(a.resourceType),
        resourceName: a.resourceName,
        patternType: aclPatternTypes.name(a.resourcePatternType),
        principal: a.principal,
        host: a.host,
        operation: aclOperations.name(a.operation),
        permissionType: aclPermissionTypes.name(a.permissionType),
      })),
      scope.callOptions(),
    )
  } catch (e) {
    throw kjs(itemErrors(e)[0])
  }
  return true
}

/** The ACLs matching the filter, grouped by resource. */
export async function describeAcls(scope: AdminScope, filter: AclFilter): Promise<DescribeAclResponse> {
  const f = filter ?? ({} as AclFilter)
  check(
    typeof f.principal === 'string' || f.principal === undefined,
    'Invalid principal, the principal have to be a valid string',
  )
  check(typeof f.host === 'string' || f.host === undefined, 'Invalid host, the host have to be a valid string')
  check(
    typeof f.resourceName === 'string' || f.resourceName === undefined,
    'Invalid resourceName, the resourceName have to be a valid string',
  )
  check(aclOperations.valid(f.operation), `Invalid operation type ${f.operation}`)
  check(aclPatternTypes.valid(f.resourcePatternType), `Invalid resource pattern filter type ${f.resourcePatternType}`)
  check(aclPermissionTypes.valid(f.permissionType), `Invalid permission type ${f.permissionType}`)
  check(aclResourceTypes.valid(f.resourceType), `Invalid resource type ${f.resourceType}`)
  const admin = await scope.native()
  let bindings: AclBinding[]
  try {
    bindings = await admin.describeAcls(nativeFilter(f), scope.callOptions())
  } catch (e) {
    throw kjs(itemErrors(e)[0])
  }
  const resources = new Map<string, DescribeAclResource>()
  for (const b of bindings) {
    const m = matchingAcl(b)
    const key = `${m.resourceType}\0${m.resourceName}\0${m.resourcePatternType}`
    const resource = resources.get(key) ?? {
      resourceType: m.resourceType,
      resourceName: m.resourceName,
      resourcePatternType: m.resourcePatternType,
      acls: [],
    }
    resource.acls.push({
      principal: m.principal,
      host: m.host,
      operation: m.operation,
      permissionType: m.permissionType,
    })
    resources.set(key, resource)
  }
  return { resources: [...resources.values()] } as DescribeAclResponse
}

/** Deletes the ACLs matching each filter; resolves with what each matched. */
export async function deleteAcls(scope: AdminScope, request: { filters: AclFilter[] }): Promise<DeleteAclResponse> {
  const { filters } = request ?? ({} as { filters: AclFilter[] })
  check(filters && Array.isArray(filters), `Invalid ACL Filter array ${filters}`)
  check(filters.length > 0, 'Empty ACL Filter array')
  validateAcls(filters, 'ACL Filter', false)
  const admin = await scope.native()
  try {
    const results = await admin.deleteAcls(filters.map(nativeFilter), scope.callOptions())
    return {
      filterResponses: results.map((r) => ({
        errorCode: 0,
        errorMessage: null as unknown as string,
        matchingAcls: r.deleted.map(matchingAcl),
      })),
    } as DeleteAclResponse
  } catch (e) {
    throw kjs(itemErrors(e)[0])
  }
}

function validateTopicNames(topics: { topic: string }[]): void {
  check(
    topics.every(({ topic }) => typeof topic === 'string'),
    'Invalid topics array, the topic names have to be a valid string',
  )
  check(
    new Set(topics.map(({ topic }) => topic)).size === topics.length,
    'Invalid topics array, it cannot have multiple entries for the same topic',
  )
}

/**
 * Starts moving partitions to other replicas. Partition errors reject with KafkaJSAggregateError
 * of KafkaJSAlterPartitionReassignmentsError (each with `topic` and `partition`).
 */
export async function alterPartitionReassignments(
  scope: AdminScope,
  request: { topics: PartitionReassignment[]; timeout?: number },
): Promise<void> {
  const { topics } = request ?? ({} as { topics: PartitionReassignment[] })
  check(topics && Array.isArray(topics), `Invalid topics array ${topics}`)
  validateTopicNames(topics)
  for (const { topic, partitionAssignment } of topics) {
    check(
      partitionAssignment && Array.isArray(partitionAssignment),
      `Invalid partitions array: ${partitionAssignment} for topic: ${topic}`,
    )
    for (const { partition, replicas } of partitionAssignment) {
      check(
        typeof partition === 'number' && partition >= 0,
        `Invalid partitions index: ${partition} for topic: ${topic}`,
      )
      check(
        replicas && Array.isArray(replicas),
        `Invalid replica assignment: ${replicas} for topic: ${topic} on partition: ${partition}`,
      )
      check(
        replicas.every((r) => typeof r === 'number' && r >= 0),
        `Invalid replica assignment: ${replicas} for topic: ${topic} on partition: ${partition}. Replicas must be a non negative number`,
      )
    }
  }
  const admin = await scope.native()
  try {
    await admin.alterPartitionReassignments(
      topics.flatMap(({ topic, partitionAssignment }) =>
        partitionAssignment.map(({ partition, replicas }) => ({ topic, partition, replicas })),
      ),
      scope.callOptions(),
    )
  } catch (e) {
    if (!(e instanceof AdminAggregateError)) throw kjs(e)
    throw new KafkaJSAggregateError(
      'Errors altering partition reassignments',
      e.errors.map((error) => {
        const where = error instanceof KafkaError ? error : undefined
        return new KafkaJSAlterPartitionReassignmentsError(protocolError(error), where?.topic, where?.partition)
      }),
    )
  }
}

/** The reassignments in progress (of every partition, or of `topics`' listed partitions), by topic. */
export async function listPartitionReassignments(
  scope: AdminScope,
  request: { topics?: TopicPartitions[]; timeout?: number } = {},
): Promise<ListPartitionReassignmentsResponse> {
  const topics = request?.topics ?? null
  if (topics) {
    check(Array.isArray(topics), `Invalid topics array ${topics}`)
    validateTopicNames(topics)
    for (const { topic, partitions } of topics) {
      check(partitions && Array.isArray(partitions), `Invalid partition array: ${partitions} for topic: ${topic}`)
      check(
        partitions.every((p) => typeof p === 'number' && p >= 0),
        `Invalid partition array: ${partitions} for topic: ${topic}. The partition indices have to be a valid number greater than 0.`,
      )
    }
  }
  const admin = await scope.native()
  try {
    const ongoing = await admin.listPartitionReassignments(
      topics === null
        ? null
        : topics.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition }))),
      scope.callOptions(),
    )
    const byTopic = new Map<string, OngoingPartitionReassignment[]>()
    for (const r of ongoing) {
      const list = byTopic.get(r.topic) ?? []
      list.push({
        partitionIndex: r.partition,
        replicas: r.replicas,
        addingReplicas: r.addingReplicas,
        removingReplicas: r.removingReplicas,
      })
      byTopic.set(r.topic, list)
    }
    return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) }
  } catch (e) {
    throw kjs(e)
  }
}

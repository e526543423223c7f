/**
 * kafkajs Admin: configs and groups (describeConfigs, alterConfigs, listGroups, describeGroups,
 * deleteGroups), in kafkajs 2.2.4's wire-like shapes (numeric enums, `errorCode` fields, member
 * metadata and assignment as consumer-protocol buffers), on kafka-wire's Admin.
 *
 * Owner: kafka-wire/kafkajs admin.
 */
import {
  AdminAggregateError,
  type ConfigResourceDescription,
  type GroupDescription as NativeGroupDescription,
} from '../admin/index.js'
import { ERROR_CODE_BY_NAME } from '../error-codes.js'
import { type ConfigResourceTypes, type ConfigSource, configResourceTypes, configSources } from './admin-enums.js'
import { type AdminScope, check, codeOf, itemErrors, kjs, protocolError } from './admin-support.js'
import { KafkaJSDeleteGroupsError, type KafkaJSProtocolError } from './errors.js'

export interface ResourceConfigQuery {
  type: ConfigResourceTypes
  name: string
  configNames?: string[]
}

export interface ConfigSynonyms {
  configName: string
  configValue: string
  configSource: ConfigSource
}

export interface ConfigEntries {
  configName: string
  configValue: string
  isDefault: boolean
  configSource: ConfigSource
  isSensitive: boolean
  readOnly: boolean
  configSynonyms: ConfigSynonyms[]
}

export interface DescribeConfigResponse {
  resources: {
    configEntries: ConfigEntries[]
    errorCode: number
    errorMessage: string
    resourceName: string
    resourceType: ConfigResourceTypes
  }[]
  throttleTime: number
}

export interface IResourceConfig {
  type: ConfigResourceTypes
  name: string
  configEntries: { name: string; value: string }[]
}

export type GroupOverview = { groupId: string; protocolType: string }

export type MemberDescription = {
  clientHost: string
  clientId: string
  memberId: string
  memberAssignment: Buffer
  memberMetadata: Buffer
}

export type ConsumerGroupState = 'Unknown' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' | 'Empty'

export type GroupDescription = {
  groupId: string
  members: MemberDescription[]
  protocol: string
  protocolType: string
  state: ConsumerGroupState
}

export type GroupDescriptions = { groups: GroupDescription[] }

export type DeleteGroupsResult = { groupId: string; errorCode?: number; error?: KafkaJSProtocolError }

function validateResources(resources: unknown): asserts resources is { type: number; name: string }[] {
  check(resources && Array.isArray(resources), `Invalid resources array ${resources}`)
  check(resources.length > 0, 'Resources array cannot be empty')
  const invalidType = resources.find((r) => !configResourceTypes.valid(r?.type))
  check(!invalidType, `Invalid resource type ${invalidType?.type}: ${JSON.stringify(invalidType)}`)
  const invalidName = resources.find((r) => !r.name || typeof r.name !== 'string')
  check(!invalidName, `Invalid resource name ${invalidName?.name}: ${JSON.stringify(invalidName)}`)
}

function configResource(d: ConfigResourceDescription) {
  return {
    errorCode: 0,
    errorMessage: '',
    resourceType: configResourceTypes.code(d.type) as ConfigResourceTypes,
    resourceName: d.name,
    configEntries: Object.values(d.configs).map(
      (c): ConfigEntries => ({
        configName: c.name,
        configValue: c.value as string,
        readOnly: c.readOnly,
        isDefault: c.isDefault,
        configSource: configSources.code(c.source) as ConfigSource,
        isSensitive: c.sensitive,
        configSynonyms: c.synonyms.map((s) => ({
          configName: s.name,
          configValue: s.value as string,
          configSource: configSources.code(s.source) as ConfigSource,
        })),
      }),
    ),
  }
}

/** The configs of topics and brokers; the first resource error rejects as a KafkaJSProtocolError. */
export async function describeConfigs(
  scope: AdminScope,
  request: { resources: ResourceConfigQuery[]; includeSynonyms?: boolean },
): Promise<DescribeConfigResponse> {
  const { resources, includeSynonyms = false } = request ?? ({} as { resources: ResourceConfigQuery[] })
  validateResources(resources)
  const invalidConfigs = resources.find((r) => !Array.isArray(r.configNames) && r.configNames != null)
  check(
    !invalidConfigs,
    `Invalid resource configNames ${invalidConfigs?.configNames}: ${JSON.stringify(invalidConfigs)}`,
  )
  const admin = await scope.native()
  try {
    const described = await admin.describeConfigs(
      resources.map((r) => ({
        type: configResourceTypes.name(r.type),
        name: r.name,
        ...(r.configNames && r.configNames.length > 0 ? { configNames: r.configNames } : {}),
      })),
      { includeSynonyms, ...scope.callOptions() },
    )
    return { resources: described.map(configResource) } as DescribeConfigResponse
  } catch (e) {
    throw kjs(itemErrors(e)[0])
  }
}

/**
 * Sets config entries of topics and brokers (IncrementalAlterConfigs 'set': entries not named
 * keep their values — see docs/migrating-from-kafkajs.md).
 */
export async function alterConfigs(
  scope: AdminScope,
  request: { validateOnly?: boolean; resources: IResourceConfig[] },
): Promise<any> {
  const { resources, validateOnly = false } = request ?? ({} as { resources: IResourceConfig[] })
  validateResources(resources)
  const invalidConfigs = resources.find((r) => !Array.isArray(r.configEntries))
  check(
    !invalidConfigs,
    `Invalid resource configEntries ${invalidConfigs?.configEntries}: ${JSON.stringify(invalidConfigs)}`,
  )
  const invalidValue = resources.find((r) =>
    r.configEntries.some((e) => typeof e.name !== 'string' || typeof e.value !== 'string'),
  )
  check(!invalidValue, `Invalid resource config value: ${JSON.stringify(invalidValue)}`)
  const admin = await scope.native()
  try {
    await admin.incrementalAlterConfigs(
      resources.map((r) => ({
        type: configResourceTypes.name(r.type),
        name: r.name,
        ops: r.configEntries.map((e) => ({ name: e.name, value: e.value, op: 'set' as const })),
      })),
      { validateOnly, ...scope.callOptions() },
    )
  } catch (e) {
    throw kjs(itemErrors(e)[0])
  }
  return {
    resources: resources.map((r) => ({ errorCode: 0, errorMessage: null, resourceType: r.type, resourceName: r.name })),
  }
}

export async function listGroups(scope: AdminScope): Promise<{ groups: GroupOverview[] }> {
  const admin = await scope.native()
  try {
    const groups = await admin.listGroups(scope.callOptions())
    return { groups: groups.map(({ groupId, protocolType }) => ({ groupId, protocolType })) }
  } catch (e) {
    throw kjs(itemErrors(e)[0])
  }
}

/**
 * Consumer-protocol bytes as kafkajs's AssignerProtocol writes them (version 0, empty user data):
 * kafkajs hands members' metadata and assignment out raw, and applications decode them with
 * AssignerProtocol. (Written here: src/kafkajs builds on the clients, not on protocol/.)
 */
class ConsumerProtocolWriter {
  readonly #chunks: Buffer[] = []

  int16(n: number): this {
    const b = Buffer.alloc(2)
    b.writeInt16BE(n)
    this.#chunks.push(b)
    return this
  }

  int32(n: number): this {
    const b = Buffer.alloc(4)
    b.writeInt32BE(n)
    this.#chunks.push(b)
    return this
  }

  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8')
    this.int16(bytes.length)
    this.#chunks.push(bytes)
    return this
  }

  emptyBytes(): this {
    return this.int32(0)
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks)
  }
}

function memberMetadata(topics: readonly string[]): Buffer {
  const w = new ConsumerProtocolWriter().int16(0).int32(topics.length)
  for (const t of topics) w.string(t)
  return w.emptyBytes().toBuffer()
}

function memberAssignment(assignment: readonly { topic: string; partitions: readonly number[] }[]): Buffer {
  const w = new ConsumerProtocolWriter().int16(0).int32(assignment.length)
  for (const { topic, partitions } of assignment) {
    w.string(topic).int32(partitions.length)
    for (const p of partitions) w.int32(p)
  }
  return w.emptyBytes().toBuffer()
}

function groupDescription(g: NativeGroupDescription): GroupDescription {
  return {
    groupId: g.groupId,
    state: g.state as ConsumerGroupState,
    protocolType: g.protocolType,
    protocol: g.protocol,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      // Re-encoded from what the native admin decoded (the assignor's user data is not kept).
      memberMetadata: g.protocolType === 'consumer' ? memberMetadata(m.subscribedTopics ?? []) : Buffer.alloc(0),
      memberAssignment: g.protocolType === 'consumer' ? memberAssignment(m.assignment) : Buffer.alloc(0),
    })),
  }
}

/** Describes groups; one that does not exist is described as 'Dead' with no members (as the broker answers). */
export async function describeGroups(scope: AdminScope, groupIds: string[]): Promise<GroupDescriptions> {
  const admin = await scope.native()
  let described: NativeGroupDescription[]
  let missing = new Set<string>()
  try {
    described = await admin.describeGroups(groupIds, scope.callOptions())
  } catch (e) {
    if (!(e instanceof AdminAggregateError)) throw kjs(e)
    const failures = e.errors.map((error, i) => ({ error, groupId: e.failed[i]!.replace(/^group /, '') }))
    const other = failures.find((f) => codeOf(f.error) !== 'GROUP_ID_NOT_FOUND')
    if (other) throw kjs(other.error)
    described = e.succeeded as NativeGroupDescription[]
    missing = new Set(failures.map((f) => f.groupId))
  }
  const byId = new Map(described.map((g) => [g.groupId, g]))
  return {
    groups: groupIds.map((groupId) => {
      const g = byId.get(groupId)
      if (g === undefined || missing.has(groupId)) {
        return { errorCode: 0, groupId, state: 'Dead', protocolType: '', protocol: '', members: [] }
      }
      return { errorCode: 0, ...groupDescription(g) }
    }),
  }
}

/**
 * Deletes groups; resolves with `{ groupId, errorCode: 0 }` for each. When some failed (e.g.
 * GROUP_NOT_EMPTY) rejects with KafkaJSDeleteGroupsError whose `groups` name each failure.
 */
export async function deleteGroups(scope: AdminScope, groupIds: string[]): Promise<DeleteGroupsResult[]> {
  check(groupIds && Array.isArray(groupIds), `Invalid groupIds array ${groupIds}`)
  const invalid = groupIds.some((g) => typeof g !== 'string')
  check(!invalid, `Invalid groupId name: ${JSON.stringify(invalid)}`)
  if (groupIds.length === 0) return []
  const admin = await scope.native()
  try {
    await admin.deleteGroups(groupIds, scope.callOptions())
    return groupIds.map((groupId) => ({ groupId, errorCode: 0 }))
  } catch (e) {
    if (!(e instanceof AdminAggregateError)) throw kjs(e)
    const groups = e.errors.map((error, i) => {
      const code = codeOf(error)
      return {
        groupId: e.failed[i]!.replace(/^group /, ''),
        errorCode: code === undefined ? -1 : (ERROR_CODE_BY_NAME.get(code) ?? -1),
        error: protocolError(error),
      }
    })
    throw new KafkaJSDeleteGroupsError('Error in DeleteGroups', groups)
  }
}

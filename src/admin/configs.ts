/**
 * DescribeConfigs and IncrementalAlterConfigs: request building, routing and response mapping.
 *
 * Routing (as Java's admin): a broker or broker-logger resource naming a broker id must go to that
 * broker (it answers from its own configuration); every other resource — topics, groups, client
 * metrics, and the cluster-wide default broker config (name '') — goes to any broker.
 */

import { ErrorCode } from '../error-codes.js'
import { brokerError } from '../errors.js'
import { Apis, type RequestOf, type ResponseOf } from '../protocol/index.js'
import { invalidArgument, requireUnique } from './common.js'
import type { RoundReport } from './driver.js'
import { alterConfigOps, configResourceTypes, configSources, configTypes } from './enums.js'
import { operation } from './operation.js'
import type {
  AlterConfigsResource,
  ConfigEntry,
  ConfigResource,
  ConfigResourceDescription,
  ConfigType,
  DescribeConfigResource,
  IncrementalAlterConfigsOptions,
} from './types.js'

/** Item key of a config resource. */
export function resourceKey(r: ConfigResource): string {
  return `${r.type}:${r.name}`
}

export function resourceLabel(r: ConfigResource): string {
  return r.name === '' ? `${r.type} (cluster default)` : `${r.type} ${r.name}`
}

/** How a resource item is named in errors. */
export function resourceName(r: ConfigResource): { label: string; topic?: string } {
  return r.type === 'topic' ? { label: resourceLabel(r), topic: r.name } : { label: resourceLabel(r) }
}

/** The broker a resource must be sent to, or null for any broker. */
export function resourceNode(r: ConfigResource): number | null {
  if ((r.type === 'broker' || r.type === 'broker-logger') && r.name !== '') {
    const id = Number(r.name)
    if (!Number.isInteger(id) || id < 0) throw invalidArgument(`${r.type} config resource name must be a broker id`)
    return id
  }
  if (r.type === 'broker-logger') throw invalidArgument('broker-logger config resource name must be a broker id')
  return null
}

export function validateResources(resources: readonly ConfigResource[]): void {
  for (const r of resources) {
    configResourceTypes.code(r.type)
    if (typeof r.name !== 'string') throw invalidArgument('ConfigResource.name must be a string')
    resourceNode(r)
  }
  requireUnique(resources.map(resourceKey), 'config resource')
}

export function buildDescribeConfigsRequest(
  resources: readonly DescribeConfigResource[],
  options: { includeSynonyms: boolean; includeDocumentation: boolean },
): RequestOf<typeof Apis.DescribeConfigs> {
  return {
    resources: resources.map((r) => ({
      resourceType: configResourceTypes.code(r.type),
      resourceName: r.name,
      configurationKeys: r.configNames === undefined ? null : [...r.configNames],
    })),
    includeSynonyms: options.includeSynonyms,
    includeDocumentation: options.includeDocumentation,
  }
}

type DescribedConfig = ResponseOf<typeof Apis.DescribeConfigs>['results'][number]['configs'][number]

export function configEntry(c: DescribedConfig): ConfigEntry {
  const source = configSources.name(c.configSource)
  return {
    name: c.name,
    value: c.value,
    source,
    isDefault: source === 'default-config',
    readOnly: c.readOnly,
    sensitive: c.isSensitive,
    type: configTypes.name(c.configType),
    synonyms: (c.synonyms ?? []).map((s) => ({ name: s.name, value: s.value, source: configSources.name(s.source) })),
    documentation: c.documentation ?? null,
  }
}

/**
 * The types of the topic configs (Kafka's LogConfig definitions, 2.x to 4.4, as DescribeConfigs
 * reports them). CreateTopics responses carry no type; Java's admin leaves it UNKNOWN there, which
 * made a new topic's `retention.ms` 'unknown' while describeConfigs says 'long'. A config not
 * listed (a newer broker's) stays 'unknown'.
 */
const TOPIC_CONFIG_TYPES: ReadonlyMap<string, ConfigType> = new Map<string, ConfigType>([
  ['cleanup.policy', 'list'],
  ['compression.gzip.level', 'int'],
  ['compression.lz4.level', 'int'],
  ['compression.type', 'string'],
  ['compression.zstd.level', 'int'],
  ['delete.retention.ms', 'long'],
  ['errors.deadletterqueue.group.enable', 'boolean'],
  ['file.delete.delay.ms', 'long'],
  ['flush.messages', 'long'],
  ['flush.ms', 'long'],
  ['follower.replication.throttled.replicas', 'list'],
  ['index.interval.bytes', 'int'],
  ['leader.replication.throttled.replicas', 'list'],
  ['local.retention.bytes', 'long'],
  ['local.retention.ms', 'long'],
  ['max.compaction.lag.ms', 'long'],
  ['max.decompressed.message.bytes', 'int'],
  ['max.message.bytes', 'int'],
  ['message.downconversion.enable', 'boolean'],
  ['message.format.version', 'string'],
  ['message.timestamp.after.max.ms', 'long'],
  ['message.timestamp.before.max.ms', 'long'],
  ['message.timestamp.difference.max.ms', 'long'],
  ['message.timestamp.type', 'string'],
  ['min.cleanable.dirty.ratio', 'double'],
  ['min.compaction.lag.ms', 'long'],
  ['min.insync.replicas', 'int'],
  ['preallocate', 'boolean'],
  ['remote.copy.lag.bytes', 'long'],
  ['remote.copy.lag.ms', 'long'],
  ['remote.log.copy.disable', 'boolean'],
  ['remote.log.delete.on.disable', 'boolean'],
  ['remote.storage.enable', 'boolean'],
  ['retention.bytes', 'long'],
  ['retention.ms', 'long'],
  ['segment.bytes', 'int'],
  ['segment.index.bytes', 'int'],
  ['segment.jitter.ms', 'long'],
  ['segment.ms', 'long'],
  ['unclean.leader.election.enable', 'boolean'],
])

/** The configs a CreateTopics v5+ response reports for a new topic (no synonyms or docs; the type from TOPIC_CONFIG_TYPES). */
export function configEntryFromCreateTopics(c: {
  name: string
  value: string | null
  readOnly: boolean
  configSource: number
  isSensitive: boolean
}): ConfigEntry {
  const source = configSources.name(c.configSource)
  return {
    name: c.name,
    value: c.value,
    source,
    isDefault: source === 'default-config',
    readOnly: c.readOnly,
    sensitive: c.isSensitive,
    type: TOPIC_CONFIG_TYPES.get(c.name) ?? 'unknown',
    synonyms: [],
    documentation: null,
  }
}

export function handleDescribeConfigsResponse(
  response: ResponseOf<typeof Apis.DescribeConfigs>,
  report: RoundReport<ConfigResourceDescription>,
  apiKey: number,
  broker: number,
): void {
  for (const r of response.results) {
    const resource: ConfigResource = { type: configResourceTypes.name(r.resourceType), name: r.resourceName }
    const key = resourceKey(resource)
    if (r.errorCode !== ErrorCode.NONE) {
      report.fail(key, resourceError(resource, r.errorCode, r.errorMessage, apiKey, broker))
      continue
    }
    const configs: Record<string, ConfigEntry> = {}
    for (const c of r.configs) configs[c.name] = configEntry(c)
    report.ok(key, { ...resource, configs })
  }
}

export function validateAlterResources(resources: readonly AlterConfigsResource[]): void {
  validateResources(resources)
  for (const r of resources) {
    for (const op of r.ops ?? []) {
      const kind = op.op ?? 'set'
      alterConfigOps.code(kind)
      if (kind !== 'delete' && (op.value === undefined || op.value === null)) {
        throw invalidArgument(`config '${op.name}' of ${resourceLabel(r)}: '${kind}' needs a value`)
      }
    }
  }
}

export function buildIncrementalAlterConfigsRequest(
  resources: readonly AlterConfigsResource[],
  validateOnly: boolean,
): RequestOf<typeof Apis.IncrementalAlterConfigs> {
  return {
    resources: resources.map((r) => ({
      resourceType: configResourceTypes.code(r.type),
      resourceName: r.name,
      configs: r.ops.map((op) => ({
        name: op.name,
        configOperation: alterConfigOps.code(op.op ?? 'set'),
        value: (op.op ?? 'set') === 'delete' ? null : (op.value ?? null),
      })),
    })),
    validateOnly,
  }
}

export function handleIncrementalAlterConfigsResponse(
  response: ResponseOf<typeof Apis.IncrementalAlterConfigs>,
  report: RoundReport<ConfigResource>,
  apiKey: number,
  broker: number,
): void {
  for (const r of response.responses) {
    const resource: ConfigResource = { type: configResourceTypes.name(r.resourceType), name: r.resourceName }
    const key = resourceKey(resource)
    if (r.errorCode !== ErrorCode.NONE)
      report.fail(key, resourceError(resource, r.errorCode, r.errorMessage, apiKey, broker))
    else report.ok(key, resource)
  }
}

function resourceError(resource: ConfigResource, code: number, message: string | null, apiKey: number, broker: number) {
  const where = resource.type === 'topic' ? { topic: resource.name, apiKey, broker } : { apiKey, broker }
  const text = resource.type === 'topic' ? message : `${resourceLabel(resource)}${message ? `: ${message}` : ''}`
  return brokerError(code, text, where)
}

// ---------------------------------------------------------------------------------------------
// Operations (run by executor.ts). Broker resources go to that broker, the others to any broker.

export function describeConfigsOperation(
  resources: readonly DescribeConfigResource[],
  flags: { includeSynonyms: boolean; includeDocumentation: boolean },
) {
  validateResources(resources)
  const items = new Map(resources.map((r) => [resourceKey(r), r]))
  return operation({
    name: 'describeConfigs',
    itemKind: 'resources',
    api: Apis.DescribeConfigs,
    route: 'broker',
    node: resourceNode,
    items,
    itemName: (k) => resourceName(items.get(k)!),
    build: (list) => buildDescribeConfigsRequest(list, flags),
    handle: (response, report: RoundReport<ConfigResourceDescription>, ctx) =>
      handleDescribeConfigsResponse(response, report, ctx.apiKey, ctx.node),
  })
}

export function incrementalAlterConfigsOperation(
  resources: readonly AlterConfigsResource[],
  options: IncrementalAlterConfigsOptions,
) {
  validateAlterResources(resources)
  const items = new Map(resources.map((r) => [resourceKey(r), r]))
  return operation({
    name: 'incrementalAlterConfigs',
    itemKind: 'resources',
    api: Apis.IncrementalAlterConfigs,
    route: 'broker',
    node: resourceNode,
    items,
    itemName: (k) => resourceName(items.get(k)!),
    build: (list) => buildIncrementalAlterConfigsRequest(list, options.validateOnly ?? false),
    handle: (response, report: RoundReport<ConfigResource>, ctx) =>
      handleIncrementalAlterConfigsResponse(response, report, ctx.apiKey, ctx.node),
    result: () => undefined,
  })
}

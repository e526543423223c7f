/**
 * Friendly names ↔ Kafka wire codes for the enums the admin API exposes (config resources and
 * sources, ACL resource/pattern/operation/permission types, SCRAM mechanisms). The codes are
 * Kafka's (Java's ConfigResource.Type, ConfigEntry.ConfigSource, AclOperation, ...); the names
 * are the Java enum names in kebab-case.
 */
import { KafkaError } from '../errors.js'
import type {
  AclOperation,
  AclPatternType,
  AclPermissionType,
  AclResourceType,
  AlterConfigOpType,
  ConfigResourceType,
  ConfigSource,
  ConfigType,
  ScramMechanism,
} from './types.js'

/** A two-way table; unknown codes decode to `fallback`, unknown names fail to encode. */
class CodeTable<N extends string> {
  readonly #byName: ReadonlyMap<string, number>
  readonly #byCode: ReadonlyMap<number, N>
  constructor(
    readonly what: string,
    entries: Record<N, number>,
    readonly fallback: N,
  ) {
    this.#byName = new Map(Object.entries(entries) as [string, number][])
    this.#byCode = new Map((Object.entries(entries) as [N, number][]).map(([n, c]) => [c, n]))
  }
  code(name: N): number {
    const code = this.#byName.get(name)
    if (code === undefined) {
      throw new KafkaError(
        `Unknown ${this.what} '${name}' (expected one of: ${[...this.#byName.keys()].join(', ')})`,
        'ERR_INVALID_ARGUMENT',
      )
    }
    return code
  }
  name(code: number): N {
    return this.#byCode.get(code) ?? this.fallback
  }
}

export const configResourceTypes = new CodeTable<ConfigResourceType>(
  'config resource type',
  { unknown: 0, topic: 2, broker: 4, 'broker-logger': 8, 'client-metrics': 16, group: 32 },
  'unknown',
)

export const configSources = new CodeTable<ConfigSource>(
  'config source',
  {
    unknown: 0,
    'dynamic-topic-config': 1,
    'dynamic-broker-config': 2,
    'dynamic-default-broker-config': 3,
    'static-broker-config': 4,
    'default-config': 5,
    'dynamic-broker-logger-config': 6,
    'dynamic-client-metrics-config': 7,
    'dynamic-group-config': 8,
  },
  'unknown',
)

export const configTypes = new CodeTable<ConfigType>(
  'config type',
  {
    unknown: 0,
    boolean: 1,
    string: 2,
    int: 3,
    short: 4,
    long: 5,
    double: 6,
    list: 7,
    class: 8,
    password: 9,
  },
  'unknown',
)

export const alterConfigOps = new CodeTable<AlterConfigOpType>(
  'config operation',
  { set: 0, delete: 1, append: 2, subtract: 3 },
  'set',
)

export const aclResourceTypes = new CodeTable<AclResourceType>(
  'ACL resource type',
  {
    unknown: 0,
    any: 1,
    topic: 2,
    group: 3,
    cluster: 4,
    'transactional-id': 5,
    'delegation-token': 6,
    user: 7,
  },
  'unknown',
)

export const aclPatternTypes = new CodeTable<AclPatternType>(
  'ACL pattern type',
  { unknown: 0, any: 1, match: 2, literal: 3, prefixed: 4 },
  'unknown',
)

export const aclOperations = new CodeTable<AclOperation>(
  'ACL operation',
  {
    unknown: 0,
    any: 1,
    all: 2,
    read: 3,
    write: 4,
    create: 5,
    delete: 6,
    alter: 7,
    describe: 8,
    'cluster-action': 9,
    'describe-configs': 10,
    'alter-configs': 11,
    'idempotent-write': 12,
    'create-tokens': 13,
    'describe-tokens': 14,
    'two-phase-commit': 15,
  },
  'unknown',
)

export const aclPermissionTypes = new CodeTable<AclPermissionType>(
  'ACL permission type',
  { unknown: 0, any: 1, deny: 2, allow: 3 },
  'unknown',
)

/** SCRAM mechanism codes of DescribeUserScramCredentials / AlterUserScramCredentials (0 = unknown). */
export const scramMechanisms = new CodeTable<ScramMechanism | 'unknown'>(
  'SCRAM mechanism',
  { unknown: 0, 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 },
  'unknown',
)

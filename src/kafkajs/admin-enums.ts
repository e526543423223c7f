/**
 * kafkajs's admin enums (the wire codes, as kafkajs exports them) and their translation to and
 * from kafka-wire's names ('topic', 'literal', 'describe-configs', ...).
 *
 * Owner: kafka-wire/kafkajs admin.
 */
import type {
  AclOperation,
  AclPatternType,
  AclPermissionType,
  AclResourceType,
  ConfigResourceType,
  ConfigSource as NativeConfigSource,
} from '../admin/index.js'

type ValueOf<T> = T[keyof T]

export const ConfigResourceTypes = { UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const
export type ConfigResourceTypes = ValueOf<typeof ConfigResourceTypes>

/** kafkajs 1.x's name of the resource types (the ACL resource codes; TOPIC and BROKER coincide with ConfigResourceTypes). @deprecated */
export const ResourceTypes = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
} as const
export type ResourceTypes = ValueOf<typeof ResourceTypes>

export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const
export type ConfigSource = ValueOf<typeof ConfigSource>

export const AclResourceTypes = { ...ResourceTypes } as const
export type AclResourceTypes = ValueOf<typeof AclResourceTypes>

export const AclOperationTypes = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const
export type AclOperationTypes = ValueOf<typeof AclOperationTypes>

export const AclPermissionTypes = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const
export type AclPermissionTypes = ValueOf<typeof AclPermissionTypes>

export const ResourcePatternTypes = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const
export type ResourcePatternTypes = ValueOf<typeof ResourcePatternTypes>

/** A two-way map between kafkajs's codes and kafka-wire's names (the names: the enum keys in kebab-case). */
class Codes<N extends string> {
  readonly #byCode = new Map<number, N>()
  readonly #byName = new Map<string, number>()

  constructor(table: Record<string, number>, rename: Record<string, N> = {}) {
    for (const [key, code] of Object.entries(table)) {
      const name = (rename[key] ?? key.toLowerCase().replaceAll('_', '-')) as N
      this.#byCode.set(code, name)
      this.#byName.set(name, code)
    }
  }

  valid(code: unknown): code is number {
    return typeof code === 'number' && this.#byCode.has(code)
  }

  name(code: number): N {
    return this.#byCode.get(code) ?? ('unknown' as N)
  }

  code(name: string): number {
    return this.#byName.get(name) ?? 0
  }
}

export const configResourceTypes = new Codes<ConfigResourceType>(ConfigResourceTypes)
export const configSources = new Codes<NativeConfigSource>(ConfigSource, { TOPIC_CONFIG: 'dynamic-topic-config' })
export const aclResourceTypes = new Codes<AclResourceType>(AclResourceTypes)
export const aclOperations = new Codes<AclOperation>(AclOperationTypes)
export const aclPermissionTypes = new Codes<AclPermissionType>(AclPermissionTypes)
export const aclPatternTypes = new Codes<AclPatternType>(ResourcePatternTypes)

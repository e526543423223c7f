// The kafkajs Admin's pieces that need no broker: its enums against kafkajs 2.2.4's own, their
// translation to kafka-wire's names, ACL results in kafkajs's shapes (the shared test broker has no
// authorizer, so the differential tests only see SECURITY_DISABLED), member buffers that kafkajs's
// AssignerProtocol reads, argument checks, and the retry budget.
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import type { AclBinding, Admin, GroupDescription } from '../../../src/admin/index.js'
import { deleteAcls, describeAcls } from '../../../src/kafkajs/admin-acls.js'
import { aclOperations, aclPatternTypes, aclResourceTypes, configSources } from '../../../src/kafkajs/admin-enums.js'
import { describeGroups } from '../../../src/kafkajs/admin-groups.js'
import { type AdminScope, retryBudgetMs } from '../../../src/kafkajs/admin-support.js'
import * as layer from '../../../src/kafkajs/index.js'

const kafkajs = createRequire(import.meta.url)('kafkajs')

/** A scope whose native admin is `native` (only the methods a test calls). */
function scope(native: Partial<Admin>): AdminScope {
  const logger = { info() {}, warn() {}, error() {}, debug() {}, namespace: () => logger, setLogLevel() {} }
  return {
    native: async () => native as Admin,
    context: {} as AdminScope['context'],
    retry: {},
    logger,
    callOptions: () => ({ timeoutMs: 1000 }),
  }
}

const binding = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: 'topic',
  resourceName: 'orders',
  patternType: 'literal',
  principal: 'User:alice',
  host: '*',
  operation: 'read',
  permissionType: 'allow',
  ...over,
})

describe('kafkajs admin enums', () => {
  it('are kafkajs 2.2.4 values', () => {
    for (const name of [
      'ConfigResourceTypes',
      'ConfigSource',
      'AclResourceTypes',
      'AclOperationTypes',
      'AclPermissionTypes',
      'ResourcePatternTypes',
    ]) {
      expect((layer as Record<string, unknown>)[name], name).toEqual(kafkajs[name])
    }
  })

  it('translate to and from kafka-wire names', () => {
    expect(aclResourceTypes.name(layer.AclResourceTypes.TRANSACTIONAL_ID)).toBe('transactional-id')
    expect(aclOperations.name(layer.AclOperationTypes.DESCRIBE_CONFIGS)).toBe('describe-configs')
    expect(aclOperations.code('idempotent-write')).toBe(layer.AclOperationTypes.IDEMPOTENT_WRITE)
    expect(aclPatternTypes.code('prefixed')).toBe(layer.ResourcePatternTypes.PREFIXED)
    expect(configSources.code('dynamic-topic-config')).toBe(layer.ConfigSource.TOPIC_CONFIG)
    expect(configSources.code('default-config')).toBe(layer.ConfigSource.DEFAULT_CONFIG)
    // Names kafkajs has no code for (newer Kafka) read as UNKNOWN.
    expect(aclOperations.code('two-phase-commit')).toBe(layer.AclOperationTypes.UNKNOWN)
    expect(aclOperations.valid(42)).toBe(false)
  })
})

describe('kafkajs admin ACLs', () => {
  const filter = {
    resourceType: layer.AclResourceTypes.ANY,
    resourcePatternType: layer.ResourcePatternTypes.ANY,
    operation: layer.AclOperationTypes.ANY,
    permissionType: layer.AclPermissionTypes.ANY,
  }

  it('describeAcls sends the filter by name and groups the bindings by resource', async () => {
    let sent: unknown
    const native: Partial<Admin> = {
      describeAcls: async (f) => {
        sent = f
        return [
          binding({}),
          binding({ principal: 'User:bob', operation: 'write', permissionType: 'deny' }),
          binding({ resourceType: 'group', resourceName: 'billing', patternType: 'prefixed', host: '10.0.0.1' }),
        ]
      },
    }
    const result = await describeAcls(scope(native), { ...filter, principal: 'User:alice' })
    expect(sent).toEqual({
      resourceType: 'any',
      resourceName: null,
      patternType: 'any',
      principal: 'User:alice',
      host: null,
      operation: 'any',
      permissionType: 'any',
    })
    expect(result).toEqual({
      resources: [
        {
          resourceType: 2,
          resourceName: 'orders',
          resourcePatternType: 3,
          acls: [
            { principal: 'User:alice', host: '*', operation: 3, permissionType: 3 },
            { principal: 'User:bob', host: '*', operation: 4, permissionType: 2 },
          ],
        },
        {
          resourceType: 3,
          resourceName: 'billing',
          resourcePatternType: 4,
          acls: [{ principal: 'User:alice', host: '10.0.0.1', operation: 3, permissionType: 3 }],
        },
      ],
    })
  })

  it('deleteAcls answers each filter with its matching ACLs', async () => {
    const native: Partial<Admin> = {
      deleteAcls: async (filters) => filters.map((f) => ({ filter: f, deleted: [binding({})] })),
    }
    const result = await deleteAcls(scope(native), { filters: [filter] })
    expect(result).toEqual({
      filterResponses: [
        {
          errorCode: 0,
          errorMessage: null,
          matchingAcls: [
            {
              errorCode: 0,
              errorMessage: null,
              resourceType: 2,
              resourceName: 'orders',
              resourcePatternType: 3,
              principal: 'User:alice',
              host: '*',
              operation: 3,
              permissionType: 3,
            },
          ],
        },
      ],
    })
  })

  it('rejects invalid filters with kafkajs errors before calling the admin', async () => {
    const s = scope({})
    await expect(describeAcls(s, { ...filter, operation: 99 as never })).rejects.toMatchObject({
      name: 'KafkaJSNonRetriableError',
      message: 'Invalid operation type 99',
    })
    await expect(deleteAcls(s, { filters: [] })).rejects.toMatchObject({ message: 'Empty ACL Filter array' })
  })
})

describe('kafkajs admin describeGroups', () => {
  it("hands out member metadata and assignment that kafkajs's AssignerProtocol decodes", async () => {
    const group: GroupDescription = {
      groupId: 'g',
      type: 'classic',
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'range',
      coordinator: 1,
      groupEpoch: null,
      assignmentEpoch: null,
      members: [
        {
          memberId: 'm-1',
          groupInstanceId: null,
          clientId: 'c',
          clientHost: '/127.0.0.1',
          assignment: [
            { topic: 'a', partitions: [0, 2] },
            { topic: 'bé', partitions: [1] },
          ],
          targetAssignment: null,
          subscribedTopics: ['a', 'bé'],
          memberEpoch: null,
          rackId: null,
        },
      ],
    }
    const { groups } = await describeGroups(scope({ describeGroups: async () => [group] }), ['g'])
    const [member] = groups[0]!.members
    expect(kafkajs.AssignerProtocol.MemberMetadata.decode(member!.memberMetadata)).toMatchObject({
      version: 0,
      topics: ['a', 'bé'],
    })
    expect(kafkajs.AssignerProtocol.MemberAssignment.decode(member!.memberAssignment)).toMatchObject({
      version: 0,
      assignment: { a: [0, 2], bé: [1] },
    })
  })
})

describe('the retry budget', () => {
  it("is kafkajs's retrier's waits plus one request timeout", () => {
    // 300 + 600 + 1200 + 2400 + 4800 (kafkajs's defaults: 5 retries from 300 ms, doubling).
    expect(retryBudgetMs({})).toBe(9300 + 30_000)
    // Each wait capped by maxRetryTime: 400 + 800 + 800 + 800.
    expect(retryBudgetMs({ retries: 4, initialRetryTime: 400, maxRetryTime: 800 }, 1000)).toBe(2800 + 1000)
    // At least one second of retrying, even without retries.
    expect(retryBudgetMs({ retries: 0 }, 500)).toBe(1000 + 500)
  })
})

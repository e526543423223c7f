// ACL calls. The shared broker has no authorizer (DescribeAcls answers SECURITY_DISABLED); the
// rest runs against a broker of its own with KRaft's StandardAuthorizer (ANONYMOUS — the PLAINTEXT
// principal — is a super user, so the admin may do anything).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type AclBinding, Admin, AdminAggregateError } from '../../../src/admin/index.js'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'
import { eventually, runDocExamples, uniqueName } from './helpers.js'

describe('without an authorizer', () => {
  it('describeAcls reports SECURITY_DISABLED', async () => {
    await using admin = new Admin({ bootstrapServers: inject('kafkaBootstrapServers') })
    await expect(admin.describeAcls()).rejects.toMatchObject({ code: 'SECURITY_DISABLED' })
  })
})

describe('with StandardAuthorizer', () => {
  let kafka: KafkaCluster
  let admin: Admin

  beforeAll(async () => {
    kafka = await startKafka({
      brokerConfig: {
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': 'User:ANONYMOUS',
      },
    })
    admin = new Admin({ bootstrapServers: kafka.bootstrapServers })
  })
  afterAll(async () => {
    await admin?.close()
    await kafka?.stop()
  })

  it('creates, describes and deletes ACLs', async () => {
    const topic = uniqueName('orders')
    expect(await admin.describeAcls({ resourceName: topic })).toEqual([])
    await admin.createAcls([
      {
        resourceType: 'topic',
        resourceName: topic,
        principal: 'User:alice',
        operation: 'read',
        permissionType: 'allow',
      },
      {
        resourceType: 'group',
        resourceName: `${topic}-`,
        patternType: 'prefixed',
        principal: 'User:alice',
        host: '10.0.0.1',
        operation: 'read',
        permissionType: 'allow',
      },
      {
        resourceType: 'topic',
        resourceName: topic,
        principal: 'User:mallory',
        operation: 'all',
        permissionType: 'deny',
      },
    ])
    const read: AclBinding = {
      resourceType: 'topic',
      resourceName: topic,
      patternType: 'literal',
      principal: 'User:alice',
      host: '*',
      operation: 'read',
      permissionType: 'allow',
    }
    await eventually(async () => {
      const alice = await admin.describeAcls({ principal: 'User:alice' })
      expect(alice).toHaveLength(2)
      expect(alice).toContainEqual(read)
      expect(alice).toContainEqual({
        ...read,
        resourceType: 'group',
        resourceName: `${topic}-`,
        patternType: 'prefixed',
        host: '10.0.0.1',
      })
    })
    // 'match' finds every ACL that applies to a resource name: literal, prefixed and wildcard.
    const matching = await admin.describeAcls({
      resourceType: 'group',
      resourceName: `${topic}-x`,
      patternType: 'match',
    })
    expect(matching.map((b) => b.resourceName)).toEqual([`${topic}-`])
    const denied = await admin.describeAcls({ resourceType: 'topic', permissionType: 'deny' })
    expect(denied).toContainEqual({ ...read, principal: 'User:mallory', operation: 'all', permissionType: 'deny' })

    const results = await admin.deleteAcls([
      { principal: 'User:alice', resourceType: 'topic' },
      { principal: 'User:nobody' },
    ])
    expect(results[0]!.deleted).toEqual([read])
    expect(results[1]!.deleted).toEqual([])
    await eventually(async () => {
      expect(await admin.describeAcls({ principal: 'User:alice', resourceType: 'topic' })).toEqual([])
    })
    await admin.deleteAcls([{ resourceName: topic }, { resourceName: `${topic}-` }])
  })

  it('names each binding it could not create', async () => {
    const topic = uniqueName('acl-partial')
    const error = await admin
      .createAcls([
        {
          resourceType: 'topic',
          resourceName: topic,
          principal: 'User:bob',
          operation: 'write',
          permissionType: 'allow',
        },
        {
          resourceType: 'cluster',
          resourceName: 'not-kafka-cluster',
          principal: 'User:bob',
          operation: 'alter',
          permissionType: 'allow',
        },
      ])
      .catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.errors).toHaveLength(1)
    expect(error.errors[0].message).toContain("cluster 'not-kafka-cluster'")
    expect(error.succeeded).toEqual([expect.objectContaining({ resourceName: topic, operation: 'write' })])
    await admin.deleteAcls([{ resourceName: topic }])
  })

  it('runs the ACL example of docs/admin.md', async () => {
    const examples = await runDocExamples('acl', { plaintext: kafka.bootstrapServers })
    expect(examples.blocks).toBe(1)
    await examples.run(admin)
    await admin.deleteAcls([{ principal: 'User:reporting' }])
  })

  it('refuses filter-only values in a binding before sending anything', async () => {
    await expect(
      admin.createAcls([
        { resourceType: 'any', resourceName: 'x', principal: 'User:a', operation: 'read', permissionType: 'allow' },
      ]),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
  })
})

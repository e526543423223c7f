/**
 * Authorization against a broker of its own with KRaft's StandardAuthorizer: the PLAINTEXT
 * principal (ANONYMOUS) is a super user and sets up ACLs; `alice` logs in over SASL_PLAINTEXT
 * with SCRAM and has only the permissions each test grants. Authorization failures surface as
 * typed, non-retried errors naming the resource (a producer does not retry until its delivery
 * timeout), a wrong password does not become a reconnect storm, and nothing the clients print
 * with debug logging on contains a credential (issue #19, security).
 */
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { AuthenticationError, BrokerError, TopicAuthorizationFailedError } from '../../../src/errors.js'
import { Producer, TransactionFatalError } from '../../../src/producer/index.js'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'
import { FaultProxy } from '../../fault/support/fault-proxy.js'
import { uniqueName } from '../producer/helpers.js'

const PASSWORD = 'alice-Secret-7f3a'
const WRONG = 'wrong-Secret-9c1e'

function capturingLogger() {
  const lines: string[] = []
  const log =
    (level: string) =>
    (msg: string, ...args: unknown[]) =>
      lines.push(`${level} ${msg} ${args.map((a) => inspect(a, { depth: 10 })).join(' ')}`)
  return { lines, logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } }
}

describe('with StandardAuthorizer', () => {
  let kafka: KafkaCluster
  let admin: Admin
  let sasl: string
  const printed = capturingLogger()
  const asAlice = (password = PASSWORD) => ({
    bootstrapServers: sasl,
    sasl: { mechanism: 'SCRAM-SHA-512' as const, username: 'alice', password },
    logger: printed.logger,
  })

  beforeAll(async () => {
    kafka = await startKafka({
      provider: 'jvm', // a broker of its own even when KAFKA_BOOTSTRAP_SERVERS names a shared one
      listeners: ['PLAINTEXT', 'SASL_PLAINTEXT'],
      scramUsers: [{ name: 'alice', password: PASSWORD }],
      brokerConfig: {
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': 'User:ANONYMOUS',
      },
    })
    sasl = kafka.listeners.SASL_PLAINTEXT!.bootstrapServers
    admin = new Admin({ bootstrapServers: kafka.bootstrapServers })
  })
  afterAll(async () => {
    await admin?.close()
    await kafka?.stop()
  })

  const allow = (resourceType: 'topic' | 'group' | 'transactional-id', resourceName: string, operation: string) =>
    admin.createAcls([
      { resourceType, resourceName, principal: 'User:alice', operation: operation as 'read', permissionType: 'allow' },
    ])

  it('an idempotent producer without IDEMPOTENT_WRITE fails its sends at once with CLUSTER_AUTHORIZATION_FAILED, not after its delivery timeout', async () => {
    const topic = uniqueName('secret')
    await admin.createTopics([{ topic, numPartitions: 1 }])
    await allow('topic', topic, 'describe') // it may see the topic, not write to it
    const producer = new Producer<string, string>({ ...asAlice(), deliveryTimeoutMs: 120_000 })
    try {
      const started = Date.now()
      const err = await producer.send({ topic, value: 'x' }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(BrokerError)
      expect(err).toMatchObject({ code: 'CLUSTER_AUTHORIZATION_FAILED', retriable: false })
      expect((err as Error).message).toMatch(/IDEMPOTENT_WRITE/)
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      await producer.close()
    }
  })

  it('a producer without WRITE on the topic fails at once with TopicAuthorizationFailedError naming it', async () => {
    const topic = uniqueName('secret')
    await admin.createTopics([{ topic, numPartitions: 1 }])
    await allow('topic', topic, 'describe')
    const producer = new Producer<string, string>({
      ...asAlice(),
      enableIdempotence: false,
      deliveryTimeoutMs: 120_000,
    })
    try {
      const started = Date.now()
      const err = await producer.send({ topic, value: 'x' }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TopicAuthorizationFailedError)
      expect(err).toMatchObject({ code: 'TOPIC_AUTHORIZATION_FAILED', retriable: false })
      expect((err as Error).message).toContain(topic)
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      await producer.close()
    }
  })

  it('a consumer with READ on the topic but not on the group fails poll() with GROUP_AUTHORIZATION_FAILED', async () => {
    const topic = uniqueName('readable')
    const groupId = uniqueName('forbidden-group')
    await admin.createTopics([{ topic, numPartitions: 1 }])
    await allow('topic', topic, 'read')
    const consumer = new Consumer({ ...asAlice(), groupId })
    try {
      consumer.subscribe([topic])
      const started = Date.now()
      const err = await consumer.poll(5000).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(BrokerError)
      expect(err).toMatchObject({ code: 'GROUP_AUTHORIZATION_FAILED', retriable: false })
      expect((err as Error).message).toContain(groupId)
      expect(Date.now() - started).toBeLessThan(15_000)
    } finally {
      await consumer.close()
    }
  })

  it('a transactional producer without WRITE on its transactional id fails initTransactions() with TRANSACTIONAL_ID_AUTHORIZATION_FAILED naming it', async () => {
    const transactionalId = uniqueName('txn')
    const producer = new Producer({ ...asAlice(), transactionalId, maxBlockMs: 20_000 })
    try {
      const started = Date.now()
      const err = await producer.initTransactions().catch((e: unknown) => e)
      // Fatal for this producer (KIP-1050's category), caused by the broker's error.
      expect(err).toBeInstanceOf(TransactionFatalError)
      expect((err as Error).cause).toMatchObject({ code: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', retriable: false })
      expect((err as Error).message).toContain(transactionalId)
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      await producer.close()
    }
  })

  it('an admin without ALTER on the cluster fails createAcls with CLUSTER_AUTHORIZATION_FAILED', async () => {
    const aliceAdmin = new Admin(asAlice())
    try {
      const err = await aliceAdmin
        .createAcls([
          {
            resourceType: 'topic',
            resourceName: 'x',
            principal: 'User:bob',
            operation: 'read',
            permissionType: 'allow',
          },
        ])
        .catch((e: unknown) => e)
      const errors = (err as { errors?: unknown[] }).errors ?? [err]
      expect(errors[0]).toMatchObject({ code: 'CLUSTER_AUTHORIZATION_FAILED', retriable: false })
    } finally {
      await aliceAdmin.close()
    }
  })

  it('a wrong password: AuthenticationError at once, and no reconnect storm while the application keeps trying', async () => {
    const proxy = await FaultProxy.start(sasl)
    const producer = new Producer<string, string>({
      ...asAlice(WRONG),
      bootstrapServers: await proxy.bootstrapServers(),
      maxBlockMs: 2000,
    })
    try {
      const started = Date.now()
      const first = await producer.send({ topic: 'anything', value: 'x' }).catch((e: unknown) => e)
      expect(first).toBeInstanceOf(AuthenticationError)
      expect(Date.now() - started).toBeLessThan(3000)
      // The application retries for 5 s: each send fails fast; the connection attempts stay few.
      const until = Date.now() + 5000
      let failures = 0
      while (Date.now() < until) {
        const err = await producer.send({ topic: 'anything', value: 'x' }).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(AuthenticationError)
        failures++
        await new Promise((r) => setTimeout(r, 100))
      }
      const attempts = [...proxy.accepted.values()].reduce((a, b) => a + b, 0)
      expect(failures).toBeGreaterThan(5)
      expect(attempts).toBeLessThan(20)
      expect(inspect(producer, { depth: 20 })).not.toContain(WRONG)
    } finally {
      await producer.close()
      await proxy.close()
    }
  })

  it('nothing printed by the clients above (debug logging on) contains a password', () => {
    expect(printed.lines.length).toBeGreaterThan(0)
    const all = printed.lines.join('\n')
    expect(all).not.toContain(PASSWORD)
    expect(all).not.toContain(WRONG)
  })
})

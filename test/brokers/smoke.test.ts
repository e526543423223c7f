/**
 * The broker-version matrix (`npm run test:brokers`, scripts/test-brokers.mjs): the same smoke
 * checks against every broker generation the client supports (3.9.1, 4.3.x, 4.4.0, and a
 * ZooKeeper-mode 3.9.1). test/brokers/setup.ts starts one single-node broker of $KAFKA_VERSION.
 *
 * - every codec both ways with the Java tools of the same release;
 * - a consumer group whose member is SIGKILLed: the survivor takes every partition over;
 * - transactions: commit and abort seen through read_committed (TV2 on 4.x, TV1 on 3.9.1);
 * - admin: topics, cluster, configs, groups, offsets;
 * - features a broker generation lacks fail with an error naming the feature and the release
 *   that has it, never with a protocol error.
 */
import { afterAll, describe, expect, inject, it } from 'vitest'
import { Admin } from '../../src/admin/index.js'
import { Cluster, resolveCommonOptions } from '../../src/cluster/index.js'
import { Consumer } from '../../src/consumer/index.js'
import { UnsupportedVersionError } from '../../src/errors.js'
import { Producer } from '../../src/producer/index.js'
import { Apis } from '../../src/protocol/index.js'
import { JAVA_TOOLS, javaTool } from '../../src/testing/index.js'
import { Member, untilBalanced } from '../integration/consumer/members.js'
import { createTopic, readTopic, uniqueName } from '../integration/producer/helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const libDir = inject('kafkaLibDir')
const version = inject('kafkaVersion')
const zookeeper = inject('kafkaZooKeeper')
const major = Number.parseInt(version, 10)

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
const CODE = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const

/** ConsoleConsumer's formatter options: `--formatter-property` from 4.x, `--property` before. */
const formatterOption = major >= 4 ? '--formatter-property' : '--property'

describe(`Kafka ${version}${zookeeper ? ' (ZooKeeper mode)' : ''}`, () => {
  const members: Member[] = []
  afterAll(() => {
    for (const m of members) m.kill()
  })

  it('negotiates a version of every API it needs from ApiVersions', async () => {
    const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
    try {
      await cluster.refreshMetadata({ topics: [] })
      const node = [...cluster.brokers.keys()][0]!
      for (const api of [
        Apis.Produce,
        Apis.Fetch,
        Apis.Metadata,
        Apis.ListOffsets,
        Apis.OffsetCommit,
        Apis.JoinGroup,
      ]) {
        expect(await cluster.versionFor(node, api), api.name).toBeGreaterThanOrEqual(api.minVersion)
      }
    } finally {
      await cluster.close()
    }
  })

  it.each(CODECS)('%s: kafka-wire → Java console consumer, and Java console producer → kafka-wire', async (codec) => {
    const ours = uniqueName(`m-${codec}-ours`)
    const java = uniqueName(`m-${codec}-java`)
    await createTopic(bootstrapServers, ours, 2)
    await createTopic(bootstrapServers, java, 1)
    const n = 300
    const producer = new Producer({ bootstrapServers, compressionType: codec, lingerMs: 10 })
    try {
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          producer.send({ topic: ours, key: `k${i}`, value: `v${i}-${'x'.repeat(i % 30)}` }),
        ),
      )
    } finally {
      await producer.close()
    }
    const written = await readTopic(bootstrapServers, ours, { minRecords: n })
    expect(written.every((r) => r.compression === CODE[codec])).toBe(true)
    const consumed = await javaTool(
      libDir,
      JAVA_TOOLS.consoleConsumer,
      [
        ...['--bootstrap-server', bootstrapServers, '--topic', ours, '--from-beginning'],
        ...['--max-messages', String(n), '--timeout-ms', '30000', formatterOption, 'print.key=true'],
      ],
      { timeoutMs: 120_000 },
    )
    expect(consumed.code, consumed.stderr).toBe(0)
    const lines = consumed.stdout.trim().split('\n').sort()
    expect(lines).toEqual(Array.from({ length: n }, (_, i) => `k${i}\tv${i}-${'x'.repeat(i % 30)}`).sort())

    const input = Array.from({ length: n }, (_, i) => `j${i}\tw${i}`)
    const produced = await javaTool(
      libDir,
      JAVA_TOOLS.consoleProducer,
      [
        ...['--bootstrap-server', bootstrapServers, '--topic', java],
        ...['--producer-property', `compression.type=${codec}`, '--property', 'parse.key=true'],
      ],
      { input: `${input.join('\n')}\n`, timeoutMs: 120_000 },
    )
    expect(produced.code, produced.stderr).toBe(0)
    const consumer = new Consumer({
      bootstrapServers,
      autoOffsetReset: 'earliest',
      keyDeserializer: (b) => b?.toString() ?? null,
      valueDeserializer: (b) => b?.toString() ?? null,
    })
    const got: string[] = []
    try {
      consumer.assign([{ topic: java, partition: 0 }])
      const deadline = Date.now() + 60_000
      while (got.length < n && Date.now() < deadline) {
        for (const r of await consumer.poll(500)) got.push(`${r.key}\t${r.value}`)
      }
    } finally {
      await consumer.close()
    }
    expect(got).toEqual(input)
  })

  it('a consumer group survives a SIGKILLed member: the other member takes its partitions', async () => {
    const topic = uniqueName('m-group')
    const groupId = uniqueName('m-group')
    await createTopic(bootstrapServers, topic, 4)
    const config = { bootstrapServers, groupId, topics: [topic], options: { sessionTimeoutMs: 6000 } }
    const a = new Member('a', config)
    const b = new Member('b', config)
    members.push(a, b)
    await untilBalanced([a, b], 4)
    b.kill()
    await a.until('all 4 partitions', () => a.assignment.length === 4 && a.state?.memberState === 'STABLE', 60_000)
    await a.close()
  })

  // TV2 (KIP-890) where the broker finalized transaction.version 2 (4.x), TV1 before (3.9.1).
  it('transactions: a committed transaction is read by read_committed, an aborted one is not', async () => {
    const topic = uniqueName('m-txn')
    await createTopic(bootstrapServers, topic, 2)
    const producer = new Producer({ bootstrapServers, transactionalId: uniqueName('m-txn-id'), lingerMs: 5 })
    try {
      await producer.initTransactions()
      await producer.transaction(async () => {
        await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic, value: `committed-${i}` })))
      })
      await producer.beginTransaction()
      await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic, value: `aborted-${i}` })))
      await producer.abortTransaction()
      await producer.transaction(async () => {
        await producer.send({ topic, value: 'last' })
      })
    } finally {
      await producer.close()
    }
    const consumer = new Consumer({ bootstrapServers, isolationLevel: 'read_committed', autoOffsetReset: 'earliest' })
    try {
      consumer.assign([
        { topic, partition: 0 },
        { topic, partition: 1 },
      ])
      const values: string[] = []
      const deadline = Date.now() + 60_000
      while (!values.includes('last') && Date.now() < deadline) {
        for (const r of await consumer.poll(500)) values.push(String(r.value))
      }
      expect(values.filter((v) => v.startsWith('aborted'))).toEqual([])
      expect(values.filter((v) => v.startsWith('committed')).sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `committed-${i}`).sort(),
      )
      expect(values).toContain('last')
    } finally {
      await consumer.close()
    }
  })

  it('admin: topics, cluster, configs, groups and offsets', async () => {
    const admin = new Admin({ bootstrapServers })
    try {
      const topic = uniqueName('m-admin')
      await admin.createTopics([
        { topic, numPartitions: 3, replicationFactor: 1, configs: { 'retention.ms': '3600000' } },
      ])
      expect((await admin.listTopics()).map((t) => t.topic)).toContain(topic)
      const [described] = await admin.describeTopics([topic])
      expect(described!.partitions).toHaveLength(3)
      const cluster = await admin.describeCluster()
      expect(cluster.brokers.length).toBe(1)
      const [configs] = await admin.describeConfigs([{ type: 'topic', name: topic, configNames: ['retention.ms'] }])
      expect(JSON.stringify(configs)).toContain('3600000')
      await admin.createPartitions([{ topic, count: 4 }])
      expect((await admin.describeTopics([topic]))[0]!.partitions).toHaveLength(4)

      // A group with committed offsets: listed, its offsets read back, deleted.
      const groupId = uniqueName('m-admin-group')
      const consumer = new Consumer({ bootstrapServers, groupId, enableAutoCommit: false })
      try {
        consumer.assign([{ topic, partition: 0 }])
        await consumer.commitSync([{ topic, partition: 0, offset: 0n }])
      } finally {
        await consumer.close()
      }
      expect((await admin.listGroups()).map((g) => g.groupId)).toContain(groupId)
      const offsets = await admin.listConsumerGroupOffsets(groupId)
      expect(JSON.stringify(offsets, (_, v) => (typeof v === 'bigint' ? String(v) : v))).toContain(topic)
      await admin.deleteGroups([groupId])
      await admin.deleteTopics([topic])
    } finally {
      await admin.close()
    }
  })

  // 3.9.1 (KRaft and ZooKeeper mode alike) announces every API kafka-wire knows but KIP-932's share
  // group APIs (4.0+), KIP-848's ConsumerGroupHeartbeat v0 as early access included (measured): those
  // seven are refused, with a typed error naming each; 4.x brokers refuse none of those. Neither
  // announces KIP-714's telemetry APIs without a telemetry plugin.
  it('every API of the registry negotiates, or is refused with an UnsupportedVersionError naming it', async () => {
    const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
    try {
      await cluster.refreshMetadata({ topics: [] })
      const node = [...cluster.brokers.keys()][0]!
      const refused: string[] = []
      for (const api of Object.values(Apis)) {
        const v = await cluster.versionFor(node, api).catch((e: unknown) => e)
        if (typeof v === 'number') {
          expect(v, api.name).toBeGreaterThanOrEqual(api.minVersion)
          expect(v, api.name).toBeLessThanOrEqual(api.maxVersion)
        } else {
          expect(v, api.name).toBeInstanceOf(UnsupportedVersionError)
          expect(String(v)).toContain(api.name)
          refused.push(api.name)
        }
      }
      const shareApis = Object.values(Apis)
        .map((a) => a.name)
        .filter((n) => n.startsWith('Share') || n.endsWith('ShareGroupOffsets'))
      expect(shareApis).toHaveLength(7)
      // KIP-714's two APIs are advertised only by a broker with a client telemetry plugin in
      // metric.reporters (test/brokers/telemetry.test.ts starts one); these brokers have none.
      const telemetryApis = ['GetTelemetrySubscriptions', 'PushTelemetry']
      const expected = [...(major < 4 ? shareApis : []), ...telemetryApis]
      expect(refused, `Kafka ${version} lacks ${refused.join(', ')}`).toEqual(expected)
    } finally {
      await cluster.close()
    }
  })
})

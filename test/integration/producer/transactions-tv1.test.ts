// Transactions on a TV1 cluster (KIP-890 part 2 off): a single-node broker of our own, started
// with the test kit, whose finalized transaction.version is downgraded to 1 with Kafka's
// FeatureCommand. The producer must read the finalized feature (not the API ranges, which still
// advertise EndTxn v5 and Produce v12+) and use AddPartitionsToTxn / AddOffsetsToTxn, Produce
// ≤ v11, EndTxn ≤ v4, TxnOffsetCommit ≤ v4: a Produce v12 that relied on the implicit add would
// be refused by the broker's transaction verification, so commits showing up prove the TV1 path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TransactionsAdmin } from '../../../src/admin/transactions.js'
import { Cluster, resolveCommonOptions } from '../../../src/cluster/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { Producer } from '../../../src/producer/index.js'
import { ProducerFencedError } from '../../../src/producer/transactions/errors.js'
import { Apis } from '../../../src/protocol/index.js'
import { JAVA_TOOLS, javaTool, type KafkaCluster, startKafka } from '../../../src/testing/index.js'
import { createTopic, uniqueName } from './helpers.js'
import { readAll } from './txn-helpers.js'

const enabled = process.env.KAFKA_WIRE_SKIP_OWN_BROKER !== '1'

describe.skipIf(!enabled)('transactional producer on a transaction.version=1 cluster', () => {
  let kafka: KafkaCluster | undefined
  let bootstrapServers = ''

  beforeAll(async () => {
    kafka = await startKafka({
      provider: 'jvm',
      brokerConfig: {
        'transaction.state.log.replication.factor': '1',
        'transaction.state.log.min.isr': '1',
        'transaction.state.log.num.partitions': '3',
        'offsets.topic.num.partitions': '3',
        'group.initial.rebalance.delay.ms': '0',
      },
    })
    bootstrapServers = kafka.bootstrapServers
    const r = await javaTool(
      kafka,
      JAVA_TOOLS.featureCommand,
      ['--bootstrap-server', bootstrapServers, 'downgrade', '--feature', 'transaction.version=1'],
      { timeoutMs: 120_000 },
    )
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0)
  }, 300_000)

  afterAll(async () => {
    await kafka?.stop()
  }, 120_000)

  it('the cluster finalized transaction.version 1', async () => {
    const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
    try {
      // The downgrade reaches every broker's metadata cache shortly after the tool returns.
      let level = -1
      for (let i = 0; i < 50; i++) {
        const res = await cluster.sendAny(Apis.ApiVersions, { clientSoftwareName: 't', clientSoftwareVersion: '0' })
        level = res.finalizedFeatures.find((f) => f.name === 'transaction.version')?.maxVersionLevel ?? 0
        if (level === 1) break
        await new Promise((r) => setTimeout(r, 200))
      }
      expect(level).toBe(1)
    } finally {
      await cluster.close()
    }
  })

  it('commit and abort with AddPartitionsToTxn: read_committed sees only the committed records', async () => {
    const topic = uniqueName('tv1-vis')
    await createTopic(bootstrapServers, topic, 3)
    const producer = new Producer<string, string>({ bootstrapServers, transactionalId: uniqueName('tv1'), lingerMs: 5 })
    try {
      await producer.initTransactions()
      for (const [step, outcome] of [
        [0, 'commit'],
        [1, 'abort'],
        [2, 'commit'],
      ] as const) {
        producer.beginTransaction()
        const sends = []
        for (let i = 0; i < 6; i++)
          sends.push(producer.send({ topic, partition: i % 3, value: `${step}-${outcome}-${i}` }))
        if (outcome === 'commit') {
          await producer.commitTransaction()
          await Promise.all(sends)
        } else {
          await Promise.allSettled(sends)
          await producer.abortTransaction()
        }
      }
    } finally {
      await producer.close()
    }
    const values = (step: number, outcome: string) => Array.from({ length: 6 }, (_, i) => `${step}-${outcome}-${i}`)
    expect((await readAll(bootstrapServers, topic, 3, 'read_committed')).sort()).toEqual(
      [...values(0, 'commit'), ...values(2, 'commit')].sort(),
    )
    expect((await readAll(bootstrapServers, topic, 3, 'read_uncommitted')).sort()).toEqual(
      [...values(0, 'commit'), ...values(1, 'abort'), ...values(2, 'commit')].sort(),
    )
  }, 120_000)

  it('sendOffsetsToTransaction with AddOffsetsToTxn, and zombie fencing', async () => {
    const input = uniqueName('tv1-in')
    const output = uniqueName('tv1-out')
    await createTopic(bootstrapServers, input, 1)
    await createTopic(bootstrapServers, output, 1)
    const seed = new Producer<string, string>({ bootstrapServers })
    for (let i = 0; i < 3; i++) seed.send({ topic: input, value: `in-${i}` })
    await seed.close()
    const groupId = uniqueName('tv1-g')
    const consumer = new Consumer<string, string>({
      bootstrapServers,
      groupId,
      enableAutoCommit: false,
      autoOffsetReset: 'earliest',
      isolationLevel: 'read_committed',
    })
    const tid = uniqueName('tv1-z')
    const old = new Producer<string, string>({ bootstrapServers, transactionalId: tid })
    const next = new Producer<string, string>({ bootstrapServers, transactionalId: tid })
    const tp = { topic: input, partition: 0 }
    try {
      consumer.subscribe([input])
      let got = 0
      const deadline = Date.now() + 60_000
      while (got < 3 && Date.now() < deadline) got += (await consumer.poll(500)).count
      expect(got).toBe(3)
      await old.initTransactions()
      await old.transaction(async () => {
        old.send({ topic: output, value: 'copied' })
        await old.sendOffsetsToTransaction([{ ...tp, offset: 3n }], consumer.groupMetadata())
      })
      expect((await consumer.committed([tp]))[0]?.offset).toBe(3n)
      old.beginTransaction()
      await old.send({ topic: output, value: 'zombie' })
      await next.initTransactions()
      await expect(old.commitTransaction()).rejects.toBeInstanceOf(ProducerFencedError)
    } finally {
      await old.close()
      await next.close()
      await consumer.close()
    }
    expect(await readAll(bootstrapServers, output, 1, 'read_committed')).toEqual(['copied'])
  }, 180_000)

  // Last: it upgrades the cluster to transaction.version=2.
  it('an upgrade to transaction.version 2 between transactions: the next commit ends in TV1 and bumps the epoch (InitProducerId), then TV2', async () => {
    const topic = uniqueName('tv1-upgrade')
    await createTopic(bootstrapServers, topic, 2)
    const transactionalId = uniqueName('tv1-up')
    // metadataMaxAgeMs is also how long a reading of the finalized features stays fresh.
    const producer = new Producer<string, string>({ bootstrapServers, transactionalId, metadataMaxAgeMs: 100 })
    const admin = new TransactionsAdmin({ bootstrapServers })
    const epoch = async () => (await admin.describeTransactions([transactionalId]))[0]!.producerEpoch
    const commit = async (value: string) => {
      producer.beginTransaction()
      producer.send({ topic, partition: 0, value })
      producer.send({ topic, partition: 1, value })
      await producer.commitTransaction()
      return epoch()
    }
    try {
      await producer.initTransactions()
      const e0 = await epoch()
      expect(await commit('tv1')).toBe(e0) // TV1: EndTxn ≤ v4 keeps the epoch
      const r = await javaTool(
        kafka!,
        JAVA_TOOLS.featureCommand,
        ['--bootstrap-server', bootstrapServers, 'upgrade', '--feature', 'transaction.version=2'],
        { timeoutMs: 120_000 },
      )
      expect(r.code, `${r.stdout}${r.stderr}`).toBe(0)
      expect(await finalizedTransactionVersion(2)).toBe(2)
      // The commit reads the features (stale): this transaction began TV1 and ends so, then the bump.
      expect(await commit('switch')).toBe(e0 + 1)
      // TV2 from now on: EndTxn v5 bumps the epoch at every commit.
      expect(await commit('tv2')).toBe(e0 + 2)
    } finally {
      await producer.close()
      await admin.close()
    }
    expect((await readAll(bootstrapServers, topic, 2, 'read_committed')).sort()).toEqual(
      ['switch', 'switch', 'tv1', 'tv1', 'tv2', 'tv2'].sort(),
    )
  }, 240_000)

  /** Polls ApiVersions until the finalized transaction.version is `level` (the change reaches the broker's cache shortly after the tool returns). */
  async function finalizedTransactionVersion(level: number): Promise<number> {
    const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
    try {
      let seen = -1
      for (let i = 0; i < 50 && seen !== level; i++) {
        const res = await cluster.sendAny(Apis.ApiVersions, { clientSoftwareName: 't', clientSoftwareVersion: '0' })
        seen = res.finalizedFeatures.find((f) => f.name === 'transaction.version')?.maxVersionLevel ?? 0
        if (seen !== level) await new Promise((resolve) => setTimeout(resolve, 200))
      }
      return seen
    } finally {
      await cluster.close()
    }
  }
})

// The transactional producer against the real broker (the shared one has transaction.version=2
// finalized, so these run TV2; transactions-tv1.test.ts runs them on a TV1 broker): commit and
// abort visibility for read_committed and read_uncommitted consumers, zombie fencing, offsets
// in a transaction, abort with records still in the accumulator.
import { describe, expect, inject, it } from 'vitest'
import { TransactionsAdmin } from '../../../src/admin/transactions.js'
import { Cluster, resolveCommonOptions, withRequestObserver } from '../../../src/cluster/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { Producer } from '../../../src/producer/index.js'
import {
  IllegalStateError,
  ProducerFencedError,
  TransactionAbortedError,
  TransactionFatalError,
} from '../../../src/producer/transactions/errors.js'
import { Apis } from '../../../src/protocol/index.js'
import { JAVA_TOOLS, javaTool } from '../../../src/testing/index.js'
import { createTopic, uniqueName } from './helpers.js'
import { readAll } from './txn-helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const libDir = inject('kafkaLibDir')

function txnProducer(transactionalId: string, extra: Record<string, unknown> = {}) {
  return new Producer<string, string>({ bootstrapServers, transactionalId, lingerMs: 5, ...extra })
}

describe('transactional producer (real broker)', () => {
  it('the shared broker has transaction.version 2 finalized (these tests run TV2)', async () => {
    const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
    try {
      const res = await cluster.sendAny(Apis.ApiVersions, { clientSoftwareName: 't', clientSoftwareVersion: '0' })
      const tv = res.finalizedFeatures.find((f) => f.name === 'transaction.version')
      expect(tv?.maxVersionLevel).toBeGreaterThanOrEqual(2)
    } finally {
      await cluster.close()
    }
  })

  it("TV2: each transaction's first Produce goes after a DescribeTransactions that saw the previous one completed (no race with its markers)", async () => {
    // Without the wait the Produce could reach the leader while the coordinator still wrote the
    // previous transaction's markers: CONCURRENT_TRANSACTIONS, held by the leader for 20 ms.
    const topic = uniqueName('txn-probe')
    await createTopic(bootstrapServers, topic, 3)
    const completed: string[] = []
    const observer = {
      active: true,
      requestCompleted: (r: { apiName: string }) => void completed.push(r.apiName),
      requestTimedOut: () => {},
      queueSizeChanged: () => {},
    }
    const producer = new Producer<string, string>(
      withRequestObserver({ bootstrapServers, transactionalId: uniqueName('tid'), lingerMs: 5 }, observer),
    )
    try {
      await producer.initTransactions()
      for (let t = 0; t < 10; t++) {
        producer.beginTransaction()
        for (let i = 0; i < 20; i++) producer.send({ topic, value: `${t}-${i}` })
        await producer.commitTransaction()
      }
    } finally {
      await producer.close()
    }
    // Per transaction after the first: the answers between two EndTxn, in order.
    const txns = completed
      .filter((n) => ['Produce', 'EndTxn', 'DescribeTransactions'].includes(n))
      .join(',')
      .split('EndTxn')
      .slice(1, -1)
      .map((s) => s.split(',').filter(Boolean))
    expect(txns).toHaveLength(9)
    for (const t of txns) {
      expect(t[0]).toBe('DescribeTransactions')
      expect(t.indexOf('Produce')).toBeGreaterThan(0)
      expect(t.slice(0, t.indexOf('Produce')).every((n) => n === 'DescribeTransactions')).toBe(true)
    }
  })

  it('commits are visible to read_committed, aborts only to read_uncommitted', async () => {
    const topic = uniqueName('txn-vis')
    await createTopic(bootstrapServers, topic, 3)
    const producer = txnProducer(uniqueName('tid'))
    try {
      await producer.initTransactions()
      for (const [step, outcome] of [
        [0, 'commit'],
        [1, 'abort'],
        [2, 'commit'],
        [3, 'abort'],
      ] as const) {
        producer.beginTransaction()
        const sends = []
        for (let i = 0; i < 6; i++)
          sends.push(producer.send({ topic, partition: i % 3, value: `${step}-${outcome}-${i}` }))
        if (outcome === 'commit') {
          await producer.commitTransaction()
          await Promise.all(sends)
        } else {
          await Promise.allSettled(sends) // sent, then aborted: abort waits for them anyway
          await producer.abortTransaction()
        }
      }
    } finally {
      await producer.close()
    }
    const committed = (await readAll(bootstrapServers, topic, 3, 'read_committed')).sort()
    const uncommitted = (await readAll(bootstrapServers, topic, 3, 'read_uncommitted')).sort()
    const values = (step: number, outcome: string) => Array.from({ length: 6 }, (_, i) => `${step}-${outcome}-${i}`)
    expect(committed).toEqual([...values(0, 'commit'), ...values(2, 'commit')].sort())
    expect(uncommitted).toEqual(
      [...values(0, 'commit'), ...values(1, 'abort'), ...values(2, 'commit'), ...values(3, 'abort')].sort(),
    )
  }, 60_000)

  it('send() outside a transaction and commit without begin are IllegalStateError; options are checked', async () => {
    const producer = txnProducer(uniqueName('tid'))
    try {
      await expect(producer.send({ topic: 'x', value: 'v' })).rejects.toBeInstanceOf(IllegalStateError)
      expect(() => producer.beginTransaction()).toThrow(IllegalStateError)
      await producer.initTransactions()
      await expect(producer.send({ topic: 'x', value: 'v' })).rejects.toBeInstanceOf(IllegalStateError)
      await expect(producer.commitTransaction()).rejects.toBeInstanceOf(IllegalStateError)
      // begin + commit with nothing sent: no EndTxn needed, back to READY.
      producer.beginTransaction()
      await producer.commitTransaction()
      producer.beginTransaction()
      await producer.abortTransaction()
    } finally {
      await producer.close()
    }
  }, 30_000)

  it('zombie fencing: the older producer gets ProducerFencedError and its open transaction never shows', async () => {
    const topic = uniqueName('txn-zombie')
    await createTopic(bootstrapServers, topic, 1)
    const tid = uniqueName('tid')
    const old = txnProducer(tid)
    const next = txnProducer(tid)
    try {
      await old.initTransactions()
      old.beginTransaction()
      await old.send({ topic, value: 'zombie-1' })
      // The new instance fences the old one and aborts its open transaction.
      await next.initTransactions()
      next.beginTransaction()
      await next.send({ topic, value: 'new-1' })
      await next.commitTransaction()
      // The zombie's next transactional call fails fenced (its produce or its EndTxn).
      const late = old.send({ topic, value: 'zombie-2' })
      await expect(
        (async () => {
          await late.catch(() => {})
          await old.commitTransaction()
        })(),
      ).rejects.toBeInstanceOf(ProducerFencedError)
      // Fatal from now on.
      await expect(old.send({ topic, value: 'zombie-3' })).rejects.toBeInstanceOf(ProducerFencedError)
    } finally {
      await old.close()
      await next.close()
    }
    expect(await readAll(bootstrapServers, topic, 1, 'read_committed')).toEqual(['new-1'])
  }, 60_000)

  it('abort drops records still in the accumulator (TransactionAbortedError) and they never show', async () => {
    const topic = uniqueName('txn-drop')
    await createTopic(bootstrapServers, topic, 1)
    const producer = txnProducer(uniqueName('tid'), { lingerMs: 60_000, batchSize: 1_000_000 })
    try {
      await producer.initTransactions()
      producer.beginTransaction()
      const sends = Array.from({ length: 10 }, (_, i) => producer.send({ topic, value: `dropped-${i}` }))
      await producer.abortTransaction()
      const results = await Promise.allSettled(sends)
      expect(results.every((r) => r.status === 'rejected' && r.reason instanceof TransactionAbortedError)).toBe(true)
      // The producer goes on with the next transaction.
      producer.beginTransaction()
      producer.send({ topic, value: 'kept' })
      await producer.commitTransaction()
    } finally {
      await producer.close()
    }
    expect(await readAll(bootstrapServers, topic, 1, 'read_uncommitted')).toEqual(['kept'])
  }, 60_000)

  it('sendOffsetsToTransaction commits the group offsets with the transaction (and not on abort)', async () => {
    const input = uniqueName('txn-in')
    await createTopic(bootstrapServers, input, 1)
    const groupId = uniqueName('txn-group')
    const seed = new Producer<string, string>({ bootstrapServers })
    for (let i = 0; i < 5; i++) seed.send({ topic: input, value: `in-${i}` })
    await seed.close()
    const consumer = new Consumer<string, string>({
      bootstrapServers,
      groupId,
      enableAutoCommit: false,
      autoOffsetReset: 'earliest',
      isolationLevel: 'read_committed',
    })
    const producer = txnProducer(uniqueName('tid'))
    const tp = { topic: input, partition: 0 }
    try {
      consumer.subscribe([input])
      let got = 0
      const deadline = Date.now() + 30_000
      while (got < 5 && Date.now() < deadline) got += (await consumer.poll(500)).count
      expect(got).toBe(5)
      await producer.initTransactions()
      // Aborted: the offsets are discarded.
      producer.beginTransaction()
      await producer.sendOffsetsToTransaction([{ ...tp, offset: 3n }], consumer.groupMetadata())
      await producer.abortTransaction()
      expect((await consumer.committed([tp]))[0]?.offset ?? null).toBeNull()
      // Committed: the offsets are the group's.
      await producer.transaction(async () => {
        await producer.sendOffsetsToTransaction([{ ...tp, offset: 5n, metadata: 'eos' }], consumer.groupMetadata())
      })
      const committed = await consumer.committed([tp])
      expect(committed[0]?.offset).toBe(5n)
    } finally {
      await producer.close()
      await consumer.close()
    }
  }, 90_000)

  it('admin: listTransactions / describeTransactions / describeProducers show an open transaction, then its commit', async () => {
    const topic = uniqueName('txn-admin')
    await createTopic(bootstrapServers, topic, 2)
    const tid = uniqueName('tid-admin')
    const producer = txnProducer(tid)
    const admin = new TransactionsAdmin({ bootstrapServers })
    try {
      await producer.initTransactions()
      producer.beginTransaction()
      await producer.send({ topic, partition: 1, value: 'open' })
      const listed = await admin.listTransactions({ states: ['Ongoing'] })
      expect(listed.find((t) => t.transactionalId === tid)?.state).toBe('Ongoing')
      const [described] = await admin.describeTransactions([tid])
      expect(described).toMatchObject({
        transactionalId: tid,
        state: 'Ongoing',
        topicPartitions: [{ topic, partition: 1 }],
      })
      expect(described!.transactionStartTimeMs).toBeGreaterThan(0n)
      const producers = await admin.describeProducers(topic, 1)
      expect(producers).toHaveLength(1)
      expect(producers[0]!.producerId).toBe(described!.producerId)
      expect(producers[0]!.currentTransactionStartOffset).toBe(0n) // pins the last stable offset
      await producer.commitTransaction()
      const [after] = await admin.describeTransactions([tid])
      expect(['CompleteCommit', 'PrepareCommit']).toContain(after!.state)
      // TV2: the commit bumped the epoch.
      expect(after!.producerEpoch).toBe(described!.producerEpoch + 1)
    } finally {
      await producer.close()
      await admin.close()
    }
  }, 60_000)

  it('every compression codec inside committed and aborted transactions', async () => {
    for (const compressionType of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const topic = uniqueName(`txn-${compressionType}`)
      await createTopic(bootstrapServers, topic, 1)
      const producer = txnProducer(uniqueName('tid'), { compressionType })
      try {
        await producer.initTransactions()
        await producer.transaction(async () => {
          for (let i = 0; i < 50; i++) producer.send({ topic, value: `c-${i}-${'x'.repeat(50)}` })
        })
        producer.beginTransaction()
        for (let i = 0; i < 50; i++) producer.send({ topic, value: `a-${i}` }).catch(() => {})
        await producer.flush()
        await producer.abortTransaction()
      } finally {
        await producer.close()
      }
      const committed = await readAll(bootstrapServers, topic, 1, 'read_committed')
      expect(committed, compressionType).toEqual(Array.from({ length: 50 }, (_, i) => `c-${i}-${'x'.repeat(50)}`))
      expect(await readAll(bootstrapServers, topic, 1, 'read_uncommitted')).toHaveLength(100)
    }
  }, 120_000)

  it.skipIf(!libDir)(
    "Java's read_committed ConsoleConsumer sees kafka-wire's committed records only",
    async () => {
      const topic = uniqueName('txn-java')
      await createTopic(bootstrapServers, topic, 1)
      const producer = txnProducer(uniqueName('tid'))
      try {
        await producer.initTransactions()
        await producer.transaction(async () => {
          producer.send({ topic, value: 'first' })
        })
        producer.beginTransaction()
        producer.send({ topic, value: 'aborted' }).catch(() => {})
        await producer.flush()
        await producer.abortTransaction()
        await producer.transaction(async () => {
          producer.send({ topic, value: 'second' })
        })
      } finally {
        await producer.close()
      }
      const consumed = await javaTool(
        libDir!,
        JAVA_TOOLS.consoleConsumer,
        [
          '--bootstrap-server',
          bootstrapServers,
          '--topic',
          topic,
          '--from-beginning',
          '--isolation-level',
          'read_committed',
          '--max-messages',
          '2',
          '--timeout-ms',
          '30000',
        ],
        { timeoutMs: 90_000 },
      )
      expect(consumed.code, consumed.stderr).toBe(0)
      expect(consumed.stdout.trim().split('\n')).toEqual(['first', 'second'])
    },
    120_000,
  )

  it('transaction timeout: the coordinator aborts it; under TV2 the producer is fenced and a new one carries on', async () => {
    const topic = uniqueName('txn-timeout')
    await createTopic(bootstrapServers, topic, 1)
    const tid = uniqueName('tid-timeout')
    const producer = txnProducer(tid, { transactionTimeoutMs: 1000 })
    const next = txnProducer(tid)
    try {
      await producer.initTransactions()
      producer.beginTransaction()
      await producer.send({ topic, value: 'expired' })
      // The broker's abort scan runs every transaction.abort.timed.out.transaction.cleanup.interval.ms (10 s default).
      const admin = new TransactionsAdmin({ bootstrapServers })
      try {
        const deadline = Date.now() + 30_000
        for (;;) {
          const [d] = await admin.describeTransactions([tid])
          if (d!.state === 'CompleteAbort') break
          if (Date.now() > deadline) throw new Error(`still ${d!.state}`)
          await new Promise((r) => setTimeout(r, 500))
        }
      } finally {
        await admin.close()
      }
      // The record fails with the broker's error (its epoch is stale), the producer is fenced.
      await expect(producer.send({ topic, value: 'late' })).rejects.toMatchObject({ code: 'INVALID_PRODUCER_EPOCH' })
      await expect(producer.commitTransaction()).rejects.toBeInstanceOf(ProducerFencedError)
      await next.initTransactions()
      await next.transaction(async () => {
        next.send({ topic, value: 'after' })
      })
    } finally {
      await producer.close()
      await next.close()
    }
    expect(await readAll(bootstrapServers, topic, 1, 'read_committed')).toEqual(['after'])
  }, 60_000)

  it('a transactionTimeoutMs above the broker maximum fails initTransactions with a fatal INVALID_TRANSACTION_TIMEOUT', async () => {
    const producer = txnProducer(uniqueName('tid'), { transactionTimeoutMs: 3_600_000 })
    try {
      const err = await producer.initTransactions().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TransactionFatalError)
      expect((err as Error).message).toContain('INVALID_TRANSACTION_TIMEOUT')
      expect(() => producer.beginTransaction()).toThrow(TransactionFatalError)
    } finally {
      await producer.close()
    }
  })
})

/**
 * Admin abortTransaction against the real broker: a transaction left open (its producer SIGKILLed
 * or closed without committing, a 10-minute transaction timeout) pins the partition's last stable offset, so
 * a read_committed reader stops before it; the admin abort (WriteTxnMarkers to the leader, found
 * from the open transaction's first offset as `kafka-transactions abort --start-offset` does)
 * unpins it, and read_committed sees none of its records.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { TransactionsAdmin } from '../../../src/admin/transactions.js'
import { Consumer } from '../../../src/consumer/index.js'
import { KafkaError } from '../../../src/errors.js'
import { Producer } from '../../../src/producer/index.js'
import { createTopic, uniqueName } from '../producer/helpers.js'
import { readAll } from '../producer/txn-helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

async function committedEnd(topic: string): Promise<bigint> {
  const consumer = new Consumer({ bootstrapServers, isolationLevel: 'read_committed' })
  try {
    const [end] = await consumer.endOffsets([{ topic, partition: 0 }])
    return end!.offset ?? -1n
  } finally {
    await consumer.close()
  }
}

/** Leaves a transaction with `values` open on partition 0 of `topic`; returns its transactional id. */
async function leaveOpenTransaction(topic: string, values: string[]): Promise<string> {
  const transactionalId = uniqueName('hanging')
  const producer = new Producer<string, string>({ bootstrapServers, transactionalId, transactionTimeoutMs: 600_000 })
  await producer.initTransactions()
  producer.beginTransaction()
  await Promise.all(values.map((value) => producer.send({ topic, partition: 0, value })))
  // close() leaves the open transaction to its coordinator (Java's behaviour): nothing ends it for 10 minutes.
  await producer.close()
  return transactionalId
}

/**
 * A child process (the built package, `npm run build`) that opens a transaction on partition 0,
 * says so, and waits to be SIGKILLed; returns its transactional id once it is dead.
 */
async function killedMidTransaction(topic: string, values: string[]): Promise<string> {
  const transactionalId = uniqueName('killed')
  const entry = join(import.meta.dirname, '../../../dist/esm/index.js')
  const script = `
    const { Producer } = await import(${JSON.stringify(entry)})
    const p = new Producer({ bootstrapServers: ${JSON.stringify(bootstrapServers)}.split(','),
      transactionalId: ${JSON.stringify(transactionalId)}, transactionTimeoutMs: 600000 })
    await p.initTransactions()
    p.beginTransaction()
    await Promise.all(${JSON.stringify(values)}.map((value) => p.send({ topic: ${JSON.stringify(topic)}, partition: 0, value })))
    process.stdout.write('open\\n')
    setInterval(() => {}, 1000)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('open') && resolve())
      child.on('exit', (code) => reject(new Error(`child exited ${code} before opening its transaction`)))
    })
  } finally {
    child.kill('SIGKILL')
  }
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.on('exit', r)))
  return transactionalId
}

describe('TransactionsAdmin.abortTransaction (real broker)', () => {
  it("a SIGKILLed producer's open transaction is aborted by the admin; read_committed moves past it", async () => {
    const topic = uniqueName('txn-abort-kill')
    await createTopic(bootstrapServers, topic, 1)
    const plain = new Producer<string, string>({ bootstrapServers })
    const admin = new TransactionsAdmin({ bootstrapServers })
    try {
      const transactionalId = await killedMidTransaction(topic, ['k1', 'k2', 'k3'])
      await plain.send({ topic, partition: 0, value: 'after' })
      expect(await committedEnd(topic)).toBe(0n)
      expect((await admin.describeTransactions([transactionalId]))[0]!.state).toBe('Ongoing')
      await admin.abortTransactionAt(topic, 0, 0n)
      expect(await readAll(bootstrapServers, topic, 1, 'read_committed')).toStrictEqual(['after'])
      expect(await committedEnd(topic)).toBe(5n)
    } finally {
      await plain.close()
      await admin.close()
    }
  }, 90_000)

  it('an open transaction blocks read_committed until the admin aborts it by its start offset', async () => {
    const topic = uniqueName('txn-abort')
    await createTopic(bootstrapServers, topic, 1)
    const plain = new Producer<string, string>({ bootstrapServers })
    const admin = new TransactionsAdmin({ bootstrapServers })
    try {
      await plain.send({ topic, partition: 0, value: 'before' })
      const transactionalId = await leaveOpenTransaction(topic, ['hanging-1', 'hanging-2'])
      await plain.send({ topic, partition: 0, value: 'after' })

      // The last stable offset stays at the open transaction's first offset (1).
      expect(await committedEnd(topic)).toBe(1n)
      const [described] = await admin.describeTransactions([transactionalId])
      expect(described!.state).toBe('Ongoing')

      await expect(admin.findHangingTransaction(topic, 0, 0n)).rejects.toMatchObject({
        code: 'ERR_NO_OPEN_TRANSACTION',
      })
      const spec = await admin.abortTransactionAt(topic, 0, 1n)
      expect(spec.producerId).toBe(described!.producerId)
      expect(spec.producerEpoch).toBe(described!.producerEpoch)

      // Unpinned: the end for read_committed is the log end (4 records and the abort marker).
      expect(await committedEnd(topic)).toBe(5n)
      expect(await readAll(bootstrapServers, topic, 1, 'read_committed')).toStrictEqual(['before', 'after'])
      expect(await readAll(bootstrapServers, topic, 1, 'read_uncommitted')).toStrictEqual([
        'before',
        'hanging-1',
        'hanging-2',
        'after',
      ])
      // The partition no longer has an open transaction of that producer.
      const producers = await admin.describeProducers(topic, 0)
      expect(producers.find((p) => p.producerId === spec.producerId)?.currentTransactionStartOffset ?? -1n).toBe(-1n)
    } finally {
      await plain.close()
      await admin.close()
    }
  }, 90_000)

  it('a marker with a stale producer epoch is refused and leaves the transaction open', async () => {
    const topic = uniqueName('txn-abort-epoch')
    await createTopic(bootstrapServers, topic, 1)
    const admin = new TransactionsAdmin({ bootstrapServers })
    try {
      await leaveOpenTransaction(topic, ['x'])
      const spec = await admin.findHangingTransaction(topic, 0, 0n)
      const err = await admin.abortTransaction({ ...spec, producerEpoch: spec.producerEpoch - 1 }).catch((e) => e)
      // Kafka 4.3's leader answers UNKNOWN_SERVER_ERROR here (its epoch check's exception is not mapped).
      expect(err).toBeInstanceOf(KafkaError)
      expect(err.message).toContain(`abort of producer ${spec.producerId}`)
      expect(await committedEnd(topic)).toBe(0n)
      await admin.abortTransaction(spec)
      expect(await committedEnd(topic)).toBe(2n)
    } finally {
      await admin.close()
    }
  }, 90_000)
})

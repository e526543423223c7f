// Transactional calls against a coordinator that does not answer (the fault proxy forwards
// nothing, connections stay open): each blocking call gives up after maxBlockMs with a
// TimeoutError while its request goes on (Java's `result.await(max.block.ms)`); other
// transactional calls are refused meanwhile, and the same call retried once the cluster answers
// again completes the same operation: the transaction is committed exactly once.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { TimeoutError } from '../../../src/errors.js'
import { Producer } from '../../../src/producer/index.js'
import { IllegalStateError } from '../../../src/producer/transactions/errors.js'
import { createTopic, uniqueName } from '../../integration/producer/helpers.js'
import { readAll } from '../../integration/producer/txn-helpers.js'
import { FaultProxy } from '../support/fault-proxy.js'

const upstream = inject('kafkaBootstrapServers')
let proxy: FaultProxy

beforeAll(async () => {
  proxy = await FaultProxy.start(upstream)
})
afterAll(async () => {
  proxy?.silence(false)
  await proxy?.close()
})

function txnProducer(bootstrapServers: string) {
  return new Producer<string, string>({
    bootstrapServers,
    transactionalId: uniqueName('txn-timeout-id'),
    maxBlockMs: 1500,
    requestTimeoutMs: 3000,
    lingerMs: 0,
  })
}

it('commitTransaction: TimeoutError after maxBlockMs while EndTxn is unanswered; abort refused; the retried commit commits once', async () => {
  const topic = uniqueName('txn-timeout')
  await createTopic(upstream, topic)
  const producer = txnProducer(await proxy.bootstrapServers())
  try {
    await producer.initTransactions()
    producer.beginTransaction()
    await producer.send({ topic, value: 'once' })
    proxy.silence(true)
    const err = await producer.commitTransaction().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect((err as Error).message).toMatch(/commitTransaction\(\) did not complete within maxBlockMs \(1500 ms\)/)
    await expect(producer.abortTransaction()).rejects.toThrow(IllegalStateError)
    expect(() => producer.beginTransaction()).toThrow(IllegalStateError)
    proxy.silence(false)
    // Let the commit finish in the background first: the retried call must still see its outcome.
    while ((await readAll(upstream, topic, 1, 'read_committed')).length === 0);
    await producer.commitTransaction() // the same commit's outcome
    producer.beginTransaction() // the outcome was seen: the next transaction may start
    await producer.abortTransaction()
  } finally {
    proxy.silence(false)
    await producer.close()
  }
  expect(await readAll(upstream, topic, 1, 'read_committed')).toEqual(['once'])
}, 60_000)

it('initTransactions: TimeoutError after maxBlockMs when no broker answers; retried once they do, it completes', async () => {
  const topic = uniqueName('txn-timeout-init')
  await createTopic(upstream, topic)
  proxy.silence(true)
  const producer = txnProducer(await proxy.bootstrapServers())
  try {
    // The first request (ApiVersions, for the finalized transaction.version) is not answered.
    await expect(producer.initTransactions()).rejects.toThrow(TimeoutError)
    proxy.silence(false)
    await producer.initTransactions()
    await producer.transaction(async () => {
      producer.send({ topic, value: 'after' })
    })
  } finally {
    proxy.silence(false)
    await producer.close()
  }
  expect(await readAll(upstream, topic, 1, 'read_committed')).toEqual(['after'])
}, 60_000)

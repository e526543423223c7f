// The transaction state machine without a broker: requests planned per state, responses fed
// back at chosen times (a fake clock is just the `now` passed in), TV1 and TV2 request shapes,
// retries, fencing and abortable errors (Java's TransactionManager rules, KIP-890, KIP-1050).
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/error-codes.js'
import { BrokerError, TimeoutError } from '../../../src/errors.js'
import {
  IllegalStateError,
  ProducerFencedError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionFatalError,
} from '../../../src/producer/transactions/errors.js'
import { TransactionManager, type TxnRequest } from '../../../src/producer/transactions/transaction-manager.js'
import { FakeClock } from '../consumer/fake-clock.js'

const GROUP = { groupId: 'g', generationId: 7, memberId: 'm-1', groupInstanceId: null }

function setup(tv: 1 | 2) {
  const epochs: [bigint, number][] = []
  const tm = new TransactionManager({
    transactionalId: 'tid',
    transactionTimeoutMs: 60_000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    random: () => 0.5, // no jitter: the steps below read exact times
    onProducerIdAndEpoch: (id, epoch) => epochs.push([id, epoch]),
  })
  tm.setFinalizedTransactionVersion(tv)
  /** Polls and expects a request of `kind`. */
  const next = <K extends TxnRequest['kind']>(kind: K, now = 0, incomplete = 0) => {
    const { request } = tm.poll(now, incomplete)
    expect(request?.kind).toBe(kind)
    return request as Extract<TxnRequest, { kind: K }>
  }
  /** Answers FindCoordinator with node 1 (or `nodeId`). */
  const coordinator = (now = 0, nodeId = 1) => tm.onCoordinator(next('FindCoordinator', now), nodeId)
  const init = async () => {
    const r = tm.initTransactions(0)
    coordinator()
    const req = next('InitProducerId')
    tm.onResponse(req, ok({ producerId: 42n, producerEpoch: 3 }), 0)
    await r.promise
  }
  return { tm, next, coordinator, init, epochs }
}

const ok = (fields: Record<string, unknown> = {}) =>
  ({ errorCode: ErrorCode.NONE, throttleTimeMs: 0, ...fields }) as never
const described = (transactionState: string, errorCode: number = ErrorCode.NONE) =>
  ({ throttleTimeMs: 0, transactionStates: [{ errorCode, transactionalId: 'tid', transactionState }] }) as never
const fail = (code: number) => ({ errorCode: code, throttleTimeMs: 0, producerId: -1n, producerEpoch: -1 }) as never

/** TV2: one transaction with a send to t-0, committed; EndTxn bumps the epoch to `epoch`. */
async function commitOneTv2({ tm, next }: ReturnType<typeof setup>, epoch: number) {
  tm.beginTransaction()
  expect(tm.maybeAddPartition('t', 0)).toBe(true)
  const r = tm.beginCommit(0, 0)
  tm.onResponse(next('EndTxn'), ok({ producerId: 42n, producerEpoch: epoch }), 0)
  await r.promise
}

describe('TransactionManager (sans-IO)', () => {
  it('initTransactions: FindCoordinator(transaction) then InitProducerId with the id and timeout; READY with the id and epoch', async () => {
    const { tm, next, epochs } = setup(2)
    expect(tm.state).toBe('UNINITIALIZED')
    const r = tm.initTransactions(0)
    expect(tm.state).toBe('INITIALIZING')
    const find = next('FindCoordinator')
    expect(find).toEqual({ kind: 'FindCoordinator', keyType: 'transaction', key: 'tid' })
    // One request at a time: nothing else while FindCoordinator is out.
    expect(tm.poll(0, 0).request).toBeUndefined()
    tm.onCoordinator(find, 5)
    const req = next('InitProducerId')
    expect(req.nodeId).toBe(5)
    expect(req.body).toMatchObject({
      transactionalId: 'tid',
      transactionTimeoutMs: 60_000,
      producerId: -1n,
      producerEpoch: -1,
    })
    tm.onResponse(req, ok({ producerId: 42n, producerEpoch: 3 }), 0)
    await r.promise
    expect(tm.state).toBe('READY')
    expect(epochs).toEqual([[42n, 3]])
  })

  it('retries InitProducerId after CONCURRENT_TRANSACTIONS and COORDINATOR_LOAD_IN_PROGRESS with backoff, re-looks-up on NOT_COORDINATOR', async () => {
    const { tm, next, coordinator } = setup(2)
    const r = tm.initTransactions(0)
    coordinator()
    tm.onResponse(next('InitProducerId', 0), fail(ErrorCode.CONCURRENT_TRANSACTIONS), 0)
    expect(tm.poll(50, 0)).toEqual({ request: undefined, nextPollMs: 100 })
    tm.onResponse(next('InitProducerId', 100), fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS), 100)
    expect(tm.poll(150, 0).request).toBeUndefined()
    tm.onResponse(next('InitProducerId', 300), fail(ErrorCode.NOT_COORDINATOR), 300)
    // The coordinator moved: look it up again, at once.
    coordinator(300, 2)
    const req = next('InitProducerId', 300)
    expect(req.nodeId).toBe(2)
    tm.onResponse(req, ok({ producerId: 1n, producerEpoch: 0 }), 300)
    await r.promise
    expect(tm.state).toBe('READY')
  })

  it('a transport error re-looks-up the coordinator and retries the same request', async () => {
    const { tm, next, coordinator } = setup(2)
    const r = tm.initTransactions(0)
    coordinator()
    tm.onError(next('InitProducerId'), new Error('connection closed'), 0)
    expect(tm.poll(50, 0).request).toBeUndefined()
    coordinator(100)
    tm.onResponse(next('InitProducerId', 100), ok({ producerId: 1n, producerEpoch: 0 }), 100)
    await r.promise
  })

  it('TV2: no AddPartitionsToTxn; EndTxn v5 waits for the batches and the bumped epoch is adopted', async () => {
    const { tm, next, init, epochs } = setup(2)
    await init()
    tm.beginTransaction()
    expect(tm.state).toBe('IN_TRANSACTION')
    expect(tm.maybeAddPartition('t', 0)).toBe(true)
    expect(tm.poll(0, 1).request).toBeUndefined() // nothing to add under TV2
    const r = tm.beginCommit(0, 1)
    expect(tm.state).toBe('COMMITTING_TRANSACTION')
    expect(tm.poll(0, 1).request).toBeUndefined() // a batch is still incomplete
    const end = next('EndTxn', 0, 0)
    expect(end.maxVersion).toBe(5)
    expect(end.body).toMatchObject({ transactionalId: 'tid', producerId: 42n, producerEpoch: 3, committed: true })
    tm.onResponse(end, ok({ producerId: 42n, producerEpoch: 4 }), 0)
    await r.promise
    expect(tm.state).toBe('READY')
    expect(epochs.at(-1)).toEqual([42n, 4])
  })

  it('TV2: the next transaction drains no partition until DescribeTransactions shows the previous one completed (its markers written)', async () => {
    // Without this wait the next Produce reached the leader while the coordinator was still in
    // PrepareCommit: CONCURRENT_TRANSACTIONS, and the leader held it for its 20 ms retry backoff.
    const s = setup(2)
    const { tm, next } = s
    await s.init()
    await commitOneTv2(s, 4) // the commit returns at EndTxn's answer, as Java's
    tm.beginTransaction()
    expect(tm.maybeAddPartition('t', 0)).toBe(false) // held: the coordinator may still write markers
    const probe = next('DescribeTransactions', 0, 1)
    expect(probe.body).toEqual({ transactionalIds: ['tid'] })
    tm.onResponse(probe, described('PrepareCommit'), 0)
    expect(tm.maybeAddPartition('t', 0)).toBe(false)
    expect(tm.poll(0, 1)).toEqual({ request: undefined, nextPollMs: 1 }) // polled again after 1 ms
    tm.onResponse(next('DescribeTransactions', 1, 1), described('CompleteCommit'), 1)
    expect(tm.maybeAddPartition('t', 0)).toBe(true)
    // The commit of this transaction, then an abort: each ends with the probe again.
    const c = tm.beginCommit(1, 0)
    tm.onResponse(next('EndTxn', 1), ok({ producerId: 42n, producerEpoch: 5 }), 1)
    await c.promise
    tm.beginTransaction()
    expect(tm.maybeAddPartition('t', 1)).toBe(false)
    // A probe that fails (transport error) ends the wait: the leader's own retry keeps it correct.
    tm.onError(next('DescribeTransactions', 1), new Error('connection closed'), 1)
    expect(tm.maybeAddPartition('t', 1)).toBe(true)
  })

  it('TV2: sendOffsetsToTransaction waits for the probe too — a TxnOffsetCommit during PrepareCommit failed with CONCURRENT_TRANSACTIONS', async () => {
    // The group coordinator adds __consumer_offsets to the transaction (KIP-890): while the previous
    // transaction's markers were written it answered CONCURRENT_TRANSACTIONS, and the retry came
    // retryBackoffMs (100 ms) later — the exactly-once copier's (L3) slow transactions.
    const s = setup(2)
    const { tm, next } = s
    await s.init()
    await commitOneTv2(s, 4)
    tm.beginTransaction()
    const r = tm.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 10n }], GROUP, 0)
    const probe = next('DescribeTransactions')
    tm.onResponse(probe, described('PrepareCommit'), 0)
    // Probing: neither the group coordinator lookup nor the TxnOffsetCommit goes out.
    expect(tm.poll(0, 0)).toEqual({ request: undefined, nextPollMs: 1 })
    tm.onResponse(next('DescribeTransactions', 1), described('CompleteCommit'), 1)
    tm.onCoordinator(next('FindCoordinator', 1), 3)
    const commit = next('TxnOffsetCommit', 1)
    tm.onResponse(
      commit,
      { throttleTimeMs: 0, topics: [{ name: 'in', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] } as never,
      1,
    )
    await r.promise
  })

  it('TV2: an abort while the probe waits out its backoff keeps the probe, so the next transaction is not held forever', async () => {
    // The probe was dropped with the aborted transaction's queued requests: #probe stayed
    // 'probing', no partition of any later transaction drained, and commitTransaction() timed out.
    const s = setup(2)
    const { tm, next } = s
    await s.init()
    await commitOneTv2(s, 4)
    tm.onResponse(next('DescribeTransactions', 0), described('PrepareCommit'), 0) // retried after 1 ms
    tm.beginTransaction()
    expect(tm.maybeAddPartition('t', 0)).toBe(false)
    const a = tm.beginAbort(0, 0) // nothing was sent: no EndTxn
    await a.promise
    tm.beginTransaction()
    expect(tm.maybeAddPartition('t', 0)).toBe(false)
    tm.onResponse(next('DescribeTransactions', 1), described('CompleteCommit'), 1)
    expect(tm.maybeAddPartition('t', 0)).toBe(true)
  })

  it('TV2: a broker that refuses DescribeTransactions (authorization) turns the probe off; nothing else changes', async () => {
    const { tm, next, init } = setup(2)
    await init()
    for (let i = 0; i < 2; i++) {
      tm.beginTransaction()
      expect(tm.maybeAddPartition('t', 0)).toBe(true)
      const r = tm.beginCommit(0, 0)
      tm.onResponse(next('EndTxn'), ok({ producerId: 42n, producerEpoch: 4 + i }), 0)
      await r.promise
      if (i === 0) {
        const probe = next('DescribeTransactions')
        tm.onResponse(probe, described('', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED), 0)
      }
    }
    expect(tm.state).toBe('READY')
    expect(tm.poll(0, 0).request).toBeUndefined() // no probe after the second commit
  })

  it('TV1: AddPartitionsToTxn (≤ v3) before the first produce to a partition; EndTxn ≤ v4 keeps the epoch', async () => {
    const { tm, next, init, epochs } = setup(1)
    await init()
    tm.beginTransaction()
    expect(tm.maybeAddPartition('t', 0)).toBe(false)
    expect(tm.maybeAddPartition('t', 1)).toBe(false)
    const add = next('AddPartitionsToTxn', 0, 2)
    expect(add.maxVersion).toBe(3)
    expect(add.body).toMatchObject({
      v3AndBelowTransactionalId: 'tid',
      v3AndBelowProducerId: 42n,
      v3AndBelowProducerEpoch: 3,
      v3AndBelowTopics: [{ name: 't', partitions: [0, 1] }],
    })
    expect(tm.maybeAddPartition('t', 0)).toBe(false) // being added
    tm.onResponse(
      add,
      {
        throttleTimeMs: 0,
        resultsByTopicV3AndBelow: [
          {
            name: 't',
            resultsByPartition: [
              { partitionIndex: 0, partitionErrorCode: 0 },
              { partitionIndex: 1, partitionErrorCode: 0 },
            ],
          },
        ],
      } as never,
      0,
    )
    expect(tm.maybeAddPartition('t', 0)).toBe(true)
    expect(tm.maybeAddPartition('t', 1)).toBe(true)
    const r = tm.beginCommit(0, 0)
    const end = next('EndTxn')
    expect(end.maxVersion).toBe(4)
    tm.onResponse(end, ok(), 0)
    await r.promise
    expect(epochs).toEqual([[42n, 3]]) // no bump under TV1
  })

  it('TV1: AddPartitionsToTxn CONCURRENT_TRANSACTIONS is retried after 20 ms when nothing is in the transaction yet', async () => {
    const { tm, next, init } = setup(1)
    await init()
    tm.beginTransaction()
    tm.maybeAddPartition('t', 0)
    const add = next('AddPartitionsToTxn', 1000, 1)
    tm.onResponse(
      add,
      {
        throttleTimeMs: 0,
        resultsByTopicV3AndBelow: [
          {
            name: 't',
            resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: ErrorCode.CONCURRENT_TRANSACTIONS }],
          },
        ],
      } as never,
      1000,
    )
    expect(tm.poll(1010, 1).nextPollMs).toBe(1020)
    expect(next('AddPartitionsToTxn', 1020, 1).body.v3AndBelowTopics).toEqual([{ name: 't', partitions: [0] }])
  })

  it('skips EndTxn when nothing started the transaction', async () => {
    const { tm, init } = setup(2)
    await init()
    tm.beginTransaction()
    await tm.beginCommit(0, 0).promise
    expect(tm.state).toBe('READY')
    tm.beginTransaction()
    await tm.beginAbort(0, 0).promise
    expect(tm.state).toBe('READY')
    expect(tm.poll(0, 0).request).toBeUndefined()
  })

  it('records buffered at commit that are all dropped: EndTxn is decided when they settled', async () => {
    const { tm, init } = setup(2)
    await init()
    tm.beginTransaction()
    const r = tm.beginAbort(0, 3)
    expect(tm.poll(0, 3).request).toBeUndefined()
    // They were dropped before being drained: nothing reached the broker, no EndTxn.
    expect(tm.poll(0, 0).request).toBeUndefined()
    await r.promise
    expect(tm.state).toBe('READY')
  })

  it('TV2 sendOffsetsToTransaction: TxnOffsetCommit v5 to the group coordinator with the generation and member', async () => {
    const { tm, next, init } = setup(2)
    await init()
    tm.beginTransaction()
    const r = tm.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 10n, metadata: 'x' }], GROUP, 0)
    const find = next('FindCoordinator')
    expect(find).toMatchObject({ keyType: 'group', key: 'g' })
    tm.onCoordinator(find, 3)
    const commit = next('TxnOffsetCommit')
    expect(commit.nodeId).toBe(3)
    expect(commit.maxVersion).toBe(5)
    expect(commit.body).toMatchObject({
      transactionalId: 'tid',
      groupId: 'g',
      producerId: 42n,
      producerEpoch: 3,
      generationIdOrMemberEpoch: 7,
      memberId: 'm-1',
      topics: [{ name: 'in', partitions: [{ partitionIndex: 0, committedOffset: 10n, committedMetadata: 'x' }] }],
    })
    tm.onResponse(
      commit,
      { throttleTimeMs: 0, topics: [{ name: 'in', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] } as never,
      0,
    )
    await r.promise
    // The offsets started the transaction: commit sends EndTxn.
    tm.beginCommit(0, 0)
    next('EndTxn')
  })

  it('TV1 sendOffsetsToTransaction: AddOffsetsToTxn to the transaction coordinator first, then TxnOffsetCommit ≤ v4', async () => {
    const { tm, next, init } = setup(1)
    await init()
    tm.beginTransaction()
    const r = tm.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 10n }], GROUP, 0)
    const add = next('AddOffsetsToTxn')
    expect(add.body).toMatchObject({ transactionalId: 'tid', groupId: 'g', producerId: 42n, producerEpoch: 3 })
    tm.onResponse(add, ok(), 0)
    tm.onCoordinator(next('FindCoordinator'), 1)
    const commit = next('TxnOffsetCommit')
    expect(commit.maxVersion).toBe(4)
    tm.onResponse(
      commit,
      { throttleTimeMs: 0, topics: [{ name: 'in', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] } as never,
      0,
    )
    await r.promise
  })

  it('TxnOffsetCommit ILLEGAL_GENERATION (a rebalanced zombie) makes the transaction abortable', async () => {
    const { tm, next, init } = setup(2)
    await init()
    tm.beginTransaction()
    const r = tm.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1n }], GROUP, 0)
    tm.onCoordinator(next('FindCoordinator'), 1)
    tm.onResponse(
      next('TxnOffsetCommit'),
      {
        throttleTimeMs: 0,
        topics: [{ name: 'in', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.ILLEGAL_GENERATION }] }],
      } as never,
      0,
    )
    await expect(r.promise).rejects.toBeInstanceOf(TransactionAbortableError)
    expect(tm.state).toBe('ABORTABLE_ERROR')
    expect(() => tm.beginCommit(0)).toThrow(TransactionAbortableError)
    expect(() => tm.checkSend()).toThrow(TransactionAbortableError)
    // Abort is allowed, and the producer goes on.
    const abort = tm.beginAbort(0, 0)
    tm.onResponse(next('EndTxn'), ok({ producerId: 42n, producerEpoch: 4 }), 0)
    await abort.promise
    expect(tm.state).toBe('READY')
  })

  it('abort while TxnOffsetCommit is on the wire: sendOffsets fails with TransactionAbortedError, EndTxn(abort) follows', async () => {
    const { tm, next, init } = setup(2)
    await init()
    tm.beginTransaction()
    const r = tm.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1n }], GROUP, 0)
    tm.onCoordinator(next('FindCoordinator'), 1)
    const commit = next('TxnOffsetCommit')
    const abort = tm.beginAbort(0, 0)
    await expect(r.promise).rejects.toBeInstanceOf(TransactionAbortedError)
    expect(tm.poll(0, 0).request).toBeUndefined() // one request at a time: EndTxn waits for the response
    tm.onResponse(
      commit,
      { throttleTimeMs: 0, topics: [{ name: 'in', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] } as never,
      0,
    )
    const end = next('EndTxn')
    expect(end.body.committed).toBe(false)
    tm.onResponse(end, ok({ producerId: 42n, producerEpoch: 4 }), 0)
    await abort.promise
    expect(tm.state).toBe('READY')
  })

  it('PRODUCER_FENCED on EndTxn is fatal: ProducerFencedError now and on every later call', async () => {
    const { tm, next, init } = setup(2)
    await init()
    tm.beginTransaction()
    tm.maybeAddPartition('t', 0)
    const r = tm.beginCommit(0, 0)
    tm.onResponse(next('EndTxn'), fail(ErrorCode.PRODUCER_FENCED), 0)
    await expect(r.promise).rejects.toBeInstanceOf(ProducerFencedError)
    expect(tm.state).toBe('FATAL_ERROR')
    expect(() => tm.beginTransaction()).toThrow(ProducerFencedError)
    expect(() => tm.checkSend()).toThrow(ProducerFencedError)
  })

  it('INVALID_PRODUCER_EPOCH from a produce: fenced (fatal) under TV2, abortable under TV1', async () => {
    const epochError = new BrokerError(ErrorCode.INVALID_PRODUCER_EPOCH, null, { topic: 't', partition: 0 })
    const v2 = setup(2)
    await v2.init()
    v2.tm.beginTransaction()
    v2.tm.onBatchFailed(epochError)
    expect(v2.tm.state).toBe('FATAL_ERROR')
    expect(v2.tm.lastError).toBeInstanceOf(ProducerFencedError)
    const v1 = setup(1)
    await v1.init()
    v1.tm.beginTransaction()
    v1.tm.onBatchFailed(epochError)
    expect(v1.tm.state).toBe('ABORTABLE_ERROR')
    expect(v1.tm.lastError).toBeInstanceOf(TransactionAbortableError)
  })

  it('a failed batch during commit fails the commit as abortable; TRANSACTION_ABORTABLE on EndTxn(abort) is fatal', async () => {
    const { tm, next, init } = setup(2)
    await init()
    tm.beginTransaction()
    tm.maybeAddPartition('t', 0)
    const r = tm.beginCommit(0, 1)
    tm.onBatchFailed(new BrokerError(ErrorCode.NOT_ENOUGH_REPLICAS, null))
    await expect(r.promise).rejects.toBeInstanceOf(TransactionAbortableError)
    expect(tm.poll(0, 0).request).toBeUndefined() // no EndTxn(commit) any more
    const abort = tm.beginAbort(0, 0)
    tm.onResponse(next('EndTxn'), fail(ErrorCode.TRANSACTION_ABORTABLE), 0)
    await expect(abort.promise).rejects.toBeInstanceOf(TransactionFatalError)
  })

  it('the state machine refuses out-of-order calls with IllegalStateError', async () => {
    const { tm, init } = setup(2)
    expect(() => tm.beginTransaction()).toThrow(IllegalStateError)
    expect(() => tm.checkSend()).toThrow(IllegalStateError)
    expect(() => tm.beginCommit(0)).toThrow(IllegalStateError)
    await init()
    expect(() => tm.initTransactions(0)).toThrow(IllegalStateError)
    expect(() => tm.checkSend()).toThrow(IllegalStateError)
    expect(() => tm.beginAbort(0)).toThrow(IllegalStateError)
    expect(() => tm.sendOffsetsToTransaction([], GROUP, 0)).toThrow(IllegalStateError)
    tm.beginTransaction()
    expect(() => tm.beginTransaction()).toThrow(IllegalStateError)
  })

  it('a pending (timed-out) commit may only be retried as commit: the same result, abort refused', async () => {
    const { tm, next, init } = setup(2)
    await init()
    tm.beginTransaction()
    tm.maybeAddPartition('t', 0)
    const r = tm.beginCommit(0, 0)
    expect(tm.beginCommit(0, 0)).toBe(r)
    expect(() => tm.beginAbort(0)).toThrow(IllegalStateError)
    tm.onResponse(next('EndTxn'), ok({ producerId: 42n, producerEpoch: 4 }), 0)
    await r.promise
  })

  it('maxBlockMs: a commit whose EndTxn is not answered times out and goes on; other calls are refused until the retried commit sees the outcome reached in the background', async () => {
    const { tm, next, init } = setup(2)
    await init()
    const clock = new FakeClock(0)
    tm.beginTransaction()
    tm.maybeAddPartition('t', 0)
    const r = tm.beginCommit(0, 0)
    const end = next('EndTxn') // on the wire, unanswered
    const wait = r.await(1000, clock, 'commitTransaction()')
    await clock.advance(999)
    expect(r.done).toBe(false)
    await clock.advance(1)
    await expect(wait).rejects.toThrow(TimeoutError)
    await expect(wait).rejects.toThrow(/commitTransaction\(\) did not complete within maxBlockMs \(1000 ms\)/)
    expect(tm.state).toBe('COMMITTING_TRANSACTION')
    expect(() => tm.beginAbort(0)).toThrow(/previous call to commitTransaction\(\)/)
    // The answer comes in the background: committed, but the application has not seen it yet.
    tm.onResponse(end, ok({ producerId: 42n, producerEpoch: 4 }), 1500)
    expect(tm.state).toBe('READY')
    expect(() => tm.beginTransaction()).toThrow(IllegalStateError)
    expect(() => tm.checkSend()).toThrow(IllegalStateError)
    const retry = tm.beginCommit(2000, 0)
    expect(retry).toBe(r)
    await retry.await(1000, clock, 'commitTransaction()') // the outcome at once
    tm.beginTransaction()
    expect(tm.state).toBe('IN_TRANSACTION')
  })

  it('maxBlockMs: initTransactions times out while FindCoordinator keeps failing; the lookup goes on and a retried init waits for the same result', async () => {
    const { tm, next, coordinator } = setup(2)
    const clock = new FakeClock(0)
    const r = tm.initTransactions(0)
    const wait = r.await(500, clock, 'initTransactions()')
    tm.onError(next('FindCoordinator', 0), new TimeoutError('FindCoordinator timed out'), 400)
    await clock.advance(500)
    await expect(wait).rejects.toThrow(TimeoutError)
    expect(tm.state).toBe('INITIALIZING')
    expect(tm.poll(450, 0).request).toBeUndefined() // backing off after the failed lookup
    expect(tm.initTransactions(600)).toBe(r)
    const again = r.await(500, clock, 'initTransactions()')
    coordinator(600)
    tm.onResponse(next('InitProducerId', 600), ok({ producerId: 9n, producerEpoch: 0 }), 600)
    await again
    expect(tm.state).toBe('READY')
  })

  it('maxBlockMs: an abortable EndTxn answer after a timed-out commit is thrown by the retried commit; abort is allowed after it', async () => {
    const { tm, next, init } = setup(2)
    await init()
    const clock = new FakeClock(0)
    tm.beginTransaction()
    tm.maybeAddPartition('t', 0)
    const r = tm.beginCommit(0, 0)
    const end = next('EndTxn')
    const wait = r.await(100, clock, 'commitTransaction()')
    await clock.advance(100)
    await expect(wait).rejects.toThrow(TimeoutError)
    tm.onResponse(end, fail(ErrorCode.TRANSACTION_ABORTABLE), 200)
    expect(tm.state).toBe('ABORTABLE_ERROR')
    expect(() => tm.beginAbort(300)).toThrow(IllegalStateError) // the commit's outcome first
    await expect(tm.beginCommit(300, 0).await(100, clock, 'commitTransaction()')).rejects.toThrow(
      TransactionAbortableError,
    )
    const abort = tm.beginAbort(300, 0)
    tm.onResponse(next('EndTxn', 300), ok({ producerId: 42n, producerEpoch: 5 }), 300)
    await abort.promise
    expect(tm.state).toBe('READY')
  })

  it('the transaction version switches only at a transaction boundary', async () => {
    const { tm, next, init } = setup(2)
    await init()
    tm.beginTransaction()
    tm.maybeAddPartition('t', 0)
    tm.setFinalizedTransactionVersion(1) // downgraded mid-transaction
    expect(tm.transactionVersion).toBe(2)
    const r = tm.beginCommit(0, 0)
    const end = next('EndTxn')
    expect(end.maxVersion).toBe(5)
    tm.onResponse(end, ok({ producerId: 42n, producerEpoch: 4 }), 0)
    await r.promise
    tm.beginTransaction()
    expect(tm.transactionVersion).toBe(1)
    expect(tm.maybeAddPartition('t', 0)).toBe(false) // TV1 now: AddPartitionsToTxn first
  })

  it('TV1 → TV2 (KIP-890): the transaction ends with EndTxn ≤ v4, then InitProducerId bumps the epoch before the first TV2 transaction', async () => {
    const { tm, next, init, epochs } = setup(1)
    await init()
    tm.beginTransaction()
    expect(tm.maybeAddPartition('t', 0)).toBe(false)
    const add = next('AddPartitionsToTxn', 0, 1)
    tm.setFinalizedTransactionVersion(2) // upgraded while the TV1 transaction is open
    tm.onResponse(
      add,
      {
        throttleTimeMs: 0,
        resultsByTopicV3AndBelow: [{ name: 't', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }] }],
      } as never,
      0,
    )
    expect(tm.maybeAddPartition('t', 0)).toBe(true)
    const r = tm.beginCommit(0, 0)
    const end = next('EndTxn')
    expect(end.maxVersion).toBe(4) // the transaction ends in the version it began with
    tm.onResponse(end, ok(), 0)
    // Java's clientSideEpochBumpRequired: the commit completes with the epoch bump.
    expect(tm.state).toBe('INITIALIZING')
    expect(r.done).toBe(false)
    const bump = next('InitProducerId')
    expect(bump.body).toMatchObject({ transactionalId: 'tid', producerId: 42n, producerEpoch: 3 })
    tm.onResponse(bump, ok({ producerId: 42n, producerEpoch: 4 }), 0)
    await r.promise
    expect(tm.state).toBe('READY')
    expect(epochs).toEqual([
      [42n, 3],
      [42n, 4],
    ])
    // The next transaction is TV2: no AddPartitionsToTxn, EndTxn v5 (which bumps again).
    tm.beginTransaction()
    expect(tm.transactionVersion).toBe(2)
    expect(tm.maybeAddPartition('t', 0)).toBe(true)
    const r2 = tm.beginCommit(0, 0)
    const end2 = next('EndTxn')
    expect(end2.maxVersion).toBe(5)
    expect(end2.body).toMatchObject({ producerEpoch: 4 })
    tm.onResponse(end2, ok({ producerId: 42n, producerEpoch: 5 }), 0)
    await r2.promise
    expect(epochs.at(-1)).toEqual([42n, 5])
  })

  it('TV1 → TV2 noticed between transactions: the next transaction still runs TV1; a transaction nothing started ends with the bump alone', async () => {
    const { tm, next, init, epochs } = setup(1)
    await init()
    tm.setFinalizedTransactionVersion(2)
    tm.beginTransaction()
    expect(tm.transactionVersion).toBe(1) // a version changes when a transaction ends (as Java)
    const r = tm.beginAbort(0, 0) // nothing was sent: no EndTxn
    const bump = next('InitProducerId')
    expect(bump.body).toMatchObject({ producerId: 42n, producerEpoch: 3 })
    tm.onResponse(bump, ok({ producerId: 42n, producerEpoch: 4 }), 0)
    await r.promise
    expect(epochs.at(-1)).toEqual([42n, 4])
    expect(tm.transactionVersion).toBe(2)
  })

  it('TV2 → TV1 (a downgrade) switches at the end of the transaction without an epoch bump', async () => {
    const { tm, next, init, epochs } = setup(2)
    await init()
    tm.beginTransaction()
    tm.maybeAddPartition('t', 0)
    tm.setFinalizedTransactionVersion(1)
    const r = tm.beginCommit(0, 0)
    tm.onResponse(next('EndTxn'), ok({ producerId: 42n, producerEpoch: 4 }), 0)
    await r.promise
    expect(tm.state).toBe('READY')
    // The TV2 transaction's markers: the completion probe, then nothing (no InitProducerId)
    tm.onResponse(next('DescribeTransactions'), described('CompleteCommit'), 0)
    expect(tm.poll(0, 0).request).toBeUndefined()
    expect(epochs).toEqual([
      [42n, 3],
      [42n, 4],
    ])
    expect(tm.transactionVersion).toBe(1)
  })

  it('TV1: a sequence gap (failed batch) bumps the epoch through InitProducerId after the abort (KIP-360)', async () => {
    const { tm, next, init, epochs } = setup(1)
    await init()
    tm.beginTransaction()
    tm.requestEpochBump()
    tm.onBatchFailed(new BrokerError(ErrorCode.NOT_ENOUGH_REPLICAS, null))
    const abort = tm.beginAbort(0, 0)
    // No partition was added: no EndTxn, straight to the bump with the current id and epoch.
    const bump = next('InitProducerId')
    expect(bump.body).toMatchObject({ producerId: 42n, producerEpoch: 3 })
    tm.onResponse(bump, ok({ producerId: 42n, producerEpoch: 4 }), 0)
    await abort.promise
    expect(tm.state).toBe('READY')
    expect(epochs.at(-1)).toEqual([42n, 4])
  })
})

describe('the produce path of a transactional producer (Sender + TransactionManager, fake clock)', () => {
  async function transactional(tv: 1 | 2) {
    const { harness } = await import('./harness.js')
    const s = setup(tv)
    const bumps: number[] = []
    const h = harness({
      lingerMs: 0,
      transactional: {
        hooks: {
          maySend: (topic, partition) => s.tm.maybeAddPartition(topic, partition),
          epochBumpRequired: () => {
            bumps.push(1)
            s.tm.requestEpochBump()
          },
        },
        transactionalId: 'tid',
        maxProduceVersion: () => (s.tm.transactionVersion === 2 ? 13 : 11),
      },
    })
    // The TransactionManager's id and epoch stamp the batches (what the Producer wires up).
    const r = s.tm.initTransactions(0)
    s.coordinator()
    s.tm.onResponse(s.next('InitProducerId'), ok({ producerId: 42n, producerEpoch: 3 }), 0)
    await r.promise
    h.state.setProducerIdAndEpoch(s.tm.producerId, s.tm.epoch)
    return { ...s, h, bumps }
  }

  it('nothing is sent before initTransactions, and the SenderLoop is not asked for a producer id', async () => {
    const { harness } = await import('./harness.js')
    const s = setup(2)
    const h = harness({
      lingerMs: 0,
      transactional: {
        hooks: { maySend: (t, p) => s.tm.maybeAddPartition(t, p), epochBumpRequired: () => {} },
        transactionalId: 'tid',
        maxProduceVersion: () => 13,
      },
    })
    h.send(0, 'a', 0)
    const poll = h.sender.poll(0, h.metadata)
    expect(poll.requests).toHaveLength(0)
    expect(poll.needsProducerId).toBe(false)
  })

  it('TV2: batches go at once, transactional, with the transactionalId and the coordinator epoch', async () => {
    const { tm, h } = await transactional(2)
    tm.beginTransaction()
    h.send(0, 'a', 0)
    const poll = h.sender.poll(0, h.metadata)
    expect(poll.requests).toHaveLength(1)
    const plan = poll.requests[0]!
    expect(plan.body.transactionalId).toBe('tid')
    expect(plan.maxVersion).toBeGreaterThanOrEqual(12)
    expect(h.decode(plan)).toMatchObject([{ producerEpoch: 3, baseSequence: 0, isTransactional: true, values: ['a'] }])
  })

  it('TV1: a partition is drained only after AddPartitionsToTxn; Produce is capped at v11', async () => {
    const { tm, h, next } = await transactional(1)
    tm.beginTransaction()
    h.send(1, 'b', 0)
    expect(h.sender.poll(0, h.metadata).requests).toHaveLength(0)
    const add = next('AddPartitionsToTxn', 0, 1)
    expect(add.body.v3AndBelowTopics).toEqual([{ name: 't', partitions: [1] }])
    tm.onResponse(
      add,
      {
        throttleTimeMs: 0,
        resultsByTopicV3AndBelow: [{ name: 't', resultsByPartition: [{ partitionIndex: 1, partitionErrorCode: 0 }] }],
      } as never,
      0,
    )
    const poll = h.sender.poll(1, h.metadata)
    expect(poll.requests).toHaveLength(1)
    expect(poll.requests[0]!.maxVersion).toBe(11)
    expect(h.decode(poll.requests[0]!)[0]!.isTransactional).toBe(true)
  })

  it('a batch that fails for good makes the transaction abortable and asks the manager (not the sender) for a new epoch', async () => {
    const { tm, h, bumps } = await transactional(2)
    tm.beginTransaction()
    h.send(0, 'a', 0)
    const plan = h.sender.poll(0, h.metadata).requests[0]!
    h.sender.onResponse(plan, h.response(plan, [{ errorCode: ErrorCode.INVALID_RECORD }]), 1)
    expect(h.failed).toHaveLength(1)
    tm.onBatchFailed(h.failed[0]![0]) // the Producer forwards onBatchFailed
    expect(tm.state).toBe('ABORTABLE_ERROR')
    expect(bumps).toHaveLength(1)
    // No local epoch bump: the epoch stays the coordinator's until the abort's EndTxn bumps it.
    h.sender.poll(2, h.metadata)
    expect(h.state.epoch).toBe(3)
  })
})

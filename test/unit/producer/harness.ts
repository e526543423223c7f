/** A fake-clock harness for the accumulator and sender cores (no I/O, no timers). */
import { RecordAccumulator } from '../../../src/producer/accumulator.js'
import { builderWriterFactory, type ProducerBatch, type RecordMetadata } from '../../../src/producer/batch.js'
import { BufferPool } from '../../../src/producer/buffer-pool.js'
import { ProducerMetrics } from '../../../src/producer/metrics.js'
import { ProducerState, type TransactionalHooks } from '../../../src/producer/producer-state.js'
import { type ProduceRequestPlan, type ProduceResponseBody, Sender } from '../../../src/producer/sender.js'
import { batches, type CompressionType } from '../../../src/protocol/records/index.js'

export interface HarnessOptions {
  batchSize?: number
  lingerMs?: number
  bufferMemory?: number
  deliveryTimeoutMs?: number
  maxRequestSize?: number
  maxInFlight?: number
  retries?: number
  acks?: 0 | 1 | -1
  idempotent?: boolean
  partitions?: number[] // leader per partition
  compression?: CompressionType
  /** A transactional producer: the ProducerState hooks and the Sender's transactional options. */
  transactional?: {
    hooks: TransactionalHooks
    transactionalId: string
    maxProduceVersion: () => number
  }
}

export interface PartitionResult {
  errorCode?: number
  baseOffset?: bigint
  logAppendTimeMs?: bigint
  logStartOffset?: bigint
}

export function harness(o: HarnessOptions = {}) {
  const batchSize = o.batchSize ?? 1000
  const pool = new BufferPool(o.bufferMemory ?? 1 << 20, batchSize)
  const factory = builderWriterFactory({
    compression: o.compression ?? 0,
    compressionLevel: undefined,
    batchSize,
    transactional: o.transactional !== undefined,
  })
  const deliveryTimeoutMs = o.deliveryTimeoutMs ?? 120_000
  const acc = new RecordAccumulator(
    { batchSize, lingerMs: o.lingerMs ?? 5, deliveryTimeoutMs, adaptivePartitioning: false },
    pool,
    factory,
  )
  const idempotent = o.idempotent ?? o.transactional !== undefined
  const state = new ProducerState(idempotent, o.transactional?.hooks)
  if (idempotent && o.transactional === undefined) state.setProducerIdAndEpoch(1000n, 0)
  const failed: [Error, ProducerBatch][] = []
  // The producer's metrics, fed by the Sender with the test's clock (snapshot at `now` through registry).
  const metrics: ProducerMetrics = new ProducerMetrics('test', pool, (): number => sender.inFlightCount)
  const sender: Sender = new Sender(acc, state, {
    acks: o.acks ?? -1,
    maxRequestSize: o.maxRequestSize ?? 1 << 20,
    maxInFlightRequestsPerConnection: o.maxInFlight ?? 5,
    requestTimeoutMs: 30_000,
    retries: o.retries ?? 2147483647,
    deliveryTimeoutMs,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    backoff: (_attempt, base) => base,
    onBatchFailed: (e, b) => failed.push([e, b]),
    sensors: metrics,
    ...(o.transactional === undefined
      ? {}
      : { transactionalId: o.transactional.transactionalId, maxProduceVersion: o.transactional.maxProduceVersion }),
  })
  const leaders = o.partitions ?? [1, 2]
  const topics = new Map([
    [
      't',
      {
        name: 't',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        partitions: leaders.map((leaderId, partition) => ({ partition, leaderId })),
      },
    ],
  ])
  const metadata = { topic: (name: string) => topics.get(name) }
  const settled = new Map<Promise<RecordMetadata>, RecordMetadata | Error>()

  function send(partition: number, value: string, now: number, topic = 't'): Promise<RecordMetadata> {
    const bytes = Buffer.from(value)
    const promise = acc.append(
      acc.topicQueues(topic),
      partition,
      false,
      now,
      null,
      bytes,
      null,
      -1,
      bytes.length,
      100,
      now,
    )
    if (promise === null) throw new Error('no memory')
    promise.then(
      (m) => settled.set(promise, m),
      (e) => settled.set(promise, e),
    )
    return promise
  }

  function response(plan: ProduceRequestPlan, results: PartitionResult[] | ((b: ProducerBatch) => PartitionResult)) {
    const byTopic = new Map<string, any[]>()
    plan.batches.forEach((b, i) => {
      const r = typeof results === 'function' ? results(b) : (results[i] ?? {})
      let list = byTopic.get(b.topic)
      if (list === undefined) byTopic.set(b.topic, (list = []))
      list.push({
        index: b.partition,
        errorCode: r.errorCode ?? 0,
        baseOffset: r.baseOffset ?? 0n,
        logAppendTimeMs: r.logAppendTimeMs ?? -1n,
        logStartOffset: r.logStartOffset ?? 0n,
        recordErrors: [],
        errorMessage: null,
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
      })
    })
    return {
      responses: [...byTopic].map(([name, partitionResponses]) => ({
        name,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        partitionResponses,
      })),
      throttleTimeMs: 0,
      nodeEndpoints: [],
    } as unknown as ProduceResponseBody
  }

  /** Decoded (producerId, epoch, baseSequence, values) of each batch in a request. */
  function decode(plan: ProduceRequestPlan) {
    const out: {
      topic: string
      partition: number
      producerEpoch: number
      baseSequence: number
      isTransactional: boolean
      values: string[]
    }[] = []
    for (const t of plan.body.topicData ?? []) {
      for (const p of t.partitionData ?? []) {
        for (const b of batches(p.records as Buffer)) {
          out.push({
            topic: t.name as string,
            partition: p.index as number,
            producerEpoch: b.producerEpoch,
            baseSequence: b.baseSequence,
            isTransactional: b.isTransactional,
            values: [...b.records()].map((r) => r.value!.toString()),
          })
        }
      }
    }
    return out
  }

  const flush = () => new Promise((r) => setImmediate(r))

  /** Sends one record to partition 0 and acknowledges it at offset 0 (sequence 0 when idempotent). */
  async function acknowledgeFirstBatch(): Promise<void> {
    const sent = send(0, 'w', 0)
    const request = sender.poll(0, metadata).requests[0]!
    sender.onResponse(request, response(request, [{ baseOffset: 0n }]), 0)
    await sent
  }

  return {
    acc,
    pool,
    state,
    sender,
    metadata,
    topics,
    send,
    response,
    decode,
    failed,
    settled,
    flush,
    acknowledgeFirstBatch,
    metrics,
  }
}

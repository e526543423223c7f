/**
 * kafkajs driver, given its best (as the issue asks):
 * - produce: sendBatch() with batches of spec.sendBatchRecords (1,000) records, spec.sendConcurrency
 *   batches outstanding (1 with idempotence: kafkajs allows one request in flight then, and
 *   concurrent idempotent batches risk OUT_OF_ORDER_SEQUENCE_NUMBER). kafkajs has no linger and
 *   no batch size: a sendBatch call is split per partition and sent at once.
 * - lz4/zstd: kafkajs ships only gzip; the community codecs (kafkajs-lz4, @kafkajs/zstd) wrap
 *   native packages, so this driver plugs in the same native codecs kafka-wire uses (lz4-napi,
 *   zstd-napi, through kafka-wire's codec module) — the codec cost is the same for both.
 * - consume: consumer.run({ eachBatch }), fresh group, fromBeginning, no commits; C1m (spec.handler
 *   eachMessage): consumer.run({ eachMessage }) with kafkajs's default autoCommit.
 * - group: GROUP_JOIN carries the member's assignment; REBALANCING clears it.
 * - slow-consume (M2): kafkajs has no assign(): a group of one member, subscribe fromBeginning;
 *   maxBytes (its fetch max bytes) and maxBytesPerPartition from the scenario; each batch is
 *   handed over in slices of maxPollRecords with the pause after each (it has no max poll records).
 * - txn-produce (T1–T4): producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
 *   per transaction: transaction(), sendBatch() of at most spec.sendBatchRecords records at a time,
 *   one after another (one request in flight, as with idempotence), commit(). connect() (which
 *   gets the producer id) is not timed. retry.initialRetryTime is spec.retryBackoffMs (100 ms, Java's
 *   retry.backoff.ms) instead of 300 ms: see TXN_RETRY_BACKOFF_MS in scenarios.mjs.
 * - txn-latency (L3): the copier is consumer.run({ eachBatch }) with a transaction per batch (kafkajs
 *   hands over one partition's batch at a time: its transactions are per partition, where the
 *   other clients' are per poll of every partition): txn.send() of the batch, txn.sendOffsets() of
 *   the batch's next offset, commit(); the reader is a second consumer (kafkajs reads committed
 *   records by default). maxWaitTimeInMs 500 for both, as in L1.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { valueSource } from '../payloads.mjs'
import {
  batchedSends,
  failOnErrors,
  groupScenario,
  LatencyRun,
  markConnected,
  runDriver,
  SlowReader,
  sleep,
  throughput,
  transactionalSends,
} from './harness.mjs'

const spec = JSON.parse(process.argv[2] ?? '{}')
const require = createRequire(import.meta.url)
// The same driver runs the `kafka-wire/kafkajs` client (spec.kafkajsLayer): this code, unchanged, on
// kafka-wire's kafkajs-compatible layer (the benchmarked dist's kafkajs/ entry) instead of kafkajs.
const layer = spec.kafkajsLayer === true
const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = layer
  ? await import(pathToFileURL(`${spec.kwDist}/kafkajs/index.js`).href)
  : require('kafkajs')
const kafkajsVersion = layer ? spec.kwVersion : require('kafkajs/package.json').version
const codecs = await import(pathToFileURL(`${spec.kwDist}/protocol/records/compression/index.js`).href)

const nativeCodec = (type) => () => ({
  compress: async (encoder) => codecs.compress(type, encoder.buffer),
  decompress: async (buffer) => codecs.decompress(type, buffer),
})
CompressionCodecs[CompressionTypes.LZ4] = nativeCodec(codecs.CompressionType.LZ4)
CompressionCodecs[CompressionTypes.ZSTD] = nativeCodec(codecs.CompressionType.ZSTD)

const COMPRESSION = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}

function kafka(s, clientId = 'bench-kafkajs') {
  return new Kafka({
    clientId,
    brokers: s.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    // P2-TLS/C2-TLS: the broker's SSL listener, trusting the kit's CA.
    ...(s.tls ? { ssl: { ca: [readFileSync(s.tls.caPem, 'utf8')] } } : {}),
  })
}

async function produce(s) {
  const producer = kafka(s).producer({
    idempotent: s.idempotent,
    maxInFlightRequests: s.idempotent ? 1 : undefined,
    allowAutoTopicCreation: false,
  })
  const value = valueSource(s.valueKind, s.valueSize)
  const acks = s.acks === 'all' ? -1 : s.acks
  const compression = COMPRESSION[s.compression]
  await producer.connect()
  try {
    const r = await batchedSends(s.records, s.sendBatchRecords, s.idempotent ? 1 : s.sendConcurrency, (from, count) => {
      const messages = new Array(count)
      for (let k = 0; k < count; k++) messages[k] = { value: value(from + k) }
      return producer.sendBatch({ topicMessages: [{ topic: s.topic, messages }], acks, compression })
    })
    failOnErrors(r)
    return throughput(s.records, s.records * s.valueSize, r.elapsedMs)
  } finally {
    await producer.disconnect()
  }
}

async function txnProduce(s) {
  const producer = kafka(s).producer({
    transactionalId: s.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { initialRetryTime: s.retryBackoffMs },
  })
  const value = valueSource(s.valueKind, s.valueSize)
  const compression = COMPRESSION[s.compression]
  await producer.connect()
  try {
    const r = await transactionalSends(s.records, s.recordsPerTransaction, async (from, count) => {
      const txn = await producer.transaction()
      try {
        for (let at = from; at < from + count; at += s.sendBatchRecords) {
          const n = Math.min(s.sendBatchRecords, from + count - at)
          const messages = new Array(n)
          for (let k = 0; k < n; k++) messages[k] = { value: value(at + k) }
          await txn.sendBatch({ topicMessages: [{ topic: s.topic, messages }], acks: -1, compression })
        }
      } catch (err) {
        await txn.abort().catch(() => undefined)
        throw err
      }
      await txn.commit()
    })
    return { ...throughput(s.records, s.records * s.valueSize, r.elapsedMs), transactions: r.transactions }
  } finally {
    await producer.disconnect()
  }
}

function groupConsumer(s, clientId) {
  return kafka(s, clientId).consumer({
    groupId: s.groupId,
    sessionTimeout: s.sessionTimeoutMs,
    heartbeatInterval: s.heartbeatIntervalMs,
    maxBytesPerPartition: 1048576,
    allowAutoTopicCreation: false,
  })
}

async function consume(s) {
  const consumer = groupConsumer(s, 'bench-kafkajs')
  let records = 0
  let bytes = 0
  let finish
  const finished = new Promise((resolve) => (finish = resolve))
  const started = performance.now()
  let ended = 0
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [s.topic], fromBeginning: true })
    const counted = (n) => {
      records += n
      if (records >= s.records && ended === 0) {
        ended = performance.now()
        finish()
      }
    }
    await consumer.run(
      s.handler === 'eachMessage'
        ? {
            // C1m: kafkajs's defaults (autoCommit after each batch) and its most common handler.
            eachMessage: async ({ message }) => {
              bytes += message.value?.length ?? 0
              counted(1)
            },
          }
        : {
            autoCommit: false,
            eachBatchAutoResolve: true,
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) bytes += m.value?.length ?? 0
              counted(batch.messages.length)
            },
          },
    )
    await finished
    return throughput(records, bytes, ended - started)
  } finally {
    await consumer.disconnect()
  }
}

async function slowConsume(s) {
  const consumer = kafka(s, 'bench-kafkajs-slow').consumer({
    groupId: s.groupId,
    sessionTimeout: s.sessionTimeoutMs,
    heartbeatInterval: s.heartbeatIntervalMs,
    maxBytes: s.fetchMaxBytes,
    maxBytesPerPartition: s.maxPartitionFetchBytes,
    allowAutoTopicCreation: false,
  })
  const reader = new SlowReader(s)
  let finish
  const finished = new Promise((resolve) => (finish = resolve))
  await consumer.connect()
  try {
    // connect(): a broker connection and metadata; nothing fetched yet: the baseline.
    await markConnected()
    await consumer.subscribe({ topics: [s.topic], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat, isRunning }) => {
        const messages = batch.messages
        for (let i = 0; i < messages.length && !reader.done() && isRunning(); i += s.maxPollRecords) {
          const slice = messages.slice(i, i + s.maxPollRecords)
          let bytes = 0
          for (const m of slice) bytes += m.value?.length ?? 0
          reader.received(slice.length, bytes)
          await sleep(s.pauseMs)
          await heartbeat()
        }
        if (reader.done()) finish()
      },
    })
    await finished
    return reader.metrics()
  } finally {
    await consumer.disconnect()
  }
}

async function latency(s) {
  const run = new LatencyRun(s)
  const k = kafka(s, 'bench-kafkajs-e2e')
  const consumer = k.consumer({ groupId: s.groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false })
  const producer = k.producer({ allowAutoTopicCreation: false })
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve))
  await Promise.all([consumer.connect(), producer.connect()])
  try {
    await consumer.subscribe({ topics: [s.topic], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) run.received(m.value)
      },
    })
    await joined
    return await run.run((values) =>
      producer.send({
        topic: s.topic,
        acks: s.acks === 'all' ? -1 : s.acks,
        messages: values.map((value) => ({ value })),
      }),
    )
  } finally {
    await producer.disconnect()
    await consumer.disconnect()
  }
}

async function txnLatency(s) {
  const run = new LatencyRun(s)
  const k = kafka(s, 'bench-kafkajs-e2e')
  const copierConsumer = k.consumer({ groupId: s.groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false })
  const reader = k.consumer({ groupId: s.readerGroupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false })
  const copierProducer = k.producer({
    transactionalId: s.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { initialRetryTime: s.retryBackoffMs },
  })
  const producer = k.producer({ allowAutoTopicCreation: false })
  const joined = (c) => new Promise((resolve) => c.on(c.events.GROUP_JOIN, resolve))
  const bothJoined = Promise.all([joined(copierConsumer), joined(reader)])
  let transactions = 0
  // A failing copier fails the run at once (kafkajs would restart the consumer and retry the batch).
  let copierFailed
  const failure = new Promise((_, reject) => (copierFailed = reject))
  failure.catch(() => undefined)
  await Promise.all([copierConsumer.connect(), reader.connect(), copierProducer.connect(), producer.connect()])
  try {
    await copierConsumer.subscribe({ topics: [s.topic], fromBeginning: true })
    await reader.subscribe({ topics: [s.outputTopic], fromBeginning: true })
    await copierConsumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return
        const txn = await copierProducer.transaction()
        try {
          await txn.send({
            topic: s.outputTopic,
            acks: -1,
            messages: batch.messages.map((m) => ({ value: m.value })),
          })
          await txn.sendOffsets({
            consumerGroupId: s.groupId,
            topics: [
              {
                topic: batch.topic,
                partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }],
              },
            ],
          })
          await txn.commit()
          transactions++
        } catch (err) {
          copierFailed(err)
          await txn.abort().catch(() => undefined)
          throw err
        }
      },
    })
    await reader.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) run.received(m.value)
      },
    })
    await bothJoined
    const metrics = await Promise.race([
      run.run((values) =>
        producer.send({
          topic: s.topic,
          acks: s.acks === 'all' ? -1 : s.acks,
          messages: values.map((value) => ({ value })),
        }),
      ),
      failure,
    ])
    return { ...metrics, transactions }
  } finally {
    await producer.disconnect()
    await copierConsumer.disconnect()
    await copierProducer.disconnect()
    await reader.disconnect()
  }
}

async function group(s) {
  return groupScenario(s, (i, tracker) => {
    const consumer = groupConsumer(s, `bench-kafkajs-g${i}`)
    consumer.on(consumer.events.REBALANCING, () => tracker.assigned(i, []))
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      tracker.assigned(i, e.payload.memberAssignment[s.topic] ?? [])
    })
    return {
      start: async () => {
        await consumer.connect()
        await consumer.subscribe({ topics: [s.topic], fromBeginning: true })
        await consumer.run({ autoCommit: false, eachBatch: async () => undefined })
      },
      close: () => consumer.disconnect(),
    }
  })
}

await runDriver(
  {
    produce,
    consume,
    latency,
    group,
    'slow-consume': slowConsume,
    'txn-produce': txnProduce,
    'txn-latency': txnLatency,
  },
  { client: layer ? 'kafka-wire-kafkajs' : 'kafkajs', version: kafkajsVersion, handlers: ['eachMessage'] },
)

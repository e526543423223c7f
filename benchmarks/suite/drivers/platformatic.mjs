/**
 * @platformatic/kafka driver. Needs Node ≥ 22.19: the runner starts it with the registry's
 * Node 22 binary (benchmarks/peers/node_modules/.bin/node). Semantics:
 * - produce: send({ messages }) with batches of spec.sendBatchRecords (1,000) records,
 *   spec.sendConcurrency batches outstanding (the same shape as kafkajs's sendBatch). It has no
 *   linger and no batch size: each send() call is one Produce request per broker.
 * - compression: its own (lz4 in WebAssembly, zstd from node:zlib).
 * - consume: consume({ mode: 'earliest' }) stream, 'data' events, fresh group, no commits,
 *   read_uncommitted (its default is read_committed), maxWaitTime 500 ms (default 5 s).
 * - group: 'consumer:group:join' carries the assignment; 'consumer:group:rebalance' clears it.
 * - slow-consume (M2): no assign(): a group of one member, consume({ mode: 'earliest' }); maxBytes
 *   (its fetch max bytes) and maxBytesPerPartition from the scenario, its stream's highWaterMark
 *   left at its default; the application pauses the stream for the pause after every
 *   maxPollRecords records (it has no max poll records).
 * - txn-produce (T1–T4): Producer({ idempotent: true, transactionalId, acks: -1 }); per
 *   transaction: beginTransaction(), send({ messages }) on the transaction in batches of at most
 *   spec.sendBatchRecords with spec.sendConcurrency outstanding (as its P3), commit(). retryDelay
 *   is spec.retryBackoffMs (100 ms, Java's retry.backoff.ms) instead of 1,000 ms: see
 *   TXN_RETRY_BACKOFF_MS in scenarios.mjs.
 * - txn-latency (L3): its consumer is a stream of single messages, so the copier batches them itself:
 *   everything that arrived since the previous transaction goes into the next one (the others' poll
 *   semantics): beginTransaction(), send({ messages }), addConsumer(), addOffset() of the last
 *   message of each partition, commit(). Copier and reader read committed records (its default).
 */
import { readFileSync } from 'node:fs'
import { valueSource } from '../payloads.mjs'
import {
  batchedSends,
  failOnErrors,
  groupScenario,
  LatencyRun,
  markConnected,
  runDriver,
  SlowReader,
  throughput,
  transactionalSends,
} from './harness.mjs'

const spec = JSON.parse(process.argv[2] ?? '{}')
const pkgDir = `${spec.peersDir}/node_modules/@platformatic/kafka`
const { Producer, Consumer } = await import(`${pkgDir}/dist/index.js`)
const version = JSON.parse(readFileSync(`${pkgDir}/package.json`, 'utf8')).version

const ACKS = { 0: 0, 1: 1, all: -1 }
const base = (s, clientId) => ({
  clientId,
  bootstrapBrokers: s.bootstrap.split(','),
  autocreateTopics: false,
  // P2-TLS/C2-TLS: the broker's SSL listener, trusting the kit's CA.
  ...(s.tls ? { tls: { ca: readFileSync(s.tls.caPem, 'utf8') } } : {}),
})

async function produce(s) {
  const producer = new Producer({
    ...base(s, 'bench-platformatic'),
    acks: ACKS[s.acks],
    idempotent: s.idempotent,
    compression: s.compression,
  })
  const value = valueSource(s.valueKind, s.valueSize)
  try {
    const r = await batchedSends(s.records, s.sendBatchRecords, s.sendConcurrency, (from, count) => {
      const messages = new Array(count)
      for (let k = 0; k < count; k++) messages[k] = { topic: s.topic, value: value(from + k) }
      return producer.send({ messages })
    })
    failOnErrors(r)
    return throughput(s.records, s.records * s.valueSize, r.elapsedMs)
  } finally {
    await producer.close()
  }
}

async function txnProduce(s) {
  const producer = new Producer({
    ...base(s, 'bench-platformatic-txn'),
    acks: -1,
    idempotent: true,
    transactionalId: s.transactionalId,
    compression: s.compression,
    retryDelay: s.retryBackoffMs,
  })
  const value = valueSource(s.valueKind, s.valueSize)
  try {
    // Its first beginTransaction() finds the coordinator and gets the producer id (Java's
    // initTransactions()): once, untimed; cancel() drops that empty transaction locally.
    await (await producer.beginTransaction()).cancel()
    await producer.metadata({ topics: [s.topic] })
    const r = await transactionalSends(s.records, s.recordsPerTransaction, async (from, count) => {
      const tx = await producer.beginTransaction()
      const sent = await batchedSends(count, s.sendBatchRecords, s.sendConcurrency, (at, n) => {
        const messages = new Array(n)
        for (let k = 0; k < n; k++) messages[k] = { topic: s.topic, value: value(from + at + k) }
        return tx.send({ messages })
      })
      if (sent.errors > 0) {
        await tx.abort().catch(() => undefined)
        failOnErrors(sent)
      }
      await tx.commit()
    })
    return { ...throughput(s.records, s.records * s.valueSize, r.elapsedMs), transactions: r.transactions }
  } finally {
    await producer.close()
  }
}

function consumer(s, clientId) {
  return new Consumer({
    ...base(s, clientId),
    groupId: s.groupId,
    sessionTimeout: s.sessionTimeoutMs,
    heartbeatInterval: s.heartbeatIntervalMs,
    maxWaitTime: 500,
    maxBytesPerPartition: 1048576,
    isolationLevel: 0,
  })
}

const streamOptions = (s) => ({ topics: [s.topic], mode: 'earliest', autocommit: false })

async function consume(s) {
  const c = consumer(s, 'bench-platformatic')
  let records = 0
  let bytes = 0
  const started = performance.now()
  const stream = await c.consume(streamOptions(s))
  try {
    const ended = await new Promise((resolve, reject) => {
      stream.on('error', reject)
      stream.on('data', (m) => {
        records++
        bytes += m.value?.length ?? 0
        if (records === s.records) resolve(performance.now())
      })
    })
    return throughput(records, bytes, ended - started)
  } finally {
    await stream.close()
    await c.close(true)
  }
}

async function slowConsume(s) {
  const c = new Consumer({
    ...base(s, 'bench-platformatic-slow'),
    groupId: s.groupId,
    sessionTimeout: s.sessionTimeoutMs,
    heartbeatInterval: s.heartbeatIntervalMs,
    maxWaitTime: 500,
    maxBytes: s.fetchMaxBytes,
    maxBytesPerPartition: s.maxPartitionFetchBytes,
    isolationLevel: 0,
  })
  const reader = new SlowReader(s)
  let stream = null
  try {
    // A connection and the topic's metadata; nothing fetched yet: the baseline.
    await c.metadata({ topics: [s.topic] })
    await markConnected()
    stream = await c.consume(streamOptions(s))
    await new Promise((resolve, reject) => {
      let slice = 0
      let bytes = 0
      let idle = null
      // A slice is handed over when it is full, or when no record came for a while (end of backlog).
      const handOver = () => {
        clearTimeout(idle)
        reader.received(slice, bytes)
        slice = 0
        bytes = 0
        stream.pause()
        setTimeout(() => (reader.done() ? resolve() : stream.resume()), s.pauseMs)
      }
      stream.on('error', reject)
      stream.on('data', (m) => {
        slice++
        bytes += m.value?.length ?? 0
        clearTimeout(idle)
        if (slice >= s.maxPollRecords) handOver()
        else idle = setTimeout(handOver, 500)
      })
    })
    return reader.metrics()
  } finally {
    await stream?.close()
    await c.close(true)
  }
}

async function latency(s) {
  const run = new LatencyRun(s)
  const c = consumer(s, 'bench-platformatic-e2e')
  const producer = new Producer({ ...base(s, 'bench-platformatic-e2e'), acks: ACKS[s.acks], idempotent: false })
  const joined = new Promise((resolve) => c.once('consumer:group:join', resolve))
  const stream = await c.consume(streamOptions(s))
  stream.on('data', (m) => run.received(m.value))
  try {
    await joined
    return await run.run((values) => producer.send({ messages: values.map((value) => ({ topic: s.topic, value })) }))
  } finally {
    await stream.close()
    await producer.close()
    await c.close(true)
  }
}

async function txnLatency(s) {
  const run = new LatencyRun(s)
  const readCommitted = (clientId, groupId) =>
    new Consumer({
      ...base(s, clientId),
      groupId,
      sessionTimeout: s.sessionTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      maxWaitTime: 500,
      maxBytesPerPartition: 1048576,
    })
  const input = readCommitted('bench-platformatic-copier', s.groupId)
  const reader = readCommitted('bench-platformatic-reader', s.readerGroupId)
  const copierProducer = new Producer({
    ...base(s, 'bench-platformatic-copier'),
    acks: -1,
    idempotent: true,
    transactionalId: s.transactionalId,
    retryDelay: s.retryBackoffMs,
  })
  const producer = new Producer({ ...base(s, 'bench-platformatic-e2e'), acks: ACKS[s.acks], idempotent: false })
  const joined = (c) => new Promise((resolve) => c.once('consumer:group:join', resolve))
  const bothJoined = Promise.all([joined(input), joined(reader)])
  let pending = []
  let arrived = null
  let stop = false
  let transactions = 0
  const inStream = await input.consume(streamOptions(s))
  const outStream = await reader.consume({ ...streamOptions(s), topics: [s.outputTopic] })
  inStream.on('data', (m) => {
    pending.push(m)
    arrived?.()
  })
  outStream.on('data', (m) => run.received(m.value))
  const copier = (async () => {
    while (!stop) {
      if (pending.length === 0) {
        await new Promise((resolve) => {
          arrived = resolve
          setTimeout(resolve, 100)
        })
        arrived = null
        continue
      }
      const batch = pending
      pending = []
      const tx = await copierProducer.beginTransaction()
      try {
        await tx.send({ messages: batch.map((m) => ({ topic: s.outputTopic, value: m.value })) })
        await tx.addConsumer(input)
        const last = new Map()
        for (const m of batch) last.set(`${m.topic}:${m.partition}`, m)
        for (const m of last.values()) await tx.addOffset(m)
        await tx.commit()
        transactions++
      } catch (err) {
        await tx.abort().catch(() => undefined)
        throw err
      }
    }
  })()
  // A failing copier fails the run at once; after `stop` this rejection is ignored.
  const failure = copier.then(() => {
    throw new Error('the copier stopped')
  })
  failure.catch(() => undefined)
  try {
    await bothJoined
    const metrics = await Promise.race([
      run.run((values) => producer.send({ messages: values.map((value) => ({ topic: s.topic, value })) })),
      failure,
    ])
    return { ...metrics, transactions }
  } finally {
    stop = true
    await copier.catch(() => undefined)
    await inStream.close()
    await outStream.close()
    await producer.close()
    await copierProducer.close()
    await input.close(true)
    await reader.close(true)
  }
}

async function group(s) {
  return groupScenario(s, (i, tracker) => {
    const c = consumer(s, `bench-platformatic-g${i}`)
    c.on('consumer:group:rebalance', () => tracker.assigned(i, []))
    c.on('consumer:group:join', (e) => {
      const mine = (e.assignments ?? []).filter((a) => a.topic === s.topic).flatMap((a) => a.partitions)
      tracker.assigned(i, mine)
    })
    let stream = null
    return {
      start: async () => {
        stream = await c.consume(streamOptions(s))
        stream.on('data', () => undefined)
      },
      close: async () => {
        await stream?.close()
        await c.close(true)
      },
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
  { client: '@platformatic/kafka', version },
)

/**
 * kafka-wire driver (this repository's build, dist/esm). Semantics:
 * - produce: one send() per record, at most bufferMemory / (value + 70 B) unacknowledged
 *   (as ProducerPerformance: one callback per record); acks, enableIdempotence, lingerMs,
 *   batchSize and compressionType as the scenario says.
 * - consume: poll() loop, fresh group, from the earliest offset, no commits.
 * - latency: a producer (linger 0) and a consumer in one process.
 * - group: one Consumer per member, each with its own poll loop, default assignors.
 * - slow-consume (M2): assign() of every partition, no group; fetchMaxBytes,
 *   maxPartitionFetchBytes and maxPollRecords from the scenario; poll(500), then pause.
 * - share: spec.consumers ShareConsumers in this process (as ShareConsumerPerformance's consumers
 *   in one JVM), each with its own poll(100) loop, implicit acknowledgement, default options; the
 *   clock runs from subscribe() to the poll that brings the count to spec.records (the last
 *   poll's records are accepted after the clock, by commitSync(), as the Java tool does).
 * - txn-produce (T1–T4): a Producer with transactionalId (acks all, idempotent, lingerMs and
 *   batchSize as the P scenarios); initTransactions(), then beginTransaction(), one send() per
 *   record of the transaction (not awaited one by one), commitTransaction() (which flushes), repeated.
 * - txn-latency (L3): a producer (linger 0) writes to the input topic at the rate; the copier, a
 *   Consumer (read_committed, no auto-commit) and a transactional Producer, copies each poll's
 *   records in one producer.transaction() with sendOffsetsToTransaction(nextOffsets(),
 *   groupMetadata()), as examples/eos-copier.mjs; a read_committed Consumer of the output records
 *   the latency. All in this process, so the stamp's clock is shared.
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { valueSource } from '../payloads.mjs'
import {
  failOnErrors,
  groupScenario,
  LatencyRun,
  markConnected,
  runDriver,
  SlowReader,
  sleep,
  throughput,
  transactionalSends,
  windowedSends,
} from './harness.mjs'

const spec = JSON.parse(process.argv[2] ?? '{}')
const { Admin, Producer, Consumer, ShareConsumer } = await import(pathToFileURL(`${spec.kwDist}/index.js`).href)

/**
 * KAFKA_WIRE_BENCH_LOG=<dir>: the clients' log (debug included), one file per driver process, to
 * diagnose an odd run (the suite keeps only the tail of a failed driver's stderr).
 */
const logDir = process.env.KAFKA_WIRE_BENCH_LOG
const logger =
  logDir === undefined
    ? undefined
    : (() => {
        const file = `${logDir}/kafka-wire-${spec.scenario ?? 'run'}-${process.pid}.log`
        const t0 = performance.now()
        const line = (level) => (m) => appendFileSync(file, `${(performance.now() - t0).toFixed(0)} ms ${level} ${m}\n`)
        return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
      })()

/** P2-TLS/C2-TLS: the broker's SSL listener, trusting the kit's CA. */
function tlsOptions(s) {
  return s.tls ? { tls: { ca: readFileSync(s.tls.caPem, 'utf8') } } : {}
}

function producerOptions(s, overrides = {}) {
  return {
    ...(logger ? { logger } : {}),
    ...tlsOptions(s),
    bootstrapServers: s.bootstrap,
    clientId: 'bench-kafka-wire',
    acks: s.acks === 'all' ? 'all' : s.acks,
    enableIdempotence: s.idempotent,
    lingerMs: s.lingerMs,
    batchSize: s.batchSize,
    compressionType: s.compression,
    ...overrides,
  }
}

async function produce(s) {
  const producer = new Producer(producerOptions(s))
  const value = valueSource(s.valueKind, s.valueSize)
  const window = Math.max(1000, Math.floor(33554432 / (s.valueSize + 70)))
  try {
    // Metadata first, as ProducerPerformance's first send also waits for it before its clock matters little.
    await producer.partitionsFor(s.topic)
    const r = await windowedSends(
      s.records,
      window,
      (i) => producer.send({ topic: s.topic, value: value(i) }),
      () => producer.waitingSends > 0,
    )
    failOnErrors(r)
    const lat = r.latencies.summary()
    return { ...throughput(s.records, s.records * s.valueSize, r.elapsedMs), sendP99Ms: lat.p99Ms }
  } finally {
    await producer.close()
  }
}

async function txnProduce(s) {
  const producer = new Producer(producerOptions(s, { transactionalId: s.transactionalId }))
  const value = valueSource(s.valueKind, s.valueSize)
  // Two shared handlers for every record (as windowedSends): a failed record also fails the commit.
  let errors = 0
  let firstError = null
  const delivered = () => undefined
  const failed = (err) => {
    errors++
    firstError ??= err
  }
  try {
    await producer.initTransactions()
    await producer.partitionsFor(s.topic)
    const r = await transactionalSends(s.records, s.recordsPerTransaction, async (from, count) => {
      producer.beginTransaction()
      for (let i = from; i < from + count; i++)
        producer.send({ topic: s.topic, value: value(i) }).then(delivered, failed)
      await producer.commitTransaction()
    })
    failOnErrors({ errors, firstError })
    return { ...throughput(s.records, s.records * s.valueSize, r.elapsedMs), transactions: r.transactions }
  } finally {
    await producer.close()
  }
}

async function consume(s) {
  const consumer = new Consumer({
    ...tlsOptions(s),
    bootstrapServers: s.bootstrap,
    clientId: 'bench-kafka-wire',
    groupId: s.groupId,
    autoOffsetReset: 'earliest',
    enableAutoCommit: false,
    ...(logger ? { logger } : {}),
  })
  let records = 0
  let bytes = 0
  const started = performance.now()
  try {
    consumer.subscribe([s.topic])
    while (records < s.records) {
      const batch = await consumer.poll(500)
      for (const r of batch) {
        records++
        bytes += r.value?.length ?? 0
      }
    }
    return throughput(records, bytes, performance.now() - started)
  } finally {
    await consumer.close()
  }
}

async function slowConsume(s) {
  const consumer = new Consumer({
    bootstrapServers: s.bootstrap,
    clientId: 'bench-kafka-wire-slow',
    autoOffsetReset: 'earliest',
    enableAutoCommit: false,
    fetchMaxBytes: s.fetchMaxBytes,
    maxPartitionFetchBytes: s.maxPartitionFetchBytes,
    maxPollRecords: s.maxPollRecords,
    ...(logger ? { logger } : {}),
  })
  const tps = Array.from({ length: s.partitions }, (_, partition) => ({ topic: s.topic, partition }))
  const reader = new SlowReader(s)
  try {
    // Connected (metadata and a ListOffsets), nothing fetched yet: the baseline.
    await consumer.beginningOffsets(tps)
    await markConnected()
    consumer.assign(tps)
    consumer.seekToBeginning(tps)
    while (!reader.done()) {
      const batch = await consumer.poll(500)
      let count = 0
      let bytes = 0
      for (const r of batch) {
        count++
        bytes += r.value?.length ?? 0
      }
      reader.received(count, bytes)
      await sleep(s.pauseMs)
    }
    return reader.metrics()
  } finally {
    await consumer.close()
  }
}

async function share(s) {
  const consumers = Array.from(
    { length: s.consumers ?? 1 },
    (_, i) =>
      new ShareConsumer({
        bootstrapServers: s.bootstrap,
        clientId: `bench-kafka-wire-share-${i}`,
        groupId: s.groupId,
        ...(logger ? { logger } : {}),
      }),
  )
  let records = 0
  let bytes = 0
  const perConsumer = consumers.map(() => 0)
  try {
    const started = performance.now()
    for (const c of consumers) c.subscribe([s.topic])
    await Promise.all(
      consumers.map(async (c, i) => {
        while (records < s.records) {
          const batch = await c.poll(100)
          for (const r of batch) bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0)
          records += batch.length
          perConsumer[i] += batch.length
        }
      }),
    )
    const elapsed = performance.now() - started
    return {
      ...throughput(records, bytes, elapsed),
      consumers: consumers.length,
      minPerConsumer: Math.min(...perConsumer),
    }
  } finally {
    await Promise.all(consumers.map((c) => c.commitSync().catch(() => undefined)))
    await Promise.all(consumers.map((c) => c.close()))
  }
}

async function latency(s) {
  const run = new LatencyRun(s)
  const consumer = new Consumer({
    bootstrapServers: s.bootstrap,
    clientId: 'bench-kafka-wire-e2e',
    groupId: s.groupId,
    autoOffsetReset: 'earliest',
    enableAutoCommit: false,
  })
  const producer = new Producer(producerOptions(s, { lingerMs: 0 }))
  let stop = false
  consumer.subscribe([s.topic])
  while (consumer.assignment().length === 0) await consumer.poll(100)
  await producer.partitionsFor(s.topic)
  const loop = (async () => {
    while (!stop) {
      const batch = await consumer.poll(100)
      for (const r of batch) run.received(r.value)
    }
  })()
  try {
    return await run.run((values) => Promise.all(values.map((value) => producer.send({ topic: s.topic, value }))))
  } finally {
    stop = true
    await loop
    await producer.close()
    await consumer.close()
  }
}

const ignore = () => undefined

async function txnLatency(s) {
  const run = new LatencyRun(s)
  const consumer = (clientId, groupId) =>
    new Consumer({
      bootstrapServers: s.bootstrap,
      clientId,
      groupId,
      autoOffsetReset: 'earliest',
      enableAutoCommit: false,
      isolationLevel: 'read_committed',
      ...(logger ? { logger } : {}),
    })
  const input = consumer('bench-kafka-wire-copier', s.groupId)
  const reader = consumer('bench-kafka-wire-reader', s.readerGroupId)
  const copierProducer = new Producer(
    producerOptions(s, { transactionalId: s.transactionalId, acks: 'all', enableIdempotence: true }),
  )
  const producer = new Producer(producerOptions(s))
  let stop = false
  let transactions = 0
  await copierProducer.initTransactions()
  input.subscribe([s.topic])
  reader.subscribe([s.outputTopic])
  while (input.assignment().length === 0 || reader.assignment().length === 0) {
    await Promise.all([input.poll(100), reader.poll(100)])
  }
  await Promise.all([producer.partitionsFor(s.topic), copierProducer.partitionsFor(s.outputTopic)])
  const copier = (async () => {
    while (!stop) {
      const records = await input.poll(100)
      if (records.count === 0) continue
      await copierProducer.transaction(async () => {
        // A failed record fails the commit (transaction() then aborts and rethrows): its own
        // promise needs no handling beyond not being an unhandled rejection.
        for (const r of records) copierProducer.send({ topic: s.outputTopic, value: r.value }).catch(ignore)
        await copierProducer.sendOffsetsToTransaction(records.nextOffsets(), input.groupMetadata())
      })
      transactions++
    }
  })()
  const reading = (async () => {
    while (!stop) {
      for (const r of await reader.poll(100)) run.received(r.value)
    }
  })()
  // A copier or reader that fails must fail the run, not leave the run waiting for records forever.
  // (Both only end by themselves on an error: after `stop` this rejection is ignored.)
  const failure = Promise.race([copier, reading]).then(() => {
    throw new Error('the copier or the reader stopped')
  })
  failure.catch(() => undefined)
  try {
    const metrics = await Promise.race([
      run.run((values) => Promise.all(values.map((value) => producer.send({ topic: s.topic, value })))),
      failure,
    ])
    return { ...metrics, transactions }
  } finally {
    stop = true
    await Promise.allSettled([copier, reading])
    await producer.close()
    await copierProducer.close()
    await input.close()
    await reader.close()
  }
}

async function group(s) {
  const consumerProtocol = s.groupProtocol === 'consumer'
  return groupScenario(
    s,
    (i, tracker) => {
      const consumer = new Consumer({
        bootstrapServers: s.bootstrap,
        clientId: `bench-kafka-wire-g${i}`,
        groupId: s.groupId,
        // The consumer protocol takes the session and heartbeat interval from the broker.
        ...(consumerProtocol
          ? { groupProtocol: 'consumer' }
          : { sessionTimeoutMs: s.sessionTimeoutMs, heartbeatIntervalMs: s.heartbeatIntervalMs }),
        autoOffsetReset: 'earliest',
        enableAutoCommit: false,
        ...(logger ? { logger } : {}),
      })
      // Own view of the assignment: eager assignors revoke everything then assign the full set,
      // cooperative ones revoke and assign increments.
      const owned = new Set()
      const listener = {
        onPartitionsAssigned: (tps) => {
          for (const tp of tps) owned.add(tp.partition)
          tracker.assigned(i, owned)
        },
        onPartitionsRevoked: (tps) => {
          for (const tp of tps) owned.delete(tp.partition)
          tracker.assigned(i, owned)
        },
        onPartitionsLost: (tps) => {
          for (const tp of tps) owned.delete(tp.partition)
          tracker.assigned(i, owned)
        },
      }
      let stop = false
      let loop = null
      return {
        start: async () => {
          consumer.subscribe([s.topic], listener)
          loop = (async () => {
            while (!stop) await consumer.poll(100)
          })()
        },
        close: async () => {
          stop = true
          consumer.wakeup?.()
          await loop?.catch(() => undefined)
          await consumer.close()
        },
      }
    },
    { onStable: () => checkGroupType(s) },
  )
}

/** The figures are only the consumer protocol's if the broker sees a group of that type. */
async function checkGroupType(s) {
  const admin = new Admin({ bootstrapServers: s.bootstrap })
  try {
    const [g] = await admin.describeGroups([s.groupId])
    const wanted = s.groupProtocol ?? 'classic'
    if (g?.type !== wanted) throw new Error(`the broker describes group ${s.groupId} as ${g?.type}, not ${wanted}`)
  } finally {
    await admin.close()
  }
}

await runDriver(
  {
    produce,
    consume,
    latency,
    group,
    'slow-consume': slowConsume,
    share,
    'txn-produce': txnProduce,
    'txn-latency': txnLatency,
  },
  { client: 'kafka-wire', groupProtocols: ['classic', 'consumer'] },
)

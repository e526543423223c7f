/**
 * librdkafka drivers: node-rdkafka and @confluentinc/kafka-javascript share the classic
 * (node-rdkafka) API, which is the fast path of both; spec.module names the package.
 * Semantics (librdkafka property names):
 * - produce: produce() per record with delivery reports, acks / enable.idempotence / linger.ms /
 *   batch.size / compression.codec as the scenario says, queue.buffering.max.kbytes 32768 (the
 *   Java producer's buffer.memory); a full local queue waits for delivery reports.
 * - consume: consume(1000) batches in a loop, fresh group, auto.offset.reset earliest, no commits.
 * - group: rebalance_cb reports assign/revoke (eager range,roundrobin: librdkafka's default).
 * - slow-consume (M2): assign() of every partition (no group join), fetch.max.bytes and
 *   max.partition.fetch.bytes from the scenario, consume(maxPollRecords) then the pause;
 *   librdkafka's own prefetch bound (queued.max.messages.kbytes, 64 MiB) left at its default.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { valueSource } from '../payloads.mjs'
import { groupScenario, LatencyRun, markConnected, runDriver, SlowReader, sleep, throughput } from './harness.mjs'

const spec = JSON.parse(process.argv[2] ?? '{}')
const require = createRequire(`${spec.peersDir}/package.json`)
const rd = require(spec.module)
const version = JSON.parse(readFileSync(`${spec.peersDir}/node_modules/${spec.module}/package.json`, 'utf8')).version
const { Producer, KafkaConsumer, CODES } = rd
const ERR = CODES?.ERRORS ?? {}

/** P2-TLS/C2-TLS: the broker's SSL listener, trusting the kit's CA. */
function tlsConfig(s) {
  return s.tls ? { 'security.protocol': 'ssl', 'ssl.ca.location': s.tls.caPem } : {}
}

function producerConfig(s, overrides = {}) {
  return {
    ...tlsConfig(s),
    'bootstrap.servers': s.bootstrap,
    'client.id': 'bench-rdkafka',
    acks: s.acks === 'all' ? 'all' : String(s.acks),
    'enable.idempotence': s.idempotent,
    'linger.ms': s.lingerMs,
    'batch.size': s.batchSize,
    'compression.codec': s.compression,
    'queue.buffering.max.kbytes': 32768,
    dr_cb: true,
    ...overrides,
  }
}

function connect(client) {
  return new Promise((resolve, reject) => client.connect({}, (err) => (err ? reject(err) : resolve())))
}

function disconnect(client) {
  return new Promise((resolve) => client.disconnect(() => resolve()))
}

/** Produce `values(i)` for i < total as fast as the local queue allows; resolves when all are delivered. */
async function produceAll(producer, topic, total, value) {
  let delivered = 0
  let failed = 0
  let firstError = null
  let done
  const allDone = new Promise((resolve) => (done = resolve))
  producer.on('delivery-report', (err) => {
    if (err) {
      failed++
      firstError ??= err
    }
    if (++delivered === total) done()
  })
  producer.setPollInterval(5)
  const started = performance.now()
  for (let i = 0; i < total; ) {
    try {
      producer.produce(topic, null, value(i), null)
      i++
    } catch (err) {
      if (err?.code !== ERR.ERR__QUEUE_FULL) throw err
      producer.poll()
      await sleep(1)
    }
  }
  await allDone
  if (failed > 0) throw new Error(`${failed} records failed; first: ${firstError?.message}`)
  return performance.now() - started
}

async function produce(s) {
  const producer = new Producer(producerConfig(s))
  await connect(producer)
  try {
    const elapsedMs = await produceAll(producer, s.topic, s.records, valueSource(s.valueKind, s.valueSize))
    return throughput(s.records, s.records * s.valueSize, elapsedMs)
  } finally {
    await disconnect(producer)
  }
}

function consumerFor(s, clientId, onAssign) {
  const config = {
    ...tlsConfig(s),
    'bootstrap.servers': s.bootstrap,
    'client.id': clientId,
    'group.id': s.groupId,
    'enable.auto.commit': false,
    'session.timeout.ms': s.sessionTimeoutMs,
    'heartbeat.interval.ms': s.heartbeatIntervalMs,
    'fetch.wait.max.ms': 500,
    'max.partition.fetch.bytes': 1048576,
  }
  if (onAssign) {
    config.rebalance_cb = function (err, assignment) {
      if (err.code === ERR.ERR__ASSIGN_PARTITIONS) {
        this.assign(assignment)
        onAssign(assignment.map((a) => a.partition))
      } else {
        this.unassign()
        onAssign([])
      }
    }
  }
  const consumer = new KafkaConsumer(config, { 'auto.offset.reset': 'earliest' })
  // consume(n) otherwise waits up to its timeout (1 s) for n messages: return as soon as the
  // local queue is drained once the first message is there (latency), wait ≤ 100 ms for it.
  consumer.setDefaultConsumeTimeout?.(100)
  consumer.setDefaultIsTimeoutOnlyForFirstMessage?.(true)
  return consumer
}

/** consume(batch) in a loop until stop() returns true; onMessage for every record. */
function consumeLoop(consumer, onMessage, stop) {
  return new Promise((resolve, reject) => {
    const next = () => {
      if (stop()) return resolve()
      consumer.consume(1000, (err, messages) => {
        if (err) return reject(err)
        for (const m of messages) onMessage(m)
        setImmediate(next)
      })
    }
    next()
  })
}

async function consume(s) {
  const consumer = consumerFor(s, 'bench-rdkafka')
  let records = 0
  let bytes = 0
  const started = performance.now()
  await connect(consumer)
  try {
    consumer.subscribe([s.topic])
    await consumeLoop(
      consumer,
      (m) => {
        records++
        bytes += m.value?.length ?? 0
      },
      () => records >= s.records,
    )
    return throughput(records, bytes, performance.now() - started)
  } finally {
    await disconnect(consumer)
  }
}

async function slowConsume(s) {
  const consumer = new KafkaConsumer(
    {
      'bootstrap.servers': s.bootstrap,
      'client.id': 'bench-rdkafka-slow',
      'group.id': s.groupId,
      'enable.auto.commit': false,
      'fetch.wait.max.ms': 500,
      'fetch.max.bytes': s.fetchMaxBytes,
      'max.partition.fetch.bytes': s.maxPartitionFetchBytes,
    },
    { 'auto.offset.reset': 'earliest' },
  )
  consumer.setDefaultConsumeTimeout?.(500)
  consumer.setDefaultIsTimeoutOnlyForFirstMessage?.(true)
  const reader = new SlowReader(s)
  // connect(): the brokers and the metadata; nothing fetched before assign(): the baseline.
  await connect(consumer)
  try {
    await markConnected()
    consumer.assign(Array.from({ length: s.partitions }, (_, partition) => ({ topic: s.topic, partition })))
    while (!reader.done()) {
      const messages = await new Promise((resolve, reject) =>
        consumer.consume(s.maxPollRecords, (err, ms) => (err ? reject(err) : resolve(ms))),
      )
      let bytes = 0
      for (const m of messages) bytes += m.value?.length ?? 0
      reader.received(messages.length, bytes)
      await sleep(s.pauseMs)
    }
    return reader.metrics()
  } finally {
    await disconnect(consumer)
  }
}

async function latency(s) {
  const run = new LatencyRun(s)
  let assigned
  const joined = new Promise((resolve) => (assigned = resolve))
  const consumer = consumerFor(s, 'bench-rdkafka-e2e', (ps) => ps.length > 0 && assigned())
  const producer = new Producer(producerConfig(s, { 'linger.ms': 0, 'compression.codec': 'none' }))
  await Promise.all([connect(consumer), connect(producer)])
  producer.setPollInterval(1)
  consumer.subscribe([s.topic])
  // Flowing mode: librdkafka's consume loop hands over each message as soon as it arrives
  // (a batch consume(n) waits up to its timeout for n messages).
  consumer.on('data', (m) => run.received(m.value))
  consumer.consume()
  try {
    await joined
    return await run.run(async (values) => {
      for (const v of values) producer.produce(s.topic, null, v, null)
    })
  } finally {
    await disconnect(producer)
    await disconnect(consumer)
  }
}

async function group(s) {
  return groupScenario(s, (i, tracker) => {
    const consumer = consumerFor(s, `bench-rdkafka-g${i}`, (ps) => tracker.assigned(i, ps))
    let stop = false
    let loop = null
    return {
      start: async () => {
        await connect(consumer)
        consumer.subscribe([s.topic])
        loop = consumeLoop(
          consumer,
          () => undefined,
          () => stop,
        )
      },
      close: async () => {
        stop = true
        await loop?.catch(() => undefined)
        await disconnect(consumer)
      },
    }
  })
}

/**
 * librdkafka linked against a system without libzstd (the dynamic build, see run.mjs) refuses zstd:
 * its producer at configuration ("libzstd not available at build time"), its consumer per batch
 * ("Local: Not implemented"). P5/C5 are then unsupported by this build, not failed runs.
 */
const zstdGuard = (fn) => async (s) => {
  try {
    return await fn(s)
  } catch (err) {
    if (s.compression === 'zstd' && /libzstd not available|Not implemented/.test(String(err?.message))) {
      throw Object.assign(new Error(`this librdkafka build has no zstd (${err.message})`), { unsupported: true })
    }
    throw err
  }
}

await runDriver(
  { produce: zstdGuard(produce), consume: zstdGuard(consume), latency, group, 'slow-consume': slowConsume },
  { client: spec.module, version },
)

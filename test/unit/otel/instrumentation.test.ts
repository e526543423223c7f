// kafka-wire/otel in one process, against the Producer's fake cluster: the send span and its
// attributes, the W3C trace context injected into the record's headers, the process span as the
// send span's child (from the headers), poll links, commit spans, disable(); and that only
// src/otel imports @opentelemetry/api.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
import { ConsumerRecords } from '../../../src/consumer/consumer-records.js'
import { channels, traced, tracedYield } from '../../../src/diagnostics/index.js'
import { PRODUCER_CLUSTER } from '../../../src/internal/seams.js'
import { KafkaWireInstrumentation } from '../../../src/otel/index.js'
import { Producer } from '../../../src/producer/producer.js'
import { type FakeCluster, fakeCluster } from '../producer/fake-cluster.js'

const root = join(import.meta.dirname, '../../..')
const exporter = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const propagator = new W3CTraceContextPropagator()

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  exporter.reset()
})

function setup(topics: Record<string, number> = { orders: 2 }) {
  const instr = new KafkaWireInstrumentation({ tracerProvider, propagator })
  cleanups.push(() => instr.disable())
  const cluster: FakeCluster = fakeCluster(topics)
  const producer = new Producer<any, any>({
    bootstrapServers: 'fake:9092',
    clientId: 'otel-producer',
    lingerMs: 0,
    [PRODUCER_CLUSTER]: cluster,
  } as any)
  cleanups.push(() => producer.close({ timeoutMs: 1000 }))
  return { instr, cluster, producer }
}

/** The produced record n as the consumer would see it (headers as { key, value: Buffer }). */
function consumed(cluster: FakeCluster, topic: string, partition: number, offset: bigint, key: string) {
  const sent = cluster.produced.filter((p) => p.topic === topic && p.partition === partition).flatMap((p) => p.headers)
  const headers = sent[Number(offset)]!.map(([k, v]) => ({ key: k, value: v === null ? null : Buffer.from(v) }))
  return { topic, partition, offset, key, value: null, headers, timestamp: 0, leaderEpoch: 0 }
}

describe('KafkaWireInstrumentation', () => {
  it('makes a PRODUCER send span per record and injects its context as traceparent', async () => {
    const { cluster, producer } = setup()
    const md = await producer.send({ topic: 'orders', key: 'order-1', value: 'v', partition: 1, headers: { a: 'b' } })
    const [span] = exporter.getFinishedSpans()
    expect(span!.name).toBe('send orders')
    expect(span!.kind).toBe(SpanKind.PRODUCER)
    expect(span!.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'orders',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.client.id': 'otel-producer',
      'messaging.kafka.message.key': 'order-1',
      'messaging.destination.partition.id': '1',
      'messaging.kafka.offset': Number(md.offset),
    })
    const { traceId, spanId } = span!.spanContext()
    expect(cluster.produced[0]!.headers[0]).toEqual([
      ['a', 'b'],
      ['traceparent', `00-${traceId}-${spanId}-01`],
    ])
  })

  it('makes the process span a child of the send span, read from the record headers', async () => {
    const { cluster, producer } = setup()
    await producer.send({ topic: 'orders', key: 'k', value: 'v', partition: 0 })
    const send = exporter.getFinishedSpans()[0]!
    const record = consumed(cluster, 'orders', 0, 0n, 'k')
    // What Consumer's async iterator does for each record it hands out.
    for (const r of tracedYield(channels.consumerProcess, { clientId: 'c1', groupId: 'g1', record }, record)) {
      expect(r).toBe(record)
      expect(exporter.getFinishedSpans()).toHaveLength(1) // still open while the application processes
    }
    const process = exporter.getFinishedSpans()[1]!
    expect(process.name).toBe('process orders')
    expect(process.kind).toBe(SpanKind.CONSUMER)
    expect(process.spanContext().traceId).toBe(send.spanContext().traceId)
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId)
    expect(process.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'orders',
      'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 0,
      'messaging.kafka.message.key': 'k',
      'messaging.consumer.group.name': 'g1',
      'messaging.client.id': 'c1',
    })
  })

  it('makes a poll span for a poll that returned records, linked to their producers; none for an empty poll', async () => {
    const { cluster, producer } = setup()
    await producer.send({ topic: 'orders', value: 'a', partition: 0 })
    await producer.send({ topic: 'orders', value: 'b', partition: 0 })
    const sends = exporter.getFinishedSpans().map((s) => s.spanContext().spanId)
    const records = [consumed(cluster, 'orders', 0, 0n, 'x'), consumed(cluster, 'orders', 0, 1n, 'x')]
    const batch = new ConsumerRecords(
      new Map([['orders-0', { tp: { topic: 'orders', partition: 0 }, records: records as any[] }]]),
    )
    const poll = (result: ConsumerRecords<any, any>) =>
      traced(channels.consumerPoll, { clientId: 'c1', groupId: 'g1', timeoutMs: 100 }, async () => result)
    await poll(ConsumerRecords.empty())
    await poll(batch as ConsumerRecords<any, any>)
    const spans = exporter.getFinishedSpans().slice(2)
    expect(spans.map((s) => s.name)).toEqual(['poll'])
    expect(spans[0]!.kind).toBe(SpanKind.CONSUMER)
    expect(spans[0]!.attributes).toMatchObject({
      'messaging.operation.type': 'receive',
      'messaging.operation.name': 'poll',
      'messaging.batch.message_count': 2,
      'messaging.destination.name': 'orders',
      'messaging.consumer.group.name': 'g1',
    })
    expect(spans[0]!.links.map((l) => l.context.spanId)).toEqual(sends)
  })

  it('records a failed send with error.type and an error status', async () => {
    const { producer } = setup()
    await producer.close()
    await expect(producer.send({ topic: 'orders', value: 'x' })).rejects.toThrow()
    const [span] = exporter.getFinishedSpans()
    expect(span!.attributes['error.type']).toBe('ClosedError')
    expect(span!.status.code).toBe(SpanStatusCode.ERROR)
  })

  it('makes a commit span', async () => {
    setup()
    const offsets = [{ topic: 'orders', partition: 0, offset: 5n }]
    await traced(channels.consumerCommit, { clientId: 'c1', groupId: 'g1', offsets }, async () => {})
    const [span] = exporter.getFinishedSpans()
    expect(span!.name).toBe('commit')
    expect(span!.attributes).toMatchObject({
      'messaging.operation.type': 'settle',
      'messaging.destination.name': 'orders',
    })
  })

  it('disable() unsubscribes: no spans, no headers added, no subscribers left', async () => {
    const { instr, cluster, producer } = setup()
    instr.disable()
    expect(channels.producerSend.hasSubscribers).toBe(false)
    expect(channels.consumerProcess.hasSubscribers).toBe(false)
    await producer.send({ topic: 'orders', value: 'x', partition: 0 })
    expect(exporter.getFinishedSpans()).toEqual([])
    expect(cluster.produced[0]!.headers[0]).toEqual([])
    instr.enable()
    instr.enable() // idempotent: one subscription
    await producer.send({ topic: 'orders', value: 'y', partition: 0 })
    expect(exporter.getFinishedSpans()).toHaveLength(1)
  })
})

describe('the instrumentation shape', () => {
  it('is enabled when constructed unless enabled: false, and has what registerInstrumentations() calls', async () => {
    const off = new KafkaWireInstrumentation({ enabled: false })
    expect(off.enabled).toBe(false)
    expect(channels.producerSend.hasSubscribers).toBe(false)
    const on = new KafkaWireInstrumentation()
    cleanups.push(() => on.disable())
    expect(on.enabled).toBe(true)
    expect(channels.producerSend.hasSubscribers).toBe(true)
    expect(on.instrumentationName).toBe('kafka-wire')
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(on.instrumentationVersion).toBe(pkg.version)
    expect(on.getConfig().enabled).toBe(true)
    on.setMeterProvider({})
    // setTracerProvider re-subscribes with the new provider: spans go to it.
    on.setTracerProvider(tracerProvider)
    on.setConfig({ tracerProvider, propagator })
    const cluster = fakeCluster({ t: 1 })
    const producer = new Producer<any, any>({ bootstrapServers: 'fake:9092', [PRODUCER_CLUSTER]: cluster } as any)
    cleanups.push(() => producer.close({ timeoutMs: 1000 }))
    await producer.send({ topic: 't', value: 'x' })
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['send t'])
    expect(cluster.produced[0]!.headers[0]![0]![0]).toBe('traceparent')
  })
})

describe('@opentelemetry/api is an optional peer', () => {
  it('is imported by src/otel only', () => {
    const offenders: string[] = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name)
        if (e.isDirectory()) {
          if (relative(join(root, 'src'), p) !== 'otel') walk(p)
        } else if (/(from|import|require\()\s*['"]@opentelemetry\//.test(readFileSync(p, 'utf8')))
          offenders.push(relative(root, p))
      }
    }
    walk(join(root, 'src'))
    expect(offenders).toEqual([])
  })
})

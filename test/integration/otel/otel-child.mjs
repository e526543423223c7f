// A child process of trace-propagation.test.ts: produces or consumes one record with kafka-wire
// (the built package, ESM) under kafka-wire/otel, and prints the spans it finished as one JSON
// line (`SPANS [...]`). Usage: node otel-child.mjs produce|consume <bootstrap> <topic> [groupId]
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Consumer, Producer } from 'kafka-wire'
import { KafkaWireInstrumentation } from 'kafka-wire/otel'

// Every exit path ends the process: a hard deadline in case the broker never answers.
setTimeout(() => {
  console.error('otel-child: timed out')
  process.exit(2)
}, 60_000).unref()

const [role, bootstrapServers, topic, groupId] = process.argv.slice(2)
const exporter = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const instrumentation = new KafkaWireInstrumentation({ tracerProvider, propagator: new W3CTraceContextPropagator() })

try {
  if (role === 'produce') {
    const producer = new Producer({ bootstrapServers, clientId: 'otel-producer' })
    try {
      const md = await producer.send({ topic, key: 'order-1', value: 'hello', headers: { app: 'x' } })
      console.log('SENT', md.partition, String(md.offset))
    } finally {
      await producer.close()
    }
  } else {
    const consumer = new Consumer({ bootstrapServers, clientId: 'otel-consumer', groupId, autoOffsetReset: 'earliest' })
    try {
      consumer.subscribe([topic])
      for await (const record of consumer) {
        console.log('GOT', record.key?.toString(), record.headers.map((h) => h.key).join(','))
        break
      }
      await consumer.commitSync()
    } finally {
      await consumer.close()
    }
  }
} catch (err) {
  console.error('otel-child failed:', err)
  process.exitCode = 1
} finally {
  instrumentation.disable()
  const spans = exporter.getFinishedSpans().map((s) => ({
    name: s.name,
    kind: s.kind,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? null,
    attributes: s.attributes,
    links: s.links.map((l) => l.context.spanId),
  }))
  console.log(`SPANS ${JSON.stringify(spans)}`)
}

// A child process of trace-propagation.test.ts for kafka-wire/kafkajs (the built package, CommonJS):
// produces one record, or consumes it with eachMessage, under kafka-wire/otel, and prints the spans
// it finished as one JSON line (`SPANS [...]`).
// Usage: node otel-kafkajs-child.cjs produce|consume <bootstrap> <topic> [groupId]
const { W3CTraceContextPropagator } = require('@opentelemetry/core')
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base')
const { Kafka, logLevel } = require('kafka-wire/kafkajs')
const { KafkaWireInstrumentation } = require('kafka-wire/otel')

// Every exit path ends the process: a hard deadline in case the broker never answers.
setTimeout(() => {
  console.error('otel-kafkajs-child: timed out')
  process.exit(2)
}, 60_000).unref()

const [role, bootstrap, topic, groupId] = process.argv.slice(2)
const exporter = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const instrumentation = new KafkaWireInstrumentation({ tracerProvider, propagator: new W3CTraceContextPropagator() })

async function main() {
  const kafka = new Kafka({ clientId: `otel-kafkajs-${role}`, brokers: [bootstrap], logLevel: logLevel.NOTHING })
  if (role === 'produce') {
    const producer = kafka.producer()
    await producer.connect()
    try {
      const [md] = await producer.send({ topic, messages: [{ key: 'order-2', value: 'hello' }] })
      console.log('SENT', md.partition, md.baseOffset)
    } finally {
      await producer.disconnect()
    }
  } else {
    const consumer = kafka.consumer({ groupId })
    await consumer.connect()
    try {
      await consumer.subscribe({ topic, fromBeginning: true })
      await new Promise((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              console.log('GOT', message.key?.toString(), Object.keys(message.headers).join(','))
              resolve()
            },
          })
          .catch(reject)
      })
    } finally {
      await consumer.disconnect()
    }
  }
}

main()
  .catch((err) => {
    console.error('otel-kafkajs-child failed:', err)
    process.exitCode = 1
  })
  .finally(() => {
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
  })

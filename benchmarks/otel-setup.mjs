/**
 * OTEL=1 for the hot-path benchmarks (producer/hot-path.mjs, consumer/throughput.mjs): kafka-wire/otel's
 * instrumentation on an SDK tracer provider whose exporter drops every span, with the W3C propagator.
 * Measures what tracing costs the client (spans, the traceparent header on send, its extraction on
 * poll), not the cost of exporting. OTEL_SAMPLE=<ratio> samples that share of the traces
 * (TraceIdRatioBasedSampler; default: all). docs/performance.md, "OpenTelemetry: cost with the instrumentation".
 */
import path from 'node:path'
import { pathToFileURL } from 'node:url'

/** Enables the instrumentation when OTEL=1; returns whether it did. `dist`: the kafka-wire build's esm dir. */
export async function instrumentIfAsked(dist) {
  if (process.env.OTEL !== '1') return false
  const { propagation } = await import('@opentelemetry/api')
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core')
  const { BasicTracerProvider, SimpleSpanProcessor, TraceIdRatioBasedSampler } = await import(
    '@opentelemetry/sdk-trace-base'
  )
  const { KafkaWireInstrumentation } = await import(pathToFileURL(path.join(dist, 'otel/index.js')).href)
  const dropAll = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} }
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  const spanProcessors = [new SimpleSpanProcessor(dropAll)]
  const ratio = process.env.OTEL_SAMPLE === undefined ? undefined : Number(process.env.OTEL_SAMPLE)
  const sampler = ratio === undefined ? {} : { sampler: new TraceIdRatioBasedSampler(ratio) }
  new KafkaWireInstrumentation({ tracerProvider: new BasicTracerProvider({ spanProcessors, ...sampler }) })
  return true
}

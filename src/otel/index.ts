/**
 * kafka-wire/otel: OpenTelemetry tracing for kafka-wire (docs/observability.md).
 *
 * `KafkaWireInstrumentation` subscribes to kafka-wire's diagnostics channels (src/diagnostics)
 * and turns them into spans that follow the OpenTelemetry messaging semantic conventions for
 * Kafka, with the W3C trace context (`traceparent`, `tracestate`: whatever the global propagator
 * writes) carried in record headers:
 *
 *   send <topic>     PRODUCER  per record, from send() to its acknowledgement; injects its context
 *                              into the record's headers
 *   poll             CONSUMER  a Consumer.poll() that returned records (or failed), linked to each
 *                              record's producer context
 *   process <topic>  CONSUMER  per record handed out by the consumer's async iterator (and
 *                              kafkajs's eachMessage): a child of the producer's send span
 *   commit           CLIENT    an offset commit
 *
 * This is the only module that imports `@opentelemetry/api` (an optional peer dependency): the
 * core never needs it. It works from the channels alone, so it sees every kafka-wire client in
 * the process, whichever module format (ESM/CJS) or copy created it.
 */
import type dc from 'node:diagnostics_channel'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import {
  type ConsumedRecordLike,
  type ConsumerCommitMessage,
  type ConsumerPollMessage,
  type ConsumerProcessMessage,
  channels,
  type DiagnosticsHeaderValue,
  type ProducerSendMessage,
  type Traced,
} from '../diagnostics/index.js'
import { packageRoot } from '../internal/package-root.js'

/** The instrumentation's name (the tracer's name). */
export const INSTRUMENTATION_NAME = 'kafka-wire'

let version: string | undefined
function packageVersion(): string {
  if (version === undefined) {
    try {
      version = String(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version)
    } catch {
      version = '0.0.0'
    }
  }
  return version
}

export interface KafkaWireInstrumentationConfig {
  /** Subscribe at construction, as OpenTelemetry instrumentations do. Default true. */
  enabled?: boolean
  /** Default: the global tracer provider (`trace.getTracerProvider()`), looked up at enable(). */
  tracerProvider?: TracerProvider
  /**
   * Writes and reads the trace context in record headers. Default: the global propagator
   * (`propagation`, set by the OpenTelemetry SDK; W3C trace context and baggage by default there).
   */
  propagator?: TextMapPropagator
  /** Create `poll` spans for polls that returned nothing too. Default false (an idle consumer would make one per poll). */
  emptyPolls?: boolean
}

/** Attribute names of the messaging semantic conventions used here. */
export const ATTR = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  clientId: 'messaging.client.id',
  group: 'messaging.consumer.group.name',
  key: 'messaging.kafka.message.key',
  offset: 'messaging.kafka.offset',
  batchCount: 'messaging.batch.message_count',
  errorType: 'error.type',
} as const

type HeaderPairs = [string, DiagnosticsHeaderValue][]

/** Writes a propagation field into kafka-wire's send headers ([key, value] pairs), replacing an older one. */
export const headerSetter: TextMapSetter<HeaderPairs> = {
  set(carrier, key, value) {
    for (let i = carrier.length - 1; i >= 0; i--) if (carrier[i]![0] === key) carrier.splice(i, 1)
    carrier.push([key, value])
  },
}

type ConsumedHeaders = ConsumedRecordLike['headers']

/** Reads propagation fields from a consumed record's headers ({ key, value } objects; the last one wins). */
export const headerGetter: TextMapGetter<ConsumedHeaders> = {
  keys: (carrier) => carrier.map((h) => h.key),
  get(carrier, key) {
    for (let i = carrier.length - 1; i >= 0; i--) {
      const h = carrier[i]!
      if (h.key === key) return h.value === null ? undefined : Buffer.from(h.value).toString('utf8')
    }
    return undefined
  },
}

/** The producer's context a consumed record carries (ROOT_CONTEXT-based: none when it has no traceparent). */
export function extractRecordContext(
  record: Pick<ConsumedRecordLike, 'headers'>,
  propagator: Pick<TextMapPropagator, 'extract'> = propagation,
): Context {
  return propagator.extract(ROOT_CONTEXT, record.headers ?? [], headerGetter)
}

function keyAttribute(key: unknown): string | undefined {
  if (typeof key === 'string') return key
  if (key instanceof Uint8Array) return Buffer.from(key).toString('utf8')
  if (typeof key === 'number' || typeof key === 'bigint') return String(key)
  return undefined
}

function errorType(err: unknown): string {
  if (err instanceof Error) return (err as { errorName?: string }).errorName ?? err.name
  return '_OTHER'
}

function fail(span: Span, err: unknown): void {
  span.setAttribute(ATTR.errorType, errorType(err))
  if (err instanceof Error) span.recordException(err)
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) })
}

type Handlers<M> = {
  start?: (m: M) => void
  end?: (m: M) => void
  asyncStart?: (m: M) => void
  asyncEnd?: (m: M) => void
  error?: (m: M) => void
}

/**
 * Subscribes to kafka-wire's channels and makes spans. Enabled at construction unless `enabled:
 * false`; `enable()` / `disable()` may be called any number of times, and a disabled instrumentation
 * costs nothing (the channels have no subscriber). It has the shape `registerInstrumentations()`
 * (@opentelemetry/instrumentation) and `NodeSDK({ instrumentations })` expect.
 */
export class KafkaWireInstrumentation {
  readonly instrumentationName = INSTRUMENTATION_NAME
  #config: KafkaWireInstrumentationConfig
  #tracer: Tracer | undefined
  #subscriptions: (() => void)[] = []
  /** The span of each payload in progress. */
  readonly #spans = new WeakMap<object, Span>()
  /** When each poll in progress started (its span is made when it settles). */
  readonly #startTimes = new WeakMap<object, number>()

  constructor(config: KafkaWireInstrumentationConfig = {}) {
    this.#config = { enabled: true, ...config }
    if (this.#config.enabled) this.enable()
  }

  /** kafka-wire's version. */
  get instrumentationVersion(): string {
    return packageVersion()
  }

  getConfig(): KafkaWireInstrumentationConfig {
    return { ...this.#config }
  }

  /** Replaces the configuration (re-subscribing when enabled, so a new provider or propagator applies). */
  setConfig(config: KafkaWireInstrumentationConfig = {}): void {
    this.#config = { enabled: true, ...config }
    if (this.enabled) {
      this.disable()
      this.enable()
    }
  }

  /** Metrics are not built yet (docs/observability.md): accepted and ignored. */
  setMeterProvider(_meterProvider: unknown): void {}

  /** Uses this tracer provider from now on (re-enables when enabled). */
  setTracerProvider(tracerProvider: TracerProvider): void {
    this.#config = { ...this.#config, tracerProvider }
    if (this.enabled) {
      this.disable()
      this.enable()
    }
  }

  get enabled(): boolean {
    return this.#subscriptions.length > 0
  }

  enable(): void {
    if (this.enabled) return
    const provider = this.#config.tracerProvider ?? trace.getTracerProvider()
    this.#tracer = provider.getTracer(INSTRUMENTATION_NAME, packageVersion())
    this.#subscribe(channels.producerSend, {
      start: (m) => this.#onSendStart(m),
      asyncEnd: (m) => this.#onSendEnd(m),
    })
    this.#subscribe(channels.consumerPoll, {
      start: (m) => this.#startTimes.set(m, Date.now()),
      asyncEnd: (m) => this.#onPollEnd(m),
    })
    this.#subscribe(channels.consumerProcess, {
      start: (m) => this.#onProcessStart(m),
      asyncEnd: (m) => this.#endSpan(m),
    })
    this.#subscribe(channels.consumerCommit, {
      start: (m) => this.#onCommitStart(m),
      asyncEnd: (m) => this.#endSpan(m),
    })
  }

  disable(): void {
    for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe()
  }

  #subscribe<M extends object>(channel: Traced<M>, handlers: Handlers<M>): void {
    const all = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {}, ...handlers }
    channel.subscribe(all as dc.TracingChannelSubscribers<M>)
    this.#subscriptions.push(() => channel.unsubscribe(all as dc.TracingChannelSubscribers<M>))
  }

  #propagator(): Pick<TextMapPropagator, 'inject' | 'extract'> {
    return this.#config.propagator ?? propagation
  }

  // --- producer -------------------------------------------------------------------------------

  #onSendStart(m: ProducerSendMessage): void {
    const attributes: Attributes = {
      [ATTR.system]: 'kafka',
      [ATTR.destination]: m.topic,
      [ATTR.operationType]: 'send',
      [ATTR.operationName]: 'send',
      [ATTR.clientId]: m.clientId,
    }
    const key = keyAttribute(m.key)
    if (key !== undefined) attributes[ATTR.key] = key
    if (m.partition !== undefined) attributes[ATTR.partition] = String(m.partition)
    const parent = context.active()
    const span = this.#tracer!.startSpan(`send ${m.topic}`, { kind: SpanKind.PRODUCER, attributes }, parent)
    this.#spans.set(m, span)
    this.#propagator().inject(trace.setSpan(parent, span), m.headers, headerSetter)
  }

  #onSendEnd(m: ProducerSendMessage): void {
    const span = this.#spans.get(m)
    if (span === undefined) return
    this.#spans.delete(m)
    if (m.error !== undefined) fail(span, m.error)
    else if (m.result !== undefined) {
      span.setAttribute(ATTR.partition, String(m.result.partition))
      if (m.result.offset >= 0n) span.setAttribute(ATTR.offset, Number(m.result.offset))
    }
    span.end()
  }

  // --- consumer -------------------------------------------------------------------------------

  #consumerAttributes(m: { clientId: string; groupId: string | null }, type: string, name: string): Attributes {
    const attributes: Attributes = {
      [ATTR.system]: 'kafka',
      [ATTR.operationType]: type,
      [ATTR.operationName]: name,
      [ATTR.clientId]: m.clientId,
    }
    if (m.groupId !== null) attributes[ATTR.group] = m.groupId
    return attributes
  }

  /** A poll span is made when the poll settles (from its start time), so that empty polls can be left out. */
  #onPollEnd(m: ConsumerPollMessage): void {
    const count = m.result?.count ?? 0
    if (m.error === undefined && count === 0 && !this.#config.emptyPolls) return
    const attributes = this.#consumerAttributes(m, 'receive', 'poll')
    const links: Link[] = []
    const topics = new Set<string>()
    if (m.result !== undefined) {
      attributes[ATTR.batchCount] = count
      for (const r of m.result) {
        topics.add(r.topic)
        const sc = trace.getSpanContext(extractRecordContext(r, this.#propagator()))
        if (sc !== undefined) links.push({ context: sc })
      }
    }
    if (topics.size === 1) attributes[ATTR.destination] = [...topics][0]!
    const startTime = this.#startTimes.get(m)
    const span = this.#tracer!.startSpan(
      'poll',
      { kind: SpanKind.CONSUMER, attributes, links, ...(startTime === undefined ? {} : { startTime }) },
      context.active(),
    )
    if (m.error !== undefined) fail(span, m.error)
    span.end()
  }

  #onProcessStart(m: ConsumerProcessMessage): void {
    const r = m.record
    const attributes = this.#consumerAttributes(m, 'process', 'process')
    attributes[ATTR.destination] = r.topic
    attributes[ATTR.partition] = String(r.partition)
    attributes[ATTR.offset] = Number(r.offset)
    const key = keyAttribute(r.key)
    if (key !== undefined) attributes[ATTR.key] = key
    // A child of the producer's span when the record carries its context (the conventions'
    // single-message processing); otherwise of whatever is active.
    const producer = extractRecordContext(r, this.#propagator())
    const parent = trace.getSpanContext(producer) === undefined ? context.active() : producer
    const span = this.#tracer!.startSpan(`process ${r.topic}`, { kind: SpanKind.CONSUMER, attributes }, parent)
    this.#spans.set(m, span)
  }

  #onCommitStart(m: ConsumerCommitMessage): void {
    const attributes = this.#consumerAttributes(m, 'settle', 'commit')
    const topics = new Set(m.offsets.map((o) => o.topic))
    if (topics.size === 1) attributes[ATTR.destination] = [...topics][0]!
    attributes[ATTR.batchCount] = m.offsets.length
    this.#spans.set(m, this.#tracer!.startSpan('commit', { kind: SpanKind.CLIENT, attributes }, context.active()))
  }

  #endSpan(m: { error?: unknown }): void {
    const span = this.#spans.get(m)
    if (span === undefined) return
    this.#spans.delete(m)
    if (m.error !== undefined) fail(span, m.error)
    span.end()
  }
}
export { instrumentName, type MetricsSource, type RegisterMetricsOptions, registerMetrics } from './metrics.js'

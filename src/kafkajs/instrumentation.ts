/**
 * kafkajs's instrumentation events: `{ id, type, timestamp, payload }` objects delivered to the
 * listeners `on(eventName, listener)` registered, with `on()` returning the remover (owner: core;
 * the consumer and admin use it too). A listener that throws or rejects is logged, never crashes
 * the client, as in kafkajs.
 *
 * The network events (REQUEST, REQUEST_TIMEOUT, REQUEST_QUEUE_SIZE) come from `requestObserver`,
 * which each client passes to its connections through the cluster's options (withRequestObserver);
 * it is `active` only while one of them has a listener, so the connections do nothing for it
 * otherwise.
 */
import { EventEmitter } from 'node:events'
import type { CompletedRequest, ObservedRequest, RequestObserver, RequestQueueSize } from '../cluster/index.js'
import { KafkaJSNonRetriableError } from './errors.js'
import type { KafkaJSLogger } from './logger.js'
import type { InstrumentationEvent } from './types.js'

let nextId = 0

/** Kafka's API names that kafkajs spells otherwise (its apiKeys table). */
const KAFKAJS_API_NAMES: ReadonlyMap<number, string> = new Map([
  [10, 'GroupCoordinator'],
  [43, 'ElectPreferredLeaders'],
])

/** The event names a client's map holds for the network events. */
interface NetworkEvents {
  readonly REQUEST: string
  readonly REQUEST_TIMEOUT: string
  readonly REQUEST_QUEUE_SIZE: string
}

export class KafkaJSInstrumentation {
  readonly #emitter = new EventEmitter()
  readonly #names: readonly string[]
  readonly #keysText: string
  readonly #network: NetworkEvents
  /** For the client's connections (withRequestObserver): feeds the network events. */
  readonly requestObserver: RequestObserver & { active: boolean }

  /** `events`: the client's event map, e.g. { CONNECT: 'producer.connect', ... }; `prefix` as in 'producer.events'. */
  constructor(
    events: Readonly<Record<string, string>>,
    prefix: string,
    readonly logger: KafkaJSLogger,
  ) {
    this.#names = Object.values(events)
    this.#keysText = Object.keys(events)
      .map((k) => `${prefix}.${k}`)
      .join(', ')
    this.#network = events as unknown as NetworkEvents
    this.requestObserver = this.#observer()
  }

  on(eventName: string, listener: (event: InstrumentationEvent<unknown>) => unknown): () => void {
    if (!this.#names.includes(eventName)) {
      throw new KafkaJSNonRetriableError(`Event name should be one of ${this.#keysText}`)
    }
    const wrapped = (event: InstrumentationEvent<unknown>): void => {
      try {
        Promise.resolve(listener(event)).catch((e: Error) => this.#listenerFailed(eventName, e))
      } catch (e) {
        this.#listenerFailed(eventName, e as Error)
      }
    }
    this.#emitter.addListener(eventName, wrapped)
    this.#listenersChanged()
    return () => {
      this.#emitter.removeListener(eventName, wrapped)
      this.#listenersChanged()
    }
  }

  /** Emits only when someone listens (building the event costs nothing otherwise). */
  emit(eventName: string, payload?: unknown): void {
    if (this.#emitter.listenerCount(eventName) === 0) return
    const event: InstrumentationEvent<unknown> = {
      id: nextId++,
      type: eventName,
      timestamp: Date.now(),
      payload,
    } as unknown as InstrumentationEvent<unknown>
    this.#emitter.emit(eventName, event)
  }

  listenerCount(eventName: string): number {
    return this.#emitter.listenerCount(eventName)
  }

  #listenersChanged(): void {
    const n = this.#network
    this.requestObserver.active =
      this.listenerCount(n.REQUEST) + this.listenerCount(n.REQUEST_TIMEOUT) + this.listenerCount(n.REQUEST_QUEUE_SIZE) >
      0
  }

  /** kafkajs's payloads (network/requestQueue/socketRequest.js), keys in its order. */
  #observer(): RequestObserver & { active: boolean } {
    const n = this.#network
    const common = (r: ObservedRequest) => ({
      broker: r.broker,
      clientId: r.clientId,
      correlationId: r.correlationId,
      createdAt: r.createdAt,
      sentAt: r.sentAt,
      pendingDuration: r.pendingDuration,
    })
    const api = (r: ObservedRequest) => ({
      apiName: KAFKAJS_API_NAMES.get(r.apiKey) ?? r.apiName,
      apiKey: r.apiKey,
      apiVersion: r.apiVersion,
    })
    return {
      active: false,
      requestCompleted: (r: CompletedRequest) => {
        const { broker, clientId, correlationId, createdAt, sentAt, pendingDuration } = common(r)
        this.emit(n.REQUEST, {
          broker,
          clientId,
          correlationId,
          size: r.size,
          createdAt,
          sentAt,
          pendingDuration,
          duration: r.duration,
          ...api(r),
        })
      },
      requestTimedOut: (r: ObservedRequest) => this.emit(n.REQUEST_TIMEOUT, { ...common(r), ...api(r) }),
      queueSizeChanged: (q: RequestQueueSize) =>
        this.emit(n.REQUEST_QUEUE_SIZE, { broker: q.broker, clientId: q.clientId, queueSize: q.queueSize }),
    }
  }

  #listenerFailed(eventName: string, e: Error): void {
    this.logger.error(`Failed to execute listener: ${e?.message}`, { eventName, stack: e?.stack })
  }
}

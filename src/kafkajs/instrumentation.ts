/**
 * kafkajs's instrumentation events: `{ id, type, timestamp, payload }` objects delivered to the
 * listeners `on(eventName, listener)` registered, with `on()` returning the remover (owner: core;
 * the consumer and admin use it too). A listener that throws or rejects is logged, never crashes
 * the client, as in kafkajs.
 */
import { EventEmitter } from 'node:events'
import { KafkaJSNonRetriableError } from './errors.js'
import type { KafkaJSLogger } from './logger.js'
import type { InstrumentationEvent } from './types.js'

let nextId = 0

export class KafkaJSInstrumentation {
  readonly #emitter = new EventEmitter()
  readonly #names: readonly string[]
  readonly #keysText: string

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
    return () => {
      this.#emitter.removeListener(eventName, wrapped)
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

  #listenerFailed(eventName: string, e: Error): void {
    this.logger.error(`Failed to execute listener: ${e?.message}`, { eventName, stack: e?.stack })
  }
}

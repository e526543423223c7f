/**
 * The kafkajs consumer's instrumentation events: their names (`consumer.events`) and the emitter
 * behind `consumer.on()`, which delivers `{ id, type, timestamp, payload }` as kafkajs's
 * InstrumentationEventEmitter does (an event nobody listens to is not even built; a listener that
 * throws or rejects is logged, never propagated).
 *
 * Owner: the kafkajs consumer (consumer.ts emits through it, consumer-runner.ts too).
 */
import { EventEmitter } from 'node:events'
import type { KafkaJSLogger } from './logger.js'

export const ConsumerEventNames = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
} as const

export type ConsumerEvents = typeof ConsumerEventNames
export type ConsumerEventName = ConsumerEvents[keyof ConsumerEvents]

export interface InstrumentationEvent<T> {
  id: string | number
  type: string
  timestamp: number
  payload: T
}

export type RemoveInstrumentationEventListener<_T> = () => void

let nextId = 0

export class ConsumerEventEmitter {
  readonly #emitter = new EventEmitter()

  constructor(readonly logger: KafkaJSLogger) {
    this.#emitter.setMaxListeners(0)
  }

  emit(type: ConsumerEventName, payload: unknown = null): void {
    if (this.#emitter.listenerCount(type) === 0) return
    const event: InstrumentationEvent<unknown> = { id: nextId++, type, timestamp: Date.now(), payload }
    this.#emitter.emit(type, event)
  }

  listening(type: ConsumerEventName): boolean {
    return this.#emitter.listenerCount(type) > 0
  }

  on(type: ConsumerEventName, listener: (event: InstrumentationEvent<any>) => unknown): () => void {
    const wrapped = (event: InstrumentationEvent<unknown>) => {
      try {
        Promise.resolve(listener(event)).catch((e: Error) => this.#listenerFailed(type, e))
      } catch (e) {
        this.#listenerFailed(type, e as Error)
      }
    }
    this.#emitter.addListener(type, wrapped)
    return () => {
      this.#emitter.removeListener(type, wrapped)
    }
  }

  #listenerFailed(eventName: string, e: Error): void {
    this.logger.error(`Failed to execute listener: ${e?.message}`, { eventName, stack: e?.stack })
  }
}

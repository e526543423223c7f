// The layer's network events (src/kafkajs/instrumentation.ts): payloads built as kafkajs's own
// SocketRequest and RequestQueue build them (same keys, same order), kafkajs's API names, and a
// request observer that is active only while a network event has a listener.
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import type { CompletedRequest } from '../../../src/cluster/index.js'
import { KafkaJSInstrumentation } from '../../../src/kafkajs/instrumentation.js'
import { createLogger, defaultLogCreator } from '../../../src/kafkajs/logger.js'
import { PRODUCER_EVENTS } from '../../../src/kafkajs/producer.js'

const require = createRequire(import.meta.url)
const SocketRequest = require('kafkajs/src/network/requestQueue/socketRequest.js')
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js')
const kafkajsLoggers = require('kafkajs/src/loggers/index.js')

interface Emitted {
  name: string
  payload: Record<string, unknown>
}

const request: CompletedRequest = {
  broker: 'localhost:9092',
  clientId: 'app',
  correlationId: 7,
  createdAt: 1000,
  sentAt: 1003,
  pendingDuration: 3,
  apiName: 'FindCoordinator',
  apiKey: 10,
  apiVersion: 4,
  size: 42,
  duration: 5,
}

/** What kafkajs 2.2.4's own SocketRequest emits for one request answered, and for one timed out. */
function kafkajsEvents(): Emitted[] {
  const emitted: Emitted[] = []
  const make = () =>
    new SocketRequest({
      requestTimeout: 30000,
      broker: request.broker,
      clientId: request.clientId,
      entry: {
        apiKey: 10,
        apiName: 'GroupCoordinator',
        apiVersion: 4,
        correlationId: 7,
        resolve: () => {},
        reject: () => {},
      },
      expectResponse: true,
      send: () => {},
      timeout: () => {},
      instrumentationEmitter: {
        emit: (name: string, payload: Record<string, unknown>) => emitted.push({ name, payload }),
      },
    })
  const answered = make()
  answered.send()
  answered.completed({ size: 42, payload: null })
  const timedOut = make()
  timedOut.send()
  timedOut.timeoutRequest()
  const queue = new RequestQueue({
    instrumentationEmitter: {
      emit: (name: string, payload: Record<string, unknown>) => emitted.push({ name, payload }),
    },
    maxInFlightRequests: 1,
    requestTimeout: 30000,
    enforceRequestTimeout: false,
    clientId: 'app',
    broker: request.broker,
    logger: kafkajsLoggers.createLogger({ level: 0, logCreator: () => () => {} }),
  })
  for (let correlationId = 0; correlationId < 2; correlationId++) {
    queue.push({
      entry: { apiKey: 3, apiName: 'Metadata', apiVersion: 6, correlationId, resolve: () => {}, reject: () => {} },
      expectResponse: true,
      sendRequest: () => {},
    })
  }
  queue.destroy()
  return emitted
}

function layer(): { instrumentation: KafkaJSInstrumentation; emitted: Emitted[] } {
  const logger = createLogger({ level: 0, logCreator: defaultLogCreator })
  const instrumentation = new KafkaJSInstrumentation(PRODUCER_EVENTS, 'producer.events', logger)
  const emitted: Emitted[] = []
  for (const name of [PRODUCER_EVENTS.REQUEST, PRODUCER_EVENTS.REQUEST_TIMEOUT, PRODUCER_EVENTS.REQUEST_QUEUE_SIZE]) {
    instrumentation.on(name, (e) => emitted.push({ name, payload: e.payload as Record<string, unknown> }))
  }
  return { instrumentation, emitted }
}

describe('kafkajs layer: network event payloads', () => {
  it("are kafkajs's: the same keys in the same order, GroupCoordinator for FindCoordinator", () => {
    const { instrumentation, emitted } = layer()
    const observer = instrumentation.requestObserver
    observer.requestCompleted(request)
    const { size: _size, duration: _duration, ...timedOut } = request
    observer.requestTimedOut(timedOut)
    observer.queueSizeChanged({ broker: request.broker, clientId: 'app', queueSize: 1 })
    const theirs = kafkajsEvents()
    const shape = (e: Emitted) => `${e.name.split('.').pop()}: ${Object.keys(e.payload).join(',')}`
    expect(emitted.map(shape)).toEqual(theirs.map(shape))
    expect(emitted[0]!.payload).toEqual({
      broker: 'localhost:9092',
      clientId: 'app',
      correlationId: 7,
      size: 42,
      createdAt: 1000,
      sentAt: 1003,
      pendingDuration: 3,
      duration: 5,
      apiName: 'GroupCoordinator',
      apiKey: 10,
      apiVersion: 4,
    })
    expect(theirs[0]!.payload.apiName).toBe('GroupCoordinator')
    expect(emitted[2]!.payload).toEqual({ broker: 'localhost:9092', clientId: 'app', queueSize: 1 })
  })

  it('the request observer is active only while a network event has a listener', () => {
    const logger = createLogger({ level: 0, logCreator: defaultLogCreator })
    const instrumentation = new KafkaJSInstrumentation(PRODUCER_EVENTS, 'producer.events', logger)
    const observer = instrumentation.requestObserver
    expect(observer.active).toBe(false)
    const removeConnect = instrumentation.on(PRODUCER_EVENTS.CONNECT, () => {})
    expect(observer.active).toBe(false)
    const removeRequest = instrumentation.on(PRODUCER_EVENTS.REQUEST, () => {})
    expect(observer.active).toBe(true)
    const removeQueue = instrumentation.on(PRODUCER_EVENTS.REQUEST_QUEUE_SIZE, () => {})
    removeRequest()
    expect(observer.active).toBe(true)
    removeQueue()
    expect(observer.active).toBe(false)
    instrumentation.on(PRODUCER_EVENTS.REQUEST_TIMEOUT, () => {})
    expect(observer.active).toBe(true)
    removeConnect()
  })
})

/**
 * A per-client observer of the requests on its connections (owner: network). connection.ts reports
 * to it; cluster/ carries it from a client's options (the symbol-keyed `REQUEST_OBSERVER`, outside
 * the public option names) into every connection the client opens. kafka-wire/kafkajs installs one
 * per producer, consumer and admin to fire kafkajs's REQUEST, REQUEST_TIMEOUT and
 * REQUEST_QUEUE_SIZE events.
 *
 * Unlike the diagnostics channels (src/diagnostics, process-wide, one payload per connection event),
 * it sees only its own client's connections, request by request. It costs nothing while unused: a
 * connection without an observer checks one field per request; with one whose `active` is false,
 * one more read — no clock reads, no payloads. `active` is read when a request is created, so a
 * request created while nobody listened is never reported. Heartbeat-thread connections
 * (consumer/group/heartbeat-worker.ts) have no observer: a function cannot cross the thread boundary.
 */

/** One request, in kafkajs's vocabulary (times are `Date.now()` values, durations in ms). */
export interface ObservedRequest {
  /** 'host:port' of the broker. */
  readonly broker: string
  readonly clientId: string | null
  readonly correlationId: number
  /** When the request was encoded and handed to the connection. */
  readonly createdAt: number
  /** When it was written to the socket. */
  readonly sentAt: number
  /** sentAt − createdAt: the time it waited for a pipeline slot or a drained socket. */
  readonly pendingDuration: number
  /** Kafka's API name, e.g. 'Produce'. */
  readonly apiName: string
  readonly apiKey: number
  readonly apiVersion: number
}

/** A request answered (or, for one that expects no response, written). */
export interface CompletedRequest extends ObservedRequest {
  /** Bytes of the response frame after its length prefix; 0 when no response is expected. */
  readonly size: number
  /** From sentAt to the response. */
  readonly duration: number
}

export interface RequestQueueSize {
  readonly broker: string
  readonly clientId: string | null
  /** Requests waiting to be written (the pipeline is full or the socket is draining). */
  readonly queueSize: number
}

export interface RequestObserver {
  /** Whether to observe requests created from now on. */
  readonly active: boolean
  requestCompleted(request: CompletedRequest): void
  /** A request written and not answered within its timeout (the connection then closes). */
  requestTimedOut(request: ObservedRequest): void
  /** A request queued behind the pipeline, one dequeued, or the queue emptied by a close. */
  queueSizeChanged(queue: RequestQueueSize): void
}

/** The option key a client's observer travels under (not a public option: no string key). */
export const REQUEST_OBSERVER: unique symbol = Symbol('kafka-wire: request observer')

/** `options` with `observer` under REQUEST_OBSERVER (resolveCommonOptions picks it up). */
export function withRequestObserver<T extends object>(options: T, observer: RequestObserver): T {
  return { ...options, [REQUEST_OBSERVER]: observer }
}

/** What connection.ts keeps of a pending request; `createdAt` 0 marks one not observed. */
export interface ObservablePending {
  readonly api: { readonly name: string; readonly apiKey: number }
  readonly version: number
  readonly correlationId: number
  readonly createdAt: number
  readonly sentAt: number
}

function describe(host: string, port: number, clientId: string | null, p: ObservablePending): ObservedRequest {
  return {
    broker: `${host}:${port}`,
    clientId,
    correlationId: p.correlationId,
    createdAt: p.createdAt,
    sentAt: p.sentAt,
    pendingDuration: p.sentAt - p.createdAt,
    apiName: p.api.name,
    apiKey: p.api.apiKey,
    apiVersion: p.version,
  }
}

/** Reports an observed request's response (`size` bytes; 0 for one that expects none). */
export function reportCompleted(
  observer: RequestObserver,
  host: string,
  port: number,
  clientId: string | null,
  p: ObservablePending,
  size: number,
): void {
  safely(() =>
    observer.requestCompleted({ ...describe(host, port, clientId, p), size, duration: Date.now() - p.sentAt }),
  )
}

export function reportTimedOut(
  observer: RequestObserver,
  host: string,
  port: number,
  clientId: string | null,
  p: ObservablePending,
): void {
  safely(() => observer.requestTimedOut(describe(host, port, clientId, p)))
}

export function reportQueueSize(
  observer: RequestObserver,
  host: string,
  port: number,
  clientId: string | null,
  queueSize: number,
): void {
  safely(() => observer.queueSizeChanged({ broker: `${host}:${port}`, clientId, queueSize }))
}

/** An observer runs inside the connection's bookkeeping: its failure must not break a request. */
function safely(report: () => void): void {
  try {
    report()
  } catch {}
}

/**
 * The KIP-714 client telemetry state machine, sans-IO: when to ask the broker for the client's
 * metrics subscription (GetTelemetrySubscriptions), when to push (PushTelemetry), what a response
 * or a failure changes, and the terminating push on close. Time is passed in (`now`); the driver
 * (reporter.ts) sends the requests and builds the payloads.
 *
 * The states and transitions are the Java client's (ClientTelemetryState, ClientTelemetryReporter's
 * DefaultClientTelemetrySender, ClientTelemetryUtils.maybeFetchErrorIntervalMs):
 *
 *   SUBSCRIPTION_NEEDED → SUBSCRIPTION_IN_PROGRESS → PUSH_NEEDED ⇄ PUSH_IN_PROGRESS
 *        ↑__________________________|  (no metrics requested, an error)   |
 *   any of the above with a subscription → TERMINATING_PUSH_NEEDED → TERMINATING_PUSH_IN_PROGRESS → TERMINATED
 *
 * The first push after a new subscription waits a random 50–150 % of the push interval, so that
 * clients started together do not push together. Where kafka-wire differs: a request that failed
 * in transport (no response) is retried after the push interval (or `retryMs` before any
 * subscription) instead of disabling telemetry.
 */
import { ErrorCode } from '../../error-codes.js'
import { ZERO_UUID } from '../../protocol/index.js'

export type TelemetryState =
  | 'SUBSCRIPTION_NEEDED'
  | 'SUBSCRIPTION_IN_PROGRESS'
  | 'PUSH_NEEDED'
  | 'PUSH_IN_PROGRESS'
  | 'TERMINATING_PUSH_NEEDED'
  | 'TERMINATING_PUSH_IN_PROGRESS'
  | 'TERMINATED'

/** Java's ClientTelemetryReporter.DEFAULT_PUSH_INTERVAL_MS: 5 minutes. */
export const DEFAULT_PUSH_INTERVAL_MS = 5 * 60 * 1000

/** Bounds of the random factor applied to the first push interval of a subscription. */
const INITIAL_PUSH_JITTER_LOWER = 0.5
const INITIAL_PUSH_JITTER_UPPER = 1.5

/** The fields of a GetTelemetrySubscriptions response the machine reads. */
export interface SubscriptionResponse {
  errorCode: number
  clientInstanceId: string
  subscriptionId: number
  acceptedCompressionTypes: readonly number[]
  pushIntervalMs: number
  telemetryMaxBytes: number
  deltaTemporality: boolean
  requestedMetrics: readonly string[]
}

export interface TelemetrySubscription {
  readonly clientInstanceId: string
  readonly subscriptionId: number
  readonly pushIntervalMs: number
  /** In the broker's order of preference. */
  readonly acceptedCompressionTypes: readonly number[]
  readonly telemetryMaxBytes: number
  readonly deltaTemporality: boolean
  readonly requestedMetrics: readonly string[]
}

export type TelemetryRequest =
  | { api: 'GetTelemetrySubscriptions'; clientInstanceId: string }
  | { api: 'PushTelemetry'; subscription: TelemetrySubscription; terminating: boolean }

/** Why a request got no response: the broker does not speak the API, or the transport failed. */
export type TelemetryFailure = 'unsupported' | 'transport'

/**
 * How long to wait before asking again after a broker error, or Infinity to stop (telemetry is
 * disabled): Java's ClientTelemetryUtils.maybeFetchErrorIntervalMs. undefined for NONE.
 */
export function errorRetryIntervalMs(errorCode: number, pushIntervalMs: number | undefined): number | undefined {
  switch (errorCode) {
    case ErrorCode.NONE:
      return undefined
    // Retrying cannot help: the client sent something the broker will never accept.
    case ErrorCode.INVALID_REQUEST:
    case ErrorCode.INVALID_RECORD:
    case ErrorCode.UNSUPPORTED_VERSION:
      return Number.POSITIVE_INFINITY
    // The subscription changed (or the codec is refused): fetch it again at once.
    case ErrorCode.UNKNOWN_SUBSCRIPTION_ID:
    case ErrorCode.UNSUPPORTED_COMPRESSION_TYPE:
      return 0
    // Try again at the next interval.
    case ErrorCode.TELEMETRY_TOO_LARGE:
    case ErrorCode.THROTTLING_QUOTA_EXCEEDED:
      return pushIntervalMs ?? DEFAULT_PUSH_INTERVAL_MS
    default:
      return Number.POSITIVE_INFINITY
  }
}

const ALLOWED: Record<TelemetryState, readonly TelemetryState[]> = {
  SUBSCRIPTION_NEEDED: ['SUBSCRIPTION_IN_PROGRESS', 'TERMINATED'],
  SUBSCRIPTION_IN_PROGRESS: ['PUSH_NEEDED', 'SUBSCRIPTION_NEEDED', 'TERMINATING_PUSH_NEEDED', 'TERMINATED'],
  PUSH_NEEDED: ['PUSH_IN_PROGRESS', 'SUBSCRIPTION_NEEDED', 'TERMINATING_PUSH_NEEDED', 'TERMINATED'],
  PUSH_IN_PROGRESS: ['PUSH_NEEDED', 'SUBSCRIPTION_NEEDED', 'TERMINATING_PUSH_NEEDED', 'TERMINATED'],
  TERMINATING_PUSH_NEEDED: ['TERMINATING_PUSH_IN_PROGRESS', 'TERMINATED'],
  TERMINATING_PUSH_IN_PROGRESS: ['TERMINATED'],
  TERMINATED: [],
}

export interface ClientTelemetryMachineOptions {
  /** Wait before retrying a request that failed in transport while no subscription is known. */
  retryMs: number
  /** [0, 1) — for the first push's jitter; tests pass a fixed one. Default Math.random. */
  random?: () => number
}

export class ClientTelemetryMachine {
  #state: TelemetryState = 'SUBSCRIPTION_NEEDED'
  #subscription: TelemetrySubscription | undefined
  /** When the last request was answered (or failed); the next is due intervalMs later. */
  #lastRequestMs = 0
  /** 0 at first: the first GetTelemetrySubscriptions goes out at once. */
  #intervalMs = 0
  #enabled = true
  readonly #retryMs: number
  readonly #random: () => number

  constructor(options: ClientTelemetryMachineOptions) {
    this.#retryMs = options.retryMs
    this.#random = options.random ?? Math.random
  }

  get state(): TelemetryState {
    return this.#state
  }

  get subscription(): TelemetrySubscription | undefined {
    return this.#subscription
  }

  /** False once the broker said something retrying cannot fix: nothing more is sent. */
  get enabled(): boolean {
    return this.#enabled
  }

  /** Milliseconds until pollRequest() has something to send (Infinity: nothing until an event). */
  timeToNextUpdate(now: number): number {
    if (!this.#enabled) return Number.POSITIVE_INFINITY
    switch (this.#state) {
      case 'TERMINATING_PUSH_NEEDED':
        return 0
      case 'SUBSCRIPTION_NEEDED':
      case 'PUSH_NEEDED':
        return Math.max(0, this.#lastRequestMs + this.#intervalMs - now)
      default:
        // A request is in flight (its answer moves the machine on), or the machine is done.
        return Number.POSITIVE_INFINITY
    }
  }

  /** The request to send now, if one is due; the machine then waits for its answer. */
  pollRequest(now: number): TelemetryRequest | undefined {
    if (this.timeToNextUpdate(now) > 0) return undefined
    if (this.#state === 'SUBSCRIPTION_NEEDED') {
      this.#transition('SUBSCRIPTION_IN_PROGRESS')
      return { api: 'GetTelemetrySubscriptions', clientInstanceId: this.#subscription?.clientInstanceId ?? ZERO_UUID }
    }
    const subscription = this.#subscription
    if (subscription === undefined) {
      // Cannot happen (PUSH_NEEDED follows a subscription), but never push without one.
      this.#transition('SUBSCRIPTION_NEEDED')
      return undefined
    }
    const terminating = this.#state === 'TERMINATING_PUSH_NEEDED'
    this.#transition(terminating ? 'TERMINATING_PUSH_IN_PROGRESS' : 'PUSH_IN_PROGRESS')
    return { api: 'PushTelemetry', subscription, terminating }
  }

  /**
   * A GetTelemetrySubscriptions answer. Returns whether DeltaTemporality changed (the driver then
   * forgets the values last pushed, as Java's metricsReset).
   */
  onSubscriptionResponse(res: SubscriptionResponse, now: number): { deltaTemporalityChanged: boolean } {
    const unchanged = { deltaTemporalityChanged: false }
    // Answers to a request made before close() began are ignored.
    if (this.#state !== 'SUBSCRIPTION_IN_PROGRESS') return unchanged
    const retryMs = errorRetryIntervalMs(res.errorCode, this.#subscription?.pushIntervalMs)
    if (retryMs !== undefined) {
      this.#transition('SUBSCRIPTION_NEEDED')
      this.#retryAfter(retryMs, now)
      return unchanged
    }
    // The broker assigns the id when asked with the zero UUID; later answers may leave it zero.
    const clientInstanceId =
      res.clientInstanceId !== ZERO_UUID ? res.clientInstanceId : this.#subscription?.clientInstanceId
    if (clientInstanceId === undefined) {
      this.#transition('SUBSCRIPTION_NEEDED')
      this.#retryAfter(this.#retryMs, now)
      return unchanged
    }
    const previous = this.#subscription
    this.#subscription = {
      clientInstanceId,
      subscriptionId: res.subscriptionId,
      // Java's validateIntervalMs: a non-positive interval means the default.
      pushIntervalMs: res.pushIntervalMs > 0 ? res.pushIntervalMs : DEFAULT_PUSH_INTERVAL_MS,
      acceptedCompressionTypes: [...res.acceptedCompressionTypes],
      telemetryMaxBytes: res.telemetryMaxBytes,
      deltaTemporality: res.deltaTemporality,
      requestedMetrics: [...res.requestedMetrics],
    }
    this.#lastRequestMs = now
    if (res.requestedMetrics.length === 0) {
      // Nothing is subscribed: ask again after the interval.
      this.#transition('SUBSCRIPTION_NEEDED')
      this.#intervalMs = this.#subscription.pushIntervalMs
    } else {
      this.#transition('PUSH_NEEDED')
      const factor =
        INITIAL_PUSH_JITTER_LOWER + this.#random() * (INITIAL_PUSH_JITTER_UPPER - INITIAL_PUSH_JITTER_LOWER)
      this.#intervalMs = Math.round(factor * this.#subscription.pushIntervalMs)
    }
    return { deltaTemporalityChanged: previous !== undefined && previous.deltaTemporality !== res.deltaTemporality }
  }

  /** A PushTelemetry answer. */
  onPushResponse(errorCode: number, now: number): void {
    if (this.#state === 'TERMINATING_PUSH_IN_PROGRESS') {
      this.#transition('TERMINATED')
      return
    }
    if (this.#state !== 'PUSH_IN_PROGRESS') return
    const retryMs = errorRetryIntervalMs(errorCode, this.#subscription?.pushIntervalMs)
    if (retryMs !== undefined) {
      this.#transition('SUBSCRIPTION_NEEDED')
      this.#retryAfter(retryMs, now)
      return
    }
    this.#transition('PUSH_NEEDED')
    this.#lastRequestMs = now
    this.#intervalMs = this.#subscription!.pushIntervalMs
  }

  /**
   * A request got no answer. 'unsupported': the broker does not offer the API (another broker may):
   * ask again after the default interval, as Java. 'transport': after the push interval.
   */
  onRequestFailed(failure: TelemetryFailure, now: number): void {
    if (this.#state === 'TERMINATING_PUSH_IN_PROGRESS') {
      this.#transition('TERMINATED')
      return
    }
    if (this.#state !== 'SUBSCRIPTION_IN_PROGRESS' && this.#state !== 'PUSH_IN_PROGRESS') return
    this.#transition('SUBSCRIPTION_NEEDED')
    const wait =
      failure === 'unsupported' ? DEFAULT_PUSH_INTERVAL_MS : (this.#subscription?.pushIntervalMs ?? this.#retryMs)
    this.#retryAfter(wait, now)
  }

  /**
   * The client is closing. Returns true when a terminating push is to be sent (pollRequest returns
   * it at once); false when there is nothing to terminate (no subscription yet, disabled, or
   * already terminating), and the machine is then TERMINATED.
   */
  initiateClose(): boolean {
    const canPush =
      this.#enabled &&
      this.#subscription !== undefined &&
      this.#subscription.requestedMetrics.length > 0 &&
      ALLOWED[this.#state].includes('TERMINATING_PUSH_NEEDED')
    if (canPush) {
      this.#transition('TERMINATING_PUSH_NEEDED')
      return true
    }
    if (this.#state !== 'TERMINATING_PUSH_NEEDED' && this.#state !== 'TERMINATING_PUSH_IN_PROGRESS') this.terminate()
    return false
  }

  /** Done: nothing more is sent (the close timeout ran out, or the terminating push is answered). */
  terminate(): void {
    if (this.#state !== 'TERMINATED') this.#transition('TERMINATED')
  }

  #retryAfter(intervalMs: number, now: number): void {
    this.#lastRequestMs = now
    if (intervalMs === Number.POSITIVE_INFINITY) this.#enabled = false
    else this.#intervalMs = intervalMs
  }

  #transition(next: TelemetryState): void {
    if (!ALLOWED[this.#state].includes(next)) {
      throw new Error(`kafka-wire telemetry: invalid state transition ${this.#state} → ${next}`)
    }
    this.#state = next
  }
}

/**
 * The driver of KIP-714 client telemetry for one client (Producer, Consumer, Admin): runs the
 * sans-IO ClientTelemetryMachine (state.ts) on timers, sends its GetTelemetrySubscriptions and
 * PushTelemetry requests through the client's Cluster, builds each push from the metrics source
 * (payload.ts) compressed with the first codec the broker accepts that is installed here, and
 * sends the terminating push on close, bounded by the close deadline.
 *
 * Like the Java client it sticks to one broker while that broker answers. It starts once the
 * client has bootstrapped (a client that never connects never pushes), and its timers are unref'd:
 * telemetry never keeps a process alive. Nothing here throws into the client: a failure is logged
 * at debug and retried as state.ts says.
 */
import { ErrorCode, errorInfo, UnsupportedVersionError } from '../../errors.js'
import { type Clock, systemClock } from '../../internal/clock.js'
import { TIMED_OUT, withDeadline } from '../../internal/deadline.js'
import { Apis } from '../../protocol/index.js'
import {
  CompressionType,
  compress,
  compressionName,
  isCodecAvailable,
} from '../../protocol/records/compression/index.js'
import type { Cluster } from '../cluster.js'
import { type MetricsSource, metricSelector, TelemetryPayloadBuilder } from './payload.js'
import {
  ClientTelemetryMachine,
  type TelemetryRequest,
  type TelemetryState,
  type TelemetrySubscription,
} from './state.js'

/** How often to look whether the client has bootstrapped yet (telemetry waits for it). */
const BOOTSTRAP_CHECK_MS = 1000
/** The longest a Node timer can wait. */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface ClientTelemetryReporterOptions {
  source: MetricsSource
  /** OTLP resource attributes (Java's: transactional_id, group_id, group_instance_id, client_rack). */
  resource?: Readonly<Record<string, string | null | undefined>>
  clock?: Clock
  /** For the first push's jitter (tests). */
  random?: () => number
}

export class ClientTelemetryReporter {
  readonly #cluster: Cluster
  readonly #machine: ClientTelemetryMachine
  readonly #builder = new TelemetryPayloadBuilder()
  readonly #source: MetricsSource
  readonly #resource: Readonly<Record<string, string>>
  readonly #clock: Clock
  #timer: unknown
  #nodeId: number | undefined
  #closing = false
  /** clientInstanceId() calls waiting for the first subscription. */
  readonly #waiters = new Set<() => void>()
  /** The last request found a broker without the telemetry APIs (no ClientTelemetry plugin). */
  #unsupported = false

  constructor(cluster: Cluster, options: ClientTelemetryReporterOptions) {
    this.#cluster = cluster
    this.#source = options.source
    this.#clock = options.clock ?? systemClock
    const resource: Record<string, string> = {}
    for (const [k, v] of Object.entries(options.resource ?? {})) if (typeof v === 'string') resource[k] = v
    this.#resource = resource
    this.#machine = new ClientTelemetryMachine({
      retryMs: cluster.options.retryBackoffMaxMs,
      ...(options.random ? { random: options.random } : {}),
    })
    this.#schedule(0)
  }

  /** Where the state machine is (diagnostics, tests). */
  get state(): TelemetryState {
    return this.#machine.state
  }

  /** False once the broker answered with an error that retrying cannot fix: nothing more is pushed. */
  get enabled(): boolean {
    return this.#machine.enabled
  }

  /** The client instance id the broker assigned (KIP-714), once a subscription was received. */
  get clientInstanceId(): string | undefined {
    return this.#machine.subscription?.clientInstanceId
  }

  /**
   * Java's clientInstanceId(timeout): the id once the broker has sent one, waiting up to
   * `timeoutMs` for the first subscription (a client not yet bootstrapped is bootstrapped now, as
   * the Java client's network thread would); null when none came in time or telemetry stopped (a
   * broker without a telemetry plugin, the client closing).
   */
  async waitForClientInstanceId(timeoutMs: number): Promise<string | null> {
    const id = () => this.clientInstanceId ?? null
    if (id() !== null || this.#answered() || timeoutMs <= 0) return id()
    const waitMs = Math.min(timeoutMs, MAX_TIMER_MS)
    if (this.#cluster.metadataUpdatedAt === 0) {
      this.#cluster.connect({ timeoutMs: waitMs }).then(
        () => this.#schedule(0),
        () => {},
      )
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, waitMs)
      this.#waiters.add(done)
    })
    return id()
  }

  /** Wakes clientInstanceId() waiters when their answer is known: an id, or telemetry stopped. */
  #notifyWaiters(): void {
    if (this.clientInstanceId === undefined && !this.#answered()) return
    for (const done of [...this.#waiters]) done()
  }

  /** No id is coming: telemetry is off for good, the client is closing, or the broker lacks the APIs. */
  #answered(): boolean {
    return !this.enabled || this.#closing || this.#unsupported
  }

  /**
   * Sends the terminating push (when a subscription asks for metrics) and stops. Call before the
   * client closes its connections; `deadline` (ms since the epoch) bounds the wait. Idempotent.
   */
  async close(deadline: number | undefined): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    this.#notifyWaiters()
    this.#clock.clearTimeout(this.#timer)
    if (!this.#machine.initiateClose()) return
    const request = this.#machine.pollRequest(this.#clock.now())
    if (request !== undefined && (await withDeadline(this.#send(request, deadline), deadline)) === TIMED_OUT) {
      this.#cluster.options.logger.debug(
        {},
        'kafka-wire telemetry: the terminating push did not finish before the close timeout',
      )
    }
    this.#machine.terminate()
  }

  #schedule(ms: number): void {
    this.#clock.clearTimeout(this.#timer)
    if (this.#closing || ms === Number.POSITIVE_INFINITY) return
    const timer = this.#clock.setTimeout(() => this.#tick(), Math.min(ms, MAX_TIMER_MS))
    ;(timer as { unref?: () => void } | undefined)?.unref?.()
    this.#timer = timer
  }

  #tick(): void {
    if (this.#closing || this.#cluster.closed) return
    if (this.#cluster.metadataUpdatedAt === 0) {
      this.#schedule(BOOTSTRAP_CHECK_MS)
      return
    }
    const now = this.#clock.now()
    const request = this.#machine.pollRequest(now)
    if (request === undefined) {
      this.#schedule(this.#machine.timeToNextUpdate(now))
      return
    }
    void this.#send(request, undefined).then(() => this.#schedule(this.#machine.timeToNextUpdate(this.#clock.now())))
  }

  /** Sends one request and hands its outcome to the machine; never rejects. */
  async #send(request: TelemetryRequest, deadline: number | undefined): Promise<void> {
    const nodeId = this.#node()
    const timeoutMs = Math.max(
      1,
      Math.min(this.#cluster.options.requestTimeoutMs, (deadline ?? Number.POSITIVE_INFINITY) - Date.now()),
    )
    try {
      if (nodeId === undefined) throw new Error('no broker known')
      // On the connection the client has to that broker (no I/O): a broker without a telemetry
      // plugin does not offer the API, and no connection is opened just to learn that.
      await this.#cluster.versionFor(nodeId, Apis.GetTelemetrySubscriptions)
      if (request.api === 'GetTelemetrySubscriptions') {
        const res = await this.#cluster.send(
          nodeId,
          Apis.GetTelemetrySubscriptions,
          { clientInstanceId: request.clientInstanceId },
          { timeoutMs },
        )
        const { deltaTemporalityChanged } = this.#machine.onSubscriptionResponse(res, this.#clock.now())
        if (deltaTemporalityChanged) this.#builder.reset()
        this.#unsupported = false
        this.#notifyWaiters()
        this.#cluster.options.logger.debug(
          {
            nodeId,
            subscriptionId: res.subscriptionId,
            errorCode: errorInfo(res.errorCode).name,
            pushIntervalMs: res.pushIntervalMs,
            metrics: res.requestedMetrics,
          },
          'kafka-wire telemetry: subscription received',
        )
        return
      }
      const body = this.#pushBody(request.subscription, request.terminating)
      const res = await this.#cluster.send(nodeId, Apis.PushTelemetry, body, { timeoutMs })
      if (res.errorCode !== ErrorCode.NONE) {
        this.#cluster.options.logger.debug(
          { nodeId, errorCode: errorInfo(res.errorCode).name },
          'kafka-wire telemetry: push refused',
        )
      }
      this.#machine.onPushResponse(res.errorCode, this.#clock.now())
    } catch (err) {
      this.#cluster.options.logger.debug({ api: request.api, err }, 'kafka-wire telemetry: request failed')
      // Another broker next time (KIP-714: stick to one broker only while it answers).
      this.#nodeId = undefined
      this.#unsupported = err instanceof UnsupportedVersionError
      this.#machine.onRequestFailed(this.#unsupported ? 'unsupported' : 'transport', this.#clock.now())
      this.#notifyWaiters()
    }
  }

  #pushBody(subscription: TelemetrySubscription, terminating: boolean) {
    const selector = metricSelector(subscription.requestedMetrics) ?? (() => false)
    const { bytes, names } = this.#builder.build(
      this.#source(),
      { selector, deltaTemporality: subscription.deltaTemporality, resource: this.#resource },
      this.#clock.now(),
    )
    // The broker lists the codecs in its order of preference; skip one whose package is missing here.
    const codec =
      subscription.acceptedCompressionTypes.find((c) => c >= 0 && c <= 4 && isCodecAvailable(c as CompressionType)) ??
      CompressionType.NONE
    const metrics = codec === CompressionType.NONE ? bytes : compress(codec as CompressionType, bytes)
    this.#cluster.options.logger.debug(
      {
        terminating,
        metrics: names.length,
        bytes: bytes.length,
        compressedBytes: metrics.length,
        compression: compressionName(codec as CompressionType),
      },
      'kafka-wire telemetry: push',
    )
    return {
      clientInstanceId: subscription.clientInstanceId,
      subscriptionId: subscription.subscriptionId,
      terminating,
      compressionType: codec,
      metrics,
    }
  }

  /**
   * The broker telemetry goes to: the same one while it answers, else a random one the client is
   * connected to (any known one when it has no connection left).
   */
  #node(): number | undefined {
    const brokers = this.#cluster.brokers
    if (this.#nodeId !== undefined && brokers.has(this.#nodeId)) return this.#nodeId
    const connected = [...this.#cluster.connections.nodeIds].filter((id) => brokers.has(id))
    const ids = connected.length > 0 ? connected : [...brokers.keys()]
    this.#nodeId = ids.length === 0 ? undefined : ids[Math.floor(Math.random() * ids.length)]
    return this.#nodeId
  }
}

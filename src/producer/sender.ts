/**
 * The Sender: turns ready batches into Produce requests and their responses into resolved
 * or retried batches.
 *
 * `Sender` is the sans-IO core: `poll(now, metadata)` drains ready batches per leader into at
 * most `maxInFlightRequestsPerConnection` requests per broker (each up to `maxRequestSize`),
 * expires batches past `deliveryTimeoutMs`, and returns the requests plus the earliest time
 * anything can change (a linger or backoff end, a delivery deadline). `onResponse` /
 * `onError` settle a request; per broker they are applied strictly in send order (the
 * idempotent producer's sequence bookkeeping depends on it), buffering any that complete
 * early.
 *
 * `SenderLoop` is the thin driver: one timer for the next deadline, one setImmediate for
 * wakeups (a batch filled, a response arrived), never a timer per record and never a busy
 * loop. It owns the InitProducerId exchange and talks to the cluster through
 * `ProduceTransport`, so tests can step it with a fake transport and clock.
 */

import {
  brokerError,
  ClosedError,
  ErrorCode,
  errorInfo,
  isRetriable,
  KafkaError,
  ProtocolError,
  TimeoutError,
} from '../errors.js'
import { backoff } from '../internal/backoff.js'
import { type Clock, systemClock } from '../internal/clock.js'
import type { Log } from '../internal/log.js'
import type { ProduceResponseListener } from '../internal/seams.js'
import type { Apis } from '../protocol/index.js'
import type { RequestOf, ResponseOf } from '../protocol/schema/dsl.js'
import type { MetadataView, PartitionQueue, RecordAccumulator } from './accumulator.js'
import type { ProducerBatch } from './batch.js'
import type { SenderSensors } from './metrics.js'
import type { ProducerState } from './producer-state.js'

export type ProduceRequestBody = RequestOf<typeof Apis.Produce>
export type ProduceResponseBody = ResponseOf<typeof Apis.Produce>

const PRODUCE_API_KEY = 0
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

export interface SenderOptions {
  acks: 0 | 1 | -1
  maxRequestSize: number
  maxInFlightRequestsPerConnection: number
  requestTimeoutMs: number
  retries: number
  deliveryTimeoutMs: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  /** Backoff before retry number `attempt` (1-based); default exponential with ±20% jitter. */
  backoff?: (attempt: number, baseMs: number, maxMs: number) => number
  /** A batch failed for good (after its promises were rejected). */
  onBatchFailed?: (error: Error, batch: ProducerBatch) => void
  /** Set for a transactional producer: Produce carries it (and batches are transactional). */
  transactionalId?: string
  /** Caps the Produce version (TV1 transactions: ≤ 11, so partitions are not added implicitly). */
  maxProduceVersion?: () => number
  /** The producer's metrics (metrics.ts): once per request and per retried batch. */
  sensors?: SenderSensors
  /** A batch refused with MESSAGE_TOO_LARGE was split into `parts` (logged by the producer). */
  onBatchSplit?: (batch: ProducerBatch, parts: ProducerBatch[]) => void
  /** The Produce body's `timeoutMs` (the broker's wait for acknowledgements); default requestTimeoutMs. */
  ackTimeoutMs?: number
  /** Each partition's successful response, before its batch completes (PRODUCE_RESPONSE_LISTENER). */
  onPartitionAcknowledged?: ProduceResponseListener
  /** A response named a partition's new leader (KIP-951), with its endpoint when given. */
  onCurrentLeader?: (
    topic: string,
    partition: number,
    leaderId: number,
    leaderEpoch: number,
    endpoint: { host: string; port: number; rack: string | null } | undefined,
  ) => void
}

/** One Produce request to send. */
export interface ProduceRequestPlan {
  readonly id: number
  readonly nodeId: number
  readonly batches: readonly ProducerBatch[]
  readonly body: ProduceRequestBody
  /** False for acks 0: the request is complete once written. */
  readonly expectResponse: boolean
  readonly timeoutMs: number
  /** 13 when every topic id is known (Produce v13 addresses topics by id), else 12. */
  readonly maxVersion: number
}

export interface SenderPoll {
  requests: ProduceRequestPlan[]
  /** Absolute time of the next poll; Infinity when only a wakeup (response, append) can change anything. */
  nextPollMs: number
  /** Leaders are unknown or stale: refresh metadata. */
  refreshMetadata: boolean
  /** An InitProducerId must complete before anything is sent. */
  needsProducerId: boolean
}

interface PlanState {
  plan: ProduceRequestPlan
  settled: boolean
  response: ProduceResponseBody | undefined
  error: unknown
  /** When the request was planned (sent), for request-latency. */
  sentMs: number
}

/** Backoff before retry number `attempt` (1-based): the one exponential backoff with ±20% jitter (KIP-580). */
const retryBackoff = (attempt: number, baseMs: number, maxMs: number): number => backoff(attempt - 1, baseMs, maxMs)

export class Sender {
  readonly #acc: RecordAccumulator
  readonly #state: ProducerState
  readonly #options: SenderOptions
  readonly #backoff: (attempt: number, baseMs: number, maxMs: number) => number
  /** Per node, requests in send order until settled and processed. */
  readonly #inFlight = new Map<number, PlanState[]>()
  #inFlightCount = 0
  #nextId = 0
  #refreshRequested = false
  readonly #guaranteeOrder: boolean

  constructor(accumulator: RecordAccumulator, state: ProducerState, options: SenderOptions) {
    this.#acc = accumulator
    this.#state = state
    this.#options = options
    this.#backoff = options.backoff ?? retryBackoff
    // Without idempotence, ordering under retries needs one batch per partition in flight.
    this.#guaranteeOrder = !state.idempotent && options.maxInFlightRequestsPerConnection === 1
  }

  /** Requests sent and not yet processed. */
  get inFlightCount(): number {
    return this.#inFlightCount
  }

  inFlightFor(nodeId: number): number {
    return this.#inFlight.get(nodeId)?.length ?? 0
  }

  /** Ask for a metadata refresh at the next poll. */
  requestMetadataRefresh(): void {
    this.#refreshRequested = true
  }

  poll(now: number, metadata: MetadataView): SenderPoll {
    const state = this.#state
    let needsProducerId = state.maybeResetSequences()
    // A transactional producer's id comes from initTransactions(), not from the SenderLoop.
    if (!state.hasProducerId && state.transactional === undefined) needsProducerId = true
    const requests: ProduceRequestPlan[] = []
    const ready = this.#acc.ready(now, metadata, state)
    let refreshMetadata = this.#refreshRequested || ready.unknownLeaderTopics.size > 0
    this.#refreshRequested = false
    let nextPollMs = ready.nextReadyMs
    const maxInFlight = this.#options.maxInFlightRequestsPerConnection

    for (const [nodeId, queues] of ready.readyNodes) {
      let list = this.#inFlight.get(nodeId)
      let round = 0
      while ((list?.length ?? 0) < maxInFlight) {
        const batches = this.#acc.drain(nodeId, queues, this.#options.maxRequestSize, now, state, round++ > 0)
        if (batches.length === 0) break
        const plan = this.#plan(nodeId, batches, metadata)
        if (list === undefined) this.#inFlight.set(nodeId, (list = []))
        list.push({ plan, settled: false, response: undefined, error: undefined, sentMs: now })
        this.#options.sensors?.requestSent(nodeId, batches, now)
        this.#inFlightCount++
        requests.push(plan)
      }
    }

    // Delivery timeouts: queued batches, then batches on the wire (their late response is ignored).
    const timeout = this.#options.deliveryTimeoutMs
    const { expired, nextExpiryMs } = this.#acc.expiredBatches(now)
    for (const batch of expired) {
      this.#fail(batch, this.#expiryError(batch, now), this.#queueOf(batch))
    }
    if (nextExpiryMs < nextPollMs) nextPollMs = nextExpiryMs
    for (const list of this.#inFlight.values()) {
      for (const ps of list) {
        if (ps.settled) continue
        for (const batch of ps.plan.batches) {
          if (batch.done) continue
          const deadline = batch.createdMs + timeout
          if (now >= deadline) {
            batch.expired = true
            const error = this.#expiryError(batch, now)
            batch.fail(error)
            this.#options.onBatchFailed?.(error, batch)
            // Sequence state settles when the response arrives (the batch may have been written).
            state.requestReset(this.#queueOf(batch).sequences)
          } else if (deadline < nextPollMs) {
            nextPollMs = deadline
          }
        }
      }
    }

    if (ready.unknownLeaderTopics.size > 0) {
      const retryAt = now + this.#options.retryBackoffMs
      if (retryAt < nextPollMs) nextPollMs = retryAt
      refreshMetadata = true
    }
    return { requests, nextPollMs, refreshMetadata, needsProducerId }
  }

  /** A request completed with a response (undefined for acks 0). */
  onResponse(plan: ProduceRequestPlan, response: ProduceResponseBody | undefined, now: number): void {
    this.#settle(plan, response, undefined, now)
  }

  /** A request failed as a whole (connection lost, timeout, ...). */
  onError(plan: ProduceRequestPlan, error: unknown, now: number): void {
    this.#settle(plan, undefined, error ?? new KafkaError('Produce request failed'), now)
  }

  /** Fails every batch still queued (forced close). In-flight batches are failed too. */
  abortAll(error: Error): void {
    for (const batch of this.#acc.drainAll()) this.#fail(batch, error, this.#queueOf(batch))
    for (const list of this.#inFlight.values()) {
      for (const ps of list) {
        for (const batch of ps.plan.batches) {
          if (!batch.done) {
            batch.fail(error)
            this.#options.onBatchFailed?.(error, batch)
          }
        }
      }
    }
  }

  /** Fails every batch not on the wire (an aborted transaction's); in-flight ones settle normally. */
  failUnsent(error: Error): void {
    for (const batch of this.#acc.drainAll()) this.#fail(batch, error, this.#queueOf(batch))
  }

  #plan(nodeId: number, batches: ProducerBatch[], metadata: MetadataView): ProduceRequestPlan {
    const topics = new Map<
      string,
      { name: string; topicId: string; partitionData: { index: number; records: Buffer }[] }
    >()
    let topicIdsKnown = true
    const factory = this.#acc.factory
    for (const batch of batches) {
      batch.inFlight = true
      let t = topics.get(batch.topic)
      if (t === undefined) {
        const topicId = metadata.topic(batch.topic)?.topicId ?? ZERO_UUID
        if (topicId === ZERO_UUID) topicIdsKnown = false
        t = { name: batch.topic, topicId, partitionData: [] }
        topics.set(batch.topic, t)
      }
      t.partitionData.push({ index: batch.partition, records: batch.encoded(factory) })
      if (this.#guaranteeOrder) this.#queueOf(batch).muted = true
    }
    return {
      id: this.#nextId++,
      nodeId,
      batches,
      body: {
        transactionalId: this.#options.transactionalId ?? null,
        acks: this.#options.acks,
        timeoutMs: this.#options.ackTimeoutMs ?? this.#options.requestTimeoutMs,
        topicData: [...topics.values()],
      },
      expectResponse: this.#options.acks !== 0,
      timeoutMs: this.#options.requestTimeoutMs,
      maxVersion: Math.min(topicIdsKnown ? 13 : 12, this.#options.maxProduceVersion?.() ?? 13),
    }
  }

  #settle(plan: ProduceRequestPlan, response: ProduceResponseBody | undefined, error: unknown, now: number): void {
    const list = this.#inFlight.get(plan.nodeId)
    const ps = list?.find((p) => p.plan === plan)
    if (list === undefined || ps === undefined || ps.settled) return
    ps.settled = true
    if (response !== undefined) {
      this.#options.sensors?.responseReceived(plan.nodeId, now - ps.sentMs, response.throttleTimeMs, now)
    }
    ps.response = response
    ps.error = error
    // Apply in send order: a later response waits for the earlier ones.
    while (list.length > 0 && list[0]!.settled) {
      const head = list.shift()!
      this.#inFlightCount--
      if (head.error !== undefined) this.#applyError(head.plan, head.error, now)
      else this.#applyResponse(head.plan, head.response, now)
    }
    if (list.length === 0) this.#inFlight.delete(plan.nodeId)
  }

  #applyResponse(plan: ProduceRequestPlan, response: ProduceResponseBody | undefined, now: number): void {
    if (!plan.expectResponse || response === undefined) {
      for (const batch of plan.batches) this.#completeBatch(batch, -1n, -1)
      return
    }
    // Index the partition responses by topic name (or topic id for v13).
    const byTopic = new Map<string, ProduceResponseBody['responses'][number]['partitionResponses']>()
    for (const t of response.responses) {
      const key = t.name !== undefined && t.name !== '' ? t.name : `#${t.topicId}`
      byTopic.set(key, t.partitionResponses)
    }
    const idByTopic = new Map<string, string>()
    for (const t of plan.body.topicData ?? []) idByTopic.set(t.name as string, t.topicId as string)
    for (const batch of plan.batches) {
      const prs = byTopic.get(batch.topic) ?? byTopic.get(`#${idByTopic.get(batch.topic)}`)
      const pr = prs?.find((p) => p.index === batch.partition)
      if (pr === undefined) {
        this.#retryOrFail(
          batch,
          new ProtocolError(`The Produce response has no result for ${batch.topic}-${batch.partition}`, {
            broker: plan.nodeId,
            retriable: true,
          }),
          now,
        )
        continue
      }
      this.#applyPartition(plan, batch, pr, now, response)
    }
  }

  #applyPartition(
    plan: ProduceRequestPlan,
    batch: ProducerBatch,
    pr: ProduceResponseBody['responses'][number]['partitionResponses'][number],
    now: number,
    response: ProduceResponseBody,
  ): void {
    const code = pr.errorCode
    if (code === ErrorCode.NONE || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      this.#options.onPartitionAcknowledged?.(batch.topic, batch.partition, pr.logAppendTimeMs, pr.logStartOffset)
      this.#completeBatch(batch, pr.baseOffset, Number(pr.logAppendTimeMs))
      return
    }
    const info = errorInfo(code)
    const leader = pr.currentLeader
    if (info.invalidatesMetadata && leader !== undefined && leader.leaderId >= 0 && this.#options.onCurrentLeader) {
      const ep = response.nodeEndpoints?.find((n) => n.nodeId === leader.leaderId)
      this.#options.onCurrentLeader(
        batch.topic,
        batch.partition,
        leader.leaderId,
        leader.leaderEpoch,
        ep === undefined ? undefined : { host: ep.host, port: ep.port, rack: ep.rack },
      )
    }
    let message = pr.errorMessage ?? null
    if (pr.recordErrors.length > 0) {
      const details = pr.recordErrors
        .map((e) => `record ${e.batchIndex}${e.batchIndexErrorMessage ? `: ${e.batchIndexErrorMessage}` : ''}`)
        .join('; ')
      message = message ? `${message} (${details})` : details
    }
    const error = brokerError(code, message, {
      topic: batch.topic,
      partition: batch.partition,
      broker: plan.nodeId,
      apiKey: PRODUCE_API_KEY,
    })
    if (info.invalidatesMetadata) this.#refreshRequested = true
    const q = this.#queueOf(batch)
    batch.inFlight = false
    q.muted = false
    if (batch.expired) {
      this.#state.onFailure(q.sequences, batch)
      this.#acc.deallocate(batch)
      return
    }
    if (code === ErrorCode.MESSAGE_TOO_LARGE && batch.recordCount > 1) {
      this.#split(q, batch, now)
      return
    }
    let retriable = isRetriable(code)
    if (
      this.#state.idempotent &&
      (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === ErrorCode.UNKNOWN_PRODUCER_ID)
    ) {
      retriable = this.#state.canRetrySequenceError(
        q.sequences,
        batch,
        code === ErrorCode.UNKNOWN_PRODUCER_ID ? 'UNKNOWN_PRODUCER_ID' : 'OUT_OF_ORDER_SEQUENCE_NUMBER',
        pr.logStartOffset,
      )
    }
    if (retriable && this.#canRetry(batch, now)) this.#reenqueue(q, batch, now)
    else this.#fail(batch, retriable ? this.#exhaustedError(batch, error, now) : error, q)
  }

  #applyError(plan: ProduceRequestPlan, error: unknown, now: number): void {
    const err = error instanceof Error ? error : new KafkaError(String(error))
    if (!(err instanceof ClosedError)) this.#refreshRequested = true
    for (const batch of plan.batches) this.#retryOrFail(batch, err, now)
  }

  #retryOrFail(batch: ProducerBatch, error: Error, now: number): void {
    const q = this.#queueOf(batch)
    batch.inFlight = false
    q.muted = false
    if (batch.expired) {
      this.#state.onFailure(q.sequences, batch)
      this.#acc.deallocate(batch)
      return
    }
    const retriable = error instanceof KafkaError && error.retriable
    if (retriable && this.#canRetry(batch, now)) this.#reenqueue(q, batch, now)
    else this.#fail(batch, retriable ? this.#exhaustedError(batch, error, now) : error, q)
  }

  #canRetry(batch: ProducerBatch, now: number): boolean {
    return (
      !batch.done && now < batch.createdMs + this.#options.deliveryTimeoutMs && batch.attempts <= this.#options.retries
    )
  }

  /**
   * MESSAGE_TOO_LARGE for a batch of several records: split it and send the parts at once (as
   * Java's splitAndReenqueue; no retry is counted). With idempotence the parts take over the
   * batch's sequence range in order, so batches behind it keep their sequences; those already
   * on the wire come back OUT_OF_ORDER_SEQUENCE_NUMBER and are retried after the parts.
   */
  #split(q: PartitionQueue, batch: ProducerBatch, now: number): void {
    const parts = batch.split(this.#acc.factory)
    this.#state.onSplit(q.sequences, batch, parts)
    this.#acc.replaceWithParts(q, batch, parts, now)
    this.#options.onBatchSplit?.(batch, parts)
  }

  #reenqueue(q: PartitionQueue, batch: ProducerBatch, now: number): void {
    this.#options.sensors?.retried(batch, now)
    const delay = this.#backoff(batch.attempts, this.#options.retryBackoffMs, this.#options.retryBackoffMaxMs)
    this.#acc.reenqueue(q, batch, now, now + delay)
  }

  #completeBatch(batch: ProducerBatch, baseOffset: bigint, logAppendTime: number): void {
    const q = this.#queueOf(batch)
    batch.inFlight = false
    q.muted = false
    this.#state.onSuccess(q.sequences, batch, baseOffset)
    batch.complete(baseOffset, logAppendTime)
    this.#acc.deallocate(batch)
  }

  #fail(batch: ProducerBatch, error: Error, q: PartitionQueue | undefined): void {
    batch.inFlight = false
    if (q !== undefined) {
      q.muted = false
      this.#state.onFailure(q.sequences, batch)
    }
    if (batch.fail(error)) this.#options.onBatchFailed?.(error, batch)
    this.#acc.deallocate(batch)
  }

  #queueOf(batch: ProducerBatch): PartitionQueue {
    return this.#acc.topicQueues(batch.topic).queue(batch.partition)
  }

  #expiryError(batch: ProducerBatch, now: number): TimeoutError {
    return new TimeoutError(
      `Expiring ${batch.recordCount} record(s) for ${batch.topic}-${batch.partition}: ` +
        `${now - batch.createdMs} ms has passed since batch creation (deliveryTimeoutMs ${this.#options.deliveryTimeoutMs})`,
      { topic: batch.topic, partition: batch.partition },
    )
  }

  #exhaustedError(batch: ProducerBatch, cause: Error, now: number): Error {
    if (now >= batch.createdMs + this.#options.deliveryTimeoutMs) {
      return new TimeoutError(
        `Expiring ${batch.recordCount} record(s) for ${batch.topic}-${batch.partition}: deliveryTimeoutMs ` +
          `${this.#options.deliveryTimeoutMs} passed after ${batch.attempts} attempt(s); last error: ${cause.message}`,
        { topic: batch.topic, partition: batch.partition, cause },
      )
    }
    return cause
  }
}

/** What the loop needs from the cluster (transport.ts adapts Cluster to it). */
export interface ProduceTransport {
  readonly metadata: MetadataView
  produce(
    nodeId: number,
    body: ProduceRequestBody,
    options: { timeoutMs: number; expectResponse: boolean; maxVersion: number },
  ): Promise<ProduceResponseBody | undefined>
  initProducerId(): Promise<{ producerId: bigint; producerEpoch: number }>
  requestMetadataRefresh(): void
}

/**
 * Drives a Sender: polls it when woken or when its deadline comes, sends the requests it
 * plans, and feeds responses back. At most one timer and one pending setImmediate.
 */
export class SenderLoop {
  readonly #sender: Sender
  readonly #state: ProducerState
  readonly #transport: ProduceTransport
  readonly #clock: Clock
  readonly #logger: Log | undefined
  readonly #retryBackoffMs: number
  readonly #retryBackoffMaxMs: number
  #immediate = false
  #timer: unknown = undefined
  #timerAt = Number.POSITIVE_INFINITY
  #initInProgress = false
  #initAttempts = 0
  #initRetryAt = 0
  #stopped = false
  #pendingIo = 0
  #idleWaiters: (() => void)[] = []

  constructor(
    sender: Sender,
    state: ProducerState,
    transport: ProduceTransport,
    options: { clock?: Clock; logger?: Log; retryBackoffMs: number; retryBackoffMaxMs?: number },
  ) {
    this.#sender = sender
    this.#state = state
    this.#transport = transport
    this.#clock = options.clock ?? systemClock
    this.#logger = options.logger
    this.#retryBackoffMs = options.retryBackoffMs
    this.#retryBackoffMaxMs = options.retryBackoffMaxMs ?? 1000
  }

  /** Polls as soon as the current synchronous work is done (coalesced). */
  wakeup(): void {
    if (this.#immediate || this.#stopped) return
    this.#immediate = true
    this.#clock.setImmediate(this.#run)
  }

  /** Makes sure a poll happens by `at` (a linger deadline of a new batch). */
  wakeupAt(at: number): void {
    if (at >= this.#timerAt || this.#immediate || this.#stopped) return
    // Due already (lingerMs 0): setTimeout(fn, 0) would wait ~1 ms (Node's minimum delay).
    if (at <= this.#clock.now()) {
      this.wakeup()
      return
    }
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = this.#clock.setTimeout(this.#onTimer, Math.max(0, at - this.#clock.now()))
  }

  /** Stops scheduling (close). Requests already sent still settle. */
  stop(): void {
    this.#stopped = true
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
  }

  /** Resolves when no request is on the wire. */
  whenIdle(): Promise<void> {
    if (this.#pendingIo === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
    this.#run()
  }

  readonly #run = (): void => {
    this.#immediate = false
    if (this.#stopped) return
    const now = this.#clock.now()
    let result: SenderPoll
    try {
      result = this.#sender.poll(now, this.#transport.metadata)
    } catch (err) {
      this.#logger?.error({ err }, 'kafka-wire producer: sender poll failed')
      this.wakeupAt(now + this.#retryBackoffMs)
      return
    }
    if (result.refreshMetadata) this.#transport.requestMetadataRefresh()
    let next = result.nextPollMs
    if (result.needsProducerId) {
      if (!this.#initInProgress && now >= this.#initRetryAt) this.#initProducerId()
      else if (!this.#initInProgress && this.#initRetryAt < next) next = this.#initRetryAt
    }
    for (const plan of result.requests) this.#dispatch(plan)
    // At least 1 ms ahead: a deadline that is already due here (e.g. a retry with
    // retryBackoffMs 0 while metadata is missing) must not spin on setImmediate.
    if (next !== Number.POSITIVE_INFINITY) this.wakeupAt(Math.max(next, now + 1))
    else if (this.#timer !== undefined) {
      // Nothing left to wait for: do not keep the process alive for a stale deadline.
      this.#clock.clearTimeout(this.#timer)
      this.#timer = undefined
      this.#timerAt = Number.POSITIVE_INFINITY
    }
  }

  #dispatch(plan: ProduceRequestPlan): void {
    this.#pendingIo++
    this.#transport
      .produce(plan.nodeId, plan.body, {
        timeoutMs: plan.timeoutMs,
        expectResponse: plan.expectResponse,
        maxVersion: plan.maxVersion,
      })
      .then(
        (response) => this.#sender.onResponse(plan, response, this.#clock.now()),
        (error) => {
          this.#logger?.debug({ nodeId: plan.nodeId, err: error }, 'kafka-wire producer: Produce failed')
          this.#sender.onError(plan, error, this.#clock.now())
        },
      )
      .catch((err) => this.#logger?.error({ err }, 'kafka-wire producer: handling a Produce response failed'))
      .finally(() => {
        this.#pendingIo--
        if (this.#pendingIo === 0) for (const w of this.#idleWaiters.splice(0)) w()
        this.wakeup()
      })
  }

  #initProducerId(): void {
    this.#initInProgress = true
    this.#transport.initProducerId().then(
      ({ producerId, producerEpoch }) => {
        this.#initInProgress = false
        this.#initAttempts = 0
        this.#state.setProducerIdAndEpoch(producerId, producerEpoch)
        this.#logger?.debug({ producerId, producerEpoch }, 'kafka-wire producer: producer id assigned')
        this.wakeup()
      },
      (error) => {
        this.#initInProgress = false
        if (error instanceof KafkaError && !error.retriable) {
          // An authorization error (CLUSTER_AUTHORIZATION_FAILED: no IDEMPOTENT_WRITE) or another
          // non-retriable one: retrying cannot help, so the records waiting for a producer id fail now
          // with it, as in Java, instead of at their delivery timeout. The next send() tries again.
          this.#initAttempts = 0
          this.#initRetryAt = 0
          // A ClosedError means the producer is being closed: close() reports what is left,
          // so an error line here would only follow the application's own last word.
          if (!(error instanceof ClosedError)) {
            this.#logger?.error({ err: error }, 'kafka-wire producer: InitProducerId failed')
          }
          this.#sender.failUnsent(error)
          return
        }
        this.#initAttempts++
        const delay = backoff(this.#initAttempts - 1, this.#retryBackoffMs, this.#retryBackoffMaxMs)
        this.#initRetryAt = this.#clock.now() + delay
        this.#logger?.warn({ err: error, retryInMs: delay }, 'kafka-wire producer: InitProducerId failed, retrying')
        this.wakeupAt(this.#initRetryAt)
      },
    )
  }
}

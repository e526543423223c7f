/**
 * The public ShareConsumer (Java's KafkaShareConsumer, KIP-932 share groups): members of a share
 * group read the same partitions; the partition leader hands each record to one member at a time
 * (acquired, under a lock of group.share.record.lock.duration.ms) until it is acknowledged:
 * ACCEPT, RELEASE (redelivered, deliveryCount + 1) or REJECT (archived).
 *
 * Owns the Cluster, the membership (membership.ts; heartbeats on the heartbeat worker thread), one share session per
 * partition leader (share-session.ts) and the acknowledgement bookkeeping (acknowledgements.ts).
 * Requests to one leader go one at a time (a share session's epochs are sequential). As in Java's
 * ShareConsumeRequestManager, a ShareFetch is sent only when a poll() found nothing buffered
 * (`#fetchWanted`), never ahead of the application: records the broker hands out are locked to
 * this member, so fetching before they are needed would keep them from the group's other members,
 * and the acknowledgements of the previous poll ride along on that fetch (one request per batch
 * instead of a fetch and a ShareAcknowledge). Acknowledgements of an assigned partition always
 * wait for the next fetch from its leader, also while records are still buffered (a fetch of whole
 * batches often holds more than maxPollRecords; sending them alone would double the requests);
 * only those no fetch will carry (a partition no longer assigned) go in a ShareAcknowledge.
 * commitSync(), commitAsync() and close() send them at once, queued behind a fetch in flight.
 *
 * poll(timeout):
 *   1. wakeup pending → WakeupError; explicit mode with unacknowledged records → IllegalStateError;
 *      implicit mode: the records the last poll returned are accepted
 *   2. completed acknowledgements → the acknowledgement commit callback
 *   3. buffered records → up to maxPollRecords; else fetch and wait for data, a wakeup or the timeout
 */
import { Cluster, resolveClientOptions } from '../cluster/index.js'
import { type ClientTelemetryReporter, clientInstanceId, startClientTelemetry } from '../cluster/telemetry/index.js'
import { WakeupError } from '../consumer/errors.js'
import {
  brokerError,
  ClosedError,
  ErrorCode,
  IllegalStateError,
  invalidatesMetadata,
  KafkaError,
  TimeoutError,
} from '../errors.js'
import { backoff } from '../internal/backoff.js'
import { TIMED_OUT, withDeadline } from '../internal/deadline.js'
import type { Log } from '../internal/log.js'
import type { Metric } from '../internal/metrics.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import { Apis } from '../protocol/index.js'
import type { ResponseOf } from '../protocol/schema/dsl.js'
import { Acknowledgements, acknowledgedOffsets, type SharePartition, type TakenAcks } from './acknowledgements.js'
import { acquiredCount, ShareFetchBudget } from './fetch-budget.js'
import { ShareMembership } from './membership.js'
import { ShareConsumerMetrics } from './metrics.js'
import {
  type ResolvedShareConsumerOptions,
  resolveShareConsumerOptions,
  SHARE_CONSUMER_OPTION_NAMES,
  type ShareConsumerOptions,
} from './options.js'
import { decodeSharePartition, type ShareFetchEntry } from './share-fetch.js'
import { shareAcknowledgeBody, shareFetchBody } from './share-requests.js'
import { FINAL_EPOCH, inTurn, type LeaderState, newLeaderState } from './share-session.js'
import type {
  AcknowledgedOffsets,
  AcknowledgementCommitCallback,
  AcknowledgeType,
  ShareConsumerRecord,
} from './types.js'

interface BufferedEntry<K, V> {
  entry: ShareFetchEntry<K, V>
  partition: SharePartition
  nodeId: number
}

let nextClientNumber = 1

export class ShareConsumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<ShareConsumerRecord<K, V>> {
  readonly #options: ResolvedShareConsumerOptions
  readonly #cluster: Cluster
  readonly #logger: Log
  readonly #acks = new Acknowledgements()
  readonly #budget = new ShareFetchBudget()
  readonly #membership: ShareMembership
  readonly #nodes = new Map<number, LeaderState>()
  readonly #keyDeserializer: ShareConsumerOptions<K, V>['keyDeserializer'] | null
  readonly #valueDeserializer: ShareConsumerOptions<K, V>['valueDeserializer'] | null
  readonly #requestTimeoutMs: number
  readonly #retryBackoffMs: number
  readonly #retryBackoffMaxMs: number
  #buffer: BufferedEntry<K, V>[] = []
  #assigned: SharePartition[] = []
  #callback: AcknowledgementCommitCallback | null
  #completions: { offsets: Map<string, AcknowledgedOffsets>; error: Error | null }[] = []
  #wake: (() => void) | null = null
  #wakeupPending = false
  #polling = false
  #closed = false
  #closing: Promise<void> | null = null
  #fatal: Error | null = null
  #pumpTimer: NodeJS.Timeout | null = null
  /** Set by a poll() that found no buffered records; cleared when a fetch brings records. */
  #fetchWanted = false
  readonly #telemetry: ClientTelemetryReporter | undefined
  readonly #metrics: ShareConsumerMetrics
  /** From the last ShareFetch response: how long the broker locks the records it hands us. */
  acquisitionLockTimeoutMs = -1

  constructor(options: ShareConsumerOptions<K, V>) {
    const defaults =
      options?.clientId === undefined ? { clientId: `kafka-wire-share-consumer-${nextClientNumber++}` } : {}
    const { common } = resolveClientOptions(options, SHARE_CONSUMER_OPTION_NAMES, 'share consumer', defaults)
    this.#options = resolveShareConsumerOptions(options)
    this.#requestTimeoutMs = common.requestTimeoutMs
    this.#retryBackoffMs = common.retryBackoffMs
    this.#retryBackoffMaxMs = common.retryBackoffMaxMs
    this.#keyDeserializer = options.keyDeserializer ?? null
    this.#valueDeserializer = options.valueDeserializer ?? null
    this.#callback = options.acknowledgementCommitCallback ?? null
    this.#metrics = new ShareConsumerMetrics(common.clientId, () => this.#membership?.heartbeats)
    this.#cluster = new Cluster(common, { allowAutoTopicCreation: false, sensors: this.#metrics.network })
    this.#logger = this.#cluster.options.logger.child({ groupId: options.groupId })
    const source = () => this.metrics()
    this.#telemetry = startClientTelemetry(this.#cluster, source, { group_id: this.#options.groupId })
    this.#membership = new ShareMembership({
      cluster: this.#cluster,
      groupId: this.#options.groupId,
      clientRack: this.#options.clientRack,
      retryBackoffMs: this.#retryBackoffMs,
      requestTimeoutMs: this.#requestTimeoutMs,
      heartbeatThread: this.#options.heartbeatThread,
      onAssignment: (partitions) => this.#onAssignment(partitions),
      onFatal: (error) => {
        this.#fatal = error
        this.#fire()
      },
    })
  }

  /** The member id this consumer uses in its share group (chosen by the client, KIP-1082). */
  get memberId(): string {
    return this.#membership.memberId
  }

  /** The partitions the share group assigned to this member (shared with other members). */
  assignment(): SharePartition[] {
    return [...this.#assigned]
  }

  /** Subscribes to topics (names only: share groups take no patterns). Replaces the subscription. */
  subscribe(topics: readonly string[]): void {
    this.#ensureOpen()
    if (!Array.isArray(topics)) throw new TypeError('subscribe() takes an array of topic names')
    for (const t of topics) {
      if (typeof t !== 'string' || t.trim() === '') throw new TypeError(`invalid topic name ${String(t)}`)
    }
    this.#membership.subscribe(topics)
  }

  /** The subscribed topics. */
  subscription(): string[] {
    return [...this.#membership.subscription]
  }

  /** Unsubscribes: the member's assignment becomes empty at the coordinator's next answer. */
  unsubscribe(): void {
    this.#ensureOpen()
    this.#membership.subscribe([])
  }

  /** Java's setAcknowledgementCommitCallback (null removes it). */
  setAcknowledgementCommitCallback(callback: AcknowledgementCommitCallback | null): void {
    if (callback !== null && typeof callback !== 'function') throw new TypeError('the callback must be a function')
    this.#callback = callback
  }

  /**
   * Acknowledges a record poll() returned (explicit mode; in implicit mode too, to RELEASE or REJECT
   * one before the next poll accepts the rest). Sent with the next poll(), commitSync() or
   * commitAsync(). A record that is not waiting for an acknowledgement is an IllegalStateError.
   */
  acknowledge(record: ShareConsumerRecord<K, V>, type: AcknowledgeType = 'ACCEPT'): void {
    this.#ensureOpen()
    if (record === null || typeof record !== 'object' || typeof record.offset !== 'bigint') {
      throw new TypeError('acknowledge() takes a record returned by poll()')
    }
    this.#acks.acknowledge(record.topic, record.partition, record.offset, type)
  }

  // --- Poll -----------------------------------------------------------------------------------

  /** Fetches records (up to maxPollRecords), waiting up to timeoutMs for some. */
  async poll(timeoutMs: number): Promise<ShareConsumerRecord<K, V>[]> {
    this.#ensureOpen()
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new RangeError('poll() needs a timeout >= 0 (ms)')
    if (this.#polling) throw new IllegalStateError('poll() is already running (one poll at a time)')
    this.#polling = true
    this.#metrics.pollStarted(Date.now())
    try {
      this.#throwIfWokenUp()
      if (this.#options.shareAcknowledgementMode === 'explicit') {
        const n = this.#acks.unacknowledged()
        if (n > 0) {
          throw new IllegalStateError(
            `explicit acknowledgement mode: acknowledge() each of the ${n} record(s) the last poll() returned before polling again`,
          )
        }
      } else this.#acks.acceptDelivered()
      this.#runCallbacks()
      if (this.#membership.subscription.length === 0) {
        throw new IllegalStateError('subscribe() to topics before poll()')
      }
      const deadline = Date.now() + timeoutMs
      for (;;) {
        if (this.#fatal !== null) throw this.#fatal
        this.#throwIfWokenUp()
        if (this.#closed) throw new ClosedError('The share consumer is closed')
        if (this.#buffer.length > 0) {
          const out = this.#drain()
          this.#pump()
          return out
        }
        this.#fetchWanted = true
        this.#pump()
        const left = deadline - Date.now()
        if (left <= 0) return []
        await withDeadline(
          new Promise<void>((resolve) => {
            this.#wake = resolve
          }),
          deadline,
        )
        this.#wake = null
        this.#runCallbacks()
      }
    } finally {
      this.#polling = false
      this.#metrics.pollEnded(Date.now())
    }
  }

  /** Up to maxPollRecords buffered records; a deserialization error is raised when it is reached. */
  #drain(): ShareConsumerRecord<K, V>[] {
    const out: ShareConsumerRecord<K, V>[] = []
    const max = this.#options.maxPollRecords
    while (out.length < max && this.#buffer.length > 0) {
      const head = this.#buffer[0]!
      if (head.entry.error !== undefined) {
        if (out.length > 0) break
        this.#buffer.shift()
        this.#nodeState(head.nodeId).buffered--
        // The record cannot be processed by any member: reject it, so it is not redelivered forever.
        this.#acks.delivered(head.partition, [head.entry.offset])
        this.#acks.acknowledge(head.partition.topic, head.partition.partition, head.entry.offset, 'REJECT')
        throw head.entry.error
      }
      this.#buffer.shift()
      this.#nodeState(head.nodeId).buffered--
      out.push(head.entry.record)
      this.#acks.delivered(head.partition, [head.entry.record.offset])
    }
    this.#metrics.consumed(out.length, Date.now())
    return out
  }

  /** Iterates records forever (poll() underneath) until close() or wakeup(). */
  async *[Symbol.asyncIterator](): AsyncGenerator<ShareConsumerRecord<K, V>, void, undefined> {
    while (!this.#closed) {
      let records: ShareConsumerRecord<K, V>[]
      try {
        records = await this.poll(1000)
      } catch (err) {
        if (err instanceof ClosedError && this.#closed) return
        throw err
      }
      for (const r of records) yield r
    }
  }

  /** Makes a running (or the next) poll() throw WakeupError. */
  wakeup(): void {
    this.#wakeupPending = true
    this.#fire()
  }

  #throwIfWokenUp(): void {
    if (this.#wakeupPending) {
      this.#wakeupPending = false
      throw new WakeupError()
    }
  }

  #fire(): void {
    const w = this.#wake
    this.#wake = null
    w?.()
  }

  // --- Commits --------------------------------------------------------------------------------

  /**
   * Sends the pending acknowledgements now (ShareAcknowledge to each leader) and waits for the
   * answers: per partition (`topicPartitionKey`), null or the error the broker returned.
   */
  async commitSync(timeoutMs: number = this.#options.defaultApiTimeoutMs): Promise<Map<string, Error | null>> {
    this.#ensureOpen()
    const results = new Map<string, Error | null>()
    const deadline = Date.now() + timeoutMs
    const sent = this.#commit(results)
    const r = await withDeadline(Promise.all(sent), deadline)
    this.#runCallbacks()
    if (r === TIMED_OUT) throw new TimeoutError(`commitSync() did not complete in ${timeoutMs} ms`)
    return results
  }

  /** Sends the pending acknowledgements now without waiting; the callback reports the outcome. */
  commitAsync(): void {
    this.#ensureOpen()
    this.#runCallbacks()
    for (const p of this.#commit(new Map())) p.catch(() => {})
  }

  #commit(results: Map<string, Error | null>, epoch?: number): Promise<void>[] {
    if (this.#options.shareAcknowledgementMode === 'implicit') this.#acks.acceptDelivered()
    const byNode = new Map<number, Map<string, TakenAcks>>()
    const taken = this.#acks.take(() => true)
    for (const [key, t] of taken) {
      const node = this.#leaderOf(t.partition)
      if (node < 0) {
        this.#cluster.requestMetadataRefresh()
        this.#complete(
          new Map([[key, t]]),
          () => brokerError(ErrorCode.LEADER_NOT_AVAILABLE, null, t.partition),
          results,
        )
        continue
      }
      let m = byNode.get(node)
      if (m === undefined) byNode.set(node, (m = new Map()))
      m.set(key, t)
    }
    if (epoch === FINAL_EPOCH) {
      for (const nodeId of this.#nodes.keys()) if (!byNode.has(nodeId)) byNode.set(nodeId, new Map())
    }
    return [...byNode].map(([node, acks]) =>
      this.#onNode(node, () => this.#acknowledge(node, acks, results, epoch === FINAL_EPOCH)),
    )
  }

  // --- Requests -------------------------------------------------------------------------------

  #nodeState(nodeId: number): LeaderState {
    let n = this.#nodes.get(nodeId)
    if (n === undefined) this.#nodes.set(nodeId, (n = newLeaderState(nodeId)))
    return n
  }

  #onNode(nodeId: number, fn: () => Promise<void>): Promise<void> {
    return inTurn(this.#nodeState(nodeId), fn)
  }

  #leaderOf(p: SharePartition): number {
    return this.#cluster.topicById(p.topicId)?.partitions[p.partition]?.leaderId ?? -1
  }

  #onAssignment(partitions: SharePartition[]): void {
    const keep = new Set(partitions.map((p) => topicPartitionKey(p.topic, p.partition)))
    // Records of partitions taken away stay acquired until their lock expires; drop them unseen.
    this.#buffer = this.#buffer.filter((b) => {
      const kept = keep.has(topicPartitionKey(b.partition.topic, b.partition.partition))
      if (!kept) this.#nodeState(b.nodeId).buffered--
      return kept
    })
    this.#assigned = partitions
    this.#logger.debug({ partitions: partitions.length }, 'kafka-wire share consumer: assignment')
    this.#pump()
    this.#fire()
  }

  /** Starts what each leader needs: a ShareFetch, or a ShareAcknowledge of pending acknowledgements. */
  #pump(): void {
    if (this.#closed || this.#fatal !== null) return
    const now = Date.now()
    const wanted = new Map<number, SharePartition[]>()
    for (const p of this.#assigned) {
      const node = this.#leaderOf(p)
      if (node < 0) {
        this.#cluster.requestMetadataRefresh()
        continue
      }
      let list = wanted.get(node)
      if (list === undefined) wanted.set(node, (list = []))
      list.push(p)
    }
    const nodes = new Set<number>([...wanted.keys(), ...this.#nodes.keys()])
    let retryAt = Number.POSITIVE_INFINITY
    for (const nodeId of nodes) {
      const n = this.#nodeState(nodeId)
      if (n.busy > 0) continue
      if (n.backoffUntil > now) {
        retryAt = Math.min(retryAt, n.backoffUntil)
        continue
      }
      const parts = wanted.get(nodeId) ?? []
      const plan = n.session.planFetch(parts)
      // Acknowledgements of partitions fetched from this leader ride on its next fetch; the others
      // (a partition no longer assigned, or led elsewhere now) cannot wait for one.
      const fetched = new Set(parts.map((p) => topicPartitionKey(p.topic, p.partition)))
      const unfetched = (p: SharePartition) =>
        this.#leaderOf(p) === nodeId && !fetched.has(topicPartitionKey(p.topic, p.partition))
      if (this.#fetchWanted && n.buffered === 0 && (parts.length > 0 || plan.forgotten.length > 0)) {
        void this.#onNode(nodeId, () => this.#fetch(nodeId, parts))
      } else if (n.session.isOpen && this.#acks.hasPending(unfetched)) {
        const taken = this.#acks.take(unfetched)
        void this.#onNode(nodeId, () => this.#acknowledge(nodeId, taken, new Map(), false))
      }
    }
    if (retryAt !== Number.POSITIVE_INFINITY && this.#pumpTimer === null) {
      this.#pumpTimer = setTimeout(
        () => {
          this.#pumpTimer = null
          this.#pump()
        },
        Math.max(0, retryAt - now),
      )
      this.#pumpTimer.unref()
    }
  }

  #failed(nodeId: number, err: unknown): void {
    const n = this.#nodeState(nodeId)
    n.failures++
    n.backoffUntil = Date.now() + backoff(n.failures, this.#retryBackoffMs, this.#retryBackoffMaxMs)
    this.#logger.debug({ nodeId, err }, 'kafka-wire share consumer: request failed')
  }

  async #fetch(nodeId: number, wanted: SharePartition[]): Promise<void> {
    const n = this.#nodeState(nodeId)
    if (this.#closed || n.buffered > 0) return
    const session = n.session
    const plan = session.planFetch(wanted)
    const wantedKeys = new Set(wanted.map((p) => topicPartitionKey(p.topic, p.partition)))
    // Acknowledgements ride along only in an open session and for partitions the fetch names.
    const acks = session.isOpen
      ? this.#acks.take((p) => wantedKeys.has(topicPartitionKey(p.topic, p.partition)))
      : new Map<string, TakenAcks>()
    const { fetchMaxBytes, maxPollRecords } = this.#options
    const maxBytes = this.#budget.maxBytes(fetchMaxBytes, maxPollRecords, wanted.length)
    const body = shareFetchBody(this.#options, this.#membership.memberId, plan, acks, maxBytes)
    let res: ResponseOf<typeof Apis.ShareFetch>
    const sentAt = Date.now()
    try {
      res = await this.#cluster.send(nodeId, Apis.ShareFetch, body, {
        workload: 'fetch',
        timeoutMs: this.#requestTimeoutMs + this.#options.fetchMaxWaitMs,
      })
    } catch (err) {
      // The broker may or may not have applied it: start a new session (it releases the old one's records).
      session.reset()
      this.#complete(acks, () => err as Error)
      this.#failed(nodeId, err)
      return
    } finally {
      queueMicrotask(() => {
        this.#pump()
        this.#fire()
      })
    }
    if (res.errorCode !== ErrorCode.NONE) {
      const error = brokerError(res.errorCode, res.errorMessage, { broker: nodeId, apiKey: Apis.ShareFetch.apiKey })
      session.onError(res.errorCode)
      if (invalidatesMetadata(res.errorCode)) this.#cluster.invalidateMetadata({ reason: error.message })
      this.#complete(acks, () => error)
      this.#failed(nodeId, error)
      return
    }
    n.failures = 0
    session.fetchSucceeded(plan)
    this.#metrics.fetchResponse(res, sentAt, Date.now())
    if (res.acquisitionLockTimeoutMs > 0) this.acquisitionLockTimeoutMs = res.acquisitionLockTimeoutMs
    const endpoints = new Map(res.nodeEndpoints.map((e) => [e.nodeId, e]))
    const ackErrors = new Map<string, Error | null>()
    const assigned = new Set(this.#assigned.map((p) => topicPartitionKey(p.topic, p.partition)))
    for (const t of res.responses) {
      const md = this.#cluster.topicById(t.topicId)
      for (const pd of t.partitions) {
        const topic = md?.name ?? [...acks.values()].find((a) => a.partition.topicId === t.topicId)?.partition.topic
        if (topic === undefined) continue
        const key = topicPartitionKey(topic, pd.partitionIndex)
        const p: SharePartition = { topic, topicId: t.topicId, partition: pd.partitionIndex }
        if (acks.has(key)) {
          ackErrors.set(
            key,
            pd.acknowledgeErrorCode === ErrorCode.NONE
              ? null
              : brokerError(pd.acknowledgeErrorCode, pd.acknowledgeErrorMessage, {
                  topic,
                  partition: pd.partitionIndex,
                }),
          )
        }
        if (pd.errorCode !== ErrorCode.NONE) {
          const error = brokerError(pd.errorCode, pd.errorMessage, {
            topic,
            partition: pd.partitionIndex,
            broker: nodeId,
          })
          if (pd.currentLeader.leaderId >= 0) {
            const ep = endpoints.get(pd.currentLeader.leaderId)
            this.#cluster.updateLeader(
              topic,
              pd.partitionIndex,
              pd.currentLeader.leaderId,
              pd.currentLeader.leaderEpoch,
              ep,
            )
          }
          if (invalidatesMetadata(pd.errorCode)) this.#cluster.invalidateMetadata({ topic, reason: error.message })
          else
            this.#logger.warn(
              { topic, partition: pd.partitionIndex, err: error },
              'kafka-wire share consumer: ShareFetch failed',
            )
          continue
        }
        if (pd.acquiredRecords.length === 0) continue
        this.#budget.observe(pd.records?.length ?? 0, acquiredCount(pd.acquiredRecords))
        const decoded = decodeSharePartition<K, V>(p, pd.records, pd.acquiredRecords, {
          checkCrcs: this.#options.checkCrcs,
          keyDeserializer: this.#keyDeserializer ?? null,
          valueDeserializer: this.#valueDeserializer ?? null,
        })
        this.#acks.gaps(p, decoded.gaps)
        if (!assigned.has(key) || this.#closed) {
          this.#acks.release(
            p,
            decoded.entries.map((e) => (e.record !== undefined ? e.record.offset : e.offset)),
          )
          continue
        }
        for (const entry of decoded.entries) this.#buffer.push({ entry, partition: p, nodeId })
        n.buffered += decoded.entries.length
        this.#fetchWanted = false
      }
    }
    this.#complete(acks, (key) => ackErrors.get(key) ?? null)
  }

  async #acknowledge(
    nodeId: number,
    acks: Map<string, TakenAcks>,
    results: Map<string, Error | null>,
    final: boolean,
  ): Promise<void> {
    const session = this.#nodeState(nodeId).session
    if (!session.isOpen) {
      // No session: the broker released what it acquired for us when the session went away.
      const error = new KafkaError('The share session with the leader was closed; the records were released')
      this.#complete(acks, () => error, results)
      return
    }
    const epoch = final ? FINAL_EPOCH : session.epoch
    const body = shareAcknowledgeBody(this.#options.groupId, this.#membership.memberId, epoch, acks)
    let res: ResponseOf<typeof Apis.ShareAcknowledge>
    try {
      res = await this.#cluster.send(nodeId, Apis.ShareAcknowledge, body, { workload: 'fetch' })
    } catch (err) {
      session.reset()
      this.#complete(acks, () => err as Error, results)
      this.#failed(nodeId, err)
      return
    } finally {
      queueMicrotask(() => {
        this.#pump()
        this.#fire()
      })
    }
    if (res.errorCode !== ErrorCode.NONE) {
      const error = brokerError(res.errorCode, res.errorMessage, {
        broker: nodeId,
        apiKey: Apis.ShareAcknowledge.apiKey,
      })
      session.onError(res.errorCode)
      this.#complete(acks, () => error, results)
      return
    }
    if (final) session.reset()
    else session.acknowledgeSucceeded(epoch)
    const errors = new Map<string, Error | null>()
    for (const t of res.responses) {
      for (const pd of t.partitions) {
        const taken = [...acks.entries()].find(
          ([, a]) => a.partition.topicId === t.topicId && a.partition.partition === pd.partitionIndex,
        )
        if (taken === undefined) continue
        const { topic } = taken[1].partition
        errors.set(
          taken[0],
          pd.errorCode === ErrorCode.NONE
            ? null
            : brokerError(pd.errorCode, pd.errorMessage, { topic, partition: pd.partitionIndex, broker: nodeId }),
        )
        if (pd.errorCode !== ErrorCode.NONE && invalidatesMetadata(pd.errorCode)) {
          this.#cluster.invalidateMetadata({ topic, reason: 'ShareAcknowledge' })
        }
      }
    }
    this.#complete(acks, (key) => errors.get(key) ?? null, results)
  }

  /** Records the outcome of acknowledgements for the callback (and for commitSync's result). */
  #complete(
    acks: Map<string, TakenAcks>,
    errorOf: (key: string) => Error | null,
    results?: Map<string, Error | null>,
  ): void {
    const groups = new Map<Error | null, Map<string, AcknowledgedOffsets>>()
    for (const [key, t] of acks) {
      if (t.offsets.length === 0) continue
      const error = errorOf(key)
      this.#metrics.acknowledged(t.offsets.length, error !== null, Date.now())
      results?.set(key, error)
      let g = groups.get(error)
      if (g === undefined) groups.set(error, (g = new Map()))
      g.set(key, acknowledgedOffsets(t))
    }
    for (const [error, offsets] of groups) this.#completions.push({ offsets, error })
  }

  #runCallbacks(): void {
    const done = this.#completions
    if (done.length === 0) return
    this.#completions = []
    for (const { offsets, error } of done) {
      if (this.#callback === null) {
        if (error !== null) this.#logger.warn({ err: error }, 'kafka-wire share consumer: acknowledgement failed')
        continue
      }
      try {
        this.#callback(offsets, error)
      } catch (err) {
        this.#logger.error({ err }, 'kafka-wire share consumer: the acknowledgement commit callback threw')
      }
    }
  }

  // --- Close ----------------------------------------------------------------------------------

  /**
   * Acknowledges what is due (implicit mode: accepts the last poll's records), releases records
   * fetched but never returned, closes the share sessions, leaves the group and closes connections.
   */
  close(timeoutMs: number = this.#options.defaultApiTimeoutMs): Promise<void> {
    this.#closing ??= this.#close(timeoutMs)
    return this.#closing
  }

  async #close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    this.#closed = true
    this.#fire()
    if (this.#pumpTimer !== null) clearTimeout(this.#pumpTimer)
    for (const b of this.#buffer) {
      this.#acks.release(b.partition, [b.entry.record !== undefined ? b.entry.record.offset : b.entry.offset])
    }
    this.#buffer = []
    try {
      if (this.#fatal === null) {
        await withDeadline(Promise.all(this.#commit(new Map(), FINAL_EPOCH)), deadline)
        await this.#membership.leave(Math.max(1, deadline - Date.now()))
      }
    } finally {
      this.#membership.close()
      this.#runCallbacks()
      await this.#telemetry?.close(deadline)
      await this.#cluster.close()
    }
  }

  /** The share consumer's metrics now, with the Java share consumer's names (docs/observability.md). */
  metrics(): Metric[] {
    return this.#metrics.snapshot()
  }

  /** The id the broker gave this client for KIP-714 telemetry, or null if none came within timeoutMs. */
  clientInstanceId(timeoutMs: number): Promise<string | null> {
    return clientInstanceId(this.#telemetry, timeoutMs)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #ensureOpen(): void {
    if (this.#closed) throw new ClosedError('The share consumer is closed')
  }
}

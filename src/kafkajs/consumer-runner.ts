/**
 * `consumer.run()`'s engine: kafkajs's Runner + ConsumerGroup + OffsetManager semantics on one native
 * Consumer (src/consumer). The native consumer does the group protocol (heartbeats on its worker
 * thread), fetching and the I/O of commits; this file decides, as kafkajs does, what is handed to
 * eachMessage / eachBatch, which offsets are resolved and committed when, what a throwing handler
 * causes (commit what was resolved, seek back, retry with kafkajs's backoff, then crash), and which
 * instrumentation events are emitted.
 *
 * A native poll() plays the part of a kafkajs fetch: its records of one partition are one Batch.
 * The native consumer never auto-commits (enableAutoCommit: false): only what kafkajs would commit is.
 *
 * Owner: the kafkajs consumer. consumer.ts creates one Runner per run() (and per restart after a crash).
 */
import type { Consumer as NativeConsumer } from '../consumer/consumer.js'
import type { ConsumerRecords } from '../consumer/consumer-records.js'
import type { TopicPartition } from '../consumer/types.js'
import { channels, traced } from '../diagnostics/index.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import { Batch, type KafkaMessage, processMessage } from './consumer-batch.js'
import { ConsumerEventNames as E } from './consumer-events.js'
import { retriable, wrap } from './consumer-retry.js'
import { OffsetBook, PauseBook } from './consumer-state.js'
import { toKafkaJSError } from './errors.js'
import type { KafkaJSInstrumentation } from './instrumentation.js'
import type { KafkaJSLogger } from './logger.js'
import type { TopicOffsets } from './types.js'

export interface EachMessagePayload {
  topic: string
  partition: number
  message: KafkaMessage
  heartbeat(): Promise<void>
  pause(): () => void
}

export interface EachBatchPayload {
  batch: Batch
  resolveOffset(offset: string): void
  heartbeat(): Promise<void>
  pause(): () => void
  commitOffsetsIfNecessary(offsets?: { topics: TopicOffsets[] }): Promise<void>
  uncommittedOffsets(): { topics: TopicOffsets[] }
  isRunning(): boolean
  isStale(): boolean
}

export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void>
export type EachBatchHandler = (payload: EachBatchPayload) => Promise<void>

export interface ConsumerRunConfig {
  autoCommit?: boolean
  autoCommitInterval?: number | null
  autoCommitThreshold?: number | null
  eachBatchAutoResolve?: boolean
  partitionsConsumedConcurrently?: number
  eachBatch?: EachBatchHandler
  eachMessage?: EachMessageHandler
}

export interface RunnerHooks {
  /** For the `kafka-wire:consumer:process` payload of each eachMessage call. */
  clientId?: string
  groupId: string
  logger: KafkaJSLogger
  emitter: KafkaJSInstrumentation
  heartbeatInterval: number
  maxWaitTimeInMs: number
  /** The native consumer's maxPollRecords: a poll that full may have stopped inside its last partition's fetch. */
  maxPollRecords: number
  /** The leader of a partition per the layer's metadata (FETCH events' nodeId), -1 when unknown. */
  leaderOf(topic: string, partition: number): number
  /** Commits through the native consumer (kafkajs's OffsetCommit; errors as kafkajs errors). */
  commit(offsets: TopicOffsets[]): Promise<void>
  /** The topics subscribed, with fromBeginning (the starting offset of partitions without a commit). */
  topics: ReadonlyMap<string, { fromBeginning: boolean }>
  /** How a failure is retried: kafkajs's retrier over the whole fetch loop. */
  retry: Retrier
  /** After an assignment: position partitions without a commit per their topic's fromBeginning, when the native reset differs. */
  startingOffsets?: (assigned: TopicPartition[]) => Promise<void>
}

/** kafkajs's retry state: `retries` attempts with randomised exponential delays. */
export interface Retrier {
  /** The delay before the next attempt, or null when the retries are used up. */
  next(): { retryTime: number; retryCount: number } | null
  /** The numbers of the last attempt (for the error that ends the retries). */
  readonly last: { retryTime: number; retryCount: number }
  reset(): void
}

/** What a runner ends with: nothing (stopped) or the error kafkajs would hand to onCrash. */
export type RunnerOutcome = { error: Error | null }

/** The subset of the native consumer the runner uses (the real one in production; tests may step it). */
export type RunnerConsumer = Pick<
  NativeConsumer,
  'poll' | 'seek' | 'seekToBeginning' | 'seekToEnd' | 'pause' | 'resume' | 'position' | 'currentLag' | 'groupMetadata'
> & { readonly stats: { heartbeatsReceived: number } }

interface JoinInfo {
  isLeader: boolean
  groupProtocol: string | null
  assigned: TopicPartition[]
}

export class Runner {
  readonly pauses = new PauseBook()
  readonly offsets: OffsetBook
  readonly #cfg: Required<Pick<ConsumerRunConfig, 'autoCommit' | 'eachBatchAutoResolve'>> & ConsumerRunConfig
  readonly #hooks: RunnerHooks
  readonly #consumer: RunnerConsumer
  readonly #abort = new AbortController()
  readonly #pendingSeeks = new Map<string, { topic: string; partition: number; offset: string }>()
  #running = false
  #loop: Promise<RunnerOutcome> | null = null
  #joinStartedAt = Date.now()
  #join: JoinInfo = { isLeader: false, groupProtocol: null, assigned: [] }
  #leaderFlag = false
  #joined: { resolve: () => void; promise: Promise<void> }
  #lastHeartbeatEventAt = Date.now()
  #heartbeatsSeen = 0
  /** autoCommit skipped the commit after a batch a full poll cut inside its fetch; an empty poll makes it. */
  #commitHeld = false
  #everJoined = false

  constructor(consumer: RunnerConsumer, cfg: ConsumerRunConfig, hooks: RunnerHooks) {
    this.#consumer = consumer
    this.#cfg = { ...cfg, autoCommit: cfg.autoCommit ?? true, eachBatchAutoResolve: cfg.eachBatchAutoResolve ?? true }
    this.#hooks = hooks
    this.offsets = new OffsetBook(cfg.autoCommitInterval ?? null, cfg.autoCommitThreshold ?? null)
    let resolve!: () => void
    const promise = new Promise<void>((r) => {
      resolve = r
    })
    this.#joined = { resolve, promise }
  }

  get running(): boolean {
    return this.#running
  }

  get autoCommit(): boolean {
    return this.#cfg.autoCommit
  }

  // --- hooks of the assignor and the rebalance listener (called inside the native poll()) ---------------

  onLeader(): void {
    this.#leaderFlag = true
  }

  onAssignment(protocol: string): void {
    this.#join = { ...this.#join, isLeader: this.#leaderFlag, groupProtocol: protocol }
    this.#leaderFlag = false
  }

  async onPartitionsRevoked(_partitions: TopicPartition[]): Promise<void> {
    if (this.#everJoined && this.#running) {
      const { memberId } = this.#consumer.groupMetadata()
      this.#hooks.logger.warn('The group is rebalancing, re-joining', { groupId: this.#hooks.groupId, memberId })
      this.#hooks.emitter.emit(E.REBALANCING, { groupId: this.#hooks.groupId, memberId })
    }
    this.#joinStartedAt = Date.now()
    // kafkajs commits what was resolved when it learns of a rebalance (and when it stops).
    if (this.#cfg.autoCommit) await this.commitOffsets().catch(() => {})
  }

  onPartitionsLost(_partitions: TopicPartition[]): void {
    this.#joinStartedAt = Date.now()
  }

  async onPartitionsAssigned(partitions: TopicPartition[]): Promise<void> {
    const subscribed = this.#hooks.topics
    const assignedTopics = [...new Set(partitions.map((tp) => tp.topic))]
    const notSubscribed = assignedTopics.filter((t) => !subscribed.has(t))
    const { generationId, memberId } = this.#consumer.groupMetadata()
    if (notSubscribed.length > 0) {
      const payload = {
        groupId: this.#hooks.groupId,
        generationId,
        memberId,
        assignedTopics,
        topicsSubscribed: [...subscribed.keys()],
        topicsNotSubscribed: notSubscribed,
      }
      this.#hooks.emitter.emit(E.RECEIVED_UNSUBSCRIBED_TOPICS, payload)
      this.#hooks.logger.warn('Consumer group received unsubscribed topics', payload)
      // kafkajs drops them from the assignment: never fetch them.
      this.#consumer.pause(partitions.filter((tp) => !subscribed.has(tp.topic)))
    }
    const assigned = partitions.filter((tp) => subscribed.has(tp.topic))
    this.offsets.assign(assigned)
    const byTopic = new Map<string, number[]>()
    for (const { topic, partition } of assigned) {
      let list = byTopic.get(topic)
      if (list === undefined) byTopic.set(topic, (list = []))
      list.push(partition)
    }
    this.pauses.assign([...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })))
    this.#join = { ...this.#join, assigned }
    this.#applyPauses()
    await this.#hooks.startingOffsets?.(assigned)
    const payload = {
      groupId: this.#hooks.groupId,
      memberId,
      leaderId: this.#join.isLeader ? memberId : null,
      isLeader: this.#join.isLeader,
      memberAssignment: Object.fromEntries(byTopic),
      groupProtocol: this.#join.groupProtocol,
      duration: Date.now() - this.#joinStartedAt,
    }
    this.#hooks.emitter.emit(E.GROUP_JOIN, payload)
    this.#hooks.logger.info('Consumer has joined the group', payload)
    this.#hooks.retry.reset() // kafkajs's retrier starts over after a rejoin
    this.#everJoined = true
    this.#joined.resolve()
  }

  // --- lifecycle ----------------------------------------------------------------------------------------

  /** Starts the fetch loop; resolves once the member has joined (or the loop ended first). */
  async start(): Promise<void> {
    this.#running = true
    this.#loop = this.#run().then((outcome) => {
      this.#running = false // ended by stop() or by an error to crash with
      return outcome
    })
    await Promise.race([this.#joined.promise, this.#loop])
  }

  /** The loop's end: the error to crash with, or null after stop(). */
  get finished(): Promise<RunnerOutcome> {
    return this.#loop ?? Promise.resolve({ error: null })
  }

  /** Stops after the message or batch in progress (kafkajs's runner.stop, before leaving the group). */
  async stop(): Promise<void> {
    this.#running = false
    this.#abort.abort()
    await this.#loop
  }

  // --- the loop -----------------------------------------------------------------------------------------

  async #run(): Promise<RunnerOutcome> {
    for (;;) {
      if (!this.#running) return { error: null }
      let records: ConsumerRecords
      const nodeId = this.#nodeId()
      const startFetch = Date.now()
      try {
        await this.#applySeeks()
        this.#hooks.emitter.emit(E.FETCH_START, { nodeId })
        records = await this.#consumer.poll(this.#hooks.maxWaitTimeInMs, { signal: this.#abort.signal })
      } catch (e) {
        if (!this.#running) return { error: null }
        const error = toKafkaJSError(e)
        // Before the first join, kafkajs's joinAndSync gives a non-retriable error up as it is (not wrapped).
        if (!this.#everJoined && !retriable(error)) return { error }
        const next = await this.#failed(error, [])
        if (next !== null) return { error: next }
        continue
      }
      this.#hooks.emitter.emit(E.FETCH, { numberOfBatches: 0, duration: Date.now() - startFetch, nodeId })
      if (records.isEmpty) {
        // The fetch a full poll seemed to cut had ended with it after all: make the commit that batch held.
        if (this.#commitHeld) {
          this.#commitHeld = false
          try {
            await this.commitOffsets()
          } catch (e) {
            const next = await this.#failed(toKafkaJSError(e), [])
            if (next !== null) return { error: next }
          }
        }
        this.#heartbeat()
        continue
      }
      const batches = await this.#batches(records)
      // A full poll may have stopped inside its last partition's fetch (the rest comes with the next poll):
      // that batch's auto-commit waits for the batch that ends the fetch, so that autoCommit commits once
      // per partition fetched, as kafkajs does, not once per piece the poll size cuts a fetch into.
      let cut: TopicPartition | undefined
      if (records.count >= this.#hooks.maxPollRecords) for (const tp of records.partitions()) cut = tp
      const error = await this.#processAll(batches, cut)
      if (error !== null) {
        const next = await this.#failed(error, batches)
        if (next !== null) return { error: next }
      }
    }
  }

  #nodeId(): number {
    const first = this.#join.assigned[0]
    return first === undefined ? -1 : this.#hooks.leaderOf(first.topic, first.partition)
  }

  async #batches(records: ConsumerRecords): Promise<Batch[]> {
    const out: Batch[] = []
    for (const tp of records.partitions()) {
      if (!this.offsets.has(tp.topic, tp.partition)) continue // not (any longer) ours
      // The native consumer built kafkajs messages (kafkaMessage, its CONSUMER_RECORD_SHAPE).
      const list = records.records(tp) as unknown as KafkaMessage[]
      const last = list[list.length - 1]!
      const lastMessageOffset = BigInt(last.offset)
      let position = lastMessageOffset + 1n
      try {
        position = await this.#consumer.position(tp, { timeoutMs: 1 })
      } catch {}
      const lag = this.#consumer.currentLag(tp)
      const hw = lag === null ? position : position + lag
      if (!this.offsets.hasBaseline(tp.topic, tp.partition)) {
        this.offsets.setBaseline(tp.topic, tp.partition, list[0]!.offset)
      }
      const lastOffset = position - 1n > lastMessageOffset ? position - 1n : lastMessageOffset
      out.push(new Batch(tp.topic, tp.partition, hw.toString(), list, lastOffset.toString()))
    }
    return out
  }

  /** Hands the batches to the handler, `partitionsConsumedConcurrently` at a time; the first error, if any. */
  async #processAll(batches: Batch[], cut: TopicPartition | undefined): Promise<Error | null> {
    const concurrency = Math.max(1, this.#cfg.partitionsConsumedConcurrently ?? 1)
    let next = 0
    let firstError: Error | null = null
    const worker = async () => {
      while (next < batches.length && firstError === null && this.#running) {
        const batch = batches[next++]!
        try {
          await this.#handleBatch(batch, batch.topic === cut?.topic && batch.partition === cut.partition)
        } catch (e) {
          firstError ??= e as Error
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker))
    return firstError
  }

  async #handleBatch(batch: Batch, fetchGoesOn: boolean): Promise<void> {
    if (!this.#running || this.#isStale(batch.topic, batch.partition)) return
    if (this.pauses.isPaused(batch.topic, batch.partition)) return
    const started = Date.now()
    const payload = {
      topic: batch.topic,
      partition: batch.partition,
      highWatermark: batch.highWatermark,
      offsetLag: batch.offsetLag(),
      offsetLagLow: batch.offsetLagLow(),
      batchSize: batch.messages.length,
      firstOffset: batch.firstOffset(),
      lastOffset: batch.lastOffset(),
    }
    this.#hooks.emitter.emit(E.START_BATCH_PROCESS, payload)
    if (this.#cfg.eachMessage) await this.#eachMessage(batch)
    else if (this.#cfg.eachBatch) await this.#eachBatch(batch)
    this.#rewindUnresolved(batch)
    this.#hooks.emitter.emit(E.END_BATCH_PROCESS, { ...payload, duration: Date.now() - started })
    if (this.#cfg.autoCommit) {
      this.#commitHeld = fetchGoesOn && this.#running && !this.pauses.isPaused(batch.topic, batch.partition)
      if (!this.#commitHeld) await this.commitOffsets()
    }
    this.#heartbeat()
  }

  /**
   * kafkajs fetches from the last resolved offset: messages of a batch left unresolved (eachBatch without
   * auto-resolve, eachMessage stopped by pause()) come again in the next fetch. The native position has moved
   * past the batch; move it back.
   */
  #rewindUnresolved(batch: Batch): void {
    const last = batch.messages[batch.messages.length - 1]
    if (last === undefined || !this.#running || this.#isStale(batch.topic, batch.partition)) return
    const next = this.offsets.nextOffset(batch.topic, batch.partition)
    if (next === null || BigInt(next) > BigInt(last.offset)) return
    try {
      this.#consumer.seek({ topic: batch.topic, partition: batch.partition }, BigInt(next))
    } catch {} // revoked meanwhile
  }

  #pauseFn(topic: string, partition: number): () => () => void {
    return () => {
      this.pause([{ topic, partitions: [partition] }])
      return () => this.resume([{ topic, partitions: [partition] }])
    }
  }

  async #eachMessage(batch: Batch): Promise<void> {
    const { topic, partition } = batch
    const eachMessage = this.#cfg.eachMessage!
    const pause = this.#pauseFn(topic, partition)
    const heartbeat = async () => this.#heartbeat()
    const resolve = this.offsets.resolver(topic, partition)
    for (const message of batch.messages) {
      if (!this.#running || this.#isStale(topic, partition)) break
      try {
        const payload = { topic, partition, message, heartbeat, pause }
        if (!channels.consumerProcess.hasSubscribers) await eachMessage(payload)
        else
          await traced(channels.consumerProcess, processMessage(this.#hooks, topic, partition, message), () =>
            eachMessage(payload),
          )
      } catch (e) {
        this.#logHandlerError('eachMessage', topic, partition, message.offset, e as Error)
        if (this.#cfg.autoCommit) await this.commitOffsets().catch(() => {})
        throw e
      }
      resolve(message.offset)
      this.#heartbeat()
      if (this.#cfg.autoCommit && this.offsets.commitDue()) await this.commitOffsets()
      if (this.pauses.isPaused(topic, partition)) break
    }
  }

  async #eachBatch(batch: Batch): Promise<void> {
    const { topic, partition } = batch
    const lastMessage = batch.messages[batch.messages.length - 1]
    try {
      await this.#cfg.eachBatch!({
        batch,
        resolveOffset: (offset: string) => {
          // Resolving the last message resolves what follows it in the fetch (control records), as kafkajs.
          const o =
            lastMessage !== undefined && BigInt(offset) === BigInt(lastMessage.offset) ? batch.lastOffset() : offset
          this.offsets.resolveOffset(topic, partition, String(o))
        },
        heartbeat: async () => this.#heartbeat(),
        pause: this.#pauseFn(topic, partition),
        commitOffsetsIfNecessary: async (offsets?: { topics: TopicOffsets[] }) => {
          if (offsets) return this.#commitExactly(offsets.topics)
          if (this.offsets.commitDue()) return this.commitOffsets()
        },
        uncommittedOffsets: () => this.offsets.uncommittedOffsets(),
        isRunning: () => this.#running,
        isStale: () => this.#isStale(topic, partition),
      })
    } catch (e) {
      this.#logHandlerError('eachBatch', topic, partition, batch.firstOffset(), e as Error)
      if (this.#cfg.autoCommit) await this.commitOffsets().catch(() => {})
      throw e
    }
    if (this.#cfg.eachBatchAutoResolve) this.offsets.resolveOffset(topic, partition, batch.lastOffset())
  }

  #logHandlerError(handler: string, topic: string, partition: number, offset: string | null, e: Error): void {
    if (typeof e?.name === 'string' && e.name.startsWith('KafkaJS')) return
    this.#hooks.logger.error(`Error when calling ${handler}`, { topic, partition, offset, stack: e?.stack, error: e })
  }

  /**
   * A failure of the handler or of the fetch: seek every partition of the failed round back to the next
   * offset not resolved (kafkajs fetches again from there), then retry after kafkajs's delay, or give up:
   * the error to crash with (KafkaJSNumberOfRetriesExceeded, or KafkaJSNonRetriableError).
   */
  async #failed(e: Error, batches: Batch[]): Promise<Error | null> {
    for (const batch of batches) {
      if (this.#pendingSeeks.has(topicPartitionKey(batch.topic, batch.partition))) continue
      const next = this.offsets.nextOffset(batch.topic, batch.partition) ?? batch.firstOffset()
      if (next === null) continue
      try {
        this.#consumer.seek({ topic: batch.topic, partition: batch.partition }, BigInt(next))
      } catch {} // no longer assigned: its next owner starts from the last commit
    }
    if (!retriable(e)) return wrap(e, null)
    const attempt = this.#hooks.retry.next()
    if (attempt === null) return wrap(e, this.#hooks.retry.last)
    this.#hooks.logger.debug('Error while scheduling fetch manager, trying again...', {
      groupId: this.#hooks.groupId,
      error: e.message,
      retryCount: attempt.retryCount,
      retryTime: attempt.retryTime,
    })
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, attempt.retryTime)
      this.#abort.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t)
          resolve()
        },
        { once: true },
      )
    })
    return null
  }

  // --- heartbeats (the native worker thread sends them; the HEARTBEAT event follows kafkajs's cadence) ---

  #heartbeat(): void {
    // Called after every message, as kafkajs does: with no listener, not even the clock is read.
    if (this.#hooks.emitter.listenerCount(E.HEARTBEAT) === 0) return
    const now = Date.now()
    if (now < this.#lastHeartbeatEventAt + this.#hooks.heartbeatInterval) return
    const received = this.#consumer.stats.heartbeatsReceived
    if (received === this.#heartbeatsSeen) return
    this.#heartbeatsSeen = received
    this.#lastHeartbeatEventAt = now
    const { generationId, memberId } = this.#consumer.groupMetadata()
    this.#hooks.emitter.emit(E.HEARTBEAT, { groupId: this.#hooks.groupId, memberId, groupGenerationId: generationId })
  }

  // --- offsets ------------------------------------------------------------------------------------------

  /** Commits what was resolved and not committed yet (kafkajs's commitOffsets() without arguments). */
  async commitOffsets(): Promise<void> {
    const { topics } = this.offsets.uncommittedOffsets()
    if (topics.length === 0) {
      this.offsets.touched()
      return
    }
    await this.#commitExactly(topics)
  }

  async #commitExactly(topics: TopicOffsets[]): Promise<void> {
    await this.#hooks.commit(topics)
    this.offsets.committed(topics)
    const { generationId, memberId } = this.#consumer.groupMetadata()
    this.#hooks.emitter.emit(E.COMMIT_OFFSETS, {
      groupId: this.#hooks.groupId,
      memberId,
      groupGenerationId: generationId,
      topics,
    })
  }

  /** consumer.commitOffsets(): kafkajs's runner.commitOffsets (nothing when not running). */
  async commitGiven(topics: TopicOffsets[]): Promise<void> {
    if (!this.#running) return
    await this.#commitExactly(topics)
  }

  // --- seek and pause -------------------------------------------------------------------------------------

  seek(topic: string, partition: number, offset: string): void {
    this.#pendingSeeks.set(topicPartitionKey(topic, partition), { topic, partition, offset })
  }

  #isStale(topic: string, partition: number): boolean {
    return this.#pendingSeeks.size !== 0 && this.#pendingSeeks.has(topicPartitionKey(topic, partition))
  }

  /** Before the next fetch, as kafkajs's seekOffsets(): commit the sought offset (autoCommit) or resolve before it. */
  async #applySeeks(): Promise<void> {
    for (const [key, { topic, partition, offset }] of this.#pendingSeeks) {
      if (!this.offsets.has(topic, partition)) continue // kept until the partition is ours (as kafkajs)
      this.#pendingSeeks.delete(key)
      const tp = { topic, partition }
      if (offset === '-2') this.#consumer.seekToBeginning([tp])
      else if (offset === '-1') this.#consumer.seekToEnd([tp])
      else this.#consumer.seek(tp, BigInt(offset))
      if (this.#cfg.autoCommit) {
        // kafkajs commits the sought offset before fetching again (no COMMIT_OFFSETS event).
        this.offsets.reset(topic, partition, offset)
        await this.#hooks.commit([{ topic, partitions: [{ partition, offset }] }])
      } else if (BigInt(offset) >= 0n) {
        this.offsets.resolveOffset(topic, partition, (BigInt(offset) - 1n).toString())
      }
    }
  }

  pause(tps: { topic: string; partitions?: number[] }[]): void {
    this.pauses.pause(tps)
    this.#applyPauses()
  }

  resume(tps: { topic: string; partitions?: number[] }[]): void {
    this.pauses.resume(tps)
    this.#applyPauses()
  }

  #applyPauses(): void {
    const paused: TopicPartition[] = []
    const active: TopicPartition[] = []
    for (const tp of this.#join.assigned.length > 0 ? this.#join.assigned : []) {
      ;(this.pauses.isPaused(tp.topic, tp.partition) ? paused : active).push(tp)
    }
    if (paused.length > 0) this.#consumer.pause(paused)
    if (active.length > 0) this.#consumer.resume(active)
  }
}

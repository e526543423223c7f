/**
 * kafka.consumer(): kafkajs 2.2.4's Consumer (connect, subscribe, run with eachMessage/eachBatch,
 * commitOffsets, seek, pause/resume, describeGroup, stop, events) on kafka-wire's native Consumer.
 *
 * The native Consumer (src/consumer) runs the classic group protocol with heartbeats on its worker
 * thread; consumer-runner.ts turns its poll() into kafkajs's fetch loop. This file holds the API
 * surface: argument checks and errors as kafkajs throws them, the mapping of kafkajs's options
 * onto kafka-wire's, the crash/restart policy (retry.restartOnFailure), and a Cluster of the layer's
 * own for what kafkajs does outside the group (RegExp subscriptions, describeGroup, the assigners'
 * `cluster`).
 *
 * Options with no kafka-wire equivalent: maxInFlightRequests (one Fetch in flight per broker).
 * Owner: the kafkajs consumer.
 */

import { Admin, type AdminOptions } from '../admin/index.js'
import {
  type Cluster,
  type CommonClientOptions,
  resolveClientOptions,
  SharedCluster,
  withRequestObserver,
} from '../cluster/index.js'
import { Consumer as NativeConsumer } from '../consumer/consumer.js'
import type { ConsumerOptions } from '../consumer/options.js'
import type { TopicPartition } from '../consumer/types.js'
import { brokerError, ErrorCode } from '../errors.js'
import { CONSUMED_RECORD_OF, CONSUMER_RECORD_SHAPE, SHARED_CLUSTER } from '../internal/seams.js'
import type { ConsumerGroupState, GroupDescription } from './admin-groups.js'
import {
  type AssignerCluster,
  AssignerProtocol,
  type PartitionAssigner,
  PartitionAssigners,
  type PartitionMetadata,
  toNativeAssignor,
} from './assigners.js'
import { consumedRecord, kafkaMessage } from './consumer-batch.js'
import { type ConsumerEventName, ConsumerEventNames, type ConsumerEvents } from './consumer-events.js'
import { KafkaJSRetrier, retriable, wrap } from './consumer-retry.js'
import { type ConsumerRunConfig, Runner } from './consumer-runner.js'
import type { TopicPartitions } from './consumer-state.js'
import type { KafkaJSContext } from './context.js'
import { KafkaJSNonRetriableError, toKafkaJSError, toKafkaJSRetryError } from './errors.js'
import { KafkaJSInstrumentation } from './instrumentation.js'
import type { KafkaJSLogger } from './logger.js'
import { connectBudgetMs } from './producer.js'
import type { InstrumentationEvent, RetryOptions, TopicOffsets } from './types.js'

export type {
  Assigner,
  GroupMember,
  GroupMemberAssignment,
  GroupState,
  KafkaJSMemberAssignment as MemberAssignment,
  KafkaJSMemberMetadata as MemberMetadata,
  PartitionAssigner,
} from './assigners.js'
export { AssignerProtocol, PartitionAssigners } from './assigners.js'
export type { Batch, KafkaMessage } from './consumer-batch.js'
export type { ConsumerEvents } from './consumer-events.js'
export type {
  ConsumerRunConfig,
  EachBatchHandler,
  EachBatchPayload,
  EachMessageHandler,
  EachMessagePayload,
} from './consumer-runner.js'
export type { TopicPartitions } from './consumer-state.js'
export type * from './consumer-types.js'
/** kafkajs's `Consumer` type. */
export type Consumer = KafkaJSConsumer
/** kafkajs's handler payload aliases (kept by kafkajs for @types/kafkajs compatibility). */
export type ConsumerEachMessagePayload = import('./consumer-runner.js').EachMessagePayload
export type ConsumerEachBatchPayload = import('./consumer-runner.js').EachBatchPayload

export interface ConsumerConfig {
  groupId: string
  partitionAssigners?: PartitionAssigner[]
  metadataMaxAge?: number
  sessionTimeout?: number
  rebalanceTimeout?: number
  heartbeatInterval?: number
  maxBytesPerPartition?: number
  minBytes?: number
  maxBytes?: number
  maxWaitTimeInMs?: number
  retry?: RetryOptions & { restartOnFailure?: (err: Error) => Promise<boolean> }
  allowAutoTopicCreation?: boolean
  maxInFlightRequests?: number
  readUncommitted?: boolean
  rackId?: string
}

export type ConsumerSubscribeTopics = { topics: (string | RegExp)[]; fromBeginning?: boolean }
/** @deprecated kafkajs's older form: one topic. */
export type ConsumerSubscribeTopic = { topic: string | RegExp; fromBeginning?: boolean }

export interface TopicPartitionOffset {
  topic: string
  partition: number
  offset: string
}

export type TopicPartitionOffsetAndMetadata = TopicPartitionOffset & { metadata?: string | null }

/** kafkajs's consumer.describeGroup() result: the admin's GroupDescription plus the error code. */
export type ConsumerGroupDescription = GroupDescription & { errorCode: number }

const NOT_RUNNING = 'Consumer group was not initialized, consumer#run must be called first'

/**
 * Messages one native poll() may return per partition handled at once (`partitionsConsumedConcurrently`):
 * a partition's fetch larger than this comes as several batches in a row. Every message of a poll stays
 * alive until the handler has seen its batch, and a scavenge costs what it copies: with 2,000 instead of
 * 10,000 the layer's collector time reading 1,000,000 100 B records fell by ~40 %, to the native loop's
 * (docs/performance.md, "Smaller polls for the layer").
 */
const POLL_RECORDS_PER_PARTITION = 2000

/** The native maxPollRecords for a run(): POLL_RECORDS_PER_PARTITION per partition handled at once. */
function pollRecordsFor(run: ConsumerRunConfig): number {
  const c = run.partitionsConsumedConcurrently
  return POLL_RECORDS_PER_PARTITION * (typeof c === 'number' && Number.isInteger(c) && c > 1 ? c : 1)
}

export class KafkaJSConsumer {
  readonly events: ConsumerEvents = ConsumerEventNames
  readonly #context: KafkaJSContext
  readonly #config: ConsumerConfig
  readonly #groupId: string
  readonly #logger: KafkaJSLogger
  readonly #emitter: KafkaJSInstrumentation
  readonly #assigners: PartitionAssigner[]
  readonly #topics = new Map<string, { fromBeginning: boolean }>()
  /** Connected by connect()/subscribe(); run()'s native Consumer borrows it (SHARED_CLUSTER). */
  #shared: SharedCluster | null = null
  #nativeAdmin: { shared: SharedCluster; admin: Admin } | null = null
  #native: NativeConsumer | null = null
  #runner: Runner | null = null
  #restartTimeout: NodeJS.Timeout | undefined
  #stopping: Promise<void> | null = null
  /** kafkajs: the Kafka-level retry, overridden by the consumer's (which defaults to `{ retries: 5 }`). */
  readonly #retry: RetryOptions & { restartOnFailure?: (err: Error) => Promise<boolean> }

  constructor(context: KafkaJSContext, config: ConsumerConfig) {
    const { groupId, sessionTimeout = 30000, heartbeatInterval = 3000 } = config ?? ({} as ConsumerConfig)
    if (!groupId) throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.')
    if (heartbeatInterval >= sessionTimeout) {
      throw new KafkaJSNonRetriableError(
        `Consumer heartbeatInterval (${heartbeatInterval}) must be lower than sessionTimeout (${sessionTimeout}). It is recommended to set heartbeatInterval to approximately a third of the sessionTimeout.`,
      )
    }
    this.#context = context
    this.#config = config
    this.#groupId = groupId
    this.#logger = context.logger.namespace('Consumer')
    this.#emitter = new KafkaJSInstrumentation(ConsumerEventNames, 'consumer.events', this.#logger)
    this.#assigners = config.partitionAssigners ?? [PartitionAssigners.roundRobin]
    this.#retry = { ...context.retry, ...(config.retry ?? { retries: 5 }) }
  }

  // --- connection -------------------------------------------------------------------------------------

  async connect(): Promise<void> {
    await this.#connectCluster()
    this.#emitter.emit(ConsumerEventNames.CONNECT)
  }

  async #connectCluster(): Promise<SharedCluster> {
    if (this.#shared === null || this.#shared.cluster.closed) {
      const options = await this.#clientOptions()
      const { common } = resolveClientOptions(
        {
          ...options,
          ...(this.#config.metadataMaxAge !== undefined ? { metadataMaxAgeMs: this.#config.metadataMaxAge } : {}),
        },
        new Set(),
        'consumer',
      )
      this.#shared = new SharedCluster(common, { allowAutoTopicCreation: this.#config.allowAutoTopicCreation ?? true })
    }
    const shared = this.#shared
    const cluster = shared.cluster
    // kafkajs's connect runs under the cluster's retrier (the Kafka-level `retry`): bound ours by its budget.
    const timeoutMs = connectBudgetMs(this.#context)
    try {
      await cluster.connect({ timeoutMs })
    } catch (e) {
      this.#shared = null
      await cluster.close().catch(() => {})
      throw toKafkaJSRetryError(e, { retryCount: this.#context.retry.retries ?? 5, retryTime: timeoutMs })
    }
    return shared
  }

  async disconnect(): Promise<void> {
    try {
      await this.stop()
      this.#logger.debug('consumer has stopped, disconnecting', { groupId: this.#groupId })
      const cluster = this.#shared?.cluster
      const admin = this.#nativeAdmin?.admin
      this.#shared = null
      this.#nativeAdmin = null
      await admin?.close() // unbinds it from the cluster
      await cluster?.close()
      this.#emitter.emit(ConsumerEventNames.DISCONNECT)
    } catch (e) {
      const err = e as Error
      this.#logger.error(`Caught error when disconnecting the consumer: ${err.message}`, {
        stack: err.stack,
        groupId: this.#groupId,
      })
      throw e
    }
  }

  // --- subscription and run ---------------------------------------------------------------------------

  async subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void> {
    if (this.#runner !== null) throw new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running')
    const {
      topic,
      topics,
      fromBeginning = false,
    } = (subscription ?? {}) as Partial<ConsumerSubscribeTopics & ConsumerSubscribeTopic>
    if (!topic && !topics) throw new KafkaJSNonRetriableError('Missing required argument "topics"')
    if (topics != null && !Array.isArray(topics))
      throw new KafkaJSNonRetriableError('Argument "topics" must be an array')
    const list = topics ?? [topic!]
    for (const s of list) {
      if (typeof s !== 'string' && !(s instanceof RegExp)) {
        throw new KafkaJSNonRetriableError(
          `Invalid topic ${s} (${typeof s}), the topic name has to be a String or a RegExp`,
        )
      }
    }
    const { cluster } = await this.#connectCluster()
    const names: string[] = []
    try {
      if (list.some((s) => s instanceof RegExp)) {
        const all = (await (await this.#admin()).listTopics({ includeInternal: true })).map((t) => t.topic)
        for (const s of list) {
          if (s instanceof RegExp) {
            const matched = all.filter((n) => s.test(n))
            this.#logger.debug('Subscription based on RegExp', {
              groupId: this.#groupId,
              topicRegExp: s.toString(),
              matchedTopics: matched,
            })
            names.push(...matched)
          } else names.push(s)
        }
      } else names.push(...(list as string[]))
      // kafkajs loads the topics' metadata here: a missing topic (not auto-created) fails subscribe().
      if (names.length > 0) {
        await cluster.refreshMetadata({ topics: names })
        for (const name of names) {
          const code = cluster.topic(name)?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          if (code !== ErrorCode.NONE) throw brokerError(code, `topic ${name}`, { topic: name })
        }
      }
    } catch (e) {
      throw toKafkaJSError(e)
    }
    for (const name of names) this.#topics.set(name, { fromBeginning })
  }

  async run(config: ConsumerRunConfig = {}): Promise<void> {
    if (this.#runner !== null) {
      this.#logger.warn('consumer#run was called, but the consumer is already running', { groupId: this.#groupId })
      return
    }
    await this.#start(config)
  }

  async #start(config: ConsumerRunConfig): Promise<void> {
    this.#logger.info('Starting', { groupId: this.#groupId })
    const retrier = new KafkaJSRetrier(this.#retry)
    let runner: Runner
    let native: NativeConsumer
    try {
      const shared = await this.#connectCluster()
      const cluster = shared.cluster
      this.#emitter.emit(ConsumerEventNames.CONNECT) // kafkajs's consumer group connects (and says so) at every start
      const resetEarliest = [...this.#topics.values()].every((t) => t.fromBeginning) && this.#topics.size > 0
      const mixed = new Set([...this.#topics.values()].map((t) => t.fromBeginning)).size > 1
      // The assigner reads the cluster the native Consumer borrows: its leader refreshes the group's topics
      // there just before assign(), as kafkajs's leader refreshes its cluster's metadata.
      const assignerCluster: AssignerCluster & Record<string, unknown> = {
        findTopicPartitionMetadata: (topic: string) => partitionMetadata(cluster, topic),
      }
      const hooks = {
        onLeader: () => runner.onLeader(),
        onAssignment: (_a: unknown, protocol: string) => runner.onAssignment(protocol),
      }
      const assignors = this.#assigners.map((create) =>
        toNativeAssignor(create({ cluster: assignerCluster, groupId: this.#groupId, logger: this.#logger }), hooks),
      )
      const maxPollRecords = pollRecordsFor(config)
      native = new NativeConsumer(await this.#nativeOptions(resetEarliest, assignors, maxPollRecords, shared))
      runner = new Runner(native, config, {
        clientId: this.#context.clientId,
        groupId: this.#groupId,
        logger: this.#logger.namespace('Runner'),
        emitter: this.#emitter,
        heartbeatInterval: this.#config.heartbeatInterval ?? 3000,
        maxWaitTimeInMs: this.#config.maxWaitTimeInMs ?? 5000,
        maxPollRecords,
        leaderOf: (topic, partition) => cluster.leaderFor(topic, partition)?.nodeId ?? -1,
        commit: (topics) => commitThrough(native, topics),
        topics: this.#topics,
        retry: retrier,
        ...(mixed
          ? { startingOffsets: (tps: TopicPartition[]) => this.#startingOffsets(native, tps, resetEarliest) }
          : {}),
      })
      native.subscribe([...this.#topics.keys()], {
        onPartitionsAssigned: (tps) => runner.onPartitionsAssigned(tps),
        onPartitionsRevoked: (tps) => runner.onPartitionsRevoked(tps),
        onPartitionsLost: (tps) => runner.onPartitionsLost(tps),
      })
    } catch (e) {
      await this.#onCrash(toKafkaJSError(e), config, retrier)
      return
    }
    this.#native = native
    this.#runner = runner
    await runner.start()
    const ended = runner.finished.then(async ({ error }) => {
      if (error !== null && this.#runner === runner) await this.#onCrash(error, config, retrier)
    })
    if (!runner.running) await ended // failed before joining: run() resolves after the crash, as kafkajs's
  }

  async #nativeOptions(
    resetEarliest: boolean,
    assignors: ReturnType<typeof toNativeAssignor>[],
    maxPollRecords: number,
    shared: SharedCluster,
  ): Promise<ConsumerOptions> {
    const c = this.#config
    const common = await this.#clientOptions()
    return {
      ...common,
      ...(c.metadataMaxAge !== undefined ? { metadataMaxAgeMs: c.metadataMaxAge } : {}),
      groupId: this.#groupId,
      enableAutoCommit: false,
      autoOffsetReset: resetEarliest ? 'earliest' : 'latest',
      partitionAssignmentStrategy: assignors,
      sessionTimeoutMs: c.sessionTimeout ?? 30000,
      heartbeatIntervalMs: c.heartbeatInterval ?? 3000,
      // kafkajs's rebalanceTimeout is JoinGroup's rebalance timeout, which is Java's max.poll.interval.ms.
      maxPollIntervalMs: c.rebalanceTimeout ?? 60000,
      maxPartitionFetchBytes: c.maxBytesPerPartition ?? 1048576,
      fetchMinBytes: c.minBytes ?? 1,
      fetchMaxBytes: c.maxBytes ?? 10485760,
      fetchMaxWaitMs: c.maxWaitTimeInMs ?? 5000,
      isolationLevel: c.readUncommitted ? 'read_uncommitted' : 'read_committed',
      allowAutoCreateTopics: c.allowAutoTopicCreation ?? true,
      maxPollRecords,
      ...(c.rackId ? { clientRack: c.rackId } : {}),
      [SHARED_CLUSTER]: shared,
      [CONSUMER_RECORD_SHAPE]: kafkaMessage,
      [CONSUMED_RECORD_OF]: consumedRecord,
    } as ConsumerOptions
  }

  /** Topics subscribed with a fromBeginning other than the native reset: their partitions without a commit. */
  async #startingOffsets(native: NativeConsumer, tps: TopicPartition[], resetEarliest: boolean): Promise<void> {
    const odd = tps.filter((tp) => this.#topics.get(tp.topic)?.fromBeginning !== resetEarliest)
    if (odd.length === 0) return
    const committed = await native.committed(odd)
    const fresh = odd.filter((_, i) => committed[i]?.offset === null)
    if (fresh.length === 0) return
    if (resetEarliest) native.seekToEnd(fresh)
    else native.seekToBeginning(fresh)
  }

  async #onCrash(e: Error, config: ConsumerRunConfig, retrier: KafkaJSRetrier): Promise<void> {
    const err = e as Error & { retryCount?: number; retryTime?: number }
    this.#logger.error(`Crash: ${err.name}: ${err.message}`, {
      groupId: this.#groupId,
      retryCount: err.retryCount,
      stack: err.stack,
    })
    await this.disconnect().catch(() => {})
    let cause = err as { retriable?: boolean; cause?: unknown }
    while (cause.cause) cause = cause.cause as { retriable?: boolean; cause?: unknown }
    const retriable = err.name === 'KafkaJSNumberOfRetriesExceeded' || cause.retriable === true
    const restartOnFailure = this.#retry.restartOnFailure
    let restart = retriable
    if (retriable && restartOnFailure) {
      restart = await restartOnFailure(err).catch((error: Error) => {
        this.#logger.error(
          'Caught error when invoking user-provided "restartOnFailure" callback. Defaulting to restarting.',
          { error: error?.message ?? error, cause: err.message, groupId: this.#groupId },
        )
        return true
      })
    }
    this.#emitter.emit(ConsumerEventNames.CRASH, { error: err, groupId: this.#groupId, restart })
    if (restart) {
      const retryTime = err.retryTime || retrier.initialRetryTime
      this.#logger.error(`Restarting the consumer in ${retryTime}ms`, {
        retryCount: err.retryCount,
        retryTime,
        groupId: this.#groupId,
      })
      this.#restartTimeout = setTimeout(() => {
        this.#start(config).catch(() => {}) // #start handles its own failures (a crash)
      }, retryTime)
    }
  }

  async stop(): Promise<void> {
    this.#stopping ??= this.#stop().finally(() => {
      this.#stopping = null
    })
    return this.#stopping
  }

  async #stop(): Promise<void> {
    try {
      const runner = this.#runner
      const native = this.#native
      if (runner !== null) {
        this.#logger.debug('stop consumer group', { groupId: this.#groupId })
        await runner.stop()
        await native?.close().catch(() => {}) // leaves the group (the listener commits what was resolved)
        this.#runner = null
        this.#native = null
        // It borrowed the cluster: its connections (a Fetch parked on the broker among them) would hold up
        // the next run()'s requests, so the next connect starts a fresh cluster.
        const shared = this.#shared
        this.#shared = null
        await shared?.cluster.close().catch(() => {})
        this.#emitter.emit(ConsumerEventNames.STOP)
      }
      clearTimeout(this.#restartTimeout)
      this.#logger.info('Stopped', { groupId: this.#groupId })
    } catch (e) {
      const err = e as Error
      this.#logger.error(`Caught error when stopping the consumer: ${err.message}`, {
        stack: err.stack,
        groupId: this.#groupId,
      })
      throw e
    }
  }

  // --- offsets --------------------------------------------------------------------------------------------

  async commitOffsets(topicPartitions: TopicPartitionOffsetAndMetadata[] = []): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: string; metadata: string | null }[]>()
    for (const { topic, partition, offset, metadata = null } of topicPartitions) {
      if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
      if (Number.isNaN(Number(partition)) || partition === undefined || partition === null) {
        throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${partition}`)
      }
      const value = toLong(offset)
      if (value === null) throw new KafkaJSNonRetriableError(`Invalid offset, expected a long received ${offset}`)
      if (value < 0n) throw new KafkaJSNonRetriableError('Offset must not be a negative number')
      if (metadata !== null && typeof metadata !== 'string') {
        throw new KafkaJSNonRetriableError(`Invalid offset metadata, expected string or null, received ${metadata}`)
      }
      let list = byTopic.get(topic)
      if (list === undefined) byTopic.set(topic, (list = []))
      list.push({ partition, offset: value.toString(), metadata })
    }
    const runner = this.#runner
    if (runner === null) throw new KafkaJSNonRetriableError(NOT_RUNNING)
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))
    const retrier = new KafkaJSRetrier(this.#retry)
    for (;;) {
      try {
        await runner.commitGiven(topics)
        return
      } catch (e) {
        if (!runner.running) return
        const err = toKafkaJSError(e)
        if (!retriable(err)) throw wrap(err, null)
        const attempt = retrier.next()
        if (attempt === null) throw wrap(err, retrier.last)
        await new Promise((r) => setTimeout(r, attempt.retryTime))
      }
    }
  }

  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    if (Number.isNaN(Number(partition)) || partition === undefined || partition === null) {
      throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${partition}`)
    }
    const value = toLong(offset)
    if (value === null) throw new KafkaJSNonRetriableError(`Invalid offset, expected a long received ${offset}`)
    if (value < 0n && value !== -1n && value !== -2n) {
      throw new KafkaJSNonRetriableError('Offset must not be a negative number')
    }
    if (this.#runner === null) throw new KafkaJSNonRetriableError(NOT_RUNNING)
    this.#runner.seek(topic, partition, value.toString())
  }

  /**
   * kafkajs's GroupDescription. The members' metadata and assignment are kafkajs's MemberMetadata and
   * MemberAssignment encodings (version 0, no userData) of what the native Admin decoded: the bytes a member
   * sent are not kept (a documented difference).
   */
  async describeGroup(): Promise<ConsumerGroupDescription> {
    const retrier = new KafkaJSRetrier(this.#retry)
    for (;;) {
      try {
        const admin = await this.#admin()
        const [g] = await admin.describeGroups([this.#groupId]).catch((e: { errorCode?: number }) => {
          if (e?.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) return [null] // kafkajs: a 'Dead' group, no error
          throw e
        })
        if (!g)
          return { errorCode: 0, groupId: this.#groupId, state: 'Dead', protocolType: '', protocol: '', members: [] }
        return {
          errorCode: 0,
          groupId: g.groupId,
          state: g.state as ConsumerGroupState,
          protocolType: g.protocolType,
          protocol: g.protocol,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics: m.subscribedTopics ?? [] }),
            memberAssignment: AssignerProtocol.MemberAssignment.encode({
              version: 0,
              assignment: Object.fromEntries(m.assignment.map((t) => [t.topic, t.partitions])),
            }),
          })),
        }
      } catch (e) {
        const err = toKafkaJSError(e)
        if (!retriable(err)) throw wrap(err, null)
        const attempt = retrier.next()
        if (attempt === null) throw wrap(err, retrier.last)
        await new Promise((r) => setTimeout(r, attempt.retryTime))
      }
    }
  }

  /** The native clients' options, with this consumer's request observer (REQUEST events). */
  async #clientOptions(): Promise<CommonClientOptions> {
    return withRequestObserver(await this.#context.clientOptions('Consumer'), this.#emitter.requestObserver)
  }

  /**
   * A native Admin for what kafkajs's consumer asks its cluster outside the group (topic list, group
   * description), on the consumer's cluster (borrowed, SHARED_CLUSTER): a new one when stop() replaced it.
   */
  async #admin(): Promise<Admin> {
    const shared = await this.#connectCluster()
    if (this.#nativeAdmin?.shared === shared) return this.#nativeAdmin.admin
    const options = { ...(await this.#clientOptions()), [SHARED_CLUSTER]: shared } as AdminOptions
    const earlier = this.#nativeAdmin
    if (earlier?.shared === shared) return earlier.admin // made by a concurrent call meanwhile
    const admin = new Admin(options)
    this.#nativeAdmin = { shared, admin }
    await earlier?.admin.close() // unbinds it from the cluster stop() closed
    return admin
  }

  // --- flow control ------------------------------------------------------------------------------------------

  pause(topicPartitions: { topic: string; partitions?: number[] }[] = []): void {
    checkTopicPartitions(topicPartitions, 'pause')
    if (this.#runner === null) throw new KafkaJSNonRetriableError(NOT_RUNNING)
    this.#logger.info(`Pausing fetching from ${topicPartitions.length} topics`, { topicPartitions })
    this.#runner.pause(topicPartitions)
  }

  resume(topicPartitions: { topic: string; partitions?: number[] }[] = []): void {
    checkTopicPartitions(topicPartitions, 'resume')
    if (this.#runner === null) throw new KafkaJSNonRetriableError(NOT_RUNNING)
    this.#logger.info(`Resuming fetching from ${topicPartitions.length} topics`, { topicPartitions })
    this.#runner.resume(topicPartitions)
  }

  paused(): TopicPartitions[] {
    return this.#runner === null ? [] : this.#runner.pauses.paused()
  }

  // --- events and logger --------------------------------------------------------------------------------------

  on(eventName: ConsumerEventName, listener: (event: InstrumentationEvent<any>) => void): () => void {
    return this.#emitter.on(eventName, listener as (event: InstrumentationEvent<unknown>) => unknown)
  }

  logger(): KafkaJSLogger {
    return this.#logger
  }
}

async function commitThrough(native: NativeConsumer, topics: TopicOffsets[]): Promise<void> {
  const offsets = topics.flatMap(({ topic, partitions }) =>
    partitions.map((p) => ({
      topic,
      partition: Number(p.partition),
      offset: BigInt(p.offset),
      ...((p as { metadata?: string | null }).metadata != null
        ? { metadata: (p as { metadata?: string | null }).metadata }
        : {}),
    })),
  )
  try {
    await native.commitSync(offsets)
  } catch (e) {
    throw toKafkaJSError(e)
  }
}

function partitionMetadata(cluster: Cluster, topic: string): PartitionMetadata[] {
  const md = cluster.topic(topic)
  if (md === undefined) return []
  return md.partitions.map((p) => ({
    partitionErrorCode: p.errorCode,
    partitionId: p.partition,
    leader: p.leaderId,
    replicas: p.replicas,
    isr: p.isr,
    offlineReplicas: p.offlineReplicas,
  }))
}

/** kafkajs's Long.fromValue (its BigInt conversions): the value, or null where kafkajs's conversion throws. */
function toLong(v: unknown): bigint | null {
  try {
    if (typeof v === 'number') return Number.isNaN(v) ? 0n : BigInt(v)
    if (typeof v === 'string') {
      if (v.length === 0) return null
      if (v === 'NaN' || v === 'Infinity' || v === '+Infinity' || v === '-Infinity') return 0n
      return BigInt(v)
    }
    if (typeof v === 'bigint') return v
    if (typeof (v as { value?: unknown }).value === 'bigint') return (v as { value: bigint }).value
    return BigInt(v as never)
  } catch {
    return null
  }
}

function checkTopicPartitions(tps: { topic: string; partitions?: number[] }[], verb: 'pause' | 'resume'): void {
  for (const tp of tps) {
    if (!tp?.topic) throw new KafkaJSNonRetriableError(`Invalid topic ${tp?.topic || tp}`)
    if (
      tp.partitions !== undefined &&
      (!Array.isArray(tp.partitions) || tp.partitions.some((p) => Number.isNaN(Number(p))))
    ) {
      throw new KafkaJSNonRetriableError(
        `Array of valid partitions required to ${verb} specific partitions instead of ${tp.partitions}`,
      )
    }
  }
}

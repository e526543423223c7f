/**
 * kafka-wire's `node:diagnostics_channel` channels (docs/observability.md): one tracing channel
 * per traced operation, named `kafka-wire:<area>:<operation>`, and the payload ("message") each
 * publishes. The payload types are public and stable: fields are only ever added.
 *
 * Owned here, published by the layers that run the operations (network/, cluster/, producer/,
 * consumer/, admin/); subscribed to by applications and by kafka-wire/otel (src/otel). This module
 * imports nothing of kafka-wire, so every layer may import it (docs/DESIGN.md, Layers).
 *
 * Cost when nobody listens: every publisher checks `hasSubscribers` before it builds a payload, so
 * an unobserved client allocates nothing for diagnostics (`traced()` is only reached after that check).
 *
 * A tracing channel publishes `start` (before the operation; a subscriber may still change what
 * the payload says is mutable, e.g. producer:send's `headers`), `end` (the synchronous part
 * returned), then `asyncStart`/`asyncEnd` when the promise settles, with `result` on success or
 * `error` (also published on the `error` channel) on failure. The payload object is the same
 * object throughout, so a subscriber can keep its state on it (a WeakMap keyed by it).
 */
import * as dc from 'node:diagnostics_channel'

/** The prefix of every channel name. */
export const CHANNEL_PREFIX = 'kafka-wire:'

/** A header value as a record carries it (string is UTF-8 on the wire). */
export type DiagnosticsHeaderValue = string | Uint8Array | null

/** Fields every traced payload may carry once its operation has settled. */
export interface TracedMessage<R = unknown> {
  /** Set before asyncEnd when the operation succeeded. */
  result?: R
  /** Set before `error` is published when the operation failed. */
  error?: unknown
}

/** `kafka-wire:producer:send`: one record, from send() to its acknowledgement. */
export interface ProducerSendMessage extends TracedMessage<{ topic: string; partition: number; offset: bigint }> {
  clientId: string
  topic: string
  /** The partition the application asked for; undefined when the partitioner chooses. */
  partition: number | undefined
  /** The key as given to send() (before serialization). */
  key: unknown
  /**
   * The record's headers as [key, value] pairs. Mutable during `start`: pairs a subscriber pushes
   * are sent with the record (kafka-wire/otel adds `traceparent` here). The application's own
   * headers object is never changed.
   */
  headers: [string, DiagnosticsHeaderValue][]
}

/** `kafka-wire:producer:produce`: one Produce request to one broker. */
export interface ProducerProduceMessage extends TracedMessage {
  clientId: string
  nodeId: number
  /** The batches' partitions (topic names where the request names topics; '' under Produce v13 topic ids). */
  partitions: { topic: string; partition: number }[]
}

/** `kafka-wire:consumer:poll`: one Consumer.poll() call; `result` is its ConsumerRecords. */
export interface ConsumerPollMessage extends TracedMessage<{ count: number } & Iterable<ConsumedRecordLike>> {
  clientId: string
  groupId: string | null
  timeoutMs: number
}

/** `kafka-wire:consumer:fetch`: one Fetch request to one broker. */
export interface ConsumerFetchMessage extends TracedMessage {
  clientId: string
  groupId: string | null
  nodeId: number
  partitions: { topic: string; partition: number; fetchOffset: bigint }[]
}

/** A consumed record as the process channel hands it out (kafka-wire's ConsumerRecord). */
export interface ConsumedRecordLike {
  topic: string
  partition: number
  offset: bigint
  key: unknown
  /** kafka-wire's records: { key, value } objects (value a Buffer or null). */
  headers: ReadonlyArray<{ key: string; value: Uint8Array | null }>
}

/**
 * `kafka-wire:consumer:process`: one record handed out by the consumer's async iterator, from the
 * `yield` until the application asks for the next record (or leaves the loop). Not published for
 * records taken through poll() (kafka-wire cannot know when the application is done with them).
 */
export interface ConsumerProcessMessage extends TracedMessage {
  clientId: string
  groupId: string | null
  record: ConsumedRecordLike
}

/** `kafka-wire:consumer:commit`: one offset commit (commitSync, commitAsync, auto-commit). */
export interface ConsumerCommitMessage extends TracedMessage {
  clientId: string
  groupId: string | null
  offsets: { topic: string; partition: number; offset: bigint }[]
}

/** `kafka-wire:group:join` / `kafka-wire:group:sync`: JoinGroup / SyncGroup (classic protocol). */
export interface GroupRequestMessage extends TracedMessage {
  clientId: string
  groupId: string
  memberId: string
  /** The generation sent (-1 before the first JoinGroup); JoinGroup's new one is in `result`. */
  generationId: number
  coordinatorId: number
}

/** `kafka-wire:group:rebalance`: one rebalance listener callback (both group protocols). */
export interface GroupRebalanceMessage extends TracedMessage {
  clientId: string
  groupId: string
  kind: 'onPartitionsRevoked' | 'onPartitionsAssigned' | 'onPartitionsLost'
  partitions: { topic: string; partition: number }[]
}

/**
 * `kafka-wire:group:heartbeat` (a plain channel): the heartbeat thread got a heartbeat response
 * (classic Heartbeat or KIP-848 ConsumerGroupHeartbeat). Published on the main thread when the
 * thread reports it, so after the fact; the counts are the member's totals so far.
 */
export interface GroupHeartbeatMessage {
  clientId: string
  groupId: string
  /** Heartbeats sent and responses received by this member so far. */
  sent: number
  received: number
}

/** `kafka-wire:admin:call`: one Admin call. */
export interface AdminCallMessage extends TracedMessage {
  clientId: string
  /** The Admin method, e.g. 'createTopics' ('composite' for a call made of several operations). */
  operation: string
  /** The Kafka API of the call's first request, e.g. 'CreateTopics'; undefined for a composite call. */
  api: string | undefined
}

/** `kafka-wire:connection:open` / `kafka-wire:connection:auth`. */
export interface ConnectionMessage extends TracedMessage {
  clientId: string
  host: string
  port: number
  /** -1 for a bootstrap connection. */
  nodeId: number
  workload: string | undefined
  /** connection:auth only: the SASL mechanism. */
  mechanism?: string
}

/** `kafka-wire:connection:close` (a plain channel): a connection closed. */
export interface ConnectionCloseMessage {
  clientId: string
  host: string
  port: number
  nodeId: number
  workload: string | undefined
  /** Why it closed (a ClosedError for an orderly close). */
  reason: Error
}

/** `kafka-wire:metadata:refresh`: one Metadata request. */
export interface MetadataRefreshMessage extends TracedMessage {
  clientId: string
  topics: readonly string[] | 'all'
}

/**
 * One operation's tracing channel (node:diagnostics_channel's TracingChannel) as kafka-wire uses
 * it, named without TracingChannel's type parameters: @types/node swapped them (StoreType first in
 * the 20.x types this repository builds with, ContextType first in 26.x, which zstd-napi brings), so
 * a declaration that names them type-checks against one of the two only, and `skipLibCheck: false`
 * applications get whichever version their dependencies bring. test/unit/package/install.test.ts
 * type-checks the installed package.
 */
export interface Traced<M extends object> {
  readonly start: dc.Channel
  readonly end: dc.Channel
  readonly asyncStart: dc.Channel
  readonly asyncEnd: dc.Channel
  readonly error: dc.Channel
  readonly hasSubscribers: boolean
  subscribe(subscribers: dc.TracingChannelSubscribers<M>): void
  unsubscribe(subscribers: dc.TracingChannelSubscribers<M>): void
}

const tc = <M extends object>(name: string): Traced<M> => dc.tracingChannel<unknown, M>(`${CHANNEL_PREFIX}${name}`)

/** Every channel kafka-wire publishes on. */
export const channels = {
  producerSend: tc<ProducerSendMessage>('producer:send'),
  producerProduce: tc<ProducerProduceMessage>('producer:produce'),
  consumerPoll: tc<ConsumerPollMessage>('consumer:poll'),
  consumerFetch: tc<ConsumerFetchMessage>('consumer:fetch'),
  consumerProcess: tc<ConsumerProcessMessage>('consumer:process'),
  consumerCommit: tc<ConsumerCommitMessage>('consumer:commit'),
  groupJoin: tc<GroupRequestMessage>('group:join'),
  groupSync: tc<GroupRequestMessage>('group:sync'),
  groupRebalance: tc<GroupRebalanceMessage>('group:rebalance'),
  groupHeartbeat: dc.channel(`${CHANNEL_PREFIX}group:heartbeat`),
  adminCall: tc<AdminCallMessage>('admin:call'),
  connectionOpen: tc<ConnectionMessage>('connection:open'),
  connectionAuth: tc<ConnectionMessage>('connection:auth'),
  connectionClose: dc.channel(`${CHANNEL_PREFIX}connection:close`),
  metadataRefresh: tc<MetadataRefreshMessage>('metadata:refresh'),
} as const

/**
 * Runs `fn` traced on `channel` with `message`, and returns fn's own promise (not a derived one,
 * unlike TracingChannel.tracePromise): a caller's promise that is marked handled stays so.
 * Call only after checking `channel.hasSubscribers`.
 */
export function traced<T, M extends TracedMessage<any>>(
  channel: Traced<M>,
  message: M,
  fn: () => Promise<T>,
  /** What subscribers see as `result`, when it is not the value itself. */
  view?: (result: T) => M['result'],
): Promise<T> {
  let promise: Promise<T>
  channel.start.publish(message)
  try {
    promise = fn()
  } catch (err) {
    message.error = err
    channel.error.publish(message)
    throw err
  } finally {
    channel.end.publish(message)
  }
  promise.then(
    (result) => {
      message.result = view === undefined ? result : view(result)
      channel.asyncStart.publish(message)
      channel.asyncEnd.publish(message)
    },
    (err) => {
      message.error = err
      channel.error.publish(message)
      channel.asyncStart.publish(message)
      channel.asyncEnd.publish(message)
    },
  )
  return promise
}

/**
 * Yields `value` traced on `channel`: `start` as it is handed out, then `end`, `asyncStart` and
 * `asyncEnd` when the consumer of the generator asks for the next value or stops (consumer:process).
 */
export function* tracedYield<T, M extends TracedMessage<any>>(channel: Traced<M>, message: M, value: T): Generator<T> {
  channel.start.publish(message)
  try {
    yield value
  } finally {
    channel.end.publish(message)
    channel.asyncStart.publish(message)
    channel.asyncEnd.publish(message)
  }
}

/** A client's id from its cluster (`cluster.options.clientId`); '' for a test double without options. */
export function clientIdOf(cluster: unknown): string {
  return (cluster as { options?: { clientId?: string } }).options?.clientId ?? ''
}

/** Publishes `kafka-wire:group:heartbeat` (when someone subscribes). */
export function publishHeartbeat(cluster: unknown, groupId: string, stats: { sent: number; received: number }): void {
  if (!channels.groupHeartbeat.hasSubscribers) return
  const message: GroupHeartbeatMessage = {
    clientId: clientIdOf(cluster),
    groupId,
    sent: stats.sent,
    received: stats.received,
  }
  channels.groupHeartbeat.publish(message)
}

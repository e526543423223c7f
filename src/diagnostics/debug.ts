/**
 * `KAFKA_WIRE_DEBUG=<category>,…`: selective debug output (librdkafka's `debug`), one line per
 * meaningful event with its context (client id, broker, topic-partitions, group, generation),
 * credentials never included (docs/observability.md, "Debug output").
 *
 * Built on the diagnostics channels: a category subscribes to its channels the first time a client
 * is created with it enabled (so with KAFKA_WIRE_DEBUG unset nothing subscribes and nothing is
 * built). `protocol` (every request and response) comes from the connections' sensors instead
 * (network/debug.ts). A line goes to the logger of the client that named it when that logger
 * prints debug (Log.debugLine: the line for a text logger, a record with the event's fields for a
 * structured one), otherwise to stderr.
 *
 * Called by cluster/ (through network/debug.ts) when a client is created.
 */
import { ConfigError } from '../errors.js'
import { errorText, type Log, type LogContext } from '../internal/log.js'
import {
  type AdminCallMessage,
  type ConnectionCloseMessage,
  type ConnectionMessage,
  type ConsumerCommitMessage,
  type ConsumerFetchMessage,
  type ConsumerPollMessage,
  channels,
  type GroupHeartbeatMessage,
  type GroupRebalanceMessage,
  type GroupRequestMessage,
  type MetadataRefreshMessage,
  type ProducerProduceMessage,
  type ProducerSendMessage,
  type Traced,
  type TracedMessage,
} from './index.js'

/** The categories of KAFKA_WIRE_DEBUG (`all` enables every one). */
export const DEBUG_CATEGORIES = [
  'connection',
  'protocol',
  'metadata',
  'producer',
  'fetch',
  'consumer',
  'group',
  'admin',
] as const
export type DebugCategory = (typeof DEBUG_CATEGORIES)[number]

/** The environment variable read when a client is created. */
export const DEBUG_ENV = 'KAFKA_WIRE_DEBUG'

/** Parses `connection,group` (commas or spaces; `all`). An unknown name is a ConfigError naming the variable. */
export function parseDebugCategories(value: string | undefined): ReadonlySet<DebugCategory> {
  const out = new Set<DebugCategory>()
  for (const raw of (value ?? '').split(/[\s,]+/)) {
    const name = raw.trim().toLowerCase()
    if (name === '') continue
    if (name === 'all') for (const c of DEBUG_CATEGORIES) out.add(c)
    else if ((DEBUG_CATEGORIES as readonly string[]).includes(name)) out.add(name as DebugCategory)
    else {
      throw new ConfigError(DEBUG_ENV, `unknown debug category '${raw}' (known: ${DEBUG_CATEGORIES.join(', ')}, all)`)
    }
  }
  return out
}

/** Where a client's lines go: its logger's debug when it prints debug, else stderr (also for the default, silent logger). */
const sinks = new Map<string, Log>()
const subscribed = new Set<DebugCategory>()

/**
 * Writes one debug line for `clientId` to its sink: a text logger and stderr get the line, a
 * structured logger (logFormat 'object' or 'meta') the record `{ clientId, category, ...context }`.
 */
export function debugLine(category: DebugCategory, clientId: string, text: string, context: LogContext = {}): void {
  const line = `kafka-wire [${category}] client=${clientId} ${text}`
  const log = sinks.get(clientId)
  if (log?.debugLine({ category, ...context }, `kafka-wire [${category}] ${text}`, line)) return
  process.stderr.write(`${new Date().toISOString()} ${line}\n`)
}

/** Turns `categories` on for the process and routes `clientId`'s lines to `logger` (see debugLine). */
export function enableDebug(categories: ReadonlySet<DebugCategory>, clientId: string, logger: Log): void {
  sinks.set(clientId, logger)
  for (const c of categories) {
    if (subscribed.has(c)) continue
    subscribed.add(c)
    SUBSCRIBE[c]()
  }
}

type Channel<M extends object> = Traced<M>

/**
 * Logs `what` when the operation settles: `ok in N ms` (plus `detail(result)`) or the error; the
 * record's fields are `fields(m)`, `durationMs` and `err`.
 */
function traced<M extends TracedMessage<any> & { clientId: string }>(
  category: DebugCategory,
  channel: Channel<M>,
  what: (m: M) => string,
  fields: (m: M) => LogContext,
  detail?: (m: M) => string,
): void {
  const started = new WeakMap<object, number>()
  channel.subscribe({
    start: (m) => started.set(m, performance.now()),
    end() {},
    asyncStart() {},
    asyncEnd: (m) => {
      const ms = (performance.now() - (started.get(m) ?? performance.now())).toFixed(1)
      const outcome =
        m.error === undefined
          ? `ok in ${ms} ms${detail === undefined ? '' : `: ${detail(m)}`}`
          : `failed in ${ms} ms: ${errorText(m.error)}`
      debugLine(category, m.clientId, `${what(m)} ${outcome}`, { ...fields(m), durationMs: Number(ms), err: m.error })
    },
    error() {},
  })
}

const partitions = (ps: readonly { topic: string; partition: number }[]): string => {
  const shown = ps.slice(0, 8).map((p) => `${p.topic}-${p.partition}`)
  return ps.length > 8 ? `${shown.join(',')},… (${ps.length})` : shown.join(',')
}
const tpList = (ps: readonly { topic: string; partition: number }[]) => ps.map((p) => `${p.topic}-${p.partition}`)
type Endpoint = { host: string; port: number; nodeId: number; workload: string | undefined }
const broker = (m: Endpoint) =>
  `node=${m.nodeId} broker=${m.host}:${m.port}${m.workload === undefined ? '' : ` workload=${m.workload}`}`
const brokerFields = (m: Endpoint): LogContext => ({
  nodeId: m.nodeId,
  broker: `${m.host}:${m.port}`,
  workload: m.workload,
})
const group = (m: GroupRequestMessage) =>
  `group=${m.groupId} member=${m.memberId || '-'} generation=${m.generationId} coordinator=${m.coordinatorId}`
const groupFields = (m: GroupRequestMessage): LogContext => ({
  groupId: m.groupId,
  memberId: m.memberId || undefined,
  generationId: m.generationId,
  coordinatorId: m.coordinatorId,
})

const SUBSCRIBE: Record<DebugCategory, () => void> = {
  connection() {
    traced<ConnectionMessage>('connection', channels.connectionOpen, (m) => `connect ${broker(m)}`, brokerFields)
    traced<ConnectionMessage>(
      'connection',
      channels.connectionAuth,
      (m) => `SASL ${m.mechanism} ${broker(m)}`,
      (m) => ({ ...brokerFields(m), mechanism: m.mechanism }),
    )
    channels.connectionClose.subscribe((raw) => {
      const m = raw as ConnectionCloseMessage
      debugLine('connection', m.clientId, `closed ${broker(m)}: ${errorText(m.reason)}`, {
        ...brokerFields(m),
        err: m.reason,
      })
    })
  },
  // Requests and responses: network/debug.ts (the connections' sensors).
  protocol() {},
  metadata() {
    traced<MetadataRefreshMessage>(
      'metadata',
      channels.metadataRefresh,
      (m) => `Metadata ${m.topics === 'all' ? 'all topics' : `topics=${m.topics.join(',') || '-'}`}`,
      (m) => ({ topics: m.topics }),
    )
  },
  producer() {
    traced<ProducerProduceMessage>(
      'producer',
      channels.producerProduce,
      (m) => `Produce node=${m.nodeId} partitions=${partitions(m.partitions)}`,
      (m) => ({ nodeId: m.nodeId, partitions: tpList(m.partitions) }),
    )
    // Failed records only: a line per acknowledged record would drown everything else.
    channels.producerSend.subscribe({
      start() {},
      end() {},
      asyncStart() {},
      asyncEnd() {},
      error: (m: ProducerSendMessage) =>
        debugLine(
          'producer',
          m.clientId,
          `send to ${m.topic}${m.partition === undefined ? '' : `-${m.partition}`} failed: ${errorText(m.error)}`,
          { topic: m.topic, partition: m.partition, err: m.error },
        ),
    })
  },
  fetch() {
    traced<ConsumerFetchMessage>(
      'fetch',
      channels.consumerFetch,
      (m) =>
        `Fetch node=${m.nodeId}${m.groupId === null ? '' : ` group=${m.groupId}`} ` +
        partitions(m.partitions.map((p) => ({ topic: `${p.topic}`, partition: p.partition }))) +
        ` offsets=${m.partitions
          .slice(0, 8)
          .map((p) => p.fetchOffset)
          .join(',')}`,
      (m) => ({ nodeId: m.nodeId, groupId: m.groupId ?? undefined, partitions: tpList(m.partitions) }),
    )
  },
  consumer() {
    traced<ConsumerPollMessage>(
      'consumer',
      channels.consumerPoll,
      (m) => `poll(${m.timeoutMs})${m.groupId === null ? '' : ` group=${m.groupId}`}`,
      (m) => ({ groupId: m.groupId ?? undefined, timeoutMs: m.timeoutMs, count: m.result?.count }),
      (m) => `${m.result?.count ?? 0} records`,
    )
  },
  group() {
    traced<GroupRequestMessage>(
      'group',
      channels.groupJoin,
      (m) => `JoinGroup ${group(m)}`,
      groupFields,
      (m) => {
        const r = m.result as
          | { errorCode?: number; generationId?: number; memberId?: string; leader?: string }
          | undefined
        if (r?.errorCode) return `error code ${r.errorCode} (member=${r.memberId || '-'})`
        return `generation=${r?.generationId} member=${r?.memberId}${r?.leader === r?.memberId ? ' (leader)' : ''}`
      },
    )
    traced<GroupRequestMessage>('group', channels.groupSync, (m) => `SyncGroup ${group(m)}`, groupFields)
    traced<GroupRebalanceMessage>(
      'group',
      channels.groupRebalance,
      (m) => `${m.kind} group=${m.groupId} partitions=${partitions(m.partitions) || '-'}`,
      (m) => ({ groupId: m.groupId, callback: m.kind, partitions: tpList(m.partitions) }),
    )
    traced<ConsumerCommitMessage>(
      'group',
      channels.consumerCommit,
      (m) =>
        `OffsetCommit group=${m.groupId ?? '-'} ${m.offsets
          .slice(0, 8)
          .map((o) => `${o.topic}-${o.partition}@${o.offset}`)
          .join(',')}${m.offsets.length > 8 ? `,… (${m.offsets.length})` : ''}`,
      (m) => ({
        groupId: m.groupId ?? undefined,
        offsets: m.offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`),
      }),
    )
    channels.groupHeartbeat.subscribe((raw) => {
      const m = raw as GroupHeartbeatMessage
      debugLine('group', m.clientId, `heartbeat group=${m.groupId} sent=${m.sent} received=${m.received}`, {
        groupId: m.groupId,
        sent: m.sent,
        received: m.received,
      })
    })
  },
  admin() {
    traced<AdminCallMessage>(
      'admin',
      channels.adminCall,
      (m) => `${m.operation}${m.api === undefined ? '' : ` (${m.api})`}`,
      (m) => ({ operation: m.operation, api: m.api }),
    )
  },
}

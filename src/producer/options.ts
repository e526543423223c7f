/**
 * Producer options: the Java producer's configs camelCased, with the Java defaults, checked
 * once at construction. A bad value throws ConfigError naming the option.
 *
 * Idempotence follows ProducerConfig.postProcessAndValidateIdempotenceConfigs: it is on by
 * default and needs acks 'all', retries > 0 and maxInFlightRequestsPerConnection ≤ 5. When
 * the application set `enableIdempotence: true` itself, a conflicting setting is a
 * ConfigError; when idempotence is only on by default, a conflicting setting (say acks 1)
 * turns it off, as in the Java client.
 */
import { ConfigError } from '../errors.js'
import { type CompressionName, CompressionType } from '../protocol/records/compression/index.js'
import type { Partitioner } from './partitioner.js'
import type { Serializer } from './serializers.js'

/** Where a failed record is reported besides its promise. */
export interface ProducerErrorInfo {
  topic: string
  partition?: number
  /** Records that failed together (one batch, or 1 for a record rejected at send()). */
  recordCount: number
}

/** Producer-specific options (the connection options are the shared CommonClientOptions). */
export interface ProducerConfig<K = unknown, V = unknown> {
  /** 0: no response; 1: the leader wrote it; 'all' (or -1): every in-sync replica has it. Default 'all'. */
  acks?: 0 | 1 | -1 | 'all'
  /** Exactly-once delivery per partition within one producer session. Default true. */
  enableIdempotence?: boolean
  /** How long a batch may wait for more records before it is sent. Default 5. */
  lingerMs?: number
  /** Upper bound on a batch's size in bytes (before compression, estimated after). Default 16384. */
  batchSize?: number
  /** Bytes held by unsent and in-flight batches; send() waits when it is used up. Default 33554432. */
  bufferMemory?: number
  /** How long send() may wait for metadata or buffer memory before it rejects with TimeoutError. Default 60000. */
  maxBlockMs?: number
  /** Default 'none'. */
  compressionType?: CompressionName
  /** Codec level: gzip 1–9, lz4 1–17, zstd -131072–22. Default: the codec's default. */
  compressionLevel?: number
  /** How many times a batch is retried (bounded by deliveryTimeoutMs anyway). Default 2147483647. */
  retries?: number
  /** Upper bound on the time from send() to success or failure. Default 120000. */
  deliveryTimeoutMs?: number
  /** Produce requests in flight per broker. Default 5 (at most 5 with idempotence). */
  maxInFlightRequestsPerConnection?: number
  /** Largest Produce request (and so the largest record) in bytes. Default 1048576. */
  maxRequestSize?: number
  /** A custom partitioner; return undefined to use the built-in one for a record. */
  partitioner?: Partitioner
  /** Ignore keys when choosing partitions (sticky for every record). Default false. */
  partitionerIgnoreKeys?: boolean
  /** Prefer partitions with shorter queues when switching the sticky partition. Default true. */
  partitionerAdaptivePartitioningEnable?: boolean
  /** Default: accepts string | Buffer | Uint8Array | null. */
  keySerializer?: Serializer<K>
  /** Default: accepts string | Buffer | Uint8Array | null. */
  valueSerializer?: Serializer<V>
  /** Called for every failed record batch (and records rejected at send()), besides rejecting their promises. */
  onError?: (error: Error, info: ProducerErrorInfo) => void
  /**
   * Makes the producer transactional (docs/transactions.md): records are sent inside
   * beginTransaction() … commitTransaction(); a newer producer with the same id fences this one.
   * Implies idempotence and needs acks 'all'.
   */
  transactionalId?: string
  /** How long the coordinator lets a transaction stay open before it aborts it. Default 60000. */
  transactionTimeoutMs?: number
}

export interface ResolvedProducerConfig<K = unknown, V = unknown> {
  acks: 0 | 1 | -1
  idempotent: boolean
  lingerMs: number
  batchSize: number
  bufferMemory: number
  maxBlockMs: number
  compressionType: CompressionType
  compressionName: CompressionName
  compressionLevel: number | undefined
  retries: number
  deliveryTimeoutMs: number
  requestTimeoutMs: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  maxInFlightRequestsPerConnection: number
  maxRequestSize: number
  partitioner: Partitioner | undefined
  partitionerIgnoreKeys: boolean
  adaptivePartitioning: boolean
  keySerializer: Serializer<K> | undefined
  valueSerializer: Serializer<V> | undefined
  onError: ((error: Error, info: ProducerErrorInfo) => void) | undefined
  /** Why idempotence was turned off although it defaults to on, for an info log. */
  idempotenceDisabledReason: string | undefined
  transactionalId: string | undefined
  transactionTimeoutMs: number
}

export const PRODUCER_DEFAULTS = {
  acks: -1,
  lingerMs: 5,
  batchSize: 16384,
  bufferMemory: 33554432,
  maxBlockMs: 60000,
  retries: 2147483647,
  deliveryTimeoutMs: 120000,
  requestTimeoutMs: 30000,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1000,
  maxInFlightRequestsPerConnection: 5,
  maxRequestSize: 1048576,
} as const

const MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5
const INT32_MAX = 2147483647

const COMPRESSION_BY_NAME: Record<CompressionName, CompressionType> = {
  none: CompressionType.NONE,
  gzip: CompressionType.GZIP,
  snappy: CompressionType.SNAPPY,
  lz4: CompressionType.LZ4,
  zstd: CompressionType.ZSTD,
}

const LEVELS: Partial<Record<CompressionName, [number, number]>> = {
  gzip: [1, 9],
  lz4: [1, 17],
  zstd: [-131072, 22],
}

/** Names of the producer's own options (the rest of an options object must be a shared option). */
export const PRODUCER_OPTION_NAMES: ReadonlySet<string> = new Set<string>([
  'acks',
  'enableIdempotence',
  'lingerMs',
  'batchSize',
  'bufferMemory',
  'maxBlockMs',
  'compressionType',
  'compressionLevel',
  'retries',
  'deliveryTimeoutMs',
  'maxInFlightRequestsPerConnection',
  'maxRequestSize',
  'partitioner',
  'partitionerIgnoreKeys',
  'partitionerAdaptivePartitioningEnable',
  'keySerializer',
  'valueSerializer',
  'onError',
  // Transactions (docs/transactions.md): known names, so they are validated rather than unknown.
  'transactionalId',
  'transactionTimeoutMs',
])

function int(option: string, value: unknown, fallback: number, min: number, max = INT32_MAX): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(option, `expected an integer in [${min}, ${max}], got ${String(value)}`)
  }
  return value
}

function bool(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new ConfigError(option, `expected a boolean, got ${String(value)}`)
  return value
}

function fn<T>(option: string, value: unknown): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw new ConfigError(option, `expected a function, got ${typeof value}`)
  return value as T
}

/**
 * Validates the producer options and fills in defaults. `common` carries the shared options
 * the producer also uses (requestTimeoutMs, retryBackoffMs, retryBackoffMaxMs).
 */
export function resolveProducerConfig<K, V>(
  options: ProducerConfig<K, V>,
  common: { requestTimeoutMs?: number; retryBackoffMs?: number; retryBackoffMaxMs?: number } = {},
): ResolvedProducerConfig<K, V> {
  const o = options as ProducerConfig<K, V> & Record<string, unknown>
  let acks: 0 | 1 | -1
  switch (o.acks) {
    case undefined:
    case 'all':
    case -1:
      acks = -1
      break
    case 0:
    case 1:
      acks = o.acks
      break
    default:
      throw new ConfigError('acks', `expected 0, 1, -1 or 'all', got ${String(o.acks)}`)
  }
  const lingerMs = int('lingerMs', o.lingerMs, PRODUCER_DEFAULTS.lingerMs, 0)
  const batchSize = int('batchSize', o.batchSize, PRODUCER_DEFAULTS.batchSize, 1)
  const bufferMemory = int('bufferMemory', o.bufferMemory, PRODUCER_DEFAULTS.bufferMemory, 1, Number.MAX_SAFE_INTEGER)
  const maxBlockMs = int('maxBlockMs', o.maxBlockMs, PRODUCER_DEFAULTS.maxBlockMs, 0, Number.MAX_SAFE_INTEGER)
  const retries = int('retries', o.retries, PRODUCER_DEFAULTS.retries, 0)
  const maxInFlight = int(
    'maxInFlightRequestsPerConnection',
    o.maxInFlightRequestsPerConnection,
    PRODUCER_DEFAULTS.maxInFlightRequestsPerConnection,
    1,
  )
  const maxRequestSize = int('maxRequestSize', o.maxRequestSize, PRODUCER_DEFAULTS.maxRequestSize, 1)
  const requestTimeoutMs = int('requestTimeoutMs', common.requestTimeoutMs, PRODUCER_DEFAULTS.requestTimeoutMs, 0)
  const retryBackoffMs = int('retryBackoffMs', common.retryBackoffMs, PRODUCER_DEFAULTS.retryBackoffMs, 0)
  const retryBackoffMaxMs = Math.max(
    retryBackoffMs,
    int('retryBackoffMaxMs', common.retryBackoffMaxMs, PRODUCER_DEFAULTS.retryBackoffMaxMs, 0),
  )

  // delivery.timeout.ms >= linger.ms + request.timeout.ms (Java: an error if set explicitly, else raised).
  let deliveryTimeoutMs = int('deliveryTimeoutMs', o.deliveryTimeoutMs, PRODUCER_DEFAULTS.deliveryTimeoutMs, 1)
  if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
    if (o.deliveryTimeoutMs !== undefined) {
      throw new ConfigError(
        'deliveryTimeoutMs',
        `must be at least lingerMs + requestTimeoutMs (${lingerMs} + ${requestTimeoutMs}), got ${deliveryTimeoutMs}`,
      )
    }
    deliveryTimeoutMs = lingerMs + requestTimeoutMs
  }

  const compressionName = (o.compressionType ?? 'none') as CompressionName
  const compressionType = COMPRESSION_BY_NAME[compressionName]
  if (compressionType === undefined || !Object.hasOwn(COMPRESSION_BY_NAME, compressionName)) {
    throw new ConfigError(
      'compressionType',
      `expected one of none, gzip, snappy, lz4, zstd, got ${String(o.compressionType)}`,
    )
  }
  let compressionLevel: number | undefined
  if (o.compressionLevel !== undefined) {
    const range = LEVELS[compressionName]
    if (range === undefined) {
      throw new ConfigError('compressionLevel', `compressionType ${compressionName} has no levels`)
    }
    compressionLevel = int('compressionLevel', o.compressionLevel, 0, range[0], range[1])
  }

  const explicitIdempotence = o.enableIdempotence !== undefined
  let idempotent = bool('enableIdempotence', o.enableIdempotence, true)
  let idempotenceDisabledReason: string | undefined
  if (idempotent) {
    const conflicts: [string, string][] = []
    if (retries === 0) conflicts.push(['retries', 'must be greater than 0 for the idempotent producer'])
    if (acks !== -1) conflicts.push(['acks', "must be 'all' for the idempotent producer"])
    if (maxInFlight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE) {
      conflicts.push([
        'maxInFlightRequestsPerConnection',
        `must be at most ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE} for the idempotent producer`,
      ])
    }
    if (conflicts.length > 0) {
      const [option, message] = conflicts[0]!
      if (explicitIdempotence) throw new ConfigError(option, `${message} (enableIdempotence is true)`)
      idempotent = false
      idempotenceDisabledReason = `Idempotence is disabled because ${conflicts.map(([name]) => name).join(', ')} conflicts with it`
    }
  }

  const transactionalId = o.transactionalId
  if (transactionalId !== undefined && (typeof transactionalId !== 'string' || transactionalId === '')) {
    throw new ConfigError('transactionalId', `expected a non-empty string, got ${String(transactionalId)}`)
  }
  const transactionTimeoutMs = int('transactionTimeoutMs', o.transactionTimeoutMs, 60000, 1)
  if (transactionalId !== undefined && !idempotent) {
    // A transactional producer is idempotent (Java: "Cannot set a transactional.id without also
    // enabling idempotence"); a setting that turned the default off is a conflict, not a downgrade.
    if (explicitIdempotence) {
      throw new ConfigError('enableIdempotence', 'must be true (or unset) when transactionalId is set')
    }
    if (acks !== -1) throw new ConfigError('acks', "must be 'all' when transactionalId is set")
    if (retries === 0) throw new ConfigError('retries', 'must be greater than 0 when transactionalId is set')
    throw new ConfigError(
      'maxInFlightRequestsPerConnection',
      `must be at most ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE} when transactionalId is set`,
    )
  }

  return {
    acks,
    idempotent,
    lingerMs,
    batchSize,
    bufferMemory,
    maxBlockMs,
    compressionType,
    compressionName,
    compressionLevel,
    retries,
    deliveryTimeoutMs,
    requestTimeoutMs,
    retryBackoffMs,
    retryBackoffMaxMs,
    maxInFlightRequestsPerConnection: maxInFlight,
    maxRequestSize,
    partitioner: fn<Partitioner>('partitioner', o.partitioner),
    partitionerIgnoreKeys: bool('partitionerIgnoreKeys', o.partitionerIgnoreKeys, false),
    adaptivePartitioning: bool('partitionerAdaptivePartitioningEnable', o.partitionerAdaptivePartitioningEnable, true),
    keySerializer: fn<Serializer<K>>('keySerializer', o.keySerializer),
    valueSerializer: fn<Serializer<V>>('valueSerializer', o.valueSerializer),
    onError: fn('onError', o.onError),
    idempotenceDisabledReason,
    transactionalId,
    transactionTimeoutMs,
  }
}

/**
 * ShareConsumer options: Java's KafkaShareConsumer configs camelCased, with Java's defaults,
 * validated once at construction (a ConfigError names the bad option; unknown options are refused
 * by the shared splitter with the closest name). Called by ShareConsumer's constructor only.
 */
import type { CommonClientOptions } from '../cluster/index.js'
import type { Deserializer } from '../consumer/types.js'
import { ConfigError } from '../errors.js'
import type { AcknowledgementCommitCallback } from './types.js'

/** Java's share.acknowledgement.mode. */
export type ShareAcknowledgementMode = 'implicit' | 'explicit'
/** Java's share.acquire.mode (KIP-1206, ShareFetch v2): whole batches, or at most maxPollRecords records. */
export type ShareAcquireMode = 'batch_optimized' | 'record_limit'

export interface ShareConsumerOptions<K = Buffer | null, V = Buffer | null> extends CommonClientOptions {
  /** The share group (required). */
  groupId: string
  /**
   * 'implicit' (default): the records a poll() returned are accepted by the next poll(), commitSync()
   * or commitAsync(). 'explicit': every record must be acknowledged with acknowledge() before the next poll().
   */
  shareAcknowledgementMode?: ShareAcknowledgementMode
  /** Default 'batch_optimized'; 'record_limit' needs Kafka 4.2+ (ShareFetch v2). */
  shareAcquireMode?: ShareAcquireMode
  maxPollRecords?: number
  fetchMinBytes?: number
  fetchMaxBytes?: number
  fetchMaxWaitMs?: number
  keyDeserializer?: Deserializer<K>
  valueDeserializer?: Deserializer<V>
  checkCrcs?: boolean
  clientRack?: string
  /** Default timeout of commitSync() and close(). Java's default.api.timeout.ms. */
  defaultApiTimeoutMs?: number
  /** Java's acknowledgement commit callback (setAcknowledgementCommitCallback) given up front. */
  acknowledgementCommitCallback?: AcknowledgementCommitCallback
  /**
   * Run ShareGroupHeartbeat on the heartbeat worker thread (default true), as the Consumer does: an
   * application that blocks its event loop keeps its place in the group. false runs them on the main
   * event loop: only for environments without worker_threads.
   */
  heartbeatThread?: boolean
}

export interface ResolvedShareConsumerOptions {
  groupId: string
  shareAcknowledgementMode: ShareAcknowledgementMode
  shareAcquireMode: ShareAcquireMode
  maxPollRecords: number
  fetchMinBytes: number
  fetchMaxBytes: number
  fetchMaxWaitMs: number
  checkCrcs: boolean
  clientRack: string | null
  defaultApiTimeoutMs: number
  heartbeatThread: boolean
}

const DEFAULTS: Omit<ResolvedShareConsumerOptions, 'groupId'> = {
  shareAcknowledgementMode: 'implicit',
  shareAcquireMode: 'batch_optimized',
  maxPollRecords: 500,
  fetchMinBytes: 1,
  fetchMaxBytes: 52428800,
  fetchMaxWaitMs: 500,
  checkCrcs: true,
  clientRack: null,
  defaultApiTimeoutMs: 60000,
  heartbeatThread: true,
}

/** Names of the share consumer's own options (the rest must be shared client options). */
export const SHARE_CONSUMER_OPTION_NAMES: ReadonlySet<string> = new Set<string>([
  'groupId',
  ...Object.keys(DEFAULTS),
  'keyDeserializer',
  'valueDeserializer',
  'acknowledgementCommitCallback',
])

const INT32_MAX = 2147483647

function int(o: Record<string, unknown>, name: keyof typeof DEFAULTS, min: number): number {
  const v = o[name]
  if (v === undefined) return DEFAULTS[name] as number
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > INT32_MAX) {
    throw new ConfigError(name, `must be an integer in [${min}, ${INT32_MAX}], got ${String(v)}`)
  }
  return v
}

function oneOf<T extends string>(o: Record<string, unknown>, name: keyof typeof DEFAULTS, values: readonly T[]): T {
  const v = o[name] ?? DEFAULTS[name]
  if (!values.includes(v as T)) {
    throw new ConfigError(name, `must be ${values.map((x) => `'${x}'`).join(' or ')}, got ${String(v)}`)
  }
  return v as T
}

export function resolveShareConsumerOptions(options: ShareConsumerOptions<any, any>): ResolvedShareConsumerOptions {
  const o = options as unknown as Record<string, unknown>
  if (typeof o.groupId !== 'string' || o.groupId.trim() === '') {
    throw new ConfigError('groupId', 'a share consumer needs a groupId (a non-empty string)')
  }
  for (const name of ['keyDeserializer', 'valueDeserializer', 'acknowledgementCommitCallback'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw new ConfigError(name, 'must be a function')
  }
  for (const name of ['checkCrcs', 'heartbeatThread'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') {
      throw new ConfigError(name, `must be a boolean, got ${String(o[name])}`)
    }
  }
  if (
    o.clientRack !== undefined &&
    o.clientRack !== null &&
    (typeof o.clientRack !== 'string' || o.clientRack === '')
  ) {
    throw new ConfigError('clientRack', 'must be a non-empty string')
  }
  return {
    groupId: o.groupId,
    shareAcknowledgementMode: oneOf(o, 'shareAcknowledgementMode', ['implicit', 'explicit'] as const),
    shareAcquireMode: oneOf(o, 'shareAcquireMode', ['batch_optimized', 'record_limit'] as const),
    maxPollRecords: int(o, 'maxPollRecords', 1),
    fetchMinBytes: int(o, 'fetchMinBytes', 0),
    fetchMaxBytes: int(o, 'fetchMaxBytes', 0),
    fetchMaxWaitMs: int(o, 'fetchMaxWaitMs', 0),
    checkCrcs: (o.checkCrcs as boolean | undefined) ?? DEFAULTS.checkCrcs,
    clientRack: (o.clientRack as string | null | undefined) ?? null,
    defaultApiTimeoutMs: int(o, 'defaultApiTimeoutMs', 0),
    heartbeatThread: (o.heartbeatThread as boolean | undefined) ?? DEFAULTS.heartbeatThread,
  }
}

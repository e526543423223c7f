/**
 * kafkajs's view of records: `KafkaMessage` (offsets and timestamps as strings, headers as an object
 * whose repeated keys become arrays) and `Batch` (the records of one partition from one fetch — here,
 * one native poll()), with kafkajs's firstOffset/lastOffset/offsetLag/offsetLagLow arithmetic.
 *
 * Owner: the kafkajs consumer (consumer-runner.ts builds batches from what the native poll()
 * returns: messages that kafkaMessage built in the fetch loop).
 */
import type { ConsumedRecordLike, ConsumerProcessMessage } from '../diagnostics/index.js'
import type { RecordShape } from '../internal/seams.js'

export interface IHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined
}

export interface KafkaMessage {
  magicByte: number
  attributes: number
  timestamp: string
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: IHeaders
  isControlRecord: boolean
}

let lastTimestamp = Number.NaN
let lastTimestampString = ''

/**
 * A timestamp as kafkajs gives it (a string): a millisecond timestamp is above V8's small-integer
 * range, and String() of such a number costs ~180 ns (a double-to-string conversion; BigInt's
 * integer one ~70 ns). Records of a batch often share their millisecond, so the last conversion is
 * kept (docs/performance.md, "The kafkajs layer").
 */
function timestampString(ts: number): string {
  if (ts !== lastTimestamp) {
    lastTimestamp = ts
    lastTimestampString = Number.isInteger(ts) ? BigInt(ts).toString() : String(ts)
  }
  return lastTimestampString
}

let lastBase = -1n
/** lastBase as a number, or -1 when base + a delta might pass 2^53 (then offsets go through BigInt). */
let lastBaseNumber = -1

/**
 * An offset as kafkajs gives it (a string), from its batch's base offset and its delta: String() of a
 * small integer is cheap where a bigint's toString() and the bigint itself are not.
 */
function offsetString(base: bigint, delta: number): string {
  if (base !== lastBase) {
    lastBase = base
    lastBaseNumber = base >= 0n && base <= BigInt(Number.MAX_SAFE_INTEGER - 2 ** 31) ? Number(base) : -1
  }
  return lastBaseNumber >= 0 ? String(lastBaseNumber + delta) : (base + BigInt(delta)).toString()
}

/**
 * kafkajs's message, built from the decoded fields in kafka-wire's fetch loop (the native consumer's
 * CONSUMER_RECORD_SHAPE seam, internal/seams.ts): one object per record, not a ConsumerRecord and then
 * this. Repeated header keys become arrays, as in kafkajs.
 */
export const kafkaMessage: RecordShape = (base, delta, timestamp, key, value, recordHeaders): KafkaMessage => {
  const headers: IHeaders = {}
  if (recordHeaders !== null) {
    for (const { key, value } of recordHeaders) {
      const v = value as Buffer
      const prev = headers[key]
      headers[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
    }
  }
  return {
    magicByte: 2,
    attributes: 0,
    timestamp: timestampString(timestamp),
    offset: offsetString(base, delta),
    key,
    value,
    headers,
    isControlRecord: false,
  }
}

/**
 * A kafkajs message as kafka-wire's consumer hands its records to diagnostics subscribers (offset a
 * bigint, headers { key, value } pairs), so kafka-wire/otel reads both the same way: the
 * CONSUMED_RECORD_OF seam (poll spans' links) and the process payload below.
 */
export const consumedRecord = (topic: string, partition: number, message: unknown): ConsumedRecordLike => {
  const m = message as KafkaMessage
  const headers: { key: string; value: Buffer | null }[] = []
  for (const [key, v] of Object.entries(m.headers)) {
    for (const value of Array.isArray(v) ? v : [v]) {
      headers.push({ key, value: value === undefined ? null : Buffer.from(value) })
    }
  }
  return { topic, partition, offset: BigInt(m.offset), key: m.key, headers }
}

/** The `kafka-wire:consumer:process` payload of one eachMessage call. */
export function processMessage(
  hooks: { clientId?: string; groupId: string },
  topic: string,
  partition: number,
  message: KafkaMessage,
): ConsumerProcessMessage {
  return { clientId: hooks.clientId ?? '', groupId: hooks.groupId, record: consumedRecord(topic, partition, message) }
}

export class Batch {
  readonly topic: string
  readonly partition: number
  readonly highWatermark: string
  readonly messages: KafkaMessage[]
  /** The offset after which everything of this fetch was consumed (control records included): position − 1. */
  readonly #lastOffset: string

  constructor(topic: string, partition: number, highWatermark: string, messages: KafkaMessage[], lastOffset: string) {
    this.topic = topic
    this.partition = partition
    this.highWatermark = highWatermark
    this.messages = messages
    this.#lastOffset = lastOffset
  }

  isEmpty(): boolean {
    return this.messages.length === 0
  }

  firstOffset(): string | null {
    return this.messages.length === 0 ? null : this.messages[0]!.offset
  }

  lastOffset(): string {
    if (this.messages.length === 0) return (BigInt(this.highWatermark) - 1n).toString()
    return this.#lastOffset
  }

  /** The lag after the batch's last offset (kafkajs: highWatermark − 1 − lastOffset). */
  offsetLag(): string {
    return (BigInt(this.highWatermark) - 1n - BigInt(this.lastOffset())).toString()
  }

  /** The lag from the batch's first offset. */
  offsetLagLow(): string {
    const first = this.firstOffset()
    if (first === null) return '0'
    return (BigInt(this.highWatermark) - 1n - BigInt(first)).toString()
  }
}

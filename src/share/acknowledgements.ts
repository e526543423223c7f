/**
 * The share consumer's acknowledgement bookkeeping, sans-IO (Java's Acknowledgements and the
 * acknowledgement side of ShareConsumeRequestManager): which delivered records still wait for an
 * acknowledgement, which acknowledgements wait to be sent (per partition), and their encoding as
 * AcknowledgementBatches. Owned by ShareConsumer; it never sends anything itself.
 *
 * A record moves: delivered by poll() → acknowledged (acknowledge(), or implicitly ACCEPT at the
 * next poll/commit) → pending → taken by a request (ShareFetch piggy-back or ShareAcknowledge) →
 * completed (the callback reports the broker's answer). Offsets the broker acquired for us that
 * hold no record (control batches, compacted away) are GAPs, pending from the start.
 */
import { IllegalStateError } from '../errors.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import { AckCode, type AcknowledgedOffsets, type AcknowledgeType } from './types.js'

/** A share partition as requests name it (by topic id) and as the application sees it (by name). */
export interface SharePartition {
  topic: string
  topicId: string
  partition: number
}

/** AcknowledgementBatch of ShareFetch/ShareAcknowledge requests. */
export interface AcknowledgementBatch {
  firstOffset: bigint
  lastOffset: bigint
  acknowledgeTypes: number[]
}

/** Acknowledgements of one partition taken for one request. */
export interface TakenAcks {
  partition: SharePartition
  batches: AcknowledgementBatch[]
  /** The records' offsets (gaps left out: they hold no record). */
  offsets: bigint[]
}

const TYPE_CODES: Record<AcknowledgeType, AckCode> = {
  ACCEPT: AckCode.ACCEPT,
  RELEASE: AckCode.RELEASE,
  REJECT: AckCode.REJECT,
}

/** The AcknowledgeType code for a public name; anything else is a TypeError. */
export function ackCode(type: AcknowledgeType): AckCode {
  const code = TYPE_CODES[type]
  if (code === undefined)
    throw new TypeError(`acknowledge type must be 'ACCEPT', 'RELEASE' or 'REJECT', got ${String(type)}`)
  return code
}

/**
 * Encodes one partition's acknowledgements as batches of consecutive offsets. A run whose offsets
 * all have the same type is one batch with one type; a run of mixed types carries one type per
 * offset (both encodings are Kafka's).
 */
export function toBatches(acks: ReadonlyMap<bigint, number>): AcknowledgementBatch[] {
  const offsets = [...acks.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const out: AcknowledgementBatch[] = []
  let i = 0
  while (i < offsets.length) {
    const first = offsets[i]!
    const types = [acks.get(first)!]
    let last = first
    while (i + 1 < offsets.length && offsets[i + 1] === last + 1n) {
      i++
      last = offsets[i]!
      types.push(acks.get(last)!)
    }
    i++
    const same = types.every((t) => t === types[0])
    out.push({ firstOffset: first, lastOffset: last, acknowledgeTypes: same ? [types[0]!] : types })
  }
  return out
}

interface PartitionAcks {
  partition: SharePartition
  /** Delivered by poll(), not acknowledged yet. */
  readonly delivered: Set<bigint>
  /** Acknowledged (or gaps), not sent yet. */
  readonly pending: Map<bigint, number>
}

export class Acknowledgements {
  readonly #partitions = new Map<string, PartitionAcks>()

  #entry(p: SharePartition): PartitionAcks {
    const key = topicPartitionKey(p.topic, p.partition)
    let e = this.#partitions.get(key)
    if (e === undefined) {
      e = { partition: p, delivered: new Set(), pending: new Map() }
      this.#partitions.set(key, e)
    } else e.partition = p
    return e
  }

  /** poll() handed these offsets of `p` to the application. */
  delivered(p: SharePartition, offsets: Iterable<bigint>): void {
    const e = this.#entry(p)
    for (const o of offsets) e.delivered.add(o)
  }

  /** Offsets acquired for us that hold no record: acknowledged as GAP with the next request. */
  gaps(p: SharePartition, offsets: Iterable<bigint>): void {
    const e = this.#entry(p)
    for (const o of offsets) e.pending.set(o, AckCode.GAP)
  }

  /** Acquired records never handed out (close, lost assignment): released for other members. */
  release(p: SharePartition, offsets: Iterable<bigint>): void {
    const e = this.#entry(p)
    for (const o of offsets) e.pending.set(o, AckCode.RELEASE)
  }

  /**
   * The application acknowledges a delivered record. Changing one's mind before it is sent is allowed
   * (the last type wins); a record that was not delivered, or whose acknowledgement was already sent,
   * is an IllegalStateError (as in Java).
   */
  acknowledge(topic: string, partition: number, offset: bigint, type: AcknowledgeType): void {
    const code = ackCode(type)
    const e = this.#partitions.get(topicPartitionKey(topic, partition))
    if (e?.delivered.delete(offset)) {
      e.pending.set(offset, code)
      return
    }
    if (e?.pending.has(offset) && e.pending.get(offset) !== AckCode.GAP) {
      e.pending.set(offset, code)
      return
    }
    throw new IllegalStateError(
      `The record at offset ${offset} of ${topicPartitionKey(topic, partition)} is not waiting for an acknowledgement ` +
        '(not delivered by this consumer, or its acknowledgement was already sent)',
    )
  }

  /** Implicit mode: every delivered record not acknowledged yet is accepted. */
  acceptDelivered(): void {
    for (const e of this.#partitions.values()) {
      for (const o of e.delivered) e.pending.set(o, AckCode.ACCEPT)
      e.delivered.clear()
    }
  }

  /** Explicit mode: how many delivered records still wait for acknowledge(). */
  unacknowledged(): number {
    let n = 0
    for (const e of this.#partitions.values()) n += e.delivered.size
    return n
  }

  /** Delivered records of partitions matching `drop` are forgotten (their locks belong to no one now). */
  forgetDelivered(drop: (p: SharePartition) => boolean): void {
    for (const e of this.#partitions.values()) if (drop(e.partition)) e.delivered.clear()
  }

  hasPending(filter: (p: SharePartition) => boolean = () => true): boolean {
    for (const e of this.#partitions.values()) if (e.pending.size > 0 && filter(e.partition)) return true
    return false
  }

  /** Takes the pending acknowledgements of the partitions matching `filter`, encoded for a request. */
  take(filter: (p: SharePartition) => boolean): Map<string, TakenAcks> {
    const out = new Map<string, TakenAcks>()
    for (const [key, e] of this.#partitions) {
      if (e.pending.size === 0 || !filter(e.partition)) continue
      const offsets = [...e.pending.keys()]
        .filter((o) => e.pending.get(o) !== AckCode.GAP)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      out.set(key, { partition: e.partition, batches: toBatches(e.pending), offsets })
      e.pending.clear()
      if (e.delivered.size === 0) this.#partitions.delete(key)
    }
    return out
  }
}

/** The callback's view of acknowledgements taken for a request. */
export function acknowledgedOffsets(taken: TakenAcks): AcknowledgedOffsets {
  const p = taken.partition
  return { topic: p.topic, topicId: p.topicId, partition: p.partition, offsets: taken.offsets }
}

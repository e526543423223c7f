/**
 * Idempotent producer state: the producer id and epoch (one place, so that transactions can
 * be added on top), and per partition the next sequence number, the batches sent and not yet
 * settled (in sequence order), and the last acknowledged sequence.
 *
 * Semantics follow the Java client's TransactionManager for a non-transactional producer:
 * - a batch gets its sequence when it is first drained and keeps it across retries, so the
 *   broker can drop duplicates;
 * - a retried batch is sent only when it is the partition's lowest unsettled sequence (the
 *   partition drops to one request in flight until it has caught up);
 * - OUT_OF_ORDER_SEQUENCE_NUMBER for the batch right after the last acknowledged one, and
 *   UNKNOWN_PRODUCER_ID, mean the broker lost or never got our sequence: the epoch is
 *   bumped (locally, as Java does for idempotent producers) and the partition's unsettled
 *   batches are renumbered from 0; a batch that failed for good after it was sent leaves a
 *   gap (or an unknown) and triggers the same reset.
 *
 * One difference, kept on purpose (docs/producing.md, "How it works"): the renumbering waits until
 * none of the partition's batches is on the wire, so no response can come back for a stamp that
 * has been rewritten. Java renumbers at once and tags batches `sequenceHasBeenReset`.
 *
 * Owned by the Sender; the accumulator asks `canDrain` / `assignSequence` while draining.
 */
import { incrementSequence, type ProducerBatch } from './batch.js'

const MAX_EPOCH = 32767

/** Sequence bookkeeping of one partition. */
export class PartitionSequences {
  producerId = -1n
  epoch = -1
  nextSequence = 0
  lastAckedSequence = -1
  lastAckedOffset = -1n
  /** Sequenced batches not yet settled (queued for retry or on the wire), ascending sequence. */
  readonly unsettled: ProducerBatch[] = []
  /** Renumber from 0 under a new epoch once nothing of this partition is on the wire. */
  resetRequired = false

  get onTheWire(): number {
    let n = 0
    for (const b of this.unsettled) if (b.inFlight) n++
    return n
  }

  remove(batch: ProducerBatch): void {
    const i = this.unsettled.indexOf(batch)
    if (i >= 0) this.unsettled.splice(i, 1)
  }
}

/**
 * What a transactional producer adds (src/producer/transactions/): the producer id and epoch
 * come from the transaction coordinator, a partition may be drained only once it is part of the
 * open transaction, and a sequence gap is repaired by the transaction manager's epoch bump
 * (after the abort), never by a local epoch bump.
 */
export interface TransactionalHooks {
  /** Whether a batch for this partition may be drained now (TV1 queues AddPartitionsToTxn). */
  maySend(topic: string, partition: number): boolean
  /** A sequenced batch failed for good: its partition needs a new epoch. */
  epochBumpRequired(): void
}

export class ProducerState {
  readonly idempotent: boolean
  #producerId = -1n
  #epoch = -1
  readonly #resets = new Set<PartitionSequences>()
  /** Set for a transactional producer. */
  readonly transactional: TransactionalHooks | undefined

  constructor(idempotent: boolean, transactional?: TransactionalHooks) {
    this.idempotent = idempotent
    this.transactional = transactional
  }

  get producerId(): bigint {
    return this.#producerId
  }

  get epoch(): number {
    return this.#epoch
  }

  /** Whether batches may be sent: always for a non-idempotent producer. */
  get hasProducerId(): boolean {
    return !this.idempotent || this.#producerId >= 0n
  }

  /** From InitProducerId. */
  setProducerIdAndEpoch(producerId: bigint, epoch: number): void {
    this.#producerId = producerId
    this.#epoch = epoch
  }

  /** Forget the producer id (a new one is needed: epoch exhausted, or a fatal producer error). */
  resetProducerId(): void {
    this.#producerId = -1n
    this.#epoch = -1
  }

  /**
   * Whether the first queued batch of a partition may be drained now.
   * Call before `assignSequence`.
   */
  canDrain(ps: PartitionSequences, first: ProducerBatch): boolean {
    if (!this.idempotent) return true
    if (this.#producerId < 0n || ps.resetRequired) return false
    if (this.transactional !== undefined && !this.transactional.maySend(first.topic, first.partition)) return false
    if (first.hasSequence) {
      // A retry goes only when it is the lowest unsettled sequence.
      return ps.unsettled[0] === first
    }
    if (ps.producerId !== this.#producerId || ps.epoch !== this.#epoch) {
      // The epoch moved on: start this partition over at 0 once its old batches settled.
      if (ps.unsettled.length > 0) return false
      ps.producerId = this.#producerId
      ps.epoch = this.#epoch
      ps.nextSequence = 0
      ps.lastAckedSequence = -1
    }
    // Until the partition acknowledged a batch of this producer id, one batch at a time: a broker
    // with no state for the producer takes *any* sequence as its first write (KIP-360), so if the
    // first batch failed (e.g. NOT_LEADER_OR_FOLLOWER just after the topic was created) while the
    // second was written, the first could never be written after it.
    if (ps.lastAckedSequence < 0 && ps.unsettled.length > 0) return false
    return true
  }

  /** Stamps a batch drained for the first time. */
  assignSequence(ps: PartitionSequences, batch: ProducerBatch): void {
    if (!this.idempotent || batch.hasSequence) return
    batch.setProducerState(this.#producerId, this.#epoch, ps.nextSequence)
    ps.nextSequence = incrementSequence(ps.nextSequence, batch.recordCount)
    ps.unsettled.push(batch)
  }

  /**
   * A batch was split (MESSAGE_TOO_LARGE): its parts take over its sequence range in order and
   * its place among the unsettled batches, so the batches behind it keep their sequences.
   */
  onSplit(ps: PartitionSequences, batch: ProducerBatch, parts: ProducerBatch[]): void {
    if (!this.idempotent || !batch.hasSequence) return
    let sequence = batch.baseSequence
    for (const part of parts) {
      part.setProducerState(batch.producerId, batch.producerEpoch, sequence)
      part.sequenceReset = batch.sequenceReset
      sequence = incrementSequence(sequence, part.recordCount)
    }
    const i = ps.unsettled.indexOf(batch)
    if (i >= 0) ps.unsettled.splice(i, 1, ...parts)
  }

  /** The batch was written (or was a duplicate of a written one). */
  onSuccess(ps: PartitionSequences, batch: ProducerBatch, baseOffset: bigint): void {
    if (!this.idempotent || !batch.hasSequence) return
    ps.remove(batch)
    if (batch.producerId === ps.producerId && batch.producerEpoch === ps.epoch) {
      const last = batch.lastSequence
      if (ps.lastAckedSequence < 0 || sequenceAfter(last, ps.lastAckedSequence)) ps.lastAckedSequence = last
      if (baseOffset >= 0n) {
        const lastOffset = baseOffset + BigInt(batch.recordCount - 1)
        if (lastOffset > ps.lastAckedOffset) ps.lastAckedOffset = lastOffset
      }
    }
  }

  /**
   * The batch failed for good after it had been sent: its sequence may or may not have been
   * written, so the partition starts over under a new epoch.
   */
  onFailure(ps: PartitionSequences, batch: ProducerBatch): void {
    if (!this.idempotent || !batch.hasSequence) return
    ps.remove(batch)
    this.requestReset(ps)
  }

  requestReset(ps: PartitionSequences): void {
    if (!this.idempotent) return
    if (this.transactional !== undefined) {
      // The transaction is abortable now; its end bumps the epoch and the partition restarts at 0.
      this.transactional.epochBumpRequired()
      return
    }
    ps.resetRequired = true
    this.#resets.add(ps)
  }

  /**
   * Whether a retriable-looking sequence error may be retried, requesting a reset when the
   * broker really has a gap (Java TransactionManager.canRetry for the idempotent producer).
   */
  canRetrySequenceError(
    ps: PartitionSequences,
    batch: ProducerBatch,
    errorName: 'OUT_OF_ORDER_SEQUENCE_NUMBER' | 'UNKNOWN_PRODUCER_ID',
    logStartOffset: bigint,
  ): boolean {
    if (errorName === 'UNKNOWN_PRODUCER_ID') {
      // -1: the broker did not know the log start offset (the partition moved): retry as is.
      if (logStartOffset >= 0n) this.requestReset(ps)
      return true
    }
    // The broker acknowledged later sequences of this epoch already (it took a later batch as the
    // first write of this producer): this batch can never be written under this epoch. It fails
    // now (and the partition starts over under a new epoch) instead of retrying until
    // deliveryTimeoutMs.
    if (
      ps.lastAckedSequence >= 0 &&
      batch.producerEpoch === ps.epoch &&
      !sequenceAfter(batch.lastSequence, ps.lastAckedSequence)
    ) {
      return false
    }
    // Not the batch right after the last acknowledged one: an earlier batch is being retried.
    if (batch.baseSequence === incrementSequence(ps.lastAckedSequence, 1)) this.requestReset(ps)
    return true
  }

  /**
   * Performs pending resets whose partitions have nothing on the wire: bumps the epoch once
   * and renumbers each such partition's unsettled batches from 0. Returns true when a new
   * producer id is needed (the epoch is exhausted).
   */
  maybeResetSequences(): boolean {
    if (this.#resets.size === 0 || this.#producerId < 0n) return false
    let ready: PartitionSequences[] | null = null
    for (const ps of this.#resets) {
      if (ps.onTheWire === 0) (ready ??= []).push(ps)
    }
    if (ready === null) return false
    if (this.#epoch >= MAX_EPOCH) {
      // Java resets the producer id when the epoch would overflow; once InitProducerId gave a
      // new one, the next call renumbers these partitions under it.
      this.resetProducerId()
      return true
    }
    this.#epoch++
    for (const ps of ready) {
      this.#resets.delete(ps)
      ps.resetRequired = false
      ps.producerId = this.#producerId
      ps.epoch = this.#epoch
      ps.lastAckedSequence = -1
      let seq = 0
      for (const b of ps.unsettled) {
        b.setProducerState(this.#producerId, this.#epoch, seq)
        b.sequenceReset = true
        seq = incrementSequence(seq, b.recordCount)
      }
      ps.nextSequence = seq
    }
    return false
  }
}

/** Whether sequence `a` comes after `b`, allowing for wrap-around. */
function sequenceAfter(a: number, b: number): boolean {
  const d = a - b
  return d > 0 ? d < 0x40000000 : d < -0x40000000
}

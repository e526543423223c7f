/**
 * Transactions admin (Java Admin's listTransactions / describeTransactions / describeProducers),
 * self-contained over its own Cluster so it can move into the declarative admin operations as is:
 * - listTransactions: ListTransactions to every broker (each lists the transactional ids its
 *   coordinator partitions own), merged;
 * - describeTransactions: DescribeTransactions to each id's transaction coordinator
 *   (FindCoordinator key type 1), re-looked-up once on NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE;
 * - describeProducers: DescribeProducers to each partition's leader (the producers with state on
 *   it, and the first offset of their open transaction, which pins the last stable offset).
 *
 * - abortTransaction: WriteTxnMarkers (an abort marker) to the partition's leader, as Java's
 *   Admin.abortTransaction: how `kafka-transactions abort` ends a hanging transaction, one whose
 *   coordinator no longer knows it (so never times it out) while it pins the partition's last
 *   stable offset. The leader takes the marker as if the coordinator had sent it (CLUSTER_ACTION on
 *   authorizing clusters). abortTransactionAt finds the producer the way the tool's
 *   `--start-offset` does: DescribeProducers, the producer whose open transaction starts there.
 */
import { Cluster } from '../cluster/cluster.js'
import { type CommonClientOptions, resolveCommonOptions } from '../cluster/options.js'
import { ErrorCode } from '../error-codes.js'
import { brokerError, KafkaError } from '../errors.js'
import { Apis } from '../protocol/index.js'

export interface TransactionListing {
  transactionalId: string
  producerId: bigint
  /** Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, Empty, Dead, PrepareEpochFence. */
  state: string
}

export interface TransactionDescription {
  transactionalId: string
  coordinatorId: number
  state: string
  producerId: bigint
  producerEpoch: number
  transactionTimeoutMs: number
  /** -1 when no transaction is open. */
  transactionStartTimeMs: bigint
  topicPartitions: { topic: string; partition: number }[]
}

export interface ProducerState {
  producerId: bigint
  producerEpoch: number
  lastSequence: number
  lastTimestamp: bigint
  coordinatorEpoch: number
  /** First offset of the producer's open transaction on this partition; -1 when none. */
  currentTransactionStartOffset: bigint
}

/** Java's AbortTransactionSpec: one partition's open transaction of one producer. */
export interface AbortTransactionSpec {
  topic: string
  partition: number
  producerId: bigint
  producerEpoch: number
  /** The coordinator epoch the partition last saw for the producer (DescribeProducers; -1 there means 0). */
  coordinatorEpoch: number
}

export interface ListTransactionsOptions {
  states?: string[]
  producerIds?: bigint[]
  /** Only transactions open longer than this (ListTransactions v1+). */
  durationMs?: number
  timeoutMs?: number
}

export class TransactionsAdmin {
  readonly #cluster: Cluster

  constructor(options: CommonClientOptions) {
    this.#cluster = new Cluster(resolveCommonOptions(options))
  }

  async listTransactions(options: ListTransactionsOptions = {}): Promise<TransactionListing[]> {
    const timeoutMs = options.timeoutMs
    await this.#cluster.connect(timeoutMs === undefined ? {} : { timeoutMs })
    await this.#cluster.refreshMetadata({ topics: [] })
    const out = new Map<string, TransactionListing>()
    await Promise.all(
      [...this.#cluster.brokers.keys()].map(async (nodeId) => {
        const res = await this.#cluster.send(
          nodeId,
          Apis.ListTransactions,
          {
            stateFilters: options.states ?? [],
            producerIdFilters: options.producerIds ?? [],
            durationFilter: options.durationMs === undefined ? -1n : BigInt(options.durationMs),
          },
          timeoutMs === undefined ? {} : { timeoutMs },
        )
        if (res.errorCode !== ErrorCode.NONE) {
          throw brokerError(res.errorCode, null, { broker: nodeId, apiKey: Apis.ListTransactions.apiKey })
        }
        for (const t of res.transactionStates) {
          out.set(t.transactionalId, {
            transactionalId: t.transactionalId,
            producerId: t.producerId,
            state: t.transactionState,
          })
        }
      }),
    )
    return [...out.values()].sort((a, b) => a.transactionalId.localeCompare(b.transactionalId))
  }

  async describeTransactions(
    transactionalIds: readonly string[],
    options: { timeoutMs?: number } = {},
  ): Promise<TransactionDescription[]> {
    const opts = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }
    return Promise.all(
      transactionalIds.map(async (id) => {
        for (let attempt = 0; ; attempt++) {
          const nodeId = await this.#cluster.findCoordinator('transaction', id, opts)
          const res = await this.#cluster.send(nodeId, Apis.DescribeTransactions, { transactionalIds: [id] }, opts)
          const t = res.transactionStates.find((s) => s.transactionalId === id)
          if (t === undefined) throw new KafkaError(`DescribeTransactions returned nothing for ${id}`)
          if (
            (t.errorCode === ErrorCode.NOT_COORDINATOR || t.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) &&
            attempt < 3
          ) {
            this.#cluster.invalidateCoordinator('transaction', id)
            continue
          }
          if (t.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && attempt < 10) {
            await new Promise((r) => setTimeout(r, 100))
            continue
          }
          if (t.errorCode !== ErrorCode.NONE) {
            throw brokerError(t.errorCode, `transactionalId ${id}`, { apiKey: Apis.DescribeTransactions.apiKey })
          }
          return {
            transactionalId: id,
            coordinatorId: nodeId,
            state: t.transactionState,
            producerId: t.producerId,
            producerEpoch: t.producerEpoch,
            transactionTimeoutMs: t.transactionTimeoutMs,
            transactionStartTimeMs: t.transactionStartTimeMs,
            topicPartitions: t.topics.flatMap((tp) =>
              tp.partitions.map((partition) => ({ topic: tp.topic, partition })),
            ),
          }
        }
      }),
    )
  }

  /** Active producers of one partition (from its leader). */
  async describeProducers(
    topic: string,
    partition: number,
    options: { timeoutMs?: number } = {},
  ): Promise<ProducerState[]> {
    const opts = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }
    await this.#cluster.topicMetadata([topic], opts)
    const leader = this.#cluster.leaderFor(topic, partition)
    if (leader === undefined) throw new KafkaError(`No leader known for ${topic}-${partition}`, 'ERR_NO_LEADER')
    const res = await this.#cluster.send(
      leader.nodeId,
      Apis.DescribeProducers,
      { topics: [{ name: topic, partitionIndexes: [partition] }] },
      opts,
    )
    const p = res.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === partition)
    if (p === undefined) throw new KafkaError(`DescribeProducers returned nothing for ${topic}-${partition}`)
    if (p.errorCode !== ErrorCode.NONE) {
      throw brokerError(p.errorCode, p.errorMessage, { topic, partition, apiKey: Apis.DescribeProducers.apiKey })
    }
    return p.activeProducers.map((a) => ({
      producerId: a.producerId,
      producerEpoch: a.producerEpoch,
      lastSequence: a.lastSequence,
      lastTimestamp: a.lastTimestamp,
      coordinatorEpoch: a.coordinatorEpoch,
      currentTransactionStartOffset: a.currentTxnStartOffset,
    }))
  }

  /**
   * Writes an abort marker for `spec`'s producer on the partition: its open transaction's records
   * become aborted and the last stable offset moves past them. Only for hanging transactions: an
   * abort of a transaction its coordinator still tracks races the coordinator's own markers.
   */
  async abortTransaction(spec: AbortTransactionSpec, options: { timeoutMs?: number } = {}): Promise<void> {
    const opts = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }
    const { topic, partition } = spec
    for (let attempt = 0; ; attempt++) {
      await this.#cluster.topicMetadata([topic], opts)
      const leader = this.#cluster.leaderFor(topic, partition)
      if (leader === undefined) throw new KafkaError(`No leader known for ${topic}-${partition}`, 'ERR_NO_LEADER')
      const res = await this.#cluster.send(
        leader.nodeId,
        Apis.WriteTxnMarkers,
        {
          markers: [
            {
              producerId: spec.producerId,
              producerEpoch: spec.producerEpoch,
              transactionResult: false, // abort
              topics: [{ name: topic, partitionIndexes: [partition] }],
              coordinatorEpoch: spec.coordinatorEpoch,
            },
          ],
        },
        opts,
      )
      const errorCode = res.markers
        .find((m) => m.producerId === spec.producerId)
        ?.topics.find((t) => t.name === topic)
        ?.partitions.find((p) => p.partitionIndex === partition)?.errorCode
      if (errorCode === undefined) throw new KafkaError(`WriteTxnMarkers returned nothing for ${topic}-${partition}`)
      if (errorCode === ErrorCode.NONE) return
      // The leader moved (or is being elected): look it up again, as Java's AbortTransactionHandler.
      if (
        (errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || errorCode === ErrorCode.LEADER_NOT_AVAILABLE) &&
        attempt < 5
      ) {
        this.#cluster.invalidateMetadata({ topic, reason: 'WriteTxnMarkers: not the leader' })
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)))
        continue
      }
      throw brokerError(errorCode, `abort of producer ${spec.producerId} on ${topic}-${partition}`, {
        topic,
        partition,
        apiKey: Apis.WriteTxnMarkers.apiKey,
      })
    }
  }

  /**
   * The `kafka-transactions abort --start-offset` lookup: the spec of the producer whose open
   * transaction on the partition starts at `startOffset` (DescribeProducers on its leader).
   */
  async findHangingTransaction(
    topic: string,
    partition: number,
    startOffset: bigint,
    options: { timeoutMs?: number } = {},
  ): Promise<AbortTransactionSpec> {
    const producers = await this.describeProducers(topic, partition, options)
    const matches = producers.filter((p) => p.currentTransactionStartOffset === startOffset)
    if (matches.length === 0) {
      throw new KafkaError(
        `No open transaction on ${topic}-${partition} starts at offset ${startOffset} (open ones start at: ${
          producers
            .filter((p) => p.currentTransactionStartOffset >= 0n)
            .map((p) => p.currentTransactionStartOffset)
            .join(', ') || 'none'
        })`,
        'ERR_NO_OPEN_TRANSACTION',
      )
    }
    if (matches.length > 1) {
      throw new KafkaError(
        `More than one producer's open transaction on ${topic}-${partition} starts at offset ${startOffset}: ${matches
          .map((p) => p.producerId)
          .join(', ')}`,
        'ERR_AMBIGUOUS_TRANSACTION',
      )
    }
    const p = matches[0]!
    return {
      topic,
      partition,
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      coordinatorEpoch: Math.max(p.coordinatorEpoch, 0),
    }
  }

  /** findHangingTransaction, then abortTransaction; returns what was aborted. */
  async abortTransactionAt(
    topic: string,
    partition: number,
    startOffset: bigint,
    options: { timeoutMs?: number } = {},
  ): Promise<AbortTransactionSpec> {
    const spec = await this.findHangingTransaction(topic, partition, startOffset, options)
    await this.abortTransaction(spec, options)
    return spec
  }

  close(): Promise<void> {
    return this.#cluster.close()
  }
}

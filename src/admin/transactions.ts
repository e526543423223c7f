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
 * Not here yet: abortTransaction (Kafka's `kafka-transactions abort` sends WriteTxnMarkers to the
 * partition leader; that message is not generated in src/protocol/messages yet).
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

  close(): Promise<void> {
    return this.#cluster.close()
  }
}

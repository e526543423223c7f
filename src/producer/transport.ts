/**
 * The producer's transport: `ProduceTransport` (what the SenderLoop needs, sender.ts) over a
 * Cluster. Owned by the producer; the SenderLoop is its only caller.
 *
 * The Sender decides the highest Produce version a request may use (`plan.maxVersion`: v12 when a
 * topic id is unknown, since v13 addresses topics by id only); the cluster sends at
 * min(negotiated, maxVersion). Stale metadata is reported by the Sender (error codes whose
 * `invalidatesMetadata` flag is set, unknown leaders) through `requestMetadataRefresh()`: the
 * cluster does not look inside Produce responses.
 */
import type { Cluster } from '../cluster/cluster.js'
import { channels, type ProducerProduceMessage, traced } from '../diagnostics/index.js'
import { ErrorCode } from '../error-codes.js'
import { brokerError } from '../errors.js'
import { Apis } from '../protocol/index.js'
import type { ProduceTransport } from './sender.js'

/** The parts of Cluster the transport uses. */
export type TransportCluster = Pick<Cluster, 'topic' | 'send' | 'sendAny' | 'requestMetadataRefresh'>

/**
 * The parts of Cluster the producer uses (producer.ts). @internal Tests and benchmarks pass a fake
 * as the symbol-keyed option PRODUCER_CLUSTER (internal/seams.ts) to run the producer without a broker.
 */
export type ProducerCluster = TransportCluster &
  Pick<Cluster, 'topicMetadata' | 'refreshMetadata' | 'updateLeader' | 'connect' | 'close'>

export interface TransportOptions {
  /** Bound of the InitProducerId exchange. */
  requestTimeoutMs: number
  /** Bootstraps the cluster (once) before the first InitProducerId. */
  ensureConnected: () => Promise<void>
  /** For the `kafka-wire:producer:produce` channel's payload. */
  clientId?: string
}

export function clusterTransport(cluster: TransportCluster, options: TransportOptions): ProduceTransport {
  const { requestTimeoutMs, ensureConnected } = options
  return {
    metadata: cluster,
    produce: (nodeId, body, opts) => {
      const send = () =>
        cluster.send(nodeId, Apis.Produce, body, {
          workload: 'produce',
          timeoutMs: opts.timeoutMs,
          expectResponse: opts.expectResponse,
          maxVersion: opts.maxVersion,
        })
      if (!channels.producerProduce.hasSubscribers) return send()
      const partitions: ProducerProduceMessage['partitions'] = []
      for (const t of body.topicData ?? []) {
        for (const p of t.partitionData ?? [])
          partitions.push({ topic: (t.name as string) ?? '', partition: p.index ?? -1 })
      }
      return traced(channels.producerProduce, { clientId: options.clientId ?? '', nodeId, partitions }, send)
    },
    initProducerId: async () => {
      await ensureConnected()
      const res = await cluster.sendAny(
        Apis.InitProducerId,
        { transactionalId: null, transactionTimeoutMs: 2147483647 },
        { timeoutMs: requestTimeoutMs },
      )
      if (res.errorCode !== ErrorCode.NONE) {
        const hint =
          res.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED
            ? 'InitProducerId for idempotence was refused: the principal needs IDEMPOTENT_WRITE on the cluster or WRITE on a topic (or set enableIdempotence: false)'
            : 'InitProducerId for idempotence failed'
        throw brokerError(res.errorCode, hint, { apiKey: Apis.InitProducerId.apiKey })
      }
      return { producerId: res.producerId, producerEpoch: res.producerEpoch }
    },
    requestMetadataRefresh: () => cluster.requestMetadataRefresh(),
  }
}

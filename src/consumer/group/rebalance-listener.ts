/**
 * Calling the application's ConsumerRebalanceListener, the same way under both group protocols
 * (classic.ts, consumer-protocol-membership.ts): awaited, with the partitions sorted, and an error
 * it throws logged and handed back (the membership rethrows it from poll(), as Java does).
 * Each callback is traced on `kafka-wire:group:rebalance` (src/diagnostics) when someone subscribes.
 */
import { channels, clientIdOf, traced } from '../../diagnostics/index.js'
import type { Log } from '../../internal/log.js'
import type { SubscriptionState } from '../subscription-state.js'
import { sortTps, type TopicPartition } from '../types.js'

export type ListenerCallback = 'onPartitionsRevoked' | 'onPartitionsAssigned' | 'onPartitionsLost'
const EVENT = { onPartitionsRevoked: 'revoked', onPartitionsAssigned: 'assigned', onPartitionsLost: 'lost' } as const

/** Runs one callback if the listener has it; resolves the error it threw, or undefined. */
export async function invokeRebalanceListener(
  subscriptions: SubscriptionState,
  logger: Log | undefined,
  groupId: string,
  kind: ListenerCallback,
  tps: TopicPartition[],
  cluster?: unknown,
): Promise<unknown> {
  if (logger?.enabled('info') && (tps.length > 0 || kind === 'onPartitionsAssigned')) {
    const partitions = sortTps([...tps]).map((tp) => `${tp.topic}-${tp.partition}`)
    logger.info({ groupId, partitions }, `kafka-wire group: partitions ${EVENT[kind]}`)
  }
  const listener = subscriptions.listener
  const fn = listener[kind]
  if (fn === undefined && !channels.groupRebalance.hasSubscribers) return undefined
  const sorted = sortTps([...tps])
  const call = async () => {
    await fn?.call(listener, sorted)
  }
  try {
    if (!channels.groupRebalance.hasSubscribers) await call()
    else {
      const partitions = sorted.map((tp) => ({ topic: tp.topic, partition: tp.partition }))
      await traced(channels.groupRebalance, { clientId: clientIdOf(cluster), groupId, kind, partitions }, call)
    }
    return undefined
  } catch (err) {
    logger?.error({ groupId, callback: kind, err }, 'kafka-wire group: the rebalance listener threw')
    return err
  }
}

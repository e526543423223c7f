/**
 * Calling the application's ConsumerRebalanceListener, the same way under both group protocols
 * (classic.ts, consumer-protocol-membership.ts): awaited, with the partitions sorted, and an error
 * it throws logged and handed back (the membership rethrows it from poll(), as Java does).
 */
import type { Logger } from '../../internal/logger.js'
import type { SubscriptionState } from '../subscription-state.js'
import { sortTps, type TopicPartition } from '../types.js'

export type ListenerCallback = 'onPartitionsRevoked' | 'onPartitionsAssigned' | 'onPartitionsLost'

/** Runs one callback if the listener has it; resolves the error it threw, or undefined. */
export async function invokeRebalanceListener(
  subscriptions: SubscriptionState,
  logger: Logger | undefined,
  groupId: string,
  kind: ListenerCallback,
  tps: TopicPartition[],
): Promise<unknown> {
  const listener = subscriptions.listener
  const fn = listener[kind]
  if (fn === undefined) return undefined
  try {
    await fn.call(listener, sortTps([...tps]))
    return undefined
  } catch (err) {
    logger?.error(`kafka-wire: group ${groupId}: ${kind} threw: ${String(err)}`)
    return err
  }
}

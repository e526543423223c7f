/**
 * Assignors whose `assign()` is asynchronous (kafkajs's assigner interface is: the kafkajs layer wraps
 * them, src/kafkajs/assigners.ts). The contract of types.ts stays synchronous for every built-in
 * assignor and for callers that use the result directly; the group leader (group/classic.ts) awaits
 * whatever `assign()` returns, so an assignor built here may return a promise.
 */
import type { ConsumerPartitionAssignor, GroupAssignment, MemberSubscription, PartitionRacks } from './types.js'

export interface AsyncPartitionAssignor extends Omit<ConsumerPartitionAssignor, 'assign'> {
  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<string, MemberSubscription>,
    partitionRacks?: PartitionRacks,
  ): Promise<Map<string, GroupAssignment>>
}

/** An assignor the consumer accepts in `partitionAssignmentStrategy`; its leader awaits `assign()`. */
export function asyncAssignor(assignor: AsyncPartitionAssignor): ConsumerPartitionAssignor {
  return assignor as unknown as ConsumerPartitionAssignor
}

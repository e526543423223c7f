/** Partition assignors for the classic consumer group protocol; see types.ts for the contract. */
export { CooperativeStickyAssignor } from './cooperative-sticky.js'
export {
  type AssignorSpec,
  createAssignors,
  DEFAULT_PARTITION_ASSIGNMENT_STRATEGY,
  selectRebalanceProtocol,
} from './factory.js'
export { RangeAssignor } from './range.js'
export { RoundRobinAssignor } from './round-robin.js'
export {
  DEFAULT_GENERATION,
  decodeCooperativeGeneration,
  decodeStickyUserData,
  encodeCooperativeUserData,
  encodeStickyUserData,
  type MemberData,
} from './sticky/user-data.js'
export { StickyAssignor } from './sticky.js'
export type {
  ConsumerPartitionAssignor,
  GroupAssignment,
  MemberSubscription,
  PartitionRacks,
  RebalanceProtocol,
  TopicPartition,
} from './types.js'

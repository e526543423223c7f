/**
 * The partition assignor contract of the classic consumer group protocol.
 *
 * Who calls what:
 * - Every member calls `subscriptionUserData()` while building its JoinGroup metadata
 *   (ConsumerProtocolSubscription), once per configured assignor, in preference order.
 * - The group leader, after JoinGroup, looks up the assignor whose `name` the broker chose as the
 *   group protocol and calls `assign()` with every member's decoded subscription. The result is
 *   sent back in SyncGroup. Because a Java member may be the leader for a kafka-wire member (and
 *   the reverse), names and userData formats are exactly the Java client's.
 * - Every member calls `onAssignment()` when its own assignment arrives in SyncGroup (the sticky
 *   assignor remembers it there to report it in the next rebalance).
 *
 * Assignors are pure and synchronous: no I/O, no clock, and the output depends only on the
 * input (never on the iteration order of the input maps), so tests can compare results exactly.
 *
 * `assign()` input contract (the coordinator builds it from metadata, as Java's
 * AbstractPartitionAssignor does):
 * - `partitionsPerTopic`: partition count of each subscribed topic known to metadata. Topics that
 *   nobody subscribes to, or with no partitions, are ignored.
 * - `subscriptions`: member id → subscription, for every member of the group.
 * - `partitionRacks` (optional, KIP-881 rack-aware assignment): topic → per-partition list of the
 *   racks of its replicas (index = partition id). Used only if members report a `rackId`.
 * Output: an entry for every member (possibly with no partitions); within an entry, partitions
 * sorted by topic, then partition.
 */

export interface TopicPartition {
  topic: string
  partition: number
}

/** The rebalance protocols of KIP-429; the numeric order (EAGER < COOPERATIVE) matters for selection. */
export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE'

/** One member's decoded ConsumerProtocolSubscription, as the group leader sees it. */
export interface MemberSubscription {
  memberId: string
  /** Static membership (KIP-345): range and roundrobin order static members by this id. */
  groupInstanceId: string | null
  topics: string[]
  /** The assignor-specific bytes from `subscriptionUserData()`. */
  userData: Buffer | null
  /** Partitions the member owns now (ConsumerProtocolSubscription v1+; empty for eager members). */
  ownedPartitions: TopicPartition[]
  /** The generation the member last joined (v2+); -1 if unknown. */
  generationId: number
  /** The member's `clientRack` (v3+), or null. */
  rackId: string | null
}

export interface GroupAssignment {
  partitions: TopicPartition[]
  userData: Buffer | null
}

/** topic → for each partition (index = partition id), the racks of its replicas. */
export type PartitionRacks = ReadonlyMap<string, ReadonlyArray<ReadonlyArray<string>>>

export interface ConsumerPartitionAssignor {
  /** The group protocol name: 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky' | a custom name. */
  readonly name: string
  readonly supportedProtocols: readonly RebalanceProtocol[]
  /**
   * userData this member puts into its subscription for this assignor, or null.
   * `ownedPartitions` and `generationId` describe the member at join time; the built-in assignors
   * follow Java and use what they remembered in `onAssignment()` instead.
   */
  subscriptionUserData?(topics: Set<string>, ownedPartitions: TopicPartition[], generationId: number): Buffer | null
  /** Run on the group leader only. Must assign each partition of a subscribed topic to at most one member. */
  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<string, MemberSubscription>,
    partitionRacks?: PartitionRacks,
  ): Map<string, GroupAssignment>
  /** Run on every member when its assignment arrives (SyncGroup). */
  onAssignment?(assignment: GroupAssignment, generationId: number): void
}

// Helpers of the admin integration tests: unique names, raw produce, and group members made by hand
// (classic JoinGroup/SyncGroup and KIP-848 ConsumerGroupHeartbeat) through the cluster layer, so the
// admin tests depend on nothing above it.
import { randomUUID } from 'node:crypto'
import { Cluster, resolveCommonOptions } from '../../../src/cluster/index.js'
import { brokerError } from '../../../src/errors.js'
import {
  Apis,
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  encodeMessage,
} from '../../../src/protocol/index.js'
import { RecordBatchBuilder } from '../../../src/protocol/records/index.js'

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

export function rawCluster(bootstrapServers: string): Cluster {
  return new Cluster(resolveCommonOptions({ bootstrapServers, clientId: 'admin-test-helper' }))
}

/** Produces records (acks=all) to one partition; returns the base offset. */
export async function produce(
  cluster: Cluster,
  topic: string,
  partition: number,
  records: { value: string; timestamp?: number }[],
): Promise<bigint> {
  const md = await cluster.topicMetadata([topic], { timeoutMs: 30_000 })
  const t = md.get(topic)!
  const leader = t.partitions.find((p) => p.partition === partition)!.leaderId
  const builder = new RecordBatchBuilder()
  for (const r of records) builder.tryAppend(r.timestamp ?? Date.now(), null, Buffer.from(r.value))
  const res = await cluster.send(
    leader,
    Apis.Produce,
    {
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: topic, topicId: t.topicId, partitionData: [{ index: partition, records: builder.build() }] }],
    },
    { workload: 'produce' },
  )
  const p = res.responses[0]!.partitionResponses[0]!
  if (p.errorCode !== 0) throw brokerError(p.errorCode, null, { topic, partition })
  return p.baseOffset
}

function versioned(schema: any, version: number, value: object): Buffer {
  const prefix = Buffer.alloc(2)
  prefix.writeInt16BE(version)
  return Buffer.concat([prefix, encodeMessage(schema, version, value)])
}

export interface Member {
  memberId: string
  leave(): Promise<void>
}

/**
 * Joins a classic group with the 'consumer' protocol as its only member and syncs `assignment`
 * (so the group is Stable with a decodable assignment). The member stays until leave() (or its
 * 30 s session expires).
 */
export async function joinClassicGroup(
  cluster: Cluster,
  groupId: string,
  topics: string[],
  assignment: { topic: string; partitions: number[] }[],
): Promise<Member> {
  const coordinator = await cluster.findCoordinator('group', groupId)
  const join = (memberId: string) =>
    cluster.send(
      coordinator,
      Apis.JoinGroup,
      {
        groupId,
        sessionTimeoutMs: 30_000,
        rebalanceTimeoutMs: 10_000,
        memberId,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: versioned(ConsumerProtocolSubscription, 1, { topics }) }],
      },
      { workload: 'group', timeoutMs: 30_000 },
    )
  let res = await join('')
  if (res.errorCode === 79) res = await join(res.memberId) // MEMBER_ID_REQUIRED
  if (res.errorCode !== 0) throw brokerError(res.errorCode, `JoinGroup ${groupId}`)
  const memberId = res.memberId
  const sync = await cluster.send(
    coordinator,
    Apis.SyncGroup,
    {
      groupId,
      generationId: res.generationId,
      memberId,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [
        {
          memberId,
          assignment: versioned(ConsumerProtocolAssignment, 0, { assignedPartitions: assignment, userData: null }),
        },
      ],
    },
    { workload: 'group' },
  )
  if (sync.errorCode !== 0) throw brokerError(sync.errorCode, `SyncGroup ${groupId}`)
  return {
    memberId,
    async leave() {
      const left = await cluster.send(coordinator, Apis.LeaveGroup, { groupId, members: [{ memberId }] })
      if (left.errorCode !== 0) throw brokerError(left.errorCode, `LeaveGroup ${groupId}`)
    },
  }
}

/** Joins a KIP-848 'consumer' group (ConsumerGroupHeartbeat) and heartbeats until it owns its assignment. */
export async function joinConsumerGroup(cluster: Cluster, groupId: string, topics: string[]): Promise<Member> {
  const coordinator = await cluster.findCoordinator('group', groupId)
  const memberId = randomUUID()
  const heartbeat = (memberEpoch: number) =>
    cluster.send(
      coordinator,
      Apis.ConsumerGroupHeartbeat,
      {
        groupId,
        memberId,
        memberEpoch,
        rebalanceTimeoutMs: memberEpoch === 0 ? 10_000 : -1,
        subscribedTopicNames: memberEpoch === 0 ? topics : null,
        topicPartitions: memberEpoch === 0 ? [] : null,
      },
      { workload: 'group' },
    )
  const res = await heartbeat(0)
  if (res.errorCode !== 0) throw brokerError(res.errorCode, res.errorMessage)
  return {
    memberId,
    async leave() {
      const left = await heartbeat(-1)
      if (left.errorCode !== 0) throw brokerError(left.errorCode, left.errorMessage)
    },
  }
}

/** Retries `fn` until it stops throwing or `timeoutMs` passes (for eventually-consistent metadata). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await fn()
    } catch (e) {
      if (Date.now() > deadline) throw e
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

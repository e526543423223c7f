// KIP-848 ('consumer' group protocol) against the real broker, members in this process:
// - two members share a topic's partitions exclusively; a join and a leave rebalance with awaited listeners
// - the members show as consumer-protocol members in ConsumerGroupDescribe (KIP-1043 memberType)
// - commits carry the member id and epoch; a commit with a stale epoch is fenced
// - broker-side regex picks up a topic created after the subscription
// - an assignor the broker does not have is a clear fatal error
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Cluster, resolveCommonOptions } from '../../../src/cluster/index.js'
import { Consumer, type ConsumerOptions } from '../../../src/consumer/index.js'
import { ErrorCode } from '../../../src/error-codes.js'
import { Apis } from '../../../src/protocol/index.js'
import { createTopic, RawProducer, uniqueName, values, waitFor } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

type Event = { kind: 'revoked' | 'assigned' | 'lost'; partitions: number[]; at: number }

/** A member polling in the background, recording listener calls (each awaited: it sleeps 100 ms). */
class LoopMember {
  readonly consumer: Consumer<Buffer | null, Buffer | null>
  readonly events: Event[] = []
  readonly seen: string[] = []
  #running = true
  #loop: Promise<void>
  error: unknown = null

  constructor(
    groupId: string,
    subscribe: (c: Consumer, self: LoopMember) => void,
    options: Partial<ConsumerOptions> = {},
    readonly listenerDelayMs = 100,
  ) {
    this.consumer = new Consumer({
      bootstrapServers,
      groupId,
      groupProtocol: 'consumer',
      autoOffsetReset: 'earliest',
      ...options,
    })
    subscribe(this.consumer, this)
    this.#loop = this.#run()
  }

  listener() {
    const record = (kind: Event['kind']) => async (tps: { partition: number }[]) => {
      // Awaited by the consumer: a slow listener must finish before the partitions move on.
      await new Promise((r) => setTimeout(r, this.listenerDelayMs))
      this.events.push({ kind, partitions: tps.map((t) => t.partition), at: Date.now() })
    }
    return {
      onPartitionsRevoked: record('revoked'),
      onPartitionsAssigned: record('assigned'),
      onPartitionsLost: record('lost'),
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        const records = await this.consumer.poll(200)
        for (const r of records) this.seen.push(r.value!.toString())
      } catch (err) {
        this.error = err
        return
      }
    }
  }

  assignment(): number[] {
    return this.consumer
      .assignment()
      .map((tp) => tp.partition)
      .sort((a, b) => a - b)
  }

  async close(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    await this.#loop
    await this.consumer.close()
  }
}

describe("groupProtocol 'consumer' (KIP-848)", () => {
  let producer: RawProducer
  let admin: Admin
  beforeAll(() => {
    producer = new RawProducer(bootstrapServers)
    admin = new Admin({ bootstrapServers })
  })
  afterAll(async () => {
    await producer?.close()
    await admin?.close()
  })

  it('two members share the partitions exclusively, rebalance on join and leave, and show as consumer-protocol members', async () => {
    const topic = uniqueName('kip848-share')
    await createTopic(bootstrapServers, topic, 4)
    for (let p = 0; p < 4; p++) await producer.send(topic, p, values(`p${p}`, 5))
    const groupId = uniqueName('g-kip848')
    const a = new LoopMember(groupId, (c, self) => c.subscribe([topic], self.listener()))
    try {
      await waitFor('a owns all 4 partitions', () => a.assignment().length === 4)
      await waitFor('a read all records', () => a.seen.length === 20)
      expect(a.consumer.groupMetadata().generationId).toBeGreaterThan(0)
      expect(a.consumer.groupMetadata().memberId).toMatch(/^[0-9a-f-]{36}$/)

      const b = new LoopMember(groupId, (c, self) => c.subscribe([topic], self.listener()))
      try {
        await waitFor(
          'a and b own 2 partitions each',
          () =>
            a.assignment().length === 2 &&
            b.assignment().length === 2 &&
            b.events.some((e) => e.kind === 'assigned' && e.partitions.length > 0),
          { timeoutMs: 30000 },
        )
        // Exclusive: no partition owned by both.
        expect([...a.assignment(), ...b.assignment()].sort()).toEqual([0, 1, 2, 3])
        // a gave up two partitions through an awaited onPartitionsRevoked before b got them.
        const revoked = a.events.find((e) => e.kind === 'revoked')!
        expect(revoked.partitions).toHaveLength(2)
        const bAssigned = b.events.filter((e) => e.kind === 'assigned' && e.partitions.length > 0)
        expect(bAssigned.flatMap((e) => e.partitions).sort()).toEqual(revoked.partitions.sort())
        expect(bAssigned[0]!.at).toBeGreaterThanOrEqual(revoked.at)

        // ConsumerGroupDescribe: both are consumer-protocol members (KIP-1043), not classic ones.
        const described = await describeGroup(groupId)
        expect(described.errorCode).toBe(ErrorCode.NONE)
        expect(described.members.map((m) => m.memberId).sort()).toEqual(
          [a.consumer.groupMetadata().memberId, b.consumer.groupMetadata().memberId].sort(),
        )
        for (const m of described.members) expect(m.memberType).toBe(1) // 1 = consumer, 0 = classic
      } finally {
        await b.close()
      }
      // b left with epoch -1 (after its onPartitionsRevoked): a gets everything back at once.
      expect(b.events.at(-1)?.kind).toBe('revoked')
      await waitFor('a owns all 4 partitions again', () => a.assignment().length === 4, { timeoutMs: 20000 })
      expect(a.error).toBeNull()
    } finally {
      await a.close()
    }
  }, 90_000)

  it('a static member (groupInstanceId) leaves with epoch -2 on close and gets the same partitions back on restart; clientRack is sent', async () => {
    const topic = uniqueName('kip848-static')
    await createTopic(bootstrapServers, topic, 4)
    const groupId = uniqueName('g-kip848-static')
    const staticOptions = { groupInstanceId: 'instance-a', clientRack: 'rack-a' }
    const a = new LoopMember(groupId, (c, self) => c.subscribe([topic], self.listener()), staticOptions, 0)
    const b = new LoopMember(groupId, (c, self) => c.subscribe([topic], self.listener()), {}, 0)
    try {
      await waitFor('a and b own 2 partitions each', () => a.assignment().length === 2 && b.assignment().length === 2)
      const described = await describeGroup(groupId)
      const staticMember = described.members.find((m) => m.instanceId === 'instance-a')!
      expect(staticMember.rackId).toBe('rack-a')
      const ownedByA = a.assignment()
      const ownedByB = b.assignment()
      const bEvents = b.events.length
      await a.close()
      // A temporary leave (-2): a's partitions stay reserved for it, b does not get them.
      await new Promise((r) => setTimeout(r, 3000))
      expect(b.assignment()).toEqual(ownedByB)
      expect((await describeGroup(groupId)).members.some((m) => m.instanceId === 'instance-a')).toBe(true)
      const a2 = new LoopMember(groupId, (c, self) => c.subscribe([topic], self.listener()), staticOptions, 0)
      try {
        await waitFor('the restarted static member owns its partitions again', () => a2.assignment().length === 2)
        expect(a2.assignment()).toEqual(ownedByA)
        expect(b.assignment()).toEqual(ownedByB)
        // b saw no rebalance at all: no revocation, nothing new assigned.
        expect(b.events.slice(bEvents).filter((e) => e.partitions.length > 0)).toEqual([])
      } finally {
        await a2.close()
      }
    } finally {
      await a.close()
      await b.close()
    }
  }, 60_000)

  it('a member removed from the group (UNKNOWN_MEMBER_ID / FENCED_MEMBER_EPOCH) runs onPartitionsLost and rejoins with the same member id', async () => {
    const topic = uniqueName('kip848-fenced')
    await createTopic(bootstrapServers, topic, 2)
    const groupId = uniqueName('g-kip848-fenced')
    const m = new LoopMember(groupId, (c, self) => c.subscribe([topic], self.listener()), {}, 0)
    try {
      await waitFor('m owns both partitions', () => m.assignment().length === 2)
      const { memberId } = m.consumer.groupMetadata()
      // Someone else makes the member leave on its behalf (epoch -1 with its member id).
      const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
      try {
        const coordinator = await cluster.findCoordinator('group', groupId)
        const res = await cluster.send(coordinator, Apis.ConsumerGroupHeartbeat, {
          groupId,
          memberId,
          memberEpoch: -1,
        })
        expect(res.errorCode).toBe(ErrorCode.NONE)
      } finally {
        await cluster.close()
      }
      await waitFor('m lost its partitions', () => m.events.some((e) => e.kind === 'lost'), { timeoutMs: 20000 })
      expect(m.events.find((e) => e.kind === 'lost')!.partitions).toEqual([0, 1])
      await waitFor('m rejoined and owns both partitions again', () => m.assignment().length === 2, {
        timeoutMs: 20000,
      })
      expect(m.consumer.groupMetadata().memberId).toBe(memberId)
      expect(m.error).toBeNull()
    } finally {
      await m.close()
    }
  }, 60_000)

  it('commits carry the member epoch: a commit with a stale epoch is fenced', async () => {
    const topic = uniqueName('kip848-commit')
    await createTopic(bootstrapServers, topic, 1)
    await producer.send(topic, 0, values('c', 3))
    const groupId = uniqueName('g-kip848-commit')
    const c = new Consumer({ bootstrapServers, groupId, groupProtocol: 'consumer', autoOffsetReset: 'earliest' })
    try {
      c.subscribe([topic])
      let n = 0
      while (n < 3) n += (await c.poll(500)).count
      await c.commitSync()
      expect((await c.committed([{ topic, partition: 0 }]))[0]!.offset).toBe(3n)
      const { memberId, generationId } = c.groupMetadata()
      // The same commit by hand with an epoch above the member's: STALE_MEMBER_EPOCH.
      const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
      try {
        const coordinator = await cluster.findCoordinator('group', groupId)
        const commit = (epoch: number) =>
          cluster.send(
            coordinator,
            Apis.OffsetCommit,
            {
              groupId,
              generationIdOrMemberEpoch: epoch,
              memberId,
              groupInstanceId: null,
              topics: [
                {
                  name: topic,
                  topicId: cluster.topic(topic)?.topicId ?? '00000000-0000-0000-0000-000000000000',
                  partitions: [
                    { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null },
                  ],
                },
              ],
            },
            { maxVersion: 9 },
          )
        await cluster.topicMetadata([topic])
        const stale = await commit(generationId + 1)
        expect(stale.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH)
        const unknown = await cluster.send(
          coordinator,
          Apis.OffsetCommit,
          {
            groupId,
            generationIdOrMemberEpoch: generationId,
            memberId: 'not-a-member',
            groupInstanceId: null,
            topics: [
              {
                name: topic,
                partitions: [
                  { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null },
                ],
              },
            ],
          },
          { maxVersion: 9 },
        )
        expect(unknown.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
      } finally {
        await cluster.close()
      }
      // Our own commit (the member's current epoch) still succeeds.
      await c.commitSync([{ topic, partition: 0, offset: 2n }])
      expect((await c.committed([{ topic, partition: 0 }]))[0]!.offset).toBe(2n)
    } finally {
      await c.close()
    }
  }, 60_000)

  it('a broker-side regex picks up a topic created after the subscription', async () => {
    const prefix = uniqueName('kip848re')
    const first = `${prefix}-a`
    await createTopic(bootstrapServers, first, 1)
    await producer.send(first, 0, values('a', 2))
    const groupId = uniqueName('g-kip848-re')
    const m = new LoopMember(groupId, (c, self) => c.subscribe({ pattern: `^${prefix}-.*` }, self.listener()), {}, 0)
    try {
      await waitFor('the first topic is assigned and read', () => m.seen.length === 2, { timeoutMs: 40000 })
      const second = `${prefix}-b`
      await createTopic(bootstrapServers, second, 1)
      await producer.send(second, 0, values('b', 2))
      // The broker re-evaluates regexes at most every 10 s (and only inside a heartbeat).
      await waitFor('the new topic is assigned and read', () => m.seen.length === 4, { timeoutMs: 45000 })
      expect(
        m.consumer
          .assignment()
          .map((tp) => tp.topic)
          .sort(),
      ).toEqual([first, second])
      expect(m.error).toBeNull()
    } finally {
      await m.close()
    }
  }, 100_000)

  it('an assignor the broker does not have is a fatal UNSUPPORTED_ASSIGNOR naming the option', async () => {
    const topic = uniqueName('kip848-assignor')
    await createTopic(bootstrapServers, topic, 1)
    const c = new Consumer({
      bootstrapServers,
      groupId: uniqueName('g-kip848-assignor'),
      groupProtocol: 'consumer',
      groupRemoteAssignor: 'no-such-assignor',
    })
    try {
      c.subscribe([topic])
      let error: any
      const deadline = Date.now() + 20000
      while (error === undefined && Date.now() < deadline) {
        try {
          await c.poll(500)
        } catch (err) {
          error = err
        }
      }
      expect(error?.errorCode).toBe(ErrorCode.UNSUPPORTED_ASSIGNOR)
      expect(String(error.message)).toContain('groupRemoteAssignor')
      expect(String(error.message)).toContain('no-such-assignor')
      // Fatal: it stays failed.
      await expect(c.poll(100)).rejects.toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_ASSIGNOR })
    } finally {
      await c.close()
    }
  }, 40_000)

  async function describeGroup(groupId: string) {
    const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
    try {
      const coordinator = await cluster.findCoordinator('group', groupId)
      const res = await cluster.send(coordinator, Apis.ConsumerGroupDescribe, {
        groupIds: [groupId],
        includeAuthorizedOperations: false,
      })
      return res.groups[0]!
    } finally {
      await cluster.close()
    }
  }
})

// Group membership against the real broker, members in child processes (fixtures/member.mjs),
// under both group protocols (classic JoinGroup/SyncGroup and KIP-848 'consumer', protocols.ts):
// - a member whose event loop is blocked for 1.5 × the session timeout keeps its partitions (heartbeat thread)
// - a member that stops polling for longer than maxPollIntervalMs leaves; its partitions move; it rejoins
// - incremental rebalancing: partitions that do not move are never revoked (classic:
//   cooperative-sticky; 'consumer': the broker's assignor, always incremental)
// - static membership: a restart within the session timeout gets the same assignment, no rebalance
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { createTopic, RawProducer, uniqueName, values } from './helpers.js'
import { Member, untilBalanced } from './members.js'
import { GROUP_PROTOCOLS, groupLiveness, protocolOptions, unavailable } from './protocols.js'

const bootstrapServers = inject('kafkaBootstrapServers')

describe.each(GROUP_PROTOCOLS)('consumer groups (members in child processes), groupProtocol %s', (protocol) => {
  let producer: RawProducer
  const members: Member[] = []
  beforeAll(() => {
    producer = new RawProducer(bootstrapServers)
  })
  afterEach(async () => {
    for (const m of members.splice(0)) m.kill()
  })
  afterAll(async () => {
    await producer?.close()
  })

  /** The group's liveness: the members' own under 'classic', the group's config under 'consumer'. */
  async function liveness(groupId: string, sessionTimeoutMs = 3000, heartbeatIntervalMs = 300) {
    return groupLiveness(bootstrapServers, protocol, groupId, { sessionTimeoutMs, heartbeatIntervalMs })
  }

  function member(
    name: string,
    groupId: string,
    topic: string,
    live: { sessionTimeoutMs: number; heartbeatIntervalMs: number },
    options: Record<string, unknown> = {},
  ) {
    const m = new Member(name, {
      bootstrapServers,
      groupId,
      topics: [topic],
      commit: 'sync',
      options: { ...protocolOptions(protocol, live), ...options },
    })
    members.push(m)
    return m
  }

  const balanced = (ms: Member[], partitions: number) => untilBalanced(ms, partitions, 60000, protocol)

  async function topicWithData(prefix: string, partitions: number) {
    const topic = uniqueName(prefix)
    await createTopic(bootstrapServers, topic, partitions)
    for (let p = 0; p < partitions; p++) await producer.send(topic, p, values(`p${p}`, 20))
    return topic
  }

  it.skipIf(unavailable(protocol))(
    'a member that blocks its event loop for 1.5 × the session timeout keeps its partitions: no rebalance',
    async () => {
      const topic = await topicWithData('busy', 6)
      const groupId = uniqueName('g-busy')
      const live = await liveness(groupId)
      const a = member('a', groupId, topic, live)
      const b = member('b', groupId, topic, live)
      await balanced([a, b], 6)
      const generation = a.state!.generationId
      const generationB = b.state!.generationId
      const assignmentA = a.assignment
      const assignmentB = b.assignment
      const revokedBefore = [a.eventsOf('revoked').length, b.eventsOf('revoked').length]
      b.send({ cmd: 'block', ms: live.sessionTimeoutMs * 1.5 })
      await b.until('unblocked', () => b.eventsOf('unblocked').length > 0, 30000)
      // Give the coordinator a chance to act on a missed session, and the members to report it.
      await new Promise((r) => setTimeout(r, 2500))
      await producer.send(topic, 0, values('after', 1))
      expect(a.state!.generationId).toBe(generation)
      expect(b.state!.generationId).toBe(generationB)
      expect(a.assignment).toEqual(assignmentA)
      expect(b.assignment).toEqual(assignmentB)
      expect([a.eventsOf('revoked').length, b.eventsOf('revoked').length]).toEqual(revokedBefore)
      expect(b.eventsOf('lost')).toEqual([])
      // b kept heartbeating while blocked, and processes records again.
      await b.until(
        'b processes again',
        () => b.processed.some((r) => r.value === 'after-0') || !assignmentB.includes(0),
        10000,
      )
    },
  )

  it.skipIf(unavailable(protocol))(
    'a member that does not poll within maxPollIntervalMs leaves the group, and rejoins on its next poll',
    async () => {
      const topic = await topicWithData('maxpoll', 4)
      const groupId = uniqueName('g-maxpoll')
      const live = await liveness(groupId)
      const options = { maxPollIntervalMs: 3000 }
      const a = member('a', groupId, topic, live, options)
      const b = member('b', groupId, topic, live, options)
      await balanced([a, b], 4)
      const generation = a.state!.generationId
      b.send({ cmd: 'stop-polling', ms: 8000 })
      // b's heartbeat thread leaves after 3 s; a takes over every partition.
      await a.until(
        'a owns all partitions',
        () => a.assignment.length === 4 && a.state!.generationId > generation,
        15000,
      )
      await b.until('b polls again', () => b.eventsOf('polling-again').length > 0, 20000)
      await balanced([a, b], 4)
      // b was out of the group: what it owned was lost, not revoked.
      expect(b.eventsOf('lost').length).toBeGreaterThan(0)
    },
  )

  it.skipIf(unavailable(protocol))(
    'incremental rebalancing: when a member joins, partitions that do not move are never revoked',
    async () => {
      const topic = await topicWithData('coop', 6)
      const groupId = uniqueName('g-coop')
      const live = await liveness(groupId)
      // Classic: the client-side cooperative-sticky assignor. 'consumer': the broker's assignors are
      // all incremental (a member gives up a partition before another gets it); 'uniform' is Java's default.
      const options =
        protocol === 'classic'
          ? { partitionAssignmentStrategy: ['cooperative-sticky'] }
          : { groupRemoteAssignor: 'uniform' }
      const a = member('a', groupId, topic, live, options)
      await balanced([a], 6)
      const b = member('b', groupId, topic, live, options)
      await balanced([a, b], 6)
      const revokedFromA = a.eventsOf('revoked').flatMap((e) => e.partitions as number[])
      const keptByA = a.assignment
      expect(keptByA).toHaveLength(3)
      expect(revokedFromA.sort()).toEqual(b.assignment.slice().sort())
      for (const p of keptByA) expect(revokedFromA).not.toContain(p)
      // Two rounds: a gave up b's partitions first, then b got them.
      const firstAssignedToB = b.eventsOf('assigned').find((e) => e.partitions.length > 0)!
      const revokeAt = a.eventsOf('revoked')[0]!.at
      expect(firstAssignedToB.at).toBeGreaterThanOrEqual(revokeAt)
      expect(a.eventsOf('lost')).toEqual([])
    },
  )

  it.skipIf(unavailable(protocol))(
    'static membership: a member restarted within the session timeout gets its partitions back without a rebalance',
    async () => {
      const topic = await topicWithData('static', 4)
      const groupId = uniqueName('g-static')
      const live = await liveness(groupId, 15000)
      const a = member('a', groupId, topic, live, { groupInstanceId: 'instance-a' })
      const b = member('b', groupId, topic, live, { groupInstanceId: 'instance-b' })
      await balanced([a, b], 4)
      const generation = a.state!.generationId
      const assignmentB = b.assignment
      const revokedBefore = a.eventsOf('revoked').length
      // Static: no LeaveGroup (classic); a temporary leave, member epoch -2 ('consumer').
      await b.close()
      const b2 = member('b2', groupId, topic, live, { groupInstanceId: 'instance-b' })
      await b2.until('b2 assigned', () => b2.assignment.length > 0, 20000)
      expect(b2.assignment).toEqual(assignmentB)
      await new Promise((r) => setTimeout(r, 1500))
      expect(a.state!.generationId).toBe(generation)
      expect(a.eventsOf('revoked')).toHaveLength(revokedBefore)
      expect(a.assignment.length + b2.assignment.length).toBe(4)
    },
  )
})

// KIP-848 ('consumer' group protocol) liveness against the real broker, members in child processes
// (fixtures/member.mjs, the built package):
// - a member whose event loop is blocked for 1.5 × the group's session timeout keeps its partitions
//   (ConsumerGroupHeartbeat runs in the heartbeat worker thread)
// - a member that stops polling for longer than maxPollIntervalMs leaves (STALE): its partitions
//   move, it runs onPartitionsLost and rejoins at its next poll()
// The session timeout is the group's consumer.session.timeout.ms, set here to the broker's minimum
// (group.consumer.min.session.timeout.ms: 6 s with the kit's broker config, 45 s by Kafka's default;
// with 45 s the blocked-loop test would take over a minute, so it is skipped above 10 s).
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { createTopic, RawProducer, uniqueName, values } from './helpers.js'
import { Member } from './members.js'

const bootstrapServers = inject('kafkaBootstrapServers')

describe("groupProtocol 'consumer': liveness (members in child processes)", () => {
  let producer: RawProducer
  let admin: Admin
  let minSessionMs = 45000
  let minHeartbeatMs = 5000
  const members: Member[] = []
  beforeAll(async () => {
    producer = new RawProducer(bootstrapServers)
    admin = new Admin({ bootstrapServers })
    const brokerId = String((await admin.describeCluster()).brokers[0]!.nodeId)
    const [broker] = await admin.describeConfigs([{ type: 'broker', name: brokerId }])
    minSessionMs = Number(broker!.configs['group.consumer.min.session.timeout.ms']?.value ?? 45000)
    minHeartbeatMs = Number(broker!.configs['group.consumer.min.heartbeat.interval.ms']?.value ?? 5000)
  })
  afterEach(() => {
    for (const m of members.splice(0)) m.kill()
  })
  afterAll(async () => {
    await producer?.close()
    await admin?.close()
  })

  /** A group whose session timeout is the broker's minimum (a per-group config, KIP-848). */
  async function shortSessionGroup(prefix: string): Promise<{ groupId: string; sessionMs: number }> {
    const groupId = uniqueName(prefix)
    const sessionMs = minSessionMs
    const heartbeatMs = Math.max(minHeartbeatMs, Math.min(1000, Math.floor(sessionMs / 3)))
    await admin.incrementalAlterConfigs([
      {
        type: 'group',
        name: groupId,
        ops: [
          { name: 'consumer.session.timeout.ms', value: String(sessionMs) },
          { name: 'consumer.heartbeat.interval.ms', value: String(heartbeatMs) },
        ],
      },
    ])
    return { groupId, sessionMs }
  }

  function member(name: string, groupId: string, topic: string, options: Record<string, unknown> = {}) {
    const m = new Member(name, {
      bootstrapServers,
      groupId,
      topics: [topic],
      commit: 'sync',
      options: { groupProtocol: 'consumer', ...options },
    })
    members.push(m)
    return m
  }

  async function topicWithData(prefix: string, partitions: number) {
    const topic = uniqueName(prefix)
    await createTopic(bootstrapServers, topic, partitions)
    for (let p = 0; p < partitions; p++) await producer.send(topic, p, values(`p${p}`, 10))
    return topic
  }

  /** Each member owns something, together all partitions, none twice. */
  async function untilShared(ms: Member[], partitions: number): Promise<void> {
    const ok = () => {
      const owned = ms.flatMap((m) => m.assignment)
      return (
        ms.every((m) => m.assignment.length > 0) && owned.length === partitions && new Set(owned).size === partitions
      )
    }
    await Promise.race(ms.map((m) => m.until('the partitions are shared', ok, 40000)))
  }

  it('a member whose event loop is blocked for 1.5 × the session timeout keeps its partitions', async (ctx) => {
    if (minSessionMs > 10000) {
      ctx.skip(`the broker's group.consumer.min.session.timeout.ms is ${minSessionMs} ms: too long for this test`)
    }
    const topic = await topicWithData('kip848-busy', 4)
    const { groupId, sessionMs } = await shortSessionGroup('g-kip848-busy')
    const a = member('a', groupId, topic)
    const b = member('b', groupId, topic)
    await untilShared([a, b], 4)
    const assignmentA = a.assignment
    const assignmentB = b.assignment
    const epochB = b.state!.generationId
    const eventsBefore = [a.eventsOf('revoked').length, b.eventsOf('revoked').length]
    b.send({ cmd: 'block', ms: Math.round(sessionMs * 1.5) })
    await b.until('unblocked', () => b.eventsOf('unblocked').length > 0, 40000)
    // Time for the coordinator to act on a missed session, and for the members to report it.
    await new Promise((r) => setTimeout(r, 2000))
    const unblocked = b.eventsOf('unblocked')[0]!
    // The worker kept heartbeating (and had answers) while the main thread was blocked.
    expect(unblocked.heartbeatsReceivedAfter).toBeGreaterThan(unblocked.heartbeatsReceivedBefore)
    expect(b.eventsOf('lost')).toEqual([])
    expect(a.assignment).toEqual(assignmentA)
    expect(b.assignment).toEqual(assignmentB)
    expect(b.state!.generationId).toBe(epochB)
    expect([a.eventsOf('revoked').length, b.eventsOf('revoked').length]).toEqual(eventsBefore)
  }, 90_000)

  it('a member that stops polling past maxPollIntervalMs leaves (onPartitionsLost), its partitions move, and it rejoins', async () => {
    const topic = await topicWithData('kip848-stale', 4)
    const groupId = uniqueName('g-kip848-stale')
    const a = member('a', groupId, topic)
    const b = member('b', groupId, topic, { maxPollIntervalMs: 3000 })
    await untilShared([a, b], 4)
    b.send({ cmd: 'stop-polling', ms: 6000 })
    await a.until('a owns all 4 partitions', () => a.assignment.length === 4, 20000)
    await b.until('b polls again', () => b.eventsOf('polling-again').length > 0, 20000)
    await b.until('b ran onPartitionsLost', () => b.eventsOf('lost').length > 0, 10000)
    expect(b.eventsOf('lost')[0]!.partitions.length).toBeGreaterThan(0)
    await untilShared([a, b], 4)
  }, 90_000)
})

// The heartbeat thread over TLS and SASL: a group on the shared broker's SASL_SSL listener
// (SCRAM-SHA-512), members in child processes (fixtures/member.mjs). One member blocks its event
// loop for 1.5 × sessionTimeoutMs: the heartbeats answered meanwhile can only have come from the
// worker's own connection — TLS handshake and SCRAM authentication included, since this listener
// refuses unauthenticated requests — and the group does not rebalance.
import { readFileSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { createTopic, RawProducer, uniqueName, values } from './helpers.js'
import { Member, untilBalanced } from './members.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const info = inject('kafkaListeners')
const saslSsl = info.listeners.SASL_SSL
const scram = info.sasl?.scramUsers[0]

describe.skipIf(!saslSsl || !scram || !info.tls)('heartbeat thread on a SASL_SSL listener (SCRAM-SHA-512)', () => {
  let producer: RawProducer
  const members: Member[] = []
  const SESSION_TIMEOUT_MS = 3000
  const HEARTBEAT_INTERVAL_MS = 300

  beforeAll(() => {
    // Test data goes in over PLAINTEXT: what is under test is the members' secure connections.
    producer = new RawProducer(bootstrapServers)
  })
  afterEach(() => {
    for (const m of members.splice(0)) m.kill()
  })
  afterAll(async () => {
    await producer?.close()
  })

  function member(name: string, groupId: string, topic: string) {
    const m = new Member(name, {
      bootstrapServers: saslSsl!.bootstrapServers,
      groupId,
      topics: [topic],
      commit: 'sync',
      options: {
        tls: { ca: readFileSync(info.tls!.caPem, 'utf8') },
        sasl: { mechanism: 'SCRAM-SHA-512', username: scram!.name, password: scram!.password },
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      },
    })
    members.push(m)
    return m
  }

  it('members join and consume; one blocks its event loop for 1.5 × sessionTimeoutMs: heartbeats continue, no rebalance', async () => {
    const topic = uniqueName('secure-hb')
    await createTopic(bootstrapServers, topic, 4)
    for (let p = 0; p < 4; p++) await producer.send(topic, p, values(`p${p}`, 25))
    const groupId = uniqueName('g-secure-hb')
    const a = member('a', groupId, topic)
    const b = member('b', groupId, topic)
    await untilBalanced([a, b], 4)

    // Both consume what was produced, between them every record once.
    const processedValues = () => [...a.processed, ...b.processed].map((r) => r.value)
    await a.until('all 100 records processed', () => new Set(processedValues()).size === 100, 30000)
    expect(processedValues().sort()).toEqual(
      Array.from({ length: 4 }, (_, p) => values(`p${p}`, 25).map((r) => r.value as string))
        .flat()
        .sort(),
    )

    const generation = a.state!.generationId
    const assignmentA = a.assignment
    const assignmentB = b.assignment
    const revokedBefore = [a.eventsOf('revoked').length, b.eventsOf('revoked').length]

    const blockMs = Math.round(1.5 * SESSION_TIMEOUT_MS)
    b.send({ cmd: 'block', ms: blockMs })
    await b.until('unblocked', () => b.eventsOf('unblocked').length > 0, 30000)
    const report = b.eventsOf('unblocked')[0]!
    // The worker's heartbeats were answered while b's main thread could not run at all: about
    // blockMs / heartbeatIntervalMs of them (15); at least a third, allowing for a loaded machine.
    const answeredWhileBlocked = report.heartbeatsReceivedAfter - report.heartbeatsReceivedBefore
    expect(answeredWhileBlocked).toBeGreaterThanOrEqual(Math.floor(blockMs / HEARTBEAT_INTERVAL_MS / 3))
    expect(report.generationAfter).toBe(report.generationBefore)

    // Give the coordinator the chance to act on a missed session, and the members to report it.
    await new Promise((r) => setTimeout(r, 2500))
    await producer.send(topic, assignmentB[0]!, values('after', 1))
    expect(a.state!.generationId).toBe(generation)
    expect(b.state!.generationId).toBe(generation)
    expect(a.assignment).toEqual(assignmentA)
    expect(b.assignment).toEqual(assignmentB)
    expect([a.eventsOf('revoked').length, b.eventsOf('revoked').length]).toEqual(revokedBefore)
    expect(b.eventsOf('lost')).toEqual([])
    expect(a.eventsOf('lost')).toEqual([])
    // b still owns its partitions and consumes again.
    await b.until('b processes the new record', () => b.processed.some((r) => r.value === 'after-0'), 15000)
  })
})

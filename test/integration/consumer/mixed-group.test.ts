// kafka-wire members and Apache Kafka's Java consumer (VerifiableConsumer --group-protocol
// CONSUMER) in one group, while the Java producer (VerifiableProducer) writes sequenced records:
// - no partition is owned by two members at once (ownership intervals from both sides' listener events);
// - a SIGKILLed Java member's partitions move to the others after the session timeout;
// - every acknowledged record is read by some member (duplicates only from the killed member's
//   uncommitted reads);
// - the broker describes each member with its protocol (ConsumerGroupDescribe v1 member type,
//   KIP-1099): kafka-wire members with groupProtocol 'consumer' are consumer-protocol members, not
//   classic members that joined through JoinGroup.
// With CONSUMER_PROTOCOL_READY false (protocols.ts) the kafka-wire members speak 'classic':
// classic members inside a 'consumer' group, which the broker also supports (KIP-848 migration).
import { afterEach, describe, expect, inject, it } from 'vitest'
import { startVerifiableProducer, type VerifiableProducer } from '../../../src/testing/index.js'
import { createTopic, uniqueName, waitFor } from './helpers.js'
import {
  describeConsumerGroup,
  javaMember,
  kafkaWireMember,
  MEMBER_TYPE,
  type MixedMember,
  overlaps,
  untilMixedBalanced,
} from './mixed-group-members.js'
import { CONSUMER_PROTOCOL_READY, type GroupProtocol, groupLiveness } from './protocols.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const libDir = inject('kafkaLibDir')
const KAFKA_WIRE_PROTOCOL: GroupProtocol = CONSUMER_PROTOCOL_READY ? 'consumer' : 'classic'

describe.skipIf(!libDir)(`a group of kafka-wire (${KAFKA_WIRE_PROTOCOL}) and Java (consumer) members`, () => {
  const members: MixedMember[] = []
  let producer: VerifiableProducer | undefined
  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.kill().catch(() => undefined)))
    await producer?.kill()
  })

  it('exclusive ownership, a SIGKILLed member’s partitions move, no record missed; each member described with its protocol', async () => {
    const topic = uniqueName('mixed')
    const groupId = uniqueName('g-mixed')
    await createTopic(bootstrapServers, topic, 6)
    // The session of the consumer-protocol members is the group's (6 s, the test brokers' minimum);
    // classic members send the same.
    const liveness = await groupLiveness(bootstrapServers, 'consumer', groupId, {
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
    })
    const base = { bootstrapServers, groupId, topic, liveness }
    // The Java member first: the group is created as a 'consumer' group.
    const j1 = await javaMember('j1', libDir, { ...base, protocol: 'consumer' })
    members.push(j1)
    await j1.java.untilAssigned(undefined, 60000)
    producer = await startVerifiableProducer(libDir, {
      bootstrapServers,
      topic,
      maxMessages: 1500,
      throughput: 150,
      valuePrefix: 1, // values "1.0" … "1.1499"
    })
    const w1 = kafkaWireMember('w1', { ...base, protocol: KAFKA_WIRE_PROTOCOL })
    const w2 = kafkaWireMember('w2', { ...base, protocol: KAFKA_WIRE_PROTOCOL })
    const j2 = await javaMember('j2', libDir, { ...base, protocol: 'consumer' })
    members.push(w1, w2, j2)
    await untilMixedBalanced([j1, w1, w2, j2], 6)

    const described = await describeConsumerGroup(bootstrapServers, groupId)
    expect(described?.members).toHaveLength(4)
    for (const m of [j1, w1, w2, j2]) {
      const d = described!.members.find((x) => x.clientId === m.clientId)
      expect(d, m.clientId).toBeDefined()
      expect(d!.memberType, m.clientId).toBe(MEMBER_TYPE[m.protocol])
      expect(d!.partitions, m.clientId).toEqual(m.assignment())
    }

    // SIGKILL the Java member that owns the most: nothing tells the group; its session expires.
    const victim = [j1, j2].sort((a, b) => b.assignment().length - a.assignment().length)[0]!
    const survivors = [j1, w1, w2, j2].filter((m) => m !== victim)
    const owned = victim.assignment()
    const killedAt = Date.now()
    await victim.kill()
    await untilMixedBalanced(survivors, 6, { timeoutMs: 40000 })
    expect(Date.now() - killedAt).toBeGreaterThan(liveness.sessionTimeoutMs - 1500)
    for (const p of owned)
      expect(
        survivors.some((m) => m.assignment().includes(p)),
        `partition ${p}`,
      ).toBe(true)

    expect(await producer.untilExit(60000)).toEqual({ code: 0, signal: null })
    expect(producer.errors).toEqual([])
    const acked = new Set(producer.acked.map((e) => e.value!))
    expect(acked.size).toBe(1500)
    const all = [j1, w1, w2, j2]
    const read = () => new Set(all.flatMap((m) => m.values()))
    await waitFor('every acknowledged record read', () => [...acked].every((v) => read().has(v)), { timeoutMs: 30000 })

    for (const m of all) expect(m.ownership().length, m.name).toBeGreaterThan(0)
    expect(overlaps(all)).toEqual([])
    // Read twice only where the killed member read without committing.
    const readers = new Map<string, string[]>()
    for (const m of all) for (const v of m.values()) readers.set(v, [...(readers.get(v) ?? []), m.name])
    for (const [value, who] of readers) if (who.length > 1) expect(who, value).toContain(victim.name)
    await Promise.all(survivors.map((m) => m.close()))
  }, 180_000)
})

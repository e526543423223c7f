// Online migration between the group protocols (KIP-848; group.consumer.migration.policy is
// BIDIRECTIONAL by default in Kafka 4.x), while the Java producer writes sequenced records:
// a classic group of kafka-wire classic members is upgraded member by member to the 'consumer'
// protocol (the broker converts the group when the first consumer-protocol member joins), then
// downgraded member by member back to classic (converted back when the last one leaves). No
// partition has two owners at once, and every acknowledged record is read.
// The consumer-protocol members are Java's (VerifiableConsumer --group-protocol CONSUMER) and,
// once #16's implementation is merged (protocols.ts), kafka-wire's.
import { afterEach, describe, expect, inject, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
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
import { CONSUMER_PROTOCOL_READY, groupLiveness } from './protocols.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const libDir = inject('kafkaLibDir')

async function groupType(groupId: string): Promise<string | undefined> {
  const admin = new Admin({ bootstrapServers })
  try {
    const [g] = await admin.describeGroups([groupId])
    return g?.type
  } finally {
    await admin.close()
  }
}

describe.skipIf(!libDir).each(['java', 'kafka-wire'] as const)('online migration, upgraded by %s members', (by) => {
  const members: MixedMember[] = []
  let producer: VerifiableProducer | undefined
  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.kill().catch(() => undefined)))
    await producer?.kill()
  })

  it.skipIf(by === 'kafka-wire' && !CONSUMER_PROTOCOL_READY)(
    'classic → consumer member by member, then back to classic: the broker converts the group both ways, no record missed',
    async () => {
      const topic = uniqueName('migrate')
      const groupId = uniqueName('g-migrate')
      await createTopic(bootstrapServers, topic, 4)
      const liveness = await groupLiveness(bootstrapServers, 'consumer', groupId, {
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 500,
      })
      const base = { bootstrapServers, groupId, topic, liveness }
      let n = 0
      const classic = () => {
        const m = kafkaWireMember(`classic${++n}`, { ...base, protocol: 'classic' })
        members.push(m)
        return m
      }
      const upgraded = async () => {
        const name = `consumer${++n}`
        const m =
          by === 'java'
            ? await javaMember(name, libDir, { ...base, protocol: 'consumer' })
            : kafkaWireMember(name, { ...base, protocol: 'consumer' })
        members.push(m)
        return m
      }
      const balanced = (ms: MixedMember[]) => untilMixedBalanced(ms, 4, { timeoutMs: 60000, quietMs: 500 })
      const types = async () =>
        (await describeConsumerGroup(bootstrapServers, groupId))?.members.map((m) => m.memberType).sort()

      const c1 = classic()
      const c2 = classic()
      await balanced([c1, c2])
      expect(await groupType(groupId)).toBe('classic')
      producer = await startVerifiableProducer(libDir, { bootstrapServers, topic, throughput: 100, valuePrefix: 2 })
      await producer.untilAcked(50)

      // Upgrade: the first consumer-protocol member turns the group into a 'consumer' group whose
      // classic members stay (they keep using JoinGroup/SyncGroup/Heartbeat).
      const u1 = await upgraded()
      await balanced([c1, c2, u1])
      expect(await groupType(groupId)).toBe('consumer')
      expect(await types()).toEqual([MEMBER_TYPE.classic, MEMBER_TYPE.classic, MEMBER_TYPE.consumer])
      await c1.close()
      const u2 = await upgraded()
      await c2.close()
      await balanced([u1, u2])
      expect(await types()).toEqual([MEMBER_TYPE.consumer, MEMBER_TYPE.consumer])
      await producer.untilAcked(producer.acked.length + 50)

      // Downgrade: classic members join the 'consumer' group; when the last consumer-protocol member
      // leaves, the broker converts it back to a classic group.
      const d1 = classic()
      await balanced([u1, u2, d1])
      expect(await types()).toEqual([MEMBER_TYPE.classic, MEMBER_TYPE.consumer, MEMBER_TYPE.consumer])
      await u1.close()
      const d2 = classic()
      await u2.close()
      await balanced([d1, d2])
      await waitFor('the group converted back to classic', async () => (await groupType(groupId)) === 'classic', {
        timeoutMs: 20000,
      })
      await producer.untilAcked(producer.acked.length + 50)

      await producer.stop()
      expect(producer.errors).toEqual([])
      const acked = producer.acked.map((e) => e.value!)
      const all = [...members]
      const read = () => new Set(all.flatMap((m) => m.values()))
      await waitFor('every acknowledged record read', () => acked.every((v) => read().has(v)), { timeoutMs: 30000 })
      expect(overlaps(all)).toEqual([])
      await Promise.all([d1, d2].map((m) => m.close()))
    },
    180_000,
  )
})

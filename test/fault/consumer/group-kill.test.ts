// A group of 3 consumers (child processes) over 6 partitions while records keep arriving:
// each partition is owned by exactly one member; a 4th member joins → rebalance; one member is
// SIGKILLed → after the session timeout its partitions move to the others; the set of records
// processed equals the set produced (at-least-once: duplicates allowed, no gap). Under both group
// protocols (protocols.ts): the session timeout is the members' (classic) or the group's ('consumer').
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createTopic, RawProducer, uniqueName, values } from '../../integration/consumer/helpers.js'
import { Member, untilBalanced } from '../../integration/consumer/members.js'
import { GROUP_PROTOCOLS, groupLiveness, protocolOptions, unavailable } from '../../integration/consumer/protocols.js'

const bootstrapServers = inject('kafkaBootstrapServers')

describe.each(GROUP_PROTOCOLS)(
  'consumer group under membership changes and a killed member, groupProtocol %s',
  (protocol) => {
    const members: Member[] = []
    let producer: RawProducer | undefined
    afterAll(async () => {
      for (const m of members) m.kill()
      await producer?.close()
    })

    it.skipIf(unavailable(protocol))(
      '3 members → 4 → SIGKILL one: every partition has one owner and no record is lost',
      async () => {
        const topic = uniqueName('fault-group')
        const groupId = uniqueName('g-fault')
        await createTopic(bootstrapServers, topic, 6)
        // 'consumer': 6000 ms, the test brokers' group.consumer.min.session.timeout.ms.
        const live = await groupLiveness(bootstrapServers, protocol, groupId, {
          sessionTimeoutMs: 4000,
          heartbeatIntervalMs: 400,
        })
        producer = new RawProducer(bootstrapServers)
        const produced = new Set<string>()
        let round = 0
        async function produceRound() {
          for (let p = 0; p < 6; p++) {
            const recs = values(`r${round}-p${p}`, 25)
            await producer!.send(topic, p, recs)
            for (const r of recs) produced.add(String(r.value))
          }
          round++
        }
        const start = (name: string) => {
          const m = new Member(name, {
            bootstrapServers,
            groupId,
            topics: [topic],
            commit: 'sync',
            options: protocolOptions(protocol, live),
          })
          members.push(m)
          return m
        }
        const [a, b, c] = [start('a'), start('b'), start('c')]
        await produceRound()
        await untilBalanced([a, b, c], 6, 60000, protocol)
        await produceRound()

        const d = start('d')
        await untilBalanced([a, b, c, d], 6, 60000, protocol)
        await produceRound()

        // Kill the member that owns the most partitions; the others get them after the session timeout.
        const victim = [a, b, c, d].sort((x, y) => y.assignment.length - x.assignment.length)[0]!
        const survivors = [a, b, c, d].filter((m) => m !== victim)
        const owned = victim.assignment
        const killedAt = Date.now()
        victim.kill()
        await produceRound()
        await untilBalanced(survivors, 6, 30000, protocol)
        const movedAfter = Date.now() - killedAt
        for (const p of owned) expect(survivors.some((m) => m.assignment.includes(p))).toBe(true)
        // Not before the session timeout minus scheduling slack: nothing told the group the member died.
        expect(movedAfter).toBeGreaterThan(live.sessionTimeoutMs - 1500)
        await produceRound()

        const processed = () => new Set(members.flatMap((m) => m.processed.map((r) => r.value)))
        const deadline = Date.now() + 30000
        while (processed().size < produced.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
        expect(processed()).toEqual(produced)

        // At any time, one owner per partition: no record was processed twice except by the killed
        // member's successor re-reading what the victim had processed but not committed.
        const byValue = new Map<string, string[]>()
        for (const m of members) {
          for (const r of m.processed) byValue.set(r.value, [...(byValue.get(r.value) ?? []), m.name])
        }
        for (const [value, who] of byValue) {
          if (who.length > 1) expect(who, value).toContain(victim.name)
        }
        for (const m of survivors) await m.close()
      },
      180_000,
    )
  },
)

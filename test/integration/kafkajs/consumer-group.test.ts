// The kafkajs consumer in groups: a second member joining (differential: REBALANCING, GROUP_JOINs, the
// round-robin split, every message consumed once), a group that mixes kafkajs members and layer members (direct:
// the wire protocol of roundRobin and AssignerProtocol interoperates), and transactional messages (differential:
// aborted ones skipped by default, delivered with readUncommitted; the offsets committed).
import { Kafka as KafkaJS } from 'kafkajs'
import { describe, expect, inject, it } from 'vitest'
import { createTopic, uniqueName } from '../consumer/helpers.js'
import { committedOffsets, layerKafka, produce, until } from './consumer-helpers.js'
import { runDifferential } from './differential.js'

const FAST = { maxWaitTimeInMs: 200, heartbeatInterval: 500, sessionTimeout: 10000 }

describe('kafkajs layer: consumer groups', () => {
  it('a second member: REBALANCING, a new GROUP_JOIN for each, the partitions split, each message once', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('two-members')
      const groupId = ctx.name('g-two-members')
      await ctx.createTopic(topic, 4)
      const kafka = new k.Kafka(ctx.kafkaConfig())
      const members = [kafka.consumer({ groupId, ...FAST }), kafka.consumer({ groupId, ...FAST })]
      const joins: { member: number; partitions: number[] }[][] = [[], []]
      const rebalancing = [0, 0]
      const seen: string[] = []
      for (const [i, c] of members.entries()) {
        c.on(c.events.GROUP_JOIN, (e) =>
          joins[i]!.push({ member: i, partitions: e.payload.memberAssignment[topic] ?? [] }),
        )
        c.on(c.events.REBALANCING, () => rebalancing[i]!++)
        await c.connect()
        await c.subscribe({ topics: [topic], fromBeginning: true })
      }
      await members[0]!.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) })
      await produce(
        ctx.brokers,
        topic,
        [0, 1, 2, 3].map((partition) => ({ partition, value: `before-${partition}` })),
      )
      await until(() => seen.length >= 4)
      await members[1]!.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) })
      await until(() => joins[0]!.length >= 2 && joins[1]!.length >= 1)
      await produce(
        ctx.brokers,
        topic,
        [0, 1, 2, 3].map((partition) => ({ partition, value: `after-${partition}` })),
      )
      await until(() => seen.length >= 8)
      await until(async () => Object.values(await committedOffsets(ctx.brokers, groupId)).join() === '2,2,2,2')
      // On a loaded machine either client may go through an extra rebalance (a member's session
      // expiring, kafkajs's more often): compare the split once the group has settled on one.
      const latest = () => [...(joins[0]!.at(-1)?.partitions ?? []), ...(joins[1]!.at(-1)?.partitions ?? [])]
      await until(() => latest().sort().join() === '0,1,2,3', 30000)
      // Taken before the disconnects: the first member leaving rebalances the second, which may get
      // all four partitions (a new GROUP_JOIN) before it disconnects too.
      const lastSplit = [joins[0]!.at(-1)!.partitions, joins[1]!.at(-1)!.partitions].map((ps) => ps.length)
      const splitCovers = latest().sort()
      for (const c of members) await c.disconnect()
      return {
        // A new GROUP_JOIN for each member: at least two for the first, one for the second.
        joined: joins[0]!.length >= 2 && joins[1]!.length >= 1,
        firstJoin: joins[0]![0]!.partitions,
        lastSplit,
        splitCovers,
        rebalancing: rebalancing[0]! > 0,
        seen: seen.sort(),
      }
    })
    expect(layer).toEqual(kafkajs)
  })

  it('transactions: aborted messages skipped by default and delivered with readUncommitted; the offsets committed', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('txn')
      await ctx.createTopic(topic, 1)
      // Setup with kafkajs's transactional producer (the same bytes for both sides).
      const producer = new KafkaJS({ brokers: ctx.brokers, logLevel: 0 }).producer({
        transactionalId: ctx.name('txn-id'),
        idempotent: true,
        maxInFlightRequests: 1,
      })
      await producer.connect()
      for (const [values, commit] of [
        [['c1', 'c2'], true],
        [['aborted'], false],
        [['c3'], true],
      ] as const) {
        const txn = await producer.transaction()
        await txn.send({ topic, messages: values.map((value) => ({ value })) })
        if (commit) await txn.commit()
        else await txn.abort()
      }
      await producer.disconnect()
      const out: Record<string, unknown> = {}
      for (const readUncommitted of [false, true]) {
        const groupId = ctx.name(`g-txn-${readUncommitted}`)
        const consumer = new k.Kafka(ctx.kafkaConfig()).consumer({ groupId, ...FAST, readUncommitted })
        await consumer.connect()
        await consumer.subscribe({ topics: [topic], fromBeginning: true })
        const seen: string[] = []
        await consumer.run({ eachMessage: async ({ message }) => void seen.push(`${message.offset}:${message.value}`) })
        await until(() => seen.some((s) => s.endsWith(':c3')))
        // c3 is at 5, its marker at 6: kafkajs commits 6 (the marker is resolved by a later, empty, fetch, and
        // committed only with a later message or an autoCommitInterval); so does the layer.
        await until(async () => (await committedOffsets(ctx.brokers, groupId))[0] === '6')
        await consumer.disconnect()
        out[`readUncommitted=${readUncommitted}`] = { seen, committed: await committedOffsets(ctx.brokers, groupId) }
      }
      return out
    })
    expect(layer).toEqual(kafkajs)
  })

  it('a group of a kafkajs member and a layer member shares the partitions (roundRobin on the wire)', async () => {
    const brokers = [inject('kafkaBootstrapServers')]
    const topic = uniqueName('kjs-mixed')
    const groupId = uniqueName('kjs-mixed')
    await createTopic(brokers[0]!, topic, 4)
    const theirs = new KafkaJS({ brokers, logLevel: 0, clientId: 'kafkajs-member' }).consumer({ groupId, ...FAST })
    const ours = layerKafka(brokers[0]!).consumer({ groupId, ...FAST })
    const seen = new Map<string, string[]>([
      ['kafkajs', []],
      ['layer', []],
    ])
    const last = new Map<string, number[]>()
    try {
      for (const [name, c] of [
        ['kafkajs', theirs],
        ['layer', ours],
      ] as const) {
        c.on(c.events.GROUP_JOIN, (e: { payload: { memberAssignment: Record<string, number[]> } }) =>
          last.set(name, e.payload.memberAssignment[topic] ?? []),
        )
        await c.connect()
        await c.subscribe({ topics: [topic], fromBeginning: true })
        await c.run({
          eachMessage: async ({ message }: { message: { value: Buffer | null } }) =>
            void seen.get(name)!.push(String(message.value)),
        })
      }
      await until(
        () =>
          (last.get('kafkajs')?.length ?? 0) + (last.get('layer')?.length ?? 0) === 4 &&
          last.get('layer')!.length === 2,
      )
      await produce(
        brokers,
        topic,
        [0, 1, 2, 3].map((partition) => ({ partition, value: `m${partition}` })),
      )
      await until(() => seen.get('kafkajs')!.length + seen.get('layer')!.length >= 4)
      expect([...last.get('kafkajs')!, ...last.get('layer')!].sort()).toEqual([0, 1, 2, 3])
      expect(last.get('layer')).toHaveLength(2)
      expect([...seen.get('kafkajs')!, ...seen.get('layer')!].sort()).toEqual(['m0', 'm1', 'm2', 'm3'])
      expect(seen.get('layer')).toHaveLength(2)
    } finally {
      await theirs.disconnect()
      await ours.disconnect()
    }
  })
})

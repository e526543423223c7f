// Differential tests of `new Kafka(config)` on kafka-wire/kafkajs: brokers (array, async function,
// bad values, unreachable), partitioners on a real topic, kafka.logger().
import { describe, expect, it } from 'vitest'
import { outcome, runDifferential, sortMetadata } from './differential.js'

describe('kafkajs layer: Kafka', () => {
  it('brokers: an async function, a throwing one, an empty array, an unreachable broker', async () => {
    const { kafkajs, layer } = await runDifferential(
      async (k, ctx) => {
        const topic = ctx.name('brokers')
        await ctx.createTopic(topic, 1)
        let calls = 0
        const viaFunction = new k.Kafka(
          ctx.kafkaConfig({
            brokers: async () => {
              calls++
              return ctx.brokers
            },
          }),
        ).producer()
        await viaFunction.connect()
        const sent = sortMetadata(await viaFunction.send({ topic, messages: [{ value: 'v' }] }))
        await viaFunction.disconnect()
        const attempt = async (extra: Record<string, unknown>) =>
          outcome(async () => {
            const p = new k.Kafka(ctx.kafkaConfig(extra)).producer()
            await p.connect()
            await p.disconnect()
            return 'connected'
          })
        return {
          sent,
          calledAtLeastOnce: calls >= 1,
          throwing: await attempt({
            brokers: async () => {
              throw new Error('no service discovery')
            },
          }),
          empty: await attempt({ brokers: [] }),
          nonString: await attempt({ brokers: [42] }),
          unreachable: await attempt({ brokers: ['127.0.0.1:1'], retry: { retries: 0 }, connectionTimeout: 500 }),
          logger: Object.keys(new k.Kafka(ctx.kafkaConfig()).logger()).sort(),
        }
      },
      {
        allow: [
          {
            path: /^unreachable\.threw\.(message|cause\.message)$/,
            reason: "kafka-wire's connection error text (it names the broker and the attempt) is not kafkajs's",
          },
        ],
      },
    )
    expect(layer).toEqual(kafkajs)
  })

  it("createPartitioner: kafkajs's interface (topic, partitionMetadata, message) and the LegacyPartitioner's placement", async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('custom')
      const legacyTopic = ctx.name('legacy')
      await ctx.createTopic(topic, 3)
      await ctx.createTopic(legacyTopic, 7)
      const kafka = new k.Kafka(ctx.kafkaConfig())
      const calls: unknown[] = []
      const custom = kafka.producer({
        createPartitioner: () => (args) => {
          calls.push({
            topic: args.topic,
            message: args.message,
            // Sorted: the broker's order is not an API.
            partitionMetadata: [...args.partitionMetadata]
              .sort((x, y) => x.partitionId - y.partitionId)
              .map((p) => ({
                ...p,
                leader: typeof p.leader,
                replicas: p.replicas.length,
                isr: p.isr.length,
              })),
          })
          return args.message.key === 'last' ? 2 : 1
        },
      })
      await custom.connect()
      const customSent = sortMetadata(
        await custom.send({
          topic,
          messages: [
            { key: 'first', value: '1' },
            { key: 'last', value: '2' },
          ],
        }),
      )
      await custom.disconnect()
      const legacy = kafka.producer({ createPartitioner: k.Partitioners.LegacyPartitioner })
      await legacy.connect()
      const keys = Array.from({ length: 40 }, (_, i) => `key-${i}-${'x'.repeat(i % 5)}`)
      await legacy.send({ topic: legacyTopic, messages: keys.map((key) => ({ key, value: key })) })
      await legacy.disconnect()
      // Unique placements: kafkajs (not idempotent by default) was seen retrying this send and
      // writing every record twice; where each key lands is what is compared.
      const placed = [
        ...new Set((await ctx.readTopic(legacyTopic, keys.length)).map((r) => `${r.key} → ${r.partition}`)),
      ]
      const onCustom = [...new Set((await ctx.readTopic(topic, 2)).map((r) => `${r.key} → ${r.partition}`))]
      return { calls, customSent, onCustom, placed: placed.sort() }
    })
    expect(layer).toEqual(kafkajs)
  })
})

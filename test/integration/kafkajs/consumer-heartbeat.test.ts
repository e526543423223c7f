// Direct test (not differential: it is a deliberate difference, listed in docs/migrating-from-kafkajs.md):
// heartbeats keep running while eachMessage blocks the event loop for longer than sessionTimeout, because
// kafka-wire sends them from its worker thread. kafkajs heartbeats between messages only, so its member would be
// expelled (UNKNOWN_MEMBER_ID, a second GROUP_JOIN and the message delivered again).
import { Kafka as KafkaJS, logLevel } from 'kafkajs'
import { describe, expect, inject, it } from 'vitest'
import { createTopic, uniqueName } from '../consumer/helpers.js'
import { layerKafka } from './consumer-helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

describe('kafkajs layer: heartbeats during a long eachMessage', () => {
  it('a handler that blocks the event loop for longer than sessionTimeout keeps the member in the group', async () => {
    const topic = uniqueName('kjs-hb')
    await createTopic(bootstrapServers, topic, 1)
    const producer = new KafkaJS({ brokers: [bootstrapServers], logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    await producer.send({ topic, messages: [{ value: 'slow' }, { value: 'next' }] })
    await producer.disconnect()

    const consumer = layerKafka(bootstrapServers).consumer({
      groupId: uniqueName('kjs-hb'),
      sessionTimeout: 6000,
      heartbeatInterval: 1000,
    })
    const joins: unknown[] = []
    const rebalances: unknown[] = []
    consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push(e.payload))
    consumer.on(consumer.events.REBALANCING, (e) => rebalances.push(e.payload))
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const seen: string[] = []
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(String(message.value))
        if (String(message.value) === 'slow') {
          const until = Date.now() + 8000 // blocks the event loop: no timer, no socket read on this thread
          while (Date.now() < until) {}
        }
      },
    })
    const deadline = Date.now() + 30000
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    await new Promise((r) => setTimeout(r, 1000))
    const group = await consumer.describeGroup()
    await consumer.disconnect()
    expect(seen).toEqual(['slow', 'next']) // each once: the commit after 'slow' was accepted
    expect(joins).toHaveLength(1)
    expect(rebalances).toHaveLength(0)
    expect(group.state).toBe('Stable')
    expect(group.members).toHaveLength(1)
  })
})

describe('kafkajs layer: the HEARTBEAT event', () => {
  it("follows the worker's heartbeats at most once per heartbeatInterval, with kafkajs's payload", async () => {
    const topic = uniqueName('kjs-hb-event')
    await createTopic(bootstrapServers, topic, 1)
    const groupId = uniqueName('kjs-hb-event')
    const consumer = layerKafka(bootstrapServers).consumer({ groupId, heartbeatInterval: 300, maxWaitTimeInMs: 100 })
    const beats: { at: number; payload: Record<string, unknown> }[] = []
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({ eachMessage: async () => {} })
    // A while with no listener (the runner then skips the check), then one added while running receives.
    await new Promise((r) => setTimeout(r, 1000))
    consumer.on(consumer.events.HEARTBEAT, (e) => void beats.push({ at: Date.now(), payload: e.payload }))
    const until = Date.now() + 15000
    while (beats.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    await consumer.disconnect()
    expect(beats.length).toBeGreaterThanOrEqual(3)
    expect(Object.keys(beats[0]!.payload).sort()).toEqual(['groupGenerationId', 'groupId', 'memberId'])
    expect(beats[0]!.payload.groupId).toBe(groupId)
    for (let i = 1; i < beats.length; i++) expect(beats[i]!.at - beats[i - 1]!.at).toBeGreaterThanOrEqual(290)
  })
})

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

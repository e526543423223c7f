import { Kafka as KafkaJS, logLevel } from 'kafkajs'
import { describe, expect, inject, it } from 'vitest'
import { KafkaJSConsumer } from '../../../src/kafkajs/consumer.js'
import type { KafkaJSContext } from '../../../src/kafkajs/context.js'
import type { KafkaJSLogger } from '../../../src/kafkajs/logger.js'
import { createTopic, uniqueName } from '../consumer/helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

function logger(): KafkaJSLogger {
  const l: KafkaJSLogger = {
    info: () => {},
    warn: (m, e) => console.log('WARN', m, e),
    error: (m, e) => console.log('ERROR', m, e),
    debug: () => {},
    namespace: () => l,
    setLogLevel: () => {},
  }
  return l
}

describe('smoke', () => {
  it('eachMessage', async () => {
    const topic = uniqueName('kjs-smoke')
    await createTopic(bootstrapServers, topic, 2)
    const kjs = new KafkaJS({ brokers: [bootstrapServers], logLevel: logLevel.NOTHING })
    const p = kjs.producer()
    await p.connect()
    await p.send({
      topic,
      messages: [
        { key: 'a', value: '1', partition: 0, headers: { h: 'x' } },
        { key: 'b', value: '2', partition: 1 },
        { value: '3', partition: 0 },
      ],
    })
    await p.disconnect()
    const ctx: KafkaJSContext = {
      clientOptions: async () => ({ bootstrapServers }),
      logger: logger(),
      retry: {},
      clientId: 'smoke',
    }
    const c = new KafkaJSConsumer(ctx, { groupId: uniqueName('g') })
    const events: string[] = []
    for (const e of Object.values(c.events))
      c.on(e as any, (ev) => events.push(`${ev.type} ${JSON.stringify(ev.payload)?.slice(0, 300)}`))
    await c.connect()
    await c.subscribe({ topics: [topic], fromBeginning: true })
    const got: unknown[] = []
    await c.run({
      eachMessage: async ({ topic, partition, message }) => {
        got.push({ topic, partition, ...message })
      },
    })
    const deadline = Date.now() + 20000
    while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    console.log(got)
    console.log(await c.describeGroup())
    await c.disconnect()
    console.log(events.join('\n'))
    expect(got.length).toBe(3)
  })
})

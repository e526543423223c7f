// Differential tests of kafka-wire/kafkajs's Producer: each program runs on kafkajs 2.2.4 and on the
// layer against the shared broker; the normalised transcripts must be equal (differential.ts).
import { describe, expect, it } from 'vitest'
import { runDifferential, sortMetadata } from './differential.js'

describe('kafkajs layer: producer', () => {
  it('send() with keys, headers, explicit partitions and timestamps: same RecordMetadata and same records', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('send')
      await ctx.createTopic(topic, 3)
      const producer = new k.Kafka(ctx.kafkaConfig()).producer()
      await producer.connect()
      const sent = await producer.send({
        topic,
        messages: [
          { key: 'k1', value: 'v1', headers: { h: 'x', multi: ['a', Buffer.from('b')] } },
          { key: Buffer.from('k2'), value: Buffer.from('v2') },
          { key: 'k3', value: 'v3', partition: 2, timestamp: '1700000000000' },
          { key: null, value: null, partition: 0 },
          { value: 'no key', partition: 1 },
          { key: 'k1', value: 'v1 again' },
        ],
      })
      await producer.disconnect()
      const records = (await ctx.readTopic(topic, 6)).map((r) => ({
        ...r,
        // CreateTime set by the client at send: only the one given explicitly is comparable.
        timestamp: r.timestamp === 1700000000000 ? r.timestamp : 'now',
      }))
      return { sent: sortMetadata(sent), records }
    })
    expect(layer).toEqual(kafkajs)
  })
})

// poll({ signal }) against the real broker: an abort ends a poll that is waiting for records, in a
// group or with assigned partitions, and the consumer then polls on and sees records produced later.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Consumer } from '../../../src/consumer/index.js'
import { AbortError } from '../../../src/errors.js'
import { createTopic, RawProducer, uniqueName, values } from './helpers.js'
import { GROUP_PROTOCOLS, protocolOptions, unavailable } from './protocols.js'

const bootstrapServers = inject('kafkaBootstrapServers')

describe('Consumer.poll({ signal }) (real broker)', () => {
  let producer: RawProducer
  beforeAll(() => {
    producer = new RawProducer(bootstrapServers)
  })
  afterAll(async () => {
    await producer?.close()
  })

  it('an abort ends a poll waiting on an empty partition; the next poll returns new records', async () => {
    const topic = uniqueName('poll-signal')
    await createTopic(bootstrapServers, topic, 1)
    await using consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest', fetchMaxWaitMs: 500 })
    consumer.assign([{ topic, partition: 0 }])
    expect((await consumer.poll(1000)).count).toBe(0)
    const ac = new AbortController()
    const t0 = Date.now()
    setTimeout(() => ac.abort(), 300)
    await expect(consumer.poll(20_000, { signal: ac.signal })).rejects.toBeInstanceOf(AbortError)
    expect(Date.now() - t0).toBeLessThan(3000)
    await producer.send(topic, 0, values('v', 3))
    let got = 0
    for (let i = 0; i < 20 && got < 3; i++) got += (await consumer.poll(1000)).count
    expect(got).toBe(3)
  })

  // Under both group protocols (protocols.ts); under 'consumer' the generation is the member epoch.
  it.each(GROUP_PROTOCOLS.filter((p) => !unavailable(p)))(
    'an abort ends a poll in a group (the membership goes on: the same member keeps its partitions), groupProtocol %s',
    async (protocol) => {
      const topic = uniqueName('poll-signal-group')
      await createTopic(bootstrapServers, topic, 2)
      await using consumer = new Consumer({
        bootstrapServers,
        groupId: uniqueName('g'),
        autoOffsetReset: 'earliest',
        ...protocolOptions(protocol, { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 }),
      })
      consumer.subscribe([topic])
      for (let i = 0; i < 30 && consumer.assignment().length < 2; i++) await consumer.poll(500)
      expect(consumer.assignment()).toHaveLength(2)
      const generation = consumer.groupMetadata().generationId
      await expect(consumer.poll(20_000, { signal: AbortSignal.timeout(300) })).rejects.toBeInstanceOf(AbortError)
      await producer.send(topic, 1, values('w', 2))
      let got = 0
      for (let i = 0; i < 20 && got < 2; i++) got += (await consumer.poll(1000)).count
      expect(got).toBe(2)
      expect(consumer.groupMetadata().generationId).toBe(generation)
    },
  )
})

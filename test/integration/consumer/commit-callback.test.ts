// The offsets map handed to a commitAsync callback (public CommitCallback): keyed by
// topicPartitionKey(topic, partition) ("topic-partition", as Java's TopicPartition prints), one
// entry per committed partition, each value naming its topic and partition.
import { describe, expect, inject, it } from 'vitest'
import { Consumer, parseTopicPartitionKey, type TopicPartitionOffset, topicPartitionKey } from '../../../src/index.js'
import { createTopic, uniqueName } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

describe('CommitCallback offsets', () => {
  it('are keyed by topicPartitionKey, also for topic names with dashes', async () => {
    const topic = uniqueName('commit-cb-with-dashes')
    const groupId = uniqueName('g-commit-cb')
    await createTopic(bootstrapServers, topic, 2)
    const consumer = new Consumer({ bootstrapServers, groupId, enableAutoCommit: false })
    try {
      consumer.assign([
        { topic, partition: 0 },
        { topic, partition: 1 },
      ])
      const got = await new Promise<{ error: Error | null; offsets: Map<string, TopicPartitionOffset> }>((resolve) => {
        void consumer.commitAsync(
          [
            { topic, partition: 0, offset: 0n },
            { topic, partition: 1, offset: 0n },
          ],
          (error, offsets) => resolve({ error, offsets }),
        )
      })
      expect(got.error).toBeNull()
      expect([...got.offsets.keys()].sort()).toEqual([`${topic}-0`, `${topic}-1`])
      const one = got.offsets.get(topicPartitionKey(topic, 1))
      expect(one).toMatchObject({ topic, partition: 1, offset: 0n })
      for (const [key, value] of got.offsets) {
        expect(parseTopicPartitionKey(key)).toEqual({ topic: value.topic, partition: value.partition })
      }
      const committed = await consumer.committed([{ topic, partition: 1 }])
      expect(committed[0]?.offset).toBe(0n)
    } finally {
      await consumer.close()
    }
  })
})

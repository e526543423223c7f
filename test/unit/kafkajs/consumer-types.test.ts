// kafkajs-style consumer code, type-checked against the layer (tsc -p tsconfig.test.json): the names and
// shapes an application imports from 'kafkajs' for its consumer exist in kafka-wire/kafkajs.
import { describe, expect, it } from 'vitest'
import * as Layer from '../../../src/kafkajs/index.js'

// The layer's own types, used the kafkajs way.
async function typedAgainstLayer(): Promise<void> {
  const kafka = new Layer.Kafka({ clientId: 'app', brokers: ['localhost:9092'] })
  const consumer: Layer.Consumer = kafka.consumer({ groupId: 'g' })
  const removeJoin = consumer.on(consumer.events.GROUP_JOIN, (e: Layer.ConsumerGroupJoinEvent) => {
    const assignment: Layer.IMemberAssignment = e.payload.memberAssignment
    void assignment
  })
  removeJoin()
  consumer.on(consumer.events.CRASH, (e: Layer.ConsumerCrashEvent) => void e.payload.restart)
  consumer.on(consumer.events.COMMIT_OFFSETS, (e: Layer.ConsumerCommitOffsetsEvent) => void e.payload.topics)
  const handler: Layer.EachBatchHandler = async ({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    uncommittedOffsets,
    commitOffsetsIfNecessary,
  }: Layer.EachBatchPayload) => {
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break
      const m: Layer.KafkaMessage = message
      resolveOffset(m.offset)
      await heartbeat()
    }
    const offsets: Layer.OffsetsByTopicPartition = uncommittedOffsets()
    await commitOffsetsIfNecessary(offsets)
  }
  const run: Layer.ConsumerRunConfig = { eachBatch: handler, eachBatchAutoResolve: false, autoCommitThreshold: 100 }
  void run
  const seek: Layer.SeekEntry = { partition: 0, offset: '5' }
  consumer.seek({ topic: 't', ...seek })
  const group: Layer.GroupDescription = await consumer.describeGroup()
  const decoded = Layer.AssignerProtocol.MemberAssignment.decode(group.members[0]!.memberAssignment)
  void decoded?.assignment
  const paused: Layer.TopicPartitions[] = consumer.paused()
  void paused
}

describe('kafkajs consumer types', () => {
  it('kafkajs-style code builds against the layer (checked by tsc); the layer exports what it declares', () => {
    expect(typeof typedAgainstLayer).toBe('function')
    expect(Object.keys(Layer.PartitionAssigners)).toEqual(['roundRobin'])
    expect(typeof Layer.AssignerProtocol.MemberMetadata.encode).toBe('function')
  })
})

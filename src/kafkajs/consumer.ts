/** kafka.consumer(): kafkajs's Consumer (run/eachMessage/eachBatch/events) on kafka-wire's Consumer (owner: consumer). */
import type { KafkaJSContext } from './context.js'

export interface ConsumerConfig {
  groupId: string
}

export class KafkaJSConsumer {
  constructor(
    readonly context: KafkaJSContext,
    readonly config: ConsumerConfig,
  ) {}
}

/** kafka.producer(): kafkajs's Producer on kafka-wire's Producer (owner: core). */
import type { KafkaJSContext } from './context.js'
import type { ProducerConfig } from './types.js'

export class KafkaJSProducer {
  constructor(
    readonly context: KafkaJSContext,
    readonly config: ProducerConfig,
  ) {}
}

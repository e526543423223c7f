/** `new Kafka(config)`: the entry point of the kafkajs API (owner: kafka-wire/kafkajs core). */
import { type AdminConfig, KafkaJSAdmin } from './admin.js'
import { type ConsumerConfig, KafkaJSConsumer } from './consumer.js'
import type { KafkaJSContext } from './context.js'
import { KafkaJSProducer } from './producer.js'
import type { KafkaConfig, ProducerConfig } from './types.js'

export class Kafka {
  readonly #context: KafkaJSContext

  constructor(config: KafkaConfig) {
    this.#context = createContext(config)
  }

  producer(config: ProducerConfig = {}): KafkaJSProducer {
    return new KafkaJSProducer(this.#context, config)
  }

  consumer(config: ConsumerConfig): KafkaJSConsumer {
    return new KafkaJSConsumer(this.#context, config)
  }

  admin(config: AdminConfig = {}): KafkaJSAdmin {
    return new KafkaJSAdmin(this.#context, config)
  }
}

function createContext(_config: KafkaConfig): KafkaJSContext {
  throw new Error('TODO (kafkajs core): createContext')
}

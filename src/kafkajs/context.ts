/**
 * What the kafkajs layer's Producer, Consumer and Admin share: the `new Kafka(config)` settings
 * turned into kafka-wire's common client options, resolved when a client connects (kafkajs lets
 * `brokers` be an async function, called at every connect), and the root kafkajs logger.
 *
 * Owners: kafka.ts builds it; producer.ts, consumer.ts and admin.ts only read it.
 */
import type { CommonClientOptions } from '../cluster/index.js'
import type { KafkaJSLogger } from './logger.js'
import type { RetryOptions } from './types.js'

export interface KafkaJSContext {
  /** kafka-wire's common options for a new native client (calls an async `brokers` function). */
  clientOptions(): Promise<CommonClientOptions>
  /** The root logger (`kafka.logger()`); clients take `logger.namespace('Consumer')` etc. */
  readonly logger: KafkaJSLogger
  /** The Kafka-level `retry` settings; a client's own `retry` overrides them. */
  readonly retry: RetryOptions
  readonly clientId: string
}

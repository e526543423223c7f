/**
 * What the kafkajs layer's Producer, Consumer and Admin share: the `new Kafka(config)` settings
 * turned into kafka-wire's common client options, resolved when a client connects (kafkajs lets
 * `brokers` be an async function, called at every connect), and the root kafkajs logger.
 *
 * Owners: kafka.ts builds it; producer.ts, consumer.ts and admin.ts only read it.
 */
import type { CommonClientOptions } from '../cluster/index.js'
import type { KafkaJSLogger } from './logger.js'
import type { KafkaConfig, RetryOptions } from './types.js'

export interface KafkaJSContext {
  /**
   * kafka-wire's common options for a new native client (calls an async `brokers` function, as
   * kafkajs does at every connect). `namespace` (e.g. 'Consumer') names the kafkajs logger the
   * native client's own log lines go to. Rejects with kafkajs's errors for bad `brokers`.
   */
  clientOptions(namespace?: string): Promise<CommonClientOptions>
  /** The root logger (`kafka.logger()`); clients take `logger.namespace('Consumer')` etc. */
  readonly logger: KafkaJSLogger
  /** The Kafka-level `retry` settings; a client's own `retry` overrides them. */
  readonly retry: RetryOptions
  readonly clientId: string
  /** The `new Kafka(config)` object as given (for settings the seam does not translate). */
  readonly config: KafkaConfig
}

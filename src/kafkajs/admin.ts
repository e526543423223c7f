/** kafka.admin(): kafkajs's Admin on kafka-wire's Admin (owner: admin). */
import type { KafkaJSContext } from './context.js'

export interface AdminConfig {
  retry?: import('./types.js').RetryOptions
}

export class KafkaJSAdmin {
  constructor(
    readonly context: KafkaJSContext,
    readonly config: AdminConfig,
  ) {}
}

/** kafkajs 2.2.4's shared types (KafkaConfig, ProducerConfig, Message, RecordMetadata, ...) (owner: core). */
export interface RetryOptions {
  maxRetryTime?: number
  initialRetryTime?: number
  factor?: number
  multiplier?: number
  retries?: number
  restartOnFailure?: (e: Error) => Promise<boolean>
}

export interface KafkaConfig {
  brokers: string[] | (() => string[] | Promise<string[]>)
  clientId?: string
  retry?: RetryOptions
}

export interface ProducerConfig {
  retry?: RetryOptions
}

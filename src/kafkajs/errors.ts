/** The kafkajs error classes and the mapping from kafka-wire's errors to them (owner: core). */
export class KafkaJSError extends Error {
  readonly retriable: boolean
  constructor(e: Error | string, { retriable = true }: { retriable?: boolean } = {}) {
    super(typeof e === 'string' ? e : e.message)
    this.name = 'KafkaJSError'
    this.retriable = retriable
  }
}

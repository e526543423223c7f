/**
 * kafka-wire/kafkajs: the public API of kafkajs 2.2.4 on kafka-wire's engine. Changing
 * `from 'kafkajs'` to `from 'kafka-wire/kafkajs'` is the migration (docs/migrating-from-kafkajs.md).
 */
export * from './admin.js'
export * from './compression.js'
export * from './consumer.js'
export * from './errors.js'
export * from './kafka.js'
export * from './logger.js'
export { Partitioners } from './partitioners.js'
export * from './producer.js'
export type * from './types.js'

/**
 * kafka-wire/kafkajs: the public API of kafkajs 2.2.4 on kafka-wire's engine. Changing
 * `from 'kafkajs'` to `from 'kafka-wire/kafkajs'` is the migration (docs/migrating-from-kafkajs.md).
 * kafkajs is a CommonJS module, so an ES module may import it whole (`import kafkajs from
 * 'kafkajs'`, then `kafkajs.Kafka`) as well as by name: the default export is the same API.
 */
import * as kafkajs from './api.js'

export * from './api.js'
export default kafkajs

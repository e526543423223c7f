/** kafka-wire: a Kafka client for Node.js, written from the wire protocol up. */
export * from './errors.js'
export * from './consumer/index.js'
export * from './producer/index.js'
export * from './admin/index.js'

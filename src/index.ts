/** kafka-wire: a Kafka client for Node.js, written from the wire protocol up. */
export * from './errors.js'

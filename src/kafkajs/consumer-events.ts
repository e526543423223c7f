/**
 * The kafkajs consumer's instrumentation event names (`consumer.events`). Events are delivered by the
 * core's KafkaJSInstrumentation (instrumentation.ts) as kafkajs's `{ id, type, timestamp, payload }`.
 *
 * Owner: the kafkajs consumer (consumer.ts and consumer-runner.ts emit them).
 */
export const ConsumerEventNames = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH: 'consumer.fetch',
  FETCH_START: 'consumer.fetch_start',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
} as const

export type ConsumerEvents = typeof ConsumerEventNames
export type ConsumerEventName = ConsumerEvents[keyof ConsumerEvents]

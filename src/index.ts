/** kafka-wire: a Kafka client for Node.js, written from the wire protocol up. */

export * from './admin/index.js'
export {
  type CommonClientOptions,
  fromProperties,
} from './cluster/index.js'
export * from './consumer/index.js'
export {
  type AdminCallMessage,
  CHANNEL_PREFIX,
  type ConnectionCloseMessage,
  type ConnectionMessage,
  type ConsumedRecordLike,
  type ConsumerCommitMessage,
  type ConsumerFetchMessage,
  type ConsumerPollMessage,
  type ConsumerProcessMessage,
  type DiagnosticsHeaderValue,
  type GroupHeartbeatMessage,
  type GroupRebalanceMessage,
  type GroupRequestMessage,
  type MetadataRefreshMessage,
  type ProducerProduceMessage,
  type ProducerSendMessage,
  type TracedMessage,
} from './diagnostics/index.js'
export * from './errors.js'
export type { LogContext, LogFormat, LogLevel } from './internal/log.js'
export type { Logger } from './internal/logger.js'
export type { Metric } from './internal/metrics.js'
export { type UnsecuredJwtOptions, unsecuredJwt } from './network/sasl/oauthbearer.js'
export type { OAuthBearerToken, SaslOptions, TlsOptions } from './network/types.js'
export * from './producer/index.js'
export * from './share/index.js'

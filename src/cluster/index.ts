/** The cluster layer: options, metadata, connection pool, routing, coordinators and retries. */

// The ground floor's waits, re-exported for the clients' convenience.
export { raceWith, sleep } from '../internal/deadline.js'
export type { Logger } from '../internal/logger.js'
export { type ConnectionSensors, NetworkMetrics } from '../network/index.js'
// A client's per-request observer (kafka-wire/kafkajs's REQUEST events), carried by the options.
export {
  type CompletedRequest,
  type ObservedRequest,
  REQUEST_OBSERVER,
  type RequestObserver,
  type RequestQueueSize,
  withRequestObserver,
} from '../network/request-observer.js'
export type { ConnectionOptions, OAuthBearerToken, SaslOptions, TlsOptions, Workload } from '../network/types.js'
export {
  Cluster,
  type ClusterConfig,
  metadataRequest,
  type RequestBody,
  type SendOptions,
  type StaleMetadata,
} from './cluster.js'
export { COORDINATOR_MOVED, type CoordinatorKeyType, Coordinators } from './coordinators.js'
export { fromProperties, type JaasConfig, parseJaasConfig } from './java-properties.js'
export {
  type BrokerMetadata,
  isUsableTopic,
  MetadataCache,
  type MetadataResponseLike,
  mergePartition,
  mergeTopic,
  type PartitionMetadata,
  type TopicMetadata,
  topicFromResponse,
} from './metadata.js'
export {
  type BrokerAddress,
  COMMON_DEFAULTS,
  COMMON_OPTION_NAMES,
  type CommonClientOptions,
  commonOptionsOf,
  parseBrokerAddress,
  type ResolvedCommonOptions,
  resolveClientOptions,
  resolveCommonOptions,
  TLS_KEYS,
} from './options.js'
export { ConnectionPool, type Endpoint } from './pool.js'
export { isRetriableError, type RetryOptions, withRetry } from './retry.js'
export { type BorrowerHooks, ownOrBorrowed, SharedCluster } from './shared.js'

/** The cluster layer: options, metadata, connection pool, routing, coordinators and retries. */

export type { ConnectionOptions, Logger, SaslOptions, TlsOptions, Workload } from '../network/types.js'
export {
  Cluster,
  type ClusterConfig,
  metadataRequest,
  type RequestBody,
  type SendOptions,
  type StaleMetadata,
} from './cluster.js'
export { COORDINATOR_MOVED, type CoordinatorKeyType, Coordinators } from './coordinators.js'
export {
  type BrokerMetadata,
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
  type CommonClientOptions,
  fromProperties,
  type JaasConfig,
  parseBrokerAddress,
  parseJaasConfig,
  parseProperties,
  type ResolvedCommonOptions,
  resolveCommonOptions,
} from './options.js'
export { ConnectionPool, type Endpoint, raceWith } from './pool.js'
export { backoff, isRetriableError, type RetryOptions, sleep, withRetry } from './retry.js'

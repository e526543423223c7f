/** The network layer: connections (framing, pipelining, ApiVersions, TLS, SASL). Depends only on protocol/. */
export { ApiVersionTable, type VersionRange } from './api-versions.js'
export { Connection, connect, type RequestOptions } from './connection.js'
export {
  CLIENT_SOFTWARE_NAME,
  clientSoftwareVersion,
  DEFAULT_MAX_IN_FLIGHT_REQUESTS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SOCKET_CONNECTION_SETUP_TIMEOUT_MS,
} from './connection-setup.js'
export { debugSensors } from './debug.js'
export { FrameDecoder } from './framing.js'
export { type ConnectionSensors, NetworkMetrics, type SensedRequest } from './metrics.js'
export * from './request-observer.js'
export * from './sasl/index.js'
export { isTlsAuthenticationFailure, secureContextFor, tlsConnectOptions } from './tls.js'
export * from './types.js'

/**
 * Option and value types of the network layer, shared by connection.ts, the SASL mechanisms and
 * cluster/ (which re-exports them as part of the client options).
 */
import type { Log } from '../internal/log.js'
import type { ConnectionSensors } from './metrics.js'
import type { RequestObserver } from './request-observer.js'

/** TLS settings, passed to `node:tls`. `true` instead of an object means TLS with the system CAs. */
export interface TlsOptions {
  /** Trusted CA certificates (PEM). Default: Node's bundled root CAs. */
  ca?: string | Buffer | (string | Buffer)[]
  /** Client certificate chain (PEM), for mutual TLS. */
  cert?: string | Buffer
  /** Client private key (PEM), for mutual TLS. */
  key?: string | Buffer
  /**
   * Client private key and certificate chain as one PKCS#12 store (`.p12`/`.pfx` bytes), for mutual
   * TLS instead of `cert` and `key` (Java: ssl.keystore.type=PKCS12). Its password is `passphrase`.
   */
  pfx?: Buffer
  /** Passphrase of `key`, or the password of `pfx`. */
  passphrase?: string
  /** SNI server name and the name the certificate is checked against. Default: the broker's host (unless an IP). */
  servername?: string
  /** Reject a certificate that does not chain to a trusted CA. Default true. */
  rejectUnauthorized?: boolean
  /**
   * Check that the broker's certificate matches its host name (Java: ssl.endpoint.identification.algorithm=https).
   * Default true; false is the Java client's `ssl.endpoint.identification.algorithm=` (empty).
   */
  verifyHostname?: boolean
  /** Lowest TLS version accepted, e.g. 'TLSv1.2' (Java: ssl.enabled.protocols). Default: Node's default. */
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'
  /** Highest TLS version offered, e.g. 'TLSv1.2' (Java: ssl.enabled.protocols). Default: Node's default (TLSv1.3). */
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'
  /**
   * The cipher suites offered, in OpenSSL's cipher list format (node:tls `ciphers`; Java:
   * ssl.cipher.suites): TLS 1.3 suites by their standard names ('TLS_AES_128_GCM_SHA256'), TLS 1.2
   * suites by their OpenSSL names ('ECDHE-RSA-AES128-GCM-SHA256'), separated by ':'. Default: Node's.
   */
  ciphers?: string
}

/** An OAUTHBEARER token: the compact JWS (or any bearer token the broker accepts) and SASL extensions. */
export interface OAuthBearerToken {
  value: string
  extensions?: Record<string, string>
}

/** SASL authentication. The mechanism must be enabled on the broker's listener. */
export type SaslOptions =
  | { mechanism: 'PLAIN'; username: string; password: string }
  | { mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
  | { mechanism: 'OAUTHBEARER'; token: () => Promise<OAuthBearerToken> | OAuthBearerToken }

export type SaslMechanismName = SaslOptions['mechanism']

/** Connections are kept apart per workload so that a long-polling Fetch never delays a Produce or a Heartbeat. */
export type Workload = 'produce' | 'fetch' | 'group' | 'admin'

export const WORKLOADS: readonly Workload[] = ['produce', 'fetch', 'group', 'admin']

/** Everything needed to open one connection (TCP or TLS, ApiVersions, SASL). */
export interface ConnectionOptions {
  host: string
  port: number
  /** The broker's node id; -1 (the default) for a bootstrap connection. */
  nodeId?: number
  /** Sent in every request header. Default 'kafka-wire'. */
  clientId?: string | null
  tls?: TlsOptions | boolean
  sasl?: SaslOptions
  /** Per-request timeout. Default 30000. */
  requestTimeoutMs?: number
  /** Bound on TCP connect + TLS handshake + ApiVersions + SASL. Default 10000. */
  socketConnectionSetupTimeoutMs?: number
  /** Requests written and awaiting their response before further requests queue. Default 5. */
  maxInFlightRequests?: number
  /** Largest response frame accepted; a larger length prefix fails the connection. Default 256 MiB. */
  maxResponseBytes?: number
  /** Used in log messages only. */
  workload?: Workload
  logger?: Log
  signal?: AbortSignal
  /** KIP-511 client software name and version sent in ApiVersions v3+. Default kafka-wire and its version. */
  clientSoftwareName?: string
  clientSoftwareVersion?: string
  /** Told about each request (request-observer.ts); a client's own, never crossing to a worker thread. */
  requestObserver?: RequestObserver
  /** The owning client's network metrics (network/metrics.ts); not cloneable, so never sent to a worker. */
  sensors?: ConnectionSensors
}

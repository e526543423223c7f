/**
 * TLS: the `node:tls` connect options for a broker, one secure context per client, and the
 * classification of TLS failures. A certificate that does not verify (unknown CA, wrong host name,
 * expired) is an AuthenticationError — never retried, as the Java client's
 * SslAuthenticationException — while a reset or timeout during the handshake stays a retriable
 * ConnectionError.
 */
import { isIP } from 'node:net'
import tls, {
  type ConnectionOptions as NodeTlsConnectOptions,
  type SecureContext,
  type SecureContextOptions,
} from 'node:tls'
import type { TlsOptions } from './types.js'

/** `tls: true`: Node's defaults (the system's CAs), one context for every such connection. */
const DEFAULTS: TlsOptions = Object.freeze({})

/**
 * The secure contexts built so far, by settings object. A client's resolved options hold one frozen
 * TlsOptions that all its connections share, so this is one context per client (per thread: the
 * heartbeat worker gets a copy of the options and builds its own, as a context cannot cross threads).
 */
const contexts = new WeakMap<TlsOptions, SecureContext>()

/** The settings that make up a secure context; the rest are per connection (tlsConnectOptions). */
const CONTEXT_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'minVersion', 'maxVersion', 'ciphers'] as const

/**
 * The secure context for these settings: the CAs, the client certificate or PKCS#12 store, the
 * protocol range and the cipher list, parsed once. Without it tls.connect parses them again for every
 * connection: 0.2 ms for Node's defaults, 0.9 ms with a CA and a client certificate, 2–7 ms with a
 * PKCS#12 store, of main-thread time per connection (benchmarks/startup/tls-connect.mjs).
 */
export function secureContextFor(o: TlsOptions): SecureContext {
  let context = contexts.get(o)
  if (context === undefined) {
    const settings: Record<string, unknown> = {}
    for (const k of CONTEXT_KEYS) if (o[k] !== undefined) settings[k] = o[k]
    context = tls.createSecureContext(settings as SecureContextOptions)
    contexts.set(o, context)
  }
  return context
}

export function tlsConnectOptions(host: string, port: number, settings: TlsOptions | true): NodeTlsConnectOptions {
  const o: TlsOptions = settings === true ? DEFAULTS : settings
  const out: NodeTlsConnectOptions = {
    host,
    port,
    secureContext: secureContextFor(o),
    rejectUnauthorized: o.rejectUnauthorized ?? true,
  }
  // SNI must not be an IP address (RFC 6066); Node checks the certificate against `host` then.
  const servername = o.servername ?? (isIP(host) === 0 ? host : undefined)
  if (servername !== undefined) out.servername = servername
  if (o.verifyHostname === false) out.checkServerIdentity = () => undefined
  return out
}

const CERT_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
])

/** Whether an error from a TLS socket means the peer (or we) failed authentication. */
export function isTlsAuthenticationFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  return CERT_ERRORS.has(code) || code.startsWith('ERR_SSL_')
}

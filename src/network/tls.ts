/**
 * TLS: the `node:tls` connect options for a broker, and the classification of TLS failures. A
 * certificate that does not verify (unknown CA, wrong host name, expired) is an AuthenticationError
 * — never retried, as the Java client's SslAuthenticationException — while a reset or timeout
 * during the handshake stays a retriable ConnectionError.
 */
import { isIP } from 'node:net'
import type { ConnectionOptions as NodeTlsConnectOptions } from 'node:tls'
import type { TlsOptions } from './types.js'

export function tlsConnectOptions(host: string, port: number, tls: TlsOptions | true): NodeTlsConnectOptions {
  const o: TlsOptions = tls === true ? {} : tls
  const out: NodeTlsConnectOptions = {
    host,
    port,
    rejectUnauthorized: o.rejectUnauthorized ?? true,
  }
  // SNI must not be an IP address (RFC 6066); Node checks the certificate against `host` then.
  const servername = o.servername ?? (isIP(host) === 0 ? host : undefined)
  if (servername !== undefined) out.servername = servername
  if (o.ca !== undefined) out.ca = o.ca
  if (o.cert !== undefined) out.cert = o.cert
  if (o.key !== undefined) out.key = o.key
  if (o.pfx !== undefined) out.pfx = o.pfx
  if (o.passphrase !== undefined) out.passphrase = o.passphrase
  if (o.minVersion !== undefined) out.minVersion = o.minVersion
  if (o.maxVersion !== undefined) out.maxVersion = o.maxVersion
  if (o.ciphers !== undefined) out.ciphers = o.ciphers
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

/**
 * SASL on a new connection (KIP-152): SaslHandshake v1, then the SaslAuthenticate round trips the
 * mechanism drives (sasl/). Called by connection.ts while opening, before the connection is handed
 * out; returns the session lifetime the broker granted (KIP-368), 0 for none.
 */
import { AuthenticationError, ErrorCode, errorInfo, UnsupportedVersionError } from '../errors.js'
import { SaslAuthenticate, SaslHandshake } from '../protocol/index.js'
import type { Connection } from './connection.js'
import { brokerOf, describeEndpoint, type Resolved } from './connection-setup.js'
import { saslMechanism } from './sasl/index.js'
import type { SaslOptions } from './types.js'

export async function authenticate(conn: Connection, o: Resolved, sasl: SaslOptions): Promise<number> {
  const mechanism = saslMechanism(sasl)
  const where = describeEndpoint(o)
  if (!conn.apiVersions.allows(SaslHandshake, 1) || !conn.supports(SaslAuthenticate)) {
    throw new UnsupportedVersionError(`${where} does not support SaslHandshake v1 / SaslAuthenticate`)
  }
  const hs = await conn.request(SaslHandshake, { mechanism: mechanism.name }, { version: 1 })
  if (hs.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    throw new AuthenticationError(
      `SASL mechanism ${mechanism.name} is not enabled on ${where} (enabled: ${hs.mechanisms.join(', ') || 'none'})`,
      brokerOf(o),
    )
  }
  if (hs.errorCode !== ErrorCode.NONE) {
    throw new AuthenticationError(`SaslHandshake with ${where} failed: ${errorInfo(hs.errorCode).name}`, brokerOf(o))
  }
  let lifetimeMs = 0n
  let fromExchange: unknown
  try {
    await mechanism.authenticate(async (bytes) => {
      try {
        const res = await conn.request(SaslAuthenticate, { authBytes: bytes })
        if (res.errorCode !== ErrorCode.NONE) {
          throw new AuthenticationError(
            `SASL ${mechanism.name} authentication with ${where} failed: ${res.errorMessage ?? errorInfo(res.errorCode).name}`,
            brokerOf(o),
          )
        }
        lifetimeMs = res.sessionLifetimeMs
        return res.authBytes
      } catch (err) {
        fromExchange = err
        throw err
      }
    })
  } catch (err) {
    // The mechanism's own checks (a SCRAM nonce, signature or malformed message) do not know the
    // broker: name it; connection.ts closes the connection.
    if (err === fromExchange || !(err instanceof AuthenticationError)) throw err
    throw new AuthenticationError(`SASL ${mechanism.name} authentication with ${where} failed: ${err.message}`, {
      cause: err,
      ...brokerOf(o),
    })
  }
  return Number(lifetimeMs)
}

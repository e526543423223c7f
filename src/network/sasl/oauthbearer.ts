/**
 * SASL OAUTHBEARER (RFC 7628, KIP-255) with a token-provider callback. The initial client response is
 * `n,,\x01auth=Bearer <token>[\x01key=value...]\x01\x01`, as Kafka's OAuthBearerClientInitialResponse
 * writes it. When the broker rejects the token it answers with a JSON error challenge, to which the
 * client must reply with a single \x01; the broker then fails the exchange.
 *
 * `unsecuredJwt()` builds the unsigned token (alg "none") that Kafka's default *unsecured* handler
 * accepts — for development and tests only.
 */
import { AuthenticationError, ConfigError } from '../../errors.js'
import type { OAuthBearerToken } from '../types.js'
import type { SaslExchange, SaslMechanism } from './mechanism.js'

const SEP = '\u0001'
const EXTENSION_KEY = /^[A-Za-z]+$/
// RFC 7628 §3.1: value = *(VCHAR / SP / HTAB / CR / LF)
const EXTENSION_VALUE = /^[\x21-\x7E \t\r\n]*$/

/** The client's initial response for `token`. Throws ConfigError for an invalid extension. */
export function oauthBearerInitialResponse(token: OAuthBearerToken): Buffer {
  let extensions = ''
  for (const [k, v] of Object.entries(token.extensions ?? {})) {
    if (!EXTENSION_KEY.test(k) || k === 'auth') {
      throw new ConfigError('sasl.token', `invalid SASL extension name ${JSON.stringify(k)}`)
    }
    if (!EXTENSION_VALUE.test(v)) throw new ConfigError('sasl.token', `invalid value for SASL extension ${k}`)
    extensions += `${SEP}${k}=${v}`
  }
  return Buffer.from(`n,,${SEP}auth=Bearer ${token.value}${extensions}${SEP}${SEP}`, 'utf8')
}

export class OAuthBearerMechanism implements SaslMechanism {
  readonly name = 'OAUTHBEARER'
  readonly #provider: () => Promise<OAuthBearerToken> | OAuthBearerToken

  constructor(provider: () => Promise<OAuthBearerToken> | OAuthBearerToken) {
    this.#provider = provider
  }

  async authenticate(exchange: SaslExchange): Promise<void> {
    let token: OAuthBearerToken
    try {
      token = await this.#provider()
    } catch (err) {
      throw new AuthenticationError('The OAUTHBEARER token provider failed', { cause: err })
    }
    if (token === null || typeof token !== 'object' || typeof token.value !== 'string' || token.value === '') {
      throw new AuthenticationError('The OAUTHBEARER token provider returned no token value')
    }
    const challenge = await exchange(oauthBearerInitialResponse(token))
    if (challenge.length > 0) {
      // An error challenge: acknowledge it so that the broker completes (and fails) the exchange.
      const detail = challenge.toString('utf8')
      try {
        await exchange(Buffer.from(SEP, 'utf8'))
      } catch (err) {
        if (err instanceof AuthenticationError) {
          throw new AuthenticationError(`${err.message} (${detail})`, { cause: err })
        }
        throw err
      }
      throw new AuthenticationError(`OAUTHBEARER authentication failed: ${detail}`)
    }
  }
}

export interface UnsecuredJwtOptions {
  /** The principal (claim `sub`). */
  subject: string
  /** Lifetime in ms. Default 1 hour. */
  lifetimeMs?: number
  /** Space-separated scopes (claim `scope`). */
  scope?: string
  /** Further claims. */
  claims?: Record<string, unknown>
  /** Clock, for tests. */
  now?: number
}

/**
 * An unsigned JWT (`alg: none`) for Kafka's unsecured OAUTHBEARER handler (`unsecuredLoginStringClaim_sub`
 * in the Java JAAS line). Never use it against a production listener.
 */
export function unsecuredJwt(options: UnsecuredJwtOptions): string {
  const now = options.now ?? Date.now()
  const header = { alg: 'none' }
  const payload: Record<string, unknown> = {
    ...options.claims,
    sub: options.subject,
    iat: Math.floor(now / 1000),
    exp: Math.floor((now + (options.lifetimeMs ?? 3_600_000)) / 1000),
  }
  if (options.scope !== undefined) payload.scope = options.scope
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url')
  return `${enc(header)}.${enc(payload)}.`
}

/**
 * SASL PLAIN (RFC 4616): one message `authzid NUL authcid NUL passwd`, with an empty authzid like
 * the Java client. Only safe over TLS (SASL_SSL), since the password is sent as is.
 */
import type { SaslExchange, SaslMechanism } from './mechanism.js'

export class PlainMechanism implements SaslMechanism {
  readonly name = 'PLAIN'
  readonly #username: string
  readonly #password: string

  constructor(username: string, password: string) {
    this.#username = username
    this.#password = password
  }

  /** The single client message. */
  message(): Buffer {
    return Buffer.from(`\u0000${this.#username}\u0000${this.#password}`, 'utf8')
  }

  async authenticate(exchange: SaslExchange): Promise<void> {
    await exchange(this.message())
  }
}

/**
 * The shape of a SASL mechanism: a client-side conversation driven through `exchange`, which sends
 * one SaslAuthenticate request with our bytes and returns the broker's bytes (or throws an
 * AuthenticationError when the broker reports a failure).
 */
export type SaslExchange = (clientBytes: Buffer) => Promise<Buffer>

export interface SaslMechanism {
  readonly name: string
  /** Runs the whole conversation; resolves once the broker accepted us, rejects with AuthenticationError otherwise. */
  authenticate(exchange: SaslExchange): Promise<void>
}

/** SASL mechanisms: PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER, chosen from `SaslOptions`. */
import type { SaslOptions } from '../types.js'
import type { SaslMechanism } from './mechanism.js'
import { OAuthBearerMechanism } from './oauthbearer.js'
import { PlainMechanism } from './plain.js'
import { ScramMechanism } from './scram.js'

export type { SaslExchange, SaslMechanism } from './mechanism.js'
export {
  OAuthBearerMechanism,
  oauthBearerInitialResponse,
  type UnsecuredJwtOptions,
  unsecuredJwt,
} from './oauthbearer.js'
export { PlainMechanism } from './plain.js'
export { SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, ScramClient, ScramMechanism, saslName } from './scram.js'

export function saslMechanism(options: SaslOptions): SaslMechanism {
  switch (options.mechanism) {
    case 'PLAIN':
      return new PlainMechanism(options.username, options.password)
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return new ScramMechanism(options.mechanism, options.username, options.password)
    case 'OAUTHBEARER':
      return new OAuthBearerMechanism(options.token)
  }
}

/**
 * SASL SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677), as Kafka's ScramSaslClient does it:
 *
 *   client-first  n,,n=<user>,r=<client nonce>
 *   server-first  r=<client nonce + server nonce>,s=<salt>,i=<iterations>
 *   client-final  c=biws,r=<nonce>,p=<ClientKey XOR HMAC(StoredKey, AuthMessage)>
 *   server-final  v=<HMAC(ServerKey, AuthMessage)>   — verified: a broker that does not know the
 *                 password cannot forge it, so a man in the middle is detected.
 *
 * SaltedPassword = PBKDF2(HMAC-H, UTF-8 password, salt, i). Like the Java client, the password is
 * not SASLprep-normalised. The iteration count must lie in Kafka's range [4096, 16384] so that a
 * malicious server cannot make us spin. Errors never include the password.
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { AuthenticationError } from '../../errors.js'
import type { SaslExchange, SaslMechanism } from './mechanism.js'

const pbkdf2Async = promisify(pbkdf2)

export type ScramAlgorithm = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

const HASH: Record<ScramAlgorithm, { hash: 'sha256' | 'sha512'; bytes: number }> = {
  'SCRAM-SHA-256': { hash: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { hash: 'sha512', bytes: 64 },
}

/** Kafka's ScramMechanism minimum and its maximum for stored credentials. */
export const SCRAM_MIN_ITERATIONS = 4096
export const SCRAM_MAX_ITERATIONS = 16384

/** `=` and `,` in a user name are escaped as `=3D` and `=2C` (RFC 5802 §5.1). */
export function saslName(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

function parseAttributes(message: string): Map<string, string> {
  const attrs = new Map<string, string>()
  for (const part of message.split(',')) {
    const eq = part.indexOf('=')
    if (eq !== 1) throw new AuthenticationError('Malformed SCRAM message from the broker')
    attrs.set(part[0]!, part.slice(2))
  }
  return attrs
}

/**
 * The client side of one SCRAM conversation, step by step (pure apart from PBKDF2), so that the
 * RFC 7677 test vectors can drive it with a fixed nonce.
 */
export class ScramClient {
  readonly algorithm: ScramAlgorithm
  readonly #username: string
  readonly #password: string
  readonly #nonce: string
  #clientFirstBare = ''
  #serverSignature: Buffer | undefined

  constructor(algorithm: ScramAlgorithm, username: string, password: string, nonce?: string) {
    this.algorithm = algorithm
    this.#username = username
    this.#password = password
    // base64 never contains ',' and is printable, as the nonce must be.
    this.#nonce = nonce ?? randomBytes(24).toString('base64')
  }

  /** client-first-message (with the gs2 header `n,,`). */
  firstMessage(): string {
    this.#clientFirstBare = `n=${saslName(this.#username)},r=${this.#nonce}`
    return `n,,${this.#clientFirstBare}`
  }

  /** client-final-message in response to `serverFirst`; remembers the expected server signature. */
  async finalMessage(serverFirst: string): Promise<string> {
    const attrs = parseAttributes(serverFirst)
    if (attrs.has('e')) throw new AuthenticationError(`SCRAM authentication failed: ${attrs.get('e')}`)
    const nonce = attrs.get('r')
    const salt = attrs.get('s')
    const iterations = Number(attrs.get('i'))
    if (nonce === undefined || salt === undefined || !Number.isInteger(iterations)) {
      throw new AuthenticationError('Malformed SCRAM server-first message')
    }
    if (!nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length) {
      throw new AuthenticationError('SCRAM server nonce does not extend the client nonce')
    }
    if (iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
      throw new AuthenticationError(
        `SCRAM iteration count ${iterations} outside [${SCRAM_MIN_ITERATIONS}, ${SCRAM_MAX_ITERATIONS}]`,
      )
    }
    const { hash, bytes } = HASH[this.algorithm]
    const salted = await pbkdf2Async(
      Buffer.from(this.#password, 'utf8'),
      Buffer.from(salt, 'base64'),
      iterations,
      bytes,
      hash,
    )
    const clientKey = createHmac(hash, salted).update('Client Key').digest()
    const storedKey = createHash(hash).update(clientKey).digest()
    const withoutProof = `c=biws,r=${nonce}`
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`
    const clientSignature = createHmac(hash, storedKey).update(authMessage).digest()
    const proof = Buffer.alloc(clientKey.length)
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!
    const serverKey = createHmac(hash, salted).update('Server Key').digest()
    this.#serverSignature = createHmac(hash, serverKey).update(authMessage).digest()
    return `${withoutProof},p=${proof.toString('base64')}`
  }

  /** Checks server-final-message; throws AuthenticationError unless it carries the expected signature. */
  verifyServerFinal(serverFinal: string): void {
    const attrs = parseAttributes(serverFinal)
    if (attrs.has('e')) throw new AuthenticationError(`SCRAM authentication failed: ${attrs.get('e')}`)
    const v = attrs.get('v')
    const expected = this.#serverSignature
    if (expected === undefined) throw new AuthenticationError('SCRAM server-final before client-final')
    const got = v === undefined ? Buffer.alloc(0) : Buffer.from(v, 'base64')
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new AuthenticationError('SCRAM server signature mismatch: the broker did not prove it knows the credential')
    }
  }
}

export class ScramMechanism implements SaslMechanism {
  readonly name: ScramAlgorithm
  readonly #username: string
  readonly #password: string

  constructor(algorithm: ScramAlgorithm, username: string, password: string) {
    this.name = algorithm
    this.#username = username
    this.#password = password
  }

  async authenticate(exchange: SaslExchange): Promise<void> {
    const client = new ScramClient(this.name, this.#username, this.#password)
    const serverFirst = await exchange(Buffer.from(client.firstMessage(), 'utf8'))
    const clientFinal = await client.finalMessage(serverFirst.toString('utf8'))
    const serverFinal = await exchange(Buffer.from(clientFinal, 'utf8'))
    client.verifyServerFinal(serverFinal.toString('utf8'))
  }
}

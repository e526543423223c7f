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
 * not SASLprep-normalised. The server's messages are parsed strictly (RFC 5802's grammar, as
 * Kafka's ScramMessages): attributes in order, base64 that is base64, a nonce that extends ours, an
 * iteration count of digits in Kafka's range [4096, 16384] (lower is a downgrade a man in the
 * middle would make, higher makes us spin). Every failure is an AuthenticationError saying which
 * check failed; errors never include the password nor echo the server's bytes (beyond an `e=`
 * error value of printable characters).
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

/**
 * One non-empty, strict and canonical base64 value (RFC 5802's `base64`): Buffer.from() would skip
 * bad characters and ignore non-zero padding bits.
 */
function base64(value: string): Buffer | undefined {
  if (value === '' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) return undefined
  const bytes = Buffer.from(value, 'base64')
  return bytes.toString('base64') === value ? bytes : undefined
}
/** `printable` of RFC 5802 (the nonce): %x21-7E except ','. */
const PRINTABLE = /^[\x21-\x2B\x2D-\x7E]+$/
/** The iteration count: digits only (Number() would take '0x1000', ' 4096' or '4096.0'). */
const DIGITS = /^[0-9]{1,9}$/

function malformed(which: string, what: string): AuthenticationError {
  // Says which check failed, never echoes the broker's bytes (they are not ours to print).
  return new AuthenticationError(`Malformed SCRAM ${which} message from the broker: ${what}`)
}

/**
 * The `a=value` attributes of a server message, in order. Attribute names are one letter; a
 * message that is not a list of them (or repeats one) is malformed.
 */
function parseAttributes(message: string, which: string): Array<[string, string]> {
  const attrs: Array<[string, string]> = []
  for (const part of message.split(',')) {
    if (!/^[A-Za-z]=/.test(part)) throw malformed(which, 'not a list of attribute=value')
    if (attrs.some(([k]) => k === part[0])) throw malformed(which, `attribute ${part[0]} repeated`)
    attrs.push([part[0]!, part.slice(2)])
  }
  return attrs
}

/** A server-error value (`e=`) for an error message: RFC 5802's value-safe-char, bounded. */
function serverError(value: string): string {
  return /^[\x21-\x2B\x2D-\x3C\x3E-\x7E]{1,64}$/.test(value) ? value : '(an unprintable server-error value)'
}

/**
 * server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
 * (RFC 5802 §7), checked as Kafka's ScramMessages.ServerFirstMessage does.
 */
export function parseServerFirst(message: string): { nonce: string; salt: Buffer; iterations: number } {
  const attrs = parseAttributes(message, 'server-first')
  if (attrs[0]?.[0] === 'm')
    throw new AuthenticationError('SCRAM server-first message requires an unsupported extension (m=)')
  if (attrs[0]?.[0] === 'e') {
    throw new AuthenticationError(`SCRAM authentication failed: the broker sent error ${serverError(attrs[0][1])}`)
  }
  const [r, s, i] = attrs
  if (r?.[0] !== 'r' || s?.[0] !== 's' || i?.[0] !== 'i') {
    throw malformed('server-first', 'expected r=<nonce>,s=<salt>,i=<iteration count>')
  }
  if (!PRINTABLE.test(r[1])) throw malformed('server-first', 'the nonce is empty or not printable')
  const salt = base64(s[1])
  if (salt === undefined) throw malformed('server-first', 'the salt is not base64')
  if (!DIGITS.test(i[1])) throw malformed('server-first', 'the iteration count is not a number')
  return { nonce: r[1], salt, iterations: Number(i[1]) }
}

/** server-final-message = (server-error / verifier) ["," extensions] (RFC 5802 §7). */
export function parseServerFinal(message: string): Buffer {
  const attrs = parseAttributes(message, 'server-final')
  const [first] = attrs
  if (first?.[0] === 'e') {
    throw new AuthenticationError(`SCRAM authentication failed: the broker sent error ${serverError(first[1])}`)
  }
  if (first?.[0] !== 'v') throw malformed('server-final', 'expected v=<server signature> or e=<error>')
  const signature = base64(first[1])
  if (signature === undefined) throw malformed('server-final', 'the server signature is not base64')
  return signature
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
    const { nonce, salt, iterations } = parseServerFirst(serverFirst)
    // The server's nonce must extend ours (RFC 5802 §5.1): otherwise this answer belongs to
    // another conversation (a replay, or a man in the middle).
    if (!nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length) {
      throw new AuthenticationError('SCRAM server nonce does not start with the client nonce followed by its own')
    }
    // A man in the middle lowering the count makes the proof cheaper to crack offline; raising
    // it makes us spin. Kafka stores credentials with counts in [4096, 16384].
    if (iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
      throw new AuthenticationError(
        `SCRAM iteration count ${iterations} outside [${SCRAM_MIN_ITERATIONS}, ${SCRAM_MAX_ITERATIONS}]`,
      )
    }
    const { hash, bytes } = HASH[this.algorithm]
    const salted = await pbkdf2Async(Buffer.from(this.#password, 'utf8'), salt, iterations, bytes, hash)
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
    const expected = this.#serverSignature
    if (expected === undefined) throw new AuthenticationError('SCRAM server-final before client-final')
    const got = parseServerFinal(serverFinal)
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new AuthenticationError(
        'SCRAM server signature does not verify: the broker did not prove it knows the credential',
      )
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

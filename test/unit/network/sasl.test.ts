import { describe, expect, it } from 'vitest'
import { AuthenticationError, ConfigError } from '../../../src/errors.js'
import {
  OAuthBearerMechanism,
  oauthBearerInitialResponse,
  PlainMechanism,
  ScramClient,
  ScramMechanism,
  saslName,
  unsecuredJwt,
} from '../../../src/network/sasl/index.js'

// RFC 7677 §3 test vector (SCRAM-SHA-256, user "user", password "pencil").
const CLIENT_NONCE = 'rOprNGfwEbeRWgbNEkqO'
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'
const CLIENT_FINAL =
  'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='

describe('SCRAM (RFC 5802 / RFC 7677)', () => {
  it('matches the RFC 7677 SCRAM-SHA-256 test vector and verifies the server signature', async () => {
    const c = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', CLIENT_NONCE)
    expect(c.firstMessage()).toBe(`n,,n=user,r=${CLIENT_NONCE}`)
    expect(await c.finalMessage(SERVER_FIRST)).toBe(CLIENT_FINAL)
    expect(() => c.verifyServerFinal(SERVER_FINAL)).not.toThrow()
  })

  it('rejects a wrong server signature (a broker that does not know the credential)', async () => {
    const c = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', CLIENT_NONCE)
    c.firstMessage()
    await c.finalMessage(SERVER_FIRST)
    expect(() => c.verifyServerFinal('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toThrow(AuthenticationError)
    expect(() => c.verifyServerFinal('e=invalid-proof')).toThrow(/invalid-proof/)
  })

  it('rejects a server nonce that does not extend ours, and absurd iteration counts', async () => {
    const c = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', CLIENT_NONCE)
    c.firstMessage()
    await expect(c.finalMessage('r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')).rejects.toThrow(/nonce/)
    await expect(c.finalMessage(`r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000000000`)).rejects.toThrow(
      /iteration count/,
    )
    await expect(c.finalMessage(`r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1`)).rejects.toThrow(/iteration/)
  })

  // The RFC 7677 exchange with one thing changed, as a man in the middle or a broken broker would:
  // each is an AuthenticationError saying which check failed, before any proof is sent.
  const SALT = 'W22ZaJ0SNY7soEsUEjb6gQ=='
  const SERVER_NONCE = `${CLIENT_NONCE}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0`
  it.each([
    [
      'a nonce of another conversation',
      `r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=${SALT},i=4096`,
      /nonce does not start with the client nonce/,
    ],
    [
      'our nonce with nothing of the server',
      `r=${CLIENT_NONCE},s=${SALT},i=4096`,
      /nonce does not start with the client nonce/,
    ],
    [
      'an iteration count below 4096 (a downgrade)',
      `r=${SERVER_NONCE},s=${SALT},i=4095`,
      /iteration count 4095 outside \[4096, 16384\]/,
    ],
    ['an iteration count of 0', `r=${SERVER_NONCE},s=${SALT},i=0`, /iteration count 0 outside/],
    ["an iteration count above Kafka's 16384", `r=${SERVER_NONCE},s=${SALT},i=16385`, /iteration count 16385 outside/],
    ['a non-numeric iteration count', `r=${SERVER_NONCE},s=${SALT},i=4096x`, /iteration count is not a number/],
    ['a hexadecimal iteration count', `r=${SERVER_NONCE},s=${SALT},i=0x1000`, /iteration count is not a number/],
    ['a negative iteration count', `r=${SERVER_NONCE},s=${SALT},i=-4096`, /iteration count is not a number/],
    ['an empty iteration count', `r=${SERVER_NONCE},s=${SALT},i=`, /iteration count is not a number/],
    ['a salt that is not base64', `r=${SERVER_NONCE},s=W22ZaJ0S*Y7soEsUEjb6gQ==,i=4096`, /salt is not base64/],
    ['a salt with bad padding', `r=${SERVER_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096`, /salt is not base64/],
    ['an empty salt', `r=${SERVER_NONCE},s=,i=4096`, /salt is not base64/],
    ['no salt', `r=${SERVER_NONCE},i=4096`, /expected r=<nonce>,s=<salt>,i=<iteration count>/],
    ['no iteration count', `r=${SERVER_NONCE},s=${SALT}`, /expected r=<nonce>,s=<salt>,i=<iteration count>/],
    ['attributes out of order', `s=${SALT},r=${SERVER_NONCE},i=4096`, /expected r=<nonce>/],
    ['an attribute twice', `r=${SERVER_NONCE},s=${SALT},i=4096,s=${SALT}`, /attribute s repeated/],
    ['a mandatory extension', `m=ext,r=${SERVER_NONCE},s=${SALT},i=4096`, /unsupported extension/],
    ['not attributes at all', 'garbage', /not a list of attribute=value/],
    ['nothing', '', /not a list of attribute=value/],
    ['a server error', 'e=unknown-user', /broker sent error unknown-user/],
  ])('rejects a server-first message with %s', async (_, serverFirst, message) => {
    const c = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', CLIENT_NONCE)
    c.firstMessage()
    const err = await c.finalMessage(serverFirst).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect((err as Error).message).toMatch(message)
    expect((err as Error).message).not.toContain('pencil')
  })

  it('accepts extensions after the iteration count and after the signature (RFC 5802 §7)', async () => {
    const extended = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', CLIENT_NONCE)
    extended.firstMessage()
    expect(await extended.finalMessage(`${SERVER_FIRST},x=extension`)).toMatch(/^c=biws,r=.*,p=/)
    const c = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', CLIENT_NONCE)
    c.firstMessage()
    await c.finalMessage(SERVER_FIRST)
    expect(() => c.verifyServerFinal(`${SERVER_FINAL},x=extension`)).not.toThrow()
  })

  it.each([
    [
      'a signature from another key (a man in the middle)',
      'v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      /server signature does not verify/,
    ],
    [
      'one character of the signature changed',
      'v=6rriURBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
      /server signature does not verify/,
    ],
    ['a truncated signature', 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5n', /server signature does not verify/],
    [
      'a signature that is not base64',
      'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4',
      /server signature is not base64/,
    ],
    [
      'non-zero padding bits (not canonical base64)',
      'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=',
      /server signature is not base64/,
    ],
    ['an empty signature', 'v=', /server signature is not base64/],
    ['an error', 'e=invalid-proof', /broker sent error invalid-proof/],
    ['an error carrying what a terminal would interpret', 'e=\u001b[2Jgone', /unprintable server-error value/],
    ['neither v= nor e=', 'x=1', /expected v=<server signature> or e=<error>/],
    ['nothing', '', /not a list of attribute=value/],
  ])('rejects a server-final message with %s', async (_, serverFinal, message) => {
    const c = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', CLIENT_NONCE)
    c.firstMessage()
    await c.finalMessage(SERVER_FIRST)
    let err: unknown
    try {
      c.verifyServerFinal(serverFinal)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(AuthenticationError)
    expect((err as Error).message).toMatch(message)
    expect((err as Error).message).not.toContain('pencil')
  })

  it('rejects a server-final message before the client-final message', () => {
    const c = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', CLIENT_NONCE)
    c.firstMessage()
    expect(() => c.verifyServerFinal(SERVER_FINAL)).toThrow(/before client-final/)
  })

  it('SCRAM-SHA-512 produces a 64-byte proof', async () => {
    const c = new ScramClient('SCRAM-SHA-512', 'user', 'pencil', CLIENT_NONCE)
    c.firstMessage()
    const final = await c.finalMessage(SERVER_FIRST)
    const proof = /,p=(.*)$/.exec(final)![1]!
    expect(Buffer.from(proof, 'base64')).toHaveLength(64)
  })

  it('escapes = and , in user names', () => {
    expect(saslName('a=b,c')).toBe('a=3Db=2Cc')
  })

  it('drives a whole exchange through the mechanism', async () => {
    const m = new ScramMechanism('SCRAM-SHA-256', 'user', 'pencil')
    const seen: string[] = []
    await expect(
      m.authenticate(async (bytes) => {
        seen.push(bytes.toString())
        return Buffer.from(seen.length === 1 ? 'r=x' : '')
      }),
    ).rejects.toThrow(AuthenticationError)
    expect(seen[0]).toMatch(/^n,,n=user,r=[A-Za-z0-9+/=]+$/)
  })

  it('never puts the password in an error', async () => {
    const c = new ScramClient('SCRAM-SHA-256', 'user', 'hunter2-secret', CLIENT_NONCE)
    c.firstMessage()
    const err = await c.finalMessage('garbage').catch((e) => e)
    expect(String(err.message)).not.toContain('hunter2')
  })
})

describe('PLAIN', () => {
  it('sends NUL user NUL password', () => {
    expect(new PlainMechanism('alice', 'secret').message()).toEqual(Buffer.from('\0alice\0secret'))
  })
})

describe('OAUTHBEARER (RFC 7628)', () => {
  it('builds the initial client response with extensions', () => {
    expect(oauthBearerInitialResponse({ value: 'tok' }).toString()).toBe('n,,\x01auth=Bearer tok\x01\x01')
    expect(oauthBearerInitialResponse({ value: 'tok', extensions: { traceId: '123' } }).toString()).toBe(
      'n,,\x01auth=Bearer tok\x01traceId=123\x01\x01',
    )
    expect(() => oauthBearerInitialResponse({ value: 't', extensions: { auth: 'x' } })).toThrow(ConfigError)
    expect(() => oauthBearerInitialResponse({ value: 't', extensions: { 'bad key': 'x' } })).toThrow(ConfigError)
  })

  it('answers an error challenge with \\x01 and fails with the broker detail', async () => {
    const m = new OAuthBearerMechanism(async () => ({ value: 'bad' }))
    const sent: string[] = []
    const err = await m
      .authenticate(async (bytes) => {
        sent.push(bytes.toString())
        if (sent.length === 1) return Buffer.from('{"status":"invalid_token"}')
        throw new AuthenticationError('SASL OAUTHBEARER authentication failed')
      })
      .catch((e) => e)
    expect(sent[1]).toBe('\x01')
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toContain('invalid_token')
  })

  it('wraps a failing token provider', async () => {
    const m = new OAuthBearerMechanism(() => {
      throw new Error('idp down')
    })
    await expect(m.authenticate(async () => Buffer.alloc(0))).rejects.toThrow(AuthenticationError)
  })

  it('unsecuredJwt makes an alg=none token with sub, iat and exp', () => {
    const jwt = unsecuredJwt({ subject: 'alice', now: 1_700_000_000_000, lifetimeMs: 60_000, scope: 'a b' })
    const [h, p, s] = jwt.split('.')
    expect(s).toBe('')
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'none' })
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toEqual({
      sub: 'alice',
      iat: 1_700_000_000,
      exp: 1_700_000_060,
      scope: 'a b',
    })
  })
})

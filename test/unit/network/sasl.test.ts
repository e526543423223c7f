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

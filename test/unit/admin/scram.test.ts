import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { RoundReport } from '../../../src/admin/driver.js'
import {
  buildAlterScramRequest,
  handleAlterScramResponse,
  handleDescribeScramResponse,
  prepareAlterations,
  saltedPassword,
  validateAlterations,
} from '../../../src/admin/scram.js'
import { Apis, encodeMessage } from '../../../src/protocol/index.js'

describe('SCRAM salted password (RFC 5802 Hi)', () => {
  it('reproduces the RFC 7677 SCRAM-SHA-256 example proof and server signature', async () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
    const salted = await saltedPassword('SCRAM-SHA-256', 'pencil', salt, 4096)
    expect(salted.length).toBe(32)
    const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest()
    const clientKey = hmac(salted, 'Client Key')
    const storedKey = createHash('sha256').update(clientKey).digest()
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0'
    const signature = hmac(storedKey, authMessage)
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!))
    expect(proof.toString('base64')).toBe('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')
    const serverKey = hmac(salted, 'Server Key')
    expect(hmac(serverKey, authMessage).toString('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')
  })

  it('uses SHA-512 (64-byte output) for SCRAM-SHA-512', async () => {
    const salted = await saltedPassword('SCRAM-SHA-512', 'pencil', Buffer.from('salt'), 4096)
    expect(salted.length).toBe(64)
  })

  it('sends salt, iterations and the salted password, never the clear one, one alteration per user per request', async () => {
    const prepared = await prepareAlterations([
      { op: 'upsert', user: 'alice', mechanism: 'SCRAM-SHA-512', password: 'secret-pw', iterations: 8192 },
      { op: 'delete', user: 'bob', mechanism: 'SCRAM-SHA-256' },
      { op: 'upsert', user: 'alice', mechanism: 'SCRAM-SHA-256', password: 'secret-pw', salt: Buffer.from('s') },
    ])
    expect(prepared.users).toEqual(['alice', 'bob'])
    expect(prepared.waves.map((w) => w.map((a) => a.user))).toEqual([['alice', 'bob'], ['alice']])
    const first = buildAlterScramRequest(prepared.waves[0]!, new Set(['alice', 'bob']))
    expect(first.deletions).toEqual([{ name: 'bob', mechanism: 1 }])
    const a = first.upsertions![0] as any
    expect(a.mechanism).toBe(2)
    expect(a.iterations).toBe(8192)
    expect(a.salt.length).toBe(32)
    expect(a.saltedPassword.length).toBe(64)
    const second = buildAlterScramRequest(prepared.waves[1]!, new Set(['alice']))
    const b = second.upsertions![0] as any
    expect(second.deletions).toEqual([])
    expect(b.iterations).toBe(4096)
    expect(b.salt).toEqual(Buffer.from('s'))
    expect(b.saltedPassword).toEqual(await saltedPassword('SCRAM-SHA-256', 'secret-pw', Buffer.from('s'), 4096))
    expect(buildAlterScramRequest(prepared.waves[0]!, new Set(['bob'])).upsertions).toEqual([])
    for (const req of [first, second]) {
      const bytes = encodeMessage(Apis.AlterUserScramCredentials.request, 0, req)
      expect(bytes.includes(Buffer.from('secret-pw'))).toBe(false)
    }
  })

  it('validates alterations', () => {
    expect(() =>
      validateAlterations([{ op: 'upsert', user: 'a', mechanism: 'SCRAM-SHA-1' as any, password: 'x' }]),
    ).toThrow(/Unknown SCRAM mechanism/)
    expect(() => validateAlterations([{ op: 'upsert', user: 'a', mechanism: 'SCRAM-SHA-256', password: '' }])).toThrow(
      /password/,
    )
  })

  it('maps results per user', () => {
    const report = new RoundReport<any>()
    handleAlterScramResponse(
      {
        throttleTimeMs: 0,
        results: [
          { user: 'a', errorCode: 0, errorMessage: null },
          { user: 'b', errorCode: 96, errorMessage: 'Too few iterations' },
        ],
      },
      report,
      51,
    )
    expect(report.results.get('a')).toBe('a')
    expect(report.errors.get('b')?.message).toContain('user b: Too few iterations')

    const described = new RoundReport<any>()
    handleDescribeScramResponse(
      {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        results: [
          { user: 'a', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 8192 }] },
          {
            user: 'x',
            errorCode: 91,
            errorMessage: 'Attempt to describe a user credential that does not exist',
            credentialInfos: [],
          },
        ],
      },
      described,
      50,
    )
    expect(described.results.get('a')).toEqual({
      user: 'a',
      credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }],
    })
    expect(described.errors.get('x')?.code).toBe('RESOURCE_NOT_FOUND')
  })
})

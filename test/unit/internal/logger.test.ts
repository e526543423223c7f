import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { REDACTED, redact, redactOnInspect } from '../../../src/internal/logger.js'

describe('redaction', () => {
  it('redacts credential-bearing keys deeply', () => {
    const out = redact({
      sasl: { mechanism: 'PLAIN', username: 'u', password: 'p4ss' },
      tls: { key: 'PRIVATE', passphrase: 'pp', ca: 'CA' },
      token: () => 'x',
      list: [{ secret: 's' }],
    }) as any
    expect(out.sasl).toEqual({ mechanism: 'PLAIN', username: 'u', password: REDACTED })
    expect(out.tls).toEqual({ key: REDACTED, passphrase: REDACTED, ca: 'CA' })
    expect(out.token).toBe(REDACTED)
    expect(out.list[0].secret).toBe(REDACTED)
  })

  it('redactOnInspect hides secrets from util.inspect but not from spreading or structured cloning', () => {
    const o = redactOnInspect({ username: 'u', password: 'p4ssw0rd' }, 'Creds')
    expect(inspect(o)).not.toContain('p4ssw0rd')
    expect(inspect(o)).toContain('Creds')
    expect(inspect({ nested: o }, { depth: 5 })).not.toContain('p4ssw0rd')
    expect(structuredClone(o)).toEqual({ username: 'u', password: 'p4ssw0rd' })
    expect(JSON.stringify(o)).toContain('p4ssw0rd') // JSON is data, not logging
  })
})

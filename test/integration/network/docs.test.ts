/** The TLS, SASL and properties examples of docs/configuration.md run against the shared broker. */
import { describe, expect, inject, it } from 'vitest'
import { docExamples, runDocExample } from './doc-examples.js'

const info = inject('kafkaListeners')

function replacements(): Record<string, string> {
  const r: Record<string, string> = {
    'localhost:9092': inject('kafkaBootstrapServers'),
    'localhost:9093': info.listeners.SSL!.bootstrapServers,
    'localhost:9094': info.listeners.SASL_PLAINTEXT!.bootstrapServers,
    'localhost:9095': info.listeners.SASL_SSL!.bootstrapServers,
    '/path/to/ca.pem': info.tls!.caPem,
  }
  if (info.listeners.MTLS) r['localhost:9096'] = info.listeners.MTLS.bootstrapServers
  if (info.tls?.clientCertPem) r['/path/to/client-cert.pem'] = info.tls.clientCertPem
  if (info.tls?.clientKeyPem) r['/path/to/client-key.pem'] = info.tls.clientKeyPem
  return r
}

describe('docs/configuration.md examples', () => {
  it('has the examples this test expects', () => {
    expect([...docExamples().keys()].sort()).toEqual(
      [
        'from-properties',
        'logger',
        'mtls',
        'oauthbearer',
        'properties-override',
        'sasl-scram',
        'sasl-ssl',
        'tls',
        'wrong-password',
      ].sort(),
    )
  })

  it.each([
    'tls',
    'mtls',
    'sasl-scram',
    'sasl-ssl',
    'wrong-password',
    'from-properties',
    'properties-override',
    'logger',
  ])('%s runs', async (name) => {
    if (name === 'mtls' && !info.tls?.clientCertPem) return
    const logged = await runDocExample(name, replacements())
    if (name === 'wrong-password') expect(logged.join('\n')).toMatch(/^refused:/)
    if (name === 'tls') expect(logged.join('\n')).toMatch(/connected over TLS to cluster \S+/)
    expect(logged.join('\n')).not.toContain('not-the-password')
  })
})

// Smoke test (c): the TLS listeners accept a handshake with the generated CA and refuse an unknown CA.
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { generateTlsMaterial } from '../../../src/testing/index.js'
import { tlsApiVersions } from './raw-api-versions.js'

const info = inject('kafkaListeners')
const hasTls = info.listeners.SASL_SSL !== undefined && info.tls !== undefined

function handshake(hostPort: string, options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  const i = hostPort.lastIndexOf(':')
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)), ...options })
    socket.once('secureConnect', () => resolve(socket))
    socket.once('error', reject)
  })
}

describe.skipIf(!hasTls)('TLS listeners', () => {
  const first = (s: string) => s.split(',')[0]!
  let otherCaDir: string
  let otherCa: string

  beforeAll(async () => {
    otherCaDir = await mkdtemp(path.join(os.tmpdir(), 'kafka-wire-other-ca-'))
    otherCa = readFileSync((await generateTlsMaterial(otherCaDir)).caPem, 'utf8')
  }, 120_000)
  afterAll(async () => {
    if (otherCaDir) await rm(otherCaDir, { recursive: true, force: true })
  })

  it('SASL_SSL accepts a TLS handshake verified with the generated CA', async () => {
    const socket = await handshake(first(info.listeners.SASL_SSL!.bootstrapServers), {
      ca: readFileSync(info.tls!.caPem),
      servername: 'localhost',
    })
    try {
      expect(socket.authorized).toBe(true)
      expect(socket.getPeerCertificate().subject.CN).toBe('localhost')
      expect(socket.getPeerCertificate().subjectaltname).toContain('IP Address:127.0.0.1')
    } finally {
      socket.destroy()
    }
  })

  it('SASL_SSL refuses a handshake that trusts only an unknown CA', async () => {
    await expect(
      handshake(first(info.listeners.SASL_SSL!.bootstrapServers), { ca: otherCa, servername: 'localhost' }),
    ).rejects.toThrow(/certificate|self[- ]signed|verify/i)
  })

  it('SSL answers ApiVersions over TLS, verifying 127.0.0.1 against the SAN', async () => {
    const reply = await tlsApiVersions(first(info.listeners.SSL!.bootstrapServers), {
      ca: readFileSync(info.tls!.caPem),
    })
    expect(reply.errorCode).toBe(0)
    expect(reply.apiKeys.some((k) => k.apiKey === 0)).toBe(true)
  })

  it('MTLS answers with the client certificate (PEM) and rejects a client without one', async () => {
    const mtls = first(info.listeners.MTLS!.bootstrapServers)
    const t = info.tls!
    const client =
      t.clientCertPem && t.clientKeyPem
        ? { cert: readFileSync(t.clientCertPem), key: readFileSync(t.clientKeyPem) }
        : { pfx: readFileSync(t.clientP12), passphrase: t.password }
    const reply = await tlsApiVersions(mtls, { ca: readFileSync(t.caPem), servername: 'localhost', ...client })
    expect(reply.errorCode).toBe(0)
    // TLS 1.3: the broker's refusal of a certificate-less client shows once data flows.
    await expect(tlsApiVersions(mtls, { ca: readFileSync(t.caPem), servername: 'localhost' })).rejects.toThrow()
  })

  it('MTLS accepts the PKCS#12 client keystore as pfx', async () => {
    const t = info.tls!
    const reply = await tlsApiVersions(first(info.listeners.MTLS!.bootstrapServers), {
      ca: readFileSync(t.caPem),
      pfx: readFileSync(t.clientP12),
      passphrase: t.password,
    })
    expect(reply.errorCode).toBe(0)
  })
})

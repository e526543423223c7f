// Smoke test (a): the shared broker answers an ApiVersions v0 request written byte by byte.
import { describe, expect, inject, it } from 'vitest'
import { apiVersionsV0Request, rawApiVersions } from './raw-api-versions.js'

describe('shared broker: raw ApiVersions v0', () => {
  it('writes the request byte by byte', () => {
    // size=26 | api_key=18 | version=0 | correlation_id=7 | client_id "kafka-wire-smoke" (16 bytes)
    expect(apiVersionsV0Request(7).toString('hex')).toBe(
      `0000001a00120000000000070010${Buffer.from('kafka-wire-smoke').toString('hex')}`,
    )
  })

  it('gets a well-formed reply listing Produce (0) and Fetch (1)', async () => {
    const servers = inject('kafkaBootstrapServers')
    expect(servers).toMatch(/^[^,]+:\d+(,[^,]+:\d+)*$/)
    const first = servers.split(',')[0]!
    const reply = await rawApiVersions(first, 0x1234_5678)
    expect(reply.correlationId).toBe(0x1234_5678)
    expect(reply.errorCode).toBe(0)
    const keys = new Map(reply.apiKeys.map((k) => [k.apiKey, k]))
    expect(keys.has(0)).toBe(true) // Produce
    expect(keys.has(1)).toBe(true) // Fetch
    expect(keys.get(18)!.maxVersion).toBeGreaterThanOrEqual(3) // ApiVersions itself
    for (const k of reply.apiKeys) expect(k.minVersion).toBeLessThanOrEqual(k.maxVersion)
  })

  it('answers on every plaintext-TCP listener it advertises', async () => {
    const { listeners } = inject('kafkaListeners')
    const sasl = listeners.SASL_PLAINTEXT
    if (!sasl) return // external cluster: PLAINTEXT only
    // ApiVersions is allowed before SASL authentication.
    const reply = await rawApiVersions(sasl.bootstrapServers.split(',')[0]!, 99)
    expect(reply.correlationId).toBe(99)
    expect(reply.errorCode).toBe(0)
    expect(reply.apiKeys.some((k) => k.apiKey === 17)).toBe(true) // SaslHandshake
  })
})

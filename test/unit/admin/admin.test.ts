import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { ConfigError } from '../../../src/errors.js'

describe('Admin construction', () => {
  it('rejects invalid options with a ConfigError naming the option', () => {
    expect(() => new Admin({ bootstrapServers: '127.0.0.1:1', defaultApiTimeoutMs: -1 })).toThrow(ConfigError)
    expect(() => new Admin({ bootstrapServers: '127.0.0.1:1', defaultApiTimeoutMs: -1 })).toThrow(/defaultApiTimeoutMs/)
    expect(() => new Admin({} as any)).toThrow(/bootstrapServers/)
  })

  it('never shows credentials', async () => {
    const admin = new Admin({
      bootstrapServers: '127.0.0.1:1',
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'hunter2-secret' },
    })
    expect(inspect(admin, { depth: 10, showHidden: true })).not.toContain('hunter2-secret')
    await admin.close()
  })

  it('rejects invalid arguments before any I/O, and calls after close()', async () => {
    const admin = new Admin({ bootstrapServers: '127.0.0.1:1' })
    await expect(admin.createTopics([{ topic: 'a' }, { topic: 'a' }])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    })
    await expect(admin.listOffsets([{ topic: 't', partition: -1, spec: 'latest' }])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    })
    await expect(
      admin.incrementalAlterConfigs([{ type: 'broker', name: 'x', ops: [{ name: 'a', value: 'b' }] }]),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await admin.close()
    await expect(admin.listTopics()).rejects.toMatchObject({ code: 'ERR_CLOSED' })
  })

  it('gives up connecting at the call timeout', async () => {
    const admin = new Admin({ bootstrapServers: '127.0.0.1:1', retryBackoffMs: 10, retryBackoffMaxMs: 50 })
    const started = Date.now()
    const error = await admin.listTopics({ timeoutMs: 400 }).catch((e) => e)
    expect(error.code).toBe('ERR_TIMEOUT')
    expect(Date.now() - started).toBeLessThan(3000)
    await admin.close()
  })
})

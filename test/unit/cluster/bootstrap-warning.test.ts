// A wrong bootstrap address is not silent: the first failed bootstrap connection is one warning
// naming the server; the retries until the deadline are debug lines, not the warning repeated.
import net from 'node:net'
import { expect, it } from 'vitest'
import { Cluster } from '../../../src/cluster/cluster.js'
import { resolveCommonOptions } from '../../../src/cluster/options.js'

it('warns once on the first failed bootstrap connection, then retries at debug level', async () => {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as net.AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  const warn: string[] = []
  const debug: string[] = []
  const logger = { debug: (m: string) => debug.push(m), info() {}, warn: (m: string) => warn.push(m), error() {} }
  const cluster = new Cluster(
    resolveCommonOptions({
      bootstrapServers: `127.0.0.1:${port}`,
      requestTimeoutMs: 800,
      retryBackoffMs: 20,
      retryBackoffMaxMs: 50,
      reconnectBackoffMs: 10,
      reconnectBackoffMaxMs: 20,
      logger,
      logLevel: 'debug',
    }),
  )
  try {
    await expect(cluster.connect()).rejects.toThrow(`127.0.0.1:${port}`)
  } finally {
    await cluster.close()
  }
  const failures = (lines: string[]) =>
    lines.filter((l) => l.startsWith('kafka-wire: bootstrap server failed') && l.includes(`broker=127.0.0.1:${port}`))
  expect(failures(warn)).toHaveLength(1)
  expect(failures(debug).length).toBeGreaterThan(0)
})

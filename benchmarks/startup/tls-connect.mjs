#!/usr/bin/env node
// What one secure context per client saves per TLS connection (docs/performance.md, "One TLS
// context per client"). Mutual TLS with the test kit's PKCS#12 store and CA: --connections
// connections opened (TLS handshake, ApiVersions) and closed one after another, either all with
// the client's resolved TLS options (one secure context, as a client's connections share it) or
// each with a fresh copy of them (a context per connection, what tls.connect did before). Rounds
// alternate; per connection: this process's CPU time (user + system) and the wall time.
//
//   npm run build && node benchmarks/startup/tls-connect.mjs [--connections 40] [--rounds 4]
// Starts a broker with an SSL listener through the test kit (stopped at the end).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { connections: { type: 'string', default: '40' }, rounds: { type: 'string', default: '4' } },
})
const N = Number(values.connections)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const dist = (p) => path.join(root, 'dist/esm', p)
const { connect } = await import(dist('network/index.js'))
const { resolveCommonOptions } = await import(dist('cluster/index.js'))
const { startKafka } = await import(dist('testing/index.js'))

const kafka = await startKafka({ listeners: ['PLAINTEXT', 'SSL'], log: (m) => console.error(`[kafka] ${m}`) })
try {
  const [host, port] = kafka.listeners.MTLS.bootstrapServers.split(':')
  const tls = resolveCommonOptions({
    bootstrapServers: 'unused:9092',
    tls: {
      ca: readFileSync(kafka.tls.caPem, 'utf8'),
      pfx: readFileSync(kafka.tls.clientP12),
      passphrase: kafka.tls.password,
    },
  }).tls
  const round = async (shared) => {
    const cpu = process.cpuUsage()
    const started = performance.now()
    for (let i = 0; i < N; i++) {
      const connection = await connect({ host, port: Number(port), tls: shared ? tls : { ...tls } })
      await connection.close()
    }
    const used = process.cpuUsage(cpu)
    return { cpuMs: (used.user + used.system) / 1000 / N, wallMs: (performance.now() - started) / N }
  }
  await round(true) // warm-up, both ways
  await round(false)
  console.log(`${N} mutual-TLS connections per round (PKCS#12 store), Node ${process.version}`)
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const shared of [true, false]) {
      const x = await round(shared)
      console.log(
        `${shared ? 'one context per client    ' : 'one context per connection'}: client CPU ${x.cpuMs.toFixed(2)} ms, ` +
          `wall ${x.wallMs.toFixed(2)} ms per connection`,
      )
    }
  }
} finally {
  await kafka.stop()
}

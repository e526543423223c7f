// SCRAM against a man in the middle (issue #19, security): the fault proxy rewrites the SASL bytes
// of the real broker's SaslAuthenticate responses in flight — the server-first message (nonce,
// salt, iteration count) or the server-final message (the server signature, an `e=` error). The
// client must refuse each with an AuthenticationError saying which check failed, naming the
// broker, without the password; close the connection; and not turn the refusal into a reconnect
// storm. The server-final tampers are the ones that matter most: there the broker has accepted
// the client, and only the client's check of the server signature notices that whoever answered
// did not prove it knows the credential.
// Uses the SASL_PLAINTEXT listener of the fault project's broker, or (when that is an external
// cluster, e.g. KAFKA_BOOTSTRAP_SERVERS) a broker of its own started by the test kit.
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { AuthenticationError } from '../../../src/errors.js'
import { createLog } from '../../../src/internal/log.js'
import { connect, type SaslOptions } from '../../../src/network/index.js'
import { Producer } from '../../../src/producer/index.js'
import { Apis } from '../../../src/protocol/index.js'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'
import { FaultProxy, type SaslRewrite } from '../support/fault-proxy.js'

const USER = { name: 'mallory-target', password: 'scram-Secret-51d2' }

/** Every record, its context objects inspected (object-first, from debug up): none may show a credential. */
function capturingLogger() {
  const lines: string[] = []
  const log =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push(`${level} ${args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' ')}`)
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
  const options = { logger, logLevel: 'debug', logFormat: 'object' } as const
  return { lines, logger, options, log: createLog(options, 'capturing') }
}

/** Rewrites one SCRAM message (step 0 = server-first, 1 = server-final) as text; others pass. */
const at =
  (step: number, edit: (message: string) => string): SaslRewrite =>
  (bytes, n) =>
    n === step ? Buffer.from(edit(bytes.toString('utf8')), 'utf8') : bytes

/** A server signature from a key other than the broker's: the right length, one byte changed. */
function forgeSignature(message: string): string {
  return message.replace(/v=([^,]*)/, (_, v: string) => {
    const sig = Buffer.from(v, 'base64')
    sig[0] = sig[0]! ^ 0x01
    return `v=${sig.toString('base64')}`
  })
}

const TAMPERS: Array<[string, SaslRewrite, RegExp]> = [
  [
    'a server nonce that does not extend the client nonce',
    at(0, (m) => m.replace(/r=(.)/, (_, c: string) => `r=${c === 'A' ? 'B' : 'A'}`)),
    /nonce does not start with the client nonce/,
  ],
  [
    'an iteration count lowered to 1024 (a downgrade)',
    at(0, (m) => m.replace(/i=\d+/, 'i=1024')),
    /iteration count 1024 outside \[4096, 16384\]/,
  ],
  ['a non-numeric iteration count', at(0, (m) => m.replace(/i=\d+/, 'i=4096x')), /iteration count is not a number/],
  ['a salt that is not base64', at(0, (m) => m.replace(/s=[^,]*/, 's=*not*base64*')), /salt is not base64/],
  ['no salt', at(0, (m) => m.replace(/s=[^,]*,/, '')), /expected r=<nonce>,s=<salt>,i=<iteration count>/],
  [
    'a server signature the broker did not make (a man in the middle)',
    at(1, forgeSignature),
    /server signature does not verify/,
  ],
  ['an e= error in server-final', at(1, () => 'e=other-error'), /broker sent error other-error/],
  ['a server signature that is not base64', at(1, () => 'v=%%%%'), /server signature is not base64/],
  ['an empty server-final message', at(1, () => ''), /not a list of attribute=value/],
]

describe('SCRAM through a tampering proxy', () => {
  let kafka: KafkaCluster | undefined
  let proxy: FaultProxy
  let host: string
  let port: number
  let user = USER
  const printed = capturingLogger()
  const sasl = (mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'): SaslOptions => ({
    mechanism,
    username: user.name,
    password: user.password,
  })

  beforeAll(async () => {
    let upstream = inject('kafkaListeners').listeners.SASL_PLAINTEXT?.bootstrapServers
    const shared = inject('kafkaListeners').sasl?.scramUsers[0]
    if (upstream !== undefined && shared !== undefined) {
      user = shared
    } else {
      kafka = await startKafka({ provider: 'jvm', listeners: ['PLAINTEXT', 'SASL_PLAINTEXT'], scramUsers: [USER] })
      upstream = kafka.listeners.SASL_PLAINTEXT!.bootstrapServers
    }
    proxy = await FaultProxy.start(upstream.split(',')[0]!)
    const address = await proxy.bootstrapServers()
    host = address.slice(0, address.lastIndexOf(':'))
    port = Number(address.slice(address.lastIndexOf(':') + 1))
  })
  afterAll(async () => {
    await proxy?.close()
    await kafka?.stop()
  })

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)(
    '%s through the proxy, its SASL bytes decoded and re-encoded unchanged, authenticates',
    async (mechanism) => {
      const seen: number[] = []
      proxy.rewriteSaslAuthBytes((bytes, step) => {
        seen.push(step)
        return bytes
      })
      const conn = await connect({ host, port, sasl: sasl(mechanism), requestTimeoutMs: 10_000 })
      try {
        expect((await conn.request(Apis.Metadata, { topics: [] })).brokers.length).toBeGreaterThan(0)
      } finally {
        conn.close()
        proxy.rewriteSaslAuthBytes(null)
      }
      expect(seen).toEqual([0, 1]) // server-first and server-final went through the hook
    },
  )

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it.each(TAMPERS)(`${mechanism}: %s is refused and the connection closed`, async (_, rewrite, message) => {
      proxy.rewriteSaslAuthBytes(rewrite)
      try {
        const err = await connect({
          host,
          port,
          sasl: sasl(mechanism),
          requestTimeoutMs: 10_000,
          logger: printed.log,
        })
          .then((conn) => {
            conn.close()
            return 'authenticated'
          })
          .catch((e: unknown) => e)
        expect(err).toBeInstanceOf(AuthenticationError)
        const e = err as AuthenticationError
        expect(e.message).toMatch(message)
        expect(e.message).toContain(`SASL ${mechanism} authentication with bootstrap server ${host}:${port} failed`)
        expect(e.retriable).toBe(false)
        expect(`${e.message} ${inspect(e, { depth: 10 })}`).not.toContain(user.password)
        // The client closed its side: the proxy sees the connection end.
        await vi.waitFor(() => expect(proxy.openConnections()).toBe(0), { timeout: 10_000 })
      } finally {
        proxy.rewriteSaslAuthBytes(null)
      }
    })
  }

  it('a producer facing a forged server signature: AuthenticationError each time, no reconnect storm while the application keeps trying', async () => {
    proxy.rewriteSaslAuthBytes(at(1, forgeSignature))
    const before = [...proxy.accepted.values()].reduce((a, b) => a + b, 0)
    const producer = new Producer<string, string>({
      bootstrapServers: `${host}:${port}`,
      sasl: sasl('SCRAM-SHA-512'),
      maxBlockMs: 2000,
      ...printed.options,
    })
    try {
      const first = await producer.send({ topic: 'anything', value: 'x' }).catch((e: unknown) => e)
      expect(first).toBeInstanceOf(AuthenticationError)
      expect(String((first as Error).message)).toMatch(/server signature does not verify/)
      // The application retries for 5 s (as the wrong-password test): each send fails, the
      // connection attempts stay few (the client backs off after an authentication failure).
      const until = Date.now() + 5000
      let failures = 0
      while (Date.now() < until) {
        const err = await producer.send({ topic: 'anything', value: 'x' }).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(AuthenticationError)
        failures++
        await new Promise((r) => setTimeout(r, 100))
      }
      const attempts = [...proxy.accepted.values()].reduce((a, b) => a + b, 0) - before
      process.stdout.write(
        `[scram-tamper] forged signature: ${failures} failed sends, ${attempts} connections in 5 s\n`,
      )
      expect(failures).toBeGreaterThan(5)
      expect(attempts).toBeGreaterThan(0)
      expect(attempts).toBeLessThan(20)
      expect(inspect(producer, { depth: 20 })).not.toContain(user.password)
    } finally {
      await producer.close()
      proxy.rewriteSaslAuthBytes(null)
    }
  })

  it('nothing printed with debug logging on contains the password', () => {
    expect(printed.lines.length).toBeGreaterThan(0)
    expect(printed.lines.join('\n')).not.toContain(user.password)
  })
})

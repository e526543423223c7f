/**
 * The TLS / SASL matrix against the shared broker's listeners: SASL_PLAINTEXT with PLAIN,
 * SCRAM-SHA-256 and SCRAM-SHA-512; SSL (and mutual TLS); SASL_SSL. A wrong password is an
 * AuthenticationError at once (no retry loop, also through Cluster); a certificate from an unknown
 * CA, or for another host name, is refused; credentials never reach logs or error messages.
 */
import { readFileSync } from 'node:fs'
import tls from 'node:tls'
import { inspect } from 'node:util'
import { describe, expect, inject, it, vi } from 'vitest'
import { Cluster } from '../../../src/cluster/cluster.js'
import { parseBrokerAddress, resolveCommonOptions } from '../../../src/cluster/options.js'
import { AuthenticationError, KafkaError } from '../../../src/errors.js'
import { createLog } from '../../../src/internal/log.js'
import {
  type ConnectionOptions,
  connect,
  type SaslOptions,
  secureContextFor,
  type TlsOptions,
} from '../../../src/network/index.js'
import { Apis } from '../../../src/protocol/index.js'

const info = inject('kafkaListeners')

function listener(name: 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL' | 'MTLS'): string {
  const l = info.listeners[name]
  if (!l) throw new Error(`the shared broker has no ${name} listener`)
  return l.bootstrapServers
}

function address(name: 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL' | 'MTLS') {
  return parseBrokerAddress(listener(name).split(',')[0]!)
}

const ca = () => readFileSync(info.tls!.caPem, 'utf8')
const scramUser = () => info.sasl!.scramUsers[0]!
const plainUser = () => info.sasl!.plainUsers[0]!

/** Opens a connection, runs Metadata, closes; returns the broker count. */
async function roundTrip(options: ConnectionOptions): Promise<number> {
  const conn = await connect({ requestTimeoutMs: 10_000, ...options })
  try {
    const md = await conn.request(Apis.Metadata, { topics: [] })
    return md.brokers.length
  } finally {
    conn.close()
  }
}

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

describe('SASL_PLAINTEXT', () => {
  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s authenticates', async (mechanism) => {
    const u = mechanism === 'PLAIN' ? plainUser() : scramUser()
    const sasl = { mechanism, username: u.name, password: u.password } as SaslOptions
    expect(await roundTrip({ ...address('SASL_PLAINTEXT'), sasl })).toBeGreaterThan(0)
  })

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)(
    '%s with a wrong password fails at once with AuthenticationError, password never shown',
    async (mechanism) => {
      const { lines, log } = capturingLogger()
      const password = `wrong-${mechanism}-pw-0xDEADBEEF`
      const started = Date.now()
      const err = await connect({
        ...address('SASL_PLAINTEXT'),
        sasl: { mechanism, username: scramUser().name, password } as SaslOptions,
        logger: log,
      }).catch((e) => e)
      expect(err).toBeInstanceOf(AuthenticationError)
      expect(err.retriable).toBe(false)
      expect(Date.now() - started).toBeLessThan(3000)
      const everything = [err.message, err.stack, inspect(err, { depth: 10 }), ...lines].join('\n')
      expect(everything).not.toContain(password)
    },
  )

  it('a mechanism the broker does not enable → AuthenticationError listing the enabled ones', async () => {
    const err = await connect({
      ...address('SASL_PLAINTEXT'),
      sasl: { mechanism: 'OAUTHBEARER', token: async () => ({ value: 'x' }) },
    }).catch((e) => e)
    if (info.listeners.SASL_PLAINTEXT?.saslMechanisms?.includes('OAUTHBEARER' as never)) return
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toMatch(/not enabled.*SCRAM-SHA-256/)
  })

  it('Cluster: a wrong password rejects connect() at once, with a single attempt per bootstrap server', async () => {
    const { lines, options } = capturingLogger()
    const cluster = new Cluster(
      resolveCommonOptions({
        bootstrapServers: listener('SASL_PLAINTEXT'),
        sasl: { mechanism: 'SCRAM-SHA-512', username: scramUser().name, password: 'nope-nope-nope-42' },
        requestTimeoutMs: 20_000,
        ...options,
      }),
    )
    try {
      const started = Date.now()
      const err = await cluster.connect().catch((e) => e)
      expect(err).toBeInstanceOf(AuthenticationError)
      expect(Date.now() - started).toBeLessThan(3000)
      expect(inspect(cluster, { depth: 20 })).not.toContain('nope-nope-nope-42')
      expect(lines.join('\n')).not.toContain('nope-nope-nope-42')
    } finally {
      await cluster.close()
    }
  })

  it('Cluster over SASL_PLAINTEXT/SCRAM works end to end', async () => {
    const u = scramUser()
    const cluster = new Cluster(
      resolveCommonOptions({
        bootstrapServers: listener('SASL_PLAINTEXT'),
        sasl: { mechanism: 'SCRAM-SHA-256', username: u.name, password: u.password },
      }),
    )
    try {
      await cluster.connect()
      expect(cluster.brokers.size).toBeGreaterThan(0)
      // Brokers advertise every listener; metadata on this connection returns the SASL_PLAINTEXT ones.
      const res = await cluster.sendAny(Apis.Metadata, { topics: [] })
      expect(res.brokers[0]!.port).toBe(address('SASL_PLAINTEXT').port)
      expect(inspect(cluster, { depth: 20 })).not.toContain(u.password)
    } finally {
      await cluster.close()
    }
  })
})

describe('SSL', () => {
  it('verifies the broker against the given CA (and its host name, 127.0.0.1 in the SAN)', async () => {
    expect(await roundTrip({ ...address('SSL'), tls: { ca: ca() } })).toBeGreaterThan(0)
  })

  it('refuses a certificate from an unknown CA with AuthenticationError', async () => {
    const started = Date.now()
    const err = await connect({ ...address('SSL'), tls: true }).catch((e) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toMatch(/TLS/)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('refuses a certificate for another host name', async () => {
    const err = await connect({ ...address('SSL'), tls: { ca: ca(), servername: 'not-the-broker.example' } }).catch(
      (e) => e,
    )
    expect(err).toBeInstanceOf(AuthenticationError)
  })

  it('rejectUnauthorized: false connects to an unknown CA (insecure, for development)', async () => {
    expect(await roundTrip({ ...address('SSL'), tls: { rejectUnauthorized: false } })).toBeGreaterThan(0)
  })

  it('mutual TLS with a client certificate', async () => {
    if (!info.listeners.MTLS || !info.tls?.clientCertPem || !info.tls.clientKeyPem) return
    const tls: TlsOptions = {
      ca: ca(),
      cert: readFileSync(info.tls.clientCertPem, 'utf8'),
      key: readFileSync(info.tls.clientKeyPem, 'utf8'),
    }
    expect(await roundTrip({ ...address('MTLS'), tls })).toBeGreaterThan(0)
    const err = await connect({ ...address('MTLS'), tls: { ca: ca() }, requestTimeoutMs: 5000 }).catch((e) => e)
    expect(err).toBeInstanceOf(KafkaError)
  })

  /** Java client properties for a TLS listener trusting the kit's CA (PEM), plus `more` lines. */
  async function sslProperties(name: 'SSL' | 'MTLS', more: string) {
    const { fromProperties } = await import('../../../src/cluster/java-properties.js')
    return fromProperties(`
bootstrap.servers=${listener(name)}
security.protocol=SSL
ssl.truststore.type=PEM
ssl.truststore.location=${info.tls!.caPem}
${more}
`)
  }

  /** Records the TLS version and cipher suite (standard name) of every handshake until restored. */
  function recordHandshakes() {
    const seen: [string | null, string][] = []
    const contexts: unknown[] = []
    const original = tls.connect
    const spy = vi.spyOn(tls, 'connect').mockImplementation(((...args: Parameters<typeof tls.connect>) => {
      contexts.push((args[0] as tls.ConnectionOptions).secureContext)
      const socket = original(...args)
      socket.once('secureConnect', () => seen.push([socket.getProtocol(), socket.getCipher().standardName]))
      return socket
    }) as typeof tls.connect)
    return { seen, contexts, restore: () => spy.mockRestore() }
  }

  /** The TLS version and cipher suite a round trip with these settings negotiated. */
  async function negotiated(options: ConnectionOptions): Promise<[string | null, string]> {
    const handshakes = recordHandshakes()
    try {
      expect(await roundTrip(options)).toBeGreaterThan(0)
      expect(handshakes.seen).toHaveLength(1)
      return handshakes.seen[0]!
    } finally {
      handshakes.restore()
    }
  }

  it('maxVersion and ciphers choose what the broker negotiates (Java: ssl.enabled.protocols, ssl.cipher.suites)', async () => {
    const ssl = address('SSL')
    expect((await negotiated({ ...ssl, tls: { ca: ca() } }))[0]).toBe('TLSv1.3')
    expect((await negotiated({ ...ssl, tls: { ca: ca(), maxVersion: 'TLSv1.2' } }))[0]).toBe('TLSv1.2')
    expect(await negotiated({ ...ssl, tls: { ca: ca(), ciphers: 'TLS_AES_128_GCM_SHA256' } })).toEqual([
      'TLSv1.3',
      'TLS_AES_128_GCM_SHA256',
    ])
    expect(
      await negotiated({ ...ssl, tls: { ca: ca(), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' } }),
    ).toEqual(['TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'])
  })

  it('the same from Java properties, through a Cluster', async () => {
    const props = await sslProperties(
      'SSL',
      'ssl.enabled.protocols=TLSv1.2\nssl.cipher.suites=TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    )
    const handshakes = recordHandshakes()
    const options = resolveCommonOptions(props as never)
    const cluster = new Cluster(options)
    try {
      await cluster.connect()
      const nodeId = [...cluster.brokers.keys()][0]!
      await cluster.send(nodeId, Apis.Metadata, { topics: [] }, { workload: 'fetch' }) // a second connection
      expect(handshakes.seen.length).toBeGreaterThan(1)
      for (const h of handshakes.seen) expect(h).toEqual(['TLSv1.2', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'])
      // Every connection of the client uses the secure context built when its options were resolved.
      expect(handshakes.contexts).toEqual(handshakes.seen.map(() => secureContextFor(options.tls!)))
    } finally {
      handshakes.restore()
      await cluster.close()
    }
  })

  it('a cipher list the broker shares nothing with fails the handshake with AuthenticationError', async () => {
    // The broker's certificate is RSA: an ECDSA-only TLS 1.2 list has nothing in common with it.
    const err = await connect({
      ...address('SSL'),
      tls: { ca: ca(), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
    }).catch((e) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toMatch(/TLS handshake/)
  })

  it('mutual TLS with a PKCS#12 store (pfx), also from Java properties (ssl.keystore.type=PKCS12)', async () => {
    if (!info.listeners.MTLS) return
    const pfx = readFileSync(info.tls!.clientP12)
    expect(
      await roundTrip({ ...address('MTLS'), tls: { ca: ca(), pfx, passphrase: info.tls!.password } }),
    ).toBeGreaterThan(0)
    const props = await sslProperties(
      'MTLS',
      `ssl.keystore.type=PKCS12\nssl.keystore.location=${info.tls!.clientP12}\nssl.keystore.password=${info.tls!.password}`,
    )
    const cluster = new Cluster(resolveCommonOptions(props as never))
    try {
      await cluster.connect()
      expect(cluster.brokers.size).toBeGreaterThan(0)
      expect(inspect(props, { depth: 10 })).not.toContain(info.tls!.password)
    } finally {
      await cluster.close()
    }
  })

  it('TLS to a plaintext port gives a typed error quickly', async () => {
    const plain = parseBrokerAddress(inject('kafkaBootstrapServers').split(',')[0]!)
    const started = Date.now()
    const err = await connect({ ...plain, tls: { ca: ca() }, socketConnectionSetupTimeoutMs: 5000 }).catch((e) => e)
    expect(err).toBeInstanceOf(KafkaError)
    expect(Date.now() - started).toBeLessThan(6000)
  })
})

describe('SASL_SSL', () => {
  it.each(['PLAIN', 'SCRAM-SHA-512'] as const)('%s over TLS', async (mechanism) => {
    const u = mechanism === 'PLAIN' ? plainUser() : scramUser()
    const sasl = { mechanism, username: u.name, password: u.password } as SaslOptions
    expect(await roundTrip({ ...address('SASL_SSL'), tls: { ca: ca() }, sasl })).toBeGreaterThan(0)
  })

  it('wrong password over TLS → AuthenticationError', async () => {
    const err = await connect({
      ...address('SASL_SSL'),
      tls: { ca: ca() },
      sasl: { mechanism: 'SCRAM-SHA-256', username: scramUser().name, password: 'bad' },
    }).catch((e) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
  })

  it('a Cluster configured from Java properties (fromProperties) connects over SASL_SSL', async () => {
    const { fromProperties } = await import('../../../src/cluster/java-properties.js')
    const u = scramUser()
    const props = fromProperties(`
bootstrap.servers=${listener('SASL_SSL')}
security.protocol=SASL_SSL
ssl.truststore.type=PEM
ssl.truststore.location=${info.tls!.caPem}
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${u.name}" password="${u.password}";
request.timeout.ms=15000
`)
    const cluster = new Cluster(resolveCommonOptions(props as never))
    try {
      await cluster.connect()
      expect(cluster.brokers.size).toBeGreaterThan(0)
      expect(inspect(props, { depth: 10 }) + inspect(cluster, { depth: 10 })).not.toContain(u.password)
    } finally {
      await cluster.close()
    }
  })
})

import { execFileSync } from 'node:child_process'
import { createPrivateKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { describe, expect, it, vi } from 'vitest'
import { fromProperties, parseJaasConfig, TLS12_OPENSSL_NAMES } from '../../../src/cluster/java-properties.js'
import { COMMON_DEFAULTS, resolveCommonOptions } from '../../../src/cluster/options.js'
import { ConfigError } from '../../../src/errors.js'
import { secureContextFor, tlsConnectOptions } from '../../../src/network/tls.js'
import { selfSignedCertificate } from '../network/fake-broker.js'

/** A PEM private key encrypted with `passphrase`. */
function encryptedKey(key: string, passphrase: string): string {
  return createPrivateKey(key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return e as ConfigError
  }
  throw new Error('expected a ConfigError')
}

/** A PKCS#12 store (key and self-signed certificate) with this password, made with openssl. */
function pkcs12Store(password: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'kw-p12-'))
  try {
    const { key, cert } = selfSignedCertificate()
    writeFileSync(join(dir, 'k.pem'), key)
    writeFileSync(join(dir, 'c.pem'), cert)
    execFileSync(
      'openssl',
      ['pkcs12', '-export', '-inkey', 'k.pem', '-in', 'c.pem', '-passout', `pass:${password}`, '-out', 's.p12'],
      {
        cwd: dir,
        stdio: 'ignore',
      },
    )
    return readFileSync(join(dir, 's.p12'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('resolveCommonOptions', () => {
  it('applies the Java defaults', () => {
    const o = resolveCommonOptions({ bootstrapServers: 'a:9092, b:9093' })
    expect(o.bootstrapServers).toEqual([
      { host: 'a', port: 9092 },
      { host: 'b', port: 9093 },
    ])
    expect(o).toMatchObject({
      clientId: 'kafka-wire',
      requestTimeoutMs: 30000,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1000,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 1000,
      metadataMaxAgeMs: 300000,
      connectionsMaxIdleMs: 540000,
      socketConnectionSetupTimeoutMs: 10000,
      socketConnectionSetupTimeoutMaxMs: 30000,
      maxResponseBytes: 256 * 1024 * 1024,
      enableMetricsPush: true,
      tls: undefined,
      sasl: undefined,
    })
    expect(COMMON_DEFAULTS.requestTimeoutMs).toBe(30000)
  })

  it('enableMetricsPush (KIP-714 telemetry) is a boolean, and false turns pushing off', () => {
    expect(resolveCommonOptions({ bootstrapServers: 'a:1', enableMetricsPush: false }).enableMetricsPush).toBe(false)
    const err = configError(() => resolveCommonOptions({ bootstrapServers: 'a:1', enableMetricsPush: 'no' as any }))
    expect(err.option).toBe('enableMetricsPush')
    expect(
      (fromProperties({ 'bootstrap.servers': 'a:1', 'enable.metrics.push': 'false' }) as Record<string, unknown>)
        .enableMetricsPush,
    ).toBe(false)
  })

  it('accepts arrays, IPv6 and comma lists inside arrays', () => {
    const o = resolveCommonOptions({ bootstrapServers: ['[::1]:9092', 'h1:1,h2:2'] })
    expect(o.bootstrapServers.map((b) => `${b.host}|${b.port}`)).toEqual(['::1|9092', 'h1|1', 'h2|2'])
  })

  it('names the bad option', () => {
    expect(configError(() => resolveCommonOptions({} as any)).option).toBe('bootstrapServers')
    expect(configError(() => resolveCommonOptions({ bootstrapServers: '' })).option).toBe('bootstrapServers')
    expect(configError(() => resolveCommonOptions({ bootstrapServers: 'nohost' })).option).toBe('bootstrapServers')
    expect(configError(() => resolveCommonOptions({ bootstrapServers: 'h:99999' })).option).toBe('bootstrapServers')
    expect(configError(() => resolveCommonOptions({ bootstrapServers: 'h:1', requestTimeoutMs: 0 })).option).toBe(
      'requestTimeoutMs',
    )
    expect(configError(() => resolveCommonOptions({ bootstrapServers: 'h:1', retryBackoffMs: 1.5 })).option).toBe(
      'retryBackoffMs',
    )
    expect(
      configError(() => resolveCommonOptions({ bootstrapServers: 'h:1', metadataMaxAgeMs: '1' as any })).option,
    ).toBe('metadataMaxAgeMs')
    expect(configError(() => resolveCommonOptions({ bootstrapServers: 'h:1', clientId: 3 as any })).option).toBe(
      'clientId',
    )
    expect(configError(() => resolveCommonOptions({ bootstrapServers: 'h:1', tls: 'yes' as any })).option).toBe('tls')
    expect(
      configError(() => resolveCommonOptions({ bootstrapServers: 'h:1', tls: { rejectUnauthorised: false } as any }))
        .option,
    ).toBe('tls.rejectUnauthorised')
    expect(configError(() => resolveCommonOptions({ bootstrapServers: 'h:1', tls: { cert: 'x' } })).option).toBe(
      'tls.key',
    )
    expect(
      configError(() => resolveCommonOptions({ bootstrapServers: 'h:1', sasl: { mechanism: 'GSSAPI' } as any })).option,
    ).toBe('sasl.mechanism')
    expect(
      configError(() =>
        resolveCommonOptions({ bootstrapServers: 'h:1', sasl: { mechanism: 'PLAIN', username: 'u' } as any }),
      ).option,
    ).toBe('sasl.password')
    expect(
      configError(() =>
        resolveCommonOptions({ bootstrapServers: 'h:1', sasl: { mechanism: 'OAUTHBEARER', token: 'x' } as any }),
      ).option,
    ).toBe('sasl.token')
    expect(configError(() => resolveCommonOptions({ bootstrapServers: 'h:1', logger: {} as any })).option).toBe(
      'logger',
    )
  })

  it('tls.maxVersion and tls.ciphers are checked at construction, naming the option', () => {
    const tls = (t: object) => resolveCommonOptions({ bootstrapServers: 'h:1', tls: t as any }).tls
    expect(tls({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })).toEqual({
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    })
    expect(tls({ ciphers: 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256' })).toEqual({
      ciphers: 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256',
    })
    expect(configError(() => tls({ maxVersion: 'TLSv1.4' })).option).toBe('tls.maxVersion')
    const below = configError(() => tls({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' }))
    expect([below.option, below.message]).toEqual([
      'tls.maxVersion',
      'Invalid option tls.maxVersion: TLSv1.2 is below tls.minVersion (TLSv1.3)',
    ])
    expect(configError(() => tls({ ciphers: '' })).option).toBe('tls.ciphers')
    expect(configError(() => tls({ ciphers: ['TLS_AES_128_GCM_SHA256'] })).option).toBe('tls.ciphers')
    // OpenSSL matches nothing: every handshake would fail, so construction does.
    expect(configError(() => tls({ ciphers: 'NO-SUCH-CIPHER' })).message).toMatch(/no cipher suite in "NO-SUCH-CIPHER"/)
    // node:tls would take a TLS 1.2 suite's standard name for a TLS 1.3 suite: refused, with the way out.
    expect(configError(() => tls({ ciphers: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' })).message).toMatch(
      /not a TLS 1\.3 suite .* ECDHE-RSA-AES128-GCM-SHA256/,
    )
  })

  it('tls.pfx: a PKCS#12 store node:tls can open with the passphrase, or a ConfigError that never shows it', () => {
    const store = pkcs12Store('store-pw')
    const tls = (t: object) => resolveCommonOptions({ bootstrapServers: 'h:1', tls: t as any }).tls
    expect(tls({ pfx: store, passphrase: 'store-pw' })).toEqual({ pfx: store, passphrase: 'store-pw' })
    expect(inspect(tls({ pfx: store, passphrase: 'store-pw' }))).not.toContain('store-pw')
    const wrong = configError(() => tls({ pfx: store, passphrase: 'not-it' }))
    expect([wrong.option, wrong.message.includes('not-it')]).toEqual(['tls.pfx', false])
    expect(wrong.message).toMatch(/cannot read the PKCS#12 store/)
    expect(configError(() => tls({ pfx: Buffer.from('not a store') })).option).toBe('tls.pfx')
    expect(configError(() => tls({ pfx: 'base64?' })).option).toBe('tls.pfx')
    expect(configError(() => tls({ pfx: store, passphrase: 'store-pw', cert: 'C', key: 'K' })).option).toBe('tls.pfx')
  })

  it('TLS settings node:tls cannot use are a ConfigError at construction, naming the option', () => {
    const mine = selfSignedCertificate()
    const other = selfSignedCertificate()
    const tls = (t: object) => resolveCommonOptions({ bootstrapServers: 'h:1', tls: t as any }).tls
    // A key that is not the certificate's, a key that is not PEM, a wrong passphrase for the key.
    const mismatch = configError(() => tls({ cert: mine.cert, key: other.key }))
    expect([mismatch.option, mismatch.message]).toEqual(['tls.key', expect.stringMatching(/key values mismatch/)])
    expect(configError(() => tls({ cert: mine.cert, key: 'not a key' })).option).toBe('tls.key')
    const wrong = configError(() => tls({ cert: mine.cert, key: encryptedKey(mine.key, 'key-pw'), passphrase: 'nope' }))
    expect([wrong.option, wrong.message.includes('nope')]).toEqual(['tls.key', false])
    // node:tls would trust nothing from these and fail every handshake as an unknown CA.
    expect(configError(() => tls({ ca: 'not a certificate' })).option).toBe('tls.ca')
    const corrupt = mine.cert.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA')
    expect(configError(() => tls({ ca: corrupt })).message).toMatch(/cannot read/)
    expect(configError(() => tls({ ca: [mine.cert, Buffer.from('junk')] })).option).toBe('tls.ca[1]')
    // OpenSSL's other label for a CA (with trust settings) is one node:tls reads: kept.
    const trusted = execFileSync('openssl', ['x509', '-addtrust', 'serverAuth'], { input: mine.cert }).toString()
    expect(trusted).toMatch(/^-----BEGIN TRUSTED CERTIFICATE-----/)
    expect(tls({ ca: trusted })).toEqual({ ca: trusted })
    // What node:tls can use resolves, and its secure context is built once: every connection shares it.
    const o = tls({
      ca: [mine.cert, other.cert],
      cert: mine.cert,
      key: encryptedKey(mine.key, 'key-pw'),
      passphrase: 'key-pw',
    })!
    const context = secureContextFor(o)
    expect(secureContextFor(o)).toBe(context)
    expect(tlsConnectOptions('a', 1, o).secureContext).toBe(context)
    expect(tlsConnectOptions('b', 2, o).secureContext).toBe(context)
    expect(tlsConnectOptions('a', 1, tls({ ca: mine.cert })!).secureContext).not.toBe(context)
  })

  it('clients given the same, unchanged tls object share one resolved object and secure context', () => {
    const store = pkcs12Store('store-pw')
    const given: Record<string, unknown> = { pfx: store, passphrase: 'store-pw', ca: [selfSignedCertificate().cert] }
    const tls = () => resolveCommonOptions({ bootstrapServers: 'h:1', tls: given as any }).tls!
    const first = tls()
    expect(tls()).toBe(first)
    expect(tlsConnectOptions('a', 1, tls()).secureContext).toBe(secureContextFor(first))
    // Equal settings in another object resolve on their own; `true` is one object for every client.
    expect(resolveCommonOptions({ bootstrapServers: 'h:1', tls: { ...given } as any }).tls).not.toBe(first)
    const defaults = resolveCommonOptions({ bootstrapServers: 'h:1', tls: true }).tls
    expect(resolveCommonOptions({ bootstrapServers: 'h:1', tls: true }).tls).toBe(defaults)
    // A setting replaced, added or pushed into an array is seen: the object resolves again, checks included.
    ;(given.ca as string[]).push(selfSignedCertificate().cert)
    const grown = tls()
    expect(grown).not.toBe(first)
    expect(grown.ca).toHaveLength(2)
    given.rejectUnauthorized = false
    expect(tls()).not.toBe(grown)
    expect(tls().rejectUnauthorized).toBe(false)
    given.passphrase = 'not-it'
    expect(configError(tls).option).toBe('tls.pfx')
  })

  it('never echoes a password in a ConfigError', () => {
    const e = configError(() =>
      resolveCommonOptions({
        bootstrapServers: 'h:1',
        sasl: { mechanism: 'PLAIN', username: '', password: 'hunter2' },
      }),
    )
    expect(e.message).not.toContain('hunter2')
  })

  it('follows Java when a max backoff is below its base (warns, no growth)', () => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    const o = resolveCommonOptions({ bootstrapServers: 'h:1', retryBackoffMs: 500, retryBackoffMaxMs: 100, logger })
    expect(o.retryBackoffMaxMs).toBe(500)
    expect(logger.warn).toHaveBeenCalled()
  })

  it('util.inspect never shows credentials', () => {
    const { key, cert } = selfSignedCertificate()
    const encrypted = encryptedKey(key, 'pp-secret')
    const keyData = encrypted.split('\n')[1]!
    const o = resolveCommonOptions({
      bootstrapServers: 'h:1',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 's3cr3t-pw' },
      tls: { key: encrypted, cert, passphrase: 'pp-secret' },
    })
    const text = inspect(o, { depth: 10 }) + inspect({ wrapped: o }, { depth: 10 }) + inspect(o.sasl) + inspect(o.tls)
    expect(text).not.toContain('s3cr3t-pw')
    expect(text).not.toContain(keyData)
    expect(text).not.toContain('pp-secret')
    expect(text).toContain('alice')
    expect(text).toContain('[redacted]')
    // Still usable data.
    expect((o.sasl as { password: string }).password).toBe('s3cr3t-pw')
  })
})

describe('parseJaasConfig', () => {
  it('parses login module, flag and options', () => {
    expect(
      parseJaasConfig(
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="a \\"quoted\\" pw" tokenauth=true;',
      ),
    ).toEqual({
      loginModule: 'org.apache.kafka.common.security.scram.ScramLoginModule',
      flag: 'required',
      options: { username: 'alice', password: 'a "quoted" pw', tokenauth: 'true' },
    })
  })

  it('rejects malformed entries without echoing them', () => {
    for (const bad of [
      'x',
      'Mod required username="a" password="hunter2"',
      'Mod required username',
      'Mod required a="unterminated',
    ]) {
      const e = configError(() => parseJaasConfig(bad))
      expect(e.option).toBe('sasl.jaas.config')
      expect(e.message).not.toContain('hunter2')
    }
  })
})

describe('fromProperties', () => {
  it('maps common options and camelCases the rest', () => {
    const o = fromProperties(`
bootstrap.servers=a:9092,b:9092
client.id=12345
request.timeout.ms=5000
retry.backoff.max.ms=2000
linger.ms=5
enable.idempotence=false
group.id=007
key.serializer=org.apache.kafka.common.serialization.StringSerializer
partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor
acks=all
`)
    // The string-keyed options (fromProperties also marks each with its Java property, under a symbol).
    expect(Object.fromEntries(Object.entries(o))).toEqual({
      bootstrapServers: ['a:9092', 'b:9092'],
      clientId: '12345',
      requestTimeoutMs: 5000,
      retryBackoffMaxMs: 2000,
      lingerMs: 5,
      enableIdempotence: false,
      groupId: '007',
      partitionAssignmentStrategy: ['cooperative-sticky'],
      acks: 'all',
    })
    expect(() => resolveCommonOptions(o as any)).not.toThrow()
  })

  it('rejects a non-numeric value for a numeric common option, naming the Java property', () => {
    expect(configError(() => fromProperties({ 'bootstrap.servers': 'a:1', 'request.timeout.ms': 'soon' })).option).toBe(
      'request.timeout.ms',
    )
  })

  it('SASL_PLAINTEXT with SCRAM from sasl.jaas.config', () => {
    const o = fromProperties({
      'bootstrap.servers': 'a:1',
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'SCRAM-SHA-256',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";',
    })
    expect(o.tls).toBeUndefined()
    expect(o.sasl).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' })
    expect(inspect(o, { depth: 10 })).not.toContain('alice-secret')
    const r = resolveCommonOptions(o as any)
    expect(r.sasl?.mechanism).toBe('SCRAM-SHA-256')
  })

  it('SASL needs a supported mechanism (GSSAPI is the Java default) and a JAAS line', () => {
    expect(configError(() => fromProperties({ 'security.protocol': 'SASL_SSL' })).option).toBe('sasl.mechanism')
    expect(
      configError(() => fromProperties({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN' })).option,
    ).toBe('sasl.jaas.config')
    expect(configError(() => fromProperties({ 'security.protocol': 'TLS' })).option).toBe('security.protocol')
  })

  it('OAUTHBEARER with the unsecured login module yields a token provider', async () => {
    const o = fromProperties({
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice" unsecuredLoginExtension_traceId="t1";',
    })
    const sasl = o.sasl as { mechanism: string; token: () => Promise<{ value: string; extensions?: object }> }
    expect(sasl.mechanism).toBe('OAUTHBEARER')
    const token = await sasl.token()
    expect(JSON.parse(Buffer.from(token.value.split('.')[1]!, 'base64url').toString()).sub).toBe('alice')
    expect(token.extensions).toEqual({ traceId: 't1' })
  })

  it('SSL with PEM truststore and keystore files, and endpoint identification off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-props-'))
    const ca = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n'
    const key = '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n'
    const cert = '-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n'
    writeFileSync(join(dir, 'ca.pem'), ca)
    writeFileSync(join(dir, 'client.pem'), key + cert)
    const o = fromProperties(`
security.protocol=SSL
ssl.truststore.type=PEM
ssl.truststore.location=${join(dir, 'ca.pem')}
ssl.keystore.type=PEM
ssl.keystore.location=${join(dir, 'client.pem')}
ssl.key.password=kp
ssl.endpoint.identification.algorithm=
ssl.enabled.protocols=TLSv1.3,TLSv1.2
`)
    expect(o.tls).toEqual({
      ca,
      key: key.trim(),
      cert: cert.trim(),
      passphrase: 'kp',
      verifyHostname: false,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    })
    expect(inspect(o, { depth: 10 })).not.toContain('KEY\n')
  })

  it('SSL rejects JKS stores and missing files with the property named', () => {
    expect(
      configError(() => fromProperties({ 'security.protocol': 'SSL', 'ssl.truststore.location': '/x.jks' })).option,
    ).toBe('ssl.truststore.type')
    expect(
      configError(() =>
        fromProperties({
          'security.protocol': 'SSL',
          'ssl.truststore.type': 'PEM',
          'ssl.truststore.location': '/nonexistent/ca.pem',
        }),
      ).option,
    ).toBe('ssl.truststore.location')
  })

  it('inline PEM certificates', () => {
    const o = fromProperties({
      'security.protocol': 'SSL',
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.certificates': 'CA-PEM',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.key': 'KEY-PEM',
      'ssl.keystore.certificate.chain': 'CHAIN-PEM',
    })
    expect(o.tls).toEqual({ ca: 'CA-PEM', key: 'KEY-PEM', cert: 'CHAIN-PEM' })
  })

  it('SSL with a PKCS12 keystore: its bytes as tls.pfx, ssl.keystore.password as the passphrase', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-props-'))
    const store = pkcs12Store('ks-pw')
    writeFileSync(join(dir, 'client.p12'), store)
    const o = fromProperties(`
security.protocol=SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=${join(dir, 'client.p12')}
ssl.keystore.password=ks-pw
ssl.key.password=ks-pw
`)
    expect(o.tls).toEqual({ pfx: store, passphrase: 'ks-pw' })
    expect(resolveCommonOptions({ ...o, bootstrapServers: 'h:1' }).tls).toEqual({ pfx: store, passphrase: 'ks-pw' })
    const missing = configError(() =>
      fromProperties({
        'security.protocol': 'SSL',
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.location': join(dir, 'none.p12'),
      }),
    )
    expect(missing.option).toBe('ssl.keystore.location')
    // JKS (Java's default type) stays unsupported, and the message says what to convert to.
    const jks = configError(() =>
      fromProperties({ 'security.protocol': 'SSL', 'ssl.keystore.location': join(dir, 'client.jks') }),
    )
    expect([jks.option, jks.message]).toEqual(['ssl.keystore.type', expect.stringMatching(/PKCS12/)])
  })

  it('ssl.enabled.protocols is the range of versions node:tls enables, both ends', () => {
    const tls = (protocols: string) =>
      fromProperties({ 'security.protocol': 'SSL', 'ssl.enabled.protocols': protocols }).tls
    expect(tls('TLSv1.2')).toEqual({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })
    expect(tls('TLSv1.3')).toEqual({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' })
    expect(tls(' TLSv1.3 , TLSv1.2 ')).toEqual({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' })
    expect(configError(() => tls('TLSv1.1,TLSv1.3')).option).toBe('ssl.enabled.protocols')
    expect(configError(() => tls('SSLv3')).option).toBe('ssl.enabled.protocols')
  })

  it('ssl.cipher.suites: standard names, TLS 1.2 ones turned into OpenSSL names; an unmapped one is refused', () => {
    const tls = (suites: string) => fromProperties({ 'security.protocol': 'SSL', 'ssl.cipher.suites': suites }).tls
    expect(tls('TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384')).toEqual({
      ciphers: 'TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES256-GCM-SHA384',
    })
    expect(tls('')).toEqual({})
    const unmapped = configError(() => tls('TLS_RSA_WITH_AES_128_CBC_SHA'))
    expect([unmapped.option, unmapped.message]).toEqual([
      'ssl.cipher.suites',
      expect.stringMatching(/TLS_RSA_WITH_AES_128_CBC_SHA is not a suite kafka-wire maps .* tls\.ciphers/),
    ])
  })

  it("the TLS 1.2 name table agrees with OpenSSL's own (openssl ciphers -stdname)", () => {
    for (const [standard, openssl] of Object.entries(TLS12_OPENSSL_NAMES)) {
      const line = execFileSync('openssl', ['ciphers', '-stdname', openssl], { encoding: 'utf8' })
        .split('\n')
        .find((l) => l.includes(` ${openssl} `))
      expect(line?.split(' ')[0], openssl).toBe(standard)
    }
  })
})

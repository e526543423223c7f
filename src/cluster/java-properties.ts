/**
 * Java client configurations for kafka-wire: `fromProperties` maps a `.properties` file (read by
 * internal/properties.ts) onto kafka-wire's camelCased options, so that existing configurations
 * carry over — the common ones, security.protocol with ssl.* (PEM stores) and sasl.*
 * (`sasl.jaas.config`, parsed by `parseJaasConfig`), every other key camelCased with its value
 * converted. Called by the CLI (`--command-config`) and by applications; the options it returns are
 * validated by the clients like any others (cluster/options.ts).
 */
import { readFileSync } from 'node:fs'
import { ConfigError } from '../errors.js'
import { redactOnInspect } from '../internal/logger.js'
import { propertyMark } from '../internal/options.js'
import { parseProperties } from '../internal/properties.js'
import { unsecuredJwt } from '../network/index.js'
import type { SaslOptions, TlsOptions } from '../network/types.js'
import { type CommonClientOptions, MECHANISMS, TLS_VERSIONS, TLS13_SUITES } from './options.js'

export interface JaasConfig {
  loginModule: string
  flag: string
  options: Record<string, string>
}

/**
 * Parses one `sasl.jaas.config` entry: `<LoginModule class> <flag> key="value" key=value ...;`.
 * Errors never echo the text (it holds a password).
 */
export function parseJaasConfig(text: string): JaasConfig {
  const tokens: string[] = []
  let i = 0
  const s = text.trim()
  while (i < s.length) {
    const c = s[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === '"') {
      let v = ''
      i++
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) {
          const e = s[++i]!
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e
        } else v += s[i]
        i++
      }
      if (i >= s.length) throw new ConfigError('sasl.jaas.config', 'unterminated quoted value')
      i++
      tokens.push(`"${v}`) // marked as quoted
    } else if (c === '=' || c === ';') {
      tokens.push(c)
      i++
    } else {
      let v = ''
      while (i < s.length && !/[\s=;"]/.test(s[i]!)) v += s[i++]
      tokens.push(v)
    }
  }
  const bare = (t: string | undefined) => (t === undefined || t.startsWith('"') ? undefined : t)
  const loginModule = bare(tokens[0])
  const flag = bare(tokens[1])
  if (loginModule === undefined || flag === undefined || !/^(required|requisite|sufficient|optional)$/i.test(flag)) {
    throw new ConfigError('sasl.jaas.config', 'expected "<LoginModule class> required key=\\"value\\" ...;"')
  }
  const options: Record<string, string> = {}
  let t = 2
  while (t < tokens.length && tokens[t] !== ';') {
    const key = bare(tokens[t])
    if (key === undefined || tokens[t + 1] !== '=' || tokens[t + 2] === undefined || tokens[t + 2] === ';') {
      throw new ConfigError('sasl.jaas.config', 'expected key=value pairs after the login module and flag')
    }
    const raw = tokens[t + 2]!
    options[key] = raw.startsWith('"') ? raw.slice(1) : raw
    t += 3
  }
  if (tokens[t] !== ';') throw new ConfigError('sasl.jaas.config', 'the entry must end with ";"')
  if (t + 1 < tokens.length) throw new ConfigError('sasl.jaas.config', 'only one login module entry is supported')
  return { loginModule, flag, options }
}

/** Java config name → kafka-wire option, where plain camelCasing would not do. */
const COMMON_KEYS: Record<string, keyof CommonClientOptions> = {
  'bootstrap.servers': 'bootstrapServers',
  'client.id': 'clientId',
  'request.timeout.ms': 'requestTimeoutMs',
  'retry.backoff.ms': 'retryBackoffMs',
  'retry.backoff.max.ms': 'retryBackoffMaxMs',
  'reconnect.backoff.ms': 'reconnectBackoffMs',
  'reconnect.backoff.max.ms': 'reconnectBackoffMaxMs',
  'metadata.max.age.ms': 'metadataMaxAgeMs',
  'connections.max.idle.ms': 'connectionsMaxIdleMs',
  'socket.connection.setup.timeout.ms': 'socketConnectionSetupTimeoutMs',
  'socket.connection.setup.timeout.max.ms': 'socketConnectionSetupTimeoutMaxMs',
}

/** Values that stay strings even when they look numeric. */
const STRING_VALUED = new Set([
  'client.id',
  'group.id',
  'group.instance.id',
  'transactional.id',
  'client.rack',
  'group.protocol',
  'group.remote.assignor',
])

const ASSIGNORS: Record<string, string> = {
  RangeAssignor: 'range',
  RoundRobinAssignor: 'roundrobin',
  StickyAssignor: 'sticky',
  CooperativeStickyAssignor: 'cooperative-sticky',
}

/** Java settings that name Java classes or only make sense in the JVM: dropped. */
function isJvmOnly(key: string): boolean {
  return (
    /\.class(es)?$/.test(key) ||
    /(de)?serializer$/.test(key) ||
    key.startsWith('sasl.login.') ||
    key === 'sasl.kerberos.service.name'
  )
}

function camelCase(key: string): string {
  return key.replace(/[.\-_]([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}

function coerce(key: string, value: string): unknown {
  if (STRING_VALUED.has(key)) return value
  if (value === 'true') return true
  if (value === 'false') return false
  if (/^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value)
  return value
}

/** A store's bytes, read when fromProperties is called (a PKCS#12 keystore is opened by resolveCommonOptions). */
function readStore(option: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new ConfigError(option, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
}

function readPemFile(option: string, path: string): string {
  const text = readStore(option, path).toString('utf8')
  if (!text.includes('-----BEGIN ')) {
    throw new ConfigError(
      option,
      `${path} is not a PEM file, which its store type (PEM) says it is (see docs/configuration.md)`,
    )
  }
  return text
}

function pemBlocks(text: string, kind: RegExp): string[] {
  const out: string[] = []
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g
  for (const m of text.matchAll(re)) if (kind.test(m[1]!)) out.push(m[0])
  return out
}

function tlsFromProperties(p: Record<string, string>): TlsOptions {
  const tls: TlsOptions = {}
  const trustType = (p['ssl.truststore.type'] ?? 'JKS').toUpperCase()
  if (p['ssl.truststore.certificates'] !== undefined) {
    tls.ca = p['ssl.truststore.certificates']
  } else if (p['ssl.truststore.location'] !== undefined) {
    if (trustType !== 'PEM') {
      throw new ConfigError(
        'ssl.truststore.type',
        `${trustType} truststores are not supported; set ssl.truststore.type=PEM with a PEM file (keytool -exportcert -rfc)`,
      )
    }
    tls.ca = readPemFile('ssl.truststore.location', p['ssl.truststore.location'])
  }
  const keyType = (p['ssl.keystore.type'] ?? 'JKS').toUpperCase()
  if (p['ssl.keystore.key'] !== undefined || p['ssl.keystore.certificate.chain'] !== undefined) {
    if (p['ssl.keystore.key'] === undefined || p['ssl.keystore.certificate.chain'] === undefined) {
      throw new ConfigError('ssl.keystore.key', 'ssl.keystore.key and ssl.keystore.certificate.chain go together')
    }
    tls.key = p['ssl.keystore.key']
    tls.cert = p['ssl.keystore.certificate.chain']
  } else if (p['ssl.keystore.location'] !== undefined && keyType === 'PKCS12') {
    tls.pfx = readStore('ssl.keystore.location', p['ssl.keystore.location'])
    const password = p['ssl.keystore.password']
    if (password !== undefined && password !== '') tls.passphrase = password
  } else if (p['ssl.keystore.location'] !== undefined) {
    if (keyType !== 'PEM') {
      throw new ConfigError(
        'ssl.keystore.type',
        `${keyType} keystores are not supported; set ssl.keystore.type=PKCS12 (keytool -importkeystore -deststoretype PKCS12) or PEM`,
      )
    }
    const text = readPemFile('ssl.keystore.location', p['ssl.keystore.location'])
    const keys = pemBlocks(text, /PRIVATE KEY$/)
    const certs = pemBlocks(text, /^CERTIFICATE$/)
    if (keys.length !== 1 || certs.length === 0) {
      throw new ConfigError(
        'ssl.keystore.location',
        'the PEM keystore must hold one private key and its certificate chain',
      )
    }
    tls.key = keys[0]!
    tls.cert = certs.join('\n')
  }
  // A PKCS#12 store has one password (ssl.keystore.password, taken above); a PEM key has its own.
  if (tls.pfx === undefined && p['ssl.key.password'] !== undefined && p['ssl.key.password'] !== '')
    tls.passphrase = p['ssl.key.password']
  const ident = p['ssl.endpoint.identification.algorithm']
  if (ident !== undefined) {
    if (ident === '') tls.verifyHostname = false
    else if (ident.toLowerCase() !== 'https') {
      throw new ConfigError('ssl.endpoint.identification.algorithm', 'must be https or empty')
    }
  }
  const protocols = p['ssl.enabled.protocols']
  if (protocols !== undefined) {
    const known = TLS_VERSIONS.filter((v) => listOf(protocols).includes(v))
    if (known.length === 0)
      throw new ConfigError('ssl.enabled.protocols', `no supported protocol in ${JSON.stringify(protocols)}`)
    // node:tls enables a range of versions: a list with a gap (TLSv1.1,TLSv1.3) cannot be honoured.
    const first = TLS_VERSIONS.indexOf(known[0]!)
    if (known.some((v, i) => TLS_VERSIONS.indexOf(v) !== first + i)) {
      throw new ConfigError('ssl.enabled.protocols', `${known.join(',')} is not a range of consecutive versions`)
    }
    tls.minVersion = known[0] as TlsOptions['minVersion']
    tls.maxVersion = known.at(-1) as TlsOptions['maxVersion']
  }
  const suites = p['ssl.cipher.suites']
  if (suites !== undefined && listOf(suites).length > 0) tls.ciphers = listOf(suites).map(openSslCipherName).join(':')
  return tls
}

function listOf(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/**
 * Java names cipher suites by their standard (IANA) names; node:tls takes TLS 1.3 suites by those,
 * TLS 1.2 suites by OpenSSL's. These are the TLS 1.2 suites with forward secrecy and an AEAD cipher
 * that the JDK enables by default (checked against `openssl ciphers -stdname` in the tests).
 */
export const TLS12_OPENSSL_NAMES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 'DHE-RSA-AES256-GCM-SHA384',
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 'DHE-RSA-AES128-GCM-SHA256',
  TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'DHE-RSA-CHACHA20-POLY1305',
}

function openSslCipherName(standardName: string): string {
  if (TLS13_SUITES.includes(standardName)) return standardName
  const name = TLS12_OPENSSL_NAMES[standardName]
  if (name === undefined) {
    throw new ConfigError(
      'ssl.cipher.suites',
      `${standardName} is not a suite kafka-wire maps (${[...TLS13_SUITES, ...Object.keys(TLS12_OPENSSL_NAMES)].join(', ')}); set the tls.ciphers option with OpenSSL's name for it instead`,
    )
  }
  return name
}

function saslFromProperties(p: Record<string, string>): SaslOptions {
  const mechanism = (p['sasl.mechanism'] ?? 'GSSAPI').trim().toUpperCase()
  if (!MECHANISMS.includes(mechanism)) {
    throw new ConfigError(
      'sasl.mechanism',
      `${mechanism}${p['sasl.mechanism'] === undefined ? ' (the Java default)' : ''} is not supported; use ${MECHANISMS.join(', ')}`,
    )
  }
  const jaasText = p['sasl.jaas.config']
  if (jaasText === undefined) {
    throw new ConfigError('sasl.jaas.config', `is required for ${mechanism} (kafka-wire reads no JAAS file)`)
  }
  const jaas = parseJaasConfig(jaasText)
  if (mechanism === 'OAUTHBEARER') {
    const sub = jaas.options.unsecuredLoginStringClaim_sub
    if (sub === undefined) {
      throw new ConfigError(
        'sasl.jaas.config',
        'OAUTHBEARER from properties supports only the unsecured token (unsecuredLoginStringClaim_sub); pass sasl: { mechanism: "OAUTHBEARER", token } in code otherwise',
      )
    }
    const lifetimeS = Number(jaas.options.unsecuredLoginLifetimeSeconds ?? 3600)
    const scope = jaas.options.unsecuredLoginListClaim_scope
    const extensions: Record<string, string> = {}
    for (const [k, v] of Object.entries(jaas.options)) {
      if (k.startsWith('unsecuredLoginExtension_')) extensions[k.slice('unsecuredLoginExtension_'.length)] = v
    }
    return {
      mechanism: 'OAUTHBEARER',
      token: async () => ({
        value: unsecuredJwt({
          subject: sub,
          lifetimeMs: lifetimeS * 1000,
          ...(scope === undefined ? {} : { scope: scope.split(',').join(' ') }),
        }),
        extensions,
      }),
    }
  }
  const { username, password } = jaas.options
  if (username === undefined || password === undefined) {
    throw new ConfigError(
      'sasl.jaas.config',
      `${mechanism} needs username="..." and password="..." in the login module options`,
    )
  }
  return { mechanism: mechanism as 'PLAIN', username, password }
}

/**
 * Maps a Java client configuration (the text of a `.properties` file, or its key/value pairs) to
 * kafka-wire options: the common ones (bootstrap.servers → bootstrapServers, ...), security.protocol
 * with ssl.* and sasl.* (PEM stores only; sasl.jaas.config for PLAIN/SCRAM, and the unsecured
 * OAUTHBEARER login), and every other key camelCased (linger.ms → lingerMs) with numeric and boolean
 * values converted. Settings naming Java classes (serializers, callback handlers) are dropped.
 * Throws ConfigError naming the Java property.
 */
export function fromProperties(
  textOrRecord: string | Record<string, string>,
): Partial<CommonClientOptions> & Record<string, unknown> {
  const p = typeof textOrRecord === 'string' ? parseProperties(textOrRecord) : { ...textOrRecord }
  const out: Record<string, unknown> = {}
  // Marks which Java property each option came from, so a client can ignore a config it does not know.
  const marks = out as Record<symbol, unknown>
  for (const [key, value] of Object.entries(p)) {
    if (typeof value !== 'string') throw new ConfigError(key, 'must be a string in a properties record')
    if (key.startsWith('ssl.') || key.startsWith('sasl.') || key === 'security.protocol' || isJvmOnly(key)) continue
    if (key === 'bootstrap.servers') {
      out.bootstrapServers = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    } else if (key === 'partition.assignment.strategy') {
      out.partitionAssignmentStrategy = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) => ASSIGNORS[s.slice(s.lastIndexOf('.') + 1)] ?? s)
      marks[propertyMark('partitionAssignmentStrategy')] = key
    } else {
      const name = COMMON_KEYS[key] ?? camelCase(key)
      const v = coerce(key, value)
      if (COMMON_KEYS[key] !== undefined && key !== 'client.id' && typeof v !== 'number') {
        throw new ConfigError(key, `must be an integer, got ${JSON.stringify(value)}`)
      }
      out[name] = v
      marks[propertyMark(name)] = key
    }
  }
  const protocol = (p['security.protocol'] ?? 'PLAINTEXT').trim().toUpperCase()
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
    throw new ConfigError('security.protocol', `must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got ${protocol}`)
  }
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    out.tls = redactOnInspect(tlsFromProperties(p), 'TlsOptions')
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    out.sasl = redactOnInspect(saslFromProperties(p), 'SaslOptions')
  }
  return redactOnInspect(out as Partial<CommonClientOptions> & Record<string, unknown>)
}

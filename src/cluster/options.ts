/**
 * The options shared by Producer, Consumer and Admin: their validation and defaults
 * (`resolveCommonOptions`, called at construction so that a bad option fails at once with a
 * ConfigError naming it), and `fromProperties`, which maps a Java client `.properties` file onto
 * kafka-wire's camelCased options so that existing configurations carry over.
 *
 * Names are the Java client's config names camelCased with their units; defaults are Java's.
 * Resolved options hold credentials: they print redacted under util.inspect.
 */
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { ConfigError } from '../errors.js'
import { createLog, type Log, type LogFormat, type LogLevel } from '../internal/log.js'
import { type Logger, redactOnInspect } from '../internal/logger.js'
import { closestName, propertyMark, splitOptions } from '../internal/options.js'
import { parseProperties } from '../internal/properties.js'
import { DEFAULT_MAX_RESPONSE_BYTES, REQUEST_OBSERVER, type RequestObserver, unsecuredJwt } from '../network/index.js'
import type { ConnectionSensors } from '../network/metrics.js'
import type { ConnectionOptions, SaslOptions, TlsOptions } from '../network/types.js'

export interface CommonClientOptions {
  /** Brokers to bootstrap from: 'host:port,host:port' or an array. Only one needs to be up. */
  bootstrapServers: string | string[]
  /** Sent with every request; shows in broker logs and quotas. Default 'kafka-wire'. */
  clientId?: string
  /** How long to wait for a response. Default 30000. */
  requestTimeoutMs?: number
  /** First wait before retrying a failed request. Default 100. */
  retryBackoffMs?: number
  /** Cap of the exponential retry backoff. Default 1000. */
  retryBackoffMaxMs?: number
  /** First wait before reconnecting to a broker. Default 50. */
  reconnectBackoffMs?: number
  /** Cap of the exponential reconnect backoff. Default 1000. */
  reconnectBackoffMaxMs?: number
  /** Metadata is refreshed at least this often. Default 300000. */
  metadataMaxAgeMs?: number
  /** Idle connections are closed after this long; -1 never. Default 540000. */
  connectionsMaxIdleMs?: number
  /** Time allowed to set up a connection (TCP, TLS, ApiVersions, SASL). Default 10000. */
  socketConnectionSetupTimeoutMs?: number
  /** Cap of the setup timeout, which grows exponentially with consecutive failures. Default 30000. */
  socketConnectionSetupTimeoutMaxMs?: number
  /** TLS: true (system CAs) or settings. Default: plaintext. */
  tls?: TlsOptions | boolean
  /** SASL authentication. Default: none. */
  sasl?: SaslOptions
  /** Where kafka-wire logs: console, pino, any object with info, warn, error (debug). Default: silent. */
  logger?: Logger
  /** The least severe records written ('debug' … 'error', 'silent'). Default: the logger's own level, else 'info'. */
  logLevel?: LogLevel
  /** How records reach the logger: 'object' (pino's call), 'meta' (winston's), 'text'. Default: 'object' for pino, else 'text'. */
  logFormat?: LogFormat
  /** Largest response accepted from a broker, in bytes. Default 268435456 (256 MiB). */
  maxResponseBytes?: number
  /**
   * Push the client's metrics to the broker when it has a client-metrics subscription for this
   * client (KIP-714; Java's enable.metrics.push). Default true.
   */
  enableMetricsPush?: boolean
}

export interface BrokerAddress {
  readonly host: string
  readonly port: number
}

export interface ResolvedCommonOptions {
  readonly bootstrapServers: readonly BrokerAddress[]
  readonly clientId: string
  readonly requestTimeoutMs: number
  readonly retryBackoffMs: number
  readonly retryBackoffMaxMs: number
  readonly reconnectBackoffMs: number
  readonly reconnectBackoffMaxMs: number
  readonly metadataMaxAgeMs: number
  /** -1: never close idle connections. */
  readonly connectionsMaxIdleMs: number
  readonly socketConnectionSetupTimeoutMs: number
  readonly socketConnectionSetupTimeoutMaxMs: number
  readonly tls: TlsOptions | undefined
  readonly sasl: SaslOptions | undefined
  /** The client's log (internal/log.ts), built from logger, logLevel and logFormat. */
  readonly logger: Log
  readonly maxResponseBytes: number
  /** A client's request observer (network/request-observer.ts), given under REQUEST_OBSERVER: not a public option. */
  readonly requestObserver?: RequestObserver
  readonly enableMetricsPush: boolean
}

export const COMMON_DEFAULTS = Object.freeze({
  clientId: 'kafka-wire',
  requestTimeoutMs: 30_000,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1000,
  reconnectBackoffMs: 50,
  reconnectBackoffMaxMs: 1000,
  metadataMaxAgeMs: 300_000,
  connectionsMaxIdleMs: 540_000,
  socketConnectionSetupTimeoutMs: 10_000,
  socketConnectionSetupTimeoutMaxMs: 30_000,
  maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  enableMetricsPush: true,
})

/** Names of the shared options (CommonClientOptions); each client adds its own. */
export const COMMON_OPTION_NAMES: ReadonlySet<string> = new Set<keyof CommonClientOptions>([
  'bootstrapServers',
  'clientId',
  'requestTimeoutMs',
  'retryBackoffMs',
  'retryBackoffMaxMs',
  'reconnectBackoffMs',
  'reconnectBackoffMaxMs',
  'metadataMaxAgeMs',
  'connectionsMaxIdleMs',
  'socketConnectionSetupTimeoutMs',
  'socketConnectionSetupTimeoutMaxMs',
  'tls',
  'sasl',
  'logger',
  'logLevel',
  'logFormat',
  'maxResponseBytes',
  'enableMetricsPush',
])

/**
 * What every client constructor does first: splits `options` into the shared ones (validated and
 * defaulted by resolveCommonOptions, `defaults` filling in what the caller left out) and the
 * client's own (`ownNames`, returned as given for the client to validate). An unknown key is a
 * ConfigError naming the closest known option; an unknown Java config from fromProperties is
 * logged and ignored, as the Java client does.
 */
export function resolveClientOptions(
  options: unknown,
  ownNames: ReadonlySet<string>,
  client: 'producer' | 'consumer' | 'admin' | 'share consumer',
  defaults: Partial<CommonClientOptions> = {},
): { common: ResolvedCommonOptions; own: Record<string, unknown> } {
  const { common, own, ignored } = splitOptions(options, COMMON_OPTION_NAMES, ownNames, client)
  for (const [k, v] of Object.entries(defaults)) if (common[k] === undefined) common[k] = v
  // splitOptions keeps string keys only; the observer travels under a symbol.
  const withSymbols = common as Record<string | symbol, unknown>
  withSymbols[REQUEST_OBSERVER] = (options as Record<symbol, unknown>)[REQUEST_OBSERVER]
  const resolved = resolveCommonOptions(common as unknown as CommonClientOptions)
  for (const { option, property } of ignored) {
    resolved.logger.warn(
      { property, option },
      `kafka-wire ${client}: a configuration that isn't a known ${client} config was ignored`,
    )
  }
  return { common: resolved, own }
}

/** Only the shared options of `options`: e.g. to open an Admin beside a configured Consumer. */
export function commonOptionsOf(options: Record<string, unknown>): CommonClientOptions {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(options)) if (COMMON_OPTION_NAMES.has(k)) out[k] = v
  return out as unknown as CommonClientOptions
}

/** Parses 'host:port' (or '[v6]:port'); throws ConfigError naming `option`. */
export function parseBrokerAddress(entry: string, option = 'bootstrapServers'): BrokerAddress {
  const s = entry.trim()
  let host: string
  let portText: string
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s)
  if (v6) {
    host = v6[1]!
    portText = v6[2]!
  } else {
    const colon = s.lastIndexOf(':')
    if (colon <= 0) throw new ConfigError(option, `expected host:port, got ${JSON.stringify(s)}`)
    host = s.slice(0, colon)
    portText = s.slice(colon + 1)
    if (host.includes(':') && isIP(host) !== 6) {
      throw new ConfigError(
        option,
        `expected host:port, got ${JSON.stringify(s)} (write IPv6 addresses as [addr]:port)`,
      )
    }
  }
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new ConfigError(option, `invalid port in ${JSON.stringify(s)}`)
  }
  if (!/^[A-Za-z0-9._:%-]+$/.test(host)) throw new ConfigError(option, `invalid host in ${JSON.stringify(s)}`)
  return { host, port }
}

function parseBootstrap(value: unknown): BrokerAddress[] {
  const entries =
    typeof value === 'string'
      ? value.split(',')
      : Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? value.flatMap((v: string) => v.split(','))
        : undefined
  if (entries === undefined) {
    throw new ConfigError('bootstrapServers', 'must be a string "host:port,host:port" or an array of "host:port"')
  }
  const out = entries.filter((e) => e.trim() !== '').map((e) => parseBrokerAddress(e))
  if (out.length === 0) throw new ConfigError('bootstrapServers', 'at least one host:port is required')
  return out
}

function int(o: Record<string, unknown>, name: string, fallback: number, min: number, max = 2 ** 31 - 1): number {
  const v = o[name]
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(name, `must be an integer in [${min}, ${max}], got ${typeof v === 'number' ? v : typeof v}`)
  }
  return v
}

const TLS_KEYS = new Set([
  'ca',
  'cert',
  'key',
  'passphrase',
  'servername',
  'rejectUnauthorized',
  'verifyHostname',
  'minVersion',
])
const TLS_VERSIONS = new Set(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'])

function isPem(v: unknown): v is string | Buffer {
  return typeof v === 'string' || Buffer.isBuffer(v)
}

function resolveTls(value: unknown): TlsOptions | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return Object.freeze(redactOnInspect({}, 'TlsOptions'))
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('tls', 'must be true, false or an object of TLS settings')
  }
  const t = value as Record<string, unknown>
  rejectUnknownKeys('tls', t, TLS_KEYS)
  if (t.ca !== undefined && !isPem(t.ca) && !(Array.isArray(t.ca) && t.ca.every(isPem))) {
    throw new ConfigError('tls.ca', 'must be PEM text, a Buffer, or an array of them')
  }
  for (const k of ['cert', 'key'] as const) {
    if (t[k] !== undefined && !isPem(t[k])) throw new ConfigError(`tls.${k}`, 'must be PEM text or a Buffer')
  }
  if ((t.cert === undefined) !== (t.key === undefined)) {
    throw new ConfigError(t.cert === undefined ? 'tls.cert' : 'tls.key', 'tls.cert and tls.key must be given together')
  }
  for (const k of ['passphrase', 'servername'] as const) {
    if (t[k] !== undefined && typeof t[k] !== 'string') throw new ConfigError(`tls.${k}`, 'must be a string')
  }
  for (const k of ['rejectUnauthorized', 'verifyHostname'] as const) {
    if (t[k] !== undefined && typeof t[k] !== 'boolean') throw new ConfigError(`tls.${k}`, 'must be a boolean')
  }
  if (t.minVersion !== undefined && !TLS_VERSIONS.has(t.minVersion as string)) {
    throw new ConfigError('tls.minVersion', `must be one of ${[...TLS_VERSIONS].join(', ')}`)
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(t)) if (v !== undefined) out[k] = Array.isArray(v) ? Object.freeze([...v]) : v
  return Object.freeze(redactOnInspect(out, 'TlsOptions')) as TlsOptions
}

const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']
const PASSWORD_KEYS = new Set(['mechanism', 'username', 'password'])
const OAUTH_KEYS = new Set(['mechanism', 'token'])

/** A key of a nested option object (tls, sasl) that is not one of `known`: ConfigError with the closest. */
function rejectUnknownKeys(option: string, value: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const k of Object.keys(value)) {
    if (known.has(k)) continue
    const near = closestName(k, [...known])
    throw new ConfigError(
      `${option}.${k}`,
      near === undefined
        ? `unknown ${option} option (known: ${[...known].join(', ')})`
        : `unknown ${option} option — did you mean '${near}'?`,
    )
  }
}

function resolveSasl(value: unknown): SaslOptions | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null) throw new ConfigError('sasl', 'must be an object')
  const s = value as Record<string, unknown>
  if (typeof s.mechanism !== 'string' || !MECHANISMS.includes(s.mechanism)) {
    throw new ConfigError('sasl.mechanism', `must be one of ${MECHANISMS.join(', ')}`)
  }
  rejectUnknownKeys('sasl', s, s.mechanism === 'OAUTHBEARER' ? OAUTH_KEYS : PASSWORD_KEYS)
  let out: SaslOptions
  if (s.mechanism === 'OAUTHBEARER') {
    if (typeof s.token !== 'function') {
      throw new ConfigError('sasl.token', 'OAUTHBEARER needs a token() callback returning { value, extensions? }')
    }
    out = { mechanism: 'OAUTHBEARER', token: s.token as () => Promise<{ value: string }> }
  } else {
    if (typeof s.username !== 'string' || s.username === '') {
      throw new ConfigError('sasl.username', 'must be a non-empty string')
    }
    // Never echo the value: it is a secret.
    if (typeof s.password !== 'string' || s.password === '') {
      throw new ConfigError('sasl.password', 'must be a non-empty string')
    }
    out = { mechanism: s.mechanism as 'PLAIN', username: s.username, password: s.password }
  }
  return Object.freeze(redactOnInspect(out, 'SaslOptions'))
}

/**
 * Validates the common options and fills in defaults. Unknown keys are ignored (Producer, Consumer
 * and Admin add their own). Throws ConfigError naming the first bad option.
 */
export function resolveCommonOptions(options: CommonClientOptions): ResolvedCommonOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  const o = options as unknown as Record<string, unknown>
  if (o.bootstrapServers === undefined) throw new ConfigError('bootstrapServers', 'is required')
  const bootstrapServers = Object.freeze(parseBootstrap(o.bootstrapServers).map((a) => Object.freeze(a)))
  if (o.clientId !== undefined && typeof o.clientId !== 'string') throw new ConfigError('clientId', 'must be a string')
  if (o.enableMetricsPush !== undefined && typeof o.enableMetricsPush !== 'boolean') {
    throw new ConfigError('enableMetricsPush', 'must be a boolean')
  }
  const d = COMMON_DEFAULTS
  const logger = createLog(o, (o.clientId as string | undefined) ?? d.clientId)
  const retryBackoffMs = int(o, 'retryBackoffMs', d.retryBackoffMs, 0)
  let retryBackoffMaxMs = int(o, 'retryBackoffMaxMs', d.retryBackoffMaxMs, 0)
  const reconnectBackoffMs = int(o, 'reconnectBackoffMs', d.reconnectBackoffMs, 0)
  let reconnectBackoffMaxMs = int(o, 'reconnectBackoffMaxMs', d.reconnectBackoffMaxMs, 0)
  const socketConnectionSetupTimeoutMs = int(o, 'socketConnectionSetupTimeoutMs', d.socketConnectionSetupTimeoutMs, 1)
  let socketConnectionSetupTimeoutMaxMs = int(
    o,
    'socketConnectionSetupTimeoutMaxMs',
    d.socketConnectionSetupTimeoutMaxMs,
    1,
  )
  // Java: a max below its base disables the exponential growth (with a warning) rather than failing.
  if (retryBackoffMaxMs < retryBackoffMs) {
    logger.warn(
      { retryBackoffMs, retryBackoffMaxMs },
      'kafka-wire: retryBackoffMaxMs < retryBackoffMs: no exponential backoff',
    )
    retryBackoffMaxMs = retryBackoffMs
  }
  if (reconnectBackoffMaxMs < reconnectBackoffMs) {
    logger.warn(
      { reconnectBackoffMs, reconnectBackoffMaxMs },
      'kafka-wire: reconnectBackoffMaxMs < reconnectBackoffMs: no exponential backoff',
    )
    reconnectBackoffMaxMs = reconnectBackoffMs
  }
  if (socketConnectionSetupTimeoutMaxMs < socketConnectionSetupTimeoutMs) {
    socketConnectionSetupTimeoutMaxMs = socketConnectionSetupTimeoutMs
  }
  const observer = (options as { [REQUEST_OBSERVER]?: RequestObserver })[REQUEST_OBSERVER]
  const resolved: ResolvedCommonOptions = {
    bootstrapServers,
    clientId: (o.clientId as string | undefined) ?? d.clientId,
    requestTimeoutMs: int(o, 'requestTimeoutMs', d.requestTimeoutMs, 1),
    retryBackoffMs,
    retryBackoffMaxMs,
    reconnectBackoffMs,
    reconnectBackoffMaxMs,
    metadataMaxAgeMs: int(o, 'metadataMaxAgeMs', d.metadataMaxAgeMs, 0),
    connectionsMaxIdleMs: int(o, 'connectionsMaxIdleMs', d.connectionsMaxIdleMs, -1),
    socketConnectionSetupTimeoutMs,
    socketConnectionSetupTimeoutMaxMs,
    tls: resolveTls(o.tls),
    sasl: resolveSasl(o.sasl),
    logger,
    maxResponseBytes: int(o, 'maxResponseBytes', d.maxResponseBytes, 1024),
    ...(observer === undefined ? {} : { requestObserver: observer }),
    enableMetricsPush: (o.enableMetricsPush as boolean | undefined) ?? d.enableMetricsPush,
  }
  return Object.freeze(redactOnInspect(resolved, 'ResolvedCommonOptions'))
}

// ---------------------------------------------------------------------------------------------
// Java .properties (read by internal/properties.ts)

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

function readPemFile(option: string, path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(option, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  if (!text.includes('-----BEGIN ')) {
    throw new ConfigError(
      option,
      `${path} is not a PEM file (only PEM stores are supported; see docs/configuration.md)`,
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
  } else if (p['ssl.keystore.location'] !== undefined) {
    if (keyType !== 'PEM') {
      throw new ConfigError(
        'ssl.keystore.type',
        `${keyType} keystores are not supported; set ssl.keystore.type=PEM with a PEM file holding the key and its certificate chain`,
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
  if (p['ssl.key.password'] !== undefined && p['ssl.key.password'] !== '') tls.passphrase = p['ssl.key.password']
  const ident = p['ssl.endpoint.identification.algorithm']
  if (ident !== undefined) {
    if (ident === '') tls.verifyHostname = false
    else if (ident.toLowerCase() !== 'https') {
      throw new ConfigError('ssl.endpoint.identification.algorithm', 'must be https or empty')
    }
  }
  const protocols = p['ssl.enabled.protocols']
  if (protocols !== undefined) {
    const order = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const
    const listed = protocols
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
    const known = order.filter((v) => listed.includes(v))
    if (known.length === 0)
      throw new ConfigError('ssl.enabled.protocols', `no supported protocol in ${JSON.stringify(protocols)}`)
    tls.minVersion = known[0]!
  }
  return tls
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

/** What every connection of a client shares (ConnectionOptions without the broker's address). */
export function baseConnectionOptions(
  o: ResolvedCommonOptions,
  sensors: ConnectionSensors | undefined,
): Omit<ConnectionOptions, 'host' | 'port' | 'nodeId'> {
  const base: Omit<ConnectionOptions, 'host' | 'port' | 'nodeId'> = {
    clientId: o.clientId,
    requestTimeoutMs: o.requestTimeoutMs,
    socketConnectionSetupTimeoutMs: o.socketConnectionSetupTimeoutMs,
    maxResponseBytes: o.maxResponseBytes,
    logger: o.logger,
  }
  if (o.requestObserver !== undefined) base.requestObserver = o.requestObserver
  if (o.tls !== undefined) base.tls = o.tls
  if (o.sasl !== undefined) base.sasl = o.sasl
  if (sensors !== undefined) base.sensors = sensors
  return base
}

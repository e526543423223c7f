/**
 * The options shared by Producer, Consumer and Admin: their validation and defaults
 * (`resolveCommonOptions`, called at construction so that a bad option fails at once with a
 * ConfigError naming it). A Java client `.properties` file maps onto these options through
 * `fromProperties` (java-properties.ts).
 *
 * Names are the Java client's config names camelCased with their units; defaults are Java's.
 * Resolved options hold credentials: they print redacted under util.inspect.
 */
import { X509Certificate } from 'node:crypto'
import { isIP } from 'node:net'
import { createSecureContext, type SecureContextOptions } from 'node:tls'
import { ConfigError } from '../errors.js'
import { createLog, type Log, type LogFormat, type LogLevel } from '../internal/log.js'
import { type Logger, redactOnInspect } from '../internal/logger.js'
import { closestName, splitOptions } from '../internal/options.js'
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  REQUEST_OBSERVER,
  type RequestObserver,
  secureContextFor,
} from '../network/index.js'
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

/** The fields of the `tls` option (also what kafka-wire/kafkajs takes from kafkajs's `ssl`). */
export const TLS_KEYS: ReadonlySet<string> = new Set([
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'servername',
  'rejectUnauthorized',
  'verifyHostname',
  'minVersion',
  'maxVersion',
  'ciphers',
])
/** In order: a range of them is what node:tls enables (minVersion..maxVersion). */
export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']
/** The TLS 1.3 cipher suites OpenSSL implements, by their standard names. */
export const TLS13_SUITES = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_AES_128_GCM_SHA256',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_CCM_SHA256',
  'TLS_AES_128_CCM_8_SHA256',
]

function isPem(v: unknown): v is string | Buffer {
  return typeof v === 'string' || Buffer.isBuffer(v)
}

/**
 * A TLS 1.2 suite named as TLS 1.3 ones are would restrict nothing; a list OpenSSL matches nothing
 * in is found when the secure context is built (tlsSettingsError).
 */
function checkCiphers(value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError('tls.ciphers', "must be a non-empty cipher list, e.g. 'TLS_AES_128_GCM_SHA256'")
  }
  // node:tls hands every name that starts with TLS_ to TLS 1.3: a TLS 1.2 suite by its standard
  // name would restrict nothing in TLS 1.2 and leave TLS 1.3 without a suite.
  for (const name of value.split(':')) {
    if (name.startsWith('TLS_') && !TLS13_SUITES.includes(name)) {
      throw new ConfigError(
        'tls.ciphers',
        `${name} is not a TLS 1.3 suite (${TLS13_SUITES.join(', ')}); name TLS 1.2 suites as OpenSSL does, e.g. ECDHE-RSA-AES128-GCM-SHA256`,
      )
    }
  }
}

/**
 * Settings node:tls cannot build a secure context from (a cipher list OpenSSL matches nothing in, a
 * PKCS#12 store it cannot open, a key that is not the certificate's) would fail every connection:
 * the option to name, found by trying each one alone. OpenSSL's reason only: never a password.
 */
function tlsSettingsError(t: Record<string, unknown>, err: unknown): ConfigError {
  const passphrase = typeof t.passphrase === 'string' ? { passphrase: t.passphrase } : {}
  const alone: [string, object | undefined, (why: string) => string][] = [
    [
      'tls.ciphers',
      t.ciphers === undefined ? undefined : { ciphers: t.ciphers },
      (why) => `OpenSSL matches no cipher suite in ${JSON.stringify(t.ciphers)} (${why})`,
    ],
    [
      'tls.pfx',
      t.pfx === undefined ? undefined : { pfx: t.pfx, ...passphrase },
      (why) => `node:tls cannot read the PKCS#12 store (${why})`,
    ],
    [
      'tls.key',
      t.key === undefined ? undefined : { cert: t.cert, key: t.key, ...passphrase },
      (why) => `node:tls cannot use tls.cert with tls.key (${why})`,
    ],
  ]
  for (const [option, settings, message] of alone) {
    if (settings === undefined) continue
    try {
      createSecureContext(settings as SecureContextOptions)
    } catch (e) {
      return new ConfigError(option, message((e as Error).message))
    }
  }
  return new ConfigError(
    'tls',
    `node:tls cannot build a secure context from these settings (${(err as Error).message})`,
  )
}

/** A PEM certificate block, under any of the labels OpenSSL reads (TRUSTED: with trust settings; X509: old). */
const PEM_CERTIFICATE = /-----BEGIN (TRUSTED |X509 )?CERTIFICATE-----[^-]*-----END \1?CERTIFICATE-----/g

/**
 * node:tls trusts what it can parse in `ca` and skips the rest without a word, so a CA file without a
 * certificate in it would fail every handshake as an unknown CA: each entry must hold at least one
 * PEM certificate, and each plain one must parse.
 */
function checkCas(ca: string | Buffer | (string | Buffer)[]): void {
  for (const [i, entry] of (Array.isArray(ca) ? ca : [ca]).entries()) {
    const where = Array.isArray(ca) ? `tls.ca[${i}]` : 'tls.ca'
    const pems = [...entry.toString('latin1').matchAll(PEM_CERTIFICATE)]
    if (pems.length === 0) throw new ConfigError(where, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)')
    for (const [pem, label] of pems) {
      if (label !== undefined) continue // node:crypto reads only plain CERTIFICATE blocks
      try {
        new X509Certificate(pem)
      } catch (err) {
        throw new ConfigError(where, `holds a certificate node:crypto cannot read (${(err as Error).message})`)
      }
    }
  }
}

function checkPfx(pfx: unknown, withCertAndKey: boolean): void {
  if (!Buffer.isBuffer(pfx)) throw new ConfigError('tls.pfx', 'must be a Buffer holding a PKCS#12 store')
  if (withCertAndKey) throw new ConfigError('tls.pfx', 'give tls.pfx or tls.cert and tls.key, not both')
}

/** `tls: true`: Node's defaults, one object (so one secure context) for every client. */
const DEFAULT_TLS = Object.freeze(redactOnInspect({}, 'TlsOptions')) as TlsOptions

/**
 * The last resolution of each `tls` object given, with the values it was resolved from. Clients built
 * from the same, unchanged settings share one resolved object, hence one secure context (network/tls.ts):
 * kafka-wire/kafkajs builds several clients from one `ssl`, and applications often hand their producer
 * and consumer the same `tls`. Opening a keytool PKCS#12 store costs ~6 ms (docs/performance.md, "One
 * TLS context per client"). A setting replaced or added is seen; a Buffer rewritten in place is not.
 */
const resolvedTls = new WeakMap<object, { given: Record<string, unknown>; resolved: TlsOptions }>()

function sameSettings(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const k of keys) {
    const x = a[k]
    const y = b[k]
    if (x === y) continue
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false
    if (x.some((v, i) => v !== y[i])) return false
  }
  return true
}

function resolveTls(value: unknown): TlsOptions | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return DEFAULT_TLS
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('tls', 'must be true, false or an object of TLS settings')
  }
  const t = value as Record<string, unknown>
  const earlier = resolvedTls.get(t)
  if (earlier !== undefined && sameSettings(earlier.given, t)) return earlier.resolved
  rejectUnknownKeys('tls', t, TLS_KEYS)
  if (t.ca !== undefined && !isPem(t.ca) && !(Array.isArray(t.ca) && t.ca.every(isPem))) {
    throw new ConfigError('tls.ca', 'must be PEM text, a Buffer, or an array of them')
  }
  if (t.ca !== undefined) checkCas(t.ca as string | Buffer | (string | Buffer)[])
  for (const k of ['cert', 'key'] as const) {
    if (t[k] !== undefined && !isPem(t[k])) throw new ConfigError(`tls.${k}`, 'must be PEM text or a Buffer')
  }
  if ((t.cert === undefined) !== (t.key === undefined)) {
    throw new ConfigError(t.cert === undefined ? 'tls.cert' : 'tls.key', 'tls.cert and tls.key must be given together')
  }
  if (t.pfx !== undefined) checkPfx(t.pfx, t.cert !== undefined)
  for (const k of ['passphrase', 'servername'] as const) {
    if (t[k] !== undefined && typeof t[k] !== 'string') throw new ConfigError(`tls.${k}`, 'must be a string')
  }
  for (const k of ['rejectUnauthorized', 'verifyHostname'] as const) {
    if (t[k] !== undefined && typeof t[k] !== 'boolean') throw new ConfigError(`tls.${k}`, 'must be a boolean')
  }
  for (const k of ['minVersion', 'maxVersion'] as const) {
    if (t[k] !== undefined && !TLS_VERSIONS.includes(t[k] as string)) {
      throw new ConfigError(`tls.${k}`, `must be one of ${TLS_VERSIONS.join(', ')}`)
    }
  }
  if (
    t.minVersion !== undefined &&
    t.maxVersion !== undefined &&
    TLS_VERSIONS.indexOf(t.minVersion as string) > TLS_VERSIONS.indexOf(t.maxVersion as string)
  ) {
    throw new ConfigError('tls.maxVersion', `${t.maxVersion} is below tls.minVersion (${t.minVersion})`)
  }
  if (t.ciphers !== undefined) checkCiphers(t.ciphers)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(t)) if (v !== undefined) out[k] = Array.isArray(v) ? Object.freeze([...v]) : v
  const resolved = Object.freeze(redactOnInspect(out, 'TlsOptions')) as TlsOptions
  // Built now, once: every connection of the client uses this context (network/tls.ts), and settings
  // node:tls cannot use are a ConfigError at construction, not an error on each connection.
  try {
    secureContextFor(resolved)
  } catch (err) {
    throw tlsSettingsError(t, err)
  }
  const given: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(t)) given[k] = Array.isArray(v) ? [...v] : v
  resolvedTls.set(t, { given, resolved })
  return resolved
}

/** The SASL mechanisms kafka-wire speaks (also what java-properties.ts accepts). */
export const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']
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

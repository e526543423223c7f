/**
 * `new Kafka(config)`: the entry point of the kafkajs API (owner: kafka-wire/kafkajs core).
 *
 * `createContext` turns kafkajs's client settings into kafka-wire's common client options, which
 * every Producer / Consumer / Admin of the layer gets through the KafkaJSContext seam:
 *
 * - brokers (array, or a function called at every connect as kafkajs does) → bootstrapServers;
 * - connectionTimeout + authenticationTimeout → socketConnectionSetupTimeoutMs (kafka-wire bounds
 *   the whole setup: TCP, TLS, ApiVersions, SASL, as one deadline);
 * - requestTimeout → requestTimeoutMs (enforceRequestTimeout: false → no practical limit);
 * - retry.initialRetryTime / maxRetryTime → retryBackoffMs / retryBackoffMaxMs;
 * - ssl → tls, sasl → sasl (aws and custom mechanisms are out of scope: a KafkaJSNonRetriableError);
 * - socketFactory: not used (kafka-wire opens its own sockets); a warning says so;
 * - logLevel / logCreator → the kafkajs logger, which kafka-wire's clients also log through.
 */
import type * as tls from 'node:tls'
import { type CommonClientOptions, TLS_KEYS } from '../cluster/index.js'
import type { SaslOptions, TlsOptions } from '../index.js'
import { type AdminConfig, KafkaJSAdmin } from './admin.js'
import { type ConsumerConfig, KafkaJSConsumer } from './consumer.js'
import type { KafkaJSContext } from './context.js'
import { KafkaJSConnectionError, KafkaJSNonRetriableError } from './errors.js'
import { createLogger, type KafkaJSLogger, logLevel, nativeLoggerFor } from './logger.js'
import { KafkaJSProducer } from './producer.js'
import type { KafkaConfig, ProducerConfig, RetryOptions } from './types.js'

export class Kafka {
  readonly #context: KafkaJSContext

  constructor(config: KafkaConfig) {
    this.#context = createContext(config)
  }

  producer(config: ProducerConfig = {}): KafkaJSProducer {
    return new KafkaJSProducer(this.#context, config)
  }

  consumer(config: ConsumerConfig): KafkaJSConsumer {
    return new KafkaJSConsumer(this.#context, config)
  }

  admin(config: AdminConfig = {}): KafkaJSAdmin {
    return new KafkaJSAdmin(this.#context, config)
  }

  logger(): KafkaJSLogger {
    return this.#context.logger
  }
}

/** kafkajs's defaults (src/index.js, src/retry/defaults.js). */
export const KAFKAJS_DEFAULTS = Object.freeze({
  clientId: 'kafkajs',
  connectionTimeout: 1000,
  authenticationTimeout: 10000,
  requestTimeout: 30000,
  retry: Object.freeze({ maxRetryTime: 30000, initialRetryTime: 300, factor: 0.2, multiplier: 2, retries: 5 }),
})

/** kafka-wire's cap for a request timeout (a signed 32-bit millisecond count). */
const NO_TIMEOUT_MS = 2 ** 31 - 1

export function createContext(config: KafkaConfig): KafkaJSContext {
  if (config === null || typeof config !== 'object') {
    throw new KafkaJSNonRetriableError('new Kafka(config): config must be an object with brokers')
  }
  const logger = createLogger({
    level: config.logLevel ?? logLevel.INFO,
    ...(config.logCreator ? { logCreator: config.logCreator } : {}),
  })
  const clientId = config.clientId ?? KAFKAJS_DEFAULTS.clientId
  const retry: RetryOptions = { ...KAFKAJS_DEFAULTS.retry, ...config.retry }
  const tls = toTls(config.ssl, logger)
  const sasl = toSasl(config.sasl)
  if (config.socketFactory !== undefined) {
    logger.warn(
      'socketFactory is not used by kafka-wire/kafkajs: kafka-wire opens its own node:net / node:tls sockets (see docs/migrating-from-kafkajs.md)',
    )
  }
  const connectionTimeout = config.connectionTimeout ?? KAFKAJS_DEFAULTS.connectionTimeout
  const authenticationTimeout = config.authenticationTimeout ?? KAFKAJS_DEFAULTS.authenticationTimeout
  const requestTimeoutMs =
    config.enforceRequestTimeout === false ? NO_TIMEOUT_MS : (config.requestTimeout ?? KAFKAJS_DEFAULTS.requestTimeout)

  const base: Omit<CommonClientOptions, 'bootstrapServers'> = {
    clientId,
    requestTimeoutMs,
    retryBackoffMs: retry.initialRetryTime ?? KAFKAJS_DEFAULTS.retry.initialRetryTime,
    retryBackoffMaxMs: Math.max(
      retry.maxRetryTime ?? KAFKAJS_DEFAULTS.retry.maxRetryTime,
      retry.initialRetryTime ?? KAFKAJS_DEFAULTS.retry.initialRetryTime,
    ),
    socketConnectionSetupTimeoutMs: connectionTimeout + authenticationTimeout,
    socketConnectionSetupTimeoutMaxMs: Math.max(30_000, connectionTimeout + authenticationTimeout),
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
  }

  return {
    clientId,
    config,
    logger,
    retry,
    async clientOptions(namespace?: string): Promise<CommonClientOptions> {
      const brokers = await resolveBrokers(config.brokers)
      return {
        ...base,
        bootstrapServers: brokers,
        logger: nativeLoggerFor(namespace ? logger.namespace(namespace) : logger),
        // kafka-wire's records as (message, extra): their fields become the entry's; the kafkajs level filters.
        logFormat: 'meta',
        logLevel: 'debug',
      }
    },
  }
}

/** kafkajs's checks of `brokers` (connectionPoolBuilder.js), with its messages and error classes. */
async function resolveBrokers(brokers: KafkaConfig['brokers']): Promise<string[]> {
  let list: unknown
  if (typeof brokers === 'function') {
    try {
      list = await brokers()
    } catch (e) {
      throw new KafkaJSConnectionError(`Failed to connect: "config.brokers" threw: ${(e as Error).message}`)
    }
  } else {
    list = brokers
  }
  if (!list) throw new KafkaJSNonRetriableError('Failed to connect: brokers should not be null')
  if (Array.isArray(list)) {
    if (list.length === 0) throw new KafkaJSNonRetriableError('Failed to connect: brokers array is empty')
    list.forEach((b, i) => {
      if (!b || typeof b !== 'string') {
        throw new KafkaJSNonRetriableError(`Failed to connect: broker at index ${i} is invalid "${typeof b}"`)
      }
    })
    return list as string[]
  }
  throw new KafkaJSNonRetriableError('Failed to connect: brokers must be an array of "host:port" or a function')
}

// node:tls has no verifyHostname: kafkajs checks host names as part of rejectUnauthorized (below).
const TLS_MAPPED = new Set([...TLS_KEYS].filter((k) => k !== 'verifyHostname'))

/** kafkajs's `ssl` (true or tls.ConnectionOptions) → kafka-wire's TlsOptions. */
function toTls(
  ssl: tls.ConnectionOptions | boolean | undefined,
  logger: KafkaJSLogger,
): TlsOptions | boolean | undefined {
  if (ssl === undefined || ssl === false) return undefined
  if (ssl === true) return true
  const out: Record<string, unknown> = {}
  const ignored: string[] = []
  for (const [k, v] of Object.entries(ssl)) {
    if (v === undefined) continue
    if (TLS_MAPPED.has(k)) out[k] = v
    else ignored.push(k)
  }
  // kafkajs (node:tls) checks the host name only as part of rejectUnauthorized.
  if (ssl.rejectUnauthorized === false) out.verifyHostname = false
  if (ignored.length > 0) {
    logger.warn(`ssl options not supported by kafka-wire/kafkajs are ignored: ${ignored.join(', ')}`)
  }
  return out as TlsOptions
}

/** kafkajs's `sasl` → kafka-wire's SaslOptions. */
function toSasl(sasl: KafkaConfig['sasl']): SaslOptions | undefined {
  if (sasl === undefined || sasl === null) return undefined
  if ('authenticationProvider' in sasl) {
    throw new KafkaJSNonRetriableError(
      `SASL mechanism ${sasl.mechanism}: custom authentication providers are not supported by kafka-wire/kafkajs (built in: plain, scram-sha-256, scram-sha-512, oauthbearer)`,
    )
  }
  const mechanism = String(sasl.mechanism).toLowerCase()
  switch (mechanism) {
    case 'plain':
    case 'scram-sha-256':
    case 'scram-sha-512': {
      const s = sasl as { username: string; password: string }
      return {
        mechanism: mechanism.toUpperCase() as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
        username: s.username,
        password: s.password,
      }
    }
    case 'oauthbearer': {
      const provider = (sasl as { oauthBearerProvider?: unknown }).oauthBearerProvider
      if (typeof provider !== 'function') {
        throw new KafkaJSNonRetriableError('SASL OAUTHBEARER: oauthBearerProvider must be a function')
      }
      return {
        mechanism: 'OAUTHBEARER',
        token: async () => {
          const r = (await provider()) as { value?: unknown }
          if (!r || typeof r.value !== 'string') {
            throw new KafkaJSNonRetriableError('SASL OAUTHBEARER: oauthBearerProvider must resolve { value: string }')
          }
          return { value: r.value }
        },
      }
    }
    case 'aws':
      throw new KafkaJSNonRetriableError(
        'SASL AWS (AWS-MSK-IAM via kafkajs\'s "aws" mechanism) is out of scope for kafka-wire/kafkajs: use OAUTHBEARER with an IAM token provider, or kafka-wire\'s native API',
      )
    default:
      throw new KafkaJSNonRetriableError(`SASL ${String(sasl.mechanism)} mechanism is not supported`)
  }
}

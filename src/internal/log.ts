/**
 * kafka-wire's log records: every line a client writes is a message plus a context object with
 * stable field names (LogContext: clientId, nodeId, broker, topic, partition, groupId, generationId,
 * memberId, transactionalId, err, …; docs/observability.md, "Logging"), filtered by a level and
 * handed to the application's `logger` in the shape that logger expects:
 *
 * - `object`: `logger.warn({ clientId, topic, err }, 'message')`, pino's (and bunyan's) call, so
 *   their JSON lines carry the fields. The default for a pino logger (recognized by pino's own
 *   `Symbol.for('pino.serializers')`).
 * - `meta`: `logger.warn('message', { … })`, winston's and kafkajs's (message, extra) call.
 * - `text`: one readable line, `message: Error: reason (clientId=app topic=t partition=3)`, for
 *   `console` and every other logger (the default: a logger of `(msg: string) => void` keeps working).
 *
 * The level: `logLevel` when given; otherwise the logger's own (`isLevelEnabled`, pino and winston)
 * when it has one, else 'info'. Contexts never carry credentials: a credential-named field prints as
 * `[redacted]` (redact() in logger.ts) whoever builds it.
 *
 * Every client makes one Log (createLog, from resolveCommonOptions) and its parts write to it.
 */
import { ConfigError } from '../errors.js'
import { isSensitiveKey, type Logger, REDACTED, redact, silentLogger } from './logger.js'

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
/** The least severe records written; 'silent' writes none. */
export type LogLevel = (typeof LOG_LEVELS)[number]
export const LOG_FORMATS = ['object', 'meta', 'text'] as const
/** How a record is handed to the logger (see the module header). */
export type LogFormat = (typeof LOG_FORMATS)[number]

type Severity = Exclude<LogLevel, 'silent'>
const RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: Infinity }

/**
 * The context of a record. The named fields are the stable ones; an event adds its own
 * (`reason`, `api`, `count`, …). `err` is the error, as pino's serializer expects it.
 */
export interface LogContext {
  clientId?: string
  /** The broker's node id (-1 for a bootstrap server not yet known by id). */
  nodeId?: number
  /** The broker's `host:port`. */
  broker?: string
  topic?: string
  partition?: number
  groupId?: string
  generationId?: number
  memberId?: string
  transactionalId?: string
  err?: unknown
  [field: string]: unknown
}

/** A client's log: records to its logger, in its format, above its level, with its bindings. */
export class Log {
  readonly logger: Logger
  readonly format: LogFormat
  /** Undefined: the logger's own level decides (see enabled()). */
  readonly level: LogLevel | undefined
  readonly #bindings: LogContext

  constructor(logger: Logger, format: LogFormat = 'text', level?: LogLevel, bindings: LogContext = {}) {
    this.logger = logger
    this.format = format
    this.level = level
    this.#bindings = bindings
  }

  /** A Log writing `bindings` into every record as well (a record's own fields win). */
  child(bindings: LogContext): Log {
    return new Log(this.logger, this.format, this.level, { ...this.#bindings, ...bindings })
  }

  /** Whether a record of this severity would be written: check before building an expensive one. */
  enabled(severity: Severity): boolean {
    if (this.logger === silentLogger) return false
    if (severity === 'debug' && typeof this.logger.debug !== 'function') return false
    if (this.level !== undefined) return RANK[severity] >= RANK[this.level]
    return loggerAdmits(this.logger, severity) ?? RANK[severity] >= RANK.info
  }

  debug(context: LogContext, msg: string): void {
    if (this.enabled('debug')) this.#write('debug', context, msg)
  }
  info(context: LogContext, msg: string): void {
    if (this.enabled('info')) this.#write('info', context, msg)
  }
  warn(context: LogContext, msg: string): void {
    if (this.enabled('warn')) this.#write('warn', context, msg)
  }
  error(context: LogContext, msg: string): void {
    if (this.enabled('error')) this.#write('error', context, msg)
  }

  /**
   * A KAFKA_WIRE_DEBUG line: written at debug whatever `logLevel` says (the variable asked for it),
   * `text` as the whole line for a text logger. False when the logger would drop it (no debug
   * method, the silent default, or its own level above debug): the caller writes it to stderr.
   */
  debugLine(context: LogContext, msg: string, text: string): boolean {
    const l = this.logger
    if (l === silentLogger || typeof l.debug !== 'function' || loggerAdmits(l, 'debug') === false) return false
    if (this.format === 'text') l.debug(text)
    else this.#write('debug', context, msg)
    return true
  }

  #write(severity: Severity, context: LogContext, msg: string): void {
    const record = safeContext(this.#bindings, context)
    const l = this.logger as unknown as Record<Severity, (...args: unknown[]) => void>
    if (this.format === 'object') l[severity](record, msg)
    else if (this.format === 'meta') l[severity](msg, record)
    else l[severity](formatText(msg, record))
  }
}

/** The logger's own answer (pino, winston: isLevelEnabled), or undefined when it has none. */
function loggerAdmits(logger: Logger, severity: Severity): boolean | undefined {
  const own = (logger as { isLevelEnabled?: unknown }).isLevelEnabled
  return typeof own === 'function' ? Boolean(own.call(logger, severity)) : undefined
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * `bindings` and `context` as one record: undefined fields left out, credential-named fields
 * `[redacted]`, nested objects redacted copies; Errors stay Errors (pino serializes `err`); a
 * bigint (an offset) a number, or a string beyond 2^53 (JSON.stringify, which winston and kafkajs
 * use, throws on a bigint).
 */
export function safeContext(bindings: LogContext, context: LogContext): LogContext {
  const out: LogContext = {}
  for (const source of [bindings, context]) {
    for (const [k, v] of Object.entries(source)) {
      if (v === undefined) continue
      if (isSensitiveKey(k) && v !== null) out[k] = REDACTED
      else if (typeof v === 'bigint') out[k] = v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : String(v)
      else out[k] = v instanceof Error ? v : redact(v)
    }
  }
  return out
}

/** An error's name and message, never its stack (kafka-wire's messages carry no credentials). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`
  return typeof err === 'string' ? err : String(JSON.stringify(redact(err)))
}

/** `msg: Error: reason (k=v k=v)`: the text format, logfmt-quoted values. */
export function formatText(msg: string, record: LogContext): string {
  let line = msg
  const fields: string[] = []
  for (const [k, v] of Object.entries(record)) {
    if (k === 'err') continue
    const s = typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)
    fields.push(`${k}=${s !== '' && /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s)}`)
  }
  if (record.err !== undefined) line += `: ${errorText(record.err)}`
  return fields.length === 0 ? line : `${line} (${fields.join(' ')})`
}

const PINO = Symbol.for('pino.serializers')

/**
 * A client's Log from its `logger`, `logLevel` and `logFormat` options, validated (ConfigError
 * naming the option), with `clientId` bound.
 */
export function createLog(
  options: { logger?: unknown; logLevel?: unknown; logFormat?: unknown },
  clientId: string,
): Log {
  const logger = resolveLogger(options.logger)
  const { logLevel, logFormat } = options
  if (logLevel !== undefined && !(LOG_LEVELS as readonly unknown[]).includes(logLevel)) {
    throw new ConfigError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`)
  }
  if (logFormat !== undefined && !(LOG_FORMATS as readonly unknown[]).includes(logFormat)) {
    throw new ConfigError('logFormat', `must be one of ${LOG_FORMATS.join(', ')}`)
  }
  const format = (logFormat as LogFormat | undefined) ?? (PINO in logger ? 'object' : 'text')
  return new Log(logger, format, logLevel as LogLevel | undefined, { clientId })
}

function resolveLogger(value: unknown): Logger {
  if (value === undefined) return silentLogger
  const l = value as Record<string, unknown>
  if (typeof l !== 'object' || l === null || !['info', 'warn', 'error'].every((m) => typeof l[m] === 'function')) {
    throw new ConfigError('logger', 'must have info, warn and error methods (console and pino fit)')
  }
  if (l.debug !== undefined && typeof l.debug !== 'function') {
    throw new ConfigError('logger', 'debug must be a function')
  }
  return value as Logger
}

/** A Log that writes nothing: the default of a part built without one (tests, internal helpers). */
export const silentLog = new Log(silentLogger)

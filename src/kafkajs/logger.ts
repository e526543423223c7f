/**
 * kafkajs's logging: the `logLevel` enum, `logCreator` (a function of the root level returning the
 * function every entry goes to), the namespaced logger interface, the default console output
 * (one JSON line per entry, as kafkajs prints it), and the bridge that lets kafka-wire's own
 * clients log through the kafkajs logger (owner: core).
 */
import type { Logger as NativeLogger } from '../internal/logger.js'

/** kafkajs's levels (its numbering: there is no 3). */
export enum logLevel {
  NOTHING = 0,
  ERROR = 1,
  WARN = 2,
  INFO = 4,
  DEBUG = 5,
}

export interface LoggerEntryContent {
  readonly timestamp: string
  readonly message: string
  [key: string]: any
}

export interface LogEntry {
  namespace: string
  level: logLevel
  label: string
  log: LoggerEntryContent
}

export type logCreator = (logLevel: logLevel) => (entry: LogEntry) => void

export interface KafkaJSLogger {
  info(message: string, extra?: object): void
  error(message: string, extra?: object): void
  warn(message: string, extra?: object): void
  debug(message: string, extra?: object): void
  namespace(namespace: string, logLevel?: logLevel): KafkaJSLogger
  setLogLevel(logLevel: logLevel): void
}

/** kafkajs's name for the logger type. */
export type Logger = KafkaJSLogger

/** KAFKAJS_LOG_LEVEL (NOTHING, ERROR, WARN, INFO, DEBUG) overrides any configured level, as in kafkajs. */
function evaluateLogLevel(level: logLevel | undefined | null): logLevel | undefined | null {
  const env = (process.env.KAFKAJS_LOG_LEVEL ?? '').toUpperCase()
  const fromEnv = (logLevel as unknown as Record<string, logLevel | undefined>)[env]
  return typeof fromEnv === 'number' ? fromEnv : level
}

/** kafkajs's default logCreator: one JSON line per entry on the console method of its level. */
export const defaultLogCreator: logCreator =
  () =>
  ({ namespace, level, label, log }) => {
    const prefix = namespace ? `[${namespace}] ` : ''
    const line = JSON.stringify({ level: label, ...log, message: `${prefix}${log.message}` })
    switch (level) {
      case logLevel.INFO:
        return console.info(line)
      case logLevel.ERROR:
        return console.error(line)
      case logLevel.WARN:
        return console.warn(line)
      case logLevel.DEBUG:
        return console.log(line)
    }
  }

/**
 * kafkajs's createLogger: `namespace(name, level?)` gives a logger whose entries carry `name`
 * (namespaces do not nest: a namespace of a namespace replaces it, as in kafkajs) and that uses
 * its own level when given one, else the root level, which `setLogLevel` (on any of them) changes.
 */
export function createLogger({
  level = logLevel.INFO,
  logCreator = defaultLogCreator,
}: {
  level?: logLevel
  logCreator?: logCreator
}): KafkaJSLogger {
  let rootLevel = evaluateLogLevel(level) ?? logLevel.INFO
  const write = logCreator(rootLevel)

  const make = (namespace: string, ownLevel: logLevel | undefined | null): KafkaJSLogger => {
    const current = (): logLevel => ownLevel ?? rootLevel
    const at =
      (label: string, lvl: logLevel) =>
      (message: string, extra: object = {}): void => {
        if (lvl > current()) return
        write({
          namespace,
          level: lvl,
          label,
          log: { timestamp: new Date().toISOString(), logger: 'kafkajs', message, ...extra },
        })
      }
    return {
      info: at('INFO', logLevel.INFO),
      error: at('ERROR', logLevel.ERROR),
      warn: at('WARN', logLevel.WARN),
      debug: at('DEBUG', logLevel.DEBUG),
      namespace: (ns: string, nsLevel?: logLevel) => make(ns, evaluateLogLevel(nsLevel ?? null)),
      setLogLevel: (newLevel: logLevel) => {
        rootLevel = newLevel
      },
    }
  }
  // kafkajs's root logger has no namespace (entries print without a prefix).
  return make(undefined as unknown as string, null)
}

/**
 * kafka-wire's clients log through this: their messages arrive at the kafkajs logger (and so at the
 * application's logCreator) under the client's namespace. Extra arguments become `extra` fields;
 * kafka-wire's records (logFormat 'meta': message, context) give their context's fields, the
 * error `err` as kafkajs's `error` (its message).
 */
export function nativeLoggerFor(logger: KafkaJSLogger): NativeLogger {
  const extra = (args: unknown[]): object | undefined => {
    if (args.length === 0) return undefined
    if (args.length === 1 && args[0] !== null && typeof args[0] === 'object' && !(args[0] instanceof Error)) {
      const { err, ...fields } = args[0] as { err?: unknown }
      if (err === undefined) return args[0] as object
      return { ...fields, error: err instanceof Error ? err.message : String(err) }
    }
    return {
      details: args.map((a) => (a instanceof Error ? { name: a.name, message: a.message } : a)),
    }
  }
  return {
    debug: (msg, ...args) => logger.debug(msg, extra(args)),
    info: (msg, ...args) => logger.info(msg, extra(args)),
    warn: (msg, ...args) => logger.warn(msg, extra(args)),
    error: (msg, ...args) => logger.error(msg, extra(args)),
  }
}

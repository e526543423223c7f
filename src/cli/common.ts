/**
 * What every kafka-wire command shares: connection options (--bootstrap-server,
 * --command-config), Java-style property flags, and how errors and exit codes look.
 */
import { readFileSync } from 'node:fs'
import { type Command, Option } from 'commander'
import { fromProperties } from '../cluster/java-properties.js'
import { KafkaError } from '../errors.js'
import { formatText, type LogContext } from '../internal/log.js'
import type { Logger } from '../internal/logger.js'

export const EXIT_OK = 0
export const EXIT_ERROR = 1
export const EXIT_USAGE = 2

export interface CommonFlags {
  bootstrapServer?: string
  commandConfig?: string
  debug?: boolean
  timeout?: string
}

/** How long a command waits for an unreachable cluster when --timeout is not given. */
export const DEFAULT_TIMEOUT_MS = 30_000
/** After this long without an answer from the cluster, say what is being tried. */
const CONNECTING_NOTICE_MS = 1500

/** Adds the options every command takes, so `--help` shows them everywhere. */
export function withCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--bootstrap-server <hosts>', 'broker list host:port[,host:port]').default(
        process.env.KAFKA_BOOTSTRAP_SERVERS ?? 'localhost:9092',
        'KAFKA_BOOTSTRAP_SERVERS, else localhost:9092',
      ),
    )
    .option('--command-config <file>', 'a Java client .properties file (TLS, SASL, client settings)')
    .option('--timeout <ms>', `give up when the cluster does not answer for this long (default ${DEFAULT_TIMEOUT_MS})`)
    .option('--debug', 'print stack traces')
}

/** Collects repeatable `k=v` flags into a record. */
export function collectKeyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=')
  if (eq <= 0) throw new UsageError(`expected key=value, got "${value}"`)
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1).trim() }
}

/**
 * Client options from --bootstrap-server, --command-config, --timeout and extra Java-named
 * properties, with the CLI's logger (see cliLogger). `role` picks which option bounds the wait for
 * an unreachable cluster: the admin and consumer calls' defaultApiTimeoutMs, the producer's maxBlockMs.
 */
export function clientOptions(
  flags: CommonFlags,
  extra: Record<string, string> = {},
  role: 'admin' | 'producer' | 'consumer' = 'admin',
): Record<string, any> {
  const fileProps = flags.commandConfig ? readFileSync(flags.commandConfig, 'utf8') : ''
  const fromFile = fileProps ? fromProperties(fileProps) : {}
  const fromFlags = Object.keys(extra).length > 0 ? fromProperties(extra) : {}
  const bootstrapServers = (flags.bootstrapServer ?? 'localhost:9092').split(',').map((s) => s.trim())
  const options: Record<string, any> = { clientId: 'kafka-wire-cli', ...fromFile, ...fromFlags, bootstrapServers }
  // --timeout wins; else a property file's own setting; else the CLI's default (shorter than the clients' minute).
  const waitKey = role === 'producer' ? 'maxBlockMs' : 'defaultApiTimeoutMs'
  const timeoutMs =
    flags.timeout !== undefined ? positiveInt('--timeout', flags.timeout) : (options[waitKey] ?? DEFAULT_TIMEOUT_MS)
  options[waitKey] = timeoutMs
  if (flags.timeout !== undefined || options.requestTimeoutMs === undefined) {
    options.requestTimeoutMs = Math.min(timeoutMs, 30_000)
  }
  options.logger = cliLogger(bootstrapServers.join(','), timeoutMs)
  options.logFormat = 'object'
  options.logLevel = 'debug'
  return options
}

function positiveInt(name: string, value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive integer (ms), got "${value}"`)
  return n
}

/** Whether this process has heard from the cluster, and whether it said what it is trying. */
const connection = { bootstrapped: false, noticed: false }

/**
 * The CLI's logger. Warnings go to stderr, each text at most once a minute (a CLI user has no
 * other way to learn that, say, a topic does not exist). A cluster that does not answer gets one
 * line within CONNECTING_NOTICE_MS saying what is tried and for how long, instead of silence until
 * the timeout; the client's later bootstrap retries are not repeated.
 */
export function cliLogger(servers: string, timeoutMs: number): Logger {
  const lastPrinted = new Map<string, number>()
  const giveUp = `retrying for up to ${Math.round(timeoutMs / 1000)} s (--timeout <ms> to change)`
  const notice = (line: string) => {
    if (connection.bootstrapped || connection.noticed) return
    connection.noticed = true
    process.stderr.write(`${line}\n`)
  }
  setTimeout(
    () => notice(`kafka-wire: connecting to ${servers} … no answer yet, ${giveUp}`),
    CONNECTING_NOTICE_MS,
  ).unref()
  const print = ({ clientId: _clientId, ...context }: LogContext, msg: string) => {
    const line = formatText(msg.startsWith('kafka-wire') ? msg : `kafka-wire: ${msg}`, context)
    const now = Date.now()
    if (now - (lastPrinted.get(line) ?? -Infinity) < 60_000) return
    lastPrinted.set(line, now)
    process.stderr.write(`${line}\n`)
  }
  // Records come object-first (clientOptions sets logFormat 'object'), from the debug level up.
  const logger = {
    debug(_context: LogContext, msg: string) {
      if (msg === 'kafka-wire: bootstrapped') connection.bootstrapped = true
    },
    info() {},
    warn(context: LogContext, msg: string) {
      if (msg === 'kafka-wire: bootstrap server failed') {
        const message = context.err instanceof Error ? context.err.message : String(context.err)
        const reason = message.replace(/^Cannot connect to bootstrap server \S+: /, '')
        notice(`kafka-wire: cannot connect to ${context.broker} (${reason}), ${giveUp}`)
        return
      }
      print(context, msg)
    },
    error(context: LogContext, msg: string) {
      print(context, msg)
    },
  }
  return logger as unknown as Logger
}

/** A usage mistake the parser could not catch (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** One readable line on stderr: the Kafka error name first when there is one. */
export function formatError(err: unknown, debug: boolean): string {
  if (debug && err instanceof Error && err.stack) return err.stack
  if (err instanceof KafkaError) {
    // The cause only when it adds something: most messages already carry it.
    const cause =
      err.cause instanceof Error && !err.message.includes(err.cause.message) ? ` (caused by ${err.cause.message})` : ''
    return `${err.name}: ${err.message}${cause}`
  }
  if (err instanceof Error) return `${err.name}: ${err.message}`
  return String(err)
}

/** Parses a positive integer flag or fails with a usage error naming the flag. */
export function intFlag(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`${name} is required`)
    return fallback
  }
  const n = Number(value)
  if (!Number.isInteger(n)) throw new UsageError(`${name} must be an integer, got "${value}"`)
  return n
}

/** Whether live progress may be drawn: only for a terminal. */
export function interactive(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.CI
}

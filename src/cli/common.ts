/**
 * What every kafka-wire command shares: connection options (--bootstrap-server,
 * --command-config), Java-style property flags, and how errors and exit codes look.
 */
import { readFileSync } from 'node:fs'
import { type Command, Option } from 'commander'
import { fromProperties } from '../cluster/options.js'
import { KafkaError } from '../errors.js'

export const EXIT_OK = 0
export const EXIT_ERROR = 1
export const EXIT_USAGE = 2

export interface CommonFlags {
  bootstrapServer?: string
  commandConfig?: string
  debug?: boolean
}

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
    .option('--debug', 'print stack traces')
}

/** Collects repeatable `k=v` flags into a record. */
export function collectKeyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=')
  if (eq <= 0) throw new UsageError(`expected key=value, got "${value}"`)
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1).trim() }
}

/** Client options from --bootstrap-server, --command-config and extra Java-named properties. */
export function clientOptions(flags: CommonFlags, extra: Record<string, string> = {}): Record<string, any> {
  const fileProps = flags.commandConfig ? readFileSync(flags.commandConfig, 'utf8') : ''
  const fromFile = fileProps ? fromProperties(fileProps) : {}
  const fromFlags = Object.keys(extra).length > 0 ? fromProperties(extra) : {}
  return {
    clientId: 'kafka-wire-cli',
    ...fromFile,
    ...fromFlags,
    bootstrapServers: (flags.bootstrapServer ?? 'localhost:9092').split(',').map((s) => s.trim()),
  }
}

/** A usage mistake the parser could not catch (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** One readable line on stderr: the Kafka error name first when there is one. */
export function formatError(err: unknown, debug: boolean): string {
  if (debug && err instanceof Error && err.stack) return err.stack
  if (err instanceof KafkaError) {
    const cause = err.cause instanceof Error ? ` (caused by ${err.cause.message})` : ''
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

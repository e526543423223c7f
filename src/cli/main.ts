/**
 * The `kafka-wire` command: topics, produce, consume, groups, transactions, perf, broker and demo.
 * Exit codes: 0 ok, 1 error (one line on stderr, the Kafka error name first), 2 usage.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command, CommanderError } from 'commander'
import { packageRoot } from '../internal/package-root.js'
import { registerBroker } from './commands/broker.js'
import { registerConsume } from './commands/consume.js'
import { registerDemo } from './commands/demo.js'
import { registerGroups } from './commands/groups.js'
import { registerPerf } from './commands/perf.js'
import { registerProduce } from './commands/produce.js'
import { registerShareGroups } from './commands/share-groups.js'
import { registerTopics } from './commands/topics.js'
import { registerTransactions } from './commands/transactions.js'
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, formatError, UsageError } from './common.js'

export function buildProgram(): Command {
  const version = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string
  const program = new Command('kafka-wire')
    .description('Apache Kafka from the command line, through the kafka-wire client')
    .version(version)
    .exitOverride()
    .showSuggestionAfterError()
  registerTopics(program)
  registerProduce(program)
  registerConsume(program)
  registerGroups(program)
  registerShareGroups(program)
  registerTransactions(program)
  registerPerf(program)
  registerBroker(program)
  registerDemo(program)
  return program
}

/** Runs the CLI and returns the exit code (does not exit). */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram()
  const debug = argv.includes('--debug')
  try {
    await program.parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT_OK
      // Commander has printed the problem (or the help); add the usage line of the command.
      if (err.code !== 'commander.help') process.stderr.write(`usage: ${usageOf(program, argv.slice(2))}\n`)
      return EXIT_USAGE
    }
    if (err instanceof UsageError) {
      process.stderr.write(`kafka-wire: ${err.message}\nusage: ${usageOf(program, argv.slice(2))}\n`)
      return EXIT_USAGE
    }
    process.stderr.write(`kafka-wire: ${formatError(err, debug)}\n`)
    return EXIT_ERROR
  }
}

function usageOf(program: Command, args: string[]): string {
  let cmd = program
  const names = [program.name()]
  for (const a of args) {
    const sub = cmd.commands.find((c) => c.name() === a)
    if (!sub) break
    cmd = sub
    names.push(a)
  }
  return `${names.join(' ')} ${cmd.usage()}`
}

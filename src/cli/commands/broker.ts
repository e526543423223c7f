/** `kafka-wire broker start|stop|status` — the embedded development broker (kafka-wire/testing). */
import type { Command } from 'commander'
import { devBrokerStatus, startDevBroker, stopDevBroker } from '../../testing/dev-broker.js'
import { intFlag } from '../common.js'

interface BrokerFlags {
  port?: string
  version?: string
}

export function registerBroker(program: Command): void {
  const broker = program
    .command('broker')
    .description('a local Apache Kafka broker for development (Java 17+ and Maven, jars from Maven Central)')
  const portOption = (c: Command) => c.option('--port <port>', 'client port', '9092')

  portOption(broker.command('start').description('start the broker in the background (idempotent)'))
    .option('--version <v>', 'Apache Kafka version (default: the pinned one, or KAFKA_VERSION)')
    .action(async (flags: BrokerFlags) => {
      const port = intFlag('--port', flags.port)
      const status = await startDevBroker({
        port,
        controllerPort: port + 1,
        ...(flags.version ? { version: flags.version } : {}),
        log: (m) => process.stderr.write(`${m}\n`),
      })
      process.stdout.write(`Kafka ${status.version ?? ''} running at ${status.bootstrapServers} (pid ${status.pid})\n`)
      process.stdout.write(`log: ${status.logPath}\n`)
    })

  portOption(broker.command('stop').description('stop the background broker')).action(async (flags: BrokerFlags) => {
    const port = intFlag('--port', flags.port)
    const { stopped, pid } = await stopDevBroker({ port, controllerPort: port + 1 })
    process.stdout.write(stopped ? `Kafka stopped (pid ${pid}).\n` : 'Kafka was not running.\n')
  })

  portOption(broker.command('status').description('is the background broker running?')).action(
    async (flags: BrokerFlags) => {
      const port = intFlag('--port', flags.port)
      const s = await devBrokerStatus({ port, controllerPort: port + 1 })
      process.stdout.write(
        s.running
          ? `running at ${s.bootstrapServers} (pid ${s.pid}${s.reachable ? '' : ', not answering yet'})\n`
          : `not running${s.reachable ? ` (but something answers at ${s.bootstrapServers})` : ''}\n`,
      )
      if (!s.running) process.exitCode = 1
    },
  )
}

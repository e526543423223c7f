// The layer's logger against kafkajs's own createLogger and console logCreator: same entries, same
// levels, same namespaces, same console lines.
import { createRequire } from 'node:module'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLogger, defaultLogCreator, type LogEntry, logLevel } from '../../../src/kafkajs/logger.js'

const require = createRequire(import.meta.url)
const kafkajsLoggers = require('kafkajs/src/loggers/index.js') as {
  LEVELS: Record<string, number>
  createLogger: (o: {
    level?: number
    logCreator: (l: number) => (e: LogEntry) => void
  }) => ReturnType<typeof createLogger>
}
const kafkajsConsole = require('kafkajs/src/loggers/console.js') as (l: number) => (e: LogEntry) => void

function script(make: typeof createLogger, level: number) {
  const seen: unknown[] = []
  const creatorLevels: number[] = []
  const root = make({
    level,
    logCreator: (l: number) => {
      creatorLevels.push(l)
      return (e: LogEntry) => seen.push({ ...e, log: { ...e.log, timestamp: typeof e.log.timestamp } })
    },
  } as never)
  root.info('root info', { a: 1 })
  root.debug('root debug')
  const producer = root.namespace('Producer')
  producer.warn('warned', { topic: 't' })
  producer.debug('hidden')
  const chatty = root.namespace('Chatty', logLevel.DEBUG)
  chatty.debug('shown')
  chatty.namespace('Inner').error('namespaces do not nest')
  producer.setLogLevel(logLevel.ERROR)
  root.info('now hidden')
  producer.error('still shown')
  chatty.debug('own level still debug')
  return { seen, creatorLevels }
}

describe('kafkajs layer: logger', () => {
  afterEach(() => {
    vi.restoreAllMocks()
    delete process.env.KAFKAJS_LOG_LEVEL
  })

  it('has kafkajs levels', () => {
    expect({ ...logLevel }).toMatchObject(kafkajsLoggers.LEVELS)
  })

  for (const level of [logLevel.NOTHING, logLevel.ERROR, logLevel.INFO, logLevel.DEBUG]) {
    it(`entries, namespaces and setLogLevel behave as kafkajs's at level ${logLevel[level]}`, () => {
      expect(script(createLogger, level)).toEqual(script(kafkajsLoggers.createLogger as never, level))
    })
  }

  it('KAFKAJS_LOG_LEVEL overrides the configured level, as in kafkajs', () => {
    process.env.KAFKAJS_LOG_LEVEL = 'debug'
    expect(script(createLogger, logLevel.ERROR)).toEqual(script(kafkajsLoggers.createLogger as never, logLevel.ERROR))
  })

  it('the default logCreator prints the lines kafkajs prints, on the same console methods', () => {
    const capture = () => {
      const lines: [string, string][] = []
      for (const m of ['info', 'error', 'warn', 'log'] as const) {
        vi.spyOn(console, m).mockImplementation((line: string) => void lines.push([m, line]))
      }
      return lines
    }
    const entry = (level: number, label: string, namespace: string): LogEntry => ({
      namespace,
      level,
      label,
      log: { timestamp: '2026-01-01T00:00:00.000Z', logger: 'kafkajs', message: 'hello', extra: 1 },
    })
    const run = (creator: (l: number) => (e: LogEntry) => void) => {
      const lines = capture()
      const write = creator(logLevel.DEBUG)
      write(entry(logLevel.INFO, 'INFO', 'Producer'))
      write(entry(logLevel.ERROR, 'ERROR', ''))
      write(entry(logLevel.WARN, 'WARN', 'Consumer'))
      write(entry(logLevel.DEBUG, 'DEBUG', 'Admin'))
      vi.restoreAllMocks()
      return lines
    }
    const ours = run(defaultLogCreator as never)
    expect(ours).toHaveLength(4)
    expect(ours).toEqual(run(kafkajsConsole))
  })
})

describe("kafka-wire's own records through the kafkajs logger", () => {
  it('arrive under the namespace with their context fields as the entry, the error as `error`', async () => {
    const { createLog } = await import('../../../src/internal/log.js')
    const { nativeLoggerFor } = await import('../../../src/kafkajs/logger.js')
    const entries: LogEntry[] = []
    const root = createLogger({ level: logLevel.INFO, logCreator: () => (e) => entries.push(e) })
    // As kafka-wire/kafkajs's clientOptions() configures it: (msg, context), kafkajs's level filters.
    const log = createLog(
      { logger: nativeLoggerFor(root.namespace('Producer')), logFormat: 'meta', logLevel: 'debug' },
      'app',
    )
    log.error({ topic: 'orders', partition: 2, err: new Error('boom') }, 'kafka-wire producer: send failed')
    log.debug({ nodeId: 1 }, 'kafka-wire: connected') // below kafkajs's INFO
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({
      namespace: 'Producer',
      level: logLevel.ERROR,
      log: {
        message: 'kafka-wire producer: send failed',
        clientId: 'app',
        topic: 'orders',
        partition: 2,
        error: 'boom',
      },
    })
  })
})

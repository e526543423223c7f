/**
 * `kafka-wire produce` — kafka-console-producer: one record per input line. With
 * --transactional-id, every --batch-size lines (and the rest at the end of the input) are one
 * transaction: a read_committed reader sees each batch whole or not at all.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import { Producer } from '../../producer/index.js'
import { clientOptions, collectKeyValue, intFlag, UsageError, withCommonOptions } from '../common.js'

interface ProduceFlags {
  topic: string
  file?: string
  property?: Record<string, string>
  producerProperty?: Record<string, string>
  compression?: string
  transactionalId?: string
  batchSize?: string
  bootstrapServer?: string
  commandConfig?: string
}

const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
/** At most this many sends awaiting their acknowledgement: bounds memory on huge inputs. */
const WINDOW = 10_000
/** Lines per transaction with --transactional-id when --batch-size is not given. */
const DEFAULT_BATCH_SIZE = 1000

export function registerProduce(program: Command): void {
  withCommonOptions(program.command('produce').description('produce lines from stdin (or --file) to a topic'))
    .requiredOption('--topic <name>', 'topic to write to')
    .option('--file <path>', 'read lines from this file instead of stdin')
    .option(
      '--property <k=v>',
      'reader property: parse.key=true, key.separator=<sep>, ignore.error=true',
      collectKeyValue,
    )
    .option(
      '--producer-property <k=v>',
      'Java producer property, e.g. acks=all linger.ms=20, repeatable',
      collectKeyValue,
    )
    .option('--compression <type>', `compression: ${COMPRESSIONS.join(', ')}`)
    .option('--transactional-id <id>', 'produce in transactions of --batch-size lines with this transactional.id')
    .option(
      '--batch-size <n>',
      `lines per transaction with --transactional-id (default ${DEFAULT_BATCH_SIZE}; the rest at end of input)`,
    )
    .action(async (flags: ProduceFlags) => {
      const props = flags.property ?? {}
      const parseKey = props['parse.key'] === 'true'
      const separator = props['key.separator'] ?? '\t'
      const ignoreError = props['ignore.error'] === 'true'
      if (flags.compression && !COMPRESSIONS.includes(flags.compression)) {
        throw new UsageError(`--compression must be one of ${COMPRESSIONS.join(', ')}`)
      }
      if (flags.batchSize !== undefined && flags.transactionalId === undefined) {
        throw new UsageError('--batch-size needs --transactional-id')
      }
      const batchSize = intFlag('--batch-size', flags.batchSize, DEFAULT_BATCH_SIZE)
      if (batchSize <= 0) throw new UsageError(`--batch-size must be positive, got "${flags.batchSize}"`)
      const options = clientOptions(flags, flags.producerProperty, 'producer')
      if (flags.compression) options.compressionType = flags.compression
      if (flags.transactionalId !== undefined) options.transactionalId = flags.transactionalId
      const producer = new Producer(options as ConstructorParameters<typeof Producer>[0])
      const transactional = flags.transactionalId !== undefined
      let inTransaction = 0 // lines in the open transaction
      let transactions = 0
      /** Commits the open transaction (it flushes first); a failed record fails the commit. */
      const commit = async () => {
        await producer.commitTransaction()
        await Promise.all(inFlight)
        if (failed > 0) throw firstError
        transactions++
        inTransaction = 0
      }
      const started = performance.now()
      let sent = 0
      let failed = 0
      let bytes = 0
      let firstError: unknown = null
      const inFlight = new Set<Promise<unknown>>()
      // Before the line reader exists: lines it emits while nothing iterates it would be lost.
      if (transactional) {
        try {
          await producer.initTransactions()
        } catch (err) {
          await producer.close()
          throw err
        }
      }
      const input = flags.file ? createReadStream(flags.file) : process.stdin
      const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
      try {
        for await (const line of lines) {
          let key: string | null = null
          let value = line
          if (parseKey) {
            const at = line.indexOf(separator)
            if (at === -1) {
              if (!ignoreError) throw new UsageError(`no key separator ${JSON.stringify(separator)} in line: ${line}`)
            } else {
              key = line.slice(0, at)
              value = line.slice(at + separator.length)
            }
          }
          bytes += Buffer.byteLength(value)
          if (transactional && inTransaction === 0) producer.beginTransaction()
          const p = producer.send({ topic: flags.topic, key, value }).then(
            () => {
              sent++
            },
            (err: unknown) => {
              failed++
              firstError ??= err
            },
          )
          inFlight.add(p)
          void p.finally(() => inFlight.delete(p))
          if (inFlight.size >= WINDOW) await Promise.race(inFlight)
          if (transactional && ++inTransaction === batchSize) await commit()
        }
        if (transactional && inTransaction > 0) await commit()
        await producer.flush()
        await Promise.all(inFlight)
      } catch (err) {
        // An open transaction is aborted (its lines never become visible to read_committed).
        if (transactional && inTransaction > 0) await producer.abortTransaction().catch(() => {})
        throw err
      } finally {
        await producer.close()
      }
      const secs = (performance.now() - started) / 1000
      process.stderr.write(
        `${sent} records sent to ${flags.topic} (${(bytes / 1024 / 1024).toFixed(2)} MB) in ${secs.toFixed(2)} s` +
          `${transactional ? `, ${transactions} transaction${transactions === 1 ? '' : 's'} committed` : ''}` +
          `${failed ? `, ${failed} failed` : ''}\n`,
      )
      if (failed > 0) throw firstError
    })
}

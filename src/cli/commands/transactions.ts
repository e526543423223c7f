/**
 * `kafka-wire transactions list|describe|describe-producers|abort` — what kafka-transactions.sh
 * does: list and describe transactional ids, show a partition's producers (the first offset of an
 * open transaction pins the partition's last stable offset), and abort a hanging transaction on a
 * partition (WriteTxnMarkers to its leader, through the transactions admin).
 */
import type { Command } from 'commander'
import { type AbortTransactionSpec, TransactionsAdmin } from '../../admin/transactions.js'
import { clientOptions, intFlag, UsageError, withCommonOptions } from '../common.js'
import { renderTable } from '../table.js'

interface TransactionsFlags {
  transactionalId?: string
  topic?: string
  partition?: string
  startOffset?: string
  producerId?: string
  producerEpoch?: string
  coordinatorEpoch?: string
  state?: string
  bootstrapServer?: string
  commandConfig?: string
  timeout?: string
}

async function withAdmin<T>(flags: TransactionsFlags, fn: (admin: TransactionsAdmin) => Promise<T>): Promise<T> {
  const admin = new TransactionsAdmin(clientOptions(flags) as ConstructorParameters<typeof TransactionsAdmin>[0])
  try {
    return await fn(admin)
  } finally {
    await admin.close()
  }
}

function bigintFlag(name: string, value: string): bigint {
  if (!/^-?[0-9]+$/.test(value)) throw new UsageError(`${name} must be an integer, got "${value}"`)
  return BigInt(value)
}

const time = (ms: bigint) => (ms < 0n ? '-' : new Date(Number(ms)).toISOString())

export function registerTransactions(program: Command): void {
  const txns = program
    .command('transactions')
    .description('list, describe and abort transactions; show the producers of a partition')

  withCommonOptions(txns.command('list').description('list transactional ids (all brokers)'))
    .option('--state <states>', 'only these states, comma-separated (e.g. Ongoing)')
    .action(async (flags: TransactionsFlags) => {
      await withAdmin(flags, async (admin) => {
        const states = flags.state?.split(',').map((s) => s.trim()) ?? []
        const list = await admin.listTransactions({ states })
        const rows = list.map((t) => [t.transactionalId, String(t.producerId), t.state])
        process.stdout.write(`${renderTable(['TRANSACTIONAL ID', 'PRODUCER ID', 'STATE'], rows)}\n`)
      })
    })

  withCommonOptions(txns.command('describe').description("a transactional id's state, producer and partitions"))
    .requiredOption('--transactional-id <id>', 'transactional id')
    .action(async (flags: TransactionsFlags) => {
      await withAdmin(flags, async (admin) => {
        const [t] = await admin.describeTransactions([flags.transactionalId!])
        const rows = [
          [
            String(t!.coordinatorId),
            t!.transactionalId,
            String(t!.producerId),
            String(t!.producerEpoch),
            t!.state,
            String(t!.transactionTimeoutMs),
            time(t!.transactionStartTimeMs),
            t!.topicPartitions.map((tp) => `${tp.topic}-${tp.partition}`).join(',') || '-',
          ],
        ]
        const header = [
          'COORDINATOR',
          'TRANSACTIONAL ID',
          'PRODUCER ID',
          'PRODUCER EPOCH',
          'STATE',
          'TIMEOUT MS',
          'START TIME',
          'PARTITIONS',
        ]
        process.stdout.write(`${renderTable(header, rows)}\n`)
      })
    })

  withCommonOptions(
    txns.command('describe-producers').description("a partition's active producers and their open transactions"),
  )
    .requiredOption('--topic <name>', 'topic')
    .requiredOption('--partition <n>', 'partition')
    .action(async (flags: TransactionsFlags) => {
      const partition = intFlag('--partition', flags.partition)
      await withAdmin(flags, async (admin) => {
        const producers = await admin.describeProducers(flags.topic!, partition)
        const rows = producers.map((p) => [
          String(p.producerId),
          String(p.producerEpoch),
          String(p.lastSequence),
          time(p.lastTimestamp),
          String(p.coordinatorEpoch),
          p.currentTransactionStartOffset < 0n ? '-' : String(p.currentTransactionStartOffset),
        ])
        const header = [
          'PRODUCER ID',
          'PRODUCER EPOCH',
          'LAST SEQUENCE',
          'LAST TIMESTAMP',
          'COORDINATOR EPOCH',
          'TXN START OFFSET',
        ]
        process.stdout.write(`${renderTable(header, rows)}\n`)
      })
    })

  withCommonOptions(
    txns
      .command('abort')
      .description(
        'abort a hanging transaction on a partition: by its first offset (--start-offset, see describe-producers) ' +
          'or by --producer-id, --producer-epoch and --coordinator-epoch',
      ),
  )
    .requiredOption('--topic <name>', 'topic')
    .requiredOption('--partition <n>', 'partition')
    .option('--start-offset <offset>', 'first offset of the open transaction (TXN START OFFSET of describe-producers)')
    .option('--producer-id <id>', 'producer id (instead of --start-offset)')
    .option('--producer-epoch <n>', 'producer epoch (with --producer-id)')
    .option('--coordinator-epoch <n>', 'coordinator epoch (with --producer-id)')
    .action(async (flags: TransactionsFlags) => {
      const topic = flags.topic!
      const partition = intFlag('--partition', flags.partition)
      const byProducer = [flags.producerId, flags.producerEpoch, flags.coordinatorEpoch]
      const given = byProducer.filter((f) => f !== undefined).length
      if ((flags.startOffset === undefined) === (given === 0) || (given > 0 && given < 3)) {
        throw new UsageError(
          'give either --start-offset, or all of --producer-id, --producer-epoch and --coordinator-epoch',
        )
      }
      await withAdmin(flags, async (admin) => {
        let spec: AbortTransactionSpec
        if (flags.startOffset !== undefined) {
          spec = await admin.abortTransactionAt(topic, partition, bigintFlag('--start-offset', flags.startOffset))
        } else {
          spec = {
            topic,
            partition,
            producerId: bigintFlag('--producer-id', flags.producerId!),
            producerEpoch: intFlag('--producer-epoch', flags.producerEpoch),
            coordinatorEpoch: intFlag('--coordinator-epoch', flags.coordinatorEpoch),
          }
          await admin.abortTransaction(spec)
        }
        process.stdout.write(
          `Aborted the transaction of producer ${spec.producerId} (epoch ${spec.producerEpoch}) on ${topic}-${partition}\n`,
        )
      })
    })
}

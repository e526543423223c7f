/** `kafka-wire consume` — kafka-console-consumer, with a JSON output mode. */
import type { Command } from 'commander'
import { Admin } from '../../admin/index.js'
import { commonOptionsOf } from '../../cluster/options.js'
import { Consumer } from '../../consumer/index.js'
import type { ConsumerRecord } from '../../consumer/types.js'
import { topicPartitionKey } from '../../internal/topic-partition.js'
import { clientOptions, collectKeyValue, intFlag, UsageError, withCommonOptions } from '../common.js'
import { consumeShared } from './share-groups.js'

interface ConsumeFlags {
  topic: string
  group?: string
  shareGroup?: string
  fromBeginning?: boolean
  maxMessages?: string
  partition?: string
  offset?: string
  property?: Record<string, string>
  format: string
  consumerProperty?: Record<string, string>
  timeoutMs?: string
  bootstrapServer?: string
  commandConfig?: string
}

export function registerConsume(program: Command): void {
  withCommonOptions(program.command('consume').description('print records of a topic to stdout'))
    .requiredOption('--topic <name>', 'topic to read')
    .option('--group <id>', 'consumer group (commits offsets); without it partitions are assigned directly')
    .option('--share-group <id>', 'read as a member of this share group (printed records are accepted)')
    .option('--from-beginning', 'start at the earliest offset when there is no committed offset')
    .option('--max-messages <n>', 'exit after this many records (negative: no limit)')
    .option('--partition <n>', 'read only this partition')
    .option('--offset <o>', 'with --partition: earliest, latest or an offset', 'latest')
    .option('--timeout-ms <ms>', 'exit when no record arrives for this long')
    .option(
      '--property <k=v>',
      'formatter property: print.key, print.partition, print.offset, print.timestamp, print.headers, key.separator',
      collectKeyValue,
    )
    .option('--format <format>', 'text or json (one object per line)', 'text')
    .option('--consumer-property <k=v>', 'Java consumer property, repeatable', collectKeyValue)
    .action(async (flags: ConsumeFlags) => {
      if (!['text', 'json'].includes(flags.format)) throw new UsageError('--format must be text or json')
      if (flags.offset !== 'latest' && flags.partition === undefined) {
        throw new UsageError('--offset needs --partition')
      }
      // As in Java's console consumer, a negative --max-messages means no limit.
      const maxFlag = flags.maxMessages === undefined ? -1 : intFlag('--max-messages', flags.maxMessages)
      const max = maxFlag < 0 ? Number.POSITIVE_INFINITY : maxFlag
      const idleMs = flags.timeoutMs === undefined ? Number.POSITIVE_INFINITY : intFlag('--timeout-ms', flags.timeoutMs)
      if (flags.shareGroup !== undefined) {
        if (flags.group !== undefined || flags.partition !== undefined || flags.fromBeginning) {
          throw new UsageError('--share-group excludes --group, --partition and --from-beginning')
        }
        const count = await consumeShared(flags, { max, idleMs, print: printer(flags) })
        process.stderr.write(`Processed a total of ${count} messages\n`)
        return
      }
      const options = clientOptions(flags, flags.consumerProperty, 'consumer')
      // Offsets are committed by this loop (see commitTo below), never past what was printed.
      if (flags.group) options.groupId = flags.group
      options.enableAutoCommit = false
      options.autoOffsetReset = flags.fromBeginning ? 'earliest' : (options.autoOffsetReset ?? 'latest')
      const consumer = new Consumer<Buffer | null, Buffer | null>(options as any)
      // A closed stdout (`| head`) ends consumption like Ctrl-C does: commit what was printed, leave
      // the group, exit 0 — as the Java console consumer does — instead of an EPIPE stack trace.
      let stdoutClosed = false
      const onStdoutError = (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err
        stdoutClosed = true
        consumer.wakeup()
      }
      process.stdout.on('error', onStdoutError)
      const print = printer(flags)
      const stop = () => consumer.wakeup()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      let count = 0
      // Where a later run of this group should start, per partition: after the last record
      // printed, else at the first record received but not printed (--max-messages reached).
      const commitTo = new Map<string, { topic: string; partition: number; offset: bigint }>()
      let lastCommitAt = performance.now()
      try {
        await startReading(consumer, flags, options)
        let lastRecordAt = performance.now()
        while (count < max && !stdoutClosed) {
          let records: Iterable<ConsumerRecord<Buffer | null, Buffer | null>>
          try {
            records = await consumer.poll(Math.min(1000, idleMs))
          } catch (err) {
            if ((err as Error).name === 'WakeupError') break
            throw err
          }
          let got = 0
          for (const record of records) {
            const key = topicPartitionKey(record.topic, record.partition)
            if (count < max && !stdoutClosed) {
              print(record)
              commitTo.set(key, { topic: record.topic, partition: record.partition, offset: record.offset + 1n })
              got++
              count++
            } else if (!commitTo.has(key)) {
              commitTo.set(key, { topic: record.topic, partition: record.partition, offset: record.offset })
            }
          }
          if (got > 0) lastRecordAt = performance.now()
          else if (performance.now() - lastRecordAt >= idleMs) break
          // Like the Java console consumer's auto-commit (every auto.commit.interval.ms, 5 s).
          if (flags.group && performance.now() - lastCommitAt >= (options.autoCommitIntervalMs ?? 5000)) {
            lastCommitAt = performance.now()
            await commitReached(consumer, commitTo)
          }
        }
      } finally {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        try {
          if (flags.group) await commitReached(consumer, commitTo)
        } finally {
          await consumer.close()
          // onStdoutError stays: writes still queued may fail with EPIPE after this.
        }
      }
      process.stderr.write(`Processed a total of ${count} messages\n`)
    })
}

/**
 * Commits, for every assigned partition, where a later run should start: the printed/received
 * mark of commitTo, else the current position — so that a run that printed nothing still records
 * where it stood (the Java console consumer's auto-commit does the same), and the next run with
 * the default `latest` does not skip what arrived in between.
 */
async function commitReached(
  consumer: Consumer<Buffer | null, Buffer | null>,
  commitTo: Map<string, { topic: string; partition: number; offset: bigint }>,
): Promise<void> {
  const assigned = consumer.assignment()
  const current = new Set(assigned.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
  for (const key of commitTo.keys()) if (!current.has(key)) commitTo.delete(key) // revoked: not ours to commit
  const offsets = []
  for (const tp of assigned) {
    const mark = commitTo.get(topicPartitionKey(tp.topic, tp.partition))
    offsets.push(mark ?? { ...tp, offset: await consumer.position(tp) })
  }
  if (offsets.length > 0) await consumer.commitSync(offsets)
}

async function startReading(
  consumer: Consumer<Buffer | null, Buffer | null>,
  flags: ConsumeFlags,
  options: Record<string, any>,
): Promise<void> {
  if (flags.partition !== undefined) {
    const tp = { topic: flags.topic, partition: intFlag('--partition', flags.partition) }
    // A partition the topic does not have is an error naming it, not an endless wait.
    await consumer.endOffsets([tp])
    consumer.assign([tp])
    if (flags.offset === 'earliest') consumer.seekToBeginning([tp])
    else if (flags.offset === 'latest' && !flags.fromBeginning) consumer.seekToEnd([tp])
    else if (flags.offset === 'latest') consumer.seekToBeginning([tp])
    else consumer.seek(tp, BigInt(intFlag('--offset', flags.offset)))
    return
  }
  if (flags.group) {
    consumer.subscribe([flags.topic])
    return
  }
  // No group: read every partition directly, as the console consumer does for a throwaway group.
  const admin = new Admin(commonOptionsOf(options))
  try {
    const [topic] = await admin.describeTopics([flags.topic])
    const tps = topic!.partitions.map((p) => ({ topic: flags.topic, partition: p.partition }))
    consumer.assign(tps)
    if (flags.fromBeginning) consumer.seekToBeginning(tps)
    else consumer.seekToEnd(tps)
  } finally {
    await admin.close()
  }
}

function printer(flags: ConsumeFlags): (r: ConsumerRecord<Buffer | null, Buffer | null>) => void {
  const p = flags.property ?? {}
  const text = (b: Buffer | null) => (b === null ? 'null' : b.toString('utf8'))
  if (flags.format === 'json') {
    return (r) => {
      const line = {
        topic: r.topic,
        partition: r.partition,
        offset: Number(r.offset),
        timestamp: r.timestamp,
        key: r.key === null ? null : r.key.toString('utf8'),
        value: r.value === null ? null : r.value.toString('utf8'),
        headers: r.headers.map((h) => [h.key, h.value === null ? null : h.value.toString('utf8')]),
      }
      process.stdout.write(`${JSON.stringify(line)}\n`)
    }
  }
  const sep = p['key.separator'] ?? '\t'
  const on = (k: string) => p[k] === 'true'
  return (r) => {
    const parts: string[] = []
    if (on('print.timestamp')) parts.push(`${r.timestampType}:${r.timestamp}`)
    if (on('print.partition')) parts.push(`Partition:${r.partition}`)
    if (on('print.offset')) parts.push(`Offset:${r.offset}`)
    if (on('print.headers')) parts.push(r.headers.map((h) => `${h.key}:${text(h.value)}`).join(',') || 'NO_HEADERS')
    if (on('print.key')) parts.push(text(r.key))
    parts.push(text(r.value))
    process.stdout.write(`${parts.join(sep)}\n`)
  }
}

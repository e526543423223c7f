/** `kafka-wire consume` — kafka-console-consumer, with a JSON output mode. */
import type { Command } from 'commander'
import { Admin } from '../../admin/index.js'
import { Consumer } from '../../consumer/index.js'
import type { ConsumerRecord } from '../../consumer/types.js'
import { clientOptions, collectKeyValue, intFlag, UsageError, withCommonOptions } from '../common.js'

interface ConsumeFlags {
  topic: string
  group?: string
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
    .option('--from-beginning', 'start at the earliest offset when there is no committed offset')
    .option('--max-messages <n>', 'exit after this many records')
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
      const max =
        flags.maxMessages === undefined ? Number.POSITIVE_INFINITY : intFlag('--max-messages', flags.maxMessages)
      const idleMs = flags.timeoutMs === undefined ? Number.POSITIVE_INFINITY : intFlag('--timeout-ms', flags.timeoutMs)
      const options = clientOptions(flags, flags.consumerProperty, 'consumer')
      if (flags.group) {
        options.groupId = flags.group
        // Commit exactly what was printed (not everything poll() returned) when we stop.
        options.enableAutoCommit = false
      }
      options.autoOffsetReset = flags.fromBeginning ? 'earliest' : (options.autoOffsetReset ?? 'latest')
      const consumer = new Consumer<Buffer | null, Buffer | null>(options as any)
      const print = printer(flags)
      const stop = () => consumer.wakeup()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      let count = 0
      const printed = new Map<string, { topic: string; partition: number; offset: bigint }>()
      try {
        await startReading(consumer, flags, options)
        let lastRecordAt = performance.now()
        while (count < max) {
          let records: Iterable<ConsumerRecord<Buffer | null, Buffer | null>>
          try {
            records = await consumer.poll(Math.min(1000, idleMs))
          } catch (err) {
            if ((err as Error).name === 'WakeupError') break
            throw err
          }
          let got = 0
          for (const record of records) {
            print(record)
            printed.set(`${record.topic}:${record.partition}`, {
              topic: record.topic,
              partition: record.partition,
              offset: record.offset + 1n,
            })
            got++
            if (++count >= max) break
          }
          if (got > 0) lastRecordAt = performance.now()
          else if (performance.now() - lastRecordAt >= idleMs) break
        }
      } finally {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        try {
          if (flags.group && printed.size > 0) await consumer.commitSync([...printed.values()])
        } finally {
          await consumer.close()
        }
      }
      process.stderr.write(`Processed a total of ${count} messages\n`)
    })
}

async function startReading(
  consumer: Consumer<Buffer | null, Buffer | null>,
  flags: ConsumeFlags,
  options: Record<string, any>,
): Promise<void> {
  if (flags.partition !== undefined) {
    const tp = { topic: flags.topic, partition: intFlag('--partition', flags.partition) }
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
  const admin = new Admin(options as ConstructorParameters<typeof Admin>[0])
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

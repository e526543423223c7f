/**
 * `kafka-wire share-groups list|describe|reset-offsets|delete` (what kafka-share-groups.sh does) and
 * the share group side of `kafka-wire consume --share-group`.
 */
import type { Command } from 'commander'
import { Admin } from '../../admin/index.js'
import { KafkaError } from '../../errors.js'
import { ShareConsumer } from '../../share/index.js'
import { clientOptions, intFlag, UsageError, withCommonOptions } from '../common.js'
import { renderTable } from '../table.js'

interface ShareGroupFlags {
  group?: string
  topic?: string
  toEarliest?: boolean
  toLatest?: boolean
  toOffset?: string
  execute?: boolean
  bootstrapServer?: string
  commandConfig?: string
}

async function withAdmin<T>(flags: ShareGroupFlags, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(clientOptions(flags) as ConstructorParameters<typeof Admin>[0])
  try {
    return await fn(admin)
  } finally {
    await admin.close()
  }
}

export function registerShareGroups(program: Command): void {
  const cmd = program.command('share-groups').description('list, describe, reset offsets of and delete share groups')

  withCommonOptions(cmd.command('list').description('list share groups')).action(async (flags: ShareGroupFlags) => {
    await withAdmin(flags, async (admin) => {
      const list = await admin.listGroups({ types: ['share'] })
      const rows = list.map((g) => [g.groupId, g.state ?? '-'])
      process.stdout.write(`${renderTable(['GROUP', 'STATE'], rows)}\n`)
    })
  })

  withCommonOptions(cmd.command('describe').description('members, assignments, start offsets and lag'))
    .requiredOption('--group <id>', 'share group id')
    .action(async (flags: ShareGroupFlags) => {
      const groupId = flags.group!
      await withAdmin(flags, async (admin) => {
        const [desc] = await admin.describeShareGroups([groupId])
        const offsets = await admin.listShareGroupOffsets(groupId)
        process.stdout.write(`Share group ${groupId} is ${desc!.state} with ${desc!.members.length} member(s).\n\n`)
        const rows = offsets.map((o) => [groupId, o.topic, o.partition, o.startOffset ?? '-', o.lag ?? '-'])
        process.stdout.write(`${renderTable(['GROUP', 'TOPIC', 'PARTITION', 'START-OFFSET', 'LAG'], rows)}\n\n`)
        const members = desc!.members.map((m) => [
          m.memberId,
          m.clientHost,
          m.clientId,
          m.assignment.map((t) => `${t.topic}[${t.partitions.join(',')}]`).join(' ') || '-',
        ])
        process.stdout.write(`${renderTable(['CONSUMER-ID', 'HOST', 'CLIENT-ID', 'ASSIGNMENT'], members)}\n`)
      })
    })

  withCommonOptions(cmd.command('reset-offsets').description('move the start offsets of an empty share group'))
    .requiredOption('--group <id>', 'share group id')
    .requiredOption('--topic <name>', 'topic whose partitions are reset')
    .option('--to-earliest', 'to the earliest offset')
    .option('--to-latest', 'to the log end')
    .option('--to-offset <n>', 'to this offset (clamped to the partition range)')
    .option('--execute', 'change the offsets (default: dry run)')
    .action(async (flags: ShareGroupFlags) => {
      const scenarios = [flags.toEarliest, flags.toLatest, flags.toOffset].filter((x) => x !== undefined)
      if (scenarios.length !== 1) throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-offset')
      const groupId = flags.group!
      const topic = flags.topic!
      await withAdmin(flags, async (admin) => {
        const [topicDesc] = await admin.describeTopics([topic])
        const tps = topicDesc!.partitions.map((p) => ({ topic, partition: p.partition }))
        const list = async (spec: 'earliest' | 'latest') =>
          new Map((await admin.listOffsets(tps.map((tp) => ({ ...tp, spec })))).map((o) => [o.partition, o.offset]))
        const earliest = await list('earliest')
        const latest = await list('latest')
        const target = new Map<number, bigint>()
        for (const { partition: p } of tps) {
          if (flags.toEarliest) target.set(p, earliest.get(p)!)
          else if (flags.toLatest) target.set(p, latest.get(p)!)
          else {
            const n = BigInt(intFlag('--to-offset', flags.toOffset))
            const lo = earliest.get(p)!
            const hi = latest.get(p)!
            target.set(p, n < lo ? lo : n > hi ? hi : n)
          }
        }
        if (flags.execute) {
          const [desc] = await admin.describeShareGroups([groupId]).catch(() => [undefined])
          if (desc && desc.state !== 'Empty' && desc.state !== 'Dead') {
            throw new KafkaError(
              `Offsets can only be reset if the share group '${groupId}' is empty, but the current state is ${desc.state}.`,
              'ERR_GROUP_NOT_INACTIVE',
            )
          }
          await admin.alterShareGroupOffsets(
            groupId,
            tps.map((tp) => ({ ...tp, offset: target.get(tp.partition)! })),
          )
        }
        const rows = tps.map((tp) => [groupId, topic, tp.partition, target.get(tp.partition)])
        process.stdout.write(`${renderTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-START-OFFSET'], rows)}\n`)
        if (!flags.execute) process.stderr.write('Dry run: nothing changed (add --execute to change these offsets).\n')
      })
    })

  withCommonOptions(cmd.command('delete').description('delete an empty share group'))
    .requiredOption('--group <id>', 'share group id')
    .action(async (flags: ShareGroupFlags) => {
      await withAdmin(flags, async (admin) => {
        await admin.deleteShareGroups([flags.group!])
        process.stdout.write(`Deleted share group ${flags.group}.\n`)
      })
    })
}

export interface ShareConsumeFlags {
  topic: string
  shareGroup?: string
  bootstrapServer?: string
  commandConfig?: string
}

/**
 * `consume --share-group`: reads as a member of the share group. Printed records are accepted;
 * records received but not printed (--max-messages reached, stdout closed) are released for other
 * members. Returns how many were printed.
 */
export async function consumeShared(
  flags: ShareConsumeFlags,
  opts: { max: number; idleMs: number; print: (record: any) => void },
): Promise<number> {
  const options = clientOptions(flags)
  const consumer = new ShareConsumer<Buffer | null, Buffer | null>({
    ...(options as any),
    groupId: flags.shareGroup!,
    shareAcknowledgementMode: 'explicit',
  })
  let stdoutClosed = false
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    stdoutClosed = true
    consumer.wakeup()
  }
  process.stdout.on('error', onStdoutError)
  const stop = () => consumer.wakeup()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  let count = 0
  try {
    consumer.subscribe([flags.topic])
    let lastRecordAt = performance.now()
    while (count < opts.max && !stdoutClosed) {
      let records: Awaited<ReturnType<typeof consumer.poll>>
      try {
        records = await consumer.poll(Math.min(1000, opts.idleMs))
      } catch (err) {
        if ((err as Error).name === 'WakeupError') break
        throw err
      }
      for (const r of records) {
        if (count < opts.max && !stdoutClosed) {
          opts.print(r)
          consumer.acknowledge(r, 'ACCEPT')
          count++
        } else consumer.acknowledge(r, 'RELEASE')
      }
      if (records.length > 0) lastRecordAt = performance.now()
      else if (performance.now() - lastRecordAt >= opts.idleMs) break
    }
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await consumer.close()
  }
  return count
}

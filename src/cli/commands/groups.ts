/** `kafka-wire groups list|describe|reset-offsets|delete` — what kafka-consumer-groups.sh does. */
import type { Command } from 'commander'
import { Admin } from '../../admin/index.js'
import { KafkaError } from '../../errors.js'
import { clientOptions, intFlag, UsageError, withCommonOptions } from '../common.js'
import { renderTable } from '../table.js'

interface GroupFlags {
  group?: string
  topic?: string
  toEarliest?: boolean
  toLatest?: boolean
  toOffset?: string
  toDatetime?: string
  shiftBy?: string
  dryRun?: boolean
  execute?: boolean
  bootstrapServer?: string
  commandConfig?: string
}

async function withAdmin<T>(flags: GroupFlags, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(clientOptions(flags) as ConstructorParameters<typeof Admin>[0])
  try {
    return await fn(admin)
  } finally {
    await admin.close()
  }
}

export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('list, describe, reset offsets of and delete consumer groups')

  withCommonOptions(groups.command('list').description('list consumer groups')).action(async (flags: GroupFlags) => {
    await withAdmin(flags, async (admin) => {
      const list = await admin.listGroups()
      const rows = list
        .sort((a, b) => a.groupId.localeCompare(b.groupId))
        .map((g) => [g.groupId, g.type ?? '-', g.state ?? '-'])
      process.stdout.write(`${renderTable(['GROUP', 'TYPE', 'STATE'], rows)}\n`)
    })
  })

  withCommonOptions(groups.command('describe').description('members, assignment, committed offsets and lag'))
    .requiredOption('--group <id>', 'group id')
    .action(async (flags: GroupFlags) => {
      const groupId = flags.group!
      await withAdmin(flags, async (admin) => {
        const [desc] = await admin.describeGroups([groupId])
        const lag = await admin.listConsumerGroupLag(groupId)
        const member = new Map((desc?.members ?? []).map((m) => [m.memberId, m]))
        process.stdout.write(
          `Group ${groupId} is ${desc?.state ?? 'Unknown'} with ${desc?.members.length ?? 0} member(s).\n\n`,
        )
        const rows = lag.map((p) => {
          const m = p.memberId === null ? undefined : member.get(p.memberId)
          return [
            groupId,
            p.topic,
            p.partition,
            p.committedOffset,
            p.logEndOffset,
            p.lag,
            m?.memberId,
            m?.clientHost,
            m?.clientId,
          ]
        })
        process.stdout.write(
          `${renderTable(
            [
              'GROUP',
              'TOPIC',
              'PARTITION',
              'CURRENT-OFFSET',
              'LOG-END-OFFSET',
              'LAG',
              'CONSUMER-ID',
              'HOST',
              'CLIENT-ID',
            ],
            rows,
          )}\n`,
        )
      })
    })

  withCommonOptions(groups.command('reset-offsets').description('move committed offsets of an inactive group'))
    .requiredOption('--group <id>', 'group id')
    .requiredOption('--topic <name>', 'topic whose partitions are reset')
    .option('--to-earliest', 'to the earliest offset')
    .option('--to-latest', 'to the log end')
    .option('--to-offset <n>', 'to this offset (clamped to the partition range)')
    .option('--to-datetime <iso>', 'to the first offset at or after this time (ISO 8601)')
    .option('--shift-by <n>', 'move the committed offset by n (negative goes back)')
    .option('--dry-run', 'print the new offsets without changing anything (default)')
    .option('--execute', 'commit the new offsets')
    .action(async (flags: GroupFlags) => {
      const scenarios = [flags.toEarliest, flags.toLatest, flags.toOffset, flags.toDatetime, flags.shiftBy].filter(
        (x) => x !== undefined,
      )
      if (scenarios.length !== 1) {
        throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by')
      }
      if (flags.dryRun && flags.execute) throw new UsageError('--dry-run and --execute exclude each other')
      const groupId = flags.group!
      const topic = flags.topic!
      await withAdmin(flags, async (admin) => {
        const [topicDesc] = await admin.describeTopics([topic])
        const tps = topicDesc!.partitions.map((p) => ({ topic, partition: p.partition }))
        const list = async (spec: 'earliest' | 'latest' | { timestamp: number }) =>
          new Map((await admin.listOffsets(tps.map((tp) => ({ ...tp, spec })))).map((o) => [o.partition, o.offset]))
        const earliest = await list('earliest')
        const latest = await list('latest')
        const clamp = (p: number, o: bigint) => {
          const lo = earliest.get(p) ?? 0n
          const hi = latest.get(p) ?? o
          return o < lo ? lo : o > hi ? hi : o
        }
        let target: Map<number, bigint>
        if (flags.toEarliest) target = earliest
        else if (flags.toLatest) target = latest
        else if (flags.toOffset !== undefined) {
          const n = BigInt(intFlag('--to-offset', flags.toOffset))
          target = new Map(tps.map((tp) => [tp.partition, clamp(tp.partition, n)]))
        } else if (flags.toDatetime !== undefined) {
          const ts = Date.parse(flags.toDatetime)
          if (Number.isNaN(ts)) throw new UsageError(`--to-datetime: cannot parse "${flags.toDatetime}"`)
          const byTime = await list({ timestamp: ts })
          // No record at or after the time: the log end, as kafka-consumer-groups does.
          target = new Map(
            tps.map((tp) => [
              tp.partition,
              (byTime.get(tp.partition) ?? -1n) < 0n ? latest.get(tp.partition)! : byTime.get(tp.partition)!,
            ]),
          )
        } else {
          const shift = BigInt(intFlag('--shift-by', flags.shiftBy))
          const committed = new Map(
            (await admin.listConsumerGroupOffsets(groupId, tps)).map((c) => [c.partition, c.offset]),
          )
          target = new Map(
            tps.map((tp) => {
              const c = committed.get(tp.partition)
              const from = c !== undefined && c >= 0n ? c : (latest.get(tp.partition) ?? 0n)
              return [tp.partition, clamp(tp.partition, from + shift)]
            }),
          )
        }
        if (flags.execute) {
          const [desc] = await admin.describeGroups([groupId])
          if (desc && !['Empty', 'Dead'].includes(desc.state)) {
            throw new KafkaError(
              `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${desc.state}.`,
              'ERR_GROUP_NOT_INACTIVE',
            )
          }
          await admin.alterConsumerGroupOffsets(
            groupId,
            tps.map((tp) => ({ ...tp, offset: target.get(tp.partition)! })),
          )
        }
        const rows = tps.map((tp) => [groupId, topic, tp.partition, target.get(tp.partition)])
        process.stdout.write(`${renderTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], rows)}\n`)
        if (!flags.execute) process.stderr.write('Dry run: nothing changed (add --execute to commit these offsets).\n')
      })
    })

  withCommonOptions(groups.command('delete').description('delete an empty consumer group'))
    .requiredOption('--group <id>', 'group id')
    .action(async (flags: GroupFlags) => {
      await withAdmin(flags, async (admin) => {
        await admin.deleteGroups([flags.group!])
        process.stdout.write(`Deleted group ${flags.group}.\n`)
      })
    })
}

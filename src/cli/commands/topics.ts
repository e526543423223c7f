/** `kafka-wire topics create|list|describe|delete|alter` — what kafka-topics.sh does. */
import type { Command } from 'commander'
import { Admin } from '../../admin/index.js'
import { clientOptions, collectKeyValue, intFlag, UsageError, withCommonOptions } from '../common.js'
import { renderTable } from '../table.js'

interface TopicFlags {
  topic?: string
  partitions?: string
  replicationFactor?: string
  config?: Record<string, string>
  deleteConfig?: string[]
  includeInternal?: boolean
  ifNotExists?: boolean
  bootstrapServer?: string
  commandConfig?: string
}

async function withAdmin<T>(flags: TopicFlags, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(clientOptions(flags) as ConstructorParameters<typeof Admin>[0])
  try {
    return await fn(admin)
  } finally {
    await admin.close()
  }
}

function requireTopic(flags: TopicFlags): string {
  if (!flags.topic) throw new UsageError('--topic is required')
  return flags.topic
}

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('create, list, describe, alter and delete topics')

  withCommonOptions(topics.command('create').description('create a topic'))
    .requiredOption('--topic <name>', 'topic name')
    .option('--partitions <n>', 'number of partitions (broker default if omitted)')
    .option('--replication-factor <n>', 'replication factor (broker default if omitted)')
    .option('--config <k=v>', 'topic config, repeatable', collectKeyValue)
    .option('--if-not-exists', 'succeed if the topic already exists')
    .action(async (flags: TopicFlags) => {
      const topic = requireTopic(flags)
      await withAdmin(flags, async (admin) => {
        const created = await admin.createTopics(
          [
            {
              topic,
              numPartitions: intFlag('--partitions', flags.partitions, -1),
              replicationFactor: intFlag('--replication-factor', flags.replicationFactor, -1),
              configs: flags.config ?? {},
            },
          ],
          { ifNotExists: flags.ifNotExists ?? false },
        )
        if (created.length === 0) return
        process.stdout.write(`Created topic ${topic}.\n`)
      })
    })

  withCommonOptions(topics.command('list').description('list topic names'))
    .option('--include-internal', 'include internal topics such as __consumer_offsets')
    .action(async (flags: TopicFlags) => {
      await withAdmin(flags, async (admin) => {
        const list = await admin.listTopics({ includeInternal: Boolean(flags.includeInternal) })
        for (const t of list.map((l) => l.topic).sort()) process.stdout.write(`${t}\n`)
      })
    })

  withCommonOptions(topics.command('describe').description('partitions, leaders, replicas, ISR and configs'))
    .option('--topic <name>', 'topic (all topics if omitted)')
    .action(async (flags: TopicFlags) => {
      await withAdmin(flags, async (admin) => {
        const names = flags.topic ? [flags.topic] : (await admin.listTopics()).map((t) => t.topic).sort()
        if (names.length === 0) return
        const described = await admin.describeTopics(names, { includeConfigs: true })
        for (const d of described) {
          const configs = Object.values(d.configs ?? {})
            .filter((c) => !c.isDefault)
            .map((c) => `${c.name}=${c.sensitive ? '******' : c.value}`)
          const rf = d.partitions[0]?.replicas.length ?? 0
          process.stdout.write(
            `Topic: ${d.topic}\tTopicId: ${d.topicId}\tPartitionCount: ${d.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${configs.join(',')}\n`,
          )
          const rows = d.partitions.map((p) => [
            d.topic,
            p.partition,
            p.leader ?? 'none',
            p.replicas.join(','),
            p.isr.join(','),
            p.offlineReplicas.join(',') || '',
          ])
          process.stdout.write(
            `${renderTable(['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'OFFLINE'], rows)
              .split('\n')
              .map((l) => `\t${l}`)
              .join('\n')}\n`,
          )
        }
      })
    })

  withCommonOptions(topics.command('alter').description('add partitions or change topic configs'))
    .requiredOption('--topic <name>', 'topic name')
    .option('--partitions <n>', 'new total number of partitions')
    .option('--config <k=v>', 'set a topic config, repeatable', collectKeyValue)
    .option('--delete-config <k>', 'remove a topic config override, repeatable', (v: string, p: string[] = []) => [
      ...p,
      v,
    ])
    .action(async (flags: TopicFlags) => {
      const topic = requireTopic(flags)
      if (!flags.partitions && !flags.config && !flags.deleteConfig) {
        throw new UsageError('alter needs --partitions, --config or --delete-config')
      }
      await withAdmin(flags, async (admin) => {
        if (flags.partitions) {
          await admin.createPartitions([{ topic, count: intFlag('--partitions', flags.partitions) }])
        }
        const ops = [
          ...Object.entries(flags.config ?? {}).map(([name, value]) => ({ name, value, op: 'set' as const })),
          ...(flags.deleteConfig ?? []).map((name) => ({ name, op: 'delete' as const })),
        ]
        if (ops.length > 0) await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops }])
        process.stdout.write(`Altered topic ${topic}.\n`)
      })
    })

  withCommonOptions(topics.command('delete').description('delete a topic'))
    .requiredOption('--topic <name>', 'topic name')
    .action(async (flags: TopicFlags) => {
      const topic = requireTopic(flags)
      await withAdmin(flags, async (admin) => {
        await admin.deleteTopics([topic])
        process.stdout.write(`Deleted topic ${topic}.\n`)
      })
    })
}

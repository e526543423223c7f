/**
 * Consumer-group lag: per partition, the group's committed offset, the log end offset and the
 * difference — what `kafka-consumer-groups --describe` prints (Java computes it in the tool, from
 * describeConsumerGroups + listConsumerGroupOffsets + listOffsets; here it is one admin call
 * composed of those three operations, and the CLI's `groups describe` uses it).
 */
import { topicPartitionKey } from '../internal/topic-partition.js'
import { AdminAggregateError } from './errors.js'
import { describeGroupsOperation } from './groups.js'
import { listConsumerGroupOffsetsOperation, listOffsetsOperation } from './offsets.js'
import type { CompositeCall } from './operation.js'
import type { ConsumerGroupLag, ConsumerGroupLagOptions } from './types.js'

export function listConsumerGroupLagCall(
  groupId: string,
  options: ConsumerGroupLagOptions,
): CompositeCall<ConsumerGroupLag[]> {
  // Validates the group id before connecting.
  const describe = describeGroupsOperation([groupId])
  return {
    name: 'listConsumerGroupLag',
    async run(ctx) {
      // One group: its error (e.g. GROUP_ID_NOT_FOUND, naming it) is thrown as it is.
      const [description] = await ctx.run(describe).catch((e: unknown) => {
        throw e instanceof AdminAggregateError && e.errors.length === 1 ? e.errors[0] : e
      })
      const committed = await ctx.run(listConsumerGroupOffsetsOperation(groupId, null, {}))
      const rows = new Map<string, ConsumerGroupLag>()
      // Partitions with a committed offset, then assigned partitions without one (as the Java tool shows them).
      for (const c of committed) {
        rows.set(topicPartitionKey(c.topic, c.partition), {
          topic: c.topic,
          partition: c.partition,
          committedOffset: c.offset >= 0n ? c.offset : null,
          logEndOffset: null,
          lag: null,
          memberId: null,
        })
      }
      for (const m of description?.members ?? []) {
        for (const tp of m.assignment) {
          for (const p of tp.partitions) {
            const k = topicPartitionKey(tp.topic, p)
            const row = rows.get(k) ?? {
              topic: tp.topic,
              partition: p,
              committedOffset: null,
              logEndOffset: null,
              lag: null,
              memberId: null,
            }
            row.memberId = m.memberId
            rows.set(k, row)
          }
        }
      }
      if (rows.size > 0) {
        const ends = await ctx.run(
          listOffsetsOperation(
            [...rows.values()].map((r) => ({ topic: r.topic, partition: r.partition, spec: 'latest' as const })),
            { isolationLevel: options.isolationLevel },
          ),
        )
        for (const e of ends) {
          const row = rows.get(topicPartitionKey(e.topic, e.partition))
          if (row === undefined || e.offset < 0n) continue
          row.logEndOffset = e.offset
          // As Java's tool: not clamped (a committed offset past the end, e.g. after truncation, shows as negative).
          if (row.committedOffset !== null) row.lag = e.offset - row.committedOffset
        }
      }
      return [...rows.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    },
  }
}

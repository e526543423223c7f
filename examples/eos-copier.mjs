// Exactly-once consume-transform-produce (docs/transactions.md): reads `input` in a consumer
// group with read_committed, writes each record (upper-cased) to `output` and commits the
// consumed offsets in the same transaction. Kill it at any moment and start it again with the
// same transactionalId: initTransactions() fences the old instance and aborts its open
// transaction, so the output read with read_committed has every input record exactly once.
//
//   node examples/eos-copier.mjs <bootstrap> <input> <output> <groupId> <transactionalId>
import { Consumer, Producer } from 'kafka-wire'

const [bootstrapServers, input, output, groupId, transactionalId] = process.argv.slice(2)
if (!transactionalId) {
  console.error('usage: eos-copier.mjs <bootstrap> <input> <output> <groupId> <transactionalId>')
  process.exit(2)
}

const consumer = new Consumer({
  bootstrapServers,
  groupId,
  enableAutoCommit: false,
  autoOffsetReset: 'earliest',
  isolationLevel: 'read_committed', // never copy records of aborted transactions
  sessionTimeoutMs: 6000,
})
const producer = new Producer({ bootstrapServers, transactionalId, lingerMs: 5 })

await producer.initTransactions()
consumer.subscribe([input])
process.stdout.write('ready\n')

for (;;) {
  const records = await consumer.poll(500)
  if (records.count === 0) continue
  try {
    await producer.transaction(async () => {
      const next = new Map()
      for (const r of records) {
        producer.send({ topic: output, key: r.key, value: r.value?.toString().toUpperCase() ?? null })
        next.set(`${r.topic}\u0000${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1n })
      }
      // The consumed offsets commit with the output records, or neither does.
      await producer.sendOffsetsToTransaction([...next.values()], consumer.groupMetadata())
    })
    process.stdout.write(`committed ${records.count}\n`)
  } catch (err) {
    if (err.category === 'abortable') {
      // Aborted (e.g. a rebalance moved the partitions): rewind to the last committed offsets.
      const parts = consumer.assignment()
      const committed = await consumer.committed(parts)
      for (const c of committed) if (c.offset !== null) consumer.seek(c, c.offset)
      continue
    }
    throw err // fenced or fatal: this instance is done
  }
}

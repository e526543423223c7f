/** Helpers of the transaction tests: read a topic to its end with our Consumer at an isolation level. */
import { Consumer } from '../../../src/consumer/index.js'

/** Every value of `topic` (all partitions) up to the end (the LSO for read_committed). */
export async function readAll(
  servers: string,
  topic: string,
  partitions: number,
  isolationLevel: 'read_committed' | 'read_uncommitted',
): Promise<string[]> {
  const consumer = new Consumer<string | null, string | null>({
    bootstrapServers: servers,
    isolationLevel,
    autoOffsetReset: 'earliest',
    valueDeserializer: (b) => b?.toString() ?? null,
  })
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }))
    consumer.assign(tps)
    const ends = await consumer.endOffsets(tps)
    const out: string[] = []
    const deadline = Date.now() + 30_000
    for (;;) {
      for (const r of await consumer.poll(300)) out.push(r.value ?? '')
      const pos = await Promise.all(tps.map((tp) => consumer.position(tp)))
      // At or past the end seen at the start (a transaction committed meanwhile moves the LSO on).
      if (pos.every((p, i) => p >= (ends[i]!.offset ?? 0n))) break
      if (Date.now() > deadline) throw new Error(`positions ${pos} never reached ${ends.map((e) => e.offset)}`)
    }
    return out
  } finally {
    await consumer.close()
  }
}

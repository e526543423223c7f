// Interop with the Java client: keyed records land on the partitions the Java producer picks
// (10,000+ keys through both), unkeyed records follow the same sticky pattern, and every
// compression type we write is read back by the Java console consumer.
import { describe, expect, inject, it } from 'vitest'
import { Producer } from '../../../src/producer/index.js'
import { JAVA_TOOLS, javaTool } from '../../../src/testing/index.js'
import { createTopic, readTopic, uniqueName } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const libDir = inject('kafkaLibDir')

const KEYS = 12_000
const PARTITIONS = 7

function keyFor(i: number): string {
  // Varied lengths (0..40 bytes, all murmur2 tail cases), ASCII and multi-byte UTF-8.
  const base = `k${i}-${(i * 2654435761) % 100003}`
  if (i % 5 === 0) return `${base}-é漢字-${i % 7}`
  return base.repeat(1 + (i % 3)).slice(0, i % 41)
}

describe.skipIf(!libDir)('Java client compatibility', () => {
  it(`keyed records: ${KEYS} keys land on the same partitions as with the Java producer`, async () => {
    const ours = uniqueName('compat-ours')
    const java = uniqueName('compat-java')
    await createTopic(bootstrapServers, ours, PARTITIONS)
    await createTopic(bootstrapServers, java, PARTITIONS)
    // Distinct non-empty keys without the separator or newlines.
    const keys = [...new Set(Array.from({ length: KEYS }, (_, i) => keyFor(i)).filter((k) => k.length > 0))]
    expect(keys.length).toBeGreaterThanOrEqual(10_000)

    const producer = new Producer({ bootstrapServers, lingerMs: 20 })
    try {
      await Promise.all(keys.map((key, i) => producer.send({ topic: ours, key, value: `v${i}` })))
    } finally {
      await producer.close()
    }

    const input = `${keys.map((k, i) => `${k}\t${'v'}${i}`).join('\n')}\n`
    const r = await javaTool(
      libDir,
      JAVA_TOOLS.consoleProducer,
      [
        '--bootstrap-server',
        bootstrapServers,
        '--topic',
        java,
        '--property',
        'parse.key=true',
        '--property',
        'key.separator=\t',
        '--producer-property',
        'linger.ms=20',
      ],
      { input, timeoutMs: 240_000 },
    )
    expect(r.code, r.stderr).toBe(0)

    const [a, b] = await Promise.all([
      readTopic(bootstrapServers, ours, { minRecords: keys.length }),
      readTopic(bootstrapServers, java, { minRecords: keys.length }),
    ])
    expect(a).toHaveLength(keys.length)
    expect(b).toHaveLength(keys.length)
    const javaPartition = new Map(b.map((rec) => [rec.key!.toString('utf8'), rec.partition]))
    let mismatches = 0
    for (const rec of a) if (javaPartition.get(rec.key!.toString('utf8')) !== rec.partition) mismatches++
    expect(mismatches).toBe(0)
    // Every partition got keys (the hash spreads them).
    expect(new Set(a.map((rec) => rec.partition)).size).toBe(PARTITIONS)
  }, 300_000)

  it('unkeyed records: sticky runs of about batchSize bytes per partition, like the Java producer', async () => {
    const ours = uniqueName('sticky-ours')
    const java = uniqueName('sticky-java')
    // 12 partitions: the next sticky partition is a uniform random pick that may repeat the current
    // one (in both clients), merging two sticky periods into one run; with 12 that is rare enough
    // for the typical run to be one period (with 4, a quarter of the switches repeated).
    const partitions = 12
    await createTopic(bootstrapServers, ours, partitions)
    await createTopic(bootstrapServers, java, partitions)
    const n = 4000
    // 100-byte values carrying their send index, to rebuild the send order after reading back.
    const value = (i: number) => String(i).padEnd(100, 'x')
    const producer = new Producer({ bootstrapServers, lingerMs: 50 })
    try {
      // Warm-up, one record per partition: until a partition acknowledged its first batch from this
      // producer, it takes one batch at a time (see ProducerState.canDrain), and the adaptive
      // partitioner (KIP-794) would steer the burst by that start-up imbalance instead.
      await Promise.all(
        Array.from({ length: partitions }, (_, partition) =>
          producer.send({ topic: ours, partition, value: 'warm-up' }),
        ),
      )
      // Sent in one burst, as the console producer's reader loop sends.
      await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic: ours, value: value(i) })))
    } finally {
      await producer.close()
    }
    const r = await javaTool(
      libDir,
      JAVA_TOOLS.consoleProducer,
      ['--bootstrap-server', bootstrapServers, '--topic', java, '--producer-property', 'linger.ms=50'],
      { input: `${Array.from({ length: n }, (_, i) => value(i)).join('\n')}\n`, timeoutMs: 240_000 },
    )
    expect(r.code, r.stderr).toBe(0)
    /** Lengths of the runs of consecutive records (in send order) that went to one partition. */
    const runs = async (topic: string) => {
      const recs = (
        await readTopic(bootstrapServers, topic, { minRecords: n + (topic === ours ? partitions : 0) })
      ).filter((rec) => rec.value!.toString() !== 'warm-up')
      expect(recs).toHaveLength(n)
      const partitionOf = new Array<number>(n)
      for (const rec of recs) partitionOf[Number.parseInt(rec.value!.toString(), 10)] = rec.partition
      const lengths: number[] = []
      let run = 1
      for (let i = 1; i < n; i++) {
        if (partitionOf[i] === partitionOf[i - 1]) run++
        else {
          lengths.push(run)
          run = 1
        }
      }
      return { lengths, partitions: new Set(partitionOf).size }
    }
    const [ourRuns, javaRuns] = await Promise.all([runs(ours), runs(java)])
    /** The most frequent run length (the smallest one on a tie). */
    const mode = (xs: number[]) => {
      const counts = new Map<number, number>()
      for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1)
      return [...counts].sort(([x, cx], [y, cy]) => cy - cx || x - y)[0]![0]
    }
    // KIP-794: switch once batch.size (16384) bytes went to a partition and its last batch is full,
    // or at 2 × batch.size regardless. In a burst the batch that takes the record crossing 16384
    // bytes is a new, nearly empty one, so both clients switch at the 2× cap: runs of ~2 × 148
    // records (~110 bytes each). A run is a multiple of that when the random pick repeats a
    // partition, so the typical run is the mode, not the median.
    const expected = Math.floor((16384 - 61) / 110)
    for (const [client, x] of [
      ['kafka-wire', ourRuns],
      ['Java', javaRuns],
    ] as const) {
      expect(x.partitions, client).toBeGreaterThanOrEqual(2)
      expect(mode(x.lengths), `${client} runs ${x.lengths.join(',')}`).toBeGreaterThanOrEqual(expected - 10)
      expect(mode(x.lengths), `${client} runs ${x.lengths.join(',')}`).toBeLessThanOrEqual(expected * 2 + 10)
    }
    // Never a switch before batch.size bytes (the last run is cut short by the end of the burst).
    expect(Math.min(...ourRuns.lengths.slice(0, -1)), ourRuns.lengths.join(',')).toBeGreaterThanOrEqual(expected - 10)
    // Same switch point as the Java producer, to within a few records (its timestamp deltas, wider
    // than ours, make its records a byte longer).
    expect(
      Math.abs(mode(ourRuns.lengths) - mode(javaRuns.lengths)),
      `kafka-wire ${ourRuns.lengths.join(',')} / Java ${javaRuns.lengths.join(',')}`,
    ).toBeLessThanOrEqual(10)
  }, 300_000)

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)(
    '%s-compressed batches are read back by the Java console consumer',
    async (compressionType) => {
      const topic = uniqueName(`compress-${compressionType}`)
      await createTopic(bootstrapServers, topic, 2)
      const n = 2000
      const producer = new Producer({ bootstrapServers, compressionType, lingerMs: 10 })
      try {
        await Promise.all(
          Array.from({ length: n }, (_, i) =>
            producer.send({ topic, key: `key-${i}`, value: `value-${i}-${'abc'.repeat(i % 20)}` }),
          ),
        )
      } finally {
        await producer.close()
      }
      const ours = await readTopic(bootstrapServers, topic, { minRecords: n })
      expect(ours).toHaveLength(n)
      const codes = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }
      expect(ours.every((rec) => rec.compression === codes[compressionType])).toBe(true)
      const consumed = await javaTool(
        libDir,
        JAVA_TOOLS.consoleConsumer,
        [
          '--bootstrap-server',
          bootstrapServers,
          '--topic',
          topic,
          '--from-beginning',
          '--max-messages',
          String(n),
          '--timeout-ms',
          '30000',
          '--formatter-property',
          'print.key=true',
          '--formatter-property',
          'print.partition=true',
        ],
        { timeoutMs: 240_000 },
      )
      expect(consumed.code, consumed.stderr).toBe(0)
      const lines = consumed.stdout.trim().split('\n')
      expect(lines).toHaveLength(n)
      const seen = new Map<number, number[]>()
      for (const line of lines) {
        const [partitionField, key, value] = line.split('\t')
        const partition = Number(partitionField!.replace(/^Partition:/, ''))
        const i = Number(key!.slice(4))
        expect(value).toBe(`value-${i}-${'abc'.repeat(i % 20)}`)
        if (!seen.has(partition)) seen.set(partition, [])
        seen.get(partition)!.push(i)
      }
      // Per-partition order = send order.
      for (const list of seen.values()) expect(list).toEqual([...list].sort((x, y) => x - y))
    },
    300_000,
  )
})

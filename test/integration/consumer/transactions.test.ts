// isolationLevel against real transactions. Our producer has no transactions yet, so Apache Kafka's
// Java producer writes them: fixtures/java/TxnProducer.java, compiled with javac against the
// broker's jars at test time. Per partition: a committed transaction, an aborted one, a committed
// one, so the log holds data batches, an aborted batch and three transaction markers (control
// batches). read_committed must skip the aborted records, read_uncommitted must return them, and
// neither may surface a control record; both positions end at the log end offset, past the last
// marker.
import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Consumer } from '../../../src/consumer/index.js'
import type { ConsumerRecord, TopicPartition } from '../../../src/consumer/types.js'
import { createTopic, uniqueName } from './helpers.js'

const run = promisify(execFile)
const bootstrapServers = inject('kafkaBootstrapServers')
const libDir = inject('kafkaLibDir')
const javacAvailable = spawnSync('javac', ['-version']).status === 0
const SOURCE = join(import.meta.dirname, 'fixtures', 'java', 'TxnProducer.java')

const PARTITIONS = 2
const PER_TXN = 5

describe.skipIf(!libDir || !javacAvailable)('read_committed / read_uncommitted with Java-produced transactions', () => {
  let classes: string
  let topic: string
  const tps: TopicPartition[] = []

  beforeAll(async () => {
    classes = mkdtempSync(join(tmpdir(), 'kafka-wire-txn-'))
    await run('javac', ['-cp', `${libDir}/*`, '-d', classes, SOURCE], { timeout: 120_000 })
    topic = uniqueName('txn')
    await createTopic(bootstrapServers, topic, PARTITIONS)
    for (let partition = 0; partition < PARTITIONS; partition++) tps.push({ topic, partition })
    const { stdout } = await run(
      'java',
      [
        '-cp',
        `${classes}:${libDir}/*`,
        'TxnProducer',
        bootstrapServers,
        topic,
        String(PARTITIONS),
        uniqueName('txn-id'),
        `commit:${PER_TXN},abort:${PER_TXN},commit:${PER_TXN}`,
      ],
      { timeout: 120_000 },
    )
    expect(stdout).toContain('done')
  }, 180_000)

  afterAll(() => {
    if (classes) rmSync(classes, { recursive: true, force: true })
  })

  /** Reads until the position of every partition reaches its log end offset; returns the records and positions. */
  async function readToEnd(isolationLevel: 'read_committed' | 'read_uncommitted') {
    const consumer = new Consumer<string | null, string | null>({
      bootstrapServers,
      isolationLevel,
      autoOffsetReset: 'earliest',
      keyDeserializer: (b) => b?.toString() ?? null,
      valueDeserializer: (b) => b?.toString() ?? null,
    })
    try {
      consumer.assign(tps)
      // Every transaction is complete, so the last stable offset is the log end offset.
      const ends = await consumer.endOffsets(tps)
      const records: ConsumerRecord<string | null, string | null>[] = []
      const positions = async () => Promise.all(tps.map((tp) => consumer.position(tp)))
      const deadline = Date.now() + 60_000
      for (;;) {
        for (const r of await consumer.poll(500)) records.push(r)
        const pos = await positions()
        if (pos.every((p, i) => p === ends[i]!.offset)) break
        if (Date.now() > deadline) throw new Error(`positions ${pos} never reached ${ends.map((e) => e.offset)}`)
      }
      // Nothing more comes once at the end.
      for (const r of await consumer.poll(300)) records.push(r)
      return { records, positions: await positions(), ends: ends.map((e) => e.offset) }
    } finally {
      await consumer.close()
    }
  }

  const expected = (partition: number, steps: [number, string][]) =>
    steps.flatMap(([step, kind]) => Array.from({ length: PER_TXN }, (_, i) => `${step}-${kind}-p${partition}-${i}`))

  it('read_committed skips the aborted transaction and never surfaces a marker; position ends at the log end', async () => {
    const { records, positions, ends } = await readToEnd('read_committed')
    // Three markers per partition: 3 × PER_TXN records + 3 control records in the log.
    expect(ends).toEqual(tps.map(() => BigInt(3 * PER_TXN + 3)))
    expect(positions).toEqual(ends)
    for (const { partition } of tps) {
      const mine = records.filter((r) => r.partition === partition)
      expect(mine.map((r) => r.value)).toEqual(
        expected(partition, [
          [0, 'commit'],
          [2, 'commit'],
        ]),
      )
      // Offsets: the first transaction at 0..4, its marker at 5, the aborted records at 6..10
      // and their marker at 11, the last transaction at 12..16, its marker at 17.
      expect(mine.map((r) => Number(r.offset))).toEqual([0, 1, 2, 3, 4, 12, 13, 14, 15, 16])
      expect(mine.every((r) => r.key?.startsWith('k'))).toBe(true)
    }
  })

  it('read_uncommitted returns the aborted records too, and no marker either', async () => {
    const { records, positions, ends } = await readToEnd('read_uncommitted')
    expect(positions).toEqual(ends)
    for (const { partition } of tps) {
      const mine = records.filter((r) => r.partition === partition)
      expect(mine.map((r) => r.value)).toEqual(
        expected(partition, [
          [0, 'commit'],
          [1, 'abort'],
          [2, 'commit'],
        ]),
      )
      expect(mine.map((r) => Number(r.offset))).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16])
    }
  })

  it('a read_committed group member commits positions past the markers; a restart reads nothing again', async () => {
    const groupId = uniqueName('g-txn')
    const make = () =>
      new Consumer<string | null, string | null>({
        bootstrapServers,
        groupId,
        isolationLevel: 'read_committed',
        autoOffsetReset: 'earliest',
        enableAutoCommit: false,
        valueDeserializer: (b) => b?.toString() ?? null,
      })
    const first = make()
    const seen: string[] = []
    try {
      first.subscribe([topic])
      const deadline = Date.now() + 60_000
      while (seen.length < PARTITIONS * 2 * PER_TXN && Date.now() < deadline) {
        for (const r of await first.poll(500)) seen.push(r.value!)
      }
      // Poll on until the positions have moved past the final markers, then commit them.
      const end = BigInt(3 * PER_TXN + 3)
      while (Date.now() < deadline) {
        const pos = await Promise.all(tps.map((tp) => first.position(tp)))
        if (pos.every((p) => p === end)) break
        await first.poll(200)
      }
      await first.commitSync()
      const committed = await first.committed(tps)
      expect(committed.map((c) => c.offset)).toEqual(tps.map(() => end))
    } finally {
      await first.close()
    }
    expect(seen.filter((v) => v.includes('abort'))).toEqual([])
    expect(seen).toHaveLength(PARTITIONS * 2 * PER_TXN)

    const second = make()
    try {
      second.subscribe([topic])
      const again: string[] = []
      const until = Date.now() + 5000
      while (Date.now() < until) for (const r of await second.poll(500)) again.push(r.value!)
      expect(again).toEqual([])
      expect(second.assignment()).toHaveLength(PARTITIONS)
    } finally {
      await second.close()
    }
  })
})

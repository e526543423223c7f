// Interop of exactly-once consume-transform-produce with Apache Kafka's own system-test copier,
// org.apache.kafka.tools.TransactionalMessageCopier (the kafka-tools jar of the kit), on the real
// broker: the Java copier and a kafka-wire copier (Consumer + transactional Producer with
// sendOffsetsToTransaction) share ONE consumer group on one input topic and write to one output
// topic, with aborted transactions on both sides (Java's --enable-random-aborts, every third
// kafka-wire transaction). Then a read_committed kafka-wire reader and Java's read_committed
// ConsoleConsumer each see every input record exactly once in the output, and both copiers did
// part of the work.
//
// Why the kafka-wire copier pauses until the Java copier has its partitions: the Java tool in
// --group-mode counts what it has to copy once, when partitions are assigned to it, and exits at
// zero. kafka-wire joins first (all partitions, paused), the Java copier joins (the range
// assignor gives each member half) and reports `RebalanceComplete` with `remaining` > 0; only
// then does kafka-wire copy its half. So each copier owns input partitions that only it copies,
// whatever the machine's speed; when the Java copier is done it leaves and kafka-wire takes over
// its partitions from the offsets committed in Java's transactions.
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { Consumer } from '../../../src/consumer/index.js'
import type { TopicPartition } from '../../../src/consumer/types.js'
import { Producer } from '../../../src/producer/index.js'
import { JAVA_TOOLS, javaTool, spawnJavaTool } from '../../../src/testing/index.js'
import { createTopic, uniqueName } from './helpers.js'
import { readAll } from './txn-helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const libDir = inject('kafkaLibDir')
const TRANSACTIONAL_MESSAGE_COPIER = 'org.apache.kafka.tools.TransactionalMessageCopier'

const RECORDS = 2000
const PARTITIONS = 4
/** kafka-wire's output values carry this prefix, to tell which copier wrote a record. */
const KW = 'kw:'

/** One of the JSON lines the Java copier prints (statusAsJson). */
interface CopierStatus {
  transactionalId: string
  stage: 'ProcessLoop' | 'RebalanceComplete' | 'ShutdownComplete'
  totalProcessed: number
  consumed: number
  remaining: number
}

describe("interop with Apache Kafka's TransactionalMessageCopier", () => {
  it.skipIf(!libDir)(
    'Java and kafka-wire copiers share a group; read_committed readers (both clients) see every input record once',
    async () => {
      const input = uniqueName('tmc-in')
      const output = uniqueName('tmc-out')
      const groupId = uniqueName('tmc-group')
      await createTopic(bootstrapServers, input, PARTITIONS)
      await createTopic(bootstrapServers, output, PARTITIONS) // the Java copier keeps the input partition
      const values = Array.from({ length: RECORDS }, (_, i) => `r-${i}`)
      const seed = new Producer<string, string>({ bootstrapServers, lingerMs: 5 })
      try {
        await Promise.all(values.map((v, i) => seed.send({ topic: input, key: `k-${i % 97}`, value: v })))
      } finally {
        await seed.close()
      }

      let gateOpen = false
      const consumer = new Consumer<string | null, string | null>({
        bootstrapServers,
        groupId,
        enableAutoCommit: false,
        autoOffsetReset: 'earliest',
        isolationLevel: 'read_committed',
        maxPollRecords: 50,
        keyDeserializer: (b) => b?.toString() ?? null,
        valueDeserializer: (b) => b?.toString() ?? null,
      })
      const producer = new Producer<string | null, string>({
        bootstrapServers,
        transactionalId: `kw-copier-${randomUUID()}`,
        lingerMs: 5,
      })
      const statuses: CopierStatus[] = []
      let java: Awaited<ReturnType<typeof spawnJavaTool>> | undefined
      try {
        consumer.subscribe([input], {
          // Until the Java copier holds its half, kafka-wire copies nothing (see the header).
          onPartitionsAssigned: (partitions) => {
            if (!gateOpen) consumer.pause(partitions)
          },
        })
        await producer.initTransactions()
        while (consumer.assignment().length < PARTITIONS) expect((await consumer.poll(100)).count).toBe(0)

        java = await spawnJavaTool(
          libDir!,
          TRANSACTIONAL_MESSAGE_COPIER,
          [
            '--broker-list',
            bootstrapServers,
            '--input-topic',
            input,
            '--input-partition',
            '0', // required by the tool, ignored in --group-mode
            '--output-topic',
            output,
            '--consumer-group',
            groupId,
            '--group-mode',
            '--use-group-metadata', // consumer.groupMetadata(): generation-fenced TxnOffsetCommit (KIP-447)
            '--transactional-id',
            `java-copier-${randomUUID()}`,
            '--transaction-size',
            '50',
            '--enable-random-aborts',
          ],
          { heapMb: 256 },
        )
        const javaDone = (async () => {
          for await (const line of java.lines()) {
            if (!line.startsWith('{')) continue
            statuses.push(JSON.parse(line) as CopierStatus)
          }
        })()
        let javaHasExited = false
        const javaExited = java.exited.then((e) => {
          javaHasExited = true
          return e
        })

        // kafka-wire keeps polling (paused) so the rebalance the Java member starts completes.
        const javaHolds = () => statuses.some((s) => s.stage === 'RebalanceComplete' && s.remaining > 0)
        while (!javaHolds()) {
          expect(javaHasExited, 'the Java copier exited before it was assigned input').toBe(false)
          expect((await consumer.poll(100)).count).toBe(0)
        }
        const mine = consumer.assignment()
        expect(mine.length).toBeGreaterThan(0)
        expect(mine.length).toBeLessThan(PARTITIONS)
        gateOpen = true
        consumer.resume(mine)

        // Copy until the Java copier is done and the group's committed offsets reach the end.
        const all: TopicPartition[] = Array.from({ length: PARTITIONS }, (_, partition) => ({
          topic: input,
          partition,
        }))
        let transactions = 0
        for (;;) {
          const records = await consumer.poll(200)
          if (records.count === 0) {
            if (!javaHasExited) continue
            const [committed, ends] = await Promise.all([consumer.committed(all), consumer.endOffsets(all)])
            if (committed.every((c, i) => c.offset === ends[i]!.offset)) break
            continue
          }
          let abort = ++transactions % 3 === 0
          try {
            producer.beginTransaction()
            for (const r of records) producer.send({ topic: output, key: r.key, value: `${KW}${r.value}` })
            await producer.sendOffsetsToTransaction(records.nextOffsets(), consumer.groupMetadata())
            if (abort) await producer.abortTransaction()
            else await producer.commitTransaction()
          } catch (err) {
            // A rebalance (the Java copier leaving) fences the offsets: abort and re-read.
            if ((err as { category?: string }).category !== 'abortable') throw err
            await producer.abortTransaction()
            abort = true
          }
          if (abort) {
            // Rewind to the committed offsets, as after any abort (Java's resetToLastCommittedPositions).
            const owned = consumer.assignment()
            const committed = await consumer.committed(owned)
            for (const c of committed) consumer.seek(c, c.offset ?? 0n)
          }
        }

        const exit = await javaExited
        await javaDone
        expect(exit, JSON.stringify(statuses.slice(-3))).toEqual({ code: 0, signal: null })
      } finally {
        await java?.kill('SIGKILL')
        await producer.close()
        await consumer.close()
      }

      // Both copiers did part of the work, and aborted some (so the output has aborted records).
      const committedOut = await readAll(bootstrapServers, output, PARTITIONS, 'read_committed')
      const uncommittedOut = await readAll(bootstrapServers, output, PARTITIONS, 'read_uncommitted')
      const byJava = committedOut.filter((v) => !v.startsWith(KW)).length
      expect(byJava).toBeGreaterThan(0)
      expect(committedOut.length - byJava).toBeGreaterThan(0)
      expect(uncommittedOut.length).toBeGreaterThan(RECORDS)
      const sorted = (vs: string[]) => vs.map((v) => (v.startsWith(KW) ? v.slice(KW.length) : v)).sort()
      expect(sorted(committedOut)).toEqual([...values].sort())

      // Java's read_committed console consumer: one more than there are, so a duplicate would show.
      const consumed = await javaTool(
        libDir!,
        JAVA_TOOLS.consoleConsumer,
        [
          '--bootstrap-server',
          bootstrapServers,
          '--topic',
          output,
          '--from-beginning',
          '--isolation-level',
          'read_committed',
          '--max-messages',
          String(RECORDS + 1),
          '--timeout-ms',
          '10000',
        ],
        { timeoutMs: 120_000 },
      )
      const javaRead = consumed.stdout.trim().split('\n')
      expect(javaRead.length, consumed.stderr).toBe(RECORDS)
      expect(sorted(javaRead)).toEqual([...values].sort())
    },
    300_000,
  )
})

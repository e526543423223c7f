/**
 * The transactional chaos run (issues #15, #19): on a 3-node cluster a transactional producer
 * writes sequenced records in transactions of `perTransaction`, while the transaction coordinator
 * of its transactional id (and, in turn, a partition leader) is SIGKILLed and restarted, in series.
 * The producer reacts to errors the way docs/transactions.md tells applications to (KIP-1050):
 * abortable → abortTransaction() and retry the same records; fenced or fatal → close, a new
 * producer with the same transactionalId, initTransactions(), retry. At the end a read_committed
 * reader audits the output: every sequence number exactly once, nothing from an aborted attempt.
 */
import { Admin, TransactionsAdmin } from '../../../src/admin/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { KafkaError } from '../../../src/errors.js'
import { Producer } from '../../../src/producer/index.js'
import type { KafkaCluster } from '../../../src/testing/index.js'

export interface TransactionalChaosResult {
  transactions: number
  committed: number
  aborted: number
  producersCreated: number
  kills: { victim: number; role: string }[]
  inLog: number
  missing: number
  duplicated: number
  errors: string[]
}

export async function runTransactionalChaos(
  kafka: KafkaCluster,
  opts: { kills: number; transactions: number; perTransaction: number; log?: (line: string) => void },
): Promise<TransactionalChaosResult> {
  const log = opts.log ?? (() => {})
  const stamp = Date.now().toString(36)
  const topic = `txn-chaos-${stamp}`
  const transactionalId = `txn-chaos-${stamp}`
  const bootstrapServers = kafka.bootstrapServers
  const admin = new Admin({ bootstrapServers })
  const txnAdmin = new TransactionsAdmin({ bootstrapServers })
  await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }])

  const errors: string[] = []
  let producersCreated = 0
  const newProducer = async (): Promise<Producer<string, string>> => {
    for (;;) {
      const p = new Producer<string, string>({
        bootstrapServers,
        transactionalId,
        transactionTimeoutMs: 60_000,
        requestTimeoutMs: 10_000,
        maxBlockMs: 60_000,
        lingerMs: 2,
      })
      producersCreated++
      try {
        await p.initTransactions()
        return p
      } catch (err) {
        errors.push(`initTransactions: ${(err as Error).message}`)
        await p.close({ timeoutMs: 5000 }).catch(() => {})
      }
    }
  }

  let producer = await newProducer()
  let committed = 0
  let aborted = 0
  let done = false
  const total = opts.transactions * opts.perTransaction
  const writing = (async () => {
    for (let t = 0; t < opts.transactions; t++) {
      const from = t * opts.perTransaction
      for (;;) {
        try {
          producer.beginTransaction()
          const sends = Array.from({ length: opts.perTransaction }, (_, i) =>
            producer.send({ topic, key: String(from + i), value: String(from + i) }),
          )
          // A record's own failure also surfaces as the commit's (abortable) error.
          for (const s of sends) s.catch(() => {})
          await producer.commitTransaction()
          committed++
          break
        } catch (err) {
          const category = (err as { category?: string }).category
          errors.push(`${category ?? (err as Error).name}: ${(err as Error).message}`.slice(0, 200))
          if (category === 'abortable') {
            try {
              await producer.abortTransaction()
              aborted++
              continue
            } catch (abortErr) {
              errors.push(`abortTransaction: ${(abortErr as Error).message}`.slice(0, 200))
            }
          }
          // Fenced, fatal, or an abort that failed: a new instance takes over (its init aborts what is open).
          await producer.close({ timeoutMs: 5000 }).catch(() => {})
          if (!(err instanceof KafkaError) && category === undefined) throw err
          producer = await newProducer()
          aborted++
        }
      }
    }
    done = true
  })()

  const kills: TransactionalChaosResult['kills'] = []
  for (let k = 0; k < opts.kills && !done; k++) {
    await new Promise((r) => setTimeout(r, 3000))
    const coordinator = k % 2 === 0
    let victim: number
    if (coordinator) {
      const [d] = await txnAdmin.describeTransactions([transactionalId]).catch(() => [undefined])
      victim = d?.coordinatorId ?? 1
    } else {
      const [t] = await admin.describeTopics([topic])
      victim = t!.partitions[k % 3]!.leader ?? 1
      if (victim < 0) victim = 1
    }
    const role = coordinator ? 'transaction coordinator' : 'partition leader'
    log(`kill ${k + 1}/${opts.kills}: node ${victim} (${role}), ${committed} transactions committed`)
    kills.push({ victim, role })
    await kafka.kill(victim)
    await new Promise((r) => setTimeout(r, 2000))
    await kafka.startNode(victim)
  }
  await writing
  await producer.close()

  // Audit: read_committed to the last stable offset of every partition.
  const reader = new Consumer<string, string>({
    bootstrapServers,
    isolationLevel: 'read_committed',
    autoOffsetReset: 'earliest',
    valueDeserializer: (b) => b?.toString() ?? '',
  })
  const seen = new Map<number, number>()
  try {
    const tps = [0, 1, 2].map((partition) => ({ topic, partition }))
    reader.assign(tps)
    const ends = await reader.endOffsets(tps)
    const deadline = Date.now() + 120_000
    for (;;) {
      for (const r of await reader.poll(500)) seen.set(Number(r.value), (seen.get(Number(r.value)) ?? 0) + 1)
      const pos = await Promise.all(tps.map((tp) => reader.position(tp)))
      if (pos.every((p, i) => p >= ends[i]!.offset!)) break
      if (Date.now() > deadline) throw new Error('the read_committed reader did not reach the end')
    }
  } finally {
    await reader.close()
    await admin.close()
    await txnAdmin.close()
  }
  let missing = 0
  for (let s = 0; s < total; s++) if (!seen.has(s)) missing++
  let duplicated = 0
  for (const n of seen.values()) if (n > 1) duplicated += n - 1
  return {
    transactions: opts.transactions,
    committed,
    aborted,
    producersCreated,
    kills,
    inLog: [...seen.values()].reduce((a, b) => a + b, 0),
    missing,
    duplicated,
    errors,
  }
}

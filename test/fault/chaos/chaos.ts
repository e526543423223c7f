/**
 * The chaos run (issue #19): on a 3-node cluster, an idempotent acks=all producer writes
 * sequenced records while a two-member consumer group reads and commits them, and nodes are
 * SIGKILLed one after another — the leader of a partition, the group coordinator, the active
 * controller, in turn — each restarted (same data dir) before the next kill. At the end the log
 * and the group are audited, not eyeballed:
 *
 * - lost: acknowledged sequence numbers missing from the log;
 * - duplicated: sequence numbers present more than once in the log;
 * - reordered: per key (one key → one partition), sequence numbers not increasing in log order;
 * - missed: records in the log the group never handed to a member;
 * - uncommitted: partitions whose final committed offset is not the end of the log;
 * - doubleOwned: a member was given a partition another member still owned.
 *
 * Used by test/fault/chaos/rolling-kills.test.ts (a bounded run in CI) and `npm run chaos`.
 */
import { Admin } from '../../../src/admin/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { Producer } from '../../../src/producer/index.js'
import { JAVA_TOOLS, javaTool, type KafkaCluster } from '../../../src/testing/index.js'
import { scanTopic } from '../../integration/producer/helpers.js'

export interface ChaosOptions {
  kills: number
  records: number
  partitions?: number
  /** Seconds between a restart and the next kill. Default 3. */
  pauseS?: number
  log?: (line: string) => void
}

export interface ChaosResult {
  records: number
  acknowledged: number
  failedSends: number
  kills: { victim: number; role: string; at: number }[]
  inLog: number
  lost: number
  duplicated: number
  reordered: number
  consumed: number
  missed: number
  consumedTwice: number
  uncommitted: number
  doubleOwned: number
  /** Records in the log whose value is no sequence number of this run. */
  foreign: number
  /** Longest time without a producer acknowledgement, ms. */
  maxProducerStallMs: number
  /** The test process's largest V8 heap and RSS, sampled every second, MiB. */
  maxHeapUsedMiB: number
  maxRssMiB: number
  durationMs: number
}

const KEYS = 64

/** Adds one to a counter of a saturating per-sequence table (a Uint16Array: 20 MB for 10M records). */
function bump(table: Uint16Array, seq: number): number {
  const n = table[seq]!
  if (n < 0xffff) table[seq] = n + 1
  return n
}

export async function runChaos(kafka: KafkaCluster, opts: ChaosOptions): Promise<ChaosResult> {
  const log = opts.log ?? (() => {})
  const started = Date.now()
  // The accounting is one slot per sequence number in typed arrays, and the log is audited as it
  // is read (scanTopic), so the long run (10,000,000 records) fits the test process: Sets and
  // Maps of that many numbers plus the records read back exhausted a 4 GB heap.
  let maxHeapUsed = 0
  let maxRss = 0
  const sampleMemory = () => {
    const m = process.memoryUsage()
    maxHeapUsed = Math.max(maxHeapUsed, m.heapUsed)
    maxRss = Math.max(maxRss, m.rss)
  }
  const sampler = setInterval(sampleMemory, 1000)
  try {
    return await chaos(kafka, opts, log, started, sampleMemory, () => ({ maxHeapUsed, maxRss }))
  } finally {
    clearInterval(sampler)
  }
}

async function chaos(
  kafka: KafkaCluster,
  opts: ChaosOptions,
  log: (line: string) => void,
  started: number,
  sampleMemory: () => void,
  memory: () => { maxHeapUsed: number; maxRss: number },
): Promise<ChaosResult> {
  const MiB = 1024 * 1024
  const partitions = opts.partitions ?? 6
  const topic = `chaos-${started.toString(36)}`
  const groupId = `chaos-group-${started.toString(36)}`
  const bootstrapServers = kafka.bootstrapServers
  const admin = new Admin({ bootstrapServers, requestTimeoutMs: 10_000 })
  await admin.createTopics([
    { topic, numPartitions: partitions, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
  ])

  // --- the group: two members, manual commits after each poll, ownership tracked across members
  const owner = new Map<number, number>()
  let doubleOwned = 0
  const consumed = new Uint16Array(opts.records) // sequence → times handed out
  let consumedDistinct = 0
  let consumedTwice = 0
  let consumedForeign = 0
  let stopConsumers = false
  const members = [0, 1].map((m) => {
    const consumer = new Consumer<string, string>({
      bootstrapServers,
      groupId,
      autoOffsetReset: 'earliest',
      enableAutoCommit: false,
      requestTimeoutMs: 10_000,
      valueDeserializer: (b) => b?.toString() ?? '',
    })
    consumer.subscribe([topic], {
      onPartitionsAssigned(tps) {
        for (const tp of tps) {
          const o = owner.get(tp.partition)
          if (o !== undefined && o !== m) doubleOwned++
          owner.set(tp.partition, m)
        }
      },
      async onPartitionsRevoked(tps) {
        await consumer.commitSync().catch(() => {})
        for (const tp of tps) if (owner.get(tp.partition) === m) owner.delete(tp.partition)
      },
      onPartitionsLost(tps) {
        for (const tp of tps) if (owner.get(tp.partition) === m) owner.delete(tp.partition)
      },
    })
    const loop = (async () => {
      while (!stopConsumers) {
        try {
          const records = await consumer.poll(500)
          for (const r of records) {
            const seq = Number(r.value)
            if (!(Number.isInteger(seq) && seq >= 0 && seq < opts.records)) consumedForeign++
            else if (bump(consumed, seq) === 0) consumedDistinct++
            else consumedTwice++
          }
          if (records.count > 0) await consumer.commitSync()
        } catch (err) {
          log(`member ${m}: ${(err as Error).message}`)
          await new Promise((r) => setTimeout(r, 200))
        }
      }
    })()
    return { consumer, loop }
  })

  // --- the producer: sequence numbers in windows of 2,000 outstanding sends
  const producer = new Producer<string, string>({
    bootstrapServers,
    acks: 'all',
    enableIdempotence: true,
    lingerMs: 5,
    requestTimeoutMs: 10_000,
    deliveryTimeoutMs: 300_000,
  })
  const acknowledged = new Uint8Array(opts.records)
  let acknowledgedCount = 0
  let failedSends = 0
  let lastAck = Date.now()
  let maxStall = 0
  // Paced so that production spans the kills (about 15 s per kill and restart): every kill lands
  // while records are being written. A slower cluster just takes longer.
  const spanMs = Math.max(1, opts.kills) * 15_000
  const produced = (async () => {
    const WINDOW = 2000
    for (let from = 0; from < opts.records; from += WINDOW) {
      const due = started + (from / opts.records) * spanMs
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()))
      const n = Math.min(WINDOW, opts.records - from)
      await Promise.all(
        Array.from({ length: n }, (_, i) => {
          const seq = from + i
          return producer.send({ topic, key: `k${seq % KEYS}`, value: String(seq) }).then(
            () => {
              const now = Date.now()
              maxStall = Math.max(maxStall, now - lastAck)
              lastAck = now
              if (acknowledged[seq] === 0) acknowledgedCount++
              acknowledged[seq] = 1
            },
            (err: unknown) => {
              failedSends++
              if (failedSends <= 5) log(`send ${seq} failed: ${(err as Error).message}`)
            },
          )
        }),
      )
    }
  })()

  // --- the killer: leader, coordinator, controller in turn, in series while the producer runs
  const kills: ChaosResult['kills'] = []
  const roles = ['partition leader', 'group coordinator', 'active controller'] as const
  const pauseMs = (opts.pauseS ?? 3) * 1000
  let producing = true
  void produced.finally(() => {
    producing = false
  })
  for (let k = 0; k < opts.kills; k++) {
    await new Promise((r) => setTimeout(r, pauseMs))
    const role = roles[k % roles.length]!
    const victim = await findVictim(kafka, admin, role, topic, groupId, k).catch(() => 1 + (k % 3))
    sampleMemory()
    const heap = (process.memoryUsage().heapUsed / MiB).toFixed(0)
    log(`kill ${k + 1}/${opts.kills}: node ${victim} (${role})${producing ? '' : ', producer done'} (heap ${heap} MiB)`)
    kills.push({ victim, role, at: Date.now() - started })
    await kafka.kill(victim)
    await new Promise((r) => setTimeout(r, 2000))
    await kafka.startNode(victim)
  }
  await produced
  maxStall = Math.max(maxStall, Date.now() - lastAck)
  await producer.close()

  // --- audit the log as it is read back: counts per sequence, order per key, last offsets
  const inLog = new Uint16Array(opts.records)
  const lastPerKey = new Array<number>(KEYS).fill(-1)
  /** partition → offset of its last record (the log is read in offset order per partition). */
  const ends = new Map<number, bigint>()
  let reordered = 0
  let foreign = 0
  const logged = await scanTopic(
    bootstrapServers,
    topic,
    (r) => {
      const seq = Number(r.value!.toString())
      ends.set(r.partition, r.offset)
      if (!(Number.isInteger(seq) && seq >= 0 && seq < opts.records)) {
        foreign++
        return
      }
      bump(inLog, seq)
      const key = Number(r.key!.toString().slice(1))
      if (lastPerKey[key]! > seq) reordered++
      lastPerKey[key] = seq
    },
    { minRecords: acknowledgedCount, timeoutMs: 300_000 },
  )
  let lost = 0
  let duplicated = 0
  for (let seq = 0; seq < opts.records; seq++) {
    const n = inLog[seq]!
    if (acknowledged[seq] === 1 && n === 0) lost++
    if (n > 1) duplicated += n - 1
  }
  const unconsumed = () => {
    let missing = 0
    for (let seq = 0; seq < opts.records; seq++) if (inLog[seq]! > 0 && consumed[seq] === 0) missing++
    return missing
  }

  // --- drain: the group reads to the end of the log, then stops
  const deadline = Date.now() + 180_000
  while (Date.now() < deadline && unconsumed() > 0) {
    await new Promise((r) => setTimeout(r, 500))
  }
  stopConsumers = true
  await Promise.all(members.map((m) => m.loop))
  for (const m of members) await m.consumer.close().catch(() => {})
  const missed = unconsumed()
  const committed = await admin.listConsumerGroupOffsets(groupId)
  let uncommitted = 0
  for (const [p, last] of ends) {
    const c = committed.find((o) => o.partition === p)
    if (c === undefined || c.offset !== last + 1n) uncommitted++
  }
  await admin.close()
  sampleMemory()
  const { maxHeapUsed, maxRss } = memory()
  return {
    records: opts.records,
    acknowledged: acknowledgedCount,
    failedSends,
    kills,
    inLog: logged,
    lost,
    duplicated,
    reordered,
    consumed: consumedDistinct,
    missed,
    consumedTwice,
    uncommitted,
    doubleOwned,
    foreign: foreign + consumedForeign,
    maxProducerStallMs: maxStall,
    maxHeapUsedMiB: Math.round(maxHeapUsed / MiB),
    maxRssMiB: Math.round(maxRss / MiB),
    durationMs: Date.now() - started,
  }
}

async function findVictim(
  kafka: KafkaCluster,
  admin: Admin,
  role: 'partition leader' | 'group coordinator' | 'active controller',
  topic: string,
  groupId: string,
  k: number,
): Promise<number> {
  if (role === 'partition leader') {
    const [t] = await admin.describeTopics([topic])
    const leader = t!.partitions[k % t!.partitions.length]!.leader
    if (leader === null || leader < 0) throw new Error('no leader')
    return leader
  }
  if (role === 'group coordinator') {
    const [g] = await admin.describeGroups([groupId])
    return g!.coordinator
  }
  const r = await javaTool(kafka, JAVA_TOOLS.metadataQuorumCommand, [
    '--bootstrap-server',
    kafka.bootstrapServers,
    'describe',
    '--status',
  ])
  const leader = /LeaderId:\s*(\d+)/.exec(r.stdout)
  if (leader === null) throw new Error(`no LeaderId in: ${r.stdout}`)
  return Number(leader[1])
}

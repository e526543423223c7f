/**
 * The scenarios of issue #8 and the suite-wide settings every client gets. Pure data, shared by
 * the runner and the report.
 *
 * Full sizes come from the issue; `smoke` shrinks them so the whole suite runs in a couple of
 * minutes (CI). Everything a client needs to know is in the spec the runner hands its driver.
 */

/** Settings shared by every producer scenario (where the client has the setting). */
export const PRODUCER_DEFAULTS = {
  lingerMs: 5,
  /** Upper bound of one partition's batch (kafka-wire, Java, librdkafka). */
  batchSize: 65536,
  /** kafkajs / platformatic have no linger or batch size: they send arrays of this many records... */
  sendBatchRecords: 1000,
  /** ...with at most this many send calls outstanding (1 for kafkajs with idempotence). */
  sendConcurrency: 5,
}

/**
 * T1–T4: the retry backoff of kafkajs (retry.initialRetryTime) and @platformatic/kafka
 * (retryDelay) transactional producers: Java's retry.backoff.ms default. Their defaults (300 ms
 * and 1,000 ms) are waited out about every other transaction: a transaction's first send after a
 * commit meets CONCURRENT_TRANSACTIONS while the coordinator still writes the previous one's
 * markers. Java and kafka-wire retry that AddPartitionsToTxn after 20 ms (Java's
 * ADD_PARTITIONS_RETRY_BACKOFF_MS), which neither of the two can be told to do.
 */
export const TXN_RETRY_BACKOFF_MS = 100

export const GROUP_DEFAULTS = {
  sessionTimeoutMs: 45000,
  heartbeatIntervalMs: 3000,
}

/**
 * kind: produce | consume | latency | group | slow-consume | share | txn-produce | txn-latency. `metric` is the headline figure
 * of the scenario, `better` its direction.
 */
export const SCENARIOS = [
  {
    id: 'P1',
    kind: 'produce',
    title: 'produce 100 B, acks 1, linger 5 ms, no compression',
    valueSize: 100,
    valueKind: 'random',
    acks: 1,
    idempotent: false,
    compression: 'none',
  },
  {
    id: 'P2',
    kind: 'produce',
    title: 'produce 1 KB, acks 1, linger 5 ms, no compression',
    valueSize: 1024,
    valueKind: 'random',
    acks: 1,
    idempotent: false,
    compression: 'none',
  },
  {
    id: 'P3',
    kind: 'produce',
    title: "produce 1 KB, acks 'all', idempotent",
    valueSize: 1024,
    valueKind: 'random',
    acks: 'all',
    idempotent: true,
    compression: 'none',
  },
  {
    id: 'P4',
    kind: 'produce',
    title: 'produce 1 KB JSON-like, acks 1, lz4',
    valueSize: 1024,
    valueKind: 'json',
    acks: 1,
    idempotent: false,
    compression: 'lz4',
  },
  {
    id: 'P5',
    kind: 'produce',
    title: 'produce 1 KB JSON-like, acks 1, zstd',
    valueSize: 1024,
    valueKind: 'json',
    acks: 1,
    idempotent: false,
    compression: 'zstd',
  },
  { id: 'C1', kind: 'consume', title: 'consume 100 B from a pre-filled topic', valueSize: 100, source: 'C1' },
  { id: 'C2', kind: 'consume', title: 'consume 1 KB from a pre-filled topic', valueSize: 1024, source: 'C2' },
  // C1m: C1's topic read the way most kafkajs applications read: eachMessage with the default autoCommit.
  // Only the drivers of the kafkajs API run it (kafkajs, kafka-wire/kafkajs); the others report it unsupported.
  {
    id: 'C1m',
    kind: 'consume',
    handler: 'eachMessage',
    title: 'consume 100 B with eachMessage and autoCommit (kafkajs API)',
    valueSize: 100,
    source: 'C1',
  },
  // C4/C5: the consumer side of P4/P5, a topic of 1 KB JSON-like records written lz4- or zstd-compressed
  // (Java's ProducerPerformance, linger 5 ms, 16 KiB batches): decompression is the consumer's work.
  {
    id: 'C4',
    kind: 'consume',
    title: 'consume 1 KB JSON-like, lz4-compressed',
    valueSize: 1024,
    valueKind: 'json',
    compression: 'lz4',
    source: 'C4',
  },
  {
    id: 'C5',
    kind: 'consume',
    title: 'consume 1 KB JSON-like, zstd-compressed',
    valueSize: 1024,
    valueKind: 'json',
    compression: 'zstd',
    source: 'C5',
  },
  // P2 and C2 over TLS (issue #22: within 15 % of plaintext): the same work through the broker's SSL
  // listener (the runner starts it with one; the clients trust the kit's generated CA). C2-TLS reads
  // C2's topic.
  {
    id: 'P2-TLS',
    kind: 'produce',
    title: 'P2 over TLS (SSL listener)',
    valueSize: 1024,
    valueKind: 'random',
    acks: 1,
    idempotent: false,
    compression: 'none',
    tls: true,
    plaintext: 'P2',
  },
  {
    id: 'C2-TLS',
    kind: 'consume',
    title: 'C2 over TLS (SSL listener)',
    valueSize: 1024,
    source: 'C2',
    tls: true,
    plaintext: 'C2',
  },
  {
    id: 'L1',
    kind: 'latency',
    title: 'end-to-end latency at 10,000 records/s (100 B, acks 1, linger 0)',
    mode: 'rate',
    rate: 10000,
    valueSize: 100,
    acks: 1,
  },
  {
    id: 'L2',
    kind: 'latency',
    title: 'end-to-end latency, one record at a time (EndToEndLatency semantics)',
    mode: 'sync',
    rate: 0,
    valueSize: 100,
    acks: 1,
  },
  // G1: a group stabilises, then one member leaves — under both group protocols (issue #16), for
  // groups of 10, 3 and 1 (a group of 1 has no rebalance after the leave: rebalanceMs is null).
  // `members` is capped by the mode's groupMembers (smoke: 3); smoke runs only G1 and G1c.
  ...groupScenarios(),
  // M2 (issue #24): the memory of a slow consumer. A fresh process assigns every partition of a
  // topic with a large backlog (sizes.slowPartitions, sizes.slowRecords records of valueSize B,
  // filled once per run) and reads it for sizes.slowDurationMs, pausing pauseMs after each poll of
  // at most maxPollRecords records (about 2,000 records/s). Peak RSS is the child's VmHWM and the
  // baseline its VmRSS once connected, both read from /proc by the runner for every client.
  {
    id: 'M2',
    kind: 'slow-consume',
    title:
      'slow consumer: assign every partition of a large backlog, 100 ms pause per poll of ≤ 200 records; peak RSS (fetch max 16 MiB, partition max 1 MiB)',
    valueSize: 1024,
    fetchMaxBytes: 16 * 1024 * 1024,
    maxPartitionFetchBytes: 1024 * 1024,
    maxPollRecords: 200,
    pauseMs: 100,
  },
  // S1/S2: share groups (KIP-932, issue #21), see shareScenarios().
  ...shareScenarios(),
  // T1–T4: transactional produce (issue #15), see transactionScenarios().
  ...transactionScenarios(),
  // L3 (issue #15): end-to-end latency through an exactly-once consume-transform-produce copier.
  // One process: a producer (acks 1, linger 0) writes stamped 100 B records at `rate` to an input
  // topic; a copier (a consumer, read_committed, and a transactional producer) copies each poll's
  // records to an output topic in one transaction with the poll's offsets
  // (sendOffsetsToTransaction); a read_committed consumer of the output takes the latency of each
  // record from its stamp. 1,000 records/s, a tenth of L1's rate: the copier commits a transaction
  // per poll, and the scenario is about latency, not about the copier keeping up (T3, transactions
  // of 100 records, is the throughput side).
  {
    id: 'L3',
    kind: 'txn-latency',
    title:
      'end-to-end latency through an exactly-once copier at 1,000 records/s (100 B; a transaction per poll, read_committed)',
    rate: 1000,
    valueSize: 100,
    acks: 1,
    smoke: false,
  },
]

function groupScenarios() {
  const out = []
  for (const [suffix, protocol, name] of [
    ['', 'classic', 'classic protocol'],
    ['c', 'consumer', "consumer protocol (KIP-848; the broker's session and heartbeat interval)"],
  ]) {
    for (const members of [10, 3, 1]) {
      out.push({
        id: `G1${suffix}${members === 10 ? '' : `-${members}`}`,
        kind: 'group',
        title: `group of ${members === 10 ? 'N' : members} member${members === 1 ? '' : 's'}, ${name}: stabilise, then one member leaves`,
        groupProtocol: protocol,
        members,
        ...(members === 10 ? {} : { smoke: false }),
      })
    }
  }
  return out
}

/**
 * S1 (100 B) and S2 (1 KB): share-consume a pre-filled 1-partition topic with 1 and 3 share
 * consumers in one process (Java: ShareConsumerPerformance --threads N), a fresh share group per run
 * with share.auto.offset.reset=earliest, implicit acknowledgement; records/s from subscribe to N
 * records. One partition is the share-group case: the consumers share it record by record (a
 * consumer group could give it to one member only). Smoke runs (CI) only S1-3, unless named.
 */
function shareScenarios() {
  const out = []
  for (const [id, valueSize, size] of [
    ['S1', 100, '100 B'],
    ['S2', 1024, '1 KB'],
  ]) {
    for (const consumers of [1, 3]) {
      out.push({
        id: consumers === 1 ? id : `${id}-${consumers}`,
        kind: 'share',
        title: `share-consume ${size} from a pre-filled 1-partition topic, ${consumers} share consumer${consumers === 1 ? '' : 's'}, implicit acknowledgement`,
        valueSize,
        consumers,
        partitions: 1,
        source: id,
        // Smoke runs only S1-3 (~15 s here): the share path of both drivers, so that it does not rot.
        ...(id === 'S1' && consumers === 3 ? {} : { smoke: false }),
      })
    }
  }
  return out
}

/**
 * T1–T4: transactional produce, acks all (transactions imply idempotence), linger 5 ms, no
 * compression; begin, recordsPerTransaction records, commit, repeated; records/s from after
 * initTransactions to the last commit. The issue's grid is 100 B and 1 KiB × transactions of 100,
 * 1,000 and 10,000 records; four of its six cells cover both axes: the transaction size at 100 B
 * (where the fixed cost of a transaction — coordinator round trips, markers — weighs most per
 * byte) and the value size at 1,000 records per transaction. 1 KiB × 100 and × 10,000 add little
 * (the per-transaction cost is already smaller per byte there) for 2 × 5 × 3 more runs.
 *
 * `fullRecords`, the records of a full-size run, per scenario rather than sizes.records
 * (1,000,000): at least 100 transactions each, and a minute or two for the slowest client instead
 * of several (kafkajs, one request in flight, wrote ~9,000 records/s in T1 on the loaded 2-core VM):
 * T1 500,000 (500 transactions), T2 250,000 (250 MiB, 250 transactions), T3 200,000 (2,000
 * transactions of 100), T4 1,000,000 (100 transactions of 10,000). A run is always at least two
 * whole transactions (see transactionalRecords). Smoke runs only T1 (2 transactions of 1,000).
 */
function transactionScenarios() {
  return [
    ['T1', 100, 1000, { fullRecords: 500_000 }],
    ['T2', 1024, 1000, { fullRecords: 250_000, smoke: false }],
    ['T3', 100, 100, { fullRecords: 200_000, smoke: false }],
    ['T4', 100, 10_000, { fullRecords: 1_000_000, smoke: false }],
  ].map(([id, valueSize, recordsPerTransaction, extra]) => ({
    id,
    kind: 'txn-produce',
    title: `transactional produce ${valueSize === 100 ? '100 B' : '1 KB'}, transactions of ${recordsPerTransaction.toLocaleString('en-US')} records (acks 'all', linger 5 ms)`,
    valueSize,
    valueKind: 'random',
    recordsPerTransaction,
    acks: 'all',
    idempotent: true,
    compression: 'none',
    ...extra,
  }))
}

/**
 * The records of a transactional run: --records when given, else the scenario's fullRecords in
 * full mode, else sizes.records — rounded up to whole transactions, at least two of them (so that
 * every run has a transaction after the first, whose coordinator lookup and first AddPartitions
 * are not the steady state).
 */
export function transactionalRecords(sc, sizes, { mode, recordsOption } = {}) {
  const wanted = recordsOption ?? (mode === 'full' && sc.fullRecords ? sc.fullRecords : sizes.records)
  const per = sc.recordsPerTransaction
  return Math.max(2, Math.ceil(wanted / per)) * per
}

/**
 * After a transactional run, the runner reads each partition's high watermark and last stable
 * offset (untimed) and fails the run unless they say that every record was written in committed
 * transactions: no transaction left open (last stable offset = high watermark everywhere), and
 * offsets for every record plus one commit marker per partition and transaction — at least one
 * partition and at most every partition per transaction. A client that wrote fewer records, or
 * aborted and retried, or skipped commits fails. Returns null when the offsets agree, else why not.
 * `offsets`: [{ partition, highWatermark, lastStable }] (numbers).
 */
export function transactionalOffsetsProblem(offsets, { records, recordsPerTransaction }) {
  const open = offsets.filter((o) => o.lastStable !== o.highWatermark)
  if (open.length > 0)
    return `transaction left open: last stable offset below the high watermark on partition(s) ${open.map((o) => o.partition).join(', ')}`
  const transactions = Math.ceil(records / recordsPerTransaction)
  const total = offsets.reduce((sum, o) => sum + o.highWatermark, 0)
  const min = records + transactions
  const max = records + transactions * offsets.length
  if (total < min || total > max)
    return `${total} offsets written; ${records} records in ${transactions} committed transactions make ${min}–${max} (records + one marker per partition and transaction)`
  return null
}

/** Sizes per mode. */
export const SIZES = {
  full: {
    records: 1_000_000,
    partitions: 6,
    repetitions: 3,
    latencyRecords: 120_000, // 12 s at 10,000/s
    latencyWarmupRecords: 20_000, // the first 2 s are not counted
    syncRecords: 2_000,
    syncWarmupRecords: 0, // EndToEndLatency (the Java reference) counts every record
    groupMembers: 10,
    groupPartitions: 20,
    groupQuietMs: 2000,
    groupTimeoutMs: 90_000,
    driverTimeoutMs: 600_000,
    // M2: 500 partitions, 307,200 records of 1 KiB (300 MiB), read slowly for 25 s.
    slowPartitions: 500,
    slowRecords: 307_200,
    slowDurationMs: 25_000,
    // L3: 35 s at 1,000 records/s, the first 5 s not counted.
    txnLatencyRecords: 35_000,
    txnLatencyWarmupRecords: 5_000,
  },
  smoke: {
    records: 2_000,
    partitions: 6,
    repetitions: 1,
    latencyRecords: 2_000,
    latencyWarmupRecords: 200,
    syncRecords: 100,
    syncWarmupRecords: 0,
    groupMembers: 3,
    groupPartitions: 6,
    groupQuietMs: 500,
    groupTimeoutMs: 60_000,
    driverTimeoutMs: 120_000,
    // M2: 20 partitions, 16,384 records of 1 KiB (16 MiB; more than 5 s at 2,000 records/s).
    slowPartitions: 20,
    slowRecords: 16_384,
    slowDurationMs: 5_000,
    txnLatencyRecords: 2_000,
    txnLatencyWarmupRecords: 500,
  },
}

/** The headline metric of a scenario kind. */
export const HEADLINE = {
  produce: { key: 'recordsPerSec', unit: 'records/s', better: 'higher' },
  consume: { key: 'recordsPerSec', unit: 'records/s', better: 'higher' },
  latency: { key: 'p99Ms', unit: 'ms p99', better: 'lower' },
  group: { key: 'stabiliseMs', unit: 'ms', better: 'lower' },
  'slow-consume': { key: 'peakRssMb', unit: 'MB peak RSS', better: 'lower' },
  share: { key: 'recordsPerSec', unit: 'records/s', better: 'higher' },
  'txn-produce': { key: 'recordsPerSec', unit: 'records/s', better: 'higher' },
  'txn-latency': { key: 'p99Ms', unit: 'ms p99', better: 'lower' },
}

/** Metrics reported per kind, in table order. */
export const METRICS = {
  produce: [
    ['recordsPerSec', 'records/s', 'higher'],
    ['mbPerSec', 'MB/s', 'higher'],
    ['peakRssMb', 'peak RSS MB', 'lower'],
  ],
  consume: [
    ['recordsPerSec', 'records/s', 'higher'],
    ['mbPerSec', 'MB/s', 'higher'],
    ['peakRssMb', 'peak RSS MB', 'lower'],
  ],
  latency: [
    ['p50Ms', 'p50 ms', 'lower'],
    ['p99Ms', 'p99 ms', 'lower'],
    ['p999Ms', 'p99.9 ms', 'lower'],
    ['achievedRate', 'records/s sent', 'higher'],
  ],
  group: [
    ['stabiliseMs', 'stabilise ms', 'lower'],
    ['rebalanceMs', 'rebalance after leave ms', 'lower'],
  ],
  // peakRssMb and baseRssMb are the runner's (from /proc), the same way for every client.
  'slow-consume': [
    ['peakRssMb', 'peak RSS MB', 'lower'],
    ['rssGrowthMb', 'RSS growth over connected MB', 'lower'],
    ['baseRssMb', 'RSS once connected MB', 'lower'],
    ['records', 'records read', 'higher'],
  ],
  share: [
    ['recordsPerSec', 'records/s', 'higher'],
    ['mbPerSec', 'MB/s', 'higher'],
    ['peakRssMb', 'peak RSS MB', 'lower'],
  ],
  'txn-produce': [
    ['recordsPerSec', 'records/s', 'higher'],
    ['mbPerSec', 'MB/s', 'higher'],
    ['peakRssMb', 'peak RSS MB', 'lower'],
  ],
  // (The drivers also report `transactions`, the copier's commits over the whole run, in the results.)
  'txn-latency': [
    ['p50Ms', 'p50 ms', 'lower'],
    ['p99Ms', 'p99 ms', 'lower'],
    ['p999Ms', 'p99.9 ms', 'lower'],
    ['achievedRate', 'records/s sent', 'higher'],
  ],
}

// The chaos tier's bounded run (issue #19): 5 SIGKILLs in series (partition leader, group
// coordinator, active controller, ...) on a 3-node cluster over 300,000 sequenced records, with
// an idempotent acks=all producer and a two-member consumer group working throughout. Nothing
// may be lost, duplicated, reordered, missed by the group, left uncommitted or owned twice.
// `npm run chaos -- --kills 20 --records 10000000` runs the long version (scripts/chaos.mjs sets
// CHAOS_KILLS / CHAOS_RECORDS); docs/reliability.md records both.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'
import { runChaos } from './chaos.js'
import { runTransactionalChaos } from './transactional.js'

const KILLS = Number(process.env.CHAOS_KILLS ?? 5)
const RECORDS = Number(process.env.CHAOS_RECORDS ?? 300_000)

let kafka: KafkaCluster
beforeAll(async () => {
  kafka = await startKafka({ nodes: 3 })
}, 300_000)
afterAll(async () => {
  await kafka?.stop()
})

it(`${KILLS} rolling kills over ${RECORDS} records: nothing lost, duplicated, reordered, missed or owned twice`, async () => {
  const result = await runChaos(kafka, {
    kills: KILLS,
    records: RECORDS,
    log: (line) => process.stdout.write(`[chaos] ${line}\n`),
  })
  process.stdout.write(`[chaos] result ${JSON.stringify(result)}\n`)
  expect(result.kills).toHaveLength(KILLS)
  expect(result.failedSends).toBe(0)
  expect(result.acknowledged).toBe(RECORDS)
  expect(result.inLog).toBe(RECORDS)
  expect({
    lost: result.lost,
    duplicated: result.duplicated,
    reordered: result.reordered,
    missed: result.missed,
    uncommitted: result.uncommitted,
    doubleOwned: result.doubleOwned,
    foreign: result.foreign,
  }).toEqual({ lost: 0, duplicated: 0, reordered: 0, missed: 0, uncommitted: 0, doubleOwned: 0, foreign: 0 })
}, 3_600_000)

const TXN_KILLS = Number(process.env.CHAOS_TXN_KILLS ?? 4)
const TRANSACTIONS = Number(process.env.CHAOS_TRANSACTIONS ?? 300)

it(`${TXN_KILLS} kills of the transaction coordinator and a leader during ${TRANSACTIONS} transactions: read_committed sees every record exactly once`, async () => {
  const result = await runTransactionalChaos(kafka, {
    kills: TXN_KILLS,
    transactions: TRANSACTIONS,
    perTransaction: 100,
    log: (line) => process.stdout.write(`[chaos txn] ${line}\n`),
  })
  const { errors, ...summary } = result
  process.stdout.write(`[chaos txn] result ${JSON.stringify(summary)}\n`)
  for (const e of errors.slice(0, 10)) process.stdout.write(`[chaos txn] handled: ${e}\n`)
  expect(result.kills.length).toBeGreaterThanOrEqual(Math.min(2, TXN_KILLS))
  expect(result.kills.some((k) => k.role === 'transaction coordinator')).toBe(true)
  expect(result.committed).toBe(TRANSACTIONS)
  expect({ missing: result.missing, duplicated: result.duplicated }).toEqual({ missing: 0, duplicated: 0 })
  expect(result.inLog).toBe(TRANSACTIONS * 100)
}, 3_600_000)

// `kafka-wire produce --transactional-id` and `kafka-wire transactions …`: the built bin
// (dist/esm/cli/bin.js, `npm run build`) as a child process against the shared real broker.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { Consumer } from '../../../src/consumer/index.js'
import { Producer } from '../../../src/producer/index.js'
import { createTopic, uniqueName } from '../producer/helpers.js'
import { readAll } from '../producer/txn-helpers.js'

const root = join(import.meta.dirname, '../../..')
const bin = join(root, 'dist/esm/cli/bin.js')
const bootstrapServers = inject('kafkaBootstrapServers')

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

function cli(args: string[], input?: string, timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, KAFKA_BOOTSTRAP_SERVERS: bootstrapServers, CI: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`kafka-wire ${args.join(' ')} timed out\n${stderr}`))
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(input ?? '')
  })
}

/** The offset a read_committed reader of partition 0 stops at (the last stable offset). */
async function committedEnd(topic: string): Promise<bigint | null> {
  const consumer = new Consumer({ bootstrapServers, isolationLevel: 'read_committed' })
  try {
    const [end] = await consumer.endOffsets([{ topic, partition: 0 }])
    return end!.offset
  } finally {
    await consumer.close()
  }
}

/** Leaves a transaction with `values` open on partition 0 (closed producer, 10-minute timeout). */
async function leaveOpenTransaction(topic: string, values: string[]): Promise<string> {
  const transactionalId = uniqueName('cli-hanging')
  const producer = new Producer<string, string>({ bootstrapServers, transactionalId, transactionTimeoutMs: 600_000 })
  await producer.initTransactions()
  producer.beginTransaction()
  await Promise.all(values.map((value) => producer.send({ topic, partition: 0, value })))
  await producer.close()
  return transactionalId
}

/** Rows of a rendered table as header → cell records. */
function table(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n')
  const starts = [...head!.matchAll(/\S+( \S+)*/g)].map((m) => [m.index!, m[0]] as const)
  return rows.map((row) =>
    Object.fromEntries(starts.map(([at, name], i) => [name, row.slice(at, starts[i + 1]?.[0] ?? row.length).trim()])),
  )
}

describe('kafka-wire produce --transactional-id', () => {
  it('every --batch-size lines are one transaction, committed for read_committed', async () => {
    const topic = uniqueName('cli-txn')
    await createTopic(bootstrapServers, topic, 1)
    const tid = uniqueName('cli-tid')
    const lines = Array.from({ length: 10 }, (_, i) => `line-${i}`)
    const produced = await cli(
      ['produce', '--topic', topic, '--transactional-id', tid, '--batch-size', '4'],
      `${lines.join('\n')}\n`,
    )
    expect(produced.stderr).toMatch(/10 records sent .*, 3 transactions committed/)
    expect(produced.code).toBe(0)
    // 10 records and one commit marker per transaction (4 + 4 + 2 lines).
    expect(await committedEnd(topic)).toBe(13n)
    expect(await readAll(bootstrapServers, topic, 1, 'read_committed')).toStrictEqual(lines)

    const described = await cli(['transactions', 'describe', '--transactional-id', tid])
    expect(described.code).toBe(0)
    const [row] = table(described.stdout)
    expect(row).toMatchObject({ 'TRANSACTIONAL ID': tid, STATE: 'CompleteCommit' })
    const listed = await cli(['transactions', 'list'])
    expect(table(listed.stdout).find((r) => r['TRANSACTIONAL ID'] === tid)?.['PRODUCER ID']).toBe(row!['PRODUCER ID'])
  }, 90_000)

  it('--batch-size without --transactional-id is a usage error', async () => {
    const out = await cli(['produce', '--topic', 'x', '--batch-size', '3'])
    expect(out.code).toBe(2)
    expect(out.stderr).toMatch(/--batch-size needs --transactional-id/)
  })
})

describe('kafka-wire transactions', () => {
  it('describe-producers shows a hanging transaction, abort --start-offset ends it', async () => {
    const topic = uniqueName('cli-hang')
    await createTopic(bootstrapServers, topic, 1)
    const tid = await leaveOpenTransaction(topic, ['h1', 'h2'])
    expect(await committedEnd(topic)).toBe(0n)

    const listed = await cli(['transactions', 'list', '--state', 'Ongoing'])
    expect(listed.code).toBe(0)
    expect(table(listed.stdout).find((r) => r['TRANSACTIONAL ID'] === tid)?.STATE).toBe('Ongoing')
    const producers = await cli(['transactions', 'describe-producers', '--topic', topic, '--partition', '0'])
    expect(producers.code).toBe(0)
    expect(table(producers.stdout)).toMatchObject([{ 'TXN START OFFSET': '0' }])

    const wrong = await cli(['transactions', 'abort', '--topic', topic, '--partition', '0', '--start-offset', '1'])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/No open transaction on .* starts at offset 1/)

    const aborted = await cli(['transactions', 'abort', '--topic', topic, '--partition', '0', '--start-offset', '0'])
    expect(aborted.stderr).toBe('')
    expect(aborted.code).toBe(0)
    expect(aborted.stdout).toMatch(/Aborted the transaction of producer \d+/)
    expect(await committedEnd(topic)).toBe(3n)
    expect(await readAll(bootstrapServers, topic, 1, 'read_committed')).toStrictEqual([])
  }, 90_000)

  it('abort by --producer-id, --producer-epoch and --coordinator-epoch', async () => {
    const topic = uniqueName('cli-hang-pid')
    await createTopic(bootstrapServers, topic, 1)
    await leaveOpenTransaction(topic, ['h'])
    const producers = await cli(['transactions', 'describe-producers', '--topic', topic, '--partition', '0'])
    const [p] = table(producers.stdout)
    const coordinatorEpoch = String(Math.max(Number(p!['COORDINATOR EPOCH']), 0))
    const aborted = await cli([
      'transactions',
      'abort',
      '--topic',
      topic,
      '--partition',
      '0',
      '--producer-id',
      p!['PRODUCER ID']!,
      '--producer-epoch',
      p!['PRODUCER EPOCH']!,
      '--coordinator-epoch',
      coordinatorEpoch,
    ])
    expect(aborted.code).toBe(0)
    expect(await committedEnd(topic)).toBe(2n)
  }, 90_000)

  it('describe of an unknown transactional id exits 1 with the Kafka error name', async () => {
    const out = await cli(['transactions', 'describe', '--transactional-id', uniqueName('cli-none')])
    expect(out.code).toBe(1)
    expect(out.stderr).toMatch(/^kafka-wire: BrokerError: TRANSACTIONAL_ID_NOT_FOUND/)
  })

  it('abort needs either --start-offset or the producer triple (usage error otherwise)', async () => {
    for (const extra of [[], ['--start-offset', '0', '--producer-id', '1'], ['--producer-id', '1']]) {
      const out = await cli(['transactions', 'abort', '--topic', 't', '--partition', '0', ...extra])
      expect(out.code).toBe(2)
      expect(out.stderr).toMatch(/give either --start-offset, or all of --producer-id/)
    }
  })
})

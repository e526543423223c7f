// `kafka-wire consume --group`: what it commits, and a closed stdout.
// - `| head` closes stdout: consumption ends cleanly (exit 0, no EPIPE stack trace), the group is
//   left at once (no ghost member until the session times out) and what was printed is committed.
// - A run that printed nothing still commits where it stood, as the Java console consumer's
//   auto-commit does, so that the next run (default `latest`) does not skip what arrived since.
// - --max-messages: never commits past the last record printed.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin, Producer } from '../../../src/index.js'

const bin = join(import.meta.dirname, '../../../dist/esm/cli/bin.js')
const bootstrap = inject('kafkaBootstrapServers')
const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
const admin = new Admin({ bootstrapServers: bootstrap })

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

function consume(args: string[], closeStdoutAfterFirstLine = false): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'consume', '--bootstrap-server', bootstrap, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
      if (closeStdoutAfterFirstLine && stdout.includes('\n')) child.stdout.destroy() // what `head -1` does
    })
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`consume ${args.join(' ')} did not end\n${stderr}`))
    }, 60_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

async function produce(topic: string, n: number, from = 0): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 5 })
  try {
    await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic, value: `v${from + i}` })))
  } finally {
    await producer.close()
  }
}

async function committed(group: string, topic: string): Promise<bigint | undefined> {
  const offsets = await admin.listConsumerGroupOffsets(group)
  return offsets.find((o) => o.topic === topic && o.partition === 0)?.offset
}

const topics = { pipe: `cli-pipe-${run}`, idle: `cli-idle-${run}`, max: `cli-max-${run}` }

beforeAll(async () => {
  await admin.createTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })))
})

afterAll(async () => {
  await admin.deleteTopics(Object.values(topics)).catch(() => {})
  await admin.close()
})

describe('kafka-wire consume --group', () => {
  it('a closed stdout (| head) ends consumption: exit 0, group left, printed records committed', async () => {
    await produce(topics.pipe, 5000)
    const group = `cli-pipe-${run}`
    const out = await consume(['--topic', topics.pipe, '--group', group, '--from-beginning'], true)
    expect(out.stderr).not.toMatch(/EPIPE|Error|at /)
    expect(out.code, out.stderr).toBe(0)
    expect(out.stderr).toMatch(/Processed a total of \d+ messages/)
    const [description] = await admin.describeGroups([group])
    expect(description!.members).toEqual([]) // left on exit, not a ghost until session.timeout.ms
    const offset = await committed(group, topics.pipe)
    expect(offset).toBeGreaterThan(0n)
    expect(offset).toBeLessThanOrEqual(5000n)
  })

  it('a run that printed nothing commits its position: the next run does not skip what arrived since', async () => {
    const group = `cli-idle-${run}`
    await produce(topics.idle, 2) // before the first run: `latest` skips these
    const first = await consume(['--topic', topics.idle, '--group', group, '--timeout-ms', '1500'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toBe('')
    expect(await committed(group, topics.idle)).toBe(2n)
    await produce(topics.idle, 3, 2)
    const second = await consume(['--topic', topics.idle, '--group', group, '--max-messages', '3'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toBe('v2\nv3\nv4\n')
  })

  it('--max-messages commits after the last record printed, not after everything fetched', async () => {
    const group = `cli-max-${run}`
    await produce(topics.max, 10)
    const first = await consume(['--topic', topics.max, '--group', group, '--from-beginning', '--max-messages', '4'])
    expect(first.stdout).toBe('v0\nv1\nv2\nv3\n')
    expect(await committed(group, topics.max)).toBe(4n)
    const second = await consume(['--topic', topics.max, '--group', group, '--max-messages', '2'])
    expect(second.stdout).toBe('v4\nv5\n')
  })

  it('--max-messages -1 means no limit, as in the Java console consumer', async () => {
    const out = await consume([
      '--topic',
      topics.max,
      '--from-beginning',
      '--max-messages',
      '-1',
      '--timeout-ms',
      '2000',
    ])
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout.split('\n').filter(Boolean)).toHaveLength(10)
  })
})

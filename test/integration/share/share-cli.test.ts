// `kafka-wire consume --share-group` and `kafka-wire share-groups list|describe|reset-offsets|delete`,
// run from the built bin (dist/esm/cli/bin.js: `npm run build` first) against the real broker.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createTopic, ensureShareGroups, RawProducer, setGroupConfig, uniqueName, values } from './helpers.js'

const bin = join(import.meta.dirname, '../../../dist/esm/cli/bin.js')
const bootstrap = inject('kafkaBootstrapServers')

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args, '--bootstrap-server', bootstrap], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`kafka-wire ${args.join(' ')} timed out\n${stderr}`))
    }, 60_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

describe('CLI: share groups', () => {
  const topic = uniqueName('share-cli')
  const group = uniqueName('sg-cli')
  let producer: RawProducer
  beforeAll(async () => {
    await ensureShareGroups(bootstrap, inject('kafkaLibDir'))
    await createTopic(bootstrap, topic, 1)
    await setGroupConfig(bootstrap, group, { 'share.auto.offset.reset': 'earliest' })
    producer = new RawProducer(bootstrap)
    await producer.send(topic, 0, values('c', 10))
  })
  afterAll(async () => {
    await producer?.close()
  })

  it('consume --share-group accepts what it printed and releases the rest for the next member', async () => {
    const first = await cli([
      'consume',
      '--topic',
      topic,
      '--share-group',
      group,
      '--max-messages',
      '6',
      '--timeout-ms',
      '10000',
    ])
    expect(first.code, first.stderr).toBe(0)
    const printed = first.stdout.trim().split('\n')
    expect(printed).toHaveLength(6)
    const second = await cli(['consume', '--topic', topic, '--share-group', group, '--timeout-ms', '3000'])
    expect(second.code, second.stderr).toBe(0)
    const rest = second.stdout.trim().split('\n')
    expect([...printed, ...rest].sort()).toEqual(
      values('c', 10)
        .map((v) => v.value)
        .sort(),
    )
    expect(second.stderr).toContain(`Processed a total of ${rest.length} messages`)
  })

  it('share-groups list, describe, reset-offsets and delete', async () => {
    const list = await cli(['share-groups', 'list'])
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toContain(group)
    const describe1 = await cli(['share-groups', 'describe', '--group', group])
    expect(describe1.code, describe1.stderr).toBe(0)
    expect(describe1.stdout).toMatch(new RegExp(`${group}\\s+${topic}\\s+0\\s+\\d+\\s+0`))
    const dry = await cli(['share-groups', 'reset-offsets', '--group', group, '--topic', topic, '--to-offset', '4'])
    expect(dry.stdout).toMatch(new RegExp(`${topic}\\s+0\\s+4`))
    expect(dry.stderr).toContain('Dry run')
    const reset = await cli([
      'share-groups',
      'reset-offsets',
      '--group',
      group,
      '--topic',
      topic,
      '--to-offset',
      '4',
      '--execute',
    ])
    expect(reset.code, reset.stderr).toBe(0)
    const describe2 = await cli(['share-groups', 'describe', '--group', group])
    expect(describe2.stdout).toMatch(new RegExp(`${group}\\s+${topic}\\s+0\\s+4\\s+6`))
    const del = await cli(['share-groups', 'delete', '--group', group])
    expect(del.code, del.stderr).toBe(0)
    expect((await cli(['share-groups', 'list'])).stdout).not.toContain(group)
  })
})

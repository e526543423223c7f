/**
 * A consumer that closed does not keep the process alive: a child process (running the built
 * package, dist/esm, whose heartbeat worker thread it starts) joins a group, closes the consumer
 * and ends its script; it must exit within 500 ms of close() resolving. The heartbeat worker's
 * message port kept it alive ~1 s, until the idle worker was terminated (#18).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, inject, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'kw-close-exit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('the process exits within 500 ms of consumer.close() resolving (heartbeat thread in use)', async () => {
  const name = `close-exit-${Date.now().toString(36)}`
  const file = join(dir, 'child.mjs')
  writeFileSync(
    file,
    `
import { Admin, Consumer } from ${JSON.stringify(join(root, 'dist/esm/index.js'))}
const bootstrapServers = ${JSON.stringify(inject('kafkaBootstrapServers'))}
const admin = new Admin({ bootstrapServers })
await admin.createTopics([{ topic: '${name}' }])
await admin.close()
const consumer = new Consumer({ bootstrapServers, groupId: '${name}', heartbeatThread: true })
consumer.subscribe(['${name}'])
const until = Date.now() + 30000
while (consumer.assignment().length === 0 && Date.now() < until) await consumer.poll(200)
console.log('assigned', consumer.assignment().length)
await consumer.close()
const closedAt = performance.now()
process.on('exit', () => console.log('exited', Math.round(performance.now() - closedAt), 'ms after close'))
`,
  )
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] })
    let text = ''
    child.stdout.on('data', (d) => (text += d))
    child.stderr.on('data', (d) => (text += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the child did not exit:\n${text}`))
    }, 60_000)
    child.on('exit', () => {
      clearTimeout(timer)
      resolve(text)
    })
  })
  expect(output).toContain('assigned 1')
  const ms = Number(/exited (\d+) ms after close/.exec(output)?.[1] ?? Number.NaN)
  expect(ms, output).toBeLessThan(500)
}, 90_000)

// Share groups with other processes: a member frozen (SIGSTOP) while holding acquired records, its
// connection still open (they come back once the acquisition lock times out; a member that dies
// outright loses its connection and the broker releases its records at once), and a group shared with Apache Kafka's own
// VerifiableShareConsumer (the Java client): both get records, nothing is lost.
// The child process runs the built package (dist/esm): `npm run build` first.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ShareConsumer } from '../../../src/share/index.js'
import { JAVA_TOOLS, spawnJavaTool } from '../../../src/testing/index.js'
import {
  brokerConfig,
  createTopic,
  ensureShareGroups,
  RawProducer,
  setGroupConfig,
  uniqueName,
  values,
} from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const root = join(import.meta.dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'kw-share-'))

describe('share groups across processes', () => {
  let producer: RawProducer
  beforeAll(async () => {
    await ensureShareGroups(bootstrapServers, inject('kafkaLibDir'))
    producer = new RawProducer(bootstrapServers)
  })
  afterAll(async () => {
    await producer?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it.each([
    ['SIGSTOP', 'a frozen member (connection open) are redelivered after the acquisition lock timeout'],
    ['SIGKILL', 'a SIGKILLed member are redelivered (the broker releases them when its connection drops)'],
  ] as const)('%s: records held by %s', async (signal, _what) => {
    const topic = uniqueName('share-kill')
    const group = uniqueName('sg-kill')
    await createTopic(bootstrapServers, topic, 1)
    // The shortest lock the broker allows (1 s on kit brokers, 15 s by Kafka's default).
    const lockMs = Math.max(
      1000,
      Number((await brokerConfig(bootstrapServers, 'group.share.min.record.lock.duration.ms')) ?? 15000),
    )
    await setGroupConfig(bootstrapServers, group, {
      'share.auto.offset.reset': 'earliest',
      'share.record.lock.duration.ms': String(lockMs),
    })
    await producer.send(topic, 0, values('k', 5))
    const file = join(dir, 'holder.mjs')
    writeFileSync(
      file,
      `
import { ShareConsumer } from ${JSON.stringify(join(root, 'dist/esm/index.js'))}
const c = new ShareConsumer({ bootstrapServers: ${JSON.stringify(bootstrapServers)}, groupId: ${JSON.stringify(group)}, shareAcknowledgementMode: 'explicit' })
c.subscribe([${JSON.stringify(topic)}])
for (;;) {
  const records = await c.poll(500)
  if (records.length > 0) {
    console.log(JSON.stringify({ offsets: records.map((r) => String(r.offset)) }))
    await new Promise(() => {}) // holds the records, never acknowledges
  }
}
`,
    )
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] })
    let heldAt = 0
    try {
      const held = await new Promise<string[]>((resolve, reject) => {
        let out = ''
        const timer = setTimeout(() => reject(new Error(`the child got no records:\n${out}`)), 40_000)
        child.stderr.on('data', (d) => (out += d))
        child.stdout.on('data', (d) => {
          out += d
          const line = out.split('\n').find((l) => l.startsWith('{'))
          if (line) {
            clearTimeout(timer)
            heldAt = Date.now()
            resolve(JSON.parse(line).offsets)
          }
        })
      })
      expect(held.length).toBeGreaterThan(0)
      // SIGSTOP: frozen, not dead, its connection stays open, so only the lock timeout frees the records.
      child.kill(signal)
      const c = new ShareConsumer<null, string>({
        bootstrapServers,
        groupId: group,
        valueDeserializer: (b) => String(b),
      })
      try {
        c.subscribe([topic])
        const got = new Map<string, number>()
        const deadline = Date.now() + lockMs + 30_000
        let redeliveredAt = 0
        while (got.size < 5 && Date.now() < deadline) {
          for (const r of await c.poll(500)) {
            got.set(String(r.offset), r.deliveryCount)
            if (r.deliveryCount === 2 && redeliveredAt === 0) redeliveredAt = Date.now()
          }
        }
        // The held records come back with delivery count 2; the others were never delivered.
        expect([...got.keys()].sort()).toEqual(['0', '1', '2', '3', '4'])
        for (const o of held) expect(got.get(o)).toBe(2)
        // Not before the lock expired (less a little for the child's own poll and clock skew).
        if (signal === 'SIGSTOP') expect(redeliveredAt - heldAt).toBeGreaterThanOrEqual(lockMs - 1000)
        await c.commitSync()
      } finally {
        await c.close(5000)
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  })

  it('kafka-wire and the Java VerifiableShareConsumer share a group: both get records, nothing lost', async () => {
    const topic = uniqueName('share-java')
    const group = uniqueName('sg-java')
    await createTopic(bootstrapServers, topic, 1)
    await setGroupConfig(bootstrapServers, group, { 'share.auto.offset.reset': 'earliest' })
    const java = await spawnJavaTool(
      inject('kafkaLibDir'),
      JAVA_TOOLS.verifiableShareConsumer,
      ['--topic', topic, '--group-id', group, '--bootstrap-server', bootstrapServers, '--acknowledgement-mode', 'sync'],
      { heapMb: 256, timeoutMs: 120_000 },
    )
    const c = new ShareConsumer<null, string>({
      bootstrapServers,
      groupId: group,
      valueDeserializer: (b) => String(b),
      maxPollRecords: 10,
      shareAcquireMode: 'record_limit',
    })
    const javaAcked = new Set<number>()
    const ours = new Set<number>()
    let produced = 0
    let producing = true
    try {
      const events = (async () => {
        for await (const line of java.lines()) {
          if (!line.startsWith('{')) continue
          const e = JSON.parse(line)
          if (e.name === 'offsets_acknowledged' && e.success) {
            for (const p of e.partitions) for (const o of p.offsets) javaAcked.add(o)
          }
        }
      })()
      c.subscribe([topic])
      const consuming = (async () => {
        const until = Date.now() + 90_000
        while (Date.now() < until && (producing || javaAcked.size + ours.size < produced)) {
          const records = await c.poll(200)
          for (const r of records) ours.add(Number(r.offset))
          if (records.length > 0) {
            await c.commitSync()
            await new Promise((r) => setTimeout(r, 30))
          }
        }
      })()
      // Produce small batches until both sides have had some (the Java member joins a few seconds later).
      const until = Date.now() + 60_000
      while (Date.now() < until && (javaAcked.size === 0 || ours.size === 0 || produced < 200)) {
        await producer.send(topic, 0, values('j', 10, produced))
        produced += 10
        await new Promise((r) => setTimeout(r, 100))
      }
      producing = false
      await consuming
      await java.kill('SIGTERM')
      await events
      expect(ours.size).toBeGreaterThan(0)
      expect(javaAcked.size).toBeGreaterThan(0)
      const all = new Set([...ours, ...javaAcked])
      expect(all.size).toBe(produced)
      // One delivery each: no record went to both members.
      expect(ours.size + javaAcked.size).toBe(produced)
    } finally {
      await java.kill('SIGKILL')
      await c.close(5000)
    }
  })
})

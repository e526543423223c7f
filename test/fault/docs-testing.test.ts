// The ```ts examples of docs/testing.md run as written (here, not in the integration project,
// because the first one starts a 3-node cluster): 'kafka-wire/testing' points at the sources, and
// one line appended to each example hands what it computed to the test, which checks it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { canConnect } from '../../src/testing/ports.js'

const root = join(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'kw-testing-docs-'))
const blocks = [...readFileSync(join(root, 'docs/testing.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(
  (m) => m[1]!,
)

let counter = 0
/** Runs `code` (plus `report`, which assigns to `seen`) as a module; resolves what it reported. */
async function run(code: string, report: string): Promise<Record<string, any>> {
  const id = counter++
  const seen: Record<string, any> = {}
  const hooks = (globalThis as any).__kwTestingDocs ?? ((globalThis as any).__kwTestingDocs = {})
  hooks[id] = seen
  const src = `${code
    .replace(/from 'kafka-wire\/testing'/g, `from ${JSON.stringify(join(root, 'src/testing/index.ts'))}`)
    .replace(/from 'kafka-wire'/g, `from ${JSON.stringify(join(root, 'src/index.ts'))}`)
    .trimEnd()}\n{ const seen = (globalThis as any).__kwTestingDocs[${id}]; ${report} }\nexport {}\n`
  const file = join(dir, `example-${id}.ts`)
  writeFileSync(file, src)
  await import(file)
  return seen
}

describe('docs/testing.md', () => {
  it('has five examples', () => {
    expect(blocks).toHaveLength(5)
  })

  it('the 3-node example kills, restarts and stops nodes, and `await using` stops the cluster', async () => {
    // Appended inside the `await using` scope, before the cluster is disposed.
    const seen = await run(
      blocks[0]!,
      'seen.servers = kafka.bootstrapServers; seen.sasl = kafka.listeners.SASL_SSL!.bootstrapServers; seen.tail = kafka.logTail(3, 50)',
    )
    const servers = (seen.servers as string).split(',')
    expect(servers).toHaveLength(3)
    expect(seen.sasl).toMatch(/^[\d.]+:\d+(,[\d.]+:\d+){2}$/)
    expect((seen.tail as string).length).toBeGreaterThan(0)
    // The module has ended: `await using` stopped every node.
    for (const s of servers) {
      const [host, port] = s.split(':')
      expect(await canConnect(host!, Number(port))).toBe(false)
    }
  }, 300_000)

  it('the Java tools example writes two records with the console producer and reads them back', async () => {
    const seen = await run(blocks[1]!, 'seen.stdout = stdout')
    expect((seen.stdout as string).trim().split('\n')).toEqual(['a', 'b'])
  }, 180_000)

  it("the Java interop example: Kafka's VerifiableProducer writes 100 records, a VerifiableConsumer (KIP-848) reads them", async () => {
    const seen = await run(blocks[2]!, 'seen.acked = producer.acked.length; seen.records = java.records.length')
    expect(seen.acked).toBe(100)
    expect(seen.records).toBeGreaterThanOrEqual(100)
  }, 180_000)

  it("the KIP-714 example: the recorder on the broker gets the producer's pushes, the last one terminating", async () => {
    const seen = await run(blocks[3]!, 'seen.pushes = pushes')
    const pushes = seen.pushes as { terminating: boolean; metrics: { name: string }[] }[]
    expect(pushes.length).toBeGreaterThanOrEqual(3)
    expect(pushes.map((p) => p.terminating)).toEqual([...pushes.slice(1).map(() => false), true])
    expect(pushes[0]!.metrics.map((m) => m.name)).toEqual(['org.apache.kafka.producer.connection.count'])
  }, 300_000)

  // Only the kit's own shared broker has SSL and SCRAM users (KAFKA_BOOTSTRAP_SERVERS names a plain one).
  it.skipIf(inject('kafkaListeners').tls === undefined)(
    "the repository-only example reads the shared broker's listeners and users",
    async () => {
      const seen = await run(blocks[4]!, 'seen.bootstrapServers = bootstrapServers; seen.ca = ca; seen.alice = alice')
      expect(seen.bootstrapServers).toMatch(/:\d+/)
      expect(Buffer.isBuffer(seen.ca)).toBe(true)
      expect(seen.alice).toEqual({ name: 'alice', password: 'alice-secret' })
    },
  )
})

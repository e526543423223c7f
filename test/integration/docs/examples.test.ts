// Every ```ts example of README.md, docs/getting-started.md and docs/errors.md runs, in order, against the
// shared broker: 'localhost:9092' becomes the test broker, topic and group names get a unique
// suffix, and 'kafka-wire' points at the sources. What an example logs is checked loosely.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { Admin } from '../../../src/index.js'

const root = join(import.meta.dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'kw-docs-'))
const suffix = `-${Date.now().toString(36)}`

function examples(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

async function run(code: string, name: string, renames: string[]): Promise<string[]> {
  let src = code.split("'localhost:9092'").join(JSON.stringify(inject('kafkaBootstrapServers')))
  for (const n of renames) src = src.split(`'${n}'`).join(`'${n}${suffix}'`).split(`['${n}']`).join(`['${n}${suffix}']`)
  src = src
    .replace(/from 'kafka-wire\/testing'/g, `from ${JSON.stringify(join(root, 'src/testing/index.ts'))}`)
    .replace(/from 'kafka-wire'/g, `from ${JSON.stringify(join(root, 'src/index.ts'))}`)
    .replace(/console\.log\(/g, '__log(')
  const logged: string[] = []
  ;(globalThis as any).__kwDocsLog = (line: string) => logged.push(line)
  src = `const __log = (...a: unknown[]) => (globalThis as any).__kwDocsLog(a.map(String).join(' '))\n${src}\nexport {}\n`
  const file = join(dir, `${name}.ts`)
  writeFileSync(file, src)
  await import(file)
  return logged
}

describe('docs/getting-started.md', () => {
  const blocks = examples('docs/getting-started.md')
  const renames = ['quickstart', 'quickstart-readers']

  it('has the four runnable examples', () => {
    expect(blocks).toHaveLength(4)
  })

  it('creates a topic', async () => {
    const out = await run(blocks[0]!, 'gs-admin', renames)
    expect(out[0]).toContain(`quickstart${suffix}`)
  })

  it('produces the three ways', async () => {
    const out = await run(blocks[1]!, 'gs-produce', renames)
    expect(out[0]).toMatch(/^written to partition \d at offset \d+$/)
    expect(out[1]).toBe('100 records acknowledged')
  })

  it('consumes what was produced', async () => {
    const out = await run(blocks[2]!, 'gs-consume', renames)
    expect(out).toHaveLength(3)
    for (const line of out) expect(line).toMatch(/^\d \d+ (user-\d+|null) /)
  })

  it('gets a broker from the test kit', async () => {
    // KAFKA_BOOTSTRAP_SERVERS selects the kit's "existing cluster" provider: the example runs
    // as written without a second JVM (the kit's own tests start real ones).
    const saved = process.env.KAFKA_BOOTSTRAP_SERVERS
    process.env.KAFKA_BOOTSTRAP_SERVERS = inject('kafkaBootstrapServers')
    try {
      const out = await run(blocks[3]!, 'gs-testing', renames)
      expect(out).toEqual([inject('kafkaBootstrapServers')])
    } finally {
      if (saved === undefined) delete process.env.KAFKA_BOOTSTRAP_SERVERS
      else process.env.KAFKA_BOOTSTRAP_SERVERS = saved
    }
  })
})

describe('README.md', () => {
  it('the quick example produces and consumes one record', async () => {
    const [block] = examples('README.md')
    // The README assumes a default broker (topics auto-created); the test broker creates them explicitly.
    const admin = new Admin({ bootstrapServers: inject('kafkaBootstrapServers') })
    await admin.createTopics([{ topic: `readme-orders${suffix}`, numPartitions: 1, replicationFactor: 1 }])
    await admin.close()
    const out = await run(block!, 'readme', ['readme-orders', 'readme-billing'])
    expect(out).toHaveLength(1)
    expect(out[0]).toBe('0 0 order-1 {"total":42}')
  })
})

describe('docs/errors.md', () => {
  it('the example sends on a topic of its own and closes its producer', async () => {
    const blocks = examples('docs/errors.md')
    expect(blocks).toHaveLength(1)
    const admin = new Admin({ bootstrapServers: inject('kafkaBootstrapServers') })
    await admin.createTopics([{ topic: `errors-demo${suffix}`, numPartitions: 1, replicationFactor: 1 }])
    await admin.close()
    // The send succeeds: nothing is logged.
    expect(await run(blocks[0]!, 'errors', ['errors-demo'])).toEqual([])
  })
})

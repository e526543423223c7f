// The ```ts examples of docs/migrating-from-kafkajs.md's Overview and "Kafka & Producer" sections run
// against the shared broker, with 'kafka-wire/kafkajs' pointing at the sources and topics made unique.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, inject, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'

const root = join(import.meta.dirname, '../../..')

it('the Kafka & Producer examples of docs/migrating-from-kafkajs.md run', async () => {
  const text = readFileSync(join(root, 'docs/migrating-from-kafkajs.md'), 'utf8')
  const section = text.slice(text.indexOf('## Overview'), text.indexOf('## Consumer'))
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
  expect(blocks.length).toBeGreaterThanOrEqual(1)
  const suffix = `-${Date.now().toString(36)}`
  // The guide assumes a default broker (topics auto-created); the test broker creates them explicitly.
  {
    await using admin = new Admin({ bootstrapServers: inject('kafkaBootstrapServers') })
    await admin.createTopics([{ topic: `kafkajs-orders${suffix}`, numPartitions: 1 }])
  }
  const dir = mkdtempSync(join(tmpdir(), 'kw-kafkajs-docs-'))
  const logged: string[] = []
  ;(globalThis as Record<string, unknown>).__kjsDocsLog = (line: string) => logged.push(line)
  try {
    for (const [i, block] of blocks.entries()) {
      const src = block
        .split("'localhost:9092'")
        .join(JSON.stringify(inject('kafkaBootstrapServers')))
        .split("topic: 'kafkajs-orders'")
        .join(`topic: 'kafkajs-orders${suffix}'`)
        .replace(/from 'kafka-wire\/kafkajs'/g, `from ${JSON.stringify(join(root, 'src/kafkajs/index.ts'))}`)
        .replace(/console\.log\(/g, '__log(')
      const file = join(dir, `block-${i}.ts`)
      writeFileSync(
        file,
        `const __log = (...a: unknown[]) => (globalThis as any).__kjsDocsLog(a.map(String).join(' '))\n${src}\nexport {}\n`,
      )
      await import(file)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  // The first example sends two keyed messages (a topic of one partition).
  expect(logged[0]).toMatch(new RegExp(`^kafkajs-orders${suffix}/\\d@\\d+$`))
})

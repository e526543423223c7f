// Runs every `ts` example of docs/producing.md against the shared broker, each block in its own
// scope, with the topic names made unique.
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect, inject, it } from 'vitest'
import { createTopic } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const TOPICS = ['sales-orders', 'sales-events', 'sales-clicks', 'sales-payments']

it('the examples of docs/producing.md run', async () => {
  const root = path.resolve(import.meta.dirname, '../../..')
  const markdown = await readFile(path.join(root, 'docs/producing.md'), 'utf8')
  const blocks = [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)]
    .filter((m) => m[1]!.trim() === 'ts')
    .map((m) => m[2]!)
  expect(blocks.length).toBeGreaterThanOrEqual(8)
  const suffix = randomUUID().slice(0, 8)
  for (const t of TOPICS) await createTopic(bootstrapServers, `${t}-${suffix}`, 3)
  const imports = new Set<string>()
  const bodies: string[] = []
  for (const block of blocks) {
    const body: string[] = []
    for (const line of block.split('\n')) {
      const m = /^import (.*) from 'kafka-wire'$/.exec(line)
      if (m) imports.add(`import ${m[1]} from '${path.join(root, 'src/index.js')}'`)
      else body.push(line)
    }
    let code = body.join('\n').replaceAll("'localhost:9092'", JSON.stringify(bootstrapServers))
    for (const t of TOPICS) code = code.replaceAll(`'${t}'`, `'${t}-${suffix}'`)
    bodies.push(`  {\n${code}\n  }`)
  }
  // Merge the named imports of all blocks into one import line.
  const names = new Set<string>()
  for (const line of imports) for (const n of /\{(.*)\}/.exec(line)![1]!.split(',')) names.add(n.trim())
  const module = [
    `import { ${[...names].join(', ')} } from '${path.join(root, 'src/index.js')}'`,
    'export default async function run(): Promise<void> {',
    '  const console = { log: (..._args: unknown[]) => {} }',
    ...bodies,
    '}',
  ].join('\n')
  const dir = await mkdtemp(path.join(tmpdir(), 'kafka-wire-producer-docs-'))
  const file = path.join(dir, 'examples.ts')
  await writeFile(file, module)
  try {
    const mod = await import(/* @vite-ignore */ file)
    await mod.default()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}, 120_000)

// The ```ts examples of docs/share-groups.md run, in order, against the shared broker (as
// examples.test.ts does for the other guides): topic and group names get a unique suffix.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { enableShareGroups } from '../../../src/testing/index.js'

const root = join(import.meta.dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'kw-docs-share-'))
const suffix = `-${Date.now().toString(36)}`
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const blocks = [...readFileSync(join(root, 'docs/share-groups.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map(
  (m) => m[1]!,
)

async function run(code: string, name: string): Promise<string[]> {
  let src = code.split("'localhost:9092'").join(JSON.stringify(inject('kafkaBootstrapServers')))
  for (const n of ['jobs', 'workers'])
    src = src.split(`'${n}'`).join(`'${n}${suffix}'`).split(`['${n}']`).join(`['${n}${suffix}']`)
  src = src
    .replace(/from 'kafka-wire'/g, `from ${JSON.stringify(join(root, 'src/index.ts'))}`)
    .replace(/console\.log\(/g, '__log(')
  const logged: string[] = []
  ;(globalThis as any).__kwShareDocsLog = (line: string) => logged.push(line)
  src = `const __log = (...a: unknown[]) => (globalThis as any).__kwShareDocsLog(a.map(String).join(' '))\n${src}\nexport {}\n`
  const file = join(dir, `${name}.ts`)
  writeFileSync(file, src)
  await import(file)
  return logged
}

describe('docs/share-groups.md', () => {
  beforeAll(async () => {
    await enableShareGroups(inject('kafkaLibDir'), inject('kafkaBootstrapServers'))
  })
  it('has the two runnable examples', () => {
    expect(blocks).toHaveLength(2)
  })
  it('implicit acknowledgement: every job done', async () => {
    expect(await run(blocks[0]!, 'share-implicit')).toEqual(['10 jobs done'])
  })
  it('explicit acknowledgement: the released job comes back, all acknowledged', async () => {
    expect(await run(blocks[1]!, 'share-explicit')).toEqual(['flaky#1 flaky#2 notify#1 resize#1', 'all acknowledged'])
  })
})

// The ```ts examples of docs/transactions.md run in page order against the shared broker, as a
// reader would paste them: 'localhost:9092' becomes the test broker, topic, group and
// transactional id names get a unique suffix, 'kafka-wire' points at the sources, console.log is
// captured, and the copier's `process.once('SIGTERM', ...)` handler is handed to the test, which
// "sends SIGTERM" once the copy is done. Then the effects are checked from outside.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { format } from 'node:util'
import { describe, expect, inject, it } from 'vitest'
import { Producer } from '../../../src/producer/index.js'
import { createTopic } from './helpers.js'
import { readAll } from './txn-helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const root = join(import.meta.dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'kw-txn-docs-'))
const suffix = `-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
const NAMES = ['in', 'out', 'copier', 'copier-1']
const STOP = "process.once('SIGTERM', "

function examples(): string[] {
  const text = readFileSync(join(root, 'docs/transactions.md'), 'utf8')
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)
}

let counter = 0
/** Starts `code` as a module; resolves its completion in `done`; `stop()` calls its SIGTERM handler. */
function start(code: string) {
  let src = code.split("'localhost:9092'").join(JSON.stringify(bootstrapServers))
  for (const n of NAMES) src = src.split(`'${n}'`).join(`'${n}${suffix}'`).split(`['${n}']`).join(`['${n}${suffix}']`)
  src = src
    .replace(/from 'kafka-wire'/g, `from ${JSON.stringify(join(root, 'src/index.ts'))}`)
    .replace(/console\.log\(/g, '__log(')
  const id = counter++
  const logged: string[] = []
  let onStop: (() => void) | null = null
  const hooks = (globalThis as any).__kwTxnDocs ?? ((globalThis as any).__kwTxnDocs = {})
  hooks[id] = {
    log: (...a: unknown[]) => logged.push(format(...a)),
    onStop: (fn: () => void) => {
      onStop = fn
    },
  }
  src = src.split(STOP).join(`;(globalThis as any).__kwTxnDocs[${id}].onStop(`)
  src = `const __log = (...a: unknown[]) => (globalThis as any).__kwTxnDocs[${id}].log(...a)\n${src}\nexport {}\n`
  const file = join(dir, `example-${id}.ts`)
  writeFileSync(file, src)
  return {
    logged,
    done: import(file),
    stop() {
      if (onStop === null) throw new Error('the example registered no SIGTERM handler')
      onStop()
    },
  }
}

describe('docs/transactions.md, in page order', () => {
  const blocks = examples()
  const topic = (n: string) => `${n}${suffix}`

  it('has four examples; the first two are complete programs', () => {
    expect(blocks).toHaveLength(4)
    for (const b of blocks.slice(0, 2)) expect(b).toMatch(/^import .* from 'kafka-wire'/)
  })

  it('the basic transaction commits both sends', async () => {
    await createTopic(bootstrapServers, topic('out'), 1)
    await start(blocks[0]!).done
    expect(await readAll(bootstrapServers, topic('out'), 1, 'read_committed')).toEqual(['v', 'v'])
  })

  it('the copier copies every input record exactly once, transformed, until SIGTERM', async () => {
    await createTopic(bootstrapServers, topic('in'), 2)
    const input = new Producer<string, string>({ bootstrapServers })
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => input.send({ topic: topic('in'), key: `k${i}`, value: `v${i}` })),
    )
    await input.close()
    const copier = start(blocks[1]!)
    const expected = ['v', 'v', ...Array.from({ length: 50 }, (_, i) => `V${i}`)].sort()
    const deadline = Date.now() + 60_000
    let seen: string[] = []
    while (Date.now() < deadline) {
      seen = (await readAll(bootstrapServers, topic('out'), 1, 'read_committed')).sort()
      if (seen.length >= expected.length) break
      await new Promise((r) => setTimeout(r, 500))
    }
    copier.stop()
    await copier.done
    expect(seen).toEqual(expected)
  })

  it('the admin examples find and abort a hanging transaction on out-0', async () => {
    // A transaction left open (10-minute timeout, its producer closed without ending it) pins the LSO.
    const hanging = new Producer<string, string>({
      bootstrapServers,
      transactionalId: `hanging${suffix}`,
      transactionTimeoutMs: 600_000,
    })
    await hanging.initTransactions()
    hanging.beginTransaction()
    await hanging.send({ topic: topic('out'), partition: 0, value: 'never-committed' })
    await hanging.close()
    const after = new Producer<string, string>({ bootstrapServers })
    await after.send({ topic: topic('out'), partition: 0, value: 'after' })
    await after.close()
    // Blocks 3 and 4 share `admin`, as on the page: run them as one program.
    await start(`${blocks[2]}\n${blocks[3]}`).done
    const committed = await readAll(bootstrapServers, topic('out'), 1, 'read_committed')
    expect(committed).toContain('after')
    expect(committed).not.toContain('never-committed')
  })
})

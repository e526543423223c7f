// Every ```ts example of docs/consuming.md runs against the shared broker, as written but for
// what the test has to change: 'localhost:9092' becomes the test broker, topic and group names get
// a unique suffix, 'kafka-wire' points at the sources, console.log is captured, and the examples'
// `process.once('SIGTERM', ...)` handler (how a service-style example is stopped) is handed to the
// test, which "sends SIGTERM" once the example has done its work. Then the effects are checked:
// what was logged, and what the group committed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { format } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Consumer } from '../../../src/consumer/index.js'
import { createTopic, RawProducer, waitFor } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const root = join(import.meta.dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'kw-consuming-docs-'))
const suffix = `-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
const TOPICS = ['shop-orders', 'shop-payments', 'shipments', 'metrics']
const GROUPS = [
  'orders-service',
  'payments-writer',
  'shipping',
  'metrics-sampler',
  'orders-audit',
  'orders-iterator',
  'orders-kip848',
]
const STOP = "process.once('SIGTERM', "

function examples(): string[] {
  const text = readFileSync(join(root, 'docs/consuming.md'), 'utf8')
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

interface Running {
  logged: string[]
  /** "SIGTERM": calls the handler the example registered (throws if it registered none). */
  stop(): void
  done: Promise<unknown>
  /** Set when the example threw. */
  error: unknown
}

let counter = 0
function start(code: string): Running {
  let src = code.split("'localhost:9092'").join(JSON.stringify(bootstrapServers))
  for (const n of [...TOPICS, ...GROUPS]) src = src.split(`'${n}'`).join(`'${n}${suffix}'`)
  src = src
    .replace(/from 'kafka-wire'/g, `from ${JSON.stringify(join(root, 'src/index.ts'))}`)
    .replace(/console\.log\(/g, '__log(')
  const id = counter++
  const logged: string[] = []
  let onStop: (() => void) | null = null
  const hooks = (globalThis as any).__kwConsumingDocs ?? ((globalThis as any).__kwConsumingDocs = {})
  hooks[id] = {
    log: (...a: unknown[]) => logged.push(format(...a)),
    onStop: (fn: () => void) => {
      onStop = fn
    },
  }
  src = src.split(STOP).join(`;(globalThis as any).__kwConsumingDocs[${id}].onStop(`)
  src = `const __log = (...a: unknown[]) => (globalThis as any).__kwConsumingDocs[${id}].log(...a)\n${src}\nexport {}\n`
  const file = join(dir, `example-${id}.ts`)
  writeFileSync(file, src)
  const done = import(file)
  const running: Running = {
    logged,
    error: null,
    stop() {
      if (onStop === null) throw new Error('the example registered no SIGTERM handler')
      onStop()
    },
    done,
  }
  done.catch((err) => {
    running.error = err
  })
  return running
}

/** Waits until `predicate` holds; fails at once if the example failed. */
async function until(r: Running, what: string, predicate: () => boolean): Promise<void> {
  await waitFor(what, () => {
    if (r.error !== null) throw r.error
    return predicate()
  }).catch((err) => {
    throw r.error ?? err
  })
}

async function committed(group: string, topic: string, partitions: number): Promise<(bigint | null)[]> {
  const c = new Consumer({ bootstrapServers, groupId: `${group}${suffix}` })
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic: `${topic}${suffix}`, partition }))
    return (await c.committed(tps)).map((x) => x.offset)
  } finally {
    await c.close()
  }
}

const logsOf = (r: Running, re: RegExp) => r.logged.filter((l) => re.test(l))

describe('docs/consuming.md examples', () => {
  const blocks = examples()
  let producer: RawProducer

  beforeAll(async () => {
    producer = new RawProducer(bootstrapServers)
    await createTopic(bootstrapServers, `shop-orders${suffix}`, 3)
    for (const t of ['shop-payments', 'shipments', 'metrics']) await createTopic(bootstrapServers, `${t}${suffix}`, 1)
    for (let p = 0; p < 3; p++) {
      await producer.send(
        `shop-orders${suffix}`,
        p,
        Array.from({ length: 10 }, (_, i) => ({ key: `order-${p}-${i}`, value: JSON.stringify({ id: `${p}-${i}` }) })),
      )
    }
    await producer.send(
      `shop-payments${suffix}`,
      0,
      Array.from({ length: 250 }, (_, i) => ({ value: `payment-${i}` })),
    )
    await producer.send(
      `shipments${suffix}`,
      0,
      Array.from({ length: 20 }, (_, i) => ({ value: `parcel-${i}` })),
    )
    await producer.send(
      `metrics${suffix}`,
      0,
      Array.from({ length: 20 }, (_, i) => ({ value: `m-${i}` })),
    )
  })
  afterAll(async () => {
    await producer?.close()
  })

  it('has the eight examples, all self-contained (they import what they use)', () => {
    expect(blocks).toHaveLength(8)
    for (const b of blocks) expect(b).toMatch(/^import .* from 'kafka-wire'/)
  })

  it('the poll loop reads every order, deserialized, until SIGTERM', async () => {
    const r = start(blocks[0]!)
    await until(r, '30 orders logged', () => r.logged.length >= 30)
    r.stop()
    await r.done
    expect(r.logged).toHaveLength(30)
    for (const line of r.logged)
      expect(line).toMatch(new RegExp(`^shop-orders${suffix} \\d \\d+n \\{ id: '\\d-\\d' \\}$`))
    // Auto-commit on close: the group's positions are the end of every partition.
    expect(await committed('orders-service', 'shop-orders', 3)).toEqual([10n, 10n, 10n])
  })

  it('reads a topic from the beginning to its end without a group, then stops by itself', async () => {
    const r = start(blocks[1]!)
    await r.done
    expect(r.logged).toEqual(['read 30 orders'])
  })

  it('the async iterator hands out every record and ends on wakeup()', async () => {
    const r = start(blocks[2]!)
    await until(r, '30 orders iterated', () => r.logged.length >= 30)
    r.stop()
    await r.done
    expect(r.logged).toHaveLength(30)
    for (const line of r.logged) expect(line).toMatch(/^order order-\d-\d at offset \d+n$/)
    expect(new Set(r.logged).size).toBe(30)
    expect(await committed('orders-iterator', 'shop-orders', 3)).toEqual([10n, 10n, 10n])
  })

  it('manual commits: saves once 100 records are buffered, commits after each save (at-least-once)', async () => {
    const r = start(blocks[3]!)
    const saved = () => logsOf(r, /^saved/).reduce((n, l) => n + Number(l.split(' ')[1]), 0)
    await until(r, 'the 250 payments saved', () => saved() >= 250)
    // 30 more: fewer than 100, so they stay in the buffer, are never saved, never committed.
    await producer.send(
      `shop-payments${suffix}`,
      0,
      Array.from({ length: 30 }, (_, i) => ({ value: `late-payment-${i}` })),
    )
    await new Promise((res) => setTimeout(res, 2000))
    r.stop()
    await r.done
    expect(saved()).toBe(250)
    for (const line of r.logged) expect(Number(line.split(' ')[1])).toBeGreaterThanOrEqual(100)
    expect(await committed('payments-writer', 'shop-payments', 1)).toEqual([250n])
  })

  it('commitAsync in the loop, commitSync on the way out', async () => {
    const r = start(blocks[4]!)
    await until(r, '20 parcels shipped', () => logsOf(r, /^shipping/).length >= 20)
    r.stop()
    await r.done
    expect(r.logged).toEqual(Array.from({ length: 20 }, (_, i) => `shipping parcel-${i}`))
    expect(await committed('shipping', 'shipments', 1)).toEqual([20n])
  })

  it('at-most-once: commits what poll() returned before processing it', async () => {
    const r = start(blocks[5]!)
    const sampled = () => logsOf(r, /^sampled/).reduce((n, l) => n + Number(l.split(' ')[1]), 0)
    await until(r, '20 metrics sampled', () => sampled() >= 20)
    r.stop()
    await r.done
    expect(sampled()).toBe(20)
    expect(await committed('metrics-sampler', 'metrics', 1)).toEqual([20n])
  })

  it('the rebalance listener is told the assignment; its onPartitionsRevoked commits on close', async () => {
    const r = start(blocks[6]!)
    await until(r, '30 orders audited', () => logsOf(r, /^audited/).length >= 30)
    r.stop()
    await r.done
    expect(logsOf(r, /^now reading/)).toEqual([
      `now reading shop-orders${suffix}-0 shop-orders${suffix}-1 shop-orders${suffix}-2`,
    ])
    expect(logsOf(r, /^audited/)).toHaveLength(30)
    expect(await committed('orders-audit', 'shop-orders', 3)).toEqual([10n, 10n, 10n])
  })

  it("groupProtocol 'consumer': the broker assigns every partition to the one member, which reads everything", async () => {
    const r = start(blocks[7]!)
    await until(r, '30 orders read', () => logsOf(r, /^read/).length >= 30)
    r.stop()
    await r.done
    const assigned = logsOf(r, /^assigned/)
    expect(assigned).toHaveLength(1)
    expect(assigned[0]).toMatch(/^assigned 3 in epoch [1-9]\d*$/)
    expect(new Set(logsOf(r, /^read/)).size).toBe(30)
    expect(await committed('orders-kip848', 'shop-orders', 3)).toEqual([10n, 10n, 10n])
  })
})

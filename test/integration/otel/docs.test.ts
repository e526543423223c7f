// Runs every `ts` example of docs/observability.md against the shared broker, each block in its own
// scope, with the topic and group names made unique, and checks what they print.
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { expect, inject, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { createTopic } from '../producer/helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const NAMES = ['obs-orders', 'obs-traced', 'obs-app', 'obs-metrics', 'obs-metrics-app']
const root = path.resolve(import.meta.dirname, '../../..')
const SPECIFIERS: Record<string, string> = {
  'kafka-wire': path.join(root, 'src/index.js'),
  'kafka-wire/otel': path.join(root, 'src/otel/index.js'),
}

it('the examples of docs/observability.md run', async () => {
  const markdown = await readFile(path.join(root, 'docs/observability.md'), 'utf8')
  const blocks = [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)]
    .filter((m) => m[1]!.trim() === 'ts')
    .map((m) => m[2]!)
  // The third (client metrics) prints two lines; the fourth prints a clientInstanceId(); the fifth
  // (KIP-714) configures a client-metrics subscription and prints nothing; the sixth (logging with
  // pino) prints one record's fields.
  expect(blocks).toHaveLength(6)
  const suffix = randomUUID().slice(0, 8)
  for (const t of ['obs-orders', 'obs-traced', 'obs-metrics']) await createTopic(bootstrapServers, `${t}-${suffix}`, 1)
  // Imports of all blocks merged per module: named ones into one list, default ones as they are.
  const named = new Map<string, Set<string>>()
  const defaults = new Set<string>()
  const bodies: string[] = []
  for (const block of blocks) {
    const body: string[] = []
    for (const line of block.split('\n')) {
      const m = /^import (.*) from '([^']+)'$/.exec(line)
      if (!m) {
        body.push(line)
        continue
      }
      const from = SPECIFIERS[m[2]!] ?? m[2]!
      const braces = /^\{(.*)\}$/.exec(m[1]!.trim())
      if (braces === null) defaults.add(`import ${m[1]} from '${from}'`)
      else {
        const names = named.get(from) ?? new Set<string>()
        for (const n of braces[1]!.split(',')) names.add(n.trim())
        named.set(from, names)
      }
    }
    let code = body.join('\n').replaceAll("'localhost:9092'", JSON.stringify(bootstrapServers))
    for (const n of NAMES) code = code.replaceAll(`'${n}'`, `'${n}-${suffix}'`)
    bodies.push(`  {\n${code}\n  }`)
  }
  const module = [
    ...defaults,
    ...[...named].map(([from, names]) => `import { ${[...names].join(', ')} } from '${from}'`),
    'export default async function run(log: (...args: unknown[]) => void): Promise<void> {',
    '  const console = { log }',
    ...bodies,
    '}',
  ].join('\n')
  // Inside the repository, so that the examples' bare imports (@opentelemetry/*) resolve.
  const dir = await mkdtemp(path.join(import.meta.dirname, '.docs-run-'))
  const file = path.join(dir, 'examples.ts')
  await writeFile(file, module)
  const printed: string[] = []
  try {
    const mod = await import(/* @vite-ignore */ file)
    await mod.default((...args: unknown[]) => printed.push(args.map((a) => JSON.stringify(a) ?? String(a)).join(' ')))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  expect(printed[0]).toMatch(new RegExp(`^"obs-orders-${suffix}-0@0 acknowledged in [\\d.]+ ms"$`))
  expect(printed[1]).toBe('["traceparent"]')
  const spans = JSON.parse(printed[2]!) as string[]
  // The commit is close()'s auto-commit.
  expect(spans).toEqual([`send obs-traced-${suffix}`, 'poll', `process obs-traced-${suffix}`, 'commit'])
  // Client metrics: the producer's total, and the consumer's lag as a Prometheus line.
  expect(printed[3]).toBe('1000 "sum"')
  expect(printed[4]).toMatch(
    /^"kafka_consumer_fetch_manager_metrics_records_lag_max\{client_id=\\"kafka-wire-consumer-\d+\\"\} \d+"$/,
  )
  // The broker's id for the producer: null when the broker has no telemetry plugin (the shared one).
  expect(printed[5]).toMatch(/^(null|"[A-Za-z0-9_-]{22}")$/)
  // Logging: pino's JSON line of a refused send carries the context.
  expect(printed[6]).toBe(
    `"kafka-wire producer: send failed" "obs-logging" "obs-orders-${suffix}" "RecordTooLargeError"`,
  )
  expect(printed).toHaveLength(7)
  // The subscription the KIP-714 example configured (it matches only its own client id), removed.
  const admin = new Admin({ bootstrapServers })
  try {
    const [subscription] = await admin.describeConfigs([{ type: 'client-metrics', name: `obs-app-${suffix}` }])
    expect(subscription!.configs['interval.ms']!.value).toBe('60000')
    await admin.incrementalAlterConfigs([
      {
        type: 'client-metrics',
        name: `obs-app-${suffix}`,
        ops: ['metrics', 'interval.ms', 'match'].map((name) => ({ name, op: 'delete' as const })),
      },
    ])
  } finally {
    await admin.close()
  }
}, 120_000)

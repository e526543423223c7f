// The 512 MiB container (issue #19, bounded memory): a producer at full speed (1 KiB records) and a
// two-member consumer group run in one child process with a 256 MiB V8 heap limit
// (`--max-old-space-size`), and its RSS — what a container's cgroup limit counts — is sampled
// twice a second. It must stay under 512 MiB with the default configuration. CI runs 30 s;
// `MEMORY_SOAK_MS=300000 npx vitest run --project fault test/fault/memory/container.test.ts` runs
// five minutes (docs/reliability.md has both).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { expect, inject, it } from 'vitest'
import { createTopic, uniqueName } from '../../integration/producer/helpers.js'

const here = import.meta.dirname
const dist = process.env.KAFKA_WIRE_DIST ?? path.resolve(here, '../../../dist/esm')
const DURATION = Number(process.env.MEMORY_SOAK_MS ?? 30_000)
const LIMIT = 512 * 1024 * 1024

it(`a producer and a consumer group at full speed for ${DURATION / 1000} s stay under 512 MiB RSS`, async () => {
  if (!existsSync(path.join(dist, 'index.js'))) throw new Error('run `npm run build` first: the child runs dist/')
  const bootstrapServers = inject('kafkaBootstrapServers')
  const topic = uniqueName('container')
  await createTopic(bootstrapServers, topic, 6)
  const child = spawn(
    process.execPath,
    [
      '--max-old-space-size=256',
      path.join(here, 'full-speed-child.mjs'),
      dist,
      bootstrapServers,
      topic,
      String(DURATION),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const samples: { rss: number; produced: number; consumed: number }[] = []
  let done: { produced: number; consumed: number; peakRss: number } | undefined
  try {
    for await (const line of createInterface({ input: child.stdout! })) {
      const o = JSON.parse(line)
      if (o.type === 'sample') samples.push(o)
      if (o.type === 'done') done = o
    }
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode)
      else child.once('exit', (c) => resolve(c))
    })
    expect(code).toBe(0)
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
  expect(done).toBeDefined()
  const peak = Math.max(done!.peakRss, ...samples.map((s) => s.rss))
  process.stdout.write(
    `[container] ${DURATION / 1000} s: produced ${done!.produced}, consumed ${done!.consumed}, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB\n`,
  )
  expect(done!.produced).toBeGreaterThan(10_000)
  expect(done!.consumed).toBeGreaterThan(10_000)
  expect(peak).toBeLessThan(LIMIT)
}, 900_000)

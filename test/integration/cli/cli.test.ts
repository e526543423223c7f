// Runs the built `kafka-wire` bin (dist/esm/cli/bin.js, built by `npm test`'s pretest step)
// as a child process against the shared real broker.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const bin = join(root, 'dist/esm/cli/bin.js')
const bootstrap = inject('kafkaBootstrapServers')
const run = Date.now().toString(36)

interface Result {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

function cli(args: string[], input?: string, timeoutMs = 90_000): Promise<Result> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, KAFKA_BOOTSTRAP_SERVERS: bootstrap, CI: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`kafka-wire ${args.join(' ')} timed out\n${stderr}`))
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: performance.now() - started })
    })
    child.stdin.end(input ?? '')
  })
}

const topic = `cli-${run}`
const keyed = `cli-keyed-${run}`

describe('kafka-wire topics', () => {
  afterAll(async () => {
    await cli(['topics', 'delete', '--topic', keyed])
  })

  it('creates, lists, describes, alters and deletes a topic', async () => {
    const created = await cli([
      'topics',
      'create',
      '--topic',
      topic,
      '--partitions',
      '3',
      '--config',
      'retention.ms=3600000',
    ])
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    expect(created.stdout).toContain(`Created topic ${topic}`)

    // --if-not-exists: an existing topic is no error and nothing is printed; without it, the error names the topic.
    const again = await cli(['topics', 'create', '--topic', topic, '--if-not-exists'])
    expect(again).toMatchObject({ code: 0, stdout: '', stderr: '' })
    const clash = await cli(['topics', 'create', '--topic', topic])
    expect(clash.code).not.toBe(0)
    expect(clash.stderr).toContain('TOPIC_ALREADY_EXISTS')

    const list = await cli(['topics', 'list'])
    expect(list.code).toBe(0)
    expect(list.stdout.split('\n')).toContain(topic)

    const altered = await cli(['topics', 'alter', '--topic', topic, '--partitions', '4'])
    expect(altered.code).toBe(0)

    const described = await cli(['topics', 'describe', '--topic', topic])
    expect(described.code).toBe(0)
    expect(described.stdout).toContain('PartitionCount: 4')
    expect(described.stdout).toContain('retention.ms=3600000')
    expect(described.stdout).toMatch(/LEADER\s+REPLICAS\s+ISR/)
    expect(described.stdout.match(new RegExp(`\\t${topic}\\s+\\d`, 'g'))).toHaveLength(4)

    const deleted = await cli(['topics', 'delete', '--topic', topic])
    expect(deleted.code).toBe(0)
    const after = await cli(['topics', 'list'])
    expect(after.stdout.split('\n')).not.toContain(topic)
  })
})

describe('kafka-wire produce / consume / groups', () => {
  const lines = Array.from({ length: 30 }, (_, i) => `k${i % 5},value ${i}`)
  const group = `cli-group-${run}`

  it('produces lines with keys and consumes the same lines and keys', async () => {
    expect((await cli(['topics', 'create', '--topic', keyed, '--partitions', '2'])).code).toBe(0)
    const produced = await cli(
      ['produce', '--topic', keyed, '--property', 'parse.key=true', '--property', 'key.separator=,'],
      `${lines.join('\n')}\n`,
    )
    expect(produced.code).toBe(0)
    expect(produced.stderr).toMatch(/30 records sent/)

    const consumed = await cli([
      'consume',
      '--topic',
      keyed,
      '--from-beginning',
      '--max-messages',
      '30',
      '--property',
      'print.key=true',
      '--property',
      'key.separator=,',
    ])
    expect(consumed.code).toBe(0)
    const got = consumed.stdout.trim().split('\n')
    expect([...got].sort()).toEqual([...lines].sort())
    // Per key (so per partition), order is the send order.
    for (const k of ['k0', 'k1', 'k2', 'k3', 'k4']) {
      expect(got.filter((l) => l.startsWith(`${k},`))).toEqual(lines.filter((l) => l.startsWith(`${k},`)).sort(byIndex))
    }
  })

  it('prints JSON lines with --format json', async () => {
    const out = await cli(['consume', '--topic', keyed, '--from-beginning', '--max-messages', '5', '--format', 'json'])
    expect(out.code).toBe(0)
    const rows = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(rows).toHaveLength(5)
    for (const r of rows) {
      expect(r).toMatchObject({ topic: keyed })
      expect(Object.keys(r).sort()).toEqual(['headers', 'key', 'offset', 'partition', 'timestamp', 'topic', 'value'])
      expect(r.key).toMatch(/^k\d$/)
    }
  })

  it('groups describe shows the lag of a group that consumed part of the topic', async () => {
    const consumed = await cli([
      'consume',
      '--topic',
      keyed,
      '--group',
      group,
      '--from-beginning',
      '--max-messages',
      '10',
    ])
    expect(consumed.code).toBe(0)
    expect(consumed.stdout.trim().split('\n')).toHaveLength(10)

    const listed = await cli(['groups', 'list'])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain(group)

    const described = await cli(['groups', 'describe', '--group', group])
    expect(described.code).toBe(0)
    // As kafka-consumer-groups does for an inactive group, rows are the partitions with a
    // committed offset: together they hold the 10 records consumed, and LAG = END - CURRENT.
    const rows = tableRows(described.stdout, 'GROUP')
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.reduce((sum, r) => sum + Number(r['CURRENT-OFFSET']), 0)).toBe(10)
    for (const r of rows) expect(Number(r.LAG)).toBe(Number(r['LOG-END-OFFSET']) - Number(r['CURRENT-OFFSET']))
  })

  it('reset-offsets --dry-run changes nothing and --execute moves the offsets', async () => {
    const before = tableRows((await cli(['groups', 'describe', '--group', group])).stdout, 'GROUP')
    const dry = await cli(['groups', 'reset-offsets', '--group', group, '--topic', keyed, '--to-earliest', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(tableRows(dry.stdout, 'GROUP').every((r) => r['NEW-OFFSET'] === '0')).toBe(true)
    const unchanged = tableRows((await cli(['groups', 'describe', '--group', group])).stdout, 'GROUP')
    expect(unchanged.map((r) => r['CURRENT-OFFSET'])).toEqual(before.map((r) => r['CURRENT-OFFSET']))

    const exec = await cli([
      'groups',
      'reset-offsets',
      '--group',
      group,
      '--topic',
      keyed,
      '--to-earliest',
      '--execute',
    ])
    expect(exec.code).toBe(0)
    const after = tableRows((await cli(['groups', 'describe', '--group', group])).stdout, 'GROUP')
    expect(after.reduce((s, r) => s + Number(r.LAG), 0)).toBe(30)

    const shifted = await cli([
      'groups',
      'reset-offsets',
      '--group',
      group,
      '--topic',
      keyed,
      '--shift-by',
      '2',
      '--execute',
    ])
    expect(shifted.code).toBe(0)
    const final = tableRows((await cli(['groups', 'describe', '--group', group])).stdout, 'GROUP')
    expect(final.reduce((s, r) => s + Number(r.LAG), 0)).toBe(30 - 2 * final.length)

    expect((await cli(['groups', 'delete', '--group', group])).code).toBe(0)
  })
})

describe('kafka-wire perf', () => {
  it('perf produce prints a ProducerPerformance-style line and a table', async () => {
    const t = `cli-perf-${run}`
    expect((await cli(['topics', 'create', '--topic', t, '--partitions', '2'])).code).toBe(0)
    const out = await cli(['perf', 'produce', '--topic', t, '--num-records', '20000', '--record-size', '100'])
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/^20000 records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency/m)
    expect(out.stdout).toMatch(/records\s+records\/s\s+MB\/s\s+avg ms\s+max ms\s+p50 ms\s+p95 ms\s+p99 ms\s+p99\.9 ms/)
    // Uncapped: the latency is labelled a saturation figure; with --throughput it is not.
    expect(out.stdout).toMatch(/^Latency at saturation: .* --throughput/m)
    const consumed = await cli(['perf', 'consume', '--topic', t, '--num-records', '20000'])
    expect(consumed.code).toBe(0)
    expect(consumed.stdout).toMatch(/^20000 records consumed/m)
    // Capped (after the consume check, which counts the topic's records): no saturation label.
    const capped = await cli([
      'perf',
      'produce',
      '--topic',
      t,
      '--num-records',
      '200',
      '--record-size',
      '100',
      '--throughput',
      '1000',
    ])
    expect(capped.code).toBe(0)
    expect(capped.stdout).not.toMatch(/Latency at saturation/)
    await cli(['topics', 'delete', '--topic', t])
  })
})

describe('kafka-wire errors and usage', () => {
  it('bad flags exit 2 with a usage line', async () => {
    const out = await cli(['topics', 'list', '--nope'])
    expect(out.code).toBe(2)
    expect(out.stderr).toMatch(/unknown option '--nope'/)
    expect(out.stderr).toMatch(/usage: kafka-wire topics list \[options\]/)
    const noTopic = await cli(['topics', 'create'])
    expect(noTopic.code).toBe(2)
    expect(noTopic.stderr).toMatch(/required option '--topic <name>' not specified/)
    const missing = await cli(['consume'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--topic/)
    const unknown = await cli(['nonsense'])
    expect(unknown.code).toBe(2)
  })

  it('--help works on every command and exits 0', async () => {
    for (const args of [
      [],
      ['topics'],
      ['topics', 'create'],
      ['produce'],
      ['consume'],
      ['groups', 'reset-offsets'],
      ['perf', 'produce'],
      ['broker', 'start'],
    ]) {
      const out = await cli([...args, '--help'])
      expect(out.code, args.join(' ')).toBe(0)
      expect(out.stdout).toMatch(/Usage: kafka-wire/)
    }
  })

  it('an unreachable bootstrap server gives one clear error line within the timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-wire-cli-'))
    const props = join(dir, 'client.properties')
    writeFileSync(props, 'default.api.timeout.ms=3000\nrequest.timeout.ms=2000\n')
    let out: Awaited<ReturnType<typeof cli>>
    try {
      out = await cli(['topics', 'list', '--bootstrap-server', '127.0.0.1:1', '--command-config', props])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(out.code).toBe(1)
    const lines = out.stderr.trim().split('\n')
    // What is tried (honouring the properties file's timeout), then the error: one line each.
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^kafka-wire: cannot connect to 127\.0\.0\.1:1 \(.*\), retrying for up to 3 s/)
    expect(lines[1]).toMatch(/^kafka-wire: \w+Error: /)
    expect(out.ms).toBeLessThan(20_000)
  })
})

describe('npm run demo (reduced size)', () => {
  it('produces and consumes 50,000 records with a group of 3 and verifies each arrived exactly once', async () => {
    const out = await cli(['demo', '--records', '50000'], undefined, 120_000)
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toContain('50000 records consumed')
    expect(out.stdout).toMatch(/0 missing, 0 duplicated, 0 with a wrong value/)
    expect(out.stdout).toContain('every record exactly once')
    const consumers = tableRows(out.stdout, 'CONSUMER')
    expect(consumers).toHaveLength(3)
    expect(consumers.reduce((s, r) => s + Number(r.RECORDS), 0)).toBe(50000)
    // On a broker that was already running, it says so and leaves no topic behind.
    expect(out.stderr).toContain(`Using the broker already running at ${bootstrap}`)
    const demoTopic = /Topic (kafka-wire-demo-\d+) /.exec(out.stderr)![1]!
    const list = await cli(['topics', 'list'])
    expect(list.stdout.split('\n')).not.toContain(demoTopic)
  }, 150_000)
})

function byIndex(a: string, b: string): number {
  return Number(a.split(' ').at(-1)) - Number(b.split(' ').at(-1))
}

/** Parses an aligned table whose header line starts with `first`. */
function tableRows(text: string, first: string): Record<string, string>[] {
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l.startsWith(first))
  if (start === -1) return []
  const headers = lines[start]!.trim().split(/\s+/)
  const rows: Record<string, string>[] = []
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break
    const cells = line.trim().split(/\s+/)
    rows.push(Object.fromEntries(headers.map((h, i) => [h, cells[i] ?? ''])))
  }
  return rows
}

// The cross-client benchmark's pure parts: statistics, ratios, report, chart, tool-output parsers,
// payloads and the group-stability tracker (benchmarks/suite).
import { describe, expect, it } from 'vitest'
import {
  GroupTracker,
  groupScenario,
  Latencies,
  parseLine,
  SlowReader,
  seqOf,
  stampedValue,
  throughput,
  transactionalSends,
} from '../../../benchmarks/suite/drivers/harness.mjs'
import {
  parseConsumerPerformance,
  parseEndToEndLatency,
  parseProducerPerformance,
  parseShareConsumerPerformance,
} from '../../../benchmarks/suite/java-client.mjs'
import { jsonValues, randomLetters, valueSource } from '../../../benchmarks/suite/payloads.mjs'
import {
  BEGIN_MARK,
  END_MARK,
  formatNumber,
  formatSummary,
  renderChart,
  renderMarkdown,
  renderRatiosText,
  SECTION_TITLE,
  spliceSection,
} from '../../../benchmarks/suite/report.mjs'
import {
  HEADLINE,
  METRICS,
  SCENARIOS,
  SIZES,
  transactionalOffsetsProblem,
  transactionalRecords,
} from '../../../benchmarks/suite/scenarios.mjs'
import {
  headlineRatios,
  median,
  type Run,
  ratio,
  summarize,
  summarizeRuns,
  tlsRows,
} from '../../../benchmarks/suite/stats.mjs'

/** A scenario of the suite by its id. */
const byId = (id: string) => SCENARIOS.find((s) => s.id === id)!

describe('median / summarize', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([5])).toBe(5)
    expect(median([])).toBeNaN()
  })

  it('ignores non-finite values', () => {
    expect(median([1, Number.NaN, 3, Number.POSITIVE_INFINITY, 2])).toBe(2)
    expect(summarize([Number.NaN])).toBeNull()
  })

  it('reports median, min, max and count', () => {
    expect(summarize([10, 30, 20])).toEqual({ median: 20, min: 10, max: 30, n: 3 })
  })
})

const runs: Run[] = [
  { scenario: 'P1', client: 'kafka-wire', rep: 1, ok: true, metrics: { recordsPerSec: 300, peakRssMb: 80 } },
  { scenario: 'P1', client: 'kafka-wire', rep: 2, ok: true, metrics: { recordsPerSec: 200, peakRssMb: 90 } },
  { scenario: 'P1', client: 'kafka-wire', rep: 3, ok: true, metrics: { recordsPerSec: 250, peakRssMb: 85 } },
  { scenario: 'P1', client: 'kafkajs', rep: 1, ok: true, metrics: { recordsPerSec: 100 } },
  { scenario: 'P1', client: 'kafkajs', rep: 2, ok: false, error: 'boom' },
  { scenario: 'P1', client: 'java', rep: 1, ok: true, metrics: { recordsPerSec: 500 } },
  { scenario: 'L1', client: 'kafka-wire', rep: 1, ok: true, metrics: { p99Ms: 4 } },
  { scenario: 'L1', client: 'java', rep: 1, ok: true, metrics: { p99Ms: 2 } },
  { scenario: 'P2', client: 'kafka-wire', rep: 1, ok: true, metrics: { recordsPerSec: 50, peakRssMb: 120 } },
]

describe('summarizeRuns and ratios', () => {
  it('summarizes successful runs per scenario, client and metric, and collects failures', () => {
    const { summary, failures } = summarizeRuns(runs)
    expect(summary.P1!['kafka-wire']!.recordsPerSec).toEqual({ median: 250, min: 200, max: 300, n: 3 })
    expect(summary.P1!.kafkajs!.recordsPerSec!.n).toBe(1)
    expect(failures.P1!.kafkajs).toEqual(['boom'])
  })

  it('ratio > 1 means kafka-wire is ahead, for both directions of "better"', () => {
    const s = (m: number) => ({ median: m, min: m, max: m, n: 1 })
    expect(ratio(s(250), s(100), 'higher')).toBe(2.5)
    expect(ratio(s(4), s(2), 'lower')).toBe(0.5)
    expect(ratio(s(1), undefined)).toBeNull()
    expect(ratio(s(0), s(1))).toBeNull()
  })

  it('computes headline ratios per scenario', () => {
    const { summary } = summarizeRuns(runs)
    const rows = headlineRatios(summary, SCENARIOS, HEADLINE, 'kafka-wire', ['kafkajs', 'java'])
    const p1 = rows.find((r) => r.scenario === 'P1')!
    expect(p1.ratios.kafkajs).toBe(2.5)
    expect(p1.ratios.java).toBe(0.5)
    const l1 = rows.find((r) => r.scenario === 'L1')!
    expect(l1.metric).toBe('p99Ms')
    expect(l1.ratios.java).toBe(0.5)
    expect(rows.filter((r) => r.scenario === 'G1').map((r) => r.metric)).toEqual(['stabiliseMs', 'rebalanceMs'])
  })
})

describe('report', () => {
  const results = {
    meta: {
      date: '2026-11-22T00:00:00Z',
      host: 'vm',
      repetitions: 3,
      machine: { cores: 2, cpuModel: 'cpu', memoryGiB: 24, os: 'Linux', node: 'v20' },
      kafka: { version: '4.3.1', provider: 'jvm', bootstrap: '127.0.0.1:1', jvmFlags: ['-Xms1024m'] },
      clients: {
        'kafka-wire': { status: 'ok', version: '0.1.0', runtime: 'Node v20' },
        kafkajs: { status: 'ok', version: '2.2.4', runtime: 'Node v20' },
        'node-rdkafka': { status: 'skipped', reason: 'gyp ERR! no headers', runtime: 'Node v20' },
        java: { status: 'ok', version: '4.3.1', runtime: 'JVM' },
      },
    },
    runs,
  }

  it('formats numbers compactly', () => {
    expect(formatNumber(1_234_567)).toBe('1.23M')
    expect(formatNumber(412_345)).toBe('412k')
    expect(formatNumber(12_345)).toBe('12.3k')
    expect(formatNumber(2345)).toBe('2,345')
    expect(formatNumber(1.2345)).toBe('1.23')
    expect(formatNumber(Number.NaN)).toBe('–')
    expect(formatSummary({ median: 250, min: 200, max: 300, n: 3 })).toBe('250 (200–300)')
    expect(formatSummary({ median: 250, min: 250, max: 250, n: 1 })).toBe('250')
  })

  it('renders machine, clients (with skip reasons), results, memory and ratios', () => {
    const md = renderMarkdown(results, {
      scenarios: SCENARIOS,
      metrics: METRICS,
      headline: HEADLINE,
      chartPath: 'x.svg',
    })
    expect(md).toContain('| CPU | 2 cores, cpu |')
    expect(md).toContain('skipped: gyp ERR! no headers')
    expect(md).toContain('| **P1** records/s | 250 (200–300) | 100 | 500 |')
    expect(md).toContain('| P2 | 120 |')
    // M1 has a row for every throughput scenario that ran, not only P2 and C2 (issue #22).
    expect(md).toContain('| P1 | 85.0 (80.0–90.0) |')
    expect(md).toMatch(/\| P1 \| recordsPerSec \| 2\.50× \| 0\.50× \|/)
    expect(md).toContain('![Throughput per scenario](x.svg)')
  })

  it('P2-TLS and C2-TLS are P2 and C2 over the SSL listener; the report divides each by its plaintext twin', () => {
    for (const [tls, plain] of [
      ['P2-TLS', 'P2'],
      ['C2-TLS', 'C2'],
    ] as const) {
      const { id: _a, title: _b, tls: on, plaintext, ...work } = byId(tls)
      const { id: _c, title: _d, ...plainWork } = byId(plain)
      expect([on, plaintext]).toEqual([true, plain])
      expect(work).toEqual(plainWork) // the same work, only the listener differs
    }
    const tlsRuns: Run[] = [
      { scenario: 'P2', client: 'kafka-wire', ok: true, metrics: { recordsPerSec: 200 } },
      { scenario: 'P2', client: 'kafka-wire', ok: true, metrics: { recordsPerSec: 100 } },
      { scenario: 'P2-TLS', client: 'kafka-wire', ok: true, metrics: { recordsPerSec: 135 } },
      { scenario: 'P2', client: 'java', ok: true, metrics: { recordsPerSec: 100 } },
      { scenario: 'P2-TLS', client: 'java', ok: false, error: 'x' },
      { scenario: 'C2-TLS', client: 'kafka-wire', ok: true, metrics: { recordsPerSec: 10 } },
    ]
    const { summary } = summarizeRuns(tlsRuns)
    // C2 did not run: no row for C2-TLS.
    expect(tlsRows(summary, SCENARIOS)).toEqual([
      { scenario: 'P2-TLS', plaintext: 'P2', ratios: { 'kafka-wire': 0.9 } },
    ])
    const md = renderMarkdown(
      { ...results, runs: tlsRuns },
      { scenarios: SCENARIOS, metrics: METRICS, headline: HEADLINE },
    )
    expect(md).toContain('### TLS: records/s over TLS / in plaintext')
    expect(md).toMatch(/\| P2-TLS \/ P2 \| 0\.90× \| – \|/)
    expect(renderMarkdown(results, { scenarios: SCENARIOS, metrics: METRICS, headline: HEADLINE })).not.toContain(
      '### TLS',
    )
  })

  it('leaves M1 out when no throughput scenario ran', () => {
    const md = renderMarkdown(
      { ...results, runs: runs.filter((r) => r.scenario === 'L1') },
      { scenarios: SCENARIOS, metrics: METRICS, headline: HEADLINE },
    )
    expect(md).not.toContain('### M1')
    expect(renderMarkdown(results, { scenarios: SCENARIOS, metrics: METRICS, headline: HEADLINE })).toContain('### M1')
  })

  it('shows a scenario a client does not implement as unsupported, not failed', () => {
    const md = renderMarkdown(
      {
        ...results,
        runs: [
          { scenario: 'S1', client: 'kafka-wire', rep: 1, ok: true, metrics: { recordsPerSec: 300 } },
          { scenario: 'S1', client: 'java', rep: 1, ok: true, metrics: { recordsPerSec: 200 } },
          {
            scenario: 'S1',
            client: 'kafkajs',
            rep: 1,
            ok: false,
            unsupported: true,
            error: 'share is not implemented',
          },
        ],
      },
      { scenarios: SCENARIOS.filter((s) => s.id === 'S1'), metrics: METRICS, headline: HEADLINE },
    )
    expect(md).toContain('| **S1** records/s | 300 | unsupported | 200 |')
    expect(md).toMatch(/\| S1 \| recordsPerSec \| – \| 1\.50× \|/)
  })

  it('prints ratios as a plain table', () => {
    const text = renderRatiosText(results, { scenarios: SCENARIOS, headline: HEADLINE })
    expect(text.split('\n')[0]).toMatch(/^scenario\s+metric\s+kafka-wire\/kafkajs\s+kafka-wire\/java/)
    expect(text).toMatch(/P1\s+recordsPerSec\s+2\.50×\s+0\.50×/)
  })

  it('splices the generated block into docs/performance.md without touching other sections', () => {
    const other = '# Performance\n\n## Producer\n\nnumbers\n'
    const once = spliceSection(other, 'table v1')
    expect(once.startsWith(other)).toBe(true)
    expect(once).toContain(`${SECTION_TITLE}\n\n${BEGIN_MARK}\n\ntable v1\n\n${END_MARK}`)
    const notes = `${once}\n### Where the time goes\n\nhand-written\n\n## Consumer\n\nmore\n`
    const twice = spliceSection(notes, 'table v2')
    expect(twice).toContain('table v2')
    expect(twice).not.toContain('table v1')
    expect(twice).toContain('hand-written')
    expect(twice).toContain('## Consumer\n\nmore')
    expect(twice.indexOf('## Producer')).toBe(once.indexOf('## Producer'))
    // A section that exists without markers gets the block under its title.
    const bare = spliceSection('## Cross-client benchmark\n\nintro\n', 'gen')
    expect(bare.indexOf(BEGIN_MARK)).toBeGreaterThan(0)
    expect(bare).toContain('intro')
    expect(bare.match(/## Cross-client benchmark/g)).toHaveLength(1)
  })

  it('draws one SVG panel per throughput scenario with a bar and whisker per client', () => {
    const svg = renderChart(results, { scenarios: SCENARIOS })
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trim().endsWith('</svg>')).toBe(true)
    for (const id of ['P1', 'P2', 'P5', 'C1', 'C2']) expect(svg).toContain(`>${id} — `)
    expect(svg).not.toContain('>L1 — ')
    // kafka-wire's P1 bar: median 250 of a panel maximum 500 → half the plot width.
    const bar = /<rect x="230" y="\d+" width="([\d.]+)" height="16" fill="#2563eb">/.exec(svg)
    expect(Number(bar![1])).toBeCloseTo((880 - 230 - 90 - 20) / 2, 0)
    expect(svg).toContain('no result')
    expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;)/)
  })
})

describe('Java tool output', () => {
  it('parses ProducerPerformance final line (after periodic lines)', () => {
    const out = [
      '250000 records sent, 49990.0 records/sec (4.77 MB/sec), 5.1 ms avg latency, 200.0 ms max latency.',
      '1000000 records sent, 523560.209424 records/sec (49.93 MB/sec), 12.34 ms avg latency, 456.00 ms max latency, 10 ms 50th, 20 ms 95th, 30 ms 99th, 40 ms 99.9th.',
    ].join('\n')
    expect(parseProducerPerformance(out)).toEqual({
      records: 1_000_000,
      seconds: 1.91,
      recordsPerSec: 523560,
      mbPerSec: 49.93,
      sendP99Ms: 30,
    })
    expect(() => parseProducerPerformance('nothing')).toThrow(/no ProducerPerformance summary/)
  })

  it('parses ConsumerPerformance data line', () => {
    const out =
      'WARN something\n2026-11-22 03:00:00:000, 2026-11-22 03:00:02:000, 95.3674, 47.6837, 1000000, 500000.0000, 1500, 500, 190.7349, 2000000.0000\n'
    expect(parseConsumerPerformance(out)).toMatchObject({
      records: 1_000_000,
      recordsPerSec: 500000,
      mbPerSec: 47.6837,
      rebalanceMs: 1500,
      fetchRecordsPerSec: 2000000,
    })
  })

  it('parses ShareConsumerPerformance share-group line, and the fewest records of one consumer', () => {
    const out = [
      'Share consumer 1 consumption metrics- 2026-12-05 07:00:00:000, 2026-12-05 07:00:02:000, 4.7684, 2.3842, 25000.0000, 50000, 2000',
      '2026-12-05 07:00:00:000, 2026-12-05 07:00:02:000, 9.5367, 4.7684, 50000.0000, 100000, 2000',
      'Share consumer 2 having client id perf-share-consumer-client consumption metrics- 2026-12-05 07:00:00:000, 2026-12-05 07:00:02:000, 4.7684, 2.3842, 25000.0000, 49000, 2000',
    ].join('\n')
    expect(parseShareConsumerPerformance(out)).toEqual({
      records: 100_000,
      seconds: 2,
      recordsPerSec: 50000,
      mbPerSec: 4.7684,
      minPerConsumer: 49000,
    })
    // ConsumerPerformance's 10-field line is not a share line.
    expect(() =>
      parseShareConsumerPerformance('2026-11-22 03:00:00:000, x, 95.3, 47.6, 1000000, 500000.0, 1500, 500, 190.7, 2.0'),
    ).toThrow(/no ShareConsumerPerformance data line/)
  })
})

describe('EndToEndLatency output', () => {
  it('parses average and percentiles (whole milliseconds)', () => {
    const out = 'Avg latency: 1.2345 ms\n\nPercentiles: 50th = 1, 99th = 3, 99.9th = 12\n'
    expect(parseEndToEndLatency(out)).toEqual({ avgMs: 1.2345, p50Ms: 1, p99Ms: 3, p999Ms: 12 })
    expect(() => parseEndToEndLatency('')).toThrow(/no EndToEndLatency summary/)
  })
})

describe('payloads and driver helpers', () => {
  it('makes values of exactly the requested size, deterministically', () => {
    expect(randomLetters(100)).toHaveLength(100)
    expect(randomLetters(100).equals(randomLetters(100))).toBe(true)
    expect(/^[A-Z]+$/.test(randomLetters(100).toString())).toBe(true)
    const json = jsonValues(1024, 10)
    expect(json).toHaveLength(10)
    for (const v of json) {
      expect(v).toHaveLength(1024)
      expect(v.includes(10)).toBe(false)
    }
    expect(new Set(json.map((v) => v.toString())).size).toBe(10)
    expect(valueSource('json', 1024)(1001).equals(valueSource('json', 1024)(1))).toBe(true)
  })

  it('throughput metrics and latency percentiles', () => {
    expect(throughput(1000, 1024 * 1024, 500)).toEqual({
      records: 1000,
      seconds: 0.5,
      recordsPerSec: 2000,
      mbPerSec: 2,
    })
    const l = new Latencies(4)
    for (let i = 1; i <= 1000; i++) l.record(i)
    expect(l.summary()).toMatchObject({ count: 1000, p50Ms: 501, p99Ms: 991, p999Ms: 1000, maxMs: 1000 })
  })

  it('stamps latency values with a sequence number', () => {
    const v = stampedValue(Buffer.alloc(100), 42)
    expect(v).toHaveLength(100)
    expect(seqOf(v)).toBe(42)
  })

  it('parses only protocol lines', () => {
    expect(parseLine('@@bench {"type":"result","metrics":{"a":1}}')).toEqual({ type: 'result', metrics: { a: 1 } })
    expect(parseLine('{"level":"INFO"}')).toBeNull()
    expect(parseLine('@@bench {broken')).toBeNull()
  })

  it('GroupTracker: stable only when assignments are complete, disjoint and every member has one', async () => {
    const t = new GroupTracker(4)
    for (const m of [0, 1]) t.join(m)
    t.assigned(0, [0, 1, 2, 3])
    expect(t.complete()).toBe(false) // member 1 has no assignment yet
    t.assigned(1, [2, 3])
    expect(t.complete()).toBe(false) // overlap
    t.assigned(0, [0, 1])
    expect(t.complete()).toBe(true)
    const at = t.lastChange
    expect(await t.waitStable(20, 1000)).toBe(at)
    t.leave(1)
    expect(t.complete()).toBe(false)
    t.assigned(0, [0, 1, 2, 3])
    expect(t.complete()).toBe(true)
  })

  it('GroupTracker.waitStable times out with the state', async () => {
    const t = new GroupTracker(2)
    t.join(0)
    t.assigned(0, [0])
    await expect(t.waitStable(10, 50)).rejects.toThrow(/not stable after 50 ms: 0:\[0\]/)
  })

  it('G1 under both group protocols for 10, 3 and 1 members; smoke runs only the 10-member ones (capped)', () => {
    const g1 = SCENARIOS.filter((s) => s.kind === 'group')
    expect(g1.map((s) => [s.id, s.groupProtocol, s.members, s.smoke ?? true])).toEqual([
      ['G1', 'classic', 10, true],
      ['G1-3', 'classic', 3, false],
      ['G1-1', 'classic', 1, false],
      ['G1c', 'consumer', 10, true],
      ['G1c-3', 'consumer', 3, false],
      ['G1c-1', 'consumer', 1, false],
    ])
  })

  it('S1 and S2 share-consume 100 B and 1 KB with 1 and 3 consumers on a 1-partition topic; smoke runs only S1-3', () => {
    const share = SCENARIOS.filter((s) => s.kind === 'share')
    expect(share.map((s) => [s.id, s.valueSize, s.consumers, s.partitions, s.source, s.smoke ?? true])).toEqual([
      ['S1', 100, 1, 1, 'S1', false],
      ['S1-3', 100, 3, 1, 'S1', true],
      ['S2', 1024, 1, 1, 'S2', false],
      ['S2-3', 1024, 3, 1, 'S2', false],
    ])
    expect(HEADLINE.share?.key).toBe('recordsPerSec')
    expect(METRICS.share?.map(([k]) => k)).toEqual(['recordsPerSec', 'mbPerSec', 'peakRssMb'])
  })

  it('groupScenario: a group of 1 stabilises, its member leaves, and rebalanceMs is null', async () => {
    const calls: string[] = []
    const result = await groupScenario(
      { members: 1, partitions: 2, quietMs: 10, stableTimeoutMs: 1000 },
      (i: number, tracker: GroupTracker) => ({
        start: async () => {
          calls.push(`start ${i}`)
          tracker.assigned(i, [0, 1])
        },
        close: async () => {
          calls.push(`close ${i}`)
        },
      }),
      { onStable: async () => calls.push('stable') },
    )
    expect(calls).toEqual(['start 0', 'stable', 'close 0'])
    expect(result).toMatchObject({ members: 1, partitions: 2, rebalanceMs: null })
    expect(result.stabiliseMs).toBeGreaterThanOrEqual(0)
  })
})

describe('M2: the memory of a slow consumer (#24)', () => {
  it('has the sizes of the issue in full mode and small ones in smoke mode', () => {
    const m2 = byId('M2')
    expect(m2).toMatchObject({
      kind: 'slow-consume',
      valueSize: 1024,
      fetchMaxBytes: 16 * 1024 * 1024,
      maxPartitionFetchBytes: 1024 * 1024,
      maxPollRecords: 200,
      pauseMs: 100,
    })
    expect(m2.smoke).toBeUndefined()
    expect(SIZES.full).toMatchObject({ slowPartitions: 500, slowDurationMs: 25_000 })
    expect(SIZES.full.slowRecords! * 1024).toBe(300 * 1024 * 1024)
    expect(SIZES.smoke.slowPartitions).toBeLessThan(SIZES.full.slowPartitions!)
  })

  it('renders peak RSS, growth and records read, and ratios of peak and growth', () => {
    const m2runs: Run[] = [
      {
        scenario: 'M2',
        client: 'kafka-wire',
        rep: 1,
        ok: true,
        metrics: { peakRssMb: 120, baseRssMb: 60, rssGrowthMb: 60, records: 48000 },
      },
      {
        scenario: 'M2',
        client: 'java',
        rep: 1,
        ok: true,
        metrics: { peakRssMb: 240, baseRssMb: 120, rssGrowthMb: 120, records: 49000 },
      },
    ]
    const md = renderMarkdown(
      { meta: { clients: {} }, runs: m2runs },
      { scenarios: SCENARIOS, metrics: METRICS, headline: HEADLINE },
    )
    expect(md).toContain('| **M2** peak RSS MB | 120 | 240 |')
    expect(md).toContain('| **M2** RSS growth over connected MB | 60.0 | 120 |')
    expect(md).toContain('| **M2** records read | 48.0k | 49.0k |')
    expect(md).toMatch(/\| M2 \| peakRssMb \| 2\.00× \|/)
    expect(md).toMatch(/\| M2 \| rssGrowthMb \| 2\.00× \|/)
  })

  it('SlowReader starts the clock at the first record handed over', async () => {
    const r = new SlowReader({ durationMs: 30 })
    r.received(0, 0)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(r.done()).toBe(false)
    r.received(200, 200 * 1024)
    expect(r.done()).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(r.done()).toBe(true)
    expect(r.metrics()).toMatchObject({ records: 200, mbRead: 0.2 })
  })
})

describe('T1–T4: transactional produce (#15)', () => {
  it('covers 100 B × 100 / 1,000 / 10,000 records per transaction and 1 KB × 1,000; smoke runs only T1', () => {
    const t = SCENARIOS.filter((s) => s.kind === 'txn-produce')
    expect(t.map((s) => [s.id, s.valueSize, s.recordsPerTransaction, s.acks, s.idempotent, s.smoke ?? true])).toEqual([
      ['T1', 100, 1000, 'all', true, true],
      ['T2', 1024, 1000, 'all', true, false],
      ['T3', 100, 100, 'all', true, false],
      ['T4', 100, 10_000, 'all', true, false],
    ])
    expect(HEADLINE['txn-produce']).toEqual({ key: 'recordsPerSec', unit: 'records/s', better: 'higher' })
    expect(METRICS['txn-produce']?.map(([k]) => k)).toEqual(['recordsPerSec', 'mbPerSec', 'peakRssMb'])
  })

  it('runs whole transactions, at least two, of its own full size, --records winning', () => {
    const full = { records: 1_000_000 }
    const sizes = ['T1', 'T2', 'T3', 'T4'].map((id) => transactionalRecords(byId(id), full, { mode: 'full' }))
    expect(sizes).toEqual([500_000, 250_000, 200_000, 1_000_000])
    // At least 100 transactions each in full runs.
    expect(['T1', 'T2', 'T3', 'T4'].map((id, i) => sizes[i]! / (byId(id).recordsPerTransaction as number))).toEqual([
      500, 250, 2000, 100,
    ])
    expect(transactionalRecords(byId('T3'), { records: 2000 }, { mode: 'smoke' })).toBe(2000)
    // Smoke's 2,000 records are less than two transactions of 10,000.
    expect(transactionalRecords(byId('T4'), { records: 2000 }, { mode: 'smoke' })).toBe(20_000)
    expect(transactionalRecords(byId('T1'), full, { mode: 'full', recordsOption: 2500 })).toBe(3000)
    expect(transactionalRecords(byId('T3'), full, { mode: 'full', recordsOption: 50_000 })).toBe(50_000)
  })

  it('transactionalSends runs one transaction at a time, the last one short', async () => {
    const calls: [number, number][] = []
    let open = 0
    const r = await transactionalSends(2500, 1000, async (from: number, count: number) => {
      open++
      expect(open).toBe(1)
      await new Promise((resolve) => setTimeout(resolve, 1))
      calls.push([from, count])
      open--
    })
    expect(calls).toEqual([
      [0, 1000],
      [1000, 1000],
      [2000, 500],
    ])
    expect(r.transactions).toBe(3)
    expect(r.elapsedMs).toBeGreaterThan(0)
  })

  it('accepts offsets of committed transactions only', () => {
    const run = { records: 2000, recordsPerTransaction: 1000 }
    const at = (hw: number[], lso = hw) =>
      hw.map((h, partition) => ({ partition, highWatermark: h, lastStable: lso[partition]! }))
    // 2,000 records, 2 transactions, each on 2 of 3 partitions: 2,000 + 4 markers.
    expect(transactionalOffsetsProblem(at([1001, 1002, 1]), run)).toBeNull()
    // Each on 1 partition (the fewest markers) and on all 3 (the most).
    expect(transactionalOffsetsProblem(at([2002, 0, 0]), run)).toBeNull()
    expect(transactionalOffsetsProblem(at([670, 668, 668]), run)).toBeNull()
    expect(transactionalOffsetsProblem(at([1001, 1002, 1], [1001, 1000, 1]), run)).toMatch(
      /transaction left open: .* partition\(s\) 1$/,
    )
    // Records missing, or an aborted attempt's records and markers on top.
    expect(transactionalOffsetsProblem(at([1001, 999, 1]), run)).toMatch(/2001 offsets written; .* 2002–2006/)
    expect(transactionalOffsetsProblem(at([2002, 1001, 1]), run)).toMatch(/3004 offsets written/)
  })

  it('L3: latency through an exactly-once copier at 1,000 records/s, not in smoke runs', () => {
    expect(byId('L3')).toMatchObject({ kind: 'txn-latency', rate: 1000, valueSize: 100, acks: 1, smoke: false })
    expect(HEADLINE['txn-latency']).toEqual({ key: 'p99Ms', unit: 'ms p99', better: 'lower' })
    expect(METRICS['txn-latency']?.map(([k]) => k)).toEqual(['p50Ms', 'p99Ms', 'p999Ms', 'achievedRate'])
    for (const mode of ['full', 'smoke'] as const)
      expect(SIZES[mode].txnLatencyWarmupRecords).toBeLessThan(SIZES[mode].txnLatencyRecords!)
  })

  it('renders the T rows and the ratio against the Java client', () => {
    const runs: Run[] = [
      { scenario: 'T1', client: 'kafka-wire', rep: 1, ok: true, metrics: { recordsPerSec: 30000, mbPerSec: 2.86 } },
      { scenario: 'T1', client: 'java', rep: 1, ok: true, metrics: { recordsPerSec: 20000, mbPerSec: 1.91 } },
    ]
    const opts = { scenarios: [byId('T1')], metrics: METRICS, headline: HEADLINE }
    const md = renderMarkdown({ meta: { clients: {} }, runs }, opts)
    expect(md).toContain('| **T1** records/s | 30.0k | 20.0k |')
    expect(md).toMatch(/\| T1 \| recordsPerSec \| 1\.50× \|/)
    expect(renderChart({ meta: {}, runs }, opts)).toContain('T1 — transactional produce 100 B')
  })
})

describe('C4/C5: consuming compressed topics (#22)', () => {
  it('are the consumer side of P4/P5: the same values and codec, each from a topic of its own', () => {
    for (const [consume, produce] of [
      ['C4', 'P4'],
      ['C5', 'P5'],
    ] as const) {
      const c = byId(consume)
      const p = byId(produce)
      expect(c.kind).toBe('consume')
      expect(c.source).toBe(consume)
      expect([c.valueSize, c.valueKind, c.compression]).toEqual([p.valueSize, p.valueKind, p.compression])
    }
  })

  it('a driver error marked unsupported (a codec the client’s build lacks) is reported as unsupported, exit 0', async () => {
    const { spawnSync } = await import('node:child_process')
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const harness = new URL('../../../benchmarks/suite/drivers/harness.mjs', import.meta.url).href
    const driver = `import { runDriver } from ${JSON.stringify(harness)}
await runDriver({ consume: async () => { throw Object.assign(new Error('no zstd in this build'), { unsupported: true }) } })`
    const spec = JSON.stringify({ kind: 'consume', timeoutMs: 10_000 })
    const dir = mkdtempSync(join(tmpdir(), 'kw-driver-'))
    const run = (source: string) => {
      writeFileSync(join(dir, 'driver.mjs'), source)
      return spawnSync(process.execPath, [join(dir, 'driver.mjs'), spec], { encoding: 'utf8' })
    }
    try {
      const r = run(driver)
      expect(r.status).toBe(0)
      const line = r.stdout.split('\n').find((l) => l.startsWith('@@bench '))!
      expect(JSON.parse(line.slice('@@bench '.length))).toMatchObject({
        type: 'unsupported',
        message: 'no zstd in this build',
      })
      // Any other error is a failed run.
      const failing = driver.replace(', { unsupported: true }', '')
      const f = run(failing)
      expect(f.status).toBe(1)
      expect(f.stdout).toContain('"type":"error"')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/**
 * Cross-checks the assignors against Apache Kafka's own, run from the kafka-clients jar that the
 * test kit downloads into .kafka/libs-<version>/ (or the classpath in KAFKA_WIRE_JAVA_CLASSPATH).
 * Skipped when javac or the jars are missing, so the unit tier still needs only Node.
 *
 * Expected: the same assignment as Java for every random case, except where Java's own result is
 * wrong. Java 4.3's general sticky path can throw (NullPointerException) or give a partition
 * back to a previous owner that no longer subscribes to its topic, and its cooperative-sticky can
 * hand a partition to a stale claimant while the valid owner still has it. In those cases ours
 * must be valid and keep the cooperative rule.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAssignors,
  decodeStickyUserData,
  encodeCooperativeUserData,
  encodeStickyUserData,
  type MemberSubscription,
  type TopicPartition,
} from '../../../../src/consumer/assignors/index.js'
import { expectValid, tp } from './helpers.js'

const HARNESS_DIR = join(import.meta.dirname, 'java-oracle')

function kafkaClasspath(): string | null {
  if (process.env.KAFKA_WIRE_JAVA_CLASSPATH) return process.env.KAFKA_WIRE_JAVA_CLASSPATH
  const root = join(import.meta.dirname, '../../../../.kafka')
  if (!existsSync(root)) return null
  const libs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith('libs-'))
    .map((d) => d.name)
    .sort()
    .reverse()
    .find((d) => readdirSync(join(root, d)).some((f) => f.startsWith('kafka-clients-')))
  return libs ? `${join(root, libs)}/*` : null
}

const classpath = kafkaClasspath()
const javaAvailable = classpath !== null && spawnSync('javac', ['-version']).status === 0

interface Scenario {
  assignor: string
  racks: boolean
  sameSubscriptions: boolean
}

interface Case {
  assignor: string
  topics: [name: string, partitions: number, racks: string[][] | null][]
  members: MemberSubscription[]
}

const SCENARIOS: Scenario[] = [
  { assignor: 'range', racks: false, sameSubscriptions: false },
  { assignor: 'range', racks: true, sameSubscriptions: false },
  { assignor: 'range', racks: true, sameSubscriptions: true },
  { assignor: 'roundrobin', racks: false, sameSubscriptions: false },
  { assignor: 'sticky', racks: false, sameSubscriptions: true },
  { assignor: 'sticky', racks: false, sameSubscriptions: false },
  { assignor: 'sticky', racks: true, sameSubscriptions: true },
  { assignor: 'sticky', racks: true, sameSubscriptions: false },
  { assignor: 'cooperative-sticky', racks: false, sameSubscriptions: true },
  { assignor: 'cooperative-sticky', racks: false, sameSubscriptions: false },
  { assignor: 'cooperative-sticky', racks: true, sameSubscriptions: true },
  { assignor: 'cooperative-sticky', racks: true, sameSubscriptions: false },
]
const CASES_PER_SCENARIO = 150

/** Random groups with static members, racks, and previous assignments including conflicting claims. */
function caseArbitrary({ assignor, racks, sameSubscriptions }: Scenario): fc.Arbitrary<Case> {
  const rack = fc.constantFrom('r0', 'r1', 'r2')
  return fc
    .record({
      counts: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 4 }),
      memberCount: fc.integer({ min: 1, max: 7 }),
      masks: fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 7, maxLength: 7 }),
      instanceIds: fc.array(fc.option(fc.constantFrom('i0', 'i1', 'i2', 'i3', 'i4'), { nil: null }), {
        minLength: 7,
        maxLength: 7,
      }),
      memberRacks: fc.array(fc.option(rack, { nil: null }), { minLength: 7, maxLength: 7 }),
      replicaRacks: fc.array(fc.uniqueArray(rack, { minLength: 1, maxLength: 2 }), { minLength: 32, maxLength: 32 }),
      owners: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 32, maxLength: 32 }),
      secondClaimants: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 32, maxLength: 32 }),
      generations: fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 7, maxLength: 7 }),
    })
    .map((r) => {
      const names = r.counts.map((_, i) => `t${i}`)
      let next = 0
      const topics = names.map((name, i): Case['topics'][number] => [
        name,
        r.counts[i]!,
        racks ? Array.from({ length: r.counts[i]! }, () => r.replicaRacks[next++ % 32]!) : null,
      ])
      const claims = Array.from({ length: r.memberCount }, () => [] as TopicPartition[])
      let k = 0
      for (const [topic, count] of topics) {
        for (let p = 0; p < count; p++, k++) {
          const owner = r.owners[k % 32]!
          const second = r.secondClaimants[k % 32]!
          if (owner < r.memberCount) claims[owner]!.push(tp(topic, p))
          if (second < r.memberCount && second !== owner) claims[second]!.push(tp(topic, p))
        }
      }
      const usedInstanceIds = new Set<string>()
      const members = claims.map((claimed, i): MemberSubscription => {
        let instance = r.instanceIds[i] ?? null
        if (instance !== null && usedInstanceIds.has(instance)) instance = null
        if (instance !== null) usedInstanceIds.add(instance)
        let subscribed = names.filter((_, bit) => (sameSubscriptions ? 15 : r.masks[i]!) & (1 << bit))
        if (subscribed.length === 0) subscribed = [names[0]!]
        // A member without a generation owns nothing (Java drops owned partitions when it resets it).
        const generation = r.generations[i]!
        const owned = generation >= 0 ? claimed : []
        return {
          memberId: `m${i}`,
          groupInstanceId: assignor === 'range' || assignor === 'roundrobin' ? instance : null,
          topics: subscribed,
          rackId: racks ? (r.memberRacks[i] ?? null) : null,
          generationId: generation,
          ownedPartitions: assignor === 'cooperative-sticky' ? owned : [],
          userData:
            assignor === 'sticky'
              ? generation >= 0
                ? encodeStickyUserData(owned, generation)
                : null
              : assignor === 'cooperative-sticky'
                ? encodeCooperativeUserData(generation)
                : null,
        }
      })
      return { assignor, topics, members }
    })
}

function toHarnessInput(c: Case): string {
  const list = (ps: readonly TopicPartition[]) =>
    ps.length ? ps.map((p) => `${p.topic}:${p.partition}`).join(',') : '-'
  const lines = [`CASE ${c.assignor}`]
  for (const [name, count, racks] of c.topics) {
    lines.push(`TOPIC ${name} ${count}${racks ? ` ${racks.map((r) => r.join('|')).join(';')}` : ''}`)
  }
  for (const m of c.members) {
    const userData = m.userData === null ? '-' : m.userData.length === 0 ? 'empty' : m.userData.toString('hex')
    lines.push(
      `MEMBER ${m.memberId} ${m.groupInstanceId ?? '-'} ${m.generationId} ${m.rackId ?? '-'} ${m.topics.join(',')} ${list(m.ownedPartitions)} ${userData}`,
    )
  }
  lines.push('END')
  return lines.join('\n')
}

type Result = Map<string, string[]> | 'error'

function ourResult(c: Case): Map<string, string[]> {
  const [assignor] = createAssignors(c.assignor)
  const racks = c.topics[0]![2] ? new Map(c.topics.map(([name, , r]) => [name, r!])) : undefined
  const result = assignor!.assign(
    new Map(c.topics.map(([name, count]) => [name, count])),
    new Map(c.members.map((m) => [m.memberId, m])),
    racks,
  )
  return new Map([...result].map(([id, a]) => [id, a.partitions.map((p) => `${p.topic}:${p.partition}`)]))
}

function parseJavaOutput(output: string): Result[] {
  return output
    .split('END\n')
    .slice(0, -1)
    .map((block) => {
      if (block.startsWith('JAVAERROR')) return 'error'
      return new Map(
        block
          .trim()
          .split('\n')
          .map((line) => {
            const [, id, partitions] = line.split(' ')
            return [id!, partitions ? partitions.split(',') : []]
          }),
      )
    })
}

/**
 * Where Java's result is wrong: a partition given to a member not subscribed to its topic, or
 * (cooperative) given to a member other than its valid owner (the one claimant of the highest
 * generation) while another member still claims it.
 */
function javaIsWrong(c: Case, java: Map<string, string[]>): boolean {
  const members = new Map(c.members.map((m) => [m.memberId, m]))
  const claimants = new Map<string, MemberSubscription[]>()
  for (const m of c.members) {
    for (const p of m.ownedPartitions) {
      const key = `${p.topic}:${p.partition}`
      claimants.set(key, [...(claimants.get(key) ?? []), m])
    }
  }
  const validOwner = (key: string) => {
    const list = claimants.get(key) ?? []
    const highest = Math.max(...list.map((m) => m.generationId))
    const winners = list.filter((m) => m.generationId === highest)
    return winners.length === 1 ? winners[0]!.memberId : null
  }
  for (const [id, partitions] of java) {
    for (const key of partitions) {
      if (!members.get(id)!.topics.includes(key.slice(0, key.lastIndexOf(':')))) return true
      const others = (claimants.get(key) ?? []).some((m) => m.memberId !== id)
      if (others && validOwner(key) !== id) return true
    }
  }
  return false
}

describe.skipIf(!javaAvailable)('assignors agree with Apache Kafka’s (Java oracle)', () => {
  let workDir: string
  const javaResults = new Map<Scenario, Result[]>()
  const cases = new Map<Scenario, Case[]>()
  const userDataCases = fc.sample(
    fc.record({
      partitions: fc.array(
        fc.record({ topic: fc.constantFrom('a', 'topic.b', 'ü-c'), partition: fc.integer({ min: 0, max: 1000 }) }),
        { maxLength: 6 },
      ),
      generation: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
    }),
    { numRuns: 50, seed: 1 },
  )
  let javaUserData: string[] = []

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'kafka-wire-assignor-oracle-'))
    const compiled = spawnSync(
      'javac',
      ['-nowarn', '-cp', classpath!, '-d', workDir, join(HARNESS_DIR, 'AssignorHarness.java')],
      { encoding: 'utf8' },
    )
    if (compiled.status !== 0) throw new Error(`javac failed: ${compiled.stderr}`)

    const input: string[] = []
    for (const scenario of SCENARIOS) {
      const generated = fc.sample(caseArbitrary(scenario), { numRuns: CASES_PER_SCENARIO, seed: 7 })
      cases.set(scenario, generated)
      input.push(...generated.map(toHarnessInput))
    }
    for (const { partitions, generation } of userDataCases) {
      const list = partitions.length ? partitions.map((p) => `${p.topic}:${p.partition}`).join(',') : '-'
      input.push(`USERDATA ${list} ${generation}`)
    }
    const run = spawnSync('java', ['-cp', `${classpath}:${workDir}`, 'AssignorHarness'], {
      input: `${input.join('\n')}\n`,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    })
    if (run.status !== 0) throw new Error(`java failed: ${run.stderr}`)
    // Java's ERROR logs (conflicting claims) also go to stdout: keep only the harness's lines.
    const lines = run.stdout.split('\n')
    javaUserData = lines.filter((l) => l.startsWith('USERDATA '))
    const results = parseJavaOutput(
      lines
        .filter((l) => l.startsWith('RESULT ') || l.startsWith('JAVAERROR ') || l === 'END')
        .map((l) => `${l}\n`)
        .join(''),
    )
    let offset = 0
    for (const scenario of SCENARIOS) {
      javaResults.set(scenario, results.slice(offset, offset + CASES_PER_SCENARIO))
      offset += CASES_PER_SCENARIO
    }
  }, 120_000)

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true })
  })

  it('writes userData as Java does, and reads Java’s', () => {
    expect(javaUserData).toHaveLength(userDataCases.length)
    userDataCases.forEach(({ partitions, generation }, i) => {
      const [, sticky, cooperative] = javaUserData[i]!.split(' ')
      const ours = encodeStickyUserData(partitions, generation)
      // Java groups topics in HashMap order, which carries no meaning: compare bytes when it cannot differ.
      if (new Set(partitions.map((p) => p.topic)).size <= 1) expect(ours.toString('hex')).toBe(sticky)
      expect(ours.length).toBe(sticky!.length / 2)
      const decoded = decodeStickyUserData(Buffer.from(sticky!, 'hex'))
      expect(decoded.generation).toBe(generation)
      expect(decoded.partitions).toEqual(expect.arrayContaining(partitions))
      expect(decoded.partitions).toHaveLength(partitions.length)
      expect(encodeCooperativeUserData(generation).toString('hex')).toBe(cooperative)
    })
  })

  it.each(
    SCENARIOS.map((s) => [
      `${s.assignor}${s.racks ? ', racks' : ''}${s.sameSubscriptions ? ', same subscriptions' : ''}`,
      s,
    ]),
  )('%s', (_name, scenario) => {
    const java = javaResults.get(scenario)!
    let identical = 0
    cases.get(scenario)!.forEach((c, i) => {
      const ours = ourResult(c)
      const theirs = java[i]!
      if (theirs !== 'error' && JSON.stringify([...ours]) === JSON.stringify([...theirs])) {
        identical++
        return
      }
      // Java failed on this input: ours must still be right.
      const context = toHarnessInput(c)
      expect(theirs === 'error' || javaIsWrong(c, theirs), `differs from Java:\n${context}`).toBe(true)
      const asAssignment = new Map(
        [...ours].map(([id, ps]) => [
          id,
          {
            partitions: ps.map((k) => tp(k.slice(0, k.lastIndexOf(':')), Number(k.slice(k.lastIndexOf(':') + 1)))),
            userData: null,
          },
        ]),
      )
      const subscriptions = new Map(c.members.map((m) => [m.memberId, m]))
      const partitionsPerTopic = new Map(c.topics.map(([name, count]) => [name, count]))
      expectValid(asAssignment, partitionsPerTopic, subscriptions, c.assignor === 'cooperative-sticky')
      if (c.assignor === 'cooperative-sticky')
        expect(javaIsWrong(c, ours), `breaks the cooperative rule:\n${context}`).toBe(false)
    })
    // Range, roundrobin and the identical-subscription paths must match Java exactly.
    if (scenario.assignor === 'range' || scenario.assignor === 'roundrobin' || scenario.sameSubscriptions) {
      expect(identical).toBe(CASES_PER_SCENARIO)
    }
  })
})

// Helpers of the admin integration tests: unique names, raw produce, and group members made by hand
// (classic JoinGroup/SyncGroup and KIP-848 ConsumerGroupHeartbeat) through the cluster layer, so the
// admin tests depend on nothing above it.
import { randomUUID } from 'node:crypto'
import { Cluster, resolveCommonOptions } from '../../../src/cluster/index.js'
import { ErrorCode } from '../../../src/error-codes.js'
import { brokerError } from '../../../src/errors.js'
import {
  Apis,
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  encodeMessage,
} from '../../../src/protocol/index.js'
import { RecordBatchBuilder } from '../../../src/protocol/records/index.js'

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

export function rawCluster(bootstrapServers: string): Cluster {
  return new Cluster(resolveCommonOptions({ bootstrapServers, clientId: 'admin-test-helper' }))
}

/**
 * Produces records (acks=all) to one partition; returns the base offset. Right after a
 * CreateTopics the metadata may name a leader that has not taken the partition yet
 * (NOT_LEADER_OR_FOLLOWER): retried on fresh metadata, as a producer would.
 */
export async function produce(
  cluster: Cluster,
  topic: string,
  partition: number,
  records: { value: string; timestamp?: number }[],
): Promise<bigint> {
  const deadline = Date.now() + 30_000
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await cluster.refreshMetadata({ topics: [topic] })
    const md = await cluster.topicMetadata([topic], { timeoutMs: 30_000 })
    const t = md.get(topic)!
    const leader = t.partitions.find((p) => p.partition === partition)!.leaderId
    const builder = new RecordBatchBuilder()
    for (const r of records) builder.tryAppend(r.timestamp ?? Date.now(), null, Buffer.from(r.value))
    const res = await cluster.send(
      leader,
      Apis.Produce,
      {
        acks: -1,
        timeoutMs: 10_000,
        topicData: [
          { name: topic, topicId: t.topicId, partitionData: [{ index: partition, records: builder.build() }] },
        ],
      },
      { workload: 'produce' },
    )
    const p = res.responses[0]!.partitionResponses[0]!
    if (p.errorCode === 0) return p.baseOffset
    const error = brokerError(p.errorCode, null, { topic, partition })
    if (!error.retriable || Date.now() > deadline) throw error
    await new Promise((r) => setTimeout(r, 100))
  }
}

function versioned(schema: any, version: number, value: object): Buffer {
  const prefix = Buffer.alloc(2)
  prefix.writeInt16BE(version)
  return Buffer.concat([prefix, encodeMessage(schema, version, value)])
}

export interface Member {
  memberId: string
  leave(): Promise<void>
}

/**
 * Joins a classic group with the 'consumer' protocol as its only member and syncs `assignment`
 * (so the group is Stable with a decodable assignment). The member stays until leave() (or its
 * 30 s session expires).
 */
export async function joinClassicGroup(
  cluster: Cluster,
  groupId: string,
  topics: string[],
  assignment: { topic: string; partitions: number[] }[],
): Promise<Member> {
  const coordinator = await cluster.findCoordinator('group', groupId)
  const join = (memberId: string) =>
    cluster.send(
      coordinator,
      Apis.JoinGroup,
      {
        groupId,
        sessionTimeoutMs: 30_000,
        rebalanceTimeoutMs: 10_000,
        memberId,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: versioned(ConsumerProtocolSubscription, 1, { topics }) }],
      },
      { workload: 'group', timeoutMs: 30_000 },
    )
  let res = await join('')
  // The first group of a fresh broker's life waits for __consumer_offsets to load.
  for (let i = 0; res.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && i < 60; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    res = await join('')
  }
  if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED) res = await join(res.memberId)
  if (res.errorCode !== 0) throw brokerError(res.errorCode, `JoinGroup ${groupId}`)
  const memberId = res.memberId
  const sync = await cluster.send(
    coordinator,
    Apis.SyncGroup,
    {
      groupId,
      generationId: res.generationId,
      memberId,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [
        {
          memberId,
          assignment: versioned(ConsumerProtocolAssignment, 0, { assignedPartitions: assignment, userData: null }),
        },
      ],
    },
    { workload: 'group' },
  )
  if (sync.errorCode !== 0) throw brokerError(sync.errorCode, `SyncGroup ${groupId}`)
  return {
    memberId,
    async leave() {
      const left = await cluster.send(coordinator, Apis.LeaveGroup, { groupId, members: [{ memberId }] })
      if (left.errorCode !== 0) throw brokerError(left.errorCode, `LeaveGroup ${groupId}`)
    },
  }
}

/** Joins a KIP-848 'consumer' group (ConsumerGroupHeartbeat) and heartbeats until it owns its assignment. */
export async function joinConsumerGroup(cluster: Cluster, groupId: string, topics: string[]): Promise<Member> {
  const coordinator = await cluster.findCoordinator('group', groupId)
  const memberId = randomUUID()
  const heartbeat = (memberEpoch: number) =>
    cluster.send(
      coordinator,
      Apis.ConsumerGroupHeartbeat,
      {
        groupId,
        memberId,
        memberEpoch,
        rebalanceTimeoutMs: memberEpoch === 0 ? 10_000 : -1,
        subscribedTopicNames: memberEpoch === 0 ? topics : null,
        topicPartitions: memberEpoch === 0 ? [] : null,
      },
      { workload: 'group' },
    )
  // Heartbeat as a real member does until the coordinator has assigned partitions of every subscribed
  // topic: a coordinator whose metadata image does not have a just-created topic yet answers the join
  // with an empty assignment and only recomputes it at a later heartbeat.
  const deadline = Date.now() + 15_000
  let res = await heartbeat(0)
  for (;;) {
    if (res.errorCode !== 0) throw brokerError(res.errorCode, res.errorMessage)
    const assigned = res.assignment?.topicPartitions.filter((t) => t.partitions.length > 0).length ?? 0
    if (assigned >= topics.length) break
    if (Date.now() > deadline) throw new Error(`no assignment of ${topics.join(', ')} to ${memberId} within 15 s`)
    await new Promise((r) => setTimeout(r, Math.min(res.heartbeatIntervalMs, 200)))
    res = await heartbeat(res.memberEpoch)
  }
  return {
    memberId,
    async leave() {
      const left = await heartbeat(-1)
      if (left.errorCode !== 0) throw brokerError(left.errorCode, left.errorMessage)
    },
  }
}

/** Retries `fn` until it stops throwing or `timeoutMs` passes (for eventually-consistent metadata). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await fn()
    } catch (e) {
      if (Date.now() > deadline) throw e
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

/**
 * Runs the ```ts examples of docs/admin.md whose info string is exactly `ts ${tag}` (tag '' = plain
 * `ts`), in order, as one async function: 'kafka-wire' imports point at src/, the placeholder
 * addresses at `servers`, and the example topic/group/user names get a unique suffix.
 */
export async function runDocExamples(tag: string, servers: { plaintext: string; saslPlaintext?: string }) {
  const { readFile, writeFile, mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const path = await import('node:path')
  const root = path.resolve(import.meta.dirname, '../../..')
  const markdown = await readFile(path.join(root, 'docs/admin.md'), 'utf8')
  const wanted = tag === '' ? 'ts' : `ts ${tag}`
  const blocks = [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)]
    .filter((m) => m[1]!.trim() === wanted)
    .map((m) => m[2]!)
  const suffix = randomUUID().slice(0, 8)
  const imports = new Set<string>()
  const body: string[] = []
  for (const block of blocks) {
    for (const line of block.split('\n')) {
      if (/^import .* from 'kafka-wire'$/.test(line)) {
        imports.add(line.replace("'kafka-wire'", `'${path.join(root, 'src/index.js')}'`))
      } else {
        body.push(line)
      }
    }
  }
  let code = body.join('\n')
  code = code.replaceAll("'localhost:9092'", JSON.stringify(servers.plaintext))
  if (servers.saslPlaintext !== undefined)
    code = code.replaceAll("'localhost:9093'", JSON.stringify(servers.saslPlaintext))
  for (const name of [
    'admin-orders',
    'admin-payments',
    'orders',
    'payments',
    'audit',
    'pinned',
    'dry-run',
    'billing',
    'reporting',
  ]) {
    code = code.replaceAll(`'${name}'`, `'${name}-${suffix}'`)
  }
  const module = [
    ...imports,
    'export default async function run(injected?: any): Promise<void> {',
    '  const console = { log: (..._args: unknown[]) => {} }',
    // Tagged blocks (e.g. the ACL one) run on their own, with the test's admin.
    tag === '' ? '' : '  const admin = injected',
    code,
    '}',
  ].join('\n')
  const dir = await mkdtemp(path.join(tmpdir(), 'kafka-wire-admin-docs-'))
  const file = path.join(dir, `examples-${tag || 'main'}.ts`)
  await writeFile(file, module)
  try {
    const mod = await import(/* @vite-ignore */ file)
    return { run: mod.default as (injected?: unknown) => Promise<void>, blocks: blocks.length, suffix }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

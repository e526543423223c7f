/**
 * Members of one consumer group from two clients: kafka-wire (a child process, members.ts) and
 * Apache Kafka's Java consumer (VerifiableConsumer), seen through one interface, so that a test
 * checks what each owned when (ownership intervals from both sides' listener events), what each
 * read, and how the broker describes them (ConsumerGroupDescribe's member type, KIP-1099).
 */
import { Cluster, resolveCommonOptions } from '../../../src/cluster/index.js'
import { ErrorCode } from '../../../src/errors.js'
import { Apis } from '../../../src/protocol/index.js'
import { startVerifiableConsumer, type VerifiableConsumer } from '../../../src/testing/index.js'
import { Member } from './members.js'
import { type GroupProtocol, type Liveness, protocolOptions } from './protocols.js'

/** A partition owned from `from` until `to` (ms, wall clock; `to` undefined: still owned). */
export interface Ownership {
  member: string
  partition: number
  from: number
  to: number | undefined
}

export interface MixedMember {
  readonly name: string
  /** 'kafka-wire' or 'java', and the group protocol it speaks. */
  readonly client: 'kafka-wire' | 'java'
  readonly protocol: GroupProtocol
  /** The client id it sends (to find it in a group description). */
  readonly clientId: string
  /** The partitions it owns now. */
  assignment(): number[]
  /** Every value it read. */
  values(): string[]
  /** Its ownership intervals, from its listener events (a SIGKILL ends them at the kill). */
  ownership(): Ownership[]
  /** Whether it reports itself as a settled member (kafka-wire: STABLE; Java: no listener call pending). */
  settled(): boolean
  failure(): string | undefined
  close(): Promise<void>
  kill(): Promise<void>
}

/** Builds intervals from a member's (at, assigned | revoked, partitions) events. */
function intervals(
  name: string,
  events: { at: number; kind: 'assigned' | 'revoked'; partitions: number[] }[],
  endedAt: number | undefined,
): Ownership[] {
  const open = new Map<number, Ownership>()
  const done: Ownership[] = []
  for (const e of events) {
    for (const p of e.partitions) {
      if (e.kind === 'assigned' && !open.has(p)) open.set(p, { member: name, partition: p, from: e.at, to: undefined })
      else if (e.kind === 'revoked' && open.has(p)) {
        done.push({ ...open.get(p)!, to: e.at })
        open.delete(p)
      }
    }
  }
  for (const o of open.values()) done.push({ ...o, to: endedAt })
  return done
}

export function kafkaWireMember(
  name: string,
  config: { bootstrapServers: string; groupId: string; topic: string; protocol: GroupProtocol; liveness: Liveness },
): MixedMember {
  const clientId = `kw-${name}`
  const m = new Member(name, {
    bootstrapServers: config.bootstrapServers,
    groupId: config.groupId,
    topics: [config.topic],
    commit: 'sync',
    options: { clientId, ...protocolOptions(config.protocol, config.liveness) },
  })
  let killedAt: number | undefined
  return {
    name,
    client: 'kafka-wire',
    protocol: config.protocol,
    clientId,
    assignment: () => m.assignment,
    values: () => m.processed.map((r) => r.value),
    ownership: () =>
      intervals(
        name,
        m.events
          .filter((e) => e.type === 'assigned' || e.type === 'revoked' || e.type === 'lost')
          .map((e) => ({ at: e.at, kind: e.type === 'assigned' ? 'assigned' : 'revoked', partitions: e.partitions })),
        killedAt,
      ),
    settled: () => m.state?.memberState === 'STABLE',
    failure: () => m.events.find((e) => e.type === 'error')?.message,
    close: () => m.close(),
    kill: async () => {
      killedAt = Date.now()
      m.kill()
      await m.until('exit', () => m.exited, 10000)
    },
  }
}

export async function javaMember(
  name: string,
  libDir: string,
  config: { bootstrapServers: string; groupId: string; topic: string; protocol: GroupProtocol; liveness: Liveness },
): Promise<MixedMember & { readonly java: VerifiableConsumer }> {
  const clientId = `java-${name}`
  const java = await startVerifiableConsumer(libDir, {
    bootstrapServers: config.bootstrapServers,
    topic: config.topic,
    groupId: config.groupId,
    groupProtocol: config.protocol,
    ...(config.protocol === 'classic' ? { sessionTimeoutMs: config.liveness.sessionTimeoutMs } : {}),
    config: {
      'client.id': clientId,
      ...(config.protocol === 'classic' ? { 'heartbeat.interval.ms': config.liveness.heartbeatIntervalMs } : {}),
    },
  })
  let killedAt: number | undefined
  return {
    java,
    name,
    client: 'java',
    protocol: config.protocol,
    clientId,
    assignment: () => java.assignment.map((p) => p.partition).sort((a, b) => a - b),
    values: () => java.records.map((r) => r.value ?? ''),
    ownership: () =>
      intervals(
        name,
        java.events.flatMap((e) =>
          e.name === 'partitions_assigned' || e.name === 'partitions_revoked'
            ? [
                {
                  at: e.timestamp,
                  kind: e.name === 'partitions_assigned' ? ('assigned' as const) : ('revoked' as const),
                  partitions: e.partitions.map((p) => p.partition),
                },
              ]
            : [],
        ),
        killedAt,
      ),
    settled: () => java.exit === undefined,
    failure: () => (java.exit !== undefined && killedAt === undefined ? `exited: ${java.stderr}` : undefined),
    close: () => java.stop(),
    kill: async () => {
      killedAt = Date.now()
      await java.kill()
    },
  }
}

/**
 * Waits until `members` own `partitions` partitions exactly once between them, each at least
 * one, all settled, and nothing changed for `quietMs`.
 */
export async function untilMixedBalanced(
  members: MixedMember[],
  partitions: number,
  { timeoutMs = 60000, quietMs = 1000 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  let since = Date.now()
  for (;;) {
    for (const m of members) {
      const failure = m.failure()
      if (failure) throw new Error(`${m.name} failed: ${failure}`)
    }
    const owned = members.flatMap((m) => m.assignment())
    const key = members.map((m) => `${m.name}=${m.assignment().join(',')}`).join(' ')
    if (key !== last) {
      last = key
      since = Date.now()
    }
    const balanced =
      owned.length === partitions &&
      new Set(owned).size === partitions &&
      members.every((m) => m.assignment().length > 0 && m.settled())
    if (balanced && Date.now() - since >= quietMs) return
    if (Date.now() > deadline) throw new Error(`group not balanced after ${timeoutMs} ms: ${key}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Pairs of overlapping ownership of one partition by two members ("exclusive ownership" holds
 * when this is empty). Intervals that touch (one's end = the other's start) do not overlap.
 */
export function overlaps(members: MixedMember[]): string[] {
  const all = members.flatMap((m) => m.ownership())
  const out: string[] = []
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!
      const b = all[j]!
      if (a.partition !== b.partition || a.member === b.member) continue
      const aEnd = a.to ?? Number.POSITIVE_INFINITY
      const bEnd = b.to ?? Number.POSITIVE_INFINITY
      if (a.from < bEnd && b.from < aEnd) {
        out.push(`partition ${a.partition}: ${a.member} [${a.from}, ${a.to}) and ${b.member} [${b.from}, ${b.to})`)
      }
    }
  }
  return out
}

export interface DescribedMember {
  clientId: string
  memberType: number
  memberEpoch: number
  partitions: number[]
}

/** Kafka's member types in ConsumerGroupDescribe v1 (KIP-1099). */
export const MEMBER_TYPE = { unknown: -1, classic: 0, consumer: 1 } as const

/**
 * ConsumerGroupDescribe v1 of a 'consumer' group, sent as a raw request: the admin's
 * describeGroups does not expose the member type. Null when the group is not a 'consumer' group.
 */
export async function describeConsumerGroup(
  bootstrapServers: string,
  groupId: string,
): Promise<{ state: string; members: DescribedMember[] } | null> {
  const cluster = new Cluster(resolveCommonOptions({ bootstrapServers }))
  try {
    const coordinator = await cluster.findCoordinator('group', groupId)
    const res = await cluster.send(
      coordinator,
      Apis.ConsumerGroupDescribe,
      { groupIds: [groupId], includeAuthorizedOperations: false },
      { maxVersion: 1 },
    )
    const g = res.groups[0]!
    if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) return null
    if (g.errorCode !== ErrorCode.NONE) throw new Error(`ConsumerGroupDescribe ${groupId}: error ${g.errorCode}`)
    return {
      state: g.groupState,
      members: g.members.map((m) => ({
        clientId: m.clientId,
        memberType: m.memberType,
        memberEpoch: m.memberEpoch,
        partitions: m.assignment.topicPartitions.flatMap((tp) => tp.partitions).sort((a, b) => a - b),
      })),
    }
  } finally {
    await cluster.close()
  }
}

/**
 * kafkajs's partition assigners on kafka-wire's classic group protocol: `AssignerProtocol`
 * (MemberMetadata / MemberAssignment, byte-for-byte kafkajs's encoding), `PartitionAssigners.roundRobin`
 * (kafkajs's RoundRobinAssigner, protocol name `RoundRobinAssigner`, so a group can mix kafkajs members
 * and members of this layer), and `toNativeAssignor()`, which wraps a kafkajs assigner
 * (`({ cluster, groupId, logger }) => ({ name, version, protocol, assign })`) as a native
 * ConsumerPartitionAssignor (src/consumer/assignors/types.ts).
 *
 * Who calls what: consumer.ts turns `partitionAssigners` into native assignors when run() creates the
 * native Consumer; the native group code (consumer/group/classic.ts) calls `subscriptionUserData()` on
 * every member and `assign()` on the leader, and reports the result to `onAssignment()`.
 */
import { asyncAssignor } from '../consumer/assignors/async.js'
import type { ConsumerPartitionAssignor, GroupAssignment, MemberSubscription } from '../consumer/assignors/types.js'
import { ProtocolError } from '../errors.js'
import type { KafkaJSLogger } from './logger.js'

export interface KafkaJSMemberMetadata {
  version: number
  topics: string[]
  userData: Buffer
}

export interface KafkaJSMemberAssignment {
  version: number
  /** topic → partitions, e.g. `{ 'topic-A': [0, 2, 4] }`. */
  assignment: Record<string, number[]>
  userData: Buffer
}

export interface GroupMember {
  memberId: string
  memberMetadata: Buffer
}

export interface GroupMemberAssignment {
  memberId: string
  memberAssignment: Buffer
}

export interface GroupState {
  name: string
  metadata: Buffer
}

export interface Assigner {
  name: string
  version: number
  assign(group: { members: GroupMember[]; topics: string[] }): Promise<GroupMemberAssignment[]>
  protocol(subscription: { topics: string[] }): GroupState
}

/** The part of kafkajs's Cluster that assigners use (kafkajs's own roundRobin calls findTopicPartitionMetadata). */
export interface AssignerCluster {
  findTopicPartitionMetadata(topic: string): PartitionMetadata[]
}

export interface PartitionMetadata {
  partitionErrorCode: number
  partitionId: number
  leader: number
  replicas: number[]
  isr: number[]
  offlineReplicas?: number[]
}

export type PartitionAssigner = (config: { cluster: any; groupId: string; logger: KafkaJSLogger }) => Assigner

// --- AssignerProtocol: kafkajs's Encoder/Decoder layout (int16 version, int32-counted arrays, int16 strings, int32 bytes)

class Writer {
  readonly #chunks: Buffer[] = []
  int16(v: number): this {
    const b = Buffer.alloc(2)
    b.writeInt16BE(v)
    this.#chunks.push(b)
    return this
  }
  int32(v: number): this {
    const b = Buffer.alloc(4)
    b.writeInt32BE(v)
    this.#chunks.push(b)
    return this
  }
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8')
    this.int16(bytes.length)
    this.#chunks.push(bytes)
    return this
  }
  bytes(b: Buffer | null | undefined): this {
    if (b === null || b === undefined) return this.int32(-1)
    this.int32(b.length)
    this.#chunks.push(b)
    return this
  }
  get buffer(): Buffer {
    return Buffer.concat(this.#chunks)
  }
}

class Reader {
  #offset = 0
  constructor(readonly buf: Buffer) {}
  #need(n: number): void {
    if (this.#offset + n > this.buf.length) {
      throw new ProtocolError(`AssignerProtocol: ${n} bytes needed at ${this.#offset}, ${this.buf.length} in all`)
    }
  }
  canReadInt16(): boolean {
    return this.buf.length - this.#offset >= 2
  }
  int16(): number {
    this.#need(2)
    const v = this.buf.readInt16BE(this.#offset)
    this.#offset += 2
    return v
  }
  int32(): number {
    this.#need(4)
    const v = this.buf.readInt32BE(this.#offset)
    this.#offset += 4
    return v
  }
  string(): string {
    const n = this.int16()
    if (n < 0) return null as unknown as string // kafkajs's readString returns null for -1
    this.#need(n)
    const s = this.buf.toString('utf8', this.#offset, this.#offset + n)
    this.#offset += n
    return s
  }
  bytes(): Buffer {
    const n = this.int32()
    if (n < 0) return null as unknown as Buffer
    this.#need(n)
    const b = this.buf.subarray(this.#offset, this.#offset + n)
    this.#offset += n
    return Buffer.from(b)
  }
  array<T>(read: (r: Reader) => T): T[] {
    const n = this.int32()
    if (n < 0) return []
    if (n > this.buf.length) throw new ProtocolError(`AssignerProtocol: array of ${n} in ${this.buf.length} bytes`)
    const out: T[] = []
    for (let i = 0; i < n; i++) out.push(read(this))
    return out
  }
}

export const AssignerProtocol = {
  MemberMetadata: {
    encode({
      version,
      topics,
      userData = Buffer.alloc(0),
    }: Partial<KafkaJSMemberMetadata> & { version: number; topics: string[] }): Buffer {
      const w = new Writer().int16(version).int32(topics.length)
      for (const t of topics) w.string(t)
      return w.bytes(userData).buffer
    },
    decode(buffer: Buffer): KafkaJSMemberMetadata {
      const r = new Reader(buffer)
      return { version: r.int16(), topics: r.array((d) => d.string()), userData: r.bytes() }
    },
  },
  MemberAssignment: {
    encode({
      version,
      assignment,
      userData = Buffer.alloc(0),
    }: Partial<KafkaJSMemberAssignment> & { version: number; assignment: Record<string, number[]> }): Buffer {
      const topics = Object.keys(assignment)
      const w = new Writer().int16(version).int32(topics.length)
      for (const topic of topics) {
        const partitions = assignment[topic]!
        w.string(topic).int32(partitions.length)
        for (const p of partitions) w.int32(p)
      }
      return w.bytes(userData).buffer
    },
    decode(buffer: Buffer): KafkaJSMemberAssignment | null {
      const r = new Reader(buffer)
      if (!r.canReadInt16()) return null
      const version = r.int16()
      const assignment: Record<string, number[]> = {}
      for (const { topic, partitions } of r.array((d) => ({
        topic: d.string(),
        partitions: d.array((p) => p.int32()),
      }))) {
        assignment[topic] = partitions
      }
      return { version, assignment, userData: r.bytes() }
    },
  },
}

// --- PartitionAssigners.roundRobin: kafkajs's RoundRobinAssigner (members sorted by id, partitions dealt in turn)

const roundRobin: PartitionAssigner = ({ cluster }) => ({
  name: 'RoundRobinAssigner',
  version: 0,
  async assign({ members, topics }) {
    const sortedMembers = members.map(({ memberId }) => memberId).sort()
    const assignment: Record<string, Record<string, number[]>> = {}
    const topicsPartitions = topics.flatMap((topic) =>
      (cluster as AssignerCluster)
        .findTopicPartitionMetadata(topic)
        .map((m) => ({ topic, partitionId: m.partitionId })),
    )
    topicsPartitions.forEach(({ topic, partitionId }, i) => {
      const assignee = sortedMembers[i % sortedMembers.length]!
      const byTopic = (assignment[assignee] ??= Object.create(null) as Record<string, number[]>)
      ;(byTopic[topic] ??= []).push(partitionId)
    })
    return Object.keys(assignment).map((memberId) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: assignment[memberId]! }),
    }))
  },
  protocol({ topics }) {
    return { name: 'RoundRobinAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics }) }
  },
})

export const PartitionAssigners: { roundRobin: PartitionAssigner } = { roundRobin }

// --- kafkajs assigner → native ConsumerPartitionAssignor

/**
 * The native assignor interface is synchronous; kafkajs's `assign()` is async, so the wrapper is an
 * asyncAssignor (src/consumer/assignors/async.ts), whose promise the group leader awaits. The member metadata a kafkajs assigner reads is
 * re-encoded from the decoded subscription as kafkajs's MemberMetadata (its own version, the member's
 * topics and userData), which is what a kafkajs member of the group would have sent.
 */
export function toNativeAssignor(
  assigner: Assigner,
  hooks: {
    /** Every member, when its assignment arrives (with the protocol name, for GROUP_JOIN). */
    onAssignment?: (assignment: GroupAssignment, protocol: string) => void
    /** The leader, after assigning. */
    onLeader?: () => void
  } = {},
): ConsumerPartitionAssignor {
  return asyncAssignor({
    name: assigner.name,
    supportedProtocols: ['EAGER'],
    subscriptionUserData(topics: Set<string>): Buffer | null {
      const { metadata: bytes } = assigner.protocol({ topics: [...topics] })
      try {
        return AssignerProtocol.MemberMetadata.decode(bytes).userData ?? null
      } catch {
        return null // an assigner whose metadata is not kafkajs's MemberMetadata: no userData to carry
      }
    },
    async assign(
      partitionsPerTopic: ReadonlyMap<string, number>,
      subscriptions: ReadonlyMap<string, MemberSubscription>,
    ): Promise<Map<string, GroupAssignment>> {
      const topics = new Set<string>()
      for (const s of subscriptions.values()) for (const t of s.topics) if (partitionsPerTopic.has(t)) topics.add(t)
      const members = [...subscriptions.values()].map((s) => ({
        memberId: s.memberId,
        memberMetadata: AssignerProtocol.MemberMetadata.encode({
          version: assigner.version,
          topics: s.topics,
          userData: s.userData ?? Buffer.alloc(0),
        }),
      }))
      // The topics kafkajs hands to assign() are the leader's subscription; every member's here (the same in a
      // group whose members subscribe alike), restricted to topics that exist.
      const result = await assigner.assign({ members, topics: [...topics] })
      hooks.onLeader?.()
      const out = new Map<string, GroupAssignment>()
      for (const { memberId, memberAssignment } of result) {
        const decoded = AssignerProtocol.MemberAssignment.decode(memberAssignment)
        const partitions = Object.entries(decoded?.assignment ?? {}).flatMap(([topic, ps]) =>
          ps.map((partition) => ({ topic, partition })),
        )
        partitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
        out.set(memberId, { partitions, userData: decoded?.userData ?? null })
      }
      return out
    },
    onAssignment(assignment: GroupAssignment): void {
      hooks.onAssignment?.(assignment, assigner.name)
    },
  })
}

/** The kafkajs `cluster` handed to an assigner's factory: partition metadata from the layer's own Cluster. */
export function assignerCluster(partitions: (topic: string) => PartitionMetadata[] | undefined): AssignerCluster {
  return {
    findTopicPartitionMetadata(topic: string): PartitionMetadata[] {
      return partitions(topic) ?? []
    },
  }
}

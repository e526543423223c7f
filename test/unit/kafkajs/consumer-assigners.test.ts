// The layer's AssignerProtocol and PartitionAssigners.roundRobin against kafkajs 2.2.4's own (the oracle):
// the same bytes for MemberMetadata / MemberAssignment, the same decoding, the same round-robin deal; and the
// wrapper that runs a kafkajs assigner as a native assignor (async assign awaited, userData carried).
import { PartitionAssigners as KafkaJSAssigners, AssignerProtocol as KafkaJSProtocol } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { AssignerProtocol, PartitionAssigners, toNativeAssignor } from '../../../src/kafkajs/assigners.js'

const metadata = [
  { version: 0, topics: ['a', 'b'] },
  { version: 1, topics: ['é-topic'], userData: Buffer.from('hello') },
  { version: 3, topics: [], userData: Buffer.alloc(0) },
]

const assignments: { version: number; assignment: Record<string, number[]>; userData?: Buffer }[] = [
  { version: 0, assignment: { a: [0, 2, 4], b: [1] } },
  { version: 2, assignment: {}, userData: Buffer.from([1, 2, 3]) },
]

describe('AssignerProtocol (kafkajs byte compatibility)', () => {
  it('MemberMetadata encodes to the same bytes and decodes kafkajs bytes alike', () => {
    for (const m of metadata) {
      const ours = AssignerProtocol.MemberMetadata.encode(m)
      const theirs = KafkaJSProtocol.MemberMetadata.encode(m as never)
      expect(ours.equals(theirs)).toBe(true)
      expect(AssignerProtocol.MemberMetadata.decode(theirs)).toEqual(KafkaJSProtocol.MemberMetadata.decode(theirs))
    }
  })

  it('MemberAssignment encodes to the same bytes and decodes kafkajs bytes alike (empty → null)', () => {
    for (const a of assignments) {
      const ours = AssignerProtocol.MemberAssignment.encode(a)
      const theirs = KafkaJSProtocol.MemberAssignment.encode(a as never)
      expect(ours.equals(theirs)).toBe(true)
      expect(AssignerProtocol.MemberAssignment.decode(theirs)).toEqual(KafkaJSProtocol.MemberAssignment.decode(theirs))
    }
    expect(AssignerProtocol.MemberAssignment.decode(Buffer.alloc(0))).toBeNull()
    expect(KafkaJSProtocol.MemberAssignment.decode(Buffer.alloc(0))).toBeNull()
  })

  it('truncated bytes are a ProtocolError, not a crash or a silent garbage value', () => {
    const bytes = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['abc'] })
    expect(() => AssignerProtocol.MemberMetadata.decode(bytes.subarray(0, 7))).toThrow(/AssignerProtocol/)
  })
})

describe('PartitionAssigners.roundRobin', () => {
  const partitions: Record<string, number> = { t1: 5, t2: 2 }
  const cluster = {
    findTopicPartitionMetadata: (topic: string) =>
      Array.from({ length: partitions[topic] ?? 0 }, (_, partitionId) => ({ partitionId })),
  }
  const members = ['m-b', 'm-a', 'm-c'].map((memberId) => ({
    memberId,
    memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['t1', 't2'] }),
  }))

  it('deals partitions as kafkajs does, with the same protocol name and metadata', async () => {
    const ours = PartitionAssigners.roundRobin({ cluster, groupId: 'g', logger: {} as never })
    const theirs = KafkaJSAssigners.roundRobin({ cluster: cluster as never, groupId: 'g', logger: {} as never })
    expect(ours.name).toBe(theirs.name)
    expect(ours.version).toBe(theirs.version)
    const p1 = ours.protocol({ topics: ['t1'] })
    const p2 = theirs.protocol({ topics: ['t1'] })
    expect(p1.name).toBe(p2.name)
    expect(p1.metadata.equals(p2.metadata)).toBe(true)
    const a1 = await ours.assign({ members, topics: ['t1', 't2'] })
    const a2 = await theirs.assign({ members, topics: ['t1', 't2'] })
    expect(a1.map((a) => a.memberId)).toEqual(a2.map((a) => a.memberId))
    for (let i = 0; i < a1.length; i++) expect(a1[i]!.memberAssignment.equals(a2[i]!.memberAssignment)).toBe(true)
  })
})

describe('toNativeAssignor', () => {
  it('awaits the kafkajs assign(), hands it kafkajs MemberMetadata, and maps the result to native assignments', async () => {
    const seen: { memberId: string; topics: string[]; userData: string }[] = []
    const custom = {
      name: 'Custom',
      version: 1,
      protocol: ({ topics }: { topics: string[] }) => ({
        name: 'Custom',
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from('rack-x') }),
      }),
      async assign({ members }: { members: { memberId: string; memberMetadata: Buffer }[]; topics: string[] }) {
        await new Promise((r) => setTimeout(r, 5))
        for (const m of members) {
          const d = AssignerProtocol.MemberMetadata.decode(m.memberMetadata)
          seen.push({ memberId: m.memberId, topics: d.topics, userData: d.userData.toString() })
        }
        return [
          {
            memberId: 'm1',
            memberAssignment: AssignerProtocol.MemberAssignment.encode({
              version: 1,
              assignment: { t: [1, 0] },
              userData: Buffer.from('u'),
            }),
          },
        ]
      },
    }
    let leader = false
    let protocol = ''
    const native = toNativeAssignor(custom, {
      onLeader: () => (leader = true),
      onAssignment: (_a, p) => (protocol = p),
    })
    expect(native.name).toBe('Custom')
    expect(native.subscriptionUserData?.(new Set(['t']), [], -1)?.toString()).toBe('rack-x')
    const sub = (memberId: string) => ({
      memberId,
      groupInstanceId: null,
      topics: ['t'],
      userData: Buffer.from('rack-x'),
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    })
    const result = await (native.assign(
      new Map([['t', 2]]),
      new Map([
        ['m1', sub('m1')],
        ['m2', sub('m2')],
      ]),
    ) as unknown as Promise<Map<string, { partitions: unknown[]; userData: Buffer | null }>>)
    expect(seen).toEqual([
      { memberId: 'm1', topics: ['t'], userData: 'rack-x' },
      { memberId: 'm2', topics: ['t'], userData: 'rack-x' },
    ])
    expect(result.get('m1')).toEqual({
      partitions: [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 1 },
      ],
      userData: Buffer.from('u'),
    })
    expect(result.has('m2')).toBe(false) // the leader gives it an empty assignment
    expect(leader).toBe(true)
    native.onAssignment?.({ partitions: [], userData: null }, 1)
    expect(protocol).toBe('Custom')
  })
})

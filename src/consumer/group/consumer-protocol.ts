/**
 * The "consumer" embedded protocol of classic groups: the bytes members put in JoinGroup metadata
 * (ConsumerProtocolSubscription) and the leader puts in SyncGroup (ConsumerProtocolAssignment).
 * As in Java's ConsumerProtocol, each is an int16 version followed by the struct; a newer version
 * than we know is read with our newest (new fields are appended), ignoring what follows.
 */
import {
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  compile,
  encodeMessage,
  Reader,
} from '../../protocol/index.js'
import type { GroupAssignment, MemberSubscription, TopicPartition } from '../assignors/types.js'

export const SUBSCRIPTION_VERSION = 3
export const ASSIGNMENT_VERSION = 3

function withVersion(version: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length)
  out.writeInt16BE(version, 0)
  body.copy(out, 2)
  return out
}

function group(tps: TopicPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>()
  for (const { topic, partition } of tps) {
    let list = byTopic.get(topic)
    if (list === undefined) byTopic.set(topic, (list = []))
    list.push(partition)
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))
}

function ungroup(list: { topic: string; partitions: number[] }[] | undefined): TopicPartition[] {
  const out: TopicPartition[] = []
  for (const t of list ?? []) for (const partition of t.partitions) out.push({ topic: t.topic, partition })
  return out
}

export function encodeSubscription(s: {
  topics: string[]
  userData: Buffer | null
  ownedPartitions: TopicPartition[]
  generationId: number
  rackId: string | null
}): Buffer {
  return withVersion(
    SUBSCRIPTION_VERSION,
    encodeMessage(ConsumerProtocolSubscription, SUBSCRIPTION_VERSION, {
      topics: s.topics,
      userData: s.userData,
      ownedPartitions: group(s.ownedPartitions),
      generationId: s.generationId,
      rackId: s.rackId,
    }),
  )
}

export function decodeSubscription(memberId: string, groupInstanceId: string | null, buf: Buffer): MemberSubscription {
  const r = new Reader(buf)
  const version = Math.min(r.int16(), SUBSCRIPTION_VERSION)
  const s = compile(ConsumerProtocolSubscription, Math.max(0, version)).decode(r)
  return {
    memberId,
    groupInstanceId,
    topics: s.topics,
    userData: s.userData,
    ownedPartitions: ungroup(s.ownedPartitions),
    generationId: s.generationId ?? -1,
    rackId: s.rackId ?? null,
  }
}

export function encodeAssignment(a: GroupAssignment): Buffer {
  return withVersion(
    ASSIGNMENT_VERSION,
    encodeMessage(ConsumerProtocolAssignment, ASSIGNMENT_VERSION, {
      assignedPartitions: group(a.partitions),
      userData: a.userData,
    }),
  )
}

export function decodeAssignment(buf: Buffer | null): GroupAssignment {
  if (buf === null || buf.length === 0) return { partitions: [], userData: null }
  const r = new Reader(buf)
  const version = Math.min(r.int16(), ASSIGNMENT_VERSION)
  const a = compile(ConsumerProtocolAssignment, Math.max(0, version)).decode(r)
  return { partitions: ungroup(a.assignedPartitions), userData: a.userData }
}

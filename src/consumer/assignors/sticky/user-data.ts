/**
 * The userData formats of Java's sticky assignors, byte for byte, so kafka-wire and Java members
 * can share a group whichever of them is the leader.
 *
 * StickyAssignor ('sticky'), schema STICKY_ASSIGNOR_USER_DATA_V1 (V0 lacks `generation`):
 *   previous_assignment: ARRAY(int32 count) of { topic: STRING(int16 length + UTF-8), partitions: ARRAY of INT32 }
 *   generation: INT32
 * CooperativeStickyAssignor ('cooperative-sticky'), COOPERATIVE_STICKY_ASSIGNOR_USER_DATA_V0:
 *   generation: INT32
 * All integers big-endian. Like Java, readers ignore trailing bytes (room for later versions),
 * fall back from V1 to V0, and treat undecodable data as "no previous assignment".
 */
import type { TopicPartition } from '../types.js'

/** Java's AbstractStickyAssignor.DEFAULT_GENERATION: the member has no known generation. */
export const DEFAULT_GENERATION = -1

/** What a member reports about its previous assignment; `generation` null when it reports none. */
export interface MemberData {
  partitions: readonly TopicPartition[]
  generation: number | null
}

export function encodeStickyUserData(partitions: readonly TopicPartition[], generation: number): Buffer {
  const byTopic = new Map<string, number[]>()
  for (const { topic, partition } of partitions) {
    const list = byTopic.get(topic)
    if (list) list.push(partition)
    else byTopic.set(topic, [partition])
  }
  const topics = [...byTopic].map(([topic, list]) => [Buffer.from(topic, 'utf8'), list] as const)
  const size = 4 + topics.reduce((sum, [name, list]) => sum + 2 + name.length + 4 + 4 * list.length, 0) + 4
  const buffer = Buffer.alloc(size)
  let offset = buffer.writeInt32BE(topics.length, 0)
  for (const [name, list] of topics) {
    offset = buffer.writeInt16BE(name.length, offset)
    offset += name.copy(buffer, offset)
    offset = buffer.writeInt32BE(list.length, offset)
    for (const partition of list) offset = buffer.writeInt32BE(partition, offset)
  }
  buffer.writeInt32BE(generation, offset)
  return buffer
}

/** Java's StickyAssignor.memberData: empty or absent userData means no previous assignment and no generation. */
export function decodeStickyUserData(userData: Buffer | null): MemberData {
  if (userData === null || userData.length === 0) return { partitions: [], generation: null }
  try {
    const reader = new Reader(userData)
    const partitions = readPreviousAssignment(reader)
    if (reader.remaining() < 4) return { partitions, generation: null } // V0
    return { partitions, generation: reader.int32() }
  } catch {
    return { partitions: [], generation: DEFAULT_GENERATION }
  }
}

export function encodeCooperativeUserData(generation: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeInt32BE(generation, 0)
  return buffer
}

/** The generation in cooperative-sticky userData: null when absent, DEFAULT_GENERATION when undecodable. */
export function decodeCooperativeGeneration(userData: Buffer | null): number | null {
  if (userData === null) return null
  return userData.length >= 4 ? userData.readInt32BE(0) : DEFAULT_GENERATION
}

function readPreviousAssignment(reader: Reader): TopicPartition[] {
  const partitions: TopicPartition[] = []
  const topicCount = reader.arrayLength()
  for (let i = 0; i < topicCount; i++) {
    const topic = reader.string()
    const count = reader.arrayLength()
    for (let j = 0; j < count; j++) partitions.push({ topic, partition: reader.int32() })
  }
  return partitions
}

/** Bounds-checked reads with the same failure cases as Java's Schema.read. */
class Reader {
  #offset = 0
  constructor(readonly buffer: Buffer) {}

  remaining(): number {
    return this.buffer.length - this.#offset
  }

  int32(): number {
    this.#need(4)
    const value = this.buffer.readInt32BE(this.#offset)
    this.#offset += 4
    return value
  }

  arrayLength(): number {
    const length = this.int32()
    // Non-nullable array: a negative length is an error, and so is one the bytes cannot hold.
    if (length < 0 || length > this.remaining()) throw new RangeError(`invalid array length ${length}`)
    return length
  }

  string(): string {
    this.#need(2)
    const length = this.buffer.readInt16BE(this.#offset)
    this.#offset += 2
    if (length < 0) throw new RangeError(`invalid string length ${length}`)
    this.#need(length)
    const value = this.buffer.toString('utf8', this.#offset, this.#offset + length)
    this.#offset += length
    return value
  }

  #need(bytes: number): void {
    if (this.remaining() < bytes) throw new RangeError('userData truncated')
  }
}

/**
 * kafkajs's Partitioners (owner: core):
 *
 * - DefaultPartitioner (= JavaCompatiblePartitioner): a keyed message goes to
 *   toPositive(murmur2(key)) % partitions, Java's formula — kafka-wire's own partitioner computes
 *   exactly that, so the producer leaves keyed messages to it. Keyless messages: kafkajs deals them
 *   round-robin; the layer uses kafka-wire's sticky partitioner (Java's), which fills one batch per
 *   partition before moving on (fewer, larger requests). Both spread load; neither is an API.
 * - LegacyPartitioner: kafkajs 1.x's partitioner, whose murmur2 multiplies in floating point and so
 *   places keys differently from Java. Ported operation for operation (legacyMurmur2 below) so that
 *   keys land where kafkajs's LegacyPartitioner puts them; the unit test runs kafkajs's own function.
 * - A custom `createPartitioner` (kafkajs's interface: () => ({ topic, partitionMetadata, message })
 *   => partition) is called with the topic's partition metadata in kafkajs's shape.
 */
import { randomBytes } from 'node:crypto'
import { partitionForKey } from '../producer/index.js'
import type { ICustomPartitioner, PartitionerArgs } from './types.js'

const toPositive = (x: number): number => x & 0x7fffffff

const SEED = 0x9747b28c
const M = 0x5bd1e995
const R = 24

/**
 * kafkajs's legacy murmur2 (src/producer/partitioners/legacy/murmur2.js), deliberately with its
 * arithmetic: `*=` on doubles (losing low bits past 2^53), `length / 4` as a fractional bound (one
 * extra round over zero bytes when the length is not a multiple of 4), and the fall-through tail.
 */
export function legacyMurmur2(key: Buffer | string): number {
  const data = Buffer.isBuffer(key) ? key : Buffer.from(String(key))
  const length = data.length
  let h = SEED ^ length
  const length4 = length / 4
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k =
      ((data[i4 + 0] as number) & 0xff) +
      (((data[i4 + 1] as number) & 0xff) << 8) +
      (((data[i4 + 2] as number) & 0xff) << 16) +
      (((data[i4 + 3] as number) & 0xff) << 24)
    k *= M
    k ^= k >>> R
    k *= M
    h *= M
    h ^= k
  }
  // The tail: kafkajs's switch falls through from 3 to 2 to 1.
  const rest = length % 4
  if (rest >= 3) h ^= ((data[(length & ~3) + 2] as number) & 0xff) << 16
  if (rest >= 2) h ^= ((data[(length & ~3) + 1] as number) & 0xff) << 8
  if (rest >= 1) {
    h ^= (data[length & ~3] as number) & 0xff
    h *= M
  }
  h ^= h >>> 13
  h *= M
  h ^= h >>> 15
  return h
}

/** Java's murmur2 (what kafkajs's DefaultPartitioner uses), through kafka-wire's implementation. */
function javaMurmur2Partition(key: Buffer | string, numPartitions: number): number {
  return partitionForKey(Buffer.isBuffer(key) ? key : Buffer.from(String(key)), numPartitions)
}

/** kafkajs's partitioner scaffold (legacy/partitioner.js): explicit, then keyed, then round-robin. */
function createPartitionerWith(keyed: (key: Buffer | string, numPartitions: number) => number): ICustomPartitioner {
  return () => {
    const counters: Record<string, number> = {}
    return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
      if (!(topic in counters)) counters[topic] = randomBytes(32).readUInt32BE(0)
      const numPartitions = partitionMetadata.length
      const available = partitionMetadata.filter((p) => p.leader >= 0)
      if (message.partition !== null && message.partition !== undefined) return message.partition
      if (message.key !== null && message.key !== undefined) return keyed(message.key, numPartitions)
      counters[topic] = (counters[topic] as number) + 1
      if (available.length > 0) {
        return (available[toPositive(counters[topic] as number) % available.length] as { partitionId: number })
          .partitionId
      }
      return toPositive(counters[topic] as number) % numPartitions
    }
  }
}

const DefaultPartitioner: ICustomPartitioner = createPartitionerWith(javaMurmur2Partition)
const LegacyPartitioner: ICustomPartitioner = createPartitionerWith(
  (key, numPartitions) => toPositive(legacyMurmur2(key)) % numPartitions,
)

export const Partitioners: {
  DefaultPartitioner: ICustomPartitioner
  LegacyPartitioner: ICustomPartitioner
  /** @deprecated kafkajs renamed it DefaultPartitioner in 2.0.0. */
  JavaCompatiblePartitioner: ICustomPartitioner
} = {
  DefaultPartitioner,
  LegacyPartitioner,
  JavaCompatiblePartitioner: DefaultPartitioner,
}

/** Whether the producer may leave partitioning to kafka-wire (the DefaultPartitioner's keyed rule is Java's). */
export function isDefaultPartitioner(create: ICustomPartitioner | undefined): boolean {
  return create === undefined || create === DefaultPartitioner
}

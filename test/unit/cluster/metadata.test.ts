import { describe, expect, it } from 'vitest'
import {
  isUsableTopic,
  MetadataCache,
  type MetadataResponseLike,
  mergePartition,
  mergeTopic,
  type PartitionMetadata,
  type TopicMetadata,
} from '../../../src/cluster/metadata.js'

const ID_A = 'AAAAAAAAAAAAAAAAAAAAAQ'
const ID_B = 'AAAAAAAAAAAAAAAAAAAAAg'

function part(partition: number, leaderId: number, leaderEpoch: number): PartitionMetadata {
  return { partition, leaderId, leaderEpoch, replicas: [1, 2, 3], isr: [1, 2, 3], offlineReplicas: [], errorCode: 0 }
}

function res(
  topics: { name: string; id?: string; errorCode?: number; parts?: [number, number][] }[],
  brokers = [1, 2, 3],
): MetadataResponseLike {
  return {
    brokers: brokers.map((nodeId) => ({ nodeId, host: `h${nodeId}`, port: 9092, rack: null })),
    clusterId: 'cluster',
    controllerId: 1,
    topics: topics.map((t) => ({
      errorCode: t.errorCode ?? 0,
      name: t.name,
      topicId: t.id ?? ID_A,
      isInternal: false,
      partitions: (t.parts ?? []).map(([leaderId, leaderEpoch], i) => ({
        errorCode: 0,
        partitionIndex: i,
        leaderId,
        leaderEpoch,
        replicaNodes: [1, 2, 3],
        isrNodes: [1, 2, 3],
        offlineReplicas: [],
      })),
    })),
  }
}

describe('mergePartition: a newer leader epoch always wins', () => {
  it('keeps the cached entry when the incoming epoch is older', () => {
    expect(mergePartition(part(0, 1, 5), part(0, 2, 4))).toEqual({ kept: part(0, 1, 5), stale: true })
  })
  it('takes equal or newer epochs', () => {
    expect(mergePartition(part(0, 1, 5), part(0, 2, 6)).kept.leaderId).toBe(2)
    expect(mergePartition(part(0, 1, 5), part(0, 3, 5)).kept.leaderId).toBe(3)
  })
  it('takes the incoming entry when either epoch is unknown', () => {
    expect(mergePartition(part(0, 1, 5), part(0, 2, -1)).kept.leaderId).toBe(2)
    expect(mergePartition(part(0, 1, -1), part(0, 2, 0)).kept.leaderId).toBe(2)
    expect(mergePartition(undefined, part(0, 2, 0)).kept.leaderId).toBe(2)
  })
})

describe('isUsableTopic: what an assignment and a fetch can use', () => {
  const topic = (errorCode: number, partitions: PartitionMetadata[]): TopicMetadata => ({
    name: 't',
    topicId: ID_A,
    isInternal: false,
    errorCode,
    partitions,
  })
  it('is a topic without an error that has partitions', () => {
    expect(isUsableTopic(topic(0, [part(0, 1, 0)]))).toBe(true)
  })
  it('is not an unknown topic, a topic with an error, or one without partitions', () => {
    expect(isUsableTopic(undefined)).toBe(false)
    expect(isUsableTopic(topic(3, [part(0, 1, 0)]))).toBe(false) // UNKNOWN_TOPIC_OR_PARTITION
    expect(isUsableTopic(topic(5, []))).toBe(false) // LEADER_NOT_AVAILABLE while it is created
    expect(isUsableTopic(topic(0, []))).toBe(false)
  })
})

describe('mergeTopic', () => {
  const cached: TopicMetadata = {
    name: 't',
    topicId: ID_A,
    isInternal: false,
    errorCode: 0,
    partitions: [part(0, 1, 5), part(1, 2, 5), part(2, 3, 5)],
  }
  it('merges per partition and never forgets partitions of the same topic id', () => {
    const incoming = { ...cached, partitions: [part(0, 2, 4), part(1, 3, 6)] }
    const m = mergeTopic(cached, incoming)
    expect(m.partitions.map((p) => [p.leaderId, p.leaderEpoch])).toEqual([
      [1, 5],
      [3, 6],
      [3, 5],
    ])
  })
  it('a re-created topic (new id) replaces everything, epochs included', () => {
    const incoming = { ...cached, topicId: ID_B, partitions: [part(0, 2, 0)] }
    expect(mergeTopic(cached, incoming)).toBe(incoming)
  })
})

describe('MetadataCache', () => {
  it('stores brokers, controller, cluster id, topics, leaders, replicas and ISR', () => {
    const c = new MetadataCache()
    expect(c.isStale(1000, 300_000)).toBe(true)
    c.update(
      res([
        {
          name: 't',
          parts: [
            [1, 0],
            [2, 0],
          ],
        },
      ]),
      1000,
      ['t'],
    )
    expect([...c.brokers.keys()]).toEqual([1, 2, 3])
    expect(c.controllerId).toBe(1)
    expect(c.clusterId).toBe('cluster')
    expect(c.topic('t')!.partitions[1]).toMatchObject({
      leaderId: 2,
      leaderEpoch: 0,
      replicas: [1, 2, 3],
      isr: [1, 2, 3],
    })
    expect(c.topicById(ID_A)!.name).toBe('t')
    expect(c.isStale(2000, 300_000)).toBe(false)
    expect(c.isStale(301_000, 300_000)).toBe(true)
  })

  it('ignores stale partitions from a lagging broker and counts them', () => {
    const c = new MetadataCache()
    c.update(res([{ name: 't', parts: [[1, 7]] }]), 1, ['t'])
    const u = c.update(res([{ name: 't', parts: [[2, 6]] }]), 2, ['t'])
    expect(u.staleIgnored).toBe(1)
    expect(c.topic('t')!.partitions[0]!.leaderId).toBe(1)
    c.update(res([{ name: 't', parts: [[3, 8]] }]), 3, ['t'])
    expect(c.topic('t')!.partitions[0]!.leaderId).toBe(3)
  })

  it('removes unknown topics and remembers the error; keeps the entry on LEADER_NOT_AVAILABLE', () => {
    const c = new MetadataCache()
    c.update(
      res([
        { name: 't', parts: [[1, 0]] },
        { name: 'u', parts: [[1, 0]] },
      ]),
      1,
      ['t', 'u'],
    )
    const u = c.update(
      res([
        { name: 't', errorCode: 3 },
        { name: 'u', errorCode: 5 },
      ]),
      2,
      ['t', 'u'],
    )
    expect(u.topicErrors).toEqual(
      new Map([
        ['t', 3],
        ['u', 5],
      ]),
    )
    expect(c.topic('t')).toBeUndefined()
    expect(c.topicError('t')).toBe(3)
    expect(c.topic('u')).toBeDefined()
    c.update(res([{ name: 'u', parts: [[1, 1]] }]), 3, ['u'])
    expect(c.topicError('u')).toBeUndefined()
  })

  it('a requested topic missing from the response is unknown; with "all", absent topics are dropped', () => {
    const c = new MetadataCache()
    c.update(res([{ name: 't', parts: [[1, 0]] }]), 1, ['t', 'gone'])
    expect(c.topicError('gone')).toBe(3)
    c.update(res([]), 2, 'all')
    expect(c.topic('t')).toBeUndefined()
  })

  it('reports brokers that left', () => {
    const c = new MetadataCache()
    c.update(res([], [1, 2, 3]), 1, [])
    expect(c.update(res([], [1, 3]), 2, []).removedBrokers).toEqual([2])
  })

  it('updateLeader applies only a newer epoch', () => {
    const c = new MetadataCache()
    c.update(res([{ name: 't', parts: [[1, 5]] }]), 1, ['t'])
    expect(c.updateLeader('t', 0, 2, 5)).toBe(false)
    expect(c.updateLeader('t', 0, 2, 6)).toBe(true)
    expect(c.topic('t')!.partitions[0]).toMatchObject({ leaderId: 2, leaderEpoch: 6 })
    expect(c.updateLeader('t', 9, 2, 6)).toBe(false)
  })

  it('fills partition gaps with leaderless placeholders', () => {
    const c = new MetadataCache()
    const r = res([{ name: 't', parts: [[1, 0]] }])
    ;(r.topics[0]!.partitions as any[])[0].partitionIndex = 2
    c.update(r, 1, ['t'])
    expect(c.topic('t')!.partitions.map((p) => p.leaderId)).toEqual([-1, -1, 1])
  })
})

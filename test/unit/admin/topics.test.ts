import { describe, expect, it } from 'vitest'
import { RoundReport } from '../../../src/admin/driver.js'
import {
  buildCreatePartitionsRequest,
  buildCreateTopicsRequest,
  buildDeleteTopicsRequest,
  buildMetadataRequest,
  clusterFromDescribeCluster,
  handleCreateTopicsResponse,
  handleDeleteTopicsResponse,
  handleDescribeTopicsMetadata,
  topicListings,
  topicsReady,
  validateNewTopics,
} from '../../../src/admin/topics.js'
import { Apis, encodeMessage, ZERO_UUID } from '../../../src/protocol/index.js'

describe('CreateTopics', () => {
  it('uses -1 (broker defaults) for omitted counts and for explicit assignments', () => {
    const req = buildCreateTopicsRequest(
      [
        { topic: 'a' },
        { topic: 'b', numPartitions: 3, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
        { topic: 'c', numPartitions: 9, replicaAssignment: [[1], [1]] },
      ],
      { validateOnly: true, timeoutMs: 1000 },
    )
    expect(req.topics).toEqual([
      { name: 'a', numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] },
      {
        name: 'b',
        numPartitions: 3,
        replicationFactor: 1,
        assignments: [],
        configs: [{ name: 'cleanup.policy', value: 'compact' }],
      },
      {
        name: 'c',
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [
          { partitionIndex: 0, brokerIds: [1] },
          { partitionIndex: 1, brokerIds: [1] },
        ],
        configs: [],
      },
    ])
    expect(req.validateOnly).toBe(true)
    for (let v = 2; v <= 7; v++) expect(() => encodeMessage(Apis.CreateTopics.request, v, req)).not.toThrow()
  })

  it('rejects duplicate and empty names before any I/O', () => {
    expect(() => validateNewTopics([{ topic: 'a' }, { topic: 'a' }])).toThrow(/Duplicate topic 'a'/)
    expect(() => validateNewTopics([{ topic: '' }])).toThrow(/non-empty/)
  })

  it('maps per-topic results: success, final error named, NOT_CONTROLLER retried with a metadata refresh', () => {
    const report = new RoundReport<any>()
    handleCreateTopicsResponse(
      {
        throttleTimeMs: 0,
        topics: [
          {
            name: 'ok',
            topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
            errorCode: 0,
            errorMessage: null,
            topicConfigErrorCode: 0,
            numPartitions: 2,
            replicationFactor: 1,
            configs: [{ name: 'retention.ms', value: '1000', readOnly: false, configSource: 1, isSensitive: false }],
          },
          {
            name: 'dup',
            topicId: ZERO_UUID,
            errorCode: 36,
            errorMessage: "Topic 'dup' already exists.",
            topicConfigErrorCode: 0,
            numPartitions: -1,
            replicationFactor: -1,
            configs: null,
          },
          {
            name: 'moved',
            topicId: ZERO_UUID,
            errorCode: 41,
            errorMessage: null,
            topicConfigErrorCode: 0,
            numPartitions: -1,
            replicationFactor: -1,
            configs: null,
          },
        ],
      },
      report,
      19,
    )
    expect(report.results.get('ok')).toMatchObject({
      topic: 'ok',
      topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      numPartitions: 2,
      replicationFactor: 1,
      configs: { 'retention.ms': { value: '1000', source: 'dynamic-topic-config', isDefault: false } },
    })
    const dup = report.errors.get('dup')!
    expect(dup.code).toBe('TOPIC_ALREADY_EXISTS')
    expect(dup.topic).toBe('dup')
    expect(dup.message).toContain("Topic 'dup' already exists.")
    expect(report.retries.get('moved')?.code).toBe('NOT_CONTROLLER')
    expect(report.refreshMetadata).toBe(true)
  })
})

describe('DeleteTopics', () => {
  it('builds a request every version can encode', () => {
    for (let v = 1; v <= 6; v++) {
      const req = buildDeleteTopicsRequest(['a', 'b'], v, 500)
      expect(() => encodeMessage(Apis.DeleteTopics.request, v, req)).not.toThrow()
    }
    expect(buildDeleteTopicsRequest(['a'], 6, 1)).toEqual({ topics: [{ name: 'a' }], timeoutMs: 1 })
    expect(buildDeleteTopicsRequest(['a'], 5, 1)).toEqual({ topicNames: ['a'], timeoutMs: 1 })
  })

  it('names the topic that could not be deleted', () => {
    const report = new RoundReport<string>()
    handleDeleteTopicsResponse(
      {
        throttleTimeMs: 0,
        responses: [
          { name: 'gone', topicId: ZERO_UUID, errorCode: 3, errorMessage: null },
          { name: 'ok', topicId: ZERO_UUID, errorCode: 0, errorMessage: null },
        ],
      },
      report,
      20,
    )
    expect(report.errors.get('gone')?.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(report.errors.get('gone')?.topic).toBe('gone')
    expect(report.results.get('ok')).toBe('ok')
  })
})

describe('CreatePartitions', () => {
  it('sends null assignments unless given', () => {
    const req = buildCreatePartitionsRequest(
      [
        { topic: 'a', count: 3 },
        { topic: 'b', count: 2, assignments: [[1]] },
      ],
      { validateOnly: false, timeoutMs: 10 },
    )
    expect(req.topics).toEqual([
      { name: 'a', count: 3, assignments: null },
      { name: 'b', count: 2, assignments: [{ brokerIds: [1] }] },
    ])
    for (let v = 0; v <= 3; v++) expect(() => encodeMessage(Apis.CreatePartitions.request, v, req)).not.toThrow()
  })
})

const partition = (i: number, leader: number) => ({
  errorCode: 0,
  partitionIndex: i,
  leaderId: leader,
  leaderEpoch: 4,
  replicaNodes: [1],
  isrNodes: leader < 0 ? [] : [1],
  offlineReplicas: [],
})

const metadataResponse = (topics: any[]) =>
  ({
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }],
    clusterId: 'c',
    controllerId: 1,
    topics,
    clusterAuthorizedOperations: 0,
    errorCode: 0,
  }) as any

describe('Metadata-based calls', () => {
  it('asks for all topics with null (v1+) and never auto-creates', () => {
    expect(buildMetadataRequest(null, 12)).toEqual({ topics: null, allowAutoTopicCreation: false })
    expect(buildMetadataRequest(null, 0).topics).toEqual([])
    expect(buildMetadataRequest(['x'], 12).topics).toEqual([{ name: 'x' }])
  })

  it('lists topics sorted, internal ones only on request', () => {
    const res = metadataResponse([
      { errorCode: 0, name: 'z', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', isInternal: false, partitions: [] },
      { errorCode: 0, name: '__consumer_offsets', topicId: ZERO_UUID, isInternal: true, partitions: [] },
      { errorCode: 0, name: 'a', topicId: ZERO_UUID, isInternal: false, partitions: [] },
    ])
    expect(topicListings(res, false).map((t) => t.topic)).toEqual(['a', 'z'])
    expect(topicListings(res, true).map((t) => t.topic)).toEqual(['__consumer_offsets', 'a', 'z'])
    expect(topicListings(res, false)[0]!.topicId).toBeNull()
  })

  it('describes topics (partitions sorted, leader null when none) and names a missing topic', () => {
    const report = new RoundReport<any>()
    handleDescribeTopicsMetadata(
      metadataResponse([
        {
          errorCode: 0,
          name: 't',
          topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
          isInternal: false,
          partitions: [partition(1, -1), partition(0, 1)],
        },
        { errorCode: 3, name: 'missing', topicId: ZERO_UUID, isInternal: false, partitions: [] },
        { errorCode: 5, name: 'new', topicId: ZERO_UUID, isInternal: false, partitions: [] },
      ]),
      report,
      3,
    )
    expect(report.results.get('t')).toEqual({
      topic: 't',
      topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      isInternal: false,
      partitions: [
        { partition: 0, leader: 1, leaderEpoch: 4, replicas: [1], isr: [1], offlineReplicas: [] },
        { partition: 1, leader: null, leaderEpoch: 4, replicas: [1], isr: [], offlineReplicas: [] },
      ],
    })
    expect(report.errors.get('missing')?.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(report.errors.get('missing')?.topic).toBe('missing')
    expect(report.retries.get('new')?.code).toBe('LEADER_NOT_AVAILABLE')
  })

  it('maps DescribeCluster', () => {
    expect(
      clusterFromDescribeCluster({
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        endpointType: 1,
        clusterId: 'abc',
        controllerId: 2,
        brokers: [
          { brokerId: 2, host: 'b', port: 2, rack: 'r', isFenced: false },
          { brokerId: 1, host: 'a', port: 1, rack: null, isFenced: true },
        ],
        clusterAuthorizedOperations: 0,
      }),
    ).toEqual({
      clusterId: 'abc',
      controller: { nodeId: 2, host: 'b', port: 2, rack: 'r', fenced: false },
      brokers: [
        { nodeId: 1, host: 'a', port: 1, rack: null, fenced: true },
        { nodeId: 2, host: 'b', port: 2, rack: 'r', fenced: false },
      ],
    })
  })
})

describe('topicsReady', () => {
  it('needs every topic, enough partitions, and a leader for each', () => {
    const res = metadataResponse([
      {
        errorCode: 0,
        name: 'a',
        topicId: ZERO_UUID,
        isInternal: false,
        partitions: [partition(0, 1), partition(1, 1)],
      },
      { errorCode: 0, name: 'b', topicId: ZERO_UUID, isInternal: false, partitions: [partition(0, -1)] },
      { errorCode: 3, name: 'c', topicId: ZERO_UUID, isInternal: false, partitions: [] },
    ])
    expect(topicsReady(res, new Map([['a', 2]]))).toBe(true)
    expect(topicsReady(res, new Map([['a', 3]]))).toBe(false)
    expect(topicsReady(res, new Map([['b', 1]]))).toBe(false)
    expect(topicsReady(res, new Map([['c', 1]]))).toBe(false)
    expect(topicsReady(res, new Map([['d', 1]]))).toBe(false)
  })
})

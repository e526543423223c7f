import { describe, expect, it } from 'vitest'
import { RoundReport } from '../../../src/admin/driver.js'
import {
  buildListGroupsRequest,
  decodeAssignment,
  decodeSubscribedTopics,
  groupListings,
  handleConsumerGroupDescribeResponse,
  handleDeleteGroupsResponse,
  handleDescribeGroupsResponse,
  mergeGroupListings,
} from '../../../src/admin/groups.js'
import {
  Apis,
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  encodeMessage,
} from '../../../src/protocol/index.js'

function versioned(schema: any, version: number, value: object, trailing = Buffer.alloc(0)): Buffer {
  const prefix = Buffer.alloc(2)
  prefix.writeInt16BE(version)
  return Buffer.concat([prefix, encodeMessage(schema, Math.min(version, 3), value), trailing])
}

describe('consumer protocol decoding', () => {
  it('decodes an assignment after its version prefix, merging and sorting', () => {
    const buf = versioned(ConsumerProtocolAssignment, 1, {
      assignedPartitions: [
        { topic: 'b', partitions: [2, 0] },
        { topic: 'a', partitions: [1] },
        { topic: 'b', partitions: [1] },
      ],
      userData: null,
    })
    expect(decodeAssignment(buf)).toEqual([
      { topic: 'a', partitions: [1] },
      { topic: 'b', partitions: [0, 1, 2] },
    ])
  })

  it('reads a newer version with the highest known one, ignoring trailing fields', () => {
    const buf = versioned(
      ConsumerProtocolAssignment,
      7,
      { assignedPartitions: [{ topic: 't', partitions: [0] }], userData: null },
      Buffer.from([1, 2, 3]),
    )
    expect(decodeAssignment(buf)).toEqual([{ topic: 't', partitions: [0] }])
  })

  it('decodes subscribed topics', () => {
    const buf = versioned(ConsumerProtocolSubscription, 3, { topics: ['y', 'x'], rackId: 'r1' })
    expect(decodeSubscribedTopics(buf)).toEqual(['x', 'y'])
    expect(decodeSubscribedTopics(Buffer.alloc(1))).toBeNull()
  })
})

describe('ListGroups', () => {
  it('passes filters and maps listings, merging brokers', () => {
    const req = buildListGroupsRequest({ states: ['Stable'], types: ['consumer'] })
    expect(req).toEqual({ statesFilter: ['Stable'], typesFilter: ['consumer'] })
    expect(() => encodeMessage(Apis.ListGroups.request, 5, req)).not.toThrow()
    // Filters need v4/v5: the codec refuses to drop them silently.
    expect(() => encodeMessage(Apis.ListGroups.request, 3, req)).toThrow()
    expect(() => encodeMessage(Apis.ListGroups.request, 3, buildListGroupsRequest({}))).not.toThrow()

    const a = groupListings({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: 'g2', protocolType: 'consumer', groupState: 'Empty', groupType: 'classic' }],
    })
    const b = groupListings({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: 'g1', protocolType: '', groupState: '', groupType: '' }],
    })
    expect(mergeGroupListings([a, b, a])).toEqual([
      { groupId: 'g1', protocolType: '', state: null, type: null },
      { groupId: 'g2', protocolType: 'consumer', state: 'Empty', type: 'classic' },
    ])
  })
})

describe('describeGroups mapping', () => {
  it('maps ConsumerGroupDescribe and hands unknown groups back for DescribeGroups', () => {
    const report = new RoundReport<any>()
    const invalidated: string[] = []
    const classic = handleConsumerGroupDescribeResponse(
      {
        throttleTimeMs: 0,
        groups: [
          {
            errorCode: 0,
            errorMessage: null,
            groupId: 'new',
            groupState: 'Stable',
            groupEpoch: 3,
            assignmentEpoch: 3,
            assignorName: 'uniform',
            members: [
              {
                memberId: 'm1',
                instanceId: null,
                rackId: null,
                memberEpoch: 3,
                clientId: 'c1',
                clientHost: '/127.0.0.1',
                subscribedTopicNames: ['t'],
                subscribedTopicRegex: null,
                assignment: {
                  topicPartitions: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', topicName: 't', partitions: [1, 0] }],
                },
                targetAssignment: { topicPartitions: [] },
                memberType: -1,
              },
            ],
            authorizedOperations: 0,
          },
          { ...emptyGroup('old'), errorCode: 69, errorMessage: 'Group old is not a consumer group.' },
          { ...emptyGroup('moving'), errorCode: 16, errorMessage: null },
        ],
      },
      report,
      69,
      1,
      (g) => invalidated.push(g),
    )
    expect(classic).toEqual(['old'])
    expect(report.results.get('new')).toEqual({
      groupId: 'new',
      type: 'consumer',
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'uniform',
      members: [
        {
          memberId: 'm1',
          groupInstanceId: null,
          clientId: 'c1',
          clientHost: '/127.0.0.1',
          assignment: [{ topic: 't', partitions: [0, 1] }],
          targetAssignment: [],
          subscribedTopics: ['t'],
          memberEpoch: 3,
          rackId: null,
        },
      ],
      coordinator: 1,
      groupEpoch: 3,
      assignmentEpoch: 3,
    })
    expect(report.retries.get('moving')?.code).toBe('NOT_COORDINATOR')
    expect(invalidated).toEqual(['moving'])
  })

  it('maps DescribeGroups with decoded assignments, and names a missing group', () => {
    const report = new RoundReport<any>()
    handleDescribeGroupsResponse(
      {
        throttleTimeMs: 0,
        groups: [
          {
            errorCode: 0,
            errorMessage: null,
            groupId: 'g',
            groupState: 'Stable',
            protocolType: 'consumer',
            protocolData: 'range',
            members: [
              {
                memberId: 'm',
                groupInstanceId: 'i',
                clientId: 'c',
                clientHost: '/h',
                memberMetadata: versioned(ConsumerProtocolSubscription, 1, { topics: ['t'] }),
                memberAssignment: versioned(ConsumerProtocolAssignment, 0, {
                  assignedPartitions: [{ topic: 't', partitions: [0] }],
                }),
              },
            ],
            authorizedOperations: 0,
          },
          {
            errorCode: 69,
            errorMessage: null,
            groupId: 'none',
            groupState: 'Dead',
            protocolType: '',
            protocolData: '',
            members: [],
            authorizedOperations: 0,
          },
        ],
      },
      report,
      15,
      2,
      () => {},
    )
    expect(report.results.get('g')).toMatchObject({
      type: 'classic',
      state: 'Stable',
      protocol: 'range',
      coordinator: 2,
      members: [
        {
          memberId: 'm',
          groupInstanceId: 'i',
          clientId: 'c',
          clientHost: '/h',
          assignment: [{ topic: 't', partitions: [0] }],
          subscribedTopics: ['t'],
          targetAssignment: null,
        },
      ],
    })
    const missing = report.errors.get('none')!
    expect(missing.code).toBe('GROUP_ID_NOT_FOUND')
    expect(missing.message).toContain('group none')
  })

  it('maps DeleteGroups per group', () => {
    const report = new RoundReport<string>()
    handleDeleteGroupsResponse(
      {
        throttleTimeMs: 0,
        results: [
          { groupId: 'a', errorCode: 0, errorMessage: null },
          { groupId: 'b', errorCode: 68, errorMessage: null },
          { groupId: 'c', errorCode: 14, errorMessage: null },
          // DeleteGroups v3 (Kafka 4.4): the broker's reason reaches the error.
          { groupId: 'd', errorCode: 30, errorMessage: 'the principal may not delete this group' },
        ],
      },
      report,
      42,
      1,
      () => {},
    )
    expect(report.results.get('a')).toBe('a')
    expect(report.errors.get('b')?.code).toBe('NON_EMPTY_GROUP')
    expect(report.errors.get('b')?.message).toContain('group b')
    expect(report.retries.get('c')?.code).toBe('COORDINATOR_LOAD_IN_PROGRESS')
    expect(report.errors.get('d')?.code).toBe('GROUP_AUTHORIZATION_FAILED')
    expect(report.errors.get('d')?.message).toContain('the principal may not delete this group')
  })
})

function emptyGroup(groupId: string) {
  return {
    errorCode: 0,
    errorMessage: null,
    groupId,
    groupState: '',
    groupEpoch: 0,
    assignmentEpoch: 0,
    assignorName: '',
    members: [],
    authorizedOperations: 0,
  }
}

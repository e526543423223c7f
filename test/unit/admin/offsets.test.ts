import { describe, expect, it } from 'vitest'
import { RoundReport } from '../../../src/admin/driver.js'
import {
  buildDeleteRecordsRequest,
  buildListOffsetsRequest,
  buildOffsetCommitRequest,
  buildOffsetDeleteRequest,
  buildOffsetFetchRequest,
  handleDeleteRecordsResponse,
  handleListOffsetsResponse,
  handleOffsetCommitResponse,
  handleOffsetDeleteResponse,
  mapOffsetFetchResponse,
  minListOffsetsVersion,
  specTimestamp,
  validatePartitions,
} from '../../../src/admin/offsets.js'
import { Apis, encodeMessage } from '../../../src/protocol/index.js'

describe('ListOffsets', () => {
  it('encodes specs as Kafka timestamps', () => {
    expect(specTimestamp('earliest')).toBe(-2n)
    expect(specTimestamp('latest')).toBe(-1n)
    expect(specTimestamp('max-timestamp')).toBe(-3n)
    expect(specTimestamp({ timestamp: 1700000000000 })).toBe(1700000000000n)
    expect(specTimestamp({ timestamp: 5n })).toBe(5n)
    expect(specTimestamp({ timestamp: new Date(1000) })).toBe(1000n)
    expect(() => specTimestamp({ timestamp: -5 })).toThrow(/>= 0/)
    expect(() => specTimestamp('soon' as any)).toThrow(/Invalid OffsetSpec/)
    expect(minListOffsetsVersion(-3n)).toBe(7)
    expect(minListOffsetsVersion(-1n)).toBe(1)
  })

  it('groups partitions by topic with the current leader epoch', () => {
    const req = buildListOffsetsRequest(
      [
        { topic: 'a', partition: 0, spec: 'earliest', timestamp: -2n, currentLeaderEpoch: 3 },
        { topic: 'b', partition: 1, spec: 'latest', timestamp: -1n, currentLeaderEpoch: -1 },
        { topic: 'a', partition: 1, spec: 'latest', timestamp: -1n, currentLeaderEpoch: 3 },
      ],
      { isolationLevel: 'read_committed', timeoutMs: 100 },
    )
    expect(req).toEqual({
      replicaId: -1,
      isolationLevel: 1,
      topics: [
        {
          name: 'a',
          partitions: [
            { partitionIndex: 0, currentLeaderEpoch: 3, timestamp: -2n },
            { partitionIndex: 1, currentLeaderEpoch: 3, timestamp: -1n },
          ],
        },
        { name: 'b', partitions: [{ partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -1n }] },
      ],
      timeoutMs: 100,
    })
    for (let v = 2; v <= 11; v++) expect(() => encodeMessage(Apis.ListOffsets.request, v, req)).not.toThrow()
  })

  it('maps results; leader moves are retried with a metadata refresh, other errors are final', () => {
    const report = new RoundReport<any>()
    handleListOffsetsResponse(
      {
        throttleTimeMs: 0,
        topics: [
          {
            name: 't',
            partitions: [
              { partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 42n, leaderEpoch: 7 },
              { partitionIndex: 1, errorCode: 6, timestamp: -1n, offset: -1n, leaderEpoch: -1 },
              { partitionIndex: 2, errorCode: 29, timestamp: -1n, offset: -1n, leaderEpoch: -1 },
            ],
          },
        ],
      },
      report,
      2,
      1,
    )
    expect(report.results.get('t:0')).toEqual({ topic: 't', partition: 0, offset: 42n, timestamp: -1, leaderEpoch: 7 })
    expect(report.retries.get('t:1')?.code).toBe('NOT_LEADER_OR_FOLLOWER')
    expect(report.retries.get('t:1')?.partition).toBe(1)
    expect(report.refreshMetadata).toBe(true)
    expect(report.errors.get('t:2')?.code).toBe('TOPIC_AUTHORIZATION_FAILED')
    expect(report.errors.get('t:2')?.topic).toBe('t')
  })

  it('rejects duplicate partitions and bad partition numbers', () => {
    expect(() =>
      validatePartitions(
        [
          { topic: 't', partition: 0 },
          { topic: 't', partition: 0 },
        ],
        'x',
      ),
    ).toThrow(/Duplicate partition/)
    expect(() => validatePartitions([{ topic: 't', partition: -1 }], 'x')).toThrow(/integer >= 0/)
  })
})

describe('DeleteRecords', () => {
  it('builds and maps per partition', () => {
    const req = buildDeleteRecordsRequest([{ topic: 't', partition: 0, beforeOffset: 5, offset: 5n }], 100)
    expect(req).toEqual({ topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 5n }] }], timeoutMs: 100 })
    for (let v = 0; v <= 2; v++) expect(() => encodeMessage(Apis.DeleteRecords.request, v, req)).not.toThrow()
    const report = new RoundReport<any>()
    handleDeleteRecordsResponse(
      {
        throttleTimeMs: 0,
        topics: [
          {
            name: 't',
            partitions: [
              { partitionIndex: 0, lowWatermark: 5n, errorCode: 0 },
              { partitionIndex: 1, lowWatermark: -1n, errorCode: 1 },
            ],
          },
        ],
      },
      report,
      21,
      1,
    )
    expect(report.results.get('t:0')).toEqual({ topic: 't', partition: 0, lowWatermark: 5n })
    expect(report.errors.get('t:1')?.code).toBe('OFFSET_OUT_OF_RANGE')
  })
})

describe('OffsetFetch', () => {
  it('builds the per-version request shape', () => {
    const parts = [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 2 },
    ]
    expect(buildOffsetFetchRequest('g', parts, 9, false)).toEqual({
      groups: [{ groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 2] }] }],
      requireStable: false,
    })
    expect(buildOffsetFetchRequest('g', null, 7, true)).toEqual({ groupId: 'g', topics: null, requireStable: true })
    for (let v = 2; v <= 9; v++) {
      expect(() =>
        encodeMessage(Apis.OffsetFetch.request, v, buildOffsetFetchRequest('g', parts, v, false)),
      ).not.toThrow()
    }
    // requireStable needs v7: refused, not silently dropped.
    expect(() => encodeMessage(Apis.OffsetFetch.request, 6, buildOffsetFetchRequest('g', null, 6, true))).toThrow()
  })

  it('maps v8+ responses, leaving out partitions without a commit', () => {
    const out = mapOffsetFetchResponse(
      {
        throttleTimeMs: 0,
        topics: [],
        errorCode: 0,
        groups: [
          {
            groupId: 'g',
            errorCode: 0,
            topics: [
              {
                name: 't',
                topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
                partitions: [
                  { partitionIndex: 1, committedOffset: 10n, committedLeaderEpoch: 2, metadata: 'm', errorCode: 0 },
                  { partitionIndex: 0, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
                  { partitionIndex: 3, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 88 },
                  { partitionIndex: 4, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 29 },
                ],
              },
            ],
          },
        ],
      } as any,
      'g',
      9,
      9,
      1,
    )
    expect(out.offsets).toEqual([{ topic: 't', partition: 1, offset: 10n, metadata: 'm', leaderEpoch: 2 }])
    expect(out.retry?.code).toBe('UNSTABLE_OFFSET_COMMIT')
    expect(out.errors.map((e) => [e.code, e.topic, e.partition])).toEqual([['TOPIC_AUTHORIZATION_FAILED', 't', 4]])
  })

  it('throws a group-level error naming the group (v7 and v8+)', () => {
    expect(() =>
      mapOffsetFetchResponse({ throttleTimeMs: 0, topics: [], errorCode: 30, groups: [] } as any, 'g', 7, 9, 1),
    ).toThrow(/GROUP_AUTHORIZATION_FAILED.*group g/)
    expect(() =>
      mapOffsetFetchResponse(
        { throttleTimeMs: 0, topics: [], errorCode: 0, groups: [{ groupId: 'g', errorCode: 16, topics: [] }] } as any,
        'g',
        8,
        9,
        1,
      ),
    ).toThrow(/NOT_COORDINATOR/)
  })
})

describe('OffsetCommit / OffsetDelete', () => {
  it('commits as an admin: generation -1, empty member', () => {
    const req = buildOffsetCommitRequest('g', [
      { topic: 't', partition: 0, offset: 5n },
      { topic: 't', partition: 1, offset: 6n, metadata: 'x', leaderEpoch: 3 },
    ])
    expect(req).toEqual({
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: '' },
            { partitionIndex: 1, committedOffset: 6n, committedLeaderEpoch: 3, committedMetadata: 'x' },
          ],
        },
      ],
    })
    for (let v = 2; v <= 9; v++) expect(() => encodeMessage(Apis.OffsetCommit.request, v, req)).not.toThrow()
  })

  it('maps commit errors per partition; coordinator moves are retried', () => {
    const report = new RoundReport<any>()
    let invalidated = 0
    handleOffsetCommitResponse(
      {
        throttleTimeMs: 0,
        topics: [
          {
            name: 't',
            topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
            partitions: [
              { partitionIndex: 0, errorCode: 0 },
              { partitionIndex: 1, errorCode: 25 },
              { partitionIndex: 2, errorCode: 16 },
            ],
          },
        ],
      },
      'g',
      report,
      8,
      1,
      () => invalidated++,
    )
    expect(report.results.get('t:0')).toEqual({ topic: 't', partition: 0 })
    expect(report.errors.get('t:1')?.code).toBe('UNKNOWN_MEMBER_ID')
    expect(report.errors.get('t:1')?.message).toContain('group g')
    expect(report.retries.get('t:2')?.code).toBe('NOT_COORDINATOR')
    expect(invalidated).toBe(1)
  })

  it('maps OffsetDelete; a group-level error is thrown', () => {
    const req = buildOffsetDeleteRequest('g', [{ topic: 't', partition: 0 }])
    expect(req).toEqual({ groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] })
    const report = new RoundReport<any>()
    handleOffsetDeleteResponse(
      {
        errorCode: 0,
        throttleTimeMs: 0,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 86 }] }],
      },
      'g',
      report,
      47,
      1,
    )
    expect(report.errors.get('t:0')?.code).toBe('GROUP_SUBSCRIBED_TO_TOPIC')
    expect(() =>
      handleOffsetDeleteResponse({ errorCode: 69, throttleTimeMs: 0, topics: [] }, 'g', new RoundReport(), 47, 1),
    ).toThrow(/GROUP_ID_NOT_FOUND.*group g/)
  })
})

// The consumer's group offset requests through Cluster.send's one-call contract: capped at v9 while a
// topic id is unknown, the body built for the version Cluster chose, and stale metadata reported by
// the consumer itself (Cluster reads no error codes out of responses).
import { describe, expect, it } from 'vitest'
import type { CommitGeneration, GroupMembership } from '../../../src/consumer/group/membership.js'
import { Offsets } from '../../../src/consumer/offsets.js'
import { resolveConsumerOptions } from '../../../src/consumer/options.js'
import { SubscriptionState } from '../../../src/consumer/subscription-state.js'
import { ErrorCode } from '../../../src/error-codes.js'
import { Apis } from '../../../src/protocol/index.js'

const TOPIC = 't'
const NEGOTIATED = 10

function setup(reply: (api: unknown, version: number) => unknown) {
  const sent: { api: unknown; version: number; maxVersion: number | undefined; body: any }[] = []
  const stale: { topic?: string; reason?: string }[] = []
  const cluster = {
    topic: () => undefined, // the topic id is unknown
    leaderFor: () => ({ nodeId: 0, leaderEpoch: 0 }),
    requestMetadataRefresh: () => {},
    invalidateMetadata: (cause: { topic?: string; reason?: string }) => stale.push(cause),
    topicMetadata: async () => [],
    send: async (_node: number, api: unknown, build: (v: number) => unknown, opts: { maxVersion?: number }) => {
      // What Cluster.send does: min(negotiated, maxVersion), then build(version).
      const version = Math.min(NEGOTIATED, opts.maxVersion ?? NEGOTIATED)
      sent.push({ api, version, maxVersion: opts.maxVersion, body: build(version) })
      return reply(api, version)
    },
  }
  const generation: CommitGeneration = { generationId: 3, memberId: 'm', groupInstanceId: null }
  const membership = {
    groupId: 'g',
    rebalanceInProgress: false,
    commitGeneration: () => generation,
    coordinator: async () => 0,
    markCoordinatorUnknown: () => {},
    onCommitError: () => {},
  } as unknown as GroupMembership
  const offsets = new Offsets({
    cluster: cluster as any,
    subscriptions: new SubscriptionState('earliest'),
    options: resolveConsumerOptions({ bootstrapServers: 'x:1', groupId: 'g' }),
    membership,
    requestTimeoutMs: 30_000,
    retryBackoffMs: 100,
  })
  return { offsets, sent, stale }
}

describe('consumer offsets over the one send contract', () => {
  it('OffsetCommit: v9 at most while the topic id is unknown; UNKNOWN_TOPIC_OR_PARTITION reports stale metadata', async () => {
    const { offsets, sent, stale } = setup(() => ({
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] }],
    }))
    await expect(
      offsets.commit([{ topic: TOPIC, partition: 0, offset: 5n }], { deadline: Date.now() + 5000, retry: false }),
    ).rejects.toThrow()
    expect(sent.map((s) => [s.api, s.maxVersion, s.version])).toEqual([[Apis.OffsetCommit, 9, 9]])
    expect(sent[0]!.body.topics[0].name).toBe(TOPIC)
    expect(stale).toEqual([{ topic: TOPIC, reason: 'OffsetCommit: UNKNOWN_TOPIC_OR_PARTITION' }])
  })

  it('OffsetFetch: the body and the response read for the version chosen (v8+: groups); stale metadata reported', async () => {
    const { offsets, sent, stale } = setup((_api, version) => {
      expect(version).toBe(9)
      return {
        groups: [
          {
            groupId: 'g',
            errorCode: ErrorCode.NONE,
            topics: [
              {
                name: TOPIC,
                partitions: [
                  {
                    partitionIndex: 0,
                    committedOffset: -1n,
                    committedLeaderEpoch: -1,
                    metadata: null,
                    errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                  },
                  {
                    partitionIndex: 1,
                    committedOffset: 7n,
                    committedLeaderEpoch: 2,
                    metadata: '',
                    errorCode: ErrorCode.NONE,
                  },
                ],
              },
            ],
          },
        ],
      }
    })
    const got = await offsets.fetchCommitted(
      [
        { topic: TOPIC, partition: 0 },
        { topic: TOPIC, partition: 1 },
      ],
      Date.now() + 5000,
    )
    expect(sent.map((s) => [s.api, s.maxVersion, s.version])).toEqual([[Apis.OffsetFetch, 9, 9]])
    expect(sent[0]!.body.groups[0].groupId).toBe('g')
    expect([...got.values()]).toEqual([null, { offset: 7n, metadata: '', leaderEpoch: 2 }])
    expect(stale).toEqual([{ topic: TOPIC, reason: 'OffsetFetch: UNKNOWN_TOPIC_OR_PARTITION' }])
  })
})

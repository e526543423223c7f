// SubscriptionState: exclusive subscription kinds, assignment changes keep partition state,
// positions, resets, pause/resume, pending revocation, allConsumed.
import { describe, expect, it } from 'vitest'
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../src/consumer/group/consumer-protocol.js'
import { resolveConsumerOptions } from '../../../src/consumer/options.js'
import { SubscriptionState } from '../../../src/consumer/subscription-state.js'
import { offsetsList } from '../../../src/consumer/types.js'
import { ConfigError } from '../../../src/errors.js'

const a0 = { topic: 'a', partition: 0 }
const a1 = { topic: 'a', partition: 1 }
const b0 = { topic: 'b', partition: 0 }

describe('SubscriptionState', () => {
  it('keeps topics, pattern and manual assignment mutually exclusive', () => {
    const s = new SubscriptionState('latest')
    s.subscribe(['a'])
    expect(() => s.assignFromUser([a0])).toThrow(/mutually exclusive/)
    expect(() => s.subscribePattern(/x/)).toThrow(/mutually exclusive/)
    s.unsubscribe()
    s.assignFromUser([a0])
    expect(s.type).toBe('USER_ASSIGNED')
  })

  it('keeps the state of partitions that stay assigned', () => {
    const s = new SubscriptionState('earliest')
    s.subscribe(['a', 'b'])
    s.assignFromSubscribed([a0, a1])
    s.seek(a0, 42n)
    s.pause([a1])
    const id = s.assignmentId
    s.assignFromSubscribed([a0, b0])
    expect(s.assignmentId).toBe(id + 1)
    expect(s.position(a0)?.offset).toBe(42n)
    expect(s.stateOf(b0)?.state).toBe('INITIALIZING')
    expect(s.pausedPartitions()).toEqual([])
    expect(s.assignedPartitions()).toEqual([a0, b0])
  })

  it('positions, resets and fetchability', () => {
    const s = new SubscriptionState('none')
    s.assignFromUser([a0, a1])
    expect(s.hasAllFetchPositions()).toBe(false)
    expect(s.resetInitializingPartitions().map((x) => x.tp)).toEqual([a0, a1])
    s.seek(a0, 5n)
    s.requestOffsetReset(a1, 'earliest')
    expect(s.partitionsNeedingReset(0).map((x) => x.tp)).toEqual([a1])
    expect(s.fetchablePartitions().map((x) => x.tp)).toEqual([a0])
    s.pause([a0])
    expect(s.fetchablePartitions()).toEqual([])
    s.resume([a0])
    s.markPendingRevocation([a0])
    expect(s.fetchablePartitions()).toEqual([])
    expect([...s.allConsumed().values()]).toEqual([{ topic: 'a', partition: 0, offset: 5n, leaderEpoch: -1 }])
    s.seekUnvalidated(a1, { offset: 7n, offsetEpoch: 3, leaderId: 1, leaderEpoch: 3 })
    expect(s.stateOf(a1)?.state).toBe('AWAIT_VALIDATION')
    expect(s.partitionsNeedingValidation(0).map((x) => x.tp)).toEqual([a1])
    expect(() => s.seek({ topic: 'zzz', partition: 0 }, 1n)).toThrow(/No current assignment/)
  })
})

describe('consumer protocol and inputs', () => {
  it('round-trips subscriptions and assignments (Java layout: int16 version + struct)', () => {
    const sub = encodeSubscription({
      topics: ['a', 'b'],
      userData: Buffer.from([1, 2]),
      ownedPartitions: [a0, a1, b0],
      generationId: 4,
      rackId: 'r1',
    })
    expect(sub.readInt16BE(0)).toBe(3)
    expect(decodeSubscription('m', 'i', sub)).toEqual({
      memberId: 'm',
      groupInstanceId: 'i',
      topics: ['a', 'b'],
      userData: Buffer.from([1, 2]),
      ownedPartitions: [a0, a1, b0],
      generationId: 4,
      rackId: 'r1',
    })
    const asg = encodeAssignment({ partitions: [a1, b0], userData: null })
    expect(decodeAssignment(asg)).toEqual({ partitions: [a1, b0], userData: null })
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({ partitions: [], userData: null })
    // A newer version with extra trailing fields still decodes.
    const future = Buffer.concat([asg, Buffer.from([9, 9, 9])])
    future.writeInt16BE(7, 0)
    expect(decodeAssignment(future).partitions).toEqual([a1, b0])
  })

  it('normalises offsets arguments (array or Map) and rejects bad ones', () => {
    expect(offsetsList([{ topic: 'a', partition: 0, offset: 5 }])).toEqual([{ topic: 'a', partition: 0, offset: 5n }])
    expect(offsetsList(new Map([['x', { topic: 'a', partition: 1, offset: 6n, metadata: 'm' }]]))).toEqual([
      { topic: 'a', partition: 1, offset: 6n, metadata: 'm' },
    ])
    expect(() => offsetsList([{ topic: 'a', partition: 0, offset: -1 }])).toThrow(RangeError)
    expect(() => offsetsList([{ topic: 'a', offset: 1 } as any])).toThrow(TypeError)
  })

  it('validates options with Java defaults', () => {
    const o = resolveConsumerOptions({ bootstrapServers: 'x:1', groupId: 'g' })
    expect(o).toMatchObject({
      autoOffsetReset: 'latest',
      enableAutoCommit: true,
      sessionTimeoutMs: 45000,
      heartbeatIntervalMs: 3000,
      maxPollIntervalMs: 300000,
      maxPollRecords: 500,
      fetchMaxBytes: 52428800,
      maxPartitionFetchBytes: 1048576,
      partitionAssignmentStrategy: ['range', 'cooperative-sticky'],
    })
    expect(resolveConsumerOptions({ bootstrapServers: 'x:1' }).enableAutoCommit).toBe(false)
    expect(() => resolveConsumerOptions({ bootstrapServers: 'x:1', autoOffsetReset: 'first' as any })).toThrow(
      ConfigError,
    )
    expect(() => resolveConsumerOptions({ bootstrapServers: 'x:1', maxPollRecords: 0 })).toThrow(/maxPollRecords/)
    expect(() =>
      resolveConsumerOptions({
        bootstrapServers: 'x:1',
        groupId: 'g',
        heartbeatIntervalMs: 5000,
        sessionTimeoutMs: 5000,
      }),
    ).toThrow(/heartbeatIntervalMs/)
    expect(() => resolveConsumerOptions({ bootstrapServers: 'x:1', groupInstanceId: 'i' })).toThrow(/groupId/)
  })
})

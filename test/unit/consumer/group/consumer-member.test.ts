/** The KIP-848 member state machine, step by step with a fake clock (plain numbers). */
import { describe, expect, it } from 'vitest'
import {
  CONSUMER_PROTOCOL_NOT_SUPPORTED,
  type ConsumerHeartbeatResponse,
  ConsumerMember,
  type ConsumerMemberConfig,
  type MemberNotice,
  normalizeAssignment,
} from '../../../../src/consumer/group/consumer-member.js'
import { ErrorCode } from '../../../../src/error-codes.js'

const T1 = '00000000-0000-0000-0000-000000000001'
const T2 = '00000000-0000-0000-0000-000000000002'
const MAX_POLL = 300_000

function member(overrides: Partial<ConsumerMemberConfig> = {}): ConsumerMember {
  return new ConsumerMember(
    {
      groupId: 'g',
      memberId: 'm-uuid',
      instanceId: null,
      rackId: 'rack-a',
      rebalanceTimeoutMs: MAX_POLL,
      serverAssignor: null,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1000,
      ...overrides,
    },
    () => 0.5, // no jitter
  )
}

function ok(
  memberEpoch: number,
  assignment: { topicId: string; partitions: number[] }[] | null = null,
  heartbeatIntervalMs = 5000,
): ConsumerHeartbeatResponse {
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId: 'm-uuid',
    memberEpoch,
    heartbeatIntervalMs,
    assignment: assignment === null ? null : { topicPartitions: assignment },
  }
}

function err(errorCode: number, message: string | null = null): ConsumerHeartbeatResponse {
  return { errorCode, errorMessage: message, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }
}

/** Subscribes to topic a and completes the join with epoch 1 and `assignment`, returning the notices. */
function joined(m: ConsumerMember, assignment = [{ topicId: T1, partitions: [0, 1] }]): MemberNotice[] {
  m.handle(0, { type: 'subscribe', subscription: { topicNames: ['a'], regex: null } })
  const join = m.poll(0, 0, true)
  expect(join.request?.memberEpoch).toBe(0)
  return m.onResponse(10, ok(1, assignment))
}

describe('ConsumerMember: joining', () => {
  it('stays UNSUBSCRIBED and silent until subscribed', () => {
    const m = member()
    expect(m.state).toBe('UNSUBSCRIBED')
    expect(m.poll(0, 0, true).request).toBeNull()
  })

  it('joins at once with epoch 0, a full request and an empty (not null) TopicPartitions', () => {
    const m = member({ serverAssignor: 'uniform', instanceId: 'i-1' })
    m.handle(0, { type: 'subscribe', subscription: { topicNames: ['b', 'a', 'a'], regex: null } })
    expect(m.state).toBe('JOINING')
    const step = m.poll(0, 0, true)
    expect(step.request).toEqual({
      groupId: 'g',
      memberId: 'm-uuid',
      memberEpoch: 0,
      instanceId: 'i-1',
      rackId: 'rack-a',
      rebalanceTimeoutMs: MAX_POLL,
      subscribedTopicNames: ['a', 'b'],
      subscribedTopicRegex: null,
      serverAssignor: 'uniform',
      topicPartitions: [],
    })
  })

  it('sends a broker-side regex with empty topic names on the join', () => {
    const m = member()
    m.handle(0, { type: 'subscribe', subscription: { topicNames: [], regex: '^orders-.*' } })
    const req = m.poll(0, 0, true).request!
    expect(req.subscribedTopicRegex).toBe('^orders-.*')
    expect(req.subscribedTopicNames).toEqual([])
  })

  it('keeps one heartbeat in flight and waits for the coordinator', () => {
    const m = member()
    m.handle(0, { type: 'subscribe', subscription: { topicNames: ['a'], regex: null } })
    expect(m.poll(0, 0, false).request).toBeNull()
    expect(m.poll(1, 0, true).request).not.toBeNull()
    expect(m.poll(2, 0, true).request).toBeNull()
    expect(m.inFlight).toBe(true)
  })

  it('a join answered without an assignment waits for the interval (no heartbeat storm)', () => {
    const m = member()
    m.handle(0, { type: 'subscribe', subscription: { topicNames: ['a'], regex: null } })
    m.poll(0, 0, true)
    m.onResponse(10, ok(1, null, 1000))
    expect(m.state).toBe('JOINING')
    expect(m.poll(10, 0, true).request).toBeNull()
    expect(m.poll(1009, 0, true).request).toBeNull()
    expect(m.poll(1010, 0, true).request).not.toBeNull()
  })

  it('an empty assignment on the join makes the member STABLE with no reconciliation', () => {
    const m = member()
    const notices = joined(m, [])
    expect(notices).toEqual([{ type: 'epoch', memberEpoch: 1 }])
    expect(m.state).toBe('STABLE')
  })
})

describe('ConsumerMember: reconciliation and acknowledgement', () => {
  it('a new target goes RECONCILING with a notice, the ack goes out at once, then STABLE', () => {
    const m = member()
    const notices = joined(m)
    expect(notices).toEqual([
      { type: 'epoch', memberEpoch: 1 },
      { type: 'assignment', joinId: 1, localEpoch: 1, memberEpoch: 1, target: [{ topicId: T1, partitions: [0, 1] }] },
    ])
    expect(m.state).toBe('RECONCILING')
    // While the main thread reconciles, heartbeats go on at the broker's interval, without TopicPartitions.
    expect(m.poll(4999 + 10, 0, true).request).toBeNull()
    const keepAlive = m.poll(5010, 0, true).request!
    expect(keepAlive.memberEpoch).toBe(1)
    expect(keepAlive.topicPartitions).toBeNull()
    expect(keepAlive.subscribedTopicNames).toBeNull()
    expect(keepAlive.rebalanceTimeoutMs).toBe(-1)
    expect(keepAlive.rackId).toBeNull()
    m.onResponse(5020, ok(1))
    m.handle(5030, { type: 'reconciled', joinId: 1, localEpoch: 1, owned: [{ topicId: T1, partitions: [1, 0] }] })
    expect(m.state).toBe('ACKNOWLEDGING')
    const ack = m.poll(5030, 5030, true).request!
    expect(ack.topicPartitions).toEqual([{ topicId: T1, partitions: [0, 1] }])
    expect(m.state).toBe('STABLE')
    m.onResponse(5040, ok(1))
    // Delta: nothing changed, nothing but the identity is sent.
    const next = m.poll(10_040, 5030, true).request!
    expect(next).toMatchObject({ memberEpoch: 1, topicPartitions: null, subscribedTopicNames: null, rackId: null })
  })

  it('a new target while reconciling: the answer for the old one is acked, then RECONCILING again', () => {
    const m = member()
    joined(m)
    m.poll(20, 0, true) // nothing due
    // The next heartbeat brings another target.
    m.poll(5010, 0, true)
    const n = m.onResponse(5020, ok(2, [{ topicId: T1, partitions: [0] }]))
    expect(n).toContainEqual({
      type: 'assignment',
      joinId: 1,
      localEpoch: 2,
      memberEpoch: 2,
      target: [{ topicId: T1, partitions: [0] }],
    })
    // The main thread finishes the first target: acknowledged, but the member goes back to RECONCILING.
    m.handle(5030, { type: 'reconciled', joinId: 1, localEpoch: 1, owned: [{ topicId: T1, partitions: [0, 1] }] })
    const ack = m.poll(5030, 5030, true).request!
    expect(ack.topicPartitions).toEqual([{ topicId: T1, partitions: [0, 1] }])
    expect(m.state).toBe('RECONCILING')
    m.onResponse(5040, ok(2))
    m.handle(5050, { type: 'reconciled', joinId: 1, localEpoch: 2, owned: [{ topicId: T1, partitions: [0] }] })
    expect(m.poll(5050, 5050, true).request!.topicPartitions).toEqual([{ topicId: T1, partitions: [0] }])
    expect(m.state).toBe('STABLE')
  })

  it('ignores a reconciled answer from an earlier membership (joinId)', () => {
    const m = member()
    joined(m)
    m.handle(20, { type: 'reconciled', joinId: 0, localEpoch: 1, owned: [] })
    expect(m.state).toBe('RECONCILING')
  })

  it('re-acks the same partitions under a new local epoch', () => {
    const m = member()
    joined(m)
    m.handle(20, { type: 'reconciled', joinId: 1, localEpoch: 1, owned: [{ topicId: T1, partitions: [0, 1] }] })
    m.poll(20, 20, true)
    m.onResponse(
      30,
      ok(2, [
        { topicId: T1, partitions: [0, 1] },
        { topicId: T2, partitions: [0] },
      ]),
    )
    expect(m.state).toBe('RECONCILING')
    // T2 could not be resolved: the main thread reconciles (and acks) only the T1 part.
    m.handle(40, { type: 'reconciled', joinId: 1, localEpoch: 2, owned: [{ topicId: T1, partitions: [0, 1] }] })
    expect(m.poll(40, 40, true).request!.topicPartitions).toEqual([{ topicId: T1, partitions: [0, 1] }])
  })

  it('acks again when more of the same target becomes resolvable (same local epoch, more partitions)', () => {
    const m = member()
    joined(m, [
      { topicId: T1, partitions: [0] },
      { topicId: T2, partitions: [0] },
    ])
    m.handle(20, { type: 'reconciled', joinId: 1, localEpoch: 1, owned: [{ topicId: T1, partitions: [0] }] })
    expect(m.poll(20, 20, true).request!.topicPartitions).toEqual([{ topicId: T1, partitions: [0] }])
    m.onResponse(30, ok(1))
    m.handle(40, {
      type: 'reconciled',
      joinId: 1,
      localEpoch: 1,
      owned: [
        { topicId: T1, partitions: [0] },
        { topicId: T2, partitions: [0] },
      ],
    })
    expect(m.poll(40, 40, true).request!.topicPartitions).toEqual([
      { topicId: T1, partitions: [0] },
      { topicId: T2, partitions: [0] },
    ])
  })

  it('a target equal to what is owned needs no reconciliation', () => {
    const m = member()
    joined(m)
    m.handle(20, { type: 'reconciled', joinId: 1, localEpoch: 1, owned: [{ topicId: T1, partitions: [0, 1] }] })
    m.poll(20, 20, true)
    expect(m.onResponse(30, ok(1, [{ topicId: T1, partitions: [1, 0] }]))).toEqual([])
    expect(m.state).toBe('STABLE')
  })

  it('takes the heartbeat interval from the broker', () => {
    const m = member()
    joined(m, [])
    m.onResponse(10, ok(1, null, 1234)) // ignored: nothing in flight
    expect(m.heartbeatIntervalMs).toBe(5000)
    expect(m.poll(5009, 0, true).request).toBeNull()
    expect(m.poll(5010, 0, true).request).not.toBeNull()
    m.onResponse(5010, ok(1, null, 1234))
    expect(m.poll(6243, 0, true).request).toBeNull()
    expect(m.poll(6244, 0, true).request).not.toBeNull()
  })

  it('sends a changed subscription as a delta, and "" to remove a regex', () => {
    const m = member()
    m.handle(0, { type: 'subscribe', subscription: { topicNames: [], regex: '^a' } })
    m.poll(0, 0, true)
    m.onResponse(1, ok(1, []))
    m.handle(2, { type: 'subscribe', subscription: { topicNames: ['x'], regex: null } })
    const req = m.poll(5001, 0, true).request!
    expect(req.subscribedTopicNames).toEqual(['x'])
    expect(req.subscribedTopicRegex).toBe('')
    expect(req.topicPartitions).toBeNull()
  })
})

describe('ConsumerMember: failures', () => {
  it('a transport failure backs off exponentially, asks for the coordinator once, and the next request is full', () => {
    const m = member()
    joined(m, [])
    m.poll(5010, 0, true)
    expect(m.onFailure(5020)).toEqual([{ type: 'coordinator', errorCode: ErrorCode.NETWORK_EXCEPTION }])
    expect(m.poll(5119, 0, true).request).toBeNull()
    const retry = m.poll(5120, 0, true).request!
    expect(retry.subscribedTopicNames).toEqual(['a'])
    expect(retry.rebalanceTimeoutMs).toBe(MAX_POLL)
    expect(retry.topicPartitions).toEqual([])
    expect(m.onFailure(5130)).toEqual([])
    expect(m.poll(5329, 0, true).request).toBeNull()
    expect(m.poll(5330, 0, true).request).not.toBeNull()
  })

  it('COORDINATOR_LOAD_IN_PROGRESS backs off; NOT_COORDINATOR does not', () => {
    const m = member()
    joined(m, [])
    m.poll(5010, 0, true)
    expect(m.onResponse(5010, err(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS))).toEqual([])
    expect(m.poll(5109, 0, true).request).toBeNull()
    m.poll(5110, 0, true)
    m.onResponse(5110, ok(1))
    m.poll(10_110, 0, true)
    expect(m.onResponse(10_110, err(ErrorCode.NOT_COORDINATOR))).toEqual([
      { type: 'coordinator', errorCode: ErrorCode.NOT_COORDINATOR },
    ])
    expect(m.poll(10_110, 0, true).request).not.toBeNull()
  })

  it.each([ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID])(
    'error %i: FENCED, partitions lost, rejoin with epoch 0 and the same member id after onPartitionsLost',
    (code) => {
      const m = member()
      joined(m)
      m.handle(20, { type: 'reconciled', joinId: 1, localEpoch: 1, owned: [{ topicId: T1, partitions: [0, 1] }] })
      m.poll(20, 20, true)
      expect(m.onResponse(30, err(code, 'fenced'))).toEqual([{ type: 'fenced', errorCode: code, message: 'fenced' }])
      expect(m.state).toBe('FENCED')
      expect(m.poll(40, 20, true).request).toBeNull() // waits for onPartitionsLost
      m.handle(50, { type: 'rejoin' })
      expect(m.state).toBe('JOINING')
      const rejoin = m.poll(50, 20, true).request!
      expect(rejoin).toMatchObject({ memberId: 'm-uuid', memberEpoch: 0, topicPartitions: [] })
      expect(rejoin.subscribedTopicNames).toEqual(['a'])
      expect(m.joinId).toBe(2)
    },
  )

  it.each([
    ErrorCode.UNRELEASED_INSTANCE_ID,
    ErrorCode.GROUP_MAX_SIZE_REACHED,
    ErrorCode.UNSUPPORTED_ASSIGNOR,
    ErrorCode.INVALID_REGULAR_EXPRESSION,
    ErrorCode.FENCED_INSTANCE_ID,
    ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ])('error %i is fatal: no more heartbeats', (code) => {
    const m = member()
    m.handle(0, { type: 'subscribe', subscription: { topicNames: ['a'], regex: null } })
    m.poll(0, 0, true)
    expect(m.onResponse(1, err(code, 'why'))).toEqual([{ type: 'fatal', errorCode: code, message: 'why' }])
    expect(m.state).toBe('FATAL')
    expect(m.poll(100_000, 100_000, true).request).toBeNull()
  })

  it("UNSUPPORTED_VERSION is fatal with a message that says to use groupProtocol 'classic'", () => {
    const m = member()
    m.handle(0, { type: 'subscribe', subscription: { topicNames: ['a'], regex: null } })
    m.poll(0, 0, true)
    const [n] = m.onResponse(1, err(ErrorCode.UNSUPPORTED_VERSION))
    expect(n).toEqual({
      type: 'fatal',
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      message: CONSUMER_PROTOCOL_NOT_SUPPORTED,
    })
    expect(CONSUMER_PROTOCOL_NOT_SUPPORTED).toContain("groupProtocol: 'classic'")
  })

  it('TOPIC_AUTHORIZATION_FAILED is surfaced but the member stays', () => {
    const m = member()
    joined(m, [])
    m.poll(5010, 0, true)
    expect(m.onResponse(5010, err(ErrorCode.TOPIC_AUTHORIZATION_FAILED))[0]?.type).toBe('error')
    expect(m.state).toBe('STABLE')
  })
})

describe('ConsumerMember: leaving and maxPollIntervalMs', () => {
  it('leave sends epoch -1 once; left when answered', () => {
    const m = member()
    joined(m, [])
    m.handle(20, { type: 'leave', epoch: -1 })
    expect(m.state).toBe('LEAVING')
    const step = m.poll(20, 20, true)
    expect(step.request).toMatchObject({ memberEpoch: -1, subscribedTopicNames: null, topicPartitions: null })
    expect(step.notices).toEqual([])
    expect(m.state).toBe('UNSUBSCRIBED')
    expect(m.onResponse(30, ok(-1))).toEqual([{ type: 'left' }])
    expect(m.poll(100_000, 100_000, true).request).toBeNull()
  })

  it('a static member leaves with epoch -2', () => {
    const m = member({ instanceId: 'i-1' })
    joined(m, [])
    m.handle(20, { type: 'leave', epoch: -2 })
    expect(m.poll(20, 20, true).request).toMatchObject({ memberEpoch: -2, instanceId: 'i-1' })
    expect(m.onFailure(25)).toEqual([{ type: 'left' }])
  })

  it('the leave is dropped when the coordinator is unknown', () => {
    const m = member()
    joined(m, [])
    m.handle(20, { type: 'leave', epoch: -1 })
    expect(m.poll(20, 20, false)).toEqual({ request: null, notices: [{ type: 'left' }], nextWakeAt: Infinity })
  })

  it('maxPollIntervalMs expiry: leaves (STALE), stops heartbeating, rejoins at the next poll', () => {
    const m = member()
    joined(m)
    const beforeExpiry = m.poll(MAX_POLL - 1, 0, true)
    expect(beforeExpiry.nextWakeAt).toBe(MAX_POLL)
    m.onResponse(MAX_POLL - 1, ok(1))
    const step = m.poll(MAX_POLL, 0, true)
    expect(step.request).toMatchObject({ memberEpoch: -1 })
    expect(step.notices).toEqual([{ type: 'stale' }])
    expect(m.state).toBe('STALE')
    expect(m.onResponse(MAX_POLL + 5, ok(-1))).toEqual([])
    expect(m.poll(MAX_POLL + 10_000, 0, true).request).toBeNull()
    // The application polls again: onPartitionsLost ran, rejoin.
    m.handle(MAX_POLL + 20_000, { type: 'rejoin' })
    expect(m.poll(MAX_POLL + 20_000, MAX_POLL + 20_000, true).request).toMatchObject({ memberEpoch: 0 })
  })

  it('a static member leaves with -2 on the poll timeout', () => {
    const m = member({ instanceId: 'i-1' })
    joined(m, [])
    expect(m.poll(MAX_POLL, 0, true).request?.memberEpoch).toBe(-2)
  })
})

describe('normalizeAssignment', () => {
  it('sorts, merges duplicates and drops negative partitions', () => {
    expect(
      normalizeAssignment([
        { topicId: T2, partitions: [3, 1, 1, -1] },
        { topicId: T1, partitions: [2] },
        { topicId: T2, partitions: [0] },
      ]),
    ).toEqual([
      { topicId: T1, partitions: [2] },
      { topicId: T2, partitions: [0, 1, 3] },
    ])
  })
})

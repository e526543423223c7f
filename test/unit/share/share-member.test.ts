// The share member as the heartbeat driver runs it (in the heartbeat worker, or in process), with
// plain numbers as time and, for the driver, a fake clock and a scripted transport: join at once,
// heartbeats at the broker's interval with only what changed, assignments and fences reported as
// notices, coordinator changes and transport failures, fatal errors, and the leave (epoch -1).
import { describe, expect, it } from 'vitest'
import { MemberHeartbeatDriver } from '../../../src/consumer/group/member-heartbeat-driver.js'
import { ErrorCode } from '../../../src/errors.js'
import type { ShareHeartbeatRequestBody, ShareHeartbeatResponseLike } from '../../../src/share/heartbeat-state.js'
import { ShareMember, type ShareMemberCommand, type ShareMemberNotice } from '../../../src/share/share-member.js'
import { FakeClock } from '../consumer/fake-clock.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'

function member() {
  return new ShareMember({ groupId: 'g', memberId: 'member-1', clientRack: 'rack-a', retryBackoffMs: 100 })
}

function ok(
  memberEpoch: number,
  assignment: { topicId: string; partitions: number[] }[] | null = null,
  heartbeatIntervalMs = 1000,
): ShareHeartbeatResponseLike {
  return {
    errorCode: 0,
    errorMessage: null,
    memberId: 'member-1',
    memberEpoch,
    heartbeatIntervalMs,
    assignment: assignment === null ? null : { topicPartitions: assignment },
  }
}

function failed(errorCode: number): ShareHeartbeatResponseLike {
  return { ...ok(0), errorCode, errorMessage: 'from the broker' }
}

describe('ShareMember (plain numbers as time)', () => {
  it('sends nothing before a subscription or without a coordinator; joins at once with epoch 0, rack and topics', () => {
    const m = member()
    expect(m.poll(0, 0, true).request).toBeNull()
    m.handle(0, { type: 'subscribe', topics: ['b', 'a', 'a'] })
    expect(m.poll(0, 0, false)).toEqual({ request: null, notices: [], nextWakeAt: Number.POSITIVE_INFINITY })
    const { request } = m.poll(0, 0, true)
    expect(request).toEqual({
      groupId: 'g',
      memberId: 'member-1',
      memberEpoch: 0,
      rackId: 'rack-a',
      subscribedTopicNames: ['a', 'b'],
    })
    expect(m.poll(1, 0, true).request).toBeNull() // one heartbeat in flight
  })

  it('an assignment is a notice with the epoch; the next heartbeat waits for the interval and carries only the epoch', () => {
    const m = member()
    m.handle(0, { type: 'subscribe', topics: ['t'] })
    m.poll(0, 0, true)
    expect(m.onResponse(10, ok(3, [{ topicId: TOPIC_ID, partitions: [2, 0] }]))).toEqual([
      { type: 'assignment', memberEpoch: 3, assignment: [{ topicId: TOPIC_ID, partitions: [0, 2] }] },
    ])
    expect(m.poll(500, 0, true)).toEqual({ request: null, notices: [], nextWakeAt: 1010 })
    expect(m.poll(1010, 0, true).request).toEqual({
      groupId: 'g',
      memberId: 'member-1',
      memberEpoch: 3,
      rackId: null,
      subscribedTopicNames: null,
    })
    expect(m.onResponse(1020, ok(3))).toEqual([]) // no assignment: nothing to tell
    expect([m.sent, m.received]).toEqual([2, 2])
  })

  it('UNKNOWN_MEMBER_ID / FENCED_MEMBER_EPOCH: fenced, then a full join with epoch 0 at once', () => {
    for (const code of [ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.FENCED_MEMBER_EPOCH]) {
      const m = member()
      m.handle(0, { type: 'subscribe', topics: ['t'] })
      m.poll(0, 0, true)
      m.onResponse(10, ok(5, [{ topicId: TOPIC_ID, partitions: [0] }]))
      m.poll(1010, 0, true)
      expect(m.onResponse(1020, failed(code))).toEqual([
        { type: 'fenced', errorCode: code, message: 'from the broker' },
      ])
      expect(m.poll(1020, 0, true).request).toMatchObject({ memberEpoch: 0, subscribedTopicNames: ['t'] })
    }
  })

  it('NOT_COORDINATOR and a transport failure ask for the coordinator again and retry after the backoff', () => {
    const m = member()
    m.handle(0, { type: 'subscribe', topics: ['t'] })
    m.poll(0, 0, true)
    expect(m.onResponse(5, failed(ErrorCode.NOT_COORDINATOR))).toEqual([
      { type: 'coordinator', errorCode: ErrorCode.NOT_COORDINATOR },
    ])
    expect(m.poll(50, 0, true).request).toBeNull()
    m.poll(105, 0, true)
    expect(m.onFailure(110)).toEqual([{ type: 'coordinator', errorCode: ErrorCode.NETWORK_EXCEPTION }])
    expect(m.poll(150, 0, true)).toEqual({ request: null, notices: [], nextWakeAt: 210 })
    expect(m.poll(210, 0, true).request).toMatchObject({ memberEpoch: 0, subscribedTopicNames: ['t'] })
  })

  it('a non-retriable error is fatal: a notice with the Kafka name, and no more heartbeats', () => {
    const m = member()
    m.handle(0, { type: 'subscribe', topics: ['t'] })
    m.poll(0, 0, true)
    const [n] = m.onResponse(5, failed(ErrorCode.GROUP_AUTHORIZATION_FAILED))
    expect(n).toMatchObject({ type: 'fatal', errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED })
    expect(m.poll(10_000, 0, true)).toEqual({ request: null, notices: [], nextWakeAt: Number.POSITIVE_INFINITY })
  })

  it('leave: epoch -1 once, then left; before joining or without a coordinator, left at once without a request', () => {
    const m = member()
    m.handle(0, { type: 'subscribe', topics: ['t'] })
    m.poll(0, 0, true)
    m.onResponse(10, ok(4))
    expect(m.handle(20, { type: 'leave' })).toEqual([])
    expect(m.poll(20, 0, true).request).toMatchObject({ memberEpoch: -1, subscribedTopicNames: null })
    expect(m.poll(30, 0, true).request).toBeNull()
    expect(m.onResponse(40, ok(-1))).toEqual([{ type: 'left' }])
    expect(m.poll(5000, 0, true).request).toBeNull()

    const never = member()
    never.handle(0, { type: 'subscribe', topics: ['t'] })
    expect(never.handle(1, { type: 'leave' })).toEqual([{ type: 'left' }])

    const lost = member()
    lost.handle(0, { type: 'subscribe', topics: ['t'] })
    lost.poll(0, 0, true)
    lost.onResponse(10, ok(4))
    lost.handle(20, { type: 'leave' })
    expect(lost.poll(20, 0, false)).toEqual({ request: null, notices: [{ type: 'left' }], nextWakeAt: Infinity })
  })
})

describe('MemberHeartbeatDriver with a ShareMember (fake clock)', () => {
  it('joins when a coordinator is given, heartbeats at the interval, and reports an assignment', async () => {
    const clock = new FakeClock(0)
    const sent: { at: number; request: ShareHeartbeatRequestBody }[] = []
    const notices: ShareMemberNotice[] = []
    const answers = [ok(1, [{ topicId: TOPIC_ID, partitions: [0] }], 1000)]
    const driver = new MemberHeartbeatDriver<
      string,
      ShareHeartbeatRequestBody,
      ShareHeartbeatResponseLike,
      ShareMemberCommand,
      ShareMemberNotice
    >(
      {
        async heartbeat(_id, _coordinator, request) {
          sent.push({ at: clock.now(), request })
          return answers.shift() ?? ok(1)
        },
      },
      (_id, n) => notices.push(n),
      clock,
    )
    driver.add(7, member(), () => 0)
    driver.command(7, { type: 'subscribe', topics: ['t'] })
    await clock.advance(100)
    expect(sent).toEqual([]) // no coordinator yet
    driver.setCoordinator(7, 'node-1')
    await clock.advance(3500)
    expect(sent.map((s) => [s.at, s.request.memberEpoch])).toEqual([
      [100, 0],
      [1100, 1],
      [2100, 1],
      [3100, 1],
    ])
    expect(notices).toEqual([
      { type: 'assignment', memberEpoch: 1, assignment: [{ topicId: TOPIC_ID, partitions: [0] }] },
    ])
  })
})

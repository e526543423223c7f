// The driver that runs ConsumerMember (and ShareMember) state machines (in the heartbeat worker, or in process), with a
// fake clock and a scripted transport: the first heartbeat goes out at once, the next after the
// broker's interval; notices reach the callback; NOT_COORDINATOR stops heartbeats until a new
// coordinator is given; a transport failure keeps retrying the same one after the backoff.
import { describe, expect, it } from 'vitest'
import {
  type ConsumerHeartbeatRequest,
  type ConsumerHeartbeatResponse,
  ConsumerMember,
  type MemberCommand,
  type MemberNotice,
} from '../../../../src/consumer/group/consumer-member.js'
import { MemberHeartbeatDriver } from '../../../../src/consumer/group/member-heartbeat-driver.js'
import { ErrorCode } from '../../../../src/error-codes.js'
import { FakeClock } from '../fake-clock.js'

function setup() {
  const clock = new FakeClock(0)
  const sent: { at: number; coordinator: string; request: ConsumerHeartbeatRequest }[] = []
  const answers: (ConsumerHeartbeatResponse | Error)[] = []
  const notices: MemberNotice[] = []
  const driver = new MemberHeartbeatDriver<
    string,
    ConsumerHeartbeatRequest,
    ConsumerHeartbeatResponse,
    MemberCommand,
    MemberNotice
  >(
    {
      async heartbeat(_id, coordinator, request) {
        sent.push({ at: clock.now(), coordinator, request })
        const a = answers.shift() ?? ok(1)
        if (a instanceof Error) throw a
        return a
      },
    },
    (_id, n) => notices.push(n),
    clock,
  )
  let lastPoll = 0
  driver.add(
    1,
    new ConsumerMember({
      groupId: 'g',
      memberId: 'm',
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: 300_000,
      serverAssignor: null,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1000,
    }),
    () => lastPoll,
  )
  return { clock, driver, sent, answers, notices, poll: (at: number) => (lastPoll = at) }
}

function ok(memberEpoch: number, heartbeatIntervalMs = 1000): ConsumerHeartbeatResponse {
  return { errorCode: 0, errorMessage: null, memberId: 'm', memberEpoch, heartbeatIntervalMs, assignment: null }
}

describe('MemberHeartbeatDriver with a ConsumerMember', () => {
  it('joins at once when subscribed and a coordinator is known, then heartbeats at the broker interval', async () => {
    const h = setup()
    h.driver.command(1, { type: 'subscribe', subscription: { topicNames: ['t'], regex: null } })
    await h.clock.advance(10)
    expect(h.sent).toEqual([]) // no coordinator yet
    h.driver.setCoordinator(1, 'node-1')
    await h.clock.advance(0)
    expect(h.sent.map((s) => [s.at, s.request.memberEpoch])).toEqual([[10, 0]])
    h.answers.push(ok(1, 1000))
    await h.clock.advance(2500)
    expect(h.sent.map((s) => s.at)).toEqual([10, 1010, 2010])
    expect(h.notices).toContainEqual({ type: 'epoch', memberEpoch: 1 })
  })

  it('NOT_COORDINATOR: stops until a coordinator is given again; a transport failure retries after the backoff', async () => {
    const h = setup()
    h.driver.setCoordinator(1, 'node-1')
    h.driver.command(1, { type: 'subscribe', subscription: { topicNames: ['t'], regex: null } })
    await h.clock.advance(1)
    h.answers.push({ ...ok(-1), errorCode: ErrorCode.NOT_COORDINATOR })
    await h.clock.advance(1000)
    expect(h.notices.at(-1)).toEqual({ type: 'coordinator', errorCode: ErrorCode.NOT_COORDINATOR })
    const count = h.sent.length
    await h.clock.advance(5000)
    expect(h.sent.length).toBe(count)
    h.answers.push(new Error('connection reset'))
    h.driver.setCoordinator(1, 'node-2')
    await h.clock.advance(0)
    expect(h.sent.at(-1)!.coordinator).toBe('node-2')
    expect(h.notices.at(-1)).toEqual({ type: 'coordinator', errorCode: ErrorCode.NETWORK_EXCEPTION })
    // Backoff ~100 ms (±20 % jitter), same coordinator.
    await h.clock.advance(130)
    expect(h.sent.at(-1)!.coordinator).toBe('node-2')
    expect(h.sent.length).toBe(count + 2)
  })

  it('leaves on the poll timeout even while nobody calls it (the main thread may be blocked)', async () => {
    const h = setup()
    h.driver.setCoordinator(1, 'node-1')
    h.driver.command(1, { type: 'subscribe', subscription: { topicNames: ['t'], regex: null } })
    h.answers.push(ok(1, 100_000))
    await h.clock.advance(300_000)
    expect(h.sent.at(-1)!.request.memberEpoch).toBe(-1)
    expect(h.notices).toContainEqual({ type: 'stale' })
  })
})

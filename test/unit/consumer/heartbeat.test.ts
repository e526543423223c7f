// The heartbeat state machine and its driver, stepped with a fake clock: intervals, session and
// poll timeouts, rebalance/reset/fatal notices, stale responses, retries after failures.
import { describe, expect, it } from 'vitest'
import { HeartbeatDriver, type HeartbeatTransport } from '../../../src/consumer/group/heartbeat-driver.js'
import {
  type HeartbeatNotice,
  MemberHeartbeat,
  type MemberIdentity,
} from '../../../src/consumer/group/heartbeat-state.js'
import { FakeClock, flush } from './fake-clock.js'

const config = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3_000, maxPollIntervalMs: 60_000, retryBackoffMs: 100 }
const identity: MemberIdentity = { groupId: 'g', memberId: 'm-1', generationId: 5, groupInstanceId: null }

describe('MemberHeartbeat', () => {
  it('heartbeats every interval after the previous send, never two in flight', () => {
    const hb = new MemberHeartbeat(identity, config)
    const t0 = 1000
    hb.start(identity, t0)
    expect(hb.poll(t0, t0).request).toBeNull()
    expect(hb.poll(t0 + 2999, t0).request).toBeNull()
    const step = hb.poll(t0 + 3000, t0)
    expect(step.request).toEqual({ kind: 'heartbeat', generationId: 5 })
    // In flight: no second one even when the interval passes again.
    expect(hb.poll(t0 + 6500, t0).request).toBeNull()
    expect(hb.onResponse(t0 + 6500, 0)).toBeNull()
    // Next one 3 s after the previous send (t0+3000), i.e. due now.
    expect(hb.poll(t0 + 6500, t0).request).not.toBeNull()
  })

  it('reports the coordinator lost when no heartbeat succeeds within the session timeout', () => {
    const hb = new MemberHeartbeat(identity, config)
    hb.start(identity, 0)
    expect(hb.poll(3000, 0).request).not.toBeNull()
    hb.onFailure(3100)
    expect(hb.poll(3200, 0).request).not.toBeNull() // retried after the backoff
    hb.onFailure(3300)
    const step = hb.poll(10_000, 0)
    expect(step.notices).toEqual([{ type: 'coordinator', generationId: 5, errorCode: -1 }])
    expect(hb.stopped).toBe(true)
  })

  it('a dynamic member leaves when poll() is late by maxPollIntervalMs; a static one only stops', () => {
    const hb = new MemberHeartbeat(identity, config)
    hb.start(identity, 0)
    let now = 0
    // The application is busy (lastPollAt stays 0) but heartbeats keep the session.
    while (now < 59_000) {
      now += 1000
      const step = hb.poll(now, 0)
      if (step.request) hb.onResponse(now, 0)
      expect(step.notices).toEqual([])
    }
    const step = hb.poll(60_000, 0)
    expect(step.request).toEqual({ kind: 'leave', generationId: 5, reason: 'consumer poll timeout has expired' })
    expect(step.notices).toEqual([{ type: 'poll-timeout', generationId: 5, leaveSent: true }])

    const s = new MemberHeartbeat({ ...identity, groupInstanceId: 'static-1' }, config)
    s.start({ ...identity, groupInstanceId: 'static-1' }, 0)
    const st = s.poll(60_000, 0)
    expect(st.request).toBeNull()
    expect(st.notices).toEqual([{ type: 'poll-timeout', generationId: 5, leaveSent: false }])
  })

  it('turns error codes into notices and ignores responses for an older generation', () => {
    const hb = new MemberHeartbeat(identity, config)
    hb.start(identity, 0)
    hb.poll(3000, 0)
    expect(hb.onResponse(3001, 27)).toEqual({ type: 'rebalance', generationId: 5 })
    expect(hb.stopped).toBe(false) // keeps heartbeating until the main side rejoins
    hb.poll(6001, 0)
    expect(hb.onResponse(6002, 22)).toEqual({ type: 'reset', generationId: 5, errorCode: 22, resetMemberId: false })
    expect(hb.stopped).toBe(true)

    hb.start(identity, 10_000)
    hb.poll(13_000, 10_000)
    expect(hb.onResponse(13_001, 25)).toMatchObject({ type: 'reset', resetMemberId: true })
    hb.start(identity, 20_000)
    hb.poll(23_000, 20_000)
    expect(hb.onResponse(23_001, 82)).toEqual({ type: 'fatal', generationId: 5, errorCode: 82 })
    hb.start(identity, 30_000)
    hb.poll(33_000, 30_000)
    expect(hb.onResponse(33_001, 16)).toEqual({ type: 'coordinator', generationId: 5, errorCode: 16 })

    // A heartbeat sent for generation 5 answered after the member moved to generation 6: ignored.
    hb.start(identity, 40_000)
    hb.poll(43_000, 40_000)
    hb.start({ ...identity, generationId: 6 }, 43_500)
    expect(hb.onResponse(43_600, 22)).toBeNull()
    expect(hb.stopped).toBe(false)
  })
})

describe('HeartbeatDriver', () => {
  function setup(respond: (n: number) => number | Error = () => 0) {
    const clock = new FakeClock(0)
    const sent: { at: number; kind: string; generationId: number }[] = []
    const notices: HeartbeatNotice[] = []
    let count = 0
    const transport: HeartbeatTransport<string> = {
      async heartbeat(_id, _c, who) {
        sent.push({ at: clock.now(), kind: 'heartbeat', generationId: who.generationId })
        const r = respond(count++)
        if (r instanceof Error) throw r
        return r
      },
      async leaveGroup(_id, _c, who) {
        sent.push({ at: clock.now(), kind: 'leave', generationId: who.generationId })
        return 0
      },
    }
    let lastPoll = 0
    const driver = new HeartbeatDriver(transport, (_id, n) => notices.push(n), clock)
    driver.add(1, identity, config, () => lastPoll)
    return {
      clock,
      sent,
      notices,
      driver,
      setPoll(t: number) {
        lastPoll = t
      },
    }
  }

  it('keeps heartbeating on its own clock while the application does not poll (busy event loop)', async () => {
    const { clock, sent, notices, driver } = setup()
    driver.start(1, identity, 'coordinator')
    await clock.advance(15_000) // 1.5 × session timeout without any poll()
    expect(sent.map((s) => s.at)).toEqual([3000, 6000, 9000, 12000, 15000])
    expect(notices).toEqual([])
  })

  it('counts the interval from when the generation began on the main thread, not from when the worker heard of it', async () => {
    const { clock, sent, driver } = setup()
    await clock.advance(150) // the worker was still starting
    driver.start(1, identity, 'coordinator', 0)
    await clock.advance(6_000)
    expect(sent.map((s) => s.at)).toEqual([3000, 6000])
    // A start time from the future (clocks of two threads) counts from now.
    const other = setup()
    other.driver.start(1, identity, 'coordinator', 1_000_000)
    await other.clock.advance(3_000)
    expect(other.sent.map((s) => s.at)).toEqual([3000])
  })

  it('sends LeaveGroup once maxPollIntervalMs passes without poll(), and stops', async () => {
    const { clock, sent, notices, driver, setPoll } = setup()
    driver.start(1, identity, 'coordinator')
    await clock.advance(30_000)
    setPoll(30_000) // the application polled at 30 s
    await clock.advance(59_000)
    expect(notices).toEqual([])
    await clock.advance(2_000) // 91 s: 61 s since the last poll
    expect(notices).toEqual([{ type: 'poll-timeout', generationId: 5, leaveSent: true }])
    expect(sent.filter((s) => s.kind === 'leave')).toHaveLength(1)
    const before = sent.length
    await clock.advance(20_000)
    expect(sent.length).toBe(before)
  })

  it('a transport failure reports the coordinator unreachable at once, keeps retrying, and reports it lost after the session timeout', async () => {
    const { clock, sent, notices, driver } = setup(() => new Error('connection refused'))
    driver.start(1, identity, 'coordinator')
    await clock.advance(3_050)
    // The first failure (the heartbeat at 3000): the main side looks the coordinator up again (Java's
    // markCoordinatorUnknown on a disconnect) — once per run of failures, not per failure.
    expect(notices).toEqual([{ type: 'coordinator', generationId: 5, errorCode: -1 }])
    await clock.advance(2_000)
    expect(notices).toHaveLength(1)
    // Meanwhile this side keeps trying (a main thread that is blocked cannot act on the notice).
    await clock.advance(4_950) // 10 s: the session timeout
    expect(sent.length).toBeGreaterThan(5) // 3000, then every 100 ms backoff
    expect(notices).toEqual([
      { type: 'coordinator', generationId: 5, errorCode: -1 },
      { type: 'coordinator', generationId: 5, errorCode: -1 },
    ])
  })

  it('after a success, the next transport failure is reported again', async () => {
    let failing = true
    const { clock, notices, driver } = setup(() => (failing ? new Error('connection reset') : 0))
    driver.start(1, identity, 'coordinator')
    await clock.advance(3_050)
    expect(notices).toHaveLength(1)
    failing = false
    await clock.advance(200) // retried after the backoff: answered
    failing = true
    await clock.advance(3_000) // the next heartbeat fails
    expect(notices).toEqual([
      { type: 'coordinator', generationId: 5, errorCode: -1 },
      { type: 'coordinator', generationId: 5, errorCode: -1 },
    ])
  })

  it('reports a rebalance and keeps heartbeating until stopped', async () => {
    const { clock, sent, notices, driver } = setup((n) => (n === 1 ? 27 : 0))
    driver.start(1, identity, 'coordinator')
    await clock.advance(6_000)
    expect(notices).toEqual([{ type: 'rebalance', generationId: 5 }])
    await clock.advance(3_000)
    expect(sent).toHaveLength(3)
    driver.stop(1)
    await clock.advance(30_000)
    expect(sent).toHaveLength(3)
    driver.start(1, { ...identity, generationId: 6 }, 'coordinator')
    await clock.advance(3_000)
    await flush()
    expect(sent.at(-1)).toMatchObject({ generationId: 6 })
  })
})

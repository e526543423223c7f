import { describe, expect, it } from 'vitest'
import {
  ClientTelemetryMachine,
  DEFAULT_PUSH_INTERVAL_MS,
  errorRetryIntervalMs,
  type SubscriptionResponse,
} from '../../../../src/cluster/telemetry/state.js'
import { ErrorCode } from '../../../../src/error-codes.js'

const ZERO = 'AAAAAAAAAAAAAAAAAAAAAA'
const ID = 'sQ7b3sTqQkKx2xVd3fWnGA'

function subscription(over: Partial<SubscriptionResponse> = {}): SubscriptionResponse {
  return {
    errorCode: 0,
    clientInstanceId: ID,
    subscriptionId: 7,
    acceptedCompressionTypes: [4, 3, 1],
    pushIntervalMs: 10_000,
    telemetryMaxBytes: 1 << 20,
    deltaTemporality: false,
    requestedMetrics: ['org.apache.kafka.producer.'],
    ...over,
  }
}

/** A machine that has its subscription and is waiting for its first push (jitter factor 1). */
function subscribed(now = 1000, over: Partial<SubscriptionResponse> = {}) {
  const m = new ClientTelemetryMachine({ retryMs: 1000, random: () => 0.5 })
  expect(m.pollRequest(now)).toEqual({ api: 'GetTelemetrySubscriptions', clientInstanceId: ZERO })
  m.onSubscriptionResponse(subscription(over), now)
  return m
}

describe('ClientTelemetryMachine', () => {
  it('asks for a subscription at once, with the zero uuid, and waits while it is in flight', () => {
    const m = new ClientTelemetryMachine({ retryMs: 1000 })
    expect(m.state).toBe('SUBSCRIPTION_NEEDED')
    expect(m.timeToNextUpdate(5)).toBe(0)
    expect(m.pollRequest(5)).toEqual({ api: 'GetTelemetrySubscriptions', clientInstanceId: ZERO })
    expect(m.state).toBe('SUBSCRIPTION_IN_PROGRESS')
    expect(m.timeToNextUpdate(5)).toBe(Number.POSITIVE_INFINITY)
    expect(m.pollRequest(5)).toBeUndefined()
  })

  it('jitters the first push between 50 % and 150 % of the interval, then pushes every interval', () => {
    const early = new ClientTelemetryMachine({ retryMs: 1000, random: () => 0 })
    early.pollRequest(0)
    early.onSubscriptionResponse(subscription(), 0)
    expect(early.state).toBe('PUSH_NEEDED')
    expect(early.timeToNextUpdate(0)).toBe(5000)

    const late = new ClientTelemetryMachine({ retryMs: 1000, random: () => 0.999 })
    late.pollRequest(0)
    late.onSubscriptionResponse(subscription(), 0)
    expect(late.timeToNextUpdate(0)).toBe(14_990)

    const m = subscribed(1000)
    expect(m.timeToNextUpdate(1000)).toBe(10_000)
    expect(m.pollRequest(10_999)).toBeUndefined()
    const push = m.pollRequest(11_000)
    expect(push).toMatchObject({ api: 'PushTelemetry', terminating: false })
    expect(push?.api === 'PushTelemetry' && push.subscription).toMatchObject({
      clientInstanceId: ID,
      subscriptionId: 7,
    })
    expect(m.state).toBe('PUSH_IN_PROGRESS')
    m.onPushResponse(0, 11_050)
    expect(m.state).toBe('PUSH_NEEDED')
    expect(m.timeToNextUpdate(11_050)).toBe(10_000)
  })

  it('UNKNOWN_SUBSCRIPTION_ID (the subscription changed): asks again at once, with the assigned id', () => {
    const m = subscribed(0)
    m.pollRequest(10_000)
    m.onPushResponse(ErrorCode.UNKNOWN_SUBSCRIPTION_ID, 10_010)
    expect(m.state).toBe('SUBSCRIPTION_NEEDED')
    expect(m.timeToNextUpdate(10_010)).toBe(0)
    expect(m.pollRequest(10_010)).toEqual({ api: 'GetTelemetrySubscriptions', clientInstanceId: ID })
    // The broker may leave the id zero when the request carried one: the assigned id stays.
    m.onSubscriptionResponse(subscription({ clientInstanceId: ZERO, subscriptionId: 8 }), 10_020)
    expect(m.subscription).toMatchObject({ clientInstanceId: ID, subscriptionId: 8 })
  })

  it('TELEMETRY_TOO_LARGE and THROTTLING_QUOTA_EXCEEDED: subscription again after the push interval', () => {
    for (const code of [ErrorCode.TELEMETRY_TOO_LARGE, ErrorCode.THROTTLING_QUOTA_EXCEEDED]) {
      const m = subscribed(0)
      m.pollRequest(10_000)
      m.onPushResponse(code, 10_000)
      expect(m.state).toBe('SUBSCRIPTION_NEEDED')
      expect(m.enabled).toBe(true)
      expect(m.timeToNextUpdate(10_000)).toBe(10_000)
    }
  })

  it('INVALID_RECORD, INVALID_REQUEST, UNSUPPORTED_VERSION and unknown codes stop telemetry', () => {
    for (const code of [ErrorCode.INVALID_RECORD, ErrorCode.INVALID_REQUEST, ErrorCode.UNSUPPORTED_VERSION, 999]) {
      const m = subscribed(0)
      m.pollRequest(10_000)
      m.onPushResponse(code, 10_000)
      expect(m.enabled).toBe(false)
      expect(m.timeToNextUpdate(1e12)).toBe(Number.POSITIVE_INFINITY)
      expect(m.pollRequest(1e12)).toBeUndefined()
      // Nothing to terminate either.
      expect(m.initiateClose()).toBe(false)
      expect(m.state).toBe('TERMINATED')
    }
    const refused = new ClientTelemetryMachine({ retryMs: 1000 })
    refused.pollRequest(0)
    refused.onSubscriptionResponse(subscription({ errorCode: ErrorCode.INVALID_REQUEST }), 0)
    expect(refused.enabled).toBe(false)
  })

  it('a subscription without metrics: no push, the subscription is asked again after its interval', () => {
    const m = subscribed(0, { requestedMetrics: [] })
    expect(m.state).toBe('SUBSCRIPTION_NEEDED')
    expect(m.timeToNextUpdate(0)).toBe(10_000)
    expect(m.pollRequest(10_000)).toEqual({ api: 'GetTelemetrySubscriptions', clientInstanceId: ID })
  })

  it('reports a change of DeltaTemporality (the driver then forgets the values last pushed)', () => {
    const m = subscribed(0)
    m.pollRequest(10_000)
    m.onPushResponse(ErrorCode.UNKNOWN_SUBSCRIPTION_ID, 10_000)
    m.pollRequest(10_000)
    expect(m.onSubscriptionResponse(subscription({ deltaTemporality: true }), 10_000)).toEqual({
      deltaTemporalityChanged: true,
    })
    expect(m.subscription?.deltaTemporality).toBe(true)
  })

  it('a non-positive push interval from the broker means the default (5 minutes)', () => {
    const m = subscribed(0, { pushIntervalMs: 0 })
    expect(m.subscription?.pushIntervalMs).toBe(DEFAULT_PUSH_INTERVAL_MS)
  })

  it('close: the terminating push goes out at once, its answer ends the machine', () => {
    const m = subscribed(0)
    expect(m.initiateClose()).toBe(true)
    expect(m.state).toBe('TERMINATING_PUSH_NEEDED')
    expect(m.timeToNextUpdate(1)).toBe(0)
    expect(m.pollRequest(1)).toMatchObject({ api: 'PushTelemetry', terminating: true })
    expect(m.state).toBe('TERMINATING_PUSH_IN_PROGRESS')
    expect(m.initiateClose()).toBe(false)
    m.onPushResponse(0, 2)
    expect(m.state).toBe('TERMINATED')
    expect(m.pollRequest(1e12)).toBeUndefined()
  })

  it('close during a push: the answer to that push is ignored, the terminating push still goes', () => {
    const m = subscribed(0)
    m.pollRequest(10_000)
    expect(m.initiateClose()).toBe(true)
    m.onPushResponse(0, 10_001)
    expect(m.state).toBe('TERMINATING_PUSH_NEEDED')
    expect(m.pollRequest(10_002)).toMatchObject({ api: 'PushTelemetry', terminating: true })
  })

  it('close before any subscription: nothing to push, terminated', () => {
    const m = new ClientTelemetryMachine({ retryMs: 1000 })
    m.pollRequest(0)
    expect(m.initiateClose()).toBe(false)
    expect(m.state).toBe('TERMINATED')
    // A late answer to the subscription request changes nothing.
    m.onSubscriptionResponse(subscription(), 1)
    expect(m.state).toBe('TERMINATED')
    expect(m.subscription).toBeUndefined()
  })

  it('a failed terminating push (timeout, connection) also ends the machine', () => {
    const m = subscribed(0)
    m.initiateClose()
    m.pollRequest(0)
    m.onRequestFailed('transport', 1)
    expect(m.state).toBe('TERMINATED')
  })

  it('no answer: transport failures retry after the push interval (retryMs before a subscription); a broker without the API after 5 minutes', () => {
    const first = new ClientTelemetryMachine({ retryMs: 1000 })
    first.pollRequest(0)
    first.onRequestFailed('transport', 0)
    expect(first.state).toBe('SUBSCRIPTION_NEEDED')
    expect(first.timeToNextUpdate(0)).toBe(1000)

    const m = subscribed(0)
    m.pollRequest(10_000)
    m.onRequestFailed('transport', 10_000)
    expect(m.timeToNextUpdate(10_000)).toBe(10_000)

    const old = new ClientTelemetryMachine({ retryMs: 1000 })
    old.pollRequest(0)
    old.onRequestFailed('unsupported', 0)
    expect(old.enabled).toBe(true)
    expect(old.timeToNextUpdate(0)).toBe(DEFAULT_PUSH_INTERVAL_MS)
  })

  it('errorRetryIntervalMs is Java’s maybeFetchErrorIntervalMs', () => {
    expect(errorRetryIntervalMs(0, 5)).toBeUndefined()
    expect(errorRetryIntervalMs(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 5)).toBe(0)
    expect(errorRetryIntervalMs(ErrorCode.TELEMETRY_TOO_LARGE, undefined)).toBe(DEFAULT_PUSH_INTERVAL_MS)
  })
})

import { expect, it } from 'vitest'
import { TopicErrorWarnings } from '../../../src/consumer/topic-warnings.js'
import { ErrorCode } from '../../../src/error-codes.js'
import { createLog } from '../../../src/internal/log.js'

it('warns for a missing subscribed topic at most once per interval, and only for subscribed topics', () => {
  const warned: string[] = []
  const logger = { info() {}, warn: (m: string) => warned.push(m), error() {} }
  const w = new TopicErrorWarnings(createLog({ logger }, 'c'), false, 30_000)
  const errors = new Map([
    ['orders', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ['other', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ])
  const subscribed = new Set(['orders'])
  expect(w.report(errors, subscribed, 1_000)).toHaveLength(1)
  expect(warned[0]).toBe(
    'kafka-wire consumer: a subscribed topic is unavailable; waiting for it (clientId=c topic=orders errorCode=UNKNOWN_TOPIC_OR_PARTITION hint="the topic does not exist; allowAutoCreateTopics is false")',
  )
  expect(w.report(errors, subscribed, 20_000)).toEqual([]) // rate-limited
  expect(w.report(errors, subscribed, 31_000)).toHaveLength(1)
  expect(w.report(new Map([['orders', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]), subscribed, 31_001)[0]).toContain(
    'TOPIC_AUTHORIZATION_FAILED',
  )
  // A topic being created (retriable, transient) is not warned about.
  expect(w.report(new Map([['orders', ErrorCode.LEADER_NOT_AVAILABLE]]), subscribed, 90_000)).toEqual([])
  expect(warned).toHaveLength(3)
})

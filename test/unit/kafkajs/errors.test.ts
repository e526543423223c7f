// The layer's error classes against kafkajs 2.2.4's own (names, fields, hierarchy) and the mapping
// from kafka-wire's errors.
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import {
  AuthenticationError,
  BrokerError,
  ConfigError,
  ConnectionError,
  ErrorCode,
  IllegalStateError,
  TimeoutError,
  UnknownTopicOrPartitionError,
} from '../../../src/errors.js'
import { isRebalancing, toKafkaJSError, toKafkaJSRetryError } from '../../../src/kafkajs/errors.js'
import * as layer from '../../../src/kafkajs/index.js'
import { KAFKAJS_ERROR_CODES } from '../../../src/kafkajs/protocol-errors.js'

const require = createRequire(import.meta.url)
const kafkajs = require('kafkajs') as Record<string, unknown>
const kafkajsTable = (require('kafkajs/src/protocol/error.js') as { errorCodes: Record<string, unknown>[] }).errorCodes

/** Each class's name, its ancestors' names and its retriable, built the way kafkajs builds it. */
function identity(Cls: new (...args: never[]) => Error, args: unknown[]): unknown {
  const e = new (Cls as unknown as new (...a: unknown[]) => Error & Record<string, unknown>)(...args)
  const chain: string[] = []
  for (let p = Object.getPrototypeOf(e); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    chain.push(p.constructor.name)
  }
  const fields: Record<string, unknown> = {}
  for (const k of [
    'name',
    'message',
    'retriable',
    'type',
    'code',
    'topic',
    'partition',
    'retryCount',
    'retryTime',
    'broker',
    'errors',
    'groups',
    'memberId',
    'host',
    'port',
  ]) {
    if (e[k] !== undefined) fields[k] = k === 'errors' ? (e[k] as unknown[]).length : e[k]
  }
  return { chain, fields, isError: e instanceof Error }
}

describe('kafkajs layer: errors', () => {
  it('exports every error class kafkajs exports, with the same names, fields and hierarchy', () => {
    const names = Object.keys(kafkajs).filter((k) => k.startsWith('KafkaJS'))
    expect(names.length).toBeGreaterThan(25)
    const cause = new Error('boom')
    const argsFor = (name: string): unknown[] => {
      switch (name) {
        case 'KafkaJSProtocolError':
          return [{ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true, message: 'no topic' }]
        case 'KafkaJSOffsetOutOfRange':
          return [
            { type: 'OFFSET_OUT_OF_RANGE', code: 1, retriable: false, message: 'oor' },
            { topic: 't', partition: 2 },
          ]
        case 'KafkaJSMemberIdRequired':
          return [{ type: 'MEMBER_ID_REQUIRED', code: 79, retriable: false, message: 'm' }, { memberId: 'id' }]
        case 'KafkaJSNumberOfRetriesExceeded':
          return [cause, { retryCount: 3, retryTime: 450 }]
        case 'KafkaJSConnectionError':
          return ['down', { broker: 'b:1', code: 'ECONNREFUSED' }]
        case 'KafkaJSConnectionClosedError':
          return ['closed', { host: 'h', port: 9 }]
        case 'KafkaJSDeleteTopicRecordsError':
          return [{ partitions: [{ partition: 0, offset: '1', error: { retriable: true } }] }]
        case 'KafkaJSAggregateError':
          return ['agg', [cause, 'x']]
        case 'KafkaJSDeleteGroupsError':
          return ['dg', [{ groupId: 'g' }]]
        case 'KafkaJSCreateTopicError':
          return [{ type: 'TOPIC_ALREADY_EXISTS', code: 36, retriable: false, message: 'exists' }, 't']
        case 'KafkaJSAlterPartitionReassignmentsError':
          return [{ type: 'INVALID_REPLICA_ASSIGNMENT', code: 39, retriable: false, message: 'r' }, 't', 1]
        case 'KafkaJSNoBrokerAvailableError':
        case 'KafkaJSFetcherRebalanceError':
          return []
        case 'KafkaJSInvariantViolation':
          return ['bad']
        default:
          return ['something failed']
      }
    }
    for (const name of names) {
      const ours = (layer as Record<string, unknown>)[name]
      expect(ours, name).toBeTypeOf('function')
      const args = argsFor(name)
      const theirs = identity(kafkajs[name] as never, args) as { fields: Record<string, unknown> }
      const mine = identity(ours as never, args) as { fields: Record<string, unknown> }
      // kafkajs's invariant message carries its bug-tracker link; the rest must be identical.
      expect(mine, name).toEqual(theirs)
    }
  })

  it('KafkaJSNumberOfRetriesExceeded keeps the cause and prints it in its stack, as kafkajs does', () => {
    const cause = new layer.KafkaJSProtocolError({ type: 'REQUEST_TIMED_OUT', code: 7, retriable: true, message: 't' })
    const e = new layer.KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 1000 })
    expect(e.cause).toBe(cause)
    expect(e.stack).toMatch(/Caused by: KafkaJSProtocolError/)
    expect(e).toBeInstanceOf(layer.KafkaJSNonRetriableError)
    expect(e.retriable).toBe(false)
  })

  it("the protocol error table is kafkajs's, entry for entry", () => {
    expect(KAFKAJS_ERROR_CODES.map(([code, type, retriable, message]) => ({ code, type, retriable, message }))).toEqual(
      kafkajsTable.map(({ code, type, retriable, message }) => ({ code, type, retriable, message })),
    )
  })

  it("maps kafka-wire's broker errors to KafkaJSProtocolError with kafkajs's type, code and retriable", () => {
    const unknownTopic = toKafkaJSError(
      new UnknownTopicOrPartitionError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, { topic: 't' }),
    ) as InstanceType<typeof layer.KafkaJSProtocolError>
    expect(unknownTopic).toBeInstanceOf(layer.KafkaJSProtocolError)
    expect([unknownTopic.name, unknownTopic.type, unknownTopic.code, unknownTopic.retriable]).toEqual([
      'KafkaJSProtocolError',
      'UNKNOWN_TOPIC_OR_PARTITION',
      3,
      true,
    ])
    expect(unknownTopic.cause).toBeInstanceOf(UnknownTopicOrPartitionError)
    // kafkajs's spelling of Kafka's renamed errors.
    const notLeader = toKafkaJSError(new BrokerError(ErrorCode.NOT_LEADER_OR_FOLLOWER)) as unknown as {
      type: string
    }
    expect(notLeader.type).toBe('NOT_LEADER_FOR_PARTITION')
    const notCoordinator = toKafkaJSError(new BrokerError(ErrorCode.NOT_COORDINATOR))
    expect(isRebalancing(notCoordinator as unknown as { type: string })).toBe(true)
    // kafkajs's retriable where it differs from Kafka's (kafkajs: REBALANCE_IN_PROGRESS is not).
    const rebalance = toKafkaJSError(new BrokerError(ErrorCode.REBALANCE_IN_PROGRESS)) as layer.KafkaJSError
    expect(rebalance.retriable).toBe(false)
    const oor = toKafkaJSError(
      new BrokerError(ErrorCode.OFFSET_OUT_OF_RANGE, null, { topic: 't', partition: 4 }),
    ) as InstanceType<typeof layer.KafkaJSOffsetOutOfRange>
    expect([oor.name, oor.topic, oor.partition]).toEqual(['KafkaJSOffsetOutOfRange', 't', 4])
    // A code kafkajs 2.2.4 predates keeps Kafka's name rather than KAFKAJS_UNKNOWN_ERROR_CODE.
    const late = toKafkaJSError(new BrokerError(ErrorCode.FENCED_MEMBER_EPOCH)) as unknown as { type: string }
    expect(late.type).toBe('FENCED_MEMBER_EPOCH')
  })

  it("maps kafka-wire's client-side errors to the class kafkajs throws in that situation", () => {
    const map = (e: Error) => {
      const k = toKafkaJSError(e) as layer.KafkaJSError
      return [k.name, k.retriable, k.cause === e]
    }
    expect(map(new ConnectionError('refused', { broker: 1 }))).toEqual(['KafkaJSConnectionError', true, true])
    expect(map(new TimeoutError('late'))).toEqual(['KafkaJSRequestTimeoutError', true, true])
    expect(map(new AuthenticationError('wrong password'))).toEqual(['KafkaJSSASLAuthenticationError', false, true])
    expect(map(new ConfigError('acks', 'bad'))).toEqual(['KafkaJSNonRetriableError', false, true])
    expect(map(new IllegalStateError('no'))).toEqual(['KafkaJSNonRetriableError', false, true])
    const own = new TypeError('application bug')
    expect(toKafkaJSError(own)).toBe(own)
    const already = new layer.KafkaJSError('x')
    expect(toKafkaJSError(already)).toBe(already)
  })

  it("toKafkaJSRetryError wraps as kafkajs's retrier does", () => {
    const retriable = toKafkaJSRetryError(new ConnectionError('down'), { retryCount: 5, retryTime: 900 })
    expect(retriable).toBeInstanceOf(layer.KafkaJSNumberOfRetriesExceeded)
    expect((retriable as layer.KafkaJSError).cause).toBeInstanceOf(layer.KafkaJSConnectionError)
    const fatal = toKafkaJSRetryError(new BrokerError(ErrorCode.TOPIC_AUTHORIZATION_FAILED), {
      retryCount: 0,
      retryTime: 0,
    })
    expect([fatal.name, (fatal as layer.KafkaJSError).retriable]).toEqual(['KafkaJSNonRetriableError', false])
  })
})

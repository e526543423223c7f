// parseVerifiableEvent against lines recorded from Kafka 4.4.0's VerifiableConsumer and
// VerifiableProducer, and the tools' command lines.
import { describe, expect, it } from 'vitest'
import {
  parseVerifiableEvent,
  VerifiableEventError,
  verifiableConsumerArgs,
  verifiableProducerArgs,
} from '../../../src/testing/verifiable.js'

// Recorded (Kafka 4.4.0, --group-protocol CONSUMER --verbose; VerifiableProducer --repeating-keys 4).
const T = 'k848mix-try-1796416481916'
const RECORDED = [
  '{"timestamp":1796416484203,"name":"startup_complete"}',
  `{"timestamp":1796416484467,"name":"partitions_assigned","partitions":[{"topic":"${T}","partition":0},{"topic":"${T}","partition":1}]}`,
  `{"timestamp":1796416484728,"name":"record_data","key":"0","value":"0","topic":"${T}","partition":0,"offset":0}`,
  `{"timestamp":1796416484735,"name":"records_consumed","count":5,"partitions":[{"topic":"${T}","partition":0,"count":3,"minOffset":0,"maxOffset":2},{"topic":"${T}","partition":1,"count":2,"minOffset":0,"maxOffset":1}]}`,
  `{"timestamp":1796416484764,"name":"offsets_committed","offsets":[{"topic":"${T}","partition":0,"offset":3},{"topic":"${T}","partition":1,"offset":2}],"success":true}`,
  '{"timestamp":1796416495204,"name":"shutdown_requested"}',
  `{"timestamp":1796416495215,"name":"partitions_revoked","partitions":[{"topic":"${T}","partition":0},{"topic":"${T}","partition":1}]}`,
  '{"timestamp":1796416495419,"name":"shutdown_complete"}',
  `{"timestamp":1796416483086,"name":"producer_send_success","key":"1","value":"1","offset":0,"partition":1,"topic":"${T}"}`,
  '{"timestamp":1796416483160,"name":"tool_data","sent":5,"acked":5,"target_throughput":-1,"avg_throughput":17.73049645390071}',
]

describe('parseVerifiableEvent', () => {
  it('parses every recorded event into its typed form', () => {
    const events = RECORDED.map(parseVerifiableEvent)
    expect(events.map((e) => e?.name)).toEqual([
      'startup_complete',
      'partitions_assigned',
      'record_data',
      'records_consumed',
      'offsets_committed',
      'shutdown_requested',
      'partitions_revoked',
      'shutdown_complete',
      'producer_send_success',
      'tool_data',
    ])
    expect(events[0]).toEqual({ name: 'startup_complete', timestamp: 1796416484203 })
    expect(events[1]).toEqual({
      name: 'partitions_assigned',
      timestamp: 1796416484467,
      partitions: [
        { topic: T, partition: 0 },
        { topic: T, partition: 1 },
      ],
    })
    expect(events[2]).toEqual({
      name: 'record_data',
      timestamp: 1796416484728,
      topic: T,
      partition: 0,
      offset: 0,
      key: '0',
      value: '0',
    })
    expect(events[3]).toEqual({
      name: 'records_consumed',
      timestamp: 1796416484735,
      count: 5,
      partitions: [
        { topic: T, partition: 0, count: 3, minOffset: 0, maxOffset: 2 },
        { topic: T, partition: 1, count: 2, minOffset: 0, maxOffset: 1 },
      ],
    })
    expect(events[4]).toEqual({
      name: 'offsets_committed',
      timestamp: 1796416484764,
      offsets: [
        { topic: T, partition: 0, offset: 3 },
        { topic: T, partition: 1, offset: 2 },
      ],
      success: true,
    })
    expect(events[6]).toMatchObject({ name: 'partitions_revoked', partitions: [{ partition: 0 }, { partition: 1 }] })
    expect(events[8]).toEqual({
      name: 'producer_send_success',
      timestamp: 1796416483086,
      topic: T,
      partition: 1,
      offset: 0,
      key: '1',
      value: '1',
    })
    expect(events[9]).toEqual({
      name: 'tool_data',
      timestamp: 1796416483160,
      sent: 5,
      acked: 5,
      targetThroughput: -1,
      avgThroughput: 17.73049645390071,
    })
  })

  it('a failed commit carries its error; null keys and values stay null', () => {
    expect(
      parseVerifiableEvent(
        '{"timestamp":1,"name":"offsets_committed","offsets":[{"topic":"t","partition":0,"offset":7}],"error":"Commit cannot be completed since the group has already rebalanced","success":false}',
      ),
    ).toEqual({
      name: 'offsets_committed',
      timestamp: 1,
      offsets: [{ topic: 't', partition: 0, offset: 7 }],
      success: false,
      error: 'Commit cannot be completed since the group has already rebalanced',
    })
    expect(
      parseVerifiableEvent(
        '{"timestamp":2,"name":"record_data","key":null,"value":null,"topic":"t","partition":3,"offset":9}',
      ),
    ).toMatchObject({ key: null, value: null, partition: 3, offset: 9 })
    expect(
      parseVerifiableEvent(
        '{"timestamp":3,"name":"producer_send_error","key":null,"value":"4","topic":"t","exception":"class org.apache.kafka.common.errors.TimeoutException","message":"Expiring 1 record(s)"}',
      ),
    ).toEqual({
      name: 'producer_send_error',
      timestamp: 3,
      topic: 't',
      key: null,
      value: '4',
      exception: 'class org.apache.kafka.common.errors.TimeoutException',
      message: 'Expiring 1 record(s)',
    })
  })

  it('lines that are not JSON objects are skipped (null); an unknown event is kept whole', () => {
    expect(parseVerifiableEvent('')).toBeNull()
    expect(
      parseVerifiableEvent(' WARN Unable to register Log4j shutdown hook because JVM is shutting down.'),
    ).toBeNull()
    expect(parseVerifiableEvent("Bad data can't be written as json: x")).toBeNull()
    expect(parseVerifiableEvent('{"timestamp":1,"name":')).toBeNull()
    expect(parseVerifiableEvent('{"timestamp":5,"name":"partitions_lost","partitions":[]}')).toEqual({
      name: 'unknown',
      timestamp: 5,
      eventName: 'partitions_lost',
      raw: { timestamp: 5, name: 'partitions_lost', partitions: [] },
    })
  })

  it('a known event with a missing or mistyped field is a VerifiableEventError naming the field', () => {
    expect(() => parseVerifiableEvent('{"timestamp":1,"name":"partitions_assigned"}')).toThrow(VerifiableEventError)
    expect(() =>
      parseVerifiableEvent('{"timestamp":1,"name":"partitions_assigned","partitions":[{"topic":"t","partition":"0"}]}'),
    ).toThrow(/'partition' is not a number/)
    expect(() => parseVerifiableEvent('{"name":"startup_complete"}')).toThrow(/'timestamp' is not a number/)
    expect(() => parseVerifiableEvent('{"timestamp":1}')).toThrow(/'name' is not a string/)
  })
})

describe('command lines', () => {
  it('VerifiableConsumer: the tool flags for each option (checked against its --help, Kafka 4.4.0)', () => {
    expect(
      verifiableConsumerArgs({
        bootstrapServers: 'h:9092',
        topic: 't',
        groupId: 'g',
        groupProtocol: 'consumer',
        groupRemoteAssignor: 'range',
        groupInstanceId: 'i1',
        maxMessages: 10,
        enableAutoCommit: true,
        closeTimeoutMs: 5000,
        resetPolicy: 'latest',
      }),
    ).toEqual([
      '--bootstrap-server',
      'h:9092',
      '--topic',
      't',
      '--group-id',
      'g',
      '--group-protocol',
      'CONSUMER',
      '--group-remote-assignor',
      'range',
      '--group-instance-id',
      'i1',
      '--max-messages',
      '10',
      '--verbose',
      '--enable-autocommit',
      '--close-timeout',
      '5000',
      '--reset-policy',
      'latest',
    ])
    expect(
      verifiableConsumerArgs({
        bootstrapServers: 'h:9092',
        topic: 't',
        groupId: 'g',
        groupProtocol: 'classic',
        sessionTimeoutMs: 6000,
        verbose: false,
        assignmentStrategy: 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor',
      }),
    ).toEqual([
      '--bootstrap-server',
      'h:9092',
      '--topic',
      't',
      '--group-id',
      'g',
      '--group-protocol',
      'CLASSIC',
      '--session-timeout',
      '6000',
      '--assignment-strategy',
      'org.apache.kafka.clients.consumer.CooperativeStickyAssignor',
    ])
  })

  it('VerifiableProducer: acks all is -1', () => {
    expect(
      verifiableProducerArgs({
        bootstrapServers: 'h:9092',
        topic: 't',
        maxMessages: 100,
        throughput: 50,
        acks: 'all',
        valuePrefix: 17,
        repeatingKeys: 6,
      }),
    ).toEqual([
      '--bootstrap-server',
      'h:9092',
      '--topic',
      't',
      '--max-messages',
      '100',
      '--throughput',
      '50',
      '--acks',
      '-1',
      '--value-prefix',
      '17',
      '--repeating-keys',
      '6',
    ])
  })
})

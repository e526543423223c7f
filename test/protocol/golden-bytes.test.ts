/**
 * Golden byte sequences written by hand from the protocol guide's grammar (the BNF of Kafka's
 * generated protocol documentation, reproduced in the comments), not from our writer, so that a
 * mistake shared by our reader and writer cannot pass unnoticed. Each is checked both ways:
 * our encoder produces exactly these bytes and our decoder reads them back.
 */
import { describe, expect, it } from 'vitest'
import { decodeRequest, decodeResponse, encodeRequest } from '../../src/protocol/header.js'
import { Apis, ApisByKey } from '../../src/protocol/messages/index.js'
import { decodeMessage, encodeMessage } from '../../src/protocol/schema/codec.js'

/** Hex with spaces, newlines and `# comments` allowed. */
function hx(text: string): Buffer {
  return Buffer.from(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex')
}
const utf8 = (s: string) => Buffer.from(s).toString('hex')
const hex = (b: Buffer | Buffer[]) => (Array.isArray(b) ? Buffer.concat(b) : b).toString('hex')
const lookup = (k: number) => ApisByKey.get(k)

describe('golden requests', () => {
  it('ApiVersions v3 with request header v2', () => {
    // Request Header v2 => request_api_key request_api_version correlation_id client_id _tagged_fields
    //   request_api_key => INT16, request_api_version => INT16, correlation_id => INT32,
    //   client_id => NULLABLE_STRING (int16 length, even in v2)
    // ApiVersions Request (Version: 3) => client_software_name client_software_version _tagged_fields
    //   client_software_name => COMPACT_STRING, client_software_version => COMPACT_STRING
    const golden = hx(`
      0000001f                          # size: 31
      0012 0003 0000002a                # api key 18, version 3, correlation id 42
      0002 ${utf8('kw')}                # client id "kw"
      00                                # header _tagged_fields: none
      0b ${utf8('kafka-wire')}          # COMPACT_STRING: length 10 + 1
      06 ${utf8('0.1.0')}               # COMPACT_STRING: length 5 + 1
      00                                # _tagged_fields: none
    `)
    const frame = encodeRequest(Apis.ApiVersions, 3, 42, 'kw', {
      clientSoftwareName: 'kafka-wire',
      clientSoftwareVersion: '0.1.0',
    })
    expect(hex(frame)).toBe(hex(golden))
    const d = decodeRequest(golden.subarray(4), lookup)
    // v5's ClusterId and NodeId (Kafka 4.4) decode to their defaults in v3.
    expect(d.body).toStrictEqual({
      clientSoftwareName: 'kafka-wire',
      clientSoftwareVersion: '0.1.0',
      clusterId: null,
      nodeId: -1,
    })
  })

  it('ApiVersions v0 with request header v1', () => {
    // Request Header v1 => request_api_key request_api_version correlation_id client_id
    // ApiVersions Request (Version: 0) =>   (empty body)
    const golden = hx(`0000000c  0012 0000 00000001  0002 ${utf8('kw')}`)
    expect(hex(encodeRequest(Apis.ApiVersions, 0, 1, 'kw', {}))).toBe(hex(golden))
  })

  it('Metadata v12', () => {
    // Metadata Request (Version: 12) => [topics] allow_auto_topic_creation include_topic_authorized_operations _tagged_fields
    //   topics => topic_id name _tagged_fields
    //     topic_id => UUID, name => COMPACT_NULLABLE_STRING
    //   allow_auto_topic_creation => BOOLEAN, include_topic_authorized_operations => BOOLEAN
    const topicId = Buffer.from('00112233445566778899aabbccddeeff', 'hex')
    const golden = hx(`
      03                                        # COMPACT_ARRAY: 2 topics + 1
        00112233445566778899aabbccddeeff        # topic_id
        07 ${utf8('orders')}                    # name: COMPACT_NULLABLE_STRING
        00                                      # _tagged_fields
        00000000000000000000000000000000        # topic_id: zero uuid
        00                                      # name: null
        00
      00                                        # allow_auto_topic_creation: false
      01                                        # include_topic_authorized_operations: true
      00                                        # _tagged_fields
    `)
    const body = {
      topics: [
        { topicId: topicId.toString('base64url'), name: 'orders' },
        { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: null },
      ],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: true,
    }
    expect(hex(encodeMessage(Apis.Metadata.request, 12, body))).toBe(hex(golden))
    // includeClusterAuthorizedOperations (v8-10 only) decodes to its default.
    expect(decodeMessage(Apis.Metadata.request, 12, golden)).toStrictEqual({
      ...body,
      includeClusterAuthorizedOperations: false,
    })
  })

  it('Metadata v0 (all topics is an empty array there)', () => {
    // Metadata Request (Version: 0) => [topics]   topics => name STRING
    const golden = hx(`00000001 0003 ${utf8('abc')}`)
    expect(hex(encodeMessage(Apis.Metadata.request, 0, { topics: [{ name: 'abc' }] }))).toBe(hex(golden))
  })

  it('Produce v3: nullable transactional id, int32-length records', () => {
    // Produce Request (Version: 3) => transactional_id acks timeout_ms [topic_data]
    //   transactional_id => NULLABLE_STRING, acks => INT16, timeout_ms => INT32
    //   topic_data => name [partition_data]
    //     name => STRING
    //     partition_data => index records     index => INT32, records => RECORDS
    const golden = hx(`
      ffff                     # transactional_id: null
      ffff                     # acks: -1
      00007530                 # timeout_ms: 30000
      00000001                 # one topic
        0001 ${utf8('t')}
        00000001               # one partition
          00000002             # index 2
          00000003 aabbcc      # records: int32 length, then the bytes
    `)
    const body = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 2, records: Buffer.from('aabbcc', 'hex') }] }],
    }
    expect(hex(encodeMessage(Apis.Produce.request, 3, body))).toBe(hex(golden))
    const d = decodeMessage(Apis.Produce.request, 3, golden)
    expect(d.topicData[0].partitionData[0].records).toStrictEqual(Buffer.from('aabbcc', 'hex'))
  })

  it('FindCoordinator v4: compact array of compact strings', () => {
    // FindCoordinator Request (Version: 4) => key_type [coordinator_keys] _tagged_fields
    //   key_type => INT8, coordinator_keys => COMPACT_STRING
    const golden = hx(`00  03 02 ${utf8('a')} 03 ${utf8('bc')}  00`)
    expect(hex(encodeMessage(Apis.FindCoordinator.request, 4, { keyType: 0, coordinatorKeys: ['a', 'bc'] }))).toBe(
      hex(golden),
    )
  })
})

describe('golden responses', () => {
  it('ApiVersions v3 (response header v0) with tagged fields', () => {
    // ApiVersions Response (Version: 3) => error_code [api_keys] throttle_time_ms _tagged_fields
    //   error_code => INT16
    //   api_keys => api_key min_version max_version _tagged_fields   (INT16 each)
    //   throttle_time_ms => INT32
    //   tagged: 0 supported_features [name min_version max_version], 1 finalized_features_epoch INT64,
    //           2 finalized_features [name max_version_level min_version_level], 3 zk_migration_ready BOOLEAN
    const frame = hx(`
      00000007                       # response header v0: correlation id only
      0000                           # error_code
      03                             # two api keys
        0000 0003 000d 00            # Produce 3-13
        0012 0000 0004 00            # ApiVersions 0-4
      00000000                       # throttle_time_ms
      02                             # two tagged fields
        00 14                        # tag 0, 20 bytes: supported_features
          02 0e ${utf8('group.version')} 0000 0001 00
        01 08 0000000000000005       # tag 1, 8 bytes: finalized_features_epoch 5
      `)
    const d = decodeResponse(Apis.ApiVersions, 3, frame)
    expect(d).toStrictEqual({
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 3, maxVersion: 13 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 0,
      supportedFeatures: [{ name: 'group.version', minVersion: 0, maxVersion: 1 }],
      finalizedFeaturesEpoch: 5n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    })
    expect(hex(encodeMessage(Apis.ApiVersions.response, 3, d))).toBe(hex(frame.subarray(4)))
  })

  it('Fetch v4 (non-flexible) with aborted transactions and records', () => {
    // Fetch Response (Version: 4) => throttle_time_ms [responses]
    //   responses => topic [partitions]
    //     partitions => partition_index error_code high_watermark last_stable_offset [aborted_transactions] records
    //       aborted_transactions => producer_id first_offset (INT64 each)
    //       records => RECORDS (nullable, int32 length)
    const golden = hx(`
      00000064                          # throttle_time_ms 100
      00000001
        0001 ${utf8('t')}
        00000001
          00000000                      # partition_index
          0000                          # error_code
          000000000000000a              # high_watermark 10
          0000000000000009              # last_stable_offset 9
          00000001                      # one aborted transaction
            0000000000000007 0000000000000003
          00000002 0102                 # records
    `)
    const d = decodeMessage(Apis.Fetch.response, 4, golden)
    expect(d.throttleTimeMs).toBe(100)
    const p = d.responses[0].partitions[0]
    expect(d.responses[0].topic).toBe('t')
    expect(p.highWatermark).toBe(10n)
    expect(p.lastStableOffset).toBe(9n)
    expect(p.logStartOffset).toBe(-1n) // absent in v4: its default
    expect(p.abortedTransactions).toStrictEqual([{ producerId: 7n, firstOffset: 3n }])
    expect(p.records).toStrictEqual(Buffer.from([1, 2]))
    expect(p.preferredReadReplica).toBe(-1)
    expect(hex(encodeMessage(Apis.Fetch.response, 4, d))).toBe(hex(golden))
  })

  it('Metadata v12 (response header v1)', () => {
    // Response Header v1 => correlation_id _tagged_fields
    // Metadata Response (Version: 12) => throttle_time_ms [brokers] cluster_id controller_id [topics] _tagged_fields
    //   brokers => node_id host port rack _tagged_fields
    //   topics => error_code name topic_id is_internal [partitions] topic_authorized_operations _tagged_fields
    //     partitions => error_code partition_index leader_id leader_epoch [replica_nodes] [isr_nodes]
    //                   [offline_replicas] _tagged_fields
    const frame = hx(`
      00000003 00                             # correlation id 3, no header tags
      00000000                                # throttle_time_ms
      02                                      # one broker
        00000001 0a ${utf8('127.0.0.1')} 00002384 00 00   # node 1, 127.0.0.1:9092, rack null
      05 ${utf8('abcd')}                      # cluster_id
      00000001                                # controller_id
      02                                      # one topic
        0000 02 ${utf8('t')} 00112233445566778899aabbccddeeff 00
        02                                    # one partition
          0000 00000000 00000001 00000000     # error, index 0, leader 1, epoch 0
          02 00000001  02 00000001  01        # replicas [1], isr [1], offline []
          00
        80000000                              # topic_authorized_operations: INT32_MIN
        00
      00                                      # _tagged_fields
    `)
    const d = decodeResponse(Apis.Metadata, 12, frame)
    expect(d.brokers).toStrictEqual([{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }])
    expect(d.clusterId).toBe('abcd')
    expect(d.topics[0]!.topicId).toBe(Buffer.from('00112233445566778899aabbccddeeff', 'hex').toString('base64url'))
    expect(d.topics[0]!.partitions[0]!.isrNodes).toStrictEqual([1])
    expect(d.topics[0]!.topicAuthorizedOperations).toBe(-2147483648)
    expect(hex(encodeMessage(Apis.Metadata.response, 12, d))).toBe(hex(frame.subarray(5)))
  })
})

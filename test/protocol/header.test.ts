/**
 * Request header v1/v2 and response header v0/v1, whole frames, and the ApiVersions exception
 * (its response header is always v0 so a client can read a reply to a version the broker lacks).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/errors.js'
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  requestHeaderVersion,
  responseCorrelationId,
  responseHeaderVersion,
} from '../../src/protocol/header.js'
import { Apis, ApisByKey } from '../../src/protocol/messages/index.js'
import { decodeMessage, encodeMessage } from '../../src/protocol/schema/codec.js'
import { arbitraryFor, expectedDecode, inVersions } from './support/arbitrary.js'

const hex = (b: Buffer | Buffer[]) => (Array.isArray(b) ? Buffer.concat(b) : b).toString('hex')
const bytes = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex')

describe('request header', () => {
  it('is v1 for non-flexible versions: int16-length client id, no tagged fields', () => {
    // Metadata v8 is the last non-flexible version; an empty topic list and default flags.
    const frame = encodeRequest(Apis.Metadata, 8, 0x01020304, 'ab', { topics: [] })
    const expected = [
      '00000013', // size: 19 bytes follow
      '0003', // api key 3
      '0008', // version 8
      '01020304', // correlation id
      '0002 6162', // client id "ab"
      '00000000', // topics: []
      '01', // allowAutoTopicCreation: default true
      '00 00', // includeClusterAuthorizedOperations, includeTopicAuthorizedOperations
    ]
    expect(hex(frame)).toBe(expected.join('').replace(/ /g, ''))
  })

  it('is v2 for flexible versions: the client id keeps its int16 length, then a tagged-field section', () => {
    const frame = encodeRequest(Apis.Metadata, 9, 7, 'ab', { topics: [] })
    // size 18, key 3, v9, id 7, "ab", header tags {}, topics [] (compact), true, false, false, body tags {}
    expect(hex(frame)).toBe('00000012' + '00030009' + '00000007' + '00026162' + '00' + '01' + '01' + '00' + '00' + '00')
  })

  it('writes a null client id as length -1', () => {
    expect(hex(encodeRequest(Apis.ApiVersions, 0, 1, null, {}))).toBe('0000000a' + '00120000' + '00000001' + 'ffff')
  })

  it('uses v2 exactly for the flexible request versions of every API', () => {
    for (const api of Object.values(Apis)) {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        expect(requestHeaderVersion(api, v), `${api.name} v${v}`).toBe(
          inVersions(api.request.flexibleVersions, v) ? 2 : 1,
        )
      }
    }
  })

  it('round-trips through decodeRequest for every API and version', () => {
    for (const api of Object.values(Apis)) {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        fc.assert(
          fc.property(arbitraryFor(api.request, v), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (body, id) => {
            const frame = Buffer.concat(encodeRequest(api, v, id, 'kafka-wire', body as never))
            expect(frame.readInt32BE(0)).toBe(frame.length - 4)
            const d = decodeRequest(frame.subarray(4), (k) => ApisByKey.get(k))
            expect(d.api).toBe(api)
            expect(d.version).toBe(v)
            expect(d.correlationId).toBe(id)
            expect(d.clientId).toBe('kafka-wire')
            expect(d.body).toStrictEqual(expectedDecode(api.request, v, body))
          }),
          { numRuns: 5 },
        )
      }
    }
  })

  it('skips tagged fields in request header v2 and rejects unknown API keys and trailing bytes', () => {
    // ApiVersions v3, client id "c", header tagged fields { 0: 0x99 }, then the body.
    const frame = bytes('0012 0003 00000005 0001 63 01 00 01 99  01 01 00')
    const d = decodeRequest(frame, (k) => ApisByKey.get(k))
    expect(d.body).toStrictEqual({ clientSoftwareName: '', clientSoftwareVersion: '', clusterId: null, nodeId: -1 })
    expect(() => decodeRequest(bytes('7fff 0000 00000001 ffff'), (k) => ApisByKey.get(k))).toThrow(ProtocolError)
    expect(() => decodeRequest(bytes('0012 0000 00000001 ffff 00'), (k) => ApisByKey.get(k))).toThrow(ProtocolError)
  })

  it('sends large records buffers by reference, with the size covering every chunk', () => {
    const records = Buffer.alloc(64 * 1024, 0x5a)
    const chunks = encodeRequest(Apis.Produce, 9, 1, 'c', {
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    })
    expect(chunks.length).toBeGreaterThan(1)
    expect(chunks.some((c) => c === records)).toBe(true)
    const total = chunks.reduce((n, c) => n + c.length, 0)
    expect(chunks[0]!.readInt32BE(0)).toBe(total - 4)
    const d = decodeRequest(Buffer.concat(chunks).subarray(4), (k) => ApisByKey.get(k))
    expect(d.body.topicData[0].partitionData[0].records.equals(records)).toBe(true)
  })
})

describe('response header', () => {
  it('is v1 for flexible versions except ApiVersions, which is always v0', () => {
    for (const api of Object.values(Apis)) {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        const expected = api.name === 'ApiVersions' ? 0 : inVersions(api.response.flexibleVersions, v) ? 1 : 0
        expect(responseHeaderVersion(api, v), `${api.name} v${v}`).toBe(expected)
      }
    }
    expect(responseHeaderVersion(Apis.ApiVersions, 3)).toBe(0)
    expect(responseHeaderVersion(Apis.Metadata, 9)).toBe(1)
    expect(responseHeaderVersion(Apis.Metadata, 8)).toBe(0)
  })

  it('ApiVersions v3 response: correlation id, then the body directly', () => {
    const frame = bytes('00000009  0000 01 00000000 00')
    expect(responseCorrelationId(frame)).toBe(9)
    expect(decodeResponse(Apis.ApiVersions, 3, frame)).toStrictEqual(
      decodeMessage(Apis.ApiVersions.response, 3, frame.subarray(4)),
    )
  })

  it('Metadata v9 response: correlation id, a tagged-field section (unknown tags skipped), then the body', () => {
    const body = encodeMessage(Apis.Metadata.response, 9, { clusterId: 'c' })
    const frame = Buffer.concat([bytes('0000002a 01 05 02 abcd'), body])
    expect(responseCorrelationId(frame)).toBe(42)
    expect(decodeResponse(Apis.Metadata, 9, frame).clusterId).toBe('c')
    // Without the header's tagged-field section the body is misread and the frame rejected.
    expect(() => decodeResponse(Apis.Metadata, 9, Buffer.concat([bytes('0000002a'), body]))).toThrow(ProtocolError)
  })

  it('rejects trailing bytes and frames too short for a correlation id', () => {
    expect(() => decodeResponse(Apis.ApiVersions, 0, bytes('00000001 0000 00000000 00'))).toThrow(ProtocolError)
    expect(() => responseCorrelationId(bytes('0000'))).toThrow(ProtocolError)
    expect(() => decodeResponse(Apis.ApiVersions, 0, bytes('0000'))).toThrow(ProtocolError)
  })

  it('encodeResponse → decodeResponse round-trips for every API and version', () => {
    for (const api of Object.values(Apis)) {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        fc.assert(
          fc.property(arbitraryFor(api.response, v), (body) => {
            const frame = Buffer.concat(encodeResponse(api, v, 77, body as never))
            expect(frame.readInt32BE(0)).toBe(frame.length - 4)
            expect(responseCorrelationId(frame.subarray(4))).toBe(77)
            const headerBytes = responseHeaderVersion(api, v) === 1 ? 5 : 4
            expect(hex(frame.subarray(4 + headerBytes))).toBe(hex(encodeMessage(api.response, v, body)))
            expect(decodeResponse(api, v, frame.subarray(4))).toStrictEqual(expectedDecode(api.response, v, body))
          }),
          { numRuns: 5 },
        )
      }
    }
  })
})

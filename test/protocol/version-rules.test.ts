/**
 * Kafka's version rules, as the codec must apply them:
 * - fields a version lacks decode to their defaults;
 * - a non-default value in a field the version lacks throws UnsupportedVersionError unless the
 *   field is ignorable, in which case it is dropped silently (checked for every such field of
 *   every message × version, nested ones included);
 * - unknown tagged fields survive decode → encode byte for byte;
 * - null only where the version allows it.
 */
import { describe, expect, it } from 'vitest'
import { ProtocolError, UnsupportedVersionError } from '../../src/errors.js'
import {
  Apis,
  ApiVersionsRequest,
  ApiVersionsResponse,
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  MetadataRequest,
  MetadataResponse,
} from '../../src/protocol/messages/index.js'
import { decodeMessage, encodeMessage } from '../../src/protocol/schema/codec.js'
import type { Field, Fields, MessageSchema, StructType, TypeDef } from '../../src/protocol/schema/dsl.js'
import { fieldDefault, fieldMode, inVersions, type View } from './support/arbitrary.js'

const hex = (b: Buffer) => b.toString('hex')
const bytes = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex')

// ---------------------------------------------------------------------------------------------
// Absent fields: every one, in every message and version

const INT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
}

/** A value of `type` that differs from `dflt`. */
function nonDefault(type: TypeDef<any, any>, dflt: unknown): unknown {
  switch (type.kind) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32': {
      const d = dflt as number
      return d + 1 <= INT_RANGE[type.kind]![1] ? d + 1 : d - 1
    }
    case 'float64':
      return (dflt as number) + 1.5
    case 'int64':
      return (dflt as bigint) + 1n
    case 'bool':
      return !dflt
    case 'string':
      return `${dflt ?? ''}x`
    case 'bytes':
    case 'records':
      return Buffer.from([1, 2, 3])
    case 'uuid':
      return Buffer.alloc(16, 1).toString('base64url')
    case 'array':
      return dflt === null ? [] : [sampleOf((type as any).element)]
    case 'struct': {
      if (dflt === null) return {}
      const st = type as StructType<Fields>
      const first = st.order[0]!
      const f = st.fields[first]!
      return { [first]: nonDefault(f.type, fieldDefault(f)) }
    }
  }
}

function sampleOf(type: TypeDef<any, any>): unknown {
  if (type.kind === 'struct') return {}
  if (type.kind === 'array') return []
  return nonDefault(type, defaultOfKind(type.kind))
}

function defaultOfKind(kind: string): unknown {
  return { int64: 0n, bool: false, string: '', float64: 0 }[kind] ?? 0
}

interface AbsentCase {
  readonly path: string
  readonly field: Field<any, any>
  /** Builds the message value with `leaf` set at the absent field (or without it). */
  readonly build: (leaf: unknown) => Record<string, unknown>
}

/** Every field the version lacks whose containers the version has. */
function absentFields(schema: MessageSchema<any>, version: number): AbsentCase[] {
  const view: View = { version, flexible: inVersions(schema.flexibleVersions, version) }
  const out: AbsentCase[] = []
  const walk = (
    st: StructType<Fields>,
    path: string,
    wrap: (inner: Record<string, unknown>) => Record<string, unknown>,
  ) => {
    for (const name of st.order) {
      const f = st.fields[name]!
      const mode = fieldMode(f, view)
      if (mode === 'absent') {
        out.push({
          path: `${path}.${name}`,
          field: f,
          build: (leaf) => wrap(leaf === undefined ? {} : { [name]: leaf }),
        })
        continue
      }
      if (f.type.kind === 'struct') {
        walk(f.type as StructType<Fields>, `${path}.${name}`, (inner) => wrap({ [name]: inner }))
      } else if (f.type.kind === 'array' && (f.type as any).element.kind === 'struct') {
        walk((f.type as any).element, `${path}.${name}[]`, (inner) => wrap({ [name]: [inner] }))
      }
    }
  }
  walk(schema.body, schema.name, (inner) => inner)
  return out
}

const allMessages: [MessageSchema<any>, number, number][] = [
  ...Object.values(Apis).flatMap((a): [MessageSchema<any>, number, number][] => [
    [a.request, a.minVersion, a.maxVersion],
    [a.response, a.minVersion, a.maxVersion],
  ]),
  [ConsumerProtocolSubscription, 0, ConsumerProtocolSubscription.validVersions.max],
  [ConsumerProtocolAssignment, 0, ConsumerProtocolAssignment.validVersions.max],
]

describe('fields a version lacks', () => {
  it('non-default values throw UnsupportedVersionError unless ignorable; ignorable ones are dropped', () => {
    let rejected = 0
    let dropped = 0
    for (const [schema, min, max] of allMessages) {
      for (let v = min; v <= max; v++) {
        for (const c of absentFields(schema, v)) {
          const value = nonDefault(c.field.type, fieldDefault(c.field))
          const input = c.build(value)
          const label = `${c.path} v${v} = ${String(value)}`
          if (c.field.ignorable) {
            const encoded = encodeMessage(schema, v, input)
            expect(hex(encoded), label).toBe(hex(encodeMessage(schema, v, c.build(undefined))))
            dropped++
          } else {
            expect(() => encodeMessage(schema, v, input), label).toThrow(UnsupportedVersionError)
            // Its default is fine, and so is leaving it out.
            expect(hex(encodeMessage(schema, v, c.build(fieldDefault(c.field)))), label).toBe(
              hex(encodeMessage(schema, v, c.build(undefined))),
            )
            rejected++
          }
        }
      }
    }
    // Sanity: the walk found plenty of both kinds.
    expect(rejected).toBeGreaterThan(100)
    expect(dropped).toBeGreaterThan(100)
  })

  it('decode to their defaults (Metadata response v0)', () => {
    const encoded = bytes(`
      00000001 00000001 0001 61 00000009
      00000001 0000 0001 74 00000001 0000 00000000 00000001 00000000 00000000`)
    const d = decodeMessage(MetadataResponse, 0, encoded)
    expect(d).toStrictEqual({
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: 'a', port: 9, rack: null }],
      clusterId: null,
      controllerId: -1,
      topics: [
        {
          errorCode: 0,
          name: 't',
          topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: -1,
              replicaNodes: [],
              isrNodes: [],
              offlineReplicas: [],
            },
          ],
          topicAuthorizedOperations: -2147483648,
        },
      ],
      clusterAuthorizedOperations: -2147483648,
      errorCode: 0,
    })
  })

  it('decode to their defaults when a tagged field is not sent (ApiVersions response v3)', () => {
    const d = decodeMessage(ApiVersionsResponse, 3, bytes('0000 01 00000000 00'))
    expect(d.finalizedFeaturesEpoch).toBe(-1n)
    expect(d.supportedFeatures).toEqual([])
    expect(d.zkMigrationReady).toBe(false)
  })

  it('a tagged field equal to its default is not written', () => {
    const plain = encodeMessage(ApiVersionsResponse, 3, {})
    expect(hex(encodeMessage(ApiVersionsResponse, 3, { finalizedFeaturesEpoch: -1n, zkMigrationReady: false }))).toBe(
      hex(plain),
    )
    expect(hex(encodeMessage(ApiVersionsResponse, 3, { finalizedFeaturesEpoch: -1 }))).toBe(hex(plain))
    // 7 is not the default: tag 1, 8 bytes.
    expect(hex(encodeMessage(ApiVersionsResponse, 3, { finalizedFeaturesEpoch: 7n }))).toBe(
      '0000 01 00000000 01 01 08 0000000000000007'.replace(/ /g, ''),
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Unknown tagged fields

describe('unknown tagged fields', () => {
  it('survive a round trip exactly, interleaved with known tags', () => {
    // ApiVersionsResponse v3: errorCode, apiKeys [], throttleTimeMs, tagged: 1 (known, int64),
    // 2 (known, empty array: written by a peer even though it is the default), 5 and 300 (unknown).
    const frame = bytes(`
      0000 01 00000000
      04
        01 08 000000000000002a
        02 01 01
        05 03 aabbcc
        ac02 00`)
    const d = decodeMessage(ApiVersionsResponse, 3, frame)
    expect(d.finalizedFeaturesEpoch).toBe(42n)
    expect(d.unknownTaggedFields).toStrictEqual([
      { tag: 5, data: Buffer.from([0xaa, 0xbb, 0xcc]) },
      { tag: 300, data: Buffer.alloc(0) },
    ])
    // Tag 2 at its default is dropped on re-encoding (as Java does); everything else is kept.
    const again = encodeMessage(ApiVersionsResponse, 3, d)
    expect(hex(again)).toBe(hex(bytes('0000 01 00000000 03 01 08 000000000000002a 05 03 aabbcc ac02 00')))
    expect(decodeMessage(ApiVersionsResponse, 3, again)).toStrictEqual(d)
  })

  it('survive in nested structs and in a tagged struct whose own fields are all default', () => {
    const input = {
      apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 13, unknownTaggedFields: [{ tag: 9, data: bytes('01') }] }],
      unknownTaggedFields: [{ tag: 77, data: bytes('0203') }],
    }
    const encoded = encodeMessage(ApiVersionsResponse, 4, input)
    const d = decodeMessage(ApiVersionsResponse, 4, encoded)
    expect(d.apiKeys[0].unknownTaggedFields).toStrictEqual([{ tag: 9, data: bytes('01') }])
    expect(d.unknownTaggedFields).toStrictEqual([{ tag: 77, data: bytes('0203') }])
    expect(hex(encodeMessage(ApiVersionsResponse, 4, d))).toBe(hex(encoded))
  })

  it('cannot be sent in a version without tagged fields', () => {
    const input = { unknownTaggedFields: [{ tag: 1, data: bytes('00') }] }
    expect(() => encodeMessage(ApiVersionsRequest, 2, input)).toThrow(UnsupportedVersionError)
    expect(() => encodeMessage(ApiVersionsRequest, 2, { unknownTaggedFields: [] })).not.toThrow()
    expect(encodeMessage(ApiVersionsRequest, 3, input).length).toBeGreaterThan(0)
  })

  it('must come in ascending tag order on the wire', () => {
    const frame = bytes('0000 01 00000000 02 05 00 04 00')
    expect(() => decodeMessage(ApiVersionsResponse, 3, frame)).toThrow(ProtocolError)
  })
})

// ---------------------------------------------------------------------------------------------
// Nullability by version

describe('null', () => {
  it('is accepted only in versions where the field is nullable (Metadata topics: nullable from v1)', () => {
    expect(hex(encodeMessage(MetadataRequest, 1, { topics: null }))).toBe('ffffffff')
    expect(hex(encodeMessage(MetadataRequest, 9, { topics: null }))).toBe('0001000000')
    expect(() => encodeMessage(MetadataRequest, 0, { topics: null })).toThrow(UnsupportedVersionError)
    // Topic names are nullable (topic ids instead) from v10.
    expect(() => encodeMessage(MetadataRequest, 9, { topics: [{ name: null }] })).toThrow(UnsupportedVersionError)
    expect(encodeMessage(MetadataRequest, 10, { topics: [{ name: null }] }).length).toBeGreaterThan(0)
  })

  it('is a TypeError where the field is never nullable', () => {
    expect(() => encodeMessage(MetadataResponse, 5, { brokers: null })).toThrow(TypeError)
    expect(() => encodeMessage(MetadataResponse, 5, { brokers: [{ host: null }] })).toThrow(TypeError)
    expect(() => encodeMessage(MetadataResponse, 5, { brokers: [null] })).toThrow(TypeError)
  })

  it('decodes only where the version allows it', () => {
    expect(decodeMessage(MetadataRequest, 1, bytes('ffffffff')).topics).toBeNull()
    expect(() => decodeMessage(MetadataRequest, 0, bytes('ffffffff'))).toThrow(ProtocolError)
    // Compact form: 0 is null.
    expect(decodeMessage(MetadataRequest, 9, bytes('00 01 00 00 00')).topics).toBeNull()
  })

  it('nullable structs carry a -1/1 marker byte', () => {
    const schema = Apis.ConsumerGroupHeartbeat.response
    const withNull = encodeMessage(schema, 0, { assignment: null })
    const withValue = encodeMessage(schema, 0, { assignment: { topicPartitions: [] } })
    expect(withNull.at(-2)).toBe(0xff) // marker, then the top-level tagged-field count
    expect(hex(withValue.subarray(-4))).toBe('01' + '01' + '00' + '00')
    expect(decodeMessage(schema, 0, withNull).assignment).toBeNull()
    expect(decodeMessage(schema, 0, withValue).assignment).toStrictEqual({ topicPartitions: [] })
  })
})

// ---------------------------------------------------------------------------------------------
// Input checking on encode

describe('encoder input', () => {
  it('rejects out-of-range integers and wrong types with TypeError', () => {
    expect(() => encodeMessage(MetadataResponse, 1, { controllerId: 2 ** 31 })).toThrow(TypeError)
    expect(() => encodeMessage(MetadataResponse, 1, { controllerId: 1.5 })).toThrow(TypeError)
    expect(() => encodeMessage(MetadataResponse, 1, { brokers: 'x' as never })).toThrow(TypeError)
    expect(() => encodeMessage(MetadataResponse, 1, { brokers: [{ host: 5 as never }] })).toThrow(TypeError)
  })

  it('accepts int64 as bigint or as a safe-integer number', () => {
    const a = encodeMessage(ApiVersionsResponse, 3, { finalizedFeaturesEpoch: 5n })
    const b = encodeMessage(ApiVersionsResponse, 3, { finalizedFeaturesEpoch: 5 })
    expect(hex(a)).toBe(hex(b))
    expect(() => encodeMessage(ApiVersionsResponse, 3, { finalizedFeaturesEpoch: 2 ** 60 })).toThrow(TypeError)
  })

  it('rejects a non-compact string longer than 32767 bytes with a clear RangeError', () => {
    expect(() => encodeMessage(MetadataRequest, 4, { topics: [{ name: 'x'.repeat(40_000) }] })).toThrow(/too long/)
    expect(encodeMessage(MetadataRequest, 9, { topics: [{ name: 'x'.repeat(40_000) }] }).length).toBeGreaterThan(40_000)
  })
})

describe('versions outside the schema', () => {
  it('cannot be compiled, encoded or decoded', async () => {
    const { compile } = await import('../../src/protocol/schema/codec.js')
    expect(() => compile(MetadataRequest, 14)).toThrow(UnsupportedVersionError)
    expect(() => compile(MetadataRequest, -1)).toThrow(UnsupportedVersionError)
    expect(() => encodeMessage(Apis.Produce.request, 2, {})).toThrow(UnsupportedVersionError)
    expect(() => decodeMessage(Apis.Fetch.response, 3, Buffer.alloc(8))).toThrow(UnsupportedVersionError)
  })
})

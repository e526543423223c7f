/**
 * Our schemas against Apache Kafka's own message definitions (../shared/kafka-protocol, or
 * $KAFKA_PROTOCOL_DIR), compared here with a reader written independently of
 * scripts/generate-protocol.mjs: field order and names, types, versions, nullable and tagged
 * versions, tags, defaults, ignorable flags, API keys and the highest stable version. Skipped,
 * saying so, when the reference data is not there.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Apis, ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../../src/protocol/messages/index.js'
import type { Field, Fields, MessageSchema, StructType, TypeDef, VersionRange } from '../../src/protocol/schema/dsl.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const refDir = process.env.KAFKA_PROTOCOL_DIR ?? resolve(root, '../shared/kafka-protocol')
// The schemas are generated from Kafka 4.4.0's definitions (4.3.1's are in `messages/`).
const messagesDir = join(refDir, 'messages-4.4.0')
const haveReference = existsSync(messagesDir)
/** APIs kafka-wire sends below the release's highest version, on purpose (see the generator's VERSION_CAPS). */
const SENT_MAX: Record<string, number> = { ApiVersions: 4, TxnOffsetCommit: 5 }
if (!haveReference) {
  console.warn(`reference.test.ts: SKIPPED — Kafka's message definitions not found at ${refDir}`)
}

interface JsonField {
  name: string
  type: string
  versions: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  ignorable?: boolean
  default?: string | number | boolean
  flexibleVersions?: string
  fields?: JsonField[]
}

interface JsonSpec {
  apiKey?: number
  type: string
  name: string
  validVersions: string
  flexibleVersions: string
  latestVersionUnstable?: boolean
  fields: JsonField[]
  commonStructs?: { name: string; fields: JsonField[] }[]
}

function readSpec(name: string): JsonSpec {
  const text = readFileSync(join(messagesDir, `${name}.json`), 'utf8')
  // Whole-line // comments are not JSON.
  return JSON.parse(
    text
      .split(/\r?\n/)
      .filter((l) => !l.trimStart().startsWith('//'))
      .join('\n'),
  )
}

/** Our own reading of a version spec: "none", "N", "N-M", "N+". */
function range(spec: string | undefined): { min: number; max: number } | null {
  if (spec === undefined || spec === 'none') return null
  const m = /^(\d+)(?:(\+)|-(\d+))?$/.exec(spec.trim())
  if (m === null) throw new Error(`bad version spec ${spec}`)
  const min = Number(m[1])
  if (m[2] === '+') return { min, max: Number.POSITIVE_INFINITY }
  return { min, max: m[3] === undefined ? min : Number(m[3]) }
}

function ours(r: VersionRange | null | undefined): { min: number; max: number } | null {
  return r === null || r === undefined ? null : { min: r.min, max: r.max }
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1)

const INTS = new Set(['int8', 'int16', 'uint16', 'int32', 'uint32'])

/** What a JSON default means for a field of `type`, in our representation. */
function expectedDefault(type: string, d: JsonField['default']): unknown {
  if (d === undefined) return undefined
  if (d === 'null') return null
  if (INTS.has(type) || type === 'float64') {
    const s = String(d).trim()
    return /^-?0x/i.test(s) ? (s.startsWith('-') ? -1 : 1) * Number.parseInt(s.replace(/^-?0x/i, ''), 16) : Number(s)
  }
  if (type === 'int64') return BigInt(String(d))
  if (type === 'bool') return d === true || d === 'true'
  if (type === 'string') return String(d)
  throw new Error(`unexpected default ${String(d)} for ${type}`)
}

type Mismatch = string

function compareFields(
  jsonFields: JsonField[],
  st: StructType<Fields>,
  common: Map<string, JsonField[]>,
  path: string,
  out: Mismatch[],
): void {
  const names = jsonFields.map((f) => lowerFirst(f.name))
  if (JSON.stringify(names) !== JSON.stringify(st.order)) {
    out.push(`${path}: fields ${JSON.stringify(st.order)} but Kafka has ${JSON.stringify(names)}`)
    return
  }
  for (const jf of jsonFields) {
    const name = lowerFirst(jf.name)
    const f = st.fields[name] as Field<TypeDef<any, any>, boolean>
    const p = `${path}.${name}`
    const check = (what: string, actual: unknown, expected: unknown) => {
      const a = typeof actual === 'bigint' ? `${actual}n` : JSON.stringify(actual)
      const e = typeof expected === 'bigint' ? `${expected}n` : JSON.stringify(expected)
      if (a !== e || typeof actual !== typeof expected) out.push(`${p}: ${what} is ${a}, Kafka says ${e}`)
    }
    check('versions', ours(f.versions), range(jf.versions))
    check('nullableVersions', ours(f.nullableVersions), range(jf.nullableVersions))
    check('taggedVersions', ours(f.taggedVersions), range(jf.taggedVersions))
    check('tag', f.tag, jf.tag ?? -1)
    check('ignorable', f.ignorable, jf.ignorable ?? false)
    check('flexibleVersions', ours(f.flexibleVersions), range(jf.flexibleVersions))

    const type = jf.type.trim()
    const isArray = type.startsWith('[]')
    const inner = isArray ? type.slice(2) : type
    const primitive =
      INTS.has(inner) || ['int64', 'float64', 'bool', 'string', 'bytes', 'uuid', 'records'].includes(inner)
    check(
      'default',
      f.defaultValue,
      primitive && !isArray ? expectedDefault(inner, jf.default) : jf.default === 'null' ? null : undefined,
    )

    let t: TypeDef<any, any> = f.type
    if (isArray) {
      if (t.kind !== 'array') {
        out.push(`${p}: type ${t.kind}, Kafka says ${type}`)
        continue
      }
      t = (t as any).element
    }
    if (primitive) {
      check('type', t.kind, inner)
      continue
    }
    if (t.kind !== 'struct') {
      out.push(`${p}: type ${t.kind}, Kafka says struct ${inner}`)
      continue
    }
    const sub = jf.fields ?? common.get(inner)
    if (sub === undefined) {
      out.push(`${p}: struct ${inner} has no definition in the reference`)
      continue
    }
    compareFields(sub, t as StructType<Fields>, common, isArray ? `${p}[]` : p, out)
  }
}

function compareMessage(spec: JsonSpec, schema: MessageSchema<any>): Mismatch[] {
  const out: Mismatch[] = []
  if (schema.name !== spec.name) out.push(`name ${schema.name}, Kafka says ${spec.name}`)
  const valid = range(spec.validVersions)
  if (JSON.stringify(ours(schema.validVersions)) !== JSON.stringify(valid)) {
    out.push(`${spec.name}: validVersions ${JSON.stringify(schema.validVersions)}, Kafka says ${spec.validVersions}`)
  }
  if (JSON.stringify(ours(schema.flexibleVersions)) !== JSON.stringify(range(spec.flexibleVersions))) {
    out.push(`${spec.name}: flexibleVersions differ (Kafka: ${spec.flexibleVersions})`)
  }
  const common = new Map((spec.commonStructs ?? []).map((s) => [s.name, s.fields]))
  compareFields(spec.fields, schema.body, common, spec.name, out)
  return out
}

/** The APIs the protocol issue asks for, by Kafka's name. */
const REQUIRED_APIS = [
  'Produce',
  'Fetch',
  'ListOffsets',
  'Metadata',
  'OffsetCommit',
  'OffsetFetch',
  'FindCoordinator',
  'JoinGroup',
  'Heartbeat',
  'LeaveGroup',
  'SyncGroup',
  'DescribeGroups',
  'ListGroups',
  'SaslHandshake',
  'ApiVersions',
  'CreateTopics',
  'DeleteTopics',
  'DeleteRecords',
  'InitProducerId',
  'OffsetForLeaderEpoch',
  'AddPartitionsToTxn',
  'AddOffsetsToTxn',
  'EndTxn',
  'WriteTxnMarkers',
  'TxnOffsetCommit',
  'DescribeConfigs',
  'AlterConfigs',
  'IncrementalAlterConfigs',
  'SaslAuthenticate',
  'CreatePartitions',
  'DeleteGroups',
  'OffsetDelete',
  'DescribeCluster',
  'DescribeProducers',
  'DescribeTransactions',
  'ListTransactions',
  'ConsumerGroupHeartbeat',
  'ConsumerGroupDescribe',
  'DescribeAcls',
  'CreateAcls',
  'DeleteAcls',
  'AlterUserScramCredentials',
  'DescribeUserScramCredentials',
  'AlterPartitionReassignments',
  'ListPartitionReassignments',
  // KIP-932 share groups (#21)
  'ShareGroupHeartbeat',
  'ShareGroupDescribe',
  'ShareFetch',
  'ShareAcknowledge',
  'DescribeShareGroupOffsets',
  'AlterShareGroupOffsets',
  'DeleteShareGroupOffsets',
  // KIP-714 client telemetry (#20)
  'GetTelemetrySubscriptions',
  'PushTelemetry',
]

describe.skipIf(!haveReference)("schemas match Kafka's message definitions", () => {
  it('the reader used here parses every reference file', () => {
    const files = readdirSync(messagesDir).filter((f) => f.endsWith('.json'))
    expect(files.length).toBeGreaterThan(150)
    for (const f of files) expect(() => readSpec(f.slice(0, -5)), f).not.toThrow()
  })

  it('every required API is in the registry and nothing else', () => {
    expect(Object.keys(Apis).sort()).toStrictEqual([...REQUIRED_APIS].sort())
  })

  it.each(REQUIRED_APIS)('%s: api key, versions, every field', (name) => {
    const api = (Apis as Record<string, (typeof Apis)[keyof typeof Apis]>)[name]!
    const req = readSpec(`${name}Request`)
    const res = readSpec(`${name}Response`)
    expect(req.type).toBe('request')
    expect(res.type).toBe('response')
    expect(api.apiKey).toBe(req.apiKey)
    expect(res.apiKey).toBe(req.apiKey)
    expect(api.name).toBe(name)
    const valid = range(req.validVersions)!
    expect(api.minVersion).toBe(valid.min)
    const stableMax = req.latestVersionUnstable === true ? valid.max - 1 : valid.max
    expect(api.maxVersion).toBe(Math.min(stableMax, SENT_MAX[name] ?? stableMax))
    // A response version always matches its request version.
    expect(range(res.validVersions)).toStrictEqual(valid)
    expect([...compareMessage(req, api.request), ...compareMessage(res, api.response)]).toStrictEqual([])
  })

  it.each([
    ['ConsumerProtocolSubscription', ConsumerProtocolSubscription],
    ['ConsumerProtocolAssignment', ConsumerProtocolAssignment],
  ] as const)('%s: every field', (name, schema) => {
    const spec = readSpec(name)
    expect(spec.type).toBe('data')
    expect(compareMessage(spec, schema)).toStrictEqual([])
  })

  it('the hand-written headers follow RequestHeader.json and ResponseHeader.json', () => {
    const req = readSpec('RequestHeader')
    const res = readSpec('ResponseHeader')
    const fields = req.fields.map((f) => [f.name, f.type, f.versions, f.nullableVersions, f.flexibleVersions])
    // What header.ts writes for v1/v2: apiKey, version, correlation id, nullable int16-length client id.
    expect(fields).toStrictEqual([
      ['RequestApiKey', 'int16', '0+', undefined, undefined],
      ['RequestApiVersion', 'int16', '0+', undefined, undefined],
      ['CorrelationId', 'int32', '0+', undefined, undefined],
      ['ClientId', 'string', '1+', '1+', 'none'],
    ])
    expect(range(req.flexibleVersions)).toStrictEqual({ min: 2, max: Number.POSITIVE_INFINITY })
    expect(res.fields.map((f) => [f.name, f.type, f.versions])).toStrictEqual([['CorrelationId', 'int32', '0+']])
    expect(range(res.flexibleVersions)).toStrictEqual({ min: 1, max: Number.POSITIVE_INFINITY })
  })

  it('the comparison itself notices a difference', () => {
    const spec = readSpec('MetadataRequest')
    const altered: JsonSpec = JSON.parse(JSON.stringify(spec))
    altered.fields[1]!.default = 'false'
    altered.fields[0]!.fields![1]!.nullableVersions = '9+'
    altered.fields[2]!.ignorable = true
    const mismatches = compareMessage(altered, Apis.Metadata.request)
    expect(mismatches).toHaveLength(3)
  })
})

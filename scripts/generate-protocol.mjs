#!/usr/bin/env node
// Generates src/protocol/messages/*.ts and src/error-codes.ts from Apache Kafka's
// official message definitions and error table (../shared/kafka-protocol). The output is
// committed; `--check` regenerates in memory and fails if the committed files drifted.
// When the reference data is absent, `--check` says so and exits 0 (it cannot check).
//
// The Kafka release whose message definitions are used: `--kafka-version X` (or
// $KAFKA_PROTOCOL_VERSION), default DEFAULT_VERSION. Each release's files are in their own
// directory of the reference data (MESSAGE_DIRS); the error table is shared by all of them.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const refDir = process.env.KAFKA_PROTOCOL_DIR ?? resolve(root, '../shared/kafka-protocol')
const outDir = join(root, 'src/protocol/messages')
const check = process.argv.includes('--check')

/** The release the committed files are generated from (the test kit's default broker). */
const DEFAULT_VERSION = '4.4.0'
/** Release → its message directory under the reference data (others: `messages-<version>`). */
const MESSAGE_DIRS = { '4.3.1': 'messages', '4.4.0': 'messages-4.4.0' }

function kafkaVersionArg() {
  const i = process.argv.indexOf('--kafka-version')
  const v = i >= 0 ? process.argv[i + 1] : process.env.KAFKA_PROTOCOL_VERSION || DEFAULT_VERSION
  if (!v || !/^[0-9]+\.[0-9]+\.[0-9]+$/.test(v)) {
    console.error(`generate-protocol: --kafka-version needs a release such as ${DEFAULT_VERSION} (got ${v})`)
    process.exit(2)
  }
  return v
}
const kafkaVersion = kafkaVersionArg()
const messagesDir = join(refDir, MESSAGE_DIRS[kafkaVersion] ?? `messages-${kafkaVersion}`)

/**
 * Highest version kafka-wire sends of an API below what the release defines, and why. The
 * message schema still covers every version (responses decode, tests can encode them).
 */
const VERSION_CAPS = {
  // v5 (KIP-1242) only adds the ClusterId/NodeId check: without them it is v4, and sending v5
  // costs every connection to a pre-4.4 broker a second round trip (UNSUPPORTED_VERSION first).
  ApiVersions: { max: 4, why: 'v5 (KIP-1242 cluster id check) is not sent yet' },
  // v6 (KIP-1319) names topics by id only; a commit by topic name must stay on v5.
  TxnOffsetCommit: { max: 5, why: 'v6 (KIP-1319, topic ids only) is not sent yet' },
}

/** The APIs kafka-wire speaks, with our own one-line description of each. */
const APIS = {
  Produce: 'Appends record batches to partitions (sent to each partition leader).',
  Fetch: 'Reads record batches from partitions, optionally through an incremental fetch session.',
  ListOffsets: 'Looks up offsets by timestamp (earliest, latest, max-timestamp or a time).',
  Metadata: 'Discovers brokers, the controller, topics, partitions, leaders and replicas.',
  OffsetCommit: 'Stores consumed positions of a consumer group in __consumer_offsets.',
  OffsetFetch: 'Reads the committed positions of a consumer group.',
  FindCoordinator: 'Finds the broker coordinating a group or a transactional id.',
  JoinGroup: 'Joins a classic consumer group (first phase of a rebalance).',
  Heartbeat: 'Keeps a classic group member alive and learns about rebalances.',
  LeaveGroup: 'Leaves a classic consumer group.',
  SyncGroup: 'Distributes (leader) or receives (followers) the partition assignment.',
  DescribeGroups: 'Describes classic groups: state, protocol, members and assignments.',
  ListGroups: 'Lists the groups a broker coordinates.',
  SaslHandshake: 'Selects the SASL mechanism for a connection.',
  ApiVersions: 'Negotiates which API versions the broker supports.',
  CreateTopics: 'Creates topics.',
  DeleteTopics: 'Deletes topics.',
  DeleteRecords: 'Advances the log start offset of partitions (deletes older records).',
  InitProducerId: 'Obtains a producer id and epoch for idempotence or transactions.',
  OffsetForLeaderEpoch: 'Finds the end offset of a leader epoch (log truncation detection).',
  AddPartitionsToTxn: 'Adds partitions to an ongoing transaction.',
  AddOffsetsToTxn: 'Adds a consumer group offset commit to an ongoing transaction.',
  EndTxn: 'Commits or aborts a transaction.',
  WriteTxnMarkers: 'Writes commit/abort markers to partitions (the admin abort of a hanging transaction).',
  TxnOffsetCommit: 'Commits consumer offsets as part of a transaction.',
  DescribeConfigs: 'Reads topic, broker and other resource configurations.',
  AlterConfigs: 'Replaces resource configurations (legacy, non-incremental).',
  IncrementalAlterConfigs: 'Sets, deletes, appends or subtracts individual configuration entries.',
  SaslAuthenticate: 'Carries SASL authentication bytes after the handshake.',
  CreatePartitions: 'Adds partitions to existing topics.',
  DeleteGroups: 'Deletes consumer groups.',
  OffsetDelete: 'Deletes committed offsets of a group for some partitions.',
  DescribeCluster: 'Describes the cluster: brokers, controller and cluster id.',
  DescribeProducers: 'Lists active producers of partitions.',
  DescribeTransactions: 'Describes transactional ids.',
  ListTransactions: 'Lists transactional ids.',
  ConsumerGroupHeartbeat: 'Membership and assignment for the KIP-848 consumer group protocol.',
  ConsumerGroupDescribe: 'Describes KIP-848 consumer groups.',
  DescribeAcls: 'Lists ACLs matching a filter.',
  CreateAcls: 'Creates ACLs.',
  DeleteAcls: 'Deletes ACLs matching filters.',
  AlterUserScramCredentials: 'Creates, updates or deletes SCRAM credentials.',
  DescribeUserScramCredentials: 'Lists SCRAM credentials of users.',
  AlterPartitionReassignments: 'Starts or cancels the reassignment of partitions to other replicas.',
  ListPartitionReassignments: 'Lists the partition reassignments in progress.',
  ShareGroupHeartbeat: 'Membership and assignment for KIP-932 share groups.',
  ShareGroupDescribe: 'Describes KIP-932 share groups.',
  ShareFetch: 'Fetches and acquires records for a share group member, through a share session.',
  ShareAcknowledge: 'Acknowledges (accept, release, reject) records a share group member acquired.',
  DescribeShareGroupOffsets: 'Reads the start offsets of share groups (share-partition state).',
  AlterShareGroupOffsets: 'Resets the start offsets of an empty share group.',
  DeleteShareGroupOffsets: 'Deletes the share-partition state of a share group for some topics.',
  GetTelemetrySubscriptions: 'Fetches the client-metrics subscription (KIP-714) matching this client.',
  PushTelemetry: 'Pushes client metrics (OTLP MetricsData) to the broker (KIP-714).',
}
const DATA = {
  ConsumerProtocolSubscription:
    "A member's subscription inside JoinGroup's protocol metadata (the 'consumer' protocol).",
  ConsumerProtocolAssignment: "A member's assignment inside SyncGroup (the 'consumer' protocol).",
}

const PRIMITIVES = new Set([
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'bool',
  'string',
  'bytes',
  'uuid',
  'records',
])

function readSpec(name) {
  const text = readFileSync(join(messagesDir, `${name}.json`), 'utf8')
  return JSON.parse(
    text
      .split('\n')
      .filter((l) => !/^\s*\/\//.test(l))
      .join('\n'),
  )
}

const camel = (s) => s[0].toLowerCase() + s.slice(1)
const kebab = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()

function literalDefault(type, value) {
  if (value === 'null') return 'null'
  switch (type) {
    case 'int64':
      return `${BigInt(value)}n`
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return String(Number(value))
    case 'bool':
      return value === 'true' ? 'true' : 'false'
    case 'string':
      return JSON.stringify(value)
    default:
      throw new Error(`Unsupported default ${value} for type ${type}`)
  }
}

/** Emits a TypeScript expression for one type; struct definitions are inlined. */
function typeExpr(f, common, prefix, indent) {
  const type = f.type.trim()
  if (type.startsWith('[]')) {
    const inner = type.slice(2)
    if (PRIMITIVES.has(inner)) return `t.array(t.${inner})`
    return `t.array(${structExpr(inner, f, common, prefix, indent)})`
  }
  if (PRIMITIVES.has(type)) return `t.${type}`
  return structExpr(type, f, common, prefix, indent)
}

function structExpr(name, f, common, prefix, indent) {
  if (f.fields) return fieldsExpr(f.fields, common, prefix, indent)
  if (!common.has(name)) throw new Error(`Unknown struct type ${name}`)
  return `${prefix}${name}`
}

function fieldsExpr(fields, common, prefix, indent) {
  const pad = '  '.repeat(indent + 1)
  const lines = fields.map((f) => {
    const opts = [`v: '${f.versions}'`]
    if (f.nullableVersions) opts.push(`nullable: '${f.nullableVersions}'`)
    if (f.taggedVersions) opts.push(`tagged: '${f.taggedVersions}'`, `tag: ${f.tag}`)
    if (f.ignorable) opts.push('ignorable: true')
    if (f.default !== undefined && f.default !== '')
      opts.push(`default: ${literalDefault(f.type.trim(), String(f.default))}`)
    if (f.default === '' && f.type.trim() === 'string') opts.push(`default: ''`)
    if (f.flexibleVersions) opts.push(`flexible: '${f.flexibleVersions}'`)
    return `${pad}${camel(f.name)}: field(${typeExpr(f, common, prefix, indent + 1)}, { ${opts.join(', ')} }),`
  })
  return `struct({\n${lines.join('\n')}\n${'  '.repeat(indent)}})`
}

function messageBlock(spec, prefix) {
  const common = new Map((spec.commonStructs ?? []).map((s) => [s.name, s]))
  const out = []
  for (const name of dependencyOrder(common)) {
    out.push(`const ${prefix}${name} = ${fieldsExpr(common.get(name).fields, common, prefix, 0)}\n`)
  }
  const body = fieldsExpr(spec.fields, common, prefix, 0)
  // message() takes the field map; unwrap the struct({...}) we built for the body.
  const fieldMap = body.slice('struct('.length, -1)
  out.push(
    `export const ${spec.name} = message('${spec.name}', '${spec.validVersions}', '${spec.flexibleVersions}', ${fieldMap})\n`,
  )
  return out.join('\n')
}

/** Common structs may use each other: emit each after the ones it refers to. */
function dependencyOrder(common) {
  const order = []
  const visit = (name) => {
    if (order.includes(name)) return
    const refs = (fields) =>
      fields.flatMap((f) => [f.type.replace('[]', '').trim(), ...(f.fields ? refs(f.fields) : [])])
    for (const r of refs(common.get(name).fields)) if (common.has(r) && r !== name) visit(r)
    order.push(name)
  }
  for (const name of common.keys()) visit(name)
  return order
}

// The error table is one for every release (error-codes.tsv), so its header names none.
const HEADER = (what, release = `Kafka ${kafkaVersion}'s`) =>
  `// Generated by scripts/generate-protocol.mjs from Apache ${release} ${what} — do not edit.\n// Run \`npm run generate\` to regenerate; \`npm run check:drift\` compares with the reference.\n`

function generateApi(name) {
  const req = readSpec(`${name}Request`)
  const res = readSpec(`${name}Response`)
  const max = Number(req.validVersions.split('-').at(-1).replace('+', ''))
  const stableMax = req.latestVersionUnstable ? max - 1 : max
  const cap = VERSION_CAPS[name]
  const sendMax = cap ? Math.min(cap.max, stableMax) : stableMax
  const notes = [
    req.latestVersionUnstable ? ` Version ${max} is unstable upstream and never sent.` : '',
    cap && cap.max < stableMax ? ` Sent up to v${sendMax}: ${cap.why}.` : '',
  ].join('')
  return [
    HEADER(`${name}Request/${name}Response message definitions`),
    `import { api, field, message, struct, t } from '../schema/dsl.js'\n`,
    messageBlock(req, 'Req'),
    messageBlock(res, 'Res'),
    `/** ${name} (API key ${req.apiKey}): ${APIS[name]}${notes} */`,
    `export const ${name} = api(${req.apiKey}, '${name}', ${name}Request, ${name}Response, ${sendMax})\n`,
  ].join('\n')
}

function generateData(name) {
  const spec = readSpec(name)
  return [
    HEADER(`${name} definition`),
    `import { field, message, struct, t } from '../schema/dsl.js'\n`,
    `/** ${DATA[name]} */`,
    messageBlock(spec, 'Data'),
  ].join('\n')
}

function generateIndex() {
  const names = Object.keys(APIS)
  const lines = [HEADER('message definitions (the API registry)')]
  for (const n of names) lines.push(`import { ${n} } from './${kebab(n)}.js'`)
  for (const n of names) lines.push(`export * from './${kebab(n)}.js'`)
  for (const n of Object.keys(DATA)) lines.push(`export * from './${kebab(n)}.js'`)
  lines.push('', '/** Every API kafka-wire speaks, by name. */')
  lines.push(`export const Apis = {\n${names.map((n) => `  ${n},`).join('\n')}\n} as const\n`)
  lines.push('/** The same APIs by API key. */')
  lines.push('export const ApisByKey: ReadonlyMap<number, (typeof Apis)[keyof typeof Apis]> = new Map(')
  lines.push('  Object.values(Apis).map((a) => [a.apiKey, a]),\n)\n')
  return lines.join('\n')
}

function generateErrors() {
  const rows = readFileSync(join(refDir, 'error-codes.tsv'), 'utf8').trim().split('\n').slice(1)
  const lines = [
    HEADER('protocol error table (error-codes.tsv)', "Kafka's"),
    'export interface ErrorCodeInfo {',
    '  readonly name: string',
    '  /** The request may succeed if retried (Kafka: RetriableException). */',
    '  readonly retriable: boolean',
    '  /** The client should refresh its metadata (Kafka: InvalidMetadataException). */',
    '  readonly invalidatesMetadata: boolean',
    '}\n',
    'const table: [number, string, boolean, boolean][] = [',
  ]
  for (const row of rows) {
    const [code, name, retriable, invalidates] = row.split('\t')
    lines.push(`  [${code}, '${name}', ${retriable === 'true'}, ${invalidates === 'true'}],`)
  }
  lines.push(']\n')
  lines.push('/** Every Kafka protocol error code with its name and flags. */')
  lines.push('export const ERROR_CODES: ReadonlyMap<number, ErrorCodeInfo> = new Map(')
  lines.push(
    '  table.map(([code, name, retriable, invalidatesMetadata]) => [code, { name, retriable, invalidatesMetadata }]),',
  )
  lines.push(')\n')
  lines.push('/** Error codes by Kafka name, e.g. ERROR_CODE_BY_NAME.get("NOT_LEADER_OR_FOLLOWER") === 6. */')
  lines.push(
    'export const ERROR_CODE_BY_NAME: ReadonlyMap<string, number> = new Map(table.map(([code, name]) => [name, code]))',
  )
  lines.push('')
  lines.push('/**')
  lines.push(' * Kafka error codes by name: compare response codes with `ErrorCode.NOT_LEADER_OR_FOLLOWER`,')
  lines.push(' * never with a number literal.')
  lines.push(' */')
  lines.push('export const ErrorCode = {')
  for (const row of rows) {
    const [code, name] = row.split('\t')
    lines.push(`  ${name}: ${code},`)
  }
  lines.push('} as const')
  lines.push('')
  lines.push('/** The name of a Kafka error code, e.g. `"NOT_COORDINATOR"`. */')
  lines.push('export type ErrorCodeName = keyof typeof ErrorCode')
  return `${lines.join('\n')}\n`
}

function outputs() {
  const files = new Map()
  for (const n of Object.keys(APIS)) files.set(join(outDir, `${kebab(n)}.ts`), generateApi(n))
  for (const n of Object.keys(DATA)) files.set(join(outDir, `${kebab(n)}.ts`), generateData(n))
  files.set(join(outDir, 'index.ts'), generateIndex())
  files.set(join(root, 'src/error-codes.ts'), generateErrors())
  return files
}

if (!existsSync(join(refDir, 'error-codes.tsv'))) {
  const msg = `generate-protocol: reference data not found at ${refDir}`
  if (check) {
    console.log(`${msg} — drift check SKIPPED (nothing to compare against).`)
    process.exit(0)
  }
  console.error(msg)
  process.exit(1)
}
if (!existsSync(messagesDir)) {
  // The reference data is there but not this release's messages: checking against another
  // release would pass or fail for the wrong reason.
  console.error(`generate-protocol: no Kafka ${kafkaVersion} message definitions at ${messagesDir}`)
  process.exit(1)
}

const files = outputs()
if (check) {
  const drifted = [...files].filter(([path, text]) => !existsSync(path) || readFileSync(path, 'utf8') !== text)
  const extra = readdirSync(outDir).filter((f) => !files.has(join(outDir, f)))
  if (drifted.length || extra.length) {
    for (const [path] of drifted) console.error(`drift: ${path.slice(root.length + 1)} differs from the reference`)
    for (const f of extra) console.error(`drift: src/protocol/messages/${f} is not generated`)
    console.error('Run `npm run generate` and review the diff.')
    process.exit(1)
  }
  console.log(`drift check passed: ${files.size} generated files match Kafka ${kafkaVersion} (${messagesDir})`)
} else {
  mkdirSync(outDir, { recursive: true })
  for (const [path, text] of files) writeFileSync(path, text)
  console.log(`generated ${files.size} files from Kafka ${kafkaVersion} (${messagesDir})`)
}

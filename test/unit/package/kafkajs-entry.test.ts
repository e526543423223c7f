// kafka-wire/kafkajs loads as an ES module and as CommonJS from the built dist/, and a program written
// against kafkajs's type declarations type-checks against the layer's.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')

function run(code: string, type: 'module' | 'commonjs'): string {
  const args = type === 'module' ? ['--input-type=module', '-e', code] : ['-e', code]
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim()
}

const PROBE = [
  "const p = new k.Kafka({ brokers: ['127.0.0.1:1'], logLevel: k.logLevel.NOTHING }).producer()",
  'const e = new k.KafkaJSNumberOfRetriesExceeded(new Error("x"), { retryCount: 1, retryTime: 2 })',
  'console.log(typeof p.send, typeof k.Partitioners.LegacyPartitioner, k.CompressionTypes.ZSTD, e instanceof k.KafkaJSNonRetriableError, e.name)',
].join('; ')
const EXPECTED = 'function function 4 true KafkaJSNumberOfRetriesExceeded'

describe('kafka-wire/kafkajs entry point', () => {
  it('is built', () => {
    expect(existsSync(join(root, 'dist/esm/kafkajs/index.js')), 'run `npm run build` first').toBe(true)
    expect(existsSync(join(root, 'dist/cjs/kafkajs/index.js')), 'run `npm run build` first').toBe(true)
  })

  it('import works (ESM)', () => {
    expect(run(`import * as k from 'kafka-wire/kafkajs'; ${PROBE}`, 'module')).toBe(EXPECTED)
  })

  it('a default import works (ESM), as it does for kafkajs, a CommonJS module', () => {
    const code = (from: string) =>
      `import k from '${from}'; import { Kafka } from '${from}'; if (k.Kafka !== Kafka) throw 1; ${PROBE}`
    expect(run(code('kafkajs'), 'module')).toBe(EXPECTED)
    expect(run(code('kafka-wire/kafkajs'), 'module')).toBe(EXPECTED)
  })

  it('require works (CommonJS), destructured as kafkajs users write it', () => {
    expect(
      run(`const k = require('kafka-wire/kafkajs'); const { Kafka } = k; if (!Kafka) throw 1; ${PROBE}`, 'commonjs'),
    ).toBe(EXPECTED)
  })
})

// A program an application would have written against kafkajs's types (the Kafka and Producer
// surface): it type-checks with `kafkajs` mapped to the layer's sources.
const PROGRAM = `
import {
  CompressionTypes,
  Kafka,
  KafkaJSError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  Partitioners,
  logLevel,
  type KafkaConfig,
  type LogEntry,
  type Message,
  type Producer,
  type ProducerConfig,
  type RecordMetadata,
  type Transaction,
  type logCreator,
} from 'kafkajs'

const myLogCreator: logCreator = (level: logLevel) => (entry: LogEntry) => {
  console.log(level, entry.namespace, entry.label, entry.log.message, entry.log.timestamp)
}

const config: KafkaConfig = {
  clientId: 'app',
  brokers: async () => ['localhost:9092'],
  ssl: { rejectUnauthorized: false },
  sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' },
  connectionTimeout: 3000,
  requestTimeout: 25000,
  retry: { initialRetryTime: 100, retries: 8 },
  logLevel: logLevel.ERROR,
  logCreator: myLogCreator,
}

export async function main(): Promise<RecordMetadata[]> {
  const kafka = new Kafka(config)
  kafka.logger().info('starting', { pid: process.pid })
  const producerConfig: ProducerConfig = {
    createPartitioner: Partitioners.LegacyPartitioner,
    allowAutoTopicCreation: false,
    transactionalId: 'tx',
    idempotent: true,
    maxInFlightRequests: 1,
  }
  const producer: Producer = kafka.producer(producerConfig)
  const remove = producer.on(producer.events.CONNECT, (e) => console.log(e.timestamp, e.type))
  await producer.connect()
  remove()
  const messages: Message[] = [{ key: 'k', value: Buffer.from('v'), headers: { a: 'b' }, timestamp: String(Date.now()) }]
  const sent: RecordMetadata[] = await producer.send({ topic: 't', messages, acks: -1, compression: CompressionTypes.GZIP })
  await producer.sendBatch({ topicMessages: [{ topic: 't', messages }], timeout: 1000 })
  const txn: Transaction = await producer.transaction()
  await txn.send({ topic: 't', messages })
  await txn.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '1' }] }] })
  if (txn.isActive()) await txn.commit()
  try {
    await producer.send({ topic: 't', messages })
  } catch (e) {
    if (e instanceof KafkaJSNumberOfRetriesExceeded) console.log(e.retryCount, e.retryTime)
    if (e instanceof KafkaJSProtocolError) console.log(e.type, e.code, e.retriable)
    if (e instanceof KafkaJSError) console.log(e.retriable)
  }
  producer.logger().warn('done')
  await producer.disconnect()
  return sent.map((m) => ({ ...m, baseOffset: m.baseOffset ?? '-1' }))
}
`

it('a program typed against kafkajs type-checks against the layer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kw-kafkajs-types-'))
  try {
    writeFileSync(join(dir, 'app.ts'), PROGRAM)
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
          baseUrl: dir,
          paths: { kafkajs: [join(root, 'src/kafkajs/index.ts')] },
        },
        files: ['app.ts'],
      }),
    )
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    let output = ''
    try {
      execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', cwd: dir })
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e)
    }
    expect(output).toBe('')
    // The same program against kafkajs's own declarations (the check is of the program, not a typo in it).
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
          baseUrl: dir,
          paths: { kafkajs: [join(root, 'node_modules/kafkajs/types/index.d.ts')] },
        },
        files: ['app.ts'],
      }),
    )
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', cwd: dir })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 120_000)

// `new Kafka(config)` → kafka-wire's client options (createContext), without a broker.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { compressionName } from '../../../src/kafkajs/compression.js'
import {
  CompressionCodecs,
  CompressionTypes,
  Kafka,
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  type LogEntry,
  logLevel,
} from '../../../src/kafkajs/index.js'
import { createContext } from '../../../src/kafkajs/kafka.js'

function capture() {
  const entries: LogEntry[] = []
  return { entries, logCreator: () => (e: LogEntry) => void entries.push(e) }
}

describe('kafkajs layer: new Kafka(config)', () => {
  afterEach(() => vi.restoreAllMocks())

  it("maps kafkajs's settings onto kafka-wire's common options", async () => {
    const ctx = createContext({
      clientId: 'app',
      brokers: ['a:9092', 'b:9093'],
      connectionTimeout: 2000,
      authenticationTimeout: 3000,
      requestTimeout: 12000,
      retry: { initialRetryTime: 250, maxRetryTime: 5000 },
      ssl: { ca: 'PEM', rejectUnauthorized: false },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    })
    const o = await ctx.clientOptions()
    expect(o).toMatchObject({
      bootstrapServers: ['a:9092', 'b:9093'],
      clientId: 'app',
      requestTimeoutMs: 12000,
      retryBackoffMs: 250,
      retryBackoffMaxMs: 5000,
      socketConnectionSetupTimeoutMs: 5000,
      tls: { ca: 'PEM', rejectUnauthorized: false, verifyHostname: false },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
    })
    expect(ctx.clientId).toBe('app')
    expect((await createContext({ brokers: ['a:1'] }).clientOptions()).clientId).toBe('kafkajs')
    expect((await createContext({ brokers: ['a:1'], ssl: true }).clientOptions()).tls).toBe(true)
    const versions = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' } as const
    expect((await createContext({ brokers: ['a:1'], ssl: versions }).clientOptions()).tls).toEqual(versions)
    const unenforced = await createContext({ brokers: ['a:1'], enforceRequestTimeout: false }).clientOptions()
    expect(unenforced.requestTimeoutMs).toBe(2 ** 31 - 1)
  })

  it('calls a brokers function at every connect, and reports its failure as kafkajs does', async () => {
    let n = 0
    const ctx = createContext({ brokers: async () => [`h${++n}:9092`] })
    expect((await ctx.clientOptions()).bootstrapServers).toEqual(['h1:9092'])
    expect((await ctx.clientOptions()).bootstrapServers).toEqual(['h2:9092'])
    const failing = createContext({
      brokers: () => {
        throw new Error('dns down')
      },
    })
    await expect(failing.clientOptions()).rejects.toThrow(KafkaJSConnectionError)
    await expect(failing.clientOptions()).rejects.toThrow('Failed to connect: "config.brokers" threw: dns down')
  })

  it('oauthbearer: the provider is called for each token', async () => {
    let calls = 0
    const ctx = createContext({
      brokers: ['a:1'],
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: `token-${++calls}` }) },
    })
    const sasl = (await ctx.clientOptions()).sasl as { mechanism: string; token: () => Promise<{ value: string }> }
    expect(sasl.mechanism).toBe('OAUTHBEARER')
    expect(await sasl.token()).toEqual({ value: 'token-1' })
    expect(await sasl.token()).toEqual({ value: 'token-2' })
  })

  it('aws and custom SASL mechanisms are refused at once, saying why', () => {
    const aws = () =>
      new Kafka({
        brokers: ['a:1'],
        sasl: { mechanism: 'aws', authorizationIdentity: 'x', accessKeyId: 'k', secretAccessKey: 's' },
      })
    expect(aws).toThrow(KafkaJSNonRetriableError)
    expect(aws).toThrow(/out of scope/)
    expect(
      () =>
        new Kafka({
          brokers: ['a:1'],
          sasl: { mechanism: 'my-mech', authenticationProvider: () => ({ authenticate: async () => {} }) },
        }),
    ).toThrow(/custom authentication providers are not supported/)
  })

  it('says that socketFactory and unsupported TLS options are not used', () => {
    const { entries, logCreator } = capture()
    new Kafka({
      brokers: ['a:1'],
      logCreator,
      logLevel: logLevel.WARN,
      socketFactory: () => {
        throw new Error('never called')
      },
      ssl: { checkServerIdentity: () => undefined, ca: 'PEM' },
    })
    const warnings = entries.map((e) => [e.label, e.log.message])
    expect(warnings).toContainEqual(['WARN', expect.stringMatching(/socketFactory is not used/)])
    expect(warnings).toContainEqual(['WARN', expect.stringMatching(/ignored: checkServerIdentity/)])
  })

  it('TLS material node:tls cannot use fails connect() at once, naming the option (no handshake is tried)', async () => {
    const kafka = new Kafka({
      brokers: ['127.0.0.1:1'],
      ssl: { ca: ['not a certificate'] },
      logLevel: logLevel.NOTHING,
    })
    const err = await kafka
      .producer()
      .connect()
      .catch((e) => e)
    expect(err).toBeInstanceOf(KafkaJSNonRetriableError)
    expect(err.message).toMatch(/tls\.ca\[0\]: holds no PEM certificate/)
  })

  it("kafka.logger() is the root logger, kafka-wire's own lines go to the client's namespace", async () => {
    const { entries, logCreator } = capture()
    const kafka = new Kafka({ brokers: ['a:1'], logCreator, logLevel: logLevel.DEBUG })
    kafka.logger().info('hello', { x: 1 })
    const ctx = createContext({ brokers: ['a:1'], logCreator, logLevel: logLevel.DEBUG })
    const native = (await ctx.clientOptions('Producer')).logger!
    native.warn('from kafka-wire', { topic: 't' })
    expect(entries.map((e) => [e.namespace, e.label, e.log.message, e.log.x ?? e.log.topic])).toEqual([
      [undefined, 'INFO', 'hello', 1],
      ['Producer', 'WARN', 'from kafka-wire', 't'],
    ])
  })

  it('CompressionCodecs accepts a registration (and kafka-wire keeps its built-in codec)', () => {
    const before = CompressionCodecs[CompressionTypes.Snappy]
    const SnappyCodec = () => ({ compress: async () => Buffer.alloc(0), decompress: async () => Buffer.alloc(0) })
    CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec
    expect(CompressionCodecs[CompressionTypes.Snappy]).toBe(SnappyCodec)
    expect(compressionName(CompressionTypes.Snappy)).toBe('snappy')
    CompressionCodecs[CompressionTypes.Snappy] = before
    expect(compressionName(CompressionTypes.ZSTD)).toBe('zstd')
    expect(compressionName(undefined)).toBe('none')
    expect(compressionName(9)).toBeUndefined()
  })
})

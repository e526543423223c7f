// The Java tools run from the kit's lib dir against the shared broker: topic admin, console
// producer/consumer round trip, the perf tool, SCRAM over SASL_SSL and client certs over MTLS
// with the Java client (which also checks the kit's SASL/TLS broker config end to end).
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { JAVA_TOOLS, javaTool, spawnJavaTool } from '../../../src/testing/index.js'

const libDir = inject('kafkaLibDir')
const servers = inject('kafkaBootstrapServers')
const info = inject('kafkaListeners')

describe.skipIf(!libDir)('Java tools', () => {
  const topic = `smoke-java-${randomUUID().slice(0, 8)}`
  let tmp: string

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'kafka-wire-java-tools-'))
    const r = await javaTool(libDir, JAVA_TOOLS.topicCommand, [
      '--bootstrap-server',
      servers,
      '--create',
      '--topic',
      topic,
      '--partitions',
      '1',
      '--replication-factor',
      '1',
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  }, 60_000)
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })

  it('ConsoleProducer → ConsoleConsumer round trip', async () => {
    const produced = await javaTool(
      libDir,
      JAVA_TOOLS.consoleProducer,
      ['--bootstrap-server', servers, '--topic', topic],
      {
        input: 'one\ntwo\nthree\n',
        timeoutMs: 60_000,
      },
    )
    expect(produced.code).toBe(0)
    const consumed = await javaTool(
      libDir,
      JAVA_TOOLS.consoleConsumer,
      [
        '--bootstrap-server',
        servers,
        '--topic',
        topic,
        '--from-beginning',
        '--max-messages',
        '3',
        '--timeout-ms',
        '30000',
      ],
      { timeoutMs: 60_000 },
    )
    expect(consumed.code).toBe(0)
    expect(consumed.stdout.trim().split('\n')).toEqual(['one', 'two', 'three'])
  })

  it('spawnJavaTool streams ConsoleConsumer output line by line', async () => {
    await using consumer = await spawnJavaTool(libDir, JAVA_TOOLS.consoleConsumer, [
      '--bootstrap-server',
      servers,
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '2',
    ])
    const lines: string[] = []
    for await (const line of consumer.lines()) lines.push(line)
    expect(lines).toEqual(['one', 'two'])
    expect((await consumer.exited).code).toBe(0)
  })

  it('ProducerPerformance runs', async () => {
    const r = await javaTool(libDir, JAVA_TOOLS.producerPerformance, [
      '--topic',
      topic,
      '--num-records',
      '2000',
      '--record-size',
      '100',
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${servers}`,
      'acks=all',
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/2000 records sent/)
  })

  it.skipIf(!info.sasl || !info.tls)('SCRAM users exist and authenticate over SASL_SSL (SCRAM-SHA-512)', async () => {
    const users = await javaTool(libDir, JAVA_TOOLS.configCommand, [
      '--bootstrap-server',
      servers,
      '--describe',
      '--entity-type',
      'users',
    ])
    expect(users.code).toBe(0)
    for (const u of info.sasl!.scramUsers) {
      const line = users.stdout.split('\n').find((l) => l.includes(`'${u.name}'`)) ?? ''
      expect(line).toContain('SCRAM-SHA-256=iterations=4096')
      expect(line).toContain('SCRAM-SHA-512=iterations=4096')
    }
    const alice = info.sasl!.scramUsers[0]!
    const config = path.join(tmp, 'scram.properties')
    await writeFile(
      config,
      [
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${alice.name}" password="${alice.password}";`,
        'ssl.truststore.type=PKCS12',
        `ssl.truststore.location=${info.tls!.truststoreP12}`,
        `ssl.truststore.password=${info.tls!.password}`,
        '',
      ].join('\n'),
    )
    const r = await javaTool(libDir, JAVA_TOOLS.topicCommand, [
      '--bootstrap-server',
      info.listeners.SASL_SSL!.bootstrapServers,
      '--command-config',
      config,
      '--list',
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')).toContain(topic)
  })

  it.skipIf(!info.tls)('the Java client authenticates with the client certificate on MTLS', async () => {
    const config = path.join(tmp, 'mtls.properties')
    await writeFile(
      config,
      [
        'security.protocol=SSL',
        'ssl.truststore.type=PKCS12',
        `ssl.truststore.location=${info.tls!.truststoreP12}`,
        `ssl.truststore.password=${info.tls!.password}`,
        'ssl.keystore.type=PKCS12',
        `ssl.keystore.location=${info.tls!.clientP12}`,
        `ssl.keystore.password=${info.tls!.password}`,
        `ssl.key.password=${info.tls!.password}`,
        '',
      ].join('\n'),
    )
    const r = await javaTool(libDir, JAVA_TOOLS.topicCommand, [
      '--bootstrap-server',
      info.listeners.MTLS!.bootstrapServers,
      '--command-config',
      config,
      '--list',
    ])
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')).toContain(topic)
  })
})

// Unit tests of the test kit's pure parts: broker config generation, properties rendering,
// SCRAM format arguments, versions, provider selection, the lock file and port picking.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { brokerJvmArgs } from '../../../src/testing/config.js'
import { externalCluster } from '../../../src/testing/external-provider.js'
import {
  BROKER_LOG4J2_PROPERTIES,
  DEFAULT_KAFKA_VERSION,
  kafkaUuid,
  listenerNamesFor,
  log4j2VersionFor,
  nodeConfig,
  parseProperties,
  pickFreePorts,
  READY_LINE,
  renderProperties,
  resolveKafkaVersion,
  scramFormatArgs,
  selectProvider,
} from '../../../src/testing/index.js'
import { withFileLock } from '../../../src/testing/lock.js'

const ports = (base: number) => ({
  PLAINTEXT: base,
  SASL_PLAINTEXT: base + 1,
  SSL: base + 2,
  SASL_SSL: base + 3,
  MTLS: base + 4,
  CONTROLLER: base + 5,
})

describe('listenerNamesFor', () => {
  it('always has PLAINTEXT, adds MTLS with TLS, keeps a fixed order', () => {
    expect(listenerNamesFor()).toEqual(['PLAINTEXT'])
    expect(listenerNamesFor(['SASL_PLAINTEXT'])).toEqual(['PLAINTEXT', 'SASL_PLAINTEXT'])
    expect(listenerNamesFor(['SASL_SSL', 'PLAINTEXT', 'SSL', 'SASL_PLAINTEXT'])).toEqual([
      'PLAINTEXT',
      'SASL_PLAINTEXT',
      'SSL',
      'SASL_SSL',
      'MTLS',
    ])
    expect(() => listenerNamesFor(['BOGUS' as never])).toThrow(/unknown listener/)
  })
})

describe('nodeConfig', () => {
  it('single node: RECIPE §3(a) settings on the given ports', () => {
    const c = nodeConfig(
      { host: '127.0.0.1', nodes: [{ nodeId: 1, ports: ports(10000), dataDir: '/d/1' }], listeners: ['PLAINTEXT'] },
      1,
    )
    expect(c['process.roles']).toBe('broker,controller')
    expect(c['node.id']).toBe('1')
    expect(c['controller.quorum.voters']).toBe('1@127.0.0.1:10005')
    expect(c['listeners']).toBe('PLAINTEXT://127.0.0.1:10000,CONTROLLER://127.0.0.1:10005')
    expect(c['advertised.listeners']).toBe('PLAINTEXT://127.0.0.1:10000')
    expect(c['listener.security.protocol.map']).toBe('PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT')
    expect(c['controller.listener.names']).toBe('CONTROLLER')
    expect(c['inter.broker.listener.name']).toBe('PLAINTEXT')
    expect(c['log.dirs']).toBe('/d/1')
    expect(c['auto.create.topics.enable']).toBe('false')
    expect(c['offsets.topic.replication.factor']).toBe('1')
    expect(c['transaction.state.log.replication.factor']).toBe('1')
    expect(c['share.coordinator.state.topic.replication.factor']).toBe('1')
    expect(c['group.initial.rebalance.delay.ms']).toBe('0')
    expect(c['group.min.session.timeout.ms']).toBe('1000')
    expect(c['log.cleaner.dedupe.buffer.size']).toBe('2097152')
    expect(c['sasl.enabled.mechanisms']).toBeUndefined()
    expect(c['ssl.keystore.location']).toBeUndefined()
  })

  it('three nodes: shared voters, per-node ports and dirs, replicated internal topics, fast fencing', () => {
    const nodes = [1, 2, 3].map((id) => ({ nodeId: id, ports: ports(id * 10000), dataDir: `/d/${id}` }))
    const spec = { host: '127.0.0.1', nodes, listeners: ['PLAINTEXT'] as const }
    const c2 = nodeConfig(spec, 2)
    expect(c2['node.id']).toBe('2')
    expect(c2['controller.quorum.voters']).toBe('1@127.0.0.1:10005,2@127.0.0.1:20005,3@127.0.0.1:30005')
    expect(c2['listeners']).toBe('PLAINTEXT://127.0.0.1:20000,CONTROLLER://127.0.0.1:20005')
    expect(c2['log.dirs']).toBe('/d/2')
    expect(c2['default.replication.factor']).toBe('3')
    expect(c2['min.insync.replicas']).toBe('2')
    expect(c2['offsets.topic.replication.factor']).toBe('3')
    expect(c2['broker.session.timeout.ms']).toBe('3000')
    const c1 = nodeConfig(spec, 1)
    const differing = Object.keys(c1).filter((k) => c1[k] !== c2[k])
    expect(differing.sort()).toEqual(['advertised.listeners', 'listeners', 'log.dirs', 'node.id'])
    expect(() => nodeConfig(spec, 4)).toThrow(/no node 4/)
  })

  it('SASL and TLS listeners: JAAS per listener and mechanism, keystores, MTLS client auth', () => {
    const c = nodeConfig(
      {
        host: '127.0.0.1',
        nodes: [{ nodeId: 1, ports: ports(10000), dataDir: '/d/1' }],
        listeners: listenerNamesFor(['PLAINTEXT', 'SASL_PLAINTEXT', 'SSL', 'SASL_SSL']),
        tls: { keystore: '/t/broker.p12', truststore: '/t/truststore.p12', password: 'changeit' },
      },
      1,
    )
    expect(c['listener.security.protocol.map']).toBe(
      'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,MTLS:SSL,CONTROLLER:PLAINTEXT',
    )
    expect(c['advertised.listeners']).toBe(
      'PLAINTEXT://127.0.0.1:10000,SASL_PLAINTEXT://127.0.0.1:10001,SSL://127.0.0.1:10002,SASL_SSL://127.0.0.1:10003,MTLS://127.0.0.1:10004',
    )
    expect(c['sasl.enabled.mechanisms']).toBe('PLAIN,SCRAM-SHA-256,SCRAM-SHA-512')
    for (const l of ['sasl_plaintext', 'sasl_ssl']) {
      expect(c[`listener.name.${l}.plain.sasl.jaas.config`]).toBe(
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret";',
      )
      expect(c[`listener.name.${l}.scram-sha-256.sasl.jaas.config`]).toMatch(/ScramLoginModule required;$/)
      expect(c[`listener.name.${l}.scram-sha-512.sasl.jaas.config`]).toMatch(/ScramLoginModule required;$/)
    }
    expect(c['ssl.keystore.location']).toBe('/t/broker.p12')
    expect(c['ssl.truststore.location']).toBe('/t/truststore.p12')
    expect(c['ssl.client.auth']).toBe('none')
    expect(c['listener.name.mtls.ssl.client.auth']).toBe('required')
  })

  it('brokerConfig is merged last', () => {
    const c = nodeConfig(
      {
        host: '127.0.0.1',
        nodes: [{ nodeId: 1, ports: ports(10000), dataDir: '/d/1' }],
        listeners: ['PLAINTEXT'],
        brokerConfig: { 'auto.create.topics.enable': 'true', 'num.partitions': '7', 'message.max.bytes': '2000000' },
      },
      1,
    )
    expect(c['auto.create.topics.enable']).toBe('true')
    expect(c['num.partitions']).toBe('7')
    expect(c['message.max.bytes']).toBe('2000000')
  })

  it('refuses TLS listeners without TLS material and odd user names', () => {
    const base = { host: '127.0.0.1', nodes: [{ nodeId: 1, ports: ports(10000), dataDir: '/d' }] }
    expect(() => nodeConfig({ ...base, listeners: listenerNamesFor(['SSL']) }, 1)).toThrow(/TLS material/)
    expect(() =>
      nodeConfig(
        { ...base, listeners: ['PLAINTEXT', 'SASL_PLAINTEXT'], plainUsers: [{ name: 'a b', password: 'x' }] },
        1,
      ),
    ).toThrow(/invalid PLAIN user/)
  })
})

describe('properties files', () => {
  it('round-trips values with separators, escapes and non-ASCII', () => {
    const props = {
      'a.b': 'x=y:z',
      'jaas.config': 'org.Foo required user_a="p w";',
      path: 'C:\\dir\\file',
      unicode: 'héllo ☃',
      lead: ' leading space',
    }
    const text = renderProperties(props, 'header line')
    expect(text.startsWith('# header line\n')).toBe(true)
    expect(text).toContain('path=C:\\\\dir\\\\file')
    expect(text).toContain('unicode=h\\u00e9llo \\u2603')
    expect(parseProperties(text)).toEqual(props)
  })

  it('log4j2 config keeps the readiness line at INFO', () => {
    expect(READY_LINE).toBe('Kafka Server started')
    expect(BROKER_LOG4J2_PROPERTIES).toMatch(/logger\.raftserver\.name = kafka\.server\.KafkaRaftServer/)
    expect(BROKER_LOG4J2_PROPERTIES).toMatch(/logger\.raftserver\.level = INFO/)
  })
})

describe('scramFormatArgs and ids', () => {
  it('adds SHA-256 and SHA-512 credentials per user', () => {
    expect(scramFormatArgs([{ name: 'alice', password: 'alice-secret' }])).toEqual([
      '--add-scram',
      'SCRAM-SHA-256=[name="alice",password="alice-secret"]',
      '--add-scram',
      'SCRAM-SHA-512=[name="alice",password="alice-secret"]',
    ])
    expect(() => scramFormatArgs([{ name: 'x', password: 'a"b' }])).toThrow()
  })

  it('makes Kafka Uuids: 22 base64url chars, never a leading dash', () => {
    for (let i = 0; i < 200; i++) expect(kafkaUuid()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/)
    expect(kafkaUuid(new Uint8Array(16).fill(0xfb))).toMatch(/^A/)
  })
})

describe('versions', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('pins a 4.x release with a known log4j2 version', () => {
    expect(DEFAULT_KAFKA_VERSION).toMatch(/^4\.\d+\.\d+$/)
    expect(log4j2VersionFor(DEFAULT_KAFKA_VERSION)).toMatch(/^2\.\d+\.\d+$/)
    expect(log4j2VersionFor('4.1.0')).toBe('2.24.3')
    expect(log4j2VersionFor('4.4.0')).toBe('2.25.5')
  })

  it('reads KAFKA_VERSION and KAFKA_LOG4J2_VERSION', () => {
    vi.stubEnv('KAFKA_VERSION', '4.2.1')
    expect(resolveKafkaVersion()).toBe('4.2.1')
    expect(resolveKafkaVersion('4.0.0')).toBe('4.0.0')
    vi.stubEnv('KAFKA_LOG4J2_VERSION', '2.99.0')
    expect(log4j2VersionFor('4.2.1')).toBe('2.99.0')
    expect(() => resolveKafkaVersion('latest; rm -rf /')).toThrow(/invalid Kafka version/)
  })
})

describe('selectProvider', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('KAFKA_BOOTSTRAP_SERVERS wins in auto mode, explicit providers win over everything', async () => {
    vi.stubEnv('KAFKA_BOOTSTRAP_SERVERS', 'broker:9092')
    vi.stubEnv('KAFKA_PROVIDER', 'testcontainers')
    expect(await selectProvider()).toBe('external')
    expect(await selectProvider({ provider: 'jvm' })).toBe('jvm')
    vi.stubEnv('KAFKA_BOOTSTRAP_SERVERS', '')
    expect(await selectProvider()).toBe('testcontainers')
    vi.stubEnv('KAFKA_PROVIDER', 'nonsense')
    await expect(selectProvider()).rejects.toThrow(/KAFKA_PROVIDER/)
  })

  it('falls back to the JVM provider when no Docker engine answers', async () => {
    vi.stubEnv('KAFKA_BOOTSTRAP_SERVERS', '')
    vi.stubEnv('KAFKA_PROVIDER', '')
    vi.stubEnv('DOCKER_HOST', 'unix:///nonexistent/docker.sock')
    expect(await selectProvider()).toBe('jvm')
    // 3 nodes never go to testcontainers
    expect(await selectProvider({ nodes: 3 })).toBe('jvm')
  })
})

describe('withFileLock', () => {
  it('serialises concurrent holders and takes over a lock whose owner pid is dead', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kafka-wire-lock-test-'))
    try {
      const lock = path.join(dir, 'x.lock')
      let inside = 0
      let maxInside = 0
      await Promise.all(
        Array.from({ length: 5 }, () =>
          withFileLock(lock, async () => {
            inside++
            maxInside = Math.max(maxInside, inside)
            await new Promise((r) => setTimeout(r, 30))
            inside--
          }),
        ),
      )
      expect(maxInside).toBe(1)
      // A lock left by a process that no longer exists.
      await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), at: Date.now() }))
      const t = Date.now()
      expect(await withFileLock(lock, async () => 'took it')).toBe('took it')
      expect(Date.now() - t).toBeLessThan(2_000)
      await expect(readFile(lock)).rejects.toThrow()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('pickFreePorts', () => {
  it('returns distinct bindable ports', async () => {
    const picked = await pickFreePorts(12)
    expect(new Set(picked).size).toBe(12)
    for (const p of picked) {
      const server = net.createServer()
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(p, '127.0.0.1', () => resolve())
      })
      await new Promise((r) => server.close(r))
    }
    // never the same port twice in one process
    const again = await pickFreePorts(12)
    expect(again.filter((p) => picked.includes(p))).toEqual([])
  })
})

describe('class-data sharing', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('keeps one archive per lib dir and Java, next to the lib dir; off with KAFKA_WIRE_CDS=0', async () => {
    const { cdsArchivePath, cdsClaimTraining, cdsReleaseTraining, cdsUseArgs } = await import(
      '../../../src/testing/cds.js'
    )
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kafka-wire-cds-test-'))
    try {
      const libDir = path.join(dir, 'libs-4.3.1')
      expect(cdsArchivePath(libDir)).toMatch(new RegExp(`^${libDir.replace(/[.]/g, '\\.')}\\.[0-9a-f]{10}\\.jsa$`))
      expect(cdsUseArgs(libDir)).toEqual([])
      // Only one training JVM per archive and process.
      expect(cdsClaimTraining(libDir)).toEqual(['-XX:+RecordDynamicDumpInfo'])
      expect(cdsClaimTraining(libDir)).toBeUndefined()
      cdsReleaseTraining(libDir)
      await writeFile(cdsArchivePath(libDir), 'x')
      expect(cdsUseArgs(libDir)).toEqual([`-XX:SharedArchiveFile=${cdsArchivePath(libDir)}`])
      expect(cdsClaimTraining(libDir)).toBeUndefined()
      vi.stubEnv('KAFKA_WIRE_CDS', '0')
      expect(cdsUseArgs(libDir)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('classpath (broker plugins)', () => {
  it("goes after Kafka's jars on the broker's -cp", () => {
    const args = brokerJvmArgs({
      heapMb: 256,
      log4j2Path: '/n/log4j2.properties',
      libDir: '/l',
      configPath: '/n/s',
      classpath: ['/plugins/recorder', '/plugins/x.jar'],
    })
    expect(args[args.indexOf('-cp') + 1]).toBe(['/l/*', '/plugins/recorder', '/plugins/x.jar'].join(path.delimiter))
    expect(args.slice(-2)).toEqual(['kafka.Kafka', '/n/s'])
  })

  it('needs the JVM provider: with it, auto picks the JVM; the external provider refuses it', async () => {
    const saved = { servers: process.env.KAFKA_BOOTSTRAP_SERVERS, provider: process.env.KAFKA_PROVIDER }
    delete process.env.KAFKA_BOOTSTRAP_SERVERS
    delete process.env.KAFKA_PROVIDER
    try {
      expect(await selectProvider({ classpath: ['/x'] })).toBe('jvm')
    } finally {
      if (saved.servers !== undefined) process.env.KAFKA_BOOTSTRAP_SERVERS = saved.servers
      if (saved.provider !== undefined) process.env.KAFKA_PROVIDER = saved.provider
    }
    expect(() => externalCluster('127.0.0.1:9092', { classpath: ['/x'] })).toThrow(/classpath.*external cluster/)
  })
})

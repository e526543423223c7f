// KIP-714 client telemetry against a broker of our own: the test kit compiles its telemetry
// recorder (a ClientTelemetryExporterProvider, src/testing/telemetry-recorder.ts) and puts it on
// the broker's classpath as a metrics reporter; a client-metrics subscription is configured with
// kafka-wire's Admin. The recorder decodes each push with Kafka's own OTLP classes, so these tests
// check what the broker really received: the subscribed metric names only, at the subscription's
// interval, and the terminating push on close.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Cluster, resolveCommonOptions } from '../../../src/cluster/index.js'
import { ClientTelemetryReporter, type Metric } from '../../../src/cluster/telemetry/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { Producer } from '../../../src/producer/index.js'
import { ShareConsumer } from '../../../src/share/index.js'
import {
  buildTelemetryRecorder,
  type KafkaCluster,
  type RecordedTelemetryPush,
  readTelemetryPushes,
  startKafka,
} from '../../../src/testing/index.js'
import { waitFor } from './helpers.js'

const enabled = process.env.KAFKA_WIRE_SKIP_OWN_BROKER !== '1'
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

describe.skipIf(!enabled)('KIP-714 client telemetry (a broker with a telemetry receiver)', () => {
  let kafka: KafkaCluster | undefined
  let dir = ''
  let file = ''
  let bootstrapServers = ''

  const pushesOf = (clientId: string): RecordedTelemetryPush[] =>
    readTelemetryPushes(file).filter((p) => p.clientId === clientId)

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kw-telemetry-'))
    file = path.join(dir, 'pushes.jsonl')
    const recorder = await buildTelemetryRecorder()
    kafka = await startKafka({
      provider: 'jvm',
      classpath: [recorder.classpath],
      brokerConfig: { ...recorder.brokerConfig(file), 'offsets.topic.num.partitions': '1' },
    })
    bootstrapServers = kafka.bootstrapServers
    const admin = new Admin({ bootstrapServers, enableMetricsPush: false })
    try {
      // Every client (no `match`) is asked for the producer's and the consumer's metrics, every second.
      await admin.incrementalAlterConfigs([
        {
          type: 'client-metrics',
          name: 'kafka-wire-test',
          ops: [
            { name: 'metrics', value: 'org.apache.kafka.producer.,org.apache.kafka.consumer.' },
            { name: 'interval.ms', value: '1000' },
          ],
        },
      ])
      await admin.createTopics([{ topic: 'telemetry-topic', numPartitions: 1, replicationFactor: 1 }])
    } finally {
      await admin.close()
    }
  }, 300_000)

  afterAll(async () => {
    await kafka?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 120_000)

  it('a producer pushes the subscribed metrics every interval, then the terminating push on close', async () => {
    const clientId = 'kw-telemetry-producer'
    const producer = new Producer({ bootstrapServers, clientId })
    let instanceId: string | null = null
    try {
      // Java's clientInstanceId(timeout): before any send, the producer bootstraps to ask for it.
      instanceId = await producer.clientInstanceId(30_000)
      await producer.send({ topic: 'telemetry-topic', value: 'x' })
      await waitFor(() => pushesOf(clientId).length >= 2, 60_000, 'two pushes from the producer')
    } finally {
      await producer.close({ timeoutMs: 10_000 })
    }
    const pushes = pushesOf(clientId)
    for (const p of pushes) expect(p.error).toBeUndefined()
    // One client instance id, assigned by the broker, on every push.
    expect(new Set(pushes.map((p) => p.clientInstanceId)).size).toBe(1)
    expect(pushes[0]!.clientInstanceId).not.toBe(ZERO_UUID)
    expect(instanceId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(instanceId).toBe(pushes[0]!.clientInstanceId)
    expect(pushes[0]!.pushIntervalMs).toBe(1000)
    // Only the subscribed prefixes (not app-info's start-time-ms, say), with the producer's connection-count.
    const names = new Set(pushes.flatMap((p) => p.metrics!.map((m) => m.name)))
    for (const n of names) expect(n).toMatch(/^org\.apache\.kafka\.producer\./)
    const count = pushes[0]!.metrics!.find((m) => m.name === 'org.apache.kafka.producer.connection.count')!
    expect(count.type).toBe('gauge')
    expect(count.value).toBeGreaterThanOrEqual(1)
    // client_id is the broker's to add: it is not an attribute of the data point.
    expect(count.attributes).toEqual({})
    // The last push is the terminating one, and only the last.
    expect(pushes.map((p) => p.terminating)).toEqual([...pushes.slice(1).map(() => false), true])
  })

  it('a consumer pushes its metrics and terminates on close; an Admin with enableMetricsPush false never pushes', async () => {
    const clientId = 'kw-telemetry-consumer'
    const silentId = 'kw-telemetry-silent-admin'
    const silent = new Admin({ bootstrapServers, clientId: silentId, enableMetricsPush: false })
    const consumer = new Consumer({ bootstrapServers, clientId, groupId: 'kw-telemetry-group' })
    try {
      await silent.describeCluster()
      consumer.assign([{ topic: 'telemetry-topic', partition: 0 }])
      await consumer.poll(100)
      // Three pushes: the silent admin, bootstrapped before the consumer, would have pushed by the
      // consumer's second (the first push comes 0.5–1.5 intervals after the subscription).
      await waitFor(() => pushesOf(clientId).length >= 3, 60_000, 'three pushes from the consumer')
    } finally {
      await consumer.close({ timeoutMs: 10_000 })
      await silent.close()
    }
    const pushes = pushesOf(clientId)
    expect(pushes.at(-1)!.terminating).toBe(true)
    const names = new Set(pushes.flatMap((p) => p.metrics!.map((m) => m.name)))
    for (const n of names) expect(n).toMatch(/^org\.apache\.kafka\.consumer\./)
    expect(names).toContain('org.apache.kafka.consumer.connection.count')
    // The consumer's group is a resource attribute, as the Java client sets it.
    expect(pushes[0]!.resource).toEqual({ group_id: 'kw-telemetry-group' })
    expect(pushesOf(silentId)).toEqual([])
    await expect(silent.clientInstanceId(1000)).rejects.toThrow(/enableMetricsPush/)
  })

  it('a share consumer pushes too, with its group as the resource', async () => {
    const clientId = 'kw-telemetry-share-consumer'
    const consumer = new ShareConsumer({ bootstrapServers, clientId, groupId: 'kw-telemetry-share-group' })
    try {
      consumer.subscribe(['telemetry-topic'])
      await waitFor(
        async () => {
          await consumer.poll(200)
          return pushesOf(clientId).length >= 2
        },
        60_000,
        'two pushes from the share consumer',
      )
    } finally {
      await consumer.close(10_000)
    }
    const pushes = pushesOf(clientId)
    expect(pushes.at(-1)!.terminating).toBe(true)
    expect(pushes[0]!.resource).toEqual({ group_id: 'kw-telemetry-share-group' })
    expect(pushes[0]!.metrics!.length).toBeGreaterThan(0)
    for (const m of pushes[0]!.metrics!) expect(m.name).toMatch(/^org\.apache\.kafka\.consumer\./)
    // Its own metrics() (Java's share consumer names), not only the connection count.
    const names = new Set(pushes.flatMap((p) => p.metrics!.map((m) => m.name)))
    expect(names).toContain('org.apache.kafka.consumer.share.fetch.manager.fetch.total')
    expect(names).toContain('org.apache.kafka.consumer.share.coordinator.heartbeat.total')
  })

  it('sums go as the broker asks (Kafka brokers ask for delta temporality): the change since the last push', async () => {
    const clientId = 'kw-telemetry-sums'
    const debug: string[] = []
    const logger = { info() {}, warn() {}, error() {}, debug: (m: string) => debug.push(m) }
    const cluster = new Cluster(resolveCommonOptions({ bootstrapServers, clientId, logger, logLevel: 'debug' }))
    let total = 0
    // A counter that grows by 10 between reads, and a tag that becomes an attribute.
    const source = (): Metric[] => [
      {
        name: 'record-send-total',
        group: 'producer-metrics',
        tags: { 'client-id': clientId, topic: 'orders' },
        description: 'The total number of records sent.',
        value: (total += 10),
        type: 'sum',
      },
    ]
    let reporter: ClientTelemetryReporter | undefined
    try {
      await cluster.connect()
      reporter = new ClientTelemetryReporter(cluster, { source })
      await waitFor(() => pushesOf(clientId).length >= 3, 60_000, 'three pushes')
      await reporter.close(Date.now() + 10_000)
    } finally {
      await cluster.close()
    }
    const sums = pushesOf(clientId).map((p) => p.metrics![0]!)
    for (const m of sums) {
      expect(m).toMatchObject({
        name: 'org.apache.kafka.producer.record.send.total',
        type: 'sum',
        temporality: 'AGGREGATION_TEMPORALITY_DELTA',
        monotonic: true,
        value: 10,
        attributes: { topic: 'orders' },
      })
    }
    // Compressed with the broker's first choice installed here (zstd, lz4, gzip, snappy), which it took.
    const pushLines = debug.filter((m) => m.startsWith('kafka-wire telemetry: push ('))
    expect(pushLines.length).toBeGreaterThan(0)
    for (const m of pushLines) expect(m).toMatch(/ compression=(zstd|lz4|gzip|snappy)\)$/)
    // Each delta covers the interval since the previous push.
    for (let i = 1; i < sums.length; i++) expect(sums[i]!.startTimeUnixNano).toBe(sums[i - 1]!.timeUnixNano)
  })

  it('a changed subscription: the broker refuses the old one (UNKNOWN_SUBSCRIPTION_ID), the client fetches the new one', async () => {
    const clientId = 'kw-telemetry-resubscribe'
    const admin = new Admin({ bootstrapServers, enableMetricsPush: false })
    const cluster = new Cluster(resolveCommonOptions({ bootstrapServers, clientId }))
    const gauge = (group: string, name: string): Metric => ({
      name,
      group,
      tags: {},
      description: '',
      value: 1,
      type: 'gauge',
    })
    const source = () => [gauge('producer-metrics', 'connection-count'), gauge('app-info', 'start-time-ms')]
    const names = (p: RecordedTelemetryPush) => p.metrics!.map((m) => m.name)
    let reporter: ClientTelemetryReporter | undefined
    try {
      await cluster.connect()
      reporter = new ClientTelemetryReporter(cluster, { source })
      await waitFor(() => pushesOf(clientId).length >= 1, 60_000, 'a push')
      expect(names(pushesOf(clientId)[0]!)).toEqual(['org.apache.kafka.producer.connection.count'])
      // A second subscription for this client only: the broker merges it with the first one.
      await admin.incrementalAlterConfigs([
        {
          type: 'client-metrics',
          name: 'kafka-wire-test-app-info',
          ops: [
            { name: 'metrics', value: 'org.apache.kafka.app.info.' },
            { name: 'interval.ms', value: '1000' },
            { name: 'match', value: `client_id=${clientId}` },
          ],
        },
      ])
      await waitFor(
        () => pushesOf(clientId).some((p) => names(p).includes('org.apache.kafka.app.info.start.time.ms')),
        60_000,
        'a push under the new subscription',
      )
      await reporter.close(Date.now() + 10_000)
    } finally {
      await cluster.close()
      await admin.close()
    }
    const pushes = pushesOf(clientId)
    // One client instance throughout: the client re-subscribed as itself.
    expect(new Set(pushes.map((p) => p.clientInstanceId)).size).toBe(1)
    expect(names(pushes.at(-1)!).sort()).toEqual([
      'org.apache.kafka.app.info.start.time.ms',
      'org.apache.kafka.producer.connection.count',
    ])
  })

  it('an Admin pushes its metrics (admin-client-metrics) and terminates on close', async () => {
    const clientId = 'kw-telemetry-admin'
    const admin = new Admin({ bootstrapServers, enableMetricsPush: false })
    try {
      await admin.incrementalAlterConfigs([
        {
          type: 'client-metrics',
          name: 'kafka-wire-test-admin',
          ops: [
            { name: 'metrics', value: 'org.apache.kafka.admin.client.' },
            { name: 'interval.ms', value: '1000' },
            { name: 'match', value: `client_id=${clientId}` },
          ],
        },
      ])
    } finally {
      await admin.close()
    }
    const pushing = new Admin({ bootstrapServers, clientId })
    try {
      await pushing.describeCluster()
      await waitFor(() => pushesOf(clientId).length >= 2, 60_000, 'two pushes from the admin')
    } finally {
      await pushing.close({ timeoutMs: 10_000 })
    }
    const pushes = pushesOf(clientId)
    expect(pushes.at(-1)!.terminating).toBe(true)
    for (const p of pushes) for (const m of p.metrics!) expect(m.name).toMatch(/^org\.apache\.kafka\.admin\.client\./)
    expect(pushes[0]!.metrics!.map((m) => m.name)).toContain('org.apache.kafka.admin.client.connection.count')
  })
})

// Direct tests (not differential: connections are not part of kafkajs's API): the layer's consumer and the
// native Consumer its run() builds share one Cluster (SHARED_CLUSTER, cluster/shared.ts), so a consumer
// bootstraps once; a Consumer that borrows a cluster binds its metrics to it and leaves it open on close.
import { afterEach, describe, expect, inject, it } from 'vitest'
import { resolveCommonOptions, SharedCluster } from '../../../src/cluster/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { SHARED_CLUSTER } from '../../../src/internal/seams.js'
import { Kafka } from '../../../src/kafkajs/index.js'
import { createTopic, RawProducer, uniqueName, values } from '../consumer/helpers.js'
import { recordConnections } from './connections.js'
import { until } from './consumer-helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function fill(topic: string, n: number): Promise<void> {
  await createTopic(bootstrapServers, topic, 1)
  const producer = new RawProducer(bootstrapServers)
  try {
    await producer.send(topic, 0, values('m', n))
  } finally {
    await producer.close()
  }
}

describe('kafkajs layer: one cluster per consumer', () => {
  it('connect, subscribe and run() bootstrap once: each connection is opened once', async () => {
    const topic = uniqueName('kjs-cluster')
    await fill(topic, 3)
    const clientId = uniqueName('kjs-cluster-client')
    const connections = recordConnections(clientId)
    cleanups.push(connections.stop)
    const consumer = new Kafka({ brokers: [bootstrapServers], clientId, logLevel: 0 }).consumer({
      groupId: uniqueName('kjs-cluster'),
      maxWaitTimeInMs: 200,
    })
    cleanups.push(() => consumer.disconnect())
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const seen: string[] = []
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) })
    expect(await until(() => seen.length === 3)).toBe(true)
    // One bootstrap connection (node -1) in all, and no node/workload connection opened twice: the native
    // Consumer borrowed the cluster connect() had bootstrapped instead of bootstrapping its own.
    expect(connections.opened.filter((c) => c.startsWith('-1/'))).toHaveLength(1)
    expect(new Set(connections.opened).size).toBe(connections.opened.length)
    expect(connections.opened.some((c) => c.endsWith('/fetch'))).toBe(true)
  })

  it('a RegExp subscription and describeGroup() ask through the same cluster: still one bootstrap', async () => {
    const topic = uniqueName('kjs-cluster-re')
    await fill(topic, 2)
    const clientId = uniqueName('kjs-cluster-re-client')
    const connections = recordConnections(clientId)
    cleanups.push(connections.stop)
    const groupId = uniqueName('kjs-cluster-re')
    const consumer = new Kafka({ brokers: [bootstrapServers], clientId, logLevel: 0 }).consumer({
      groupId,
      maxWaitTimeInMs: 200,
    })
    cleanups.push(() => consumer.disconnect())
    await consumer.connect()
    await consumer.subscribe({ topics: [new RegExp(`^${topic}$`)], fromBeginning: true })
    const seen: string[] = []
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) })
    expect(await until(() => seen.length === 2)).toBe(true)
    const running = await consumer.describeGroup()
    expect([running.groupId, running.state, running.members.length]).toEqual([groupId, 'Stable', 1])
    // The topic list and the group description came through the consumer's cluster, not an Admin's own.
    expect(connections.opened.filter((c) => c.startsWith('-1/'))).toHaveLength(1)
    expect(new Set(connections.opened).size).toBe(connections.opened.length)
    // stop() closes that cluster; describeGroup() then asks through the next one.
    await consumer.stop()
    const stopped = await consumer.describeGroup()
    expect([stopped.state, stopped.members.length]).toEqual(['Empty', 0])
  })

  it('a Consumer that borrows a cluster counts its own connections and leaves the cluster open on close', async () => {
    const topic = uniqueName('kjs-borrow')
    await fill(topic, 2)
    const shared = new SharedCluster(resolveCommonOptions({ bootstrapServers }))
    cleanups.push(() => shared.cluster.close())
    await shared.cluster.connect() // opened before the borrower: not its to count
    await shared.cluster.refreshMetadata({ topics: [topic] })
    const consumer = new Consumer({
      bootstrapServers,
      groupId: uniqueName('kjs-borrow'),
      autoOffsetReset: 'earliest',
      [SHARED_CLUSTER]: shared,
    } as ConstructorParameters<typeof Consumer>[0])
    consumer.subscribe([topic])
    let records = 0
    const deadline = Date.now() + 20000
    while (records < 2 && Date.now() < deadline) records += (await consumer.poll(500)).count
    expect(records).toBe(2)
    const metric = (name: string) =>
      consumer.metrics().find((m) => m.name === name && m.group === 'consumer-metrics')?.value
    // The fetch and group connections were opened while it held the cluster; requests went through them.
    expect(metric('connection-creation-total')).toBeGreaterThanOrEqual(2)
    expect(metric('connection-count')).toBe(metric('connection-creation-total'))
    expect(metric('request-total')).toBeGreaterThan(0)
    await consumer.close()
    expect(shared.cluster.closed).toBe(false)
    await shared.cluster.refreshMetadata({ topics: [topic] }) // still usable by its owner
    expect(shared.cluster.topic(topic)?.errorCode).toBe(0)
    await shared.cluster.close()
    // Unbound at close: the connections closing now are not counted against it.
    expect(metric('connection-count')).toBe(metric('connection-creation-total'))
  })
})

// Direct tests (not differential: connections are not part of kafkajs's API): the layer's producer and
// the native Producers it makes (one per acks/compression pair) share one Cluster (SHARED_CLUSTER,
// cluster/shared.ts), so a producer bootstraps once; a Producer that borrows a cluster binds its metrics
// to it and leaves it open on close, for the owner and the other borrowers.
import { afterEach, describe, expect, inject, it } from 'vitest'
import { resolveCommonOptions, SharedCluster } from '../../../src/cluster/index.js'
import { SHARED_CLUSTER } from '../../../src/internal/seams.js'
import { CompressionTypes, Kafka } from '../../../src/kafkajs/index.js'
import { Producer } from '../../../src/producer/index.js'
import { createTopic, uniqueName } from '../consumer/helpers.js'
import { recordConnections } from './connections.js'

const bootstrapServers = inject('kafkaBootstrapServers')

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('kafkajs layer: one cluster per producer', () => {
  it('sends with two acks settings and a codec (three native Producers) bootstrap once', async () => {
    const topic = uniqueName('kjs-pcluster')
    await createTopic(bootstrapServers, topic, 1)
    const clientId = uniqueName('kjs-pcluster-client')
    const connections = recordConnections(clientId)
    cleanups.push(connections.stop)
    const producer = new Kafka({ brokers: [bootstrapServers], clientId, logLevel: 0 }).producer()
    cleanups.push(() => producer.disconnect())
    await producer.connect()
    await producer.send({ topic, messages: [{ value: 'a' }] })
    await producer.send({ topic, acks: 1, messages: [{ value: 'b' }] })
    const [meta] = await producer.send({ topic, compression: CompressionTypes.GZIP, messages: [{ value: 'c' }] })
    expect(meta?.baseOffset).toBe('2')
    // One bootstrap connection (node -1) in all, and no node/workload connection opened twice.
    expect(connections.opened.filter((c) => c.startsWith('-1/'))).toHaveLength(1)
    expect(new Set(connections.opened).size).toBe(connections.opened.length)
    expect(connections.opened.some((c) => c.endsWith('/produce'))).toBe(true)
  })

  it('Producers that borrow a cluster count their requests, and one closing leaves it open for the rest', async () => {
    const topic = uniqueName('kjs-pborrow')
    await createTopic(bootstrapServers, topic, 1)
    const clientId = uniqueName('kjs-pborrow-client')
    const connections = recordConnections(clientId)
    cleanups.push(connections.stop)
    const shared = new SharedCluster(resolveCommonOptions({ bootstrapServers, clientId }))
    cleanups.push(() => shared.cluster.close())
    await shared.cluster.connect()
    const borrower = () =>
      new Producer({ bootstrapServers, clientId, lingerMs: 0, [SHARED_CLUSTER]: shared } as ConstructorParameters<
        typeof Producer
      >[0])
    const first = borrower()
    const second = borrower()
    cleanups.push(() => second.close())
    await first.send({ topic, value: 'a' })
    await second.send({ topic, value: 'b' })
    const requests = (p: Producer) =>
      p.metrics().find((m) => m.name === 'request-total' && m.group === 'producer-metrics')?.value
    expect(requests(first)).toBeGreaterThan(0)
    expect(requests(second)).toBeGreaterThan(0)
    await first.close()
    expect(shared.cluster.closed).toBe(false)
    // The other borrower still sends through the cluster the first one left open.
    expect((await second.send({ topic, value: 'c' })).offset).toBe(2n)
    // Neither Producer bootstrapped a cluster of its own: the shared one's bootstrap is the only one.
    expect(connections.opened.filter((c) => c.startsWith('-1/'))).toHaveLength(1)
    expect(new Set(connections.opened).size).toBe(connections.opened.length)
  })
})

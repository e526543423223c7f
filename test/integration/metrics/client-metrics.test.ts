// Client metrics with the Java client's names (src/*/metrics.ts) against the real broker: the values
// move as the operations they count happen.
import { describe, expect, inject, it } from 'vitest'
import { Admin, Consumer, type Metric, Producer } from '../../../src/index.js'
import { createTopic, uniqueName } from '../producer/helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')

function metric(metrics: Metric[], group: string, name: string, tags: Record<string, string> = {}): Metric {
  const found = metrics.find(
    (m) => m.group === group && m.name === name && Object.entries(tags).every(([k, v]) => m.tags[k] === v),
  )
  if (found === undefined) throw new Error(`no ${group} ${name} among ${metrics.length} metrics`)
  return found
}
const value = (metrics: Metric[], group: string, name: string) => metric(metrics, group, name).value

describe('client metrics', () => {
  it('producer: record-send-total, batches, requests, buffer memory, connections', async () => {
    const topic = uniqueName('metrics-producer')
    await createTopic(bootstrapServers, topic, 2)
    const producer = new Producer({
      bootstrapServers,
      clientId: 'metrics-producer',
      lingerMs: 5,
      compressionType: 'gzip',
    })
    try {
      const before = producer.metrics()
      expect(value(before, 'producer-metrics', 'record-send-total')).toBe(0)
      expect(value(before, 'producer-metrics', 'connection-count')).toBe(0)
      const sends: Promise<unknown>[] = []
      for (let i = 0; i < 1000; i++)
        sends.push(producer.send({ topic, key: `k${i % 10}`, value: `value ${i} `.repeat(10) }))
      await Promise.all(sends)
      await producer.flush()
      const m = producer.metrics()
      expect(value(m, 'producer-metrics', 'record-send-total')).toBe(1000)
      expect(value(m, 'producer-metrics', 'record-send-rate')).toBeGreaterThan(0)
      expect(value(m, 'producer-metrics', 'record-error-total')).toBe(0)
      expect(value(m, 'producer-metrics', 'record-retry-total')).toBe(0)
      const batchAvg = value(m, 'producer-metrics', 'batch-size-avg')
      expect(batchAvg).toBeGreaterThan(61)
      expect(value(m, 'producer-metrics', 'batch-size-max')).toBeGreaterThanOrEqual(batchAvg)
      // gzip on repetitive values: well below 1.
      expect(value(m, 'producer-metrics', 'compression-rate-avg')).toBeLessThan(0.5)
      expect(value(m, 'producer-metrics', 'records-per-request-avg')).toBeGreaterThanOrEqual(1)
      expect(value(m, 'producer-metrics', 'request-latency-avg')).toBeGreaterThanOrEqual(0)
      expect(value(m, 'producer-metrics', 'request-latency-max')).toBeGreaterThanOrEqual(
        value(m, 'producer-metrics', 'request-latency-avg'),
      )
      expect(value(m, 'producer-metrics', 'produce-throttle-time-avg')).toBe(0)
      // Every batch is done: its buffer is back in the pool.
      expect(value(m, 'producer-metrics', 'buffer-available-bytes')).toBe(
        value(m, 'producer-metrics', 'buffer-total-bytes'),
      )
      expect(value(m, 'producer-metrics', 'buffer-total-bytes')).toBe(32 * 1024 * 1024)
      expect(value(m, 'producer-metrics', 'bufferpool-wait-time-ns-total')).toBe(0)
      expect(value(m, 'producer-metrics', 'connection-count')).toBeGreaterThan(0)
      expect(value(m, 'producer-metrics', 'connection-creation-total')).toBeGreaterThanOrEqual(
        value(m, 'producer-metrics', 'connection-count'),
      )
      expect(value(m, 'producer-metrics', 'request-total')).toBeGreaterThan(0)
      expect(value(m, 'producer-metrics', 'response-total')).toBeGreaterThan(0)
      expect(value(m, 'producer-metrics', 'outgoing-byte-total')).toBeGreaterThan(0)
      expect(value(m, 'producer-metrics', 'incoming-byte-total')).toBeGreaterThan(0)
      const send = metric(m, 'producer-metrics', 'record-send-total')
      expect(send.type).toBe('sum')
      expect(send.tags).toEqual({ 'client-id': 'metrics-producer' })
      expect(metric(m, 'producer-metrics', 'record-send-rate').type).toBe('gauge')
      // Per broker: the node the Produce requests went to.
      const nodeLatency = m.filter((x) => x.group === 'producer-node-metrics' && x.name === 'request-latency-avg')
      expect(nodeLatency.length).toBeGreaterThan(0)
      expect(nodeLatency[0]!.tags['node-id']).toMatch(/^node-\d+$/)
      const nodeRequests = m.filter((x) => x.group === 'producer-node-metrics' && x.name === 'request-total')
      expect(nodeRequests.reduce((a, x) => a + x.value, 0)).toBe(value(m, 'producer-metrics', 'request-total'))
    } finally {
      await producer.close()
    }
    const closed = producer.metrics()
    expect(value(closed, 'producer-metrics', 'connection-count')).toBe(0)
    expect(value(closed, 'producer-metrics', 'connection-close-total')).toBe(
      value(closed, 'producer-metrics', 'connection-creation-total'),
    )
  })

  it('producer: record-error-total counts the records of a failed batch', async () => {
    const topic = uniqueName('metrics-errors')
    await createTopic(bootstrapServers, topic, 1, { 'max.message.bytes': '2000' })
    const producer = new Producer({ bootstrapServers, clientId: 'metrics-errors' })
    try {
      await expect(producer.send({ topic, value: Buffer.alloc(5000) })).rejects.toThrow()
      expect(value(producer.metrics(), 'producer-metrics', 'record-error-total')).toBe(1)
      expect(value(producer.metrics(), 'producer-metrics', 'record-send-total')).toBe(1)
    } finally {
      await producer.close()
    }
  })

  it('consumer: records consumed, lag, fetches, commits, rebalance, heartbeats', async () => {
    const topic = uniqueName('metrics-consumer')
    await createTopic(bootstrapServers, topic, 1)
    const producer = new Producer({ bootstrapServers })
    try {
      const sends: Promise<unknown>[] = []
      for (let i = 0; i < 1000; i++) sends.push(producer.send({ topic, value: `v${i}` }))
      await Promise.all(sends)
    } finally {
      await producer.close()
    }
    const groupId = uniqueName('metrics-group')
    const consumer = new Consumer({
      bootstrapServers,
      groupId,
      clientId: 'metrics-consumer',
      autoOffsetReset: 'earliest',
      enableAutoCommit: false,
      maxPollRecords: 100,
      heartbeatIntervalMs: 200,
    })
    try {
      consumer.subscribe([topic])
      let consumed = 0
      let polls = 0
      while (consumed < 300 && polls++ < 100) {
        const records = await consumer.poll(1000)
        consumed += records.count
        if (records.count > 0) await consumer.commitSync()
      }
      expect(consumed).toBeGreaterThanOrEqual(300)
      const m = consumer.metrics()
      const F = 'consumer-fetch-manager-metrics'
      const C = 'consumer-coordinator-metrics'
      expect(value(m, F, 'records-consumed-total')).toBe(consumed)
      expect(value(m, F, 'records-consumed-rate')).toBeGreaterThan(0)
      // The last poll left 1000 - consumed records behind; the max over the window is at least that.
      expect(value(m, F, 'records-lag-max')).toBeGreaterThanOrEqual(1000 - consumed)
      expect(value(m, F, 'records-lag-max')).toBeLessThan(1000)
      expect(value(m, F, 'fetch-total')).toBeGreaterThan(0)
      expect(value(m, F, 'fetch-latency-avg')).toBeGreaterThanOrEqual(0)
      expect(value(m, F, 'fetch-latency-max')).toBeGreaterThanOrEqual(value(m, F, 'fetch-latency-avg'))
      expect(value(m, F, 'fetch-size-avg')).toBeGreaterThan(0)
      expect(value(m, F, 'bytes-consumed-total')).toBeGreaterThan(0)
      expect(value(m, F, 'records-per-request-avg')).toBeGreaterThan(0)
      const commits = value(m, C, 'commit-total')
      expect(commits).toBeGreaterThanOrEqual(3)
      expect(value(m, C, 'commit-latency-avg')).toBeGreaterThan(0)
      expect(value(m, C, 'commit-latency-max')).toBeGreaterThanOrEqual(value(m, C, 'commit-latency-avg'))
      expect(value(m, C, 'rebalance-total')).toBe(1)
      expect(value(m, C, 'rebalance-rate-per-hour')).toBeGreaterThan(0)
      expect(value(m, C, 'rebalance-latency-avg')).toBeGreaterThan(0)
      expect(value(m, C, 'rebalance-latency-total')).toBe(value(m, C, 'rebalance-latency-max'))
      expect(value(m, C, 'assigned-partitions')).toBe(1)
      expect(value(m, 'consumer-metrics', 'connection-count')).toBeGreaterThan(0)
      expect(value(m, 'consumer-metrics', 'incoming-byte-total')).toBeGreaterThan(0)
      // Heartbeats run on their own thread; wait until one was sent and answered.
      while (consumer.stats.heartbeatsReceived === 0) await consumer.poll(100)
      const h = consumer.metrics()
      expect(value(h, C, 'heartbeat-total')).toBeGreaterThan(0)
      expect(value(h, C, 'heartbeat-rate')).toBeGreaterThan(0)
      expect(value(h, C, 'last-heartbeat-seconds-ago')).toBeGreaterThanOrEqual(0)
    } finally {
      await consumer.close()
    }
  })

  it("consumer (groupProtocol 'consumer', KIP-848): a reconciliation is a rebalance", async () => {
    const topic = uniqueName('metrics-kip848')
    await createTopic(bootstrapServers, topic, 2)
    const consumer = new Consumer({
      bootstrapServers,
      groupId: uniqueName('metrics-kip848-group'),
      groupProtocol: 'consumer',
      autoOffsetReset: 'earliest',
    })
    try {
      consumer.subscribe([topic])
      while (consumer.assignment().length < 2) await consumer.poll(200)
      const m = consumer.metrics()
      const C = 'consumer-coordinator-metrics'
      expect(value(m, C, 'rebalance-total')).toBeGreaterThanOrEqual(1)
      expect(value(m, C, 'rebalance-latency-max')).toBeGreaterThanOrEqual(0)
      expect(value(m, C, 'last-rebalance-seconds-ago')).toBeGreaterThanOrEqual(0)
      expect(value(m, C, 'assigned-partitions')).toBe(2)
    } finally {
      await consumer.close()
    }
  })

  it('admin: the network metrics under admin-client-metrics', async () => {
    const admin = new Admin({ bootstrapServers, clientId: 'metrics-admin' })
    try {
      expect(value(admin.metrics(), 'admin-client-metrics', 'request-total')).toBe(0)
      await admin.listTopics()
      const m = admin.metrics()
      expect(value(m, 'admin-client-metrics', 'connection-count')).toBeGreaterThan(0)
      expect(value(m, 'admin-client-metrics', 'request-total')).toBeGreaterThan(0)
      expect(value(m, 'admin-client-metrics', 'response-total')).toBe(value(m, 'admin-client-metrics', 'request-total'))
      expect(value(m, 'admin-client-metrics', 'request-size-avg')).toBeGreaterThan(0)
      expect(metric(m, 'admin-client-metrics', 'connection-count').tags).toEqual({ 'client-id': 'metrics-admin' })
      expect(m.some((x) => x.group === 'admin-client-node-metrics' && x.name === 'request-total' && x.value > 0)).toBe(
        true,
      )
    } finally {
      await admin.close()
    }
  })
})

// Re-bootstrap (KIP-899): when every broker the client knows is gone and the cluster comes back
// elsewhere — here a new broker on new ports behind the same bootstrap address (a DNS name or a
// load balancer in production; a small TCP forwarder here) — the clients go back to
// `bootstrapServers` instead of retrying the dead addresses forever (issue #19).
import net from 'node:net'
import { afterAll, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { Producer } from '../../../src/producer/index.js'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'

/** A TCP forwarder whose target can change: what a bootstrap DNS name or load balancer does. */
async function forwarder(target: string) {
  let [host, port] = target.split(':') as [string, string]
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), host)
    sockets.add(client).add(upstream)
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    retarget(to: string) {
      ;[host, port] = to.split(':') as [string, string]
    },
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const clusters: KafkaCluster[] = []
afterAll(async () => {
  for (const c of clusters) await c.stop()
})

it('every known broker gone, the cluster back on new ports: producer, consumer and admin rebootstrap', async () => {
  const first = await startKafka({ provider: 'jvm' })
  clusters.push(first)
  const front = await forwarder(first.bootstrapServers.split(',')[0]!)
  const topic = 'rebootstrap-topic'
  const common = { bootstrapServers: front.address, requestTimeoutMs: 5000, socketConnectionSetupTimeoutMs: 2000 }
  try {
    {
      await using admin = new Admin({ bootstrapServers: first.bootstrapServers })
      await admin.createTopics([{ topic, numPartitions: 1 }])
    }
    const producer = new Producer<string, string>({ ...common, deliveryTimeoutMs: 120_000, lingerMs: 0 })
    const consumer = new Consumer<string, string>({
      ...common,
      autoOffsetReset: 'earliest',
      valueDeserializer: (b) => b?.toString() ?? '',
    })
    const admin = new Admin({ ...common, defaultApiTimeoutMs: 120_000 })
    try {
      await producer.send({ topic, value: 'before' })
      consumer.assign([{ topic, partition: 0 }])
      const before = await consumer.poll(10_000)
      expect([...before].map((r) => r.value)).toEqual(['before'])
      expect((await admin.describeCluster()).clusterId).toBe(first.clusterId)

      // The whole cluster goes away; a new one comes up on other ports behind the same front.
      await first.stop()
      const second = await startKafka({ provider: 'jvm' })
      clusters.push(second)
      expect(second.bootstrapServers).not.toBe(first.bootstrapServers)
      front.retarget(second.bootstrapServers.split(',')[0]!)
      {
        await using direct = new Admin({ bootstrapServers: second.bootstrapServers })
        await direct.createTopics([{ topic, numPartitions: 1 }])
      }

      // Every client finds the new cluster through bootstrapServers.
      expect((await admin.describeCluster()).clusterId).toBe(second.clusterId)
      await producer.send({ topic, value: 'after' })
      consumer.seek({ topic, partition: 0 }, 0n)
      const deadline = Date.now() + 60_000
      let after: string[] = []
      while (after.length === 0 && Date.now() < deadline) after = [...(await consumer.poll(1000))].map((r) => r.value)
      expect(after).toEqual(['after'])
    } finally {
      await producer.close({ timeoutMs: 5000 })
      await consumer.close()
      await admin.close()
    }
  } finally {
    await front.close()
  }
}, 300_000)

// A real leader change under a consumer, on its own 3-node cluster: the leader of the partitions
// the consumer reads is SIGKILLed. The consumer must notice the new leader (a higher leader
// epoch), validate its position against it with OffsetForLeaderEpoch (KIP-320: was the log
// truncated below what we consumed?), and continue from there: every record exactly once, in
// order, nothing lost, and a commit made before the failover is still valid after it. The group's
// coordinator is on the killed node too: commits must find the new coordinator at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Cluster, resolveCommonOptions } from '../../../src/cluster/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { Apis } from '../../../src/protocol/index.js'
import { type KafkaCluster, startKafka } from '../../../src/testing/index.js'
import { RawProducer, uniqueName, values, waitFor } from '../../integration/consumer/helpers.js'

/** Every OffsetForLeaderEpoch request any Cluster in this process sends (a spy on Cluster.send). */
const validations: { nodeId: number; topic: string; partition: number; leaderEpoch: number }[] = []
const originalSend = Cluster.prototype.send
Cluster.prototype.send = function (this: Cluster, nodeId: number, api: any, body: any, ...rest: any[]) {
  if (api === Apis.OffsetForLeaderEpoch) {
    for (const t of body.topics)
      for (const p of t.partitions)
        validations.push({ nodeId, topic: t.topic, partition: p.partition, leaderEpoch: p.leaderEpoch })
  }
  return (originalSend as any).call(this, nodeId, api, body, ...rest)
} as typeof Cluster.prototype.send

describe('consumer across a leader change (3 nodes, leader SIGKILLed)', () => {
  let kafka: KafkaCluster
  let meta: Cluster

  beforeAll(async () => {
    kafka = await startKafka({ nodes: 3 })
    meta = new Cluster(resolveCommonOptions({ bootstrapServers: kafka.bootstrapServers }))
  }, 180_000)

  afterAll(async () => {
    Cluster.prototype.send = originalSend
    await meta?.close()
    await kafka?.stop()
  })

  async function leaderOf(topic: string, partition: number) {
    await meta.refreshMetadata({ topics: [topic] })
    return meta.leaderFor(topic, partition)
  }

  it('validates its position with OffsetForLeaderEpoch against the new leader and continues without loss', async () => {
    const topic = uniqueName('leader-change')
    const admin = new Admin({ bootstrapServers: kafka.bootstrapServers })
    try {
      await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 3 }])
    } finally {
      await admin.close()
    }
    await waitFor('a leader', async () => ((await leaderOf(topic, 0))?.nodeId ?? -1) >= 0)
    const before = (await leaderOf(topic, 0))!

    // A group whose coordinator is on that node too: the kill takes the coordinator away as well.
    let groupId = ''
    for (let i = 0; i < 200 && groupId === ''; i++) {
      const candidate = uniqueName('g-leader-change')
      if ((await meta.findCoordinator('group', candidate)) === before.nodeId) groupId = candidate
    }
    expect(groupId).not.toBe('')

    const producer = new RawProducer(kafka.bootstrapServers)
    const consumer = new Consumer<string | null, string | null>({
      bootstrapServers: kafka.bootstrapServers,
      groupId,
      sessionTimeoutMs: 45_000,
      autoOffsetReset: 'earliest',
      enableAutoCommit: false,
      valueDeserializer: (b) => b?.toString() ?? null,
    })
    const tp = { topic, partition: 0 }
    const read: { offset: bigint; value: string | null; leaderEpoch: number }[] = []
    const readUntil = async (n: number, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs
      while (read.length < n) {
        if (Date.now() > deadline) throw new Error(`read ${read.length} of ${n} records`)
        for (const r of await consumer.poll(500))
          read.push({ offset: r.offset, value: r.value, leaderEpoch: r.leaderEpoch })
      }
    }
    try {
      // Phase 1: 200 records (acks=all: on every replica) read and committed under the first leader.
      await producer.send(topic, 0, values('before', 200), { batchSize: 50 })
      consumer.subscribe([topic])
      await readUntil(200)
      expect(read.every((r) => r.leaderEpoch === before.leaderEpoch)).toBe(true)
      await consumer.commitSync()
      expect((await consumer.committed([tp]))[0]).toMatchObject({ offset: 200n, leaderEpoch: before.leaderEpoch })
      const validationsBefore = validations.length

      // The leader dies; the controller fences it and elects another replica, with a higher epoch.
      await kafka.kill(before.nodeId)
      const after = await waitFor(
        'a new leader',
        async () => {
          const l = await leaderOf(topic, 0)
          return l !== undefined && l.nodeId >= 0 && l.nodeId !== before.nodeId ? l : null
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      )
      expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch)

      // Phase 2: 200 more, written to the new leader; the consumer keeps polling.
      await producer.cluster.refreshMetadata({ topics: [topic] })
      await producer.send(topic, 0, values('after', 200), { batchSize: 50 })
      await readUntil(400)
      await consumer.poll(300).then((rs) => {
        for (const r of rs) read.push({ offset: r.offset, value: r.value, leaderEpoch: r.leaderEpoch })
      })

      // Every record once, in order, nothing lost across the failover.
      expect(read.map((r) => r.value)).toEqual([...values('before', 200), ...values('after', 200)].map((r) => r.value))
      expect(read.map((r) => Number(r.offset))).toEqual(Array.from({ length: 400 }, (_, i) => i))
      expect(read.slice(200).every((r) => r.leaderEpoch === after.leaderEpoch)).toBe(true)
      expect(await consumer.position(tp)).toBe(400n)

      // The position (offset 200, epoch of the old leader) was validated against the new leader.
      const mine = validations.slice(validationsBefore).filter((v) => v.topic === topic && v.partition === 0)
      expect(mine.length).toBeGreaterThan(0)
      expect(mine.some((v) => v.nodeId === after.nodeId && v.leaderEpoch === before.leaderEpoch)).toBe(true)
      expect(mine.every((v) => v.nodeId !== before.nodeId)).toBe(true)

      // The coordinator died with the leader: the commit finds the new one at once (well within the
      // 45 s session timeout, which is when the heartbeat would otherwise give up on the old one).
      const commitStarted = Date.now()
      await consumer.commitSync()
      expect(Date.now() - commitStarted).toBeLessThan(15_000)
      expect((await consumer.committed([tp]))[0]).toMatchObject({ offset: 400n, leaderEpoch: after.leaderEpoch })
    } finally {
      await consumer.close()
      await producer.close()
    }
  })
})

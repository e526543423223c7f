/**
 * The producer's transport against fake brokers (a real Cluster, real connections): the Produce
 * version cap the Sender computes reaches the wire, and a leader move reported in a Produce
 * response is followed because the producer reports stale metadata itself.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Producer } from '../../../src/producer/producer.js'
import { Apis, ZERO_UUID } from '../../../src/protocol/index.js'
import { type FakeCluster, startFakeCluster } from '../cluster/fake-cluster.js'
import type { FakeRequest } from '../network/fake-broker.js'

let fake: FakeCluster | undefined
let producer: Producer<any, any> | undefined
afterEach(async () => {
  await producer?.close({ timeoutMs: 1000 })
  await fake?.close()
  producer = undefined
  fake = undefined
})

/** Answers InitProducerId, and Produce with `code(nodeId)` per partition (0 = appended). */
function answerProduce(f: FakeCluster, code: (nodeId: number) => number, seen: { nodeId: number; req: FakeRequest }[]) {
  f.handler = (nodeId, req, ctx) => {
    if (req.api === Apis.InitProducerId) {
      ctx.reply(req, { throttleTimeMs: 0, errorCode: 0, producerId: 7n, producerEpoch: 0 })
      return true
    }
    if (req.api !== Apis.Produce) return false
    seen.push({ nodeId, req })
    const errorCode = code(nodeId)
    ctx.reply(req, {
      responses: req.body.topicData.map((t: any) => ({
        name: t.name,
        topicId: t.topicId,
        partitionResponses: t.partitionData.map((p: any) => ({
          index: p.index,
          errorCode,
          baseOffset: errorCode === 0 ? 0n : -1n,
          recordErrors: [],
        })),
      })),
    })
    return true
  }
}

function start(f: FakeCluster): Producer<any, any> {
  producer = new Producer({
    bootstrapServers: f.bootstrap,
    lingerMs: 0,
    retryBackoffMs: 5,
    retryBackoffMaxMs: 20,
    requestTimeoutMs: 2000,
    deliveryTimeoutMs: 5000,
  })
  return producer
}

describe('producer transport (fake brokers)', () => {
  it('sends Produce v12 (topics by name) when a topic id is unknown, although the broker speaks v13', async () => {
    fake = await startFakeCluster(1)
    fake.state.topics.set('no-id', { id: ZERO_UUID, partitions: [[1, 0]] })
    const seen: { nodeId: number; req: FakeRequest }[] = []
    answerProduce(fake, () => 0, seen)
    const p = start(fake)
    const md = await p.send({ topic: 'no-id', value: 'v' })
    expect(md.offset).toBe(0n)
    expect(seen.map((s) => s.req.version)).toEqual([12])
    expect(seen[0]!.req.body.topicData[0].name).toBe('no-id')
  })

  it('sends Produce v13 (topics by id) when every topic id is known', async () => {
    fake = await startFakeCluster(1)
    fake.state.topics.set('with-id', { id: 'AAAAAAAAAAAAAAAAAAAAAw', partitions: [[1, 0]] })
    const seen: { nodeId: number; req: FakeRequest }[] = []
    answerProduce(fake, () => 0, seen)
    const p = start(fake)
    await p.send({ topic: 'with-id', value: 'v' })
    expect(seen.map((s) => s.req.version)).toEqual([13])
  })

  it('follows a leader move reported as NOT_LEADER_OR_FOLLOWER (the producer asks for the refresh)', async () => {
    fake = await startFakeCluster(2)
    fake.state.topics.set('moving', { partitions: [[1, 0]] })
    const seen: { nodeId: number; req: FakeRequest }[] = []
    answerProduce(fake, (nodeId) => (nodeId === 1 ? 6 /* NOT_LEADER_OR_FOLLOWER */ : 0), seen)
    const p = start(fake)
    await p.partitionsFor('moving')
    fake.state.topics.set('moving', { partitions: [[2, 1]] }) // the leader moved to node 2
    const md = await p.send({ topic: 'moving', value: 'v' })
    expect(md.partition).toBe(0)
    expect(seen.map((s) => s.nodeId)).toEqual([...seen.slice(0, -1).map(() => 1), 2])
  })
})

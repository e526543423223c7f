// The Admin against fake brokers (test/unit/cluster/fake-cluster.ts): retriable errors are retried
// within the call's timeout with the right refresh — a controller move re-reads metadata, a
// coordinator move finds the coordinator again, a leader move routes to the new leader — and what
// is still failing at the deadline is reported per item.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Admin, AdminAggregateError } from '../../../src/admin/index.js'
import { TimeoutError } from '../../../src/errors.js'
import { Apis } from '../../../src/protocol/index.js'
import { type FakeCluster, startFakeCluster } from '../cluster/fake-cluster.js'

let fake: FakeCluster
let admin: Admin

beforeEach(async () => {
  fake = await startFakeCluster(2)
  admin = new Admin({
    bootstrapServers: fake.bootstrap,
    retryBackoffMs: 5,
    retryBackoffMaxMs: 20,
    requestTimeoutMs: 2000,
  })
})
afterEach(async () => {
  await admin.close()
  await fake.close()
})

const sentTo = (api: { apiKey: number }) =>
  fake
    .requests()
    .filter((r) => r.req.api.apiKey === api.apiKey)
    .map((r) => r.nodeId)

describe('Admin retries', () => {
  it('follows a controller move (NOT_CONTROLLER) after re-reading metadata', async () => {
    fake.handler = (nodeId, req, ctx) => {
      if (req.api !== Apis.CreateTopics) return false
      const moved = nodeId !== fake.state.controllerId || nodeId === 1
      if (moved) fake.state.controllerId = 2
      else
        for (const t of req.body.topics)
          fake.state.topics.set(t.name, {
            partitions: [
              [2, 0],
              [1, 0],
              [2, 0],
            ],
          })
      ctx.reply(req, {
        topics: req.body.topics.map((t: any) => ({
          name: t.name,
          errorCode: moved ? 41 : 0,
          numPartitions: 3,
          replicationFactor: 2,
          topicId: 'AAAAAAAAAAAAAAAAAAAAAg',
        })),
      })
      return true
    }
    const [created] = await admin.createTopics([{ topic: 't', numPartitions: 3 }])
    expect(created).toMatchObject({ topic: 't', numPartitions: 3, replicationFactor: 2 })
    expect(sentTo(Apis.CreateTopics)).toEqual([1, 2])
    // It resolved once both brokers' metadata showed the topic.
    const metadataAfter = fake
      .requests()
      .filter((r) => r.req.api === Apis.Metadata && r.req.body.topics?.[0]?.name === 't')
    expect(new Set(metadataAfter.map((r) => r.nodeId))).toEqual(new Set([1, 2]))
  })

  it('gives up waiting for metadata at the deadline without failing the creation', async () => {
    fake.handler = (_nodeId, req, ctx) => {
      if (req.api !== Apis.CreateTopics) return false
      ctx.reply(req, {
        topics: req.body.topics.map((t: any) => ({ name: t.name, numPartitions: 1, replicationFactor: 1 })),
      })
      return true
    }
    const started = Date.now()
    const [created] = await admin.createTopics([{ topic: 'never-visible' }], { timeoutMs: 300 })
    expect(created!.topic).toBe('never-visible')
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('finds the coordinator again after NOT_COORDINATOR, and waits out COORDINATOR_LOAD_IN_PROGRESS', async () => {
    fake.state.coordinators.set('g', [0, 1])
    let loads = 0
    fake.handler = (nodeId, req, ctx) => {
      if (req.api === Apis.ConsumerGroupDescribe) {
        ctx.reply(req, { groups: req.body.groupIds.map((groupId: string) => ({ groupId, errorCode: 69 })) })
        return true
      }
      if (req.api !== Apis.DescribeGroups) return false
      let errorCode = 0
      if (nodeId === 1) {
        errorCode = 16
        fake.state.coordinators.set('g', [0, 2])
      } else if (loads++ < 2) errorCode = 14
      ctx.reply(req, {
        groups: [
          { groupId: 'g', errorCode, groupState: 'Empty', protocolType: 'consumer', protocolData: '', members: [] },
        ],
      })
      return true
    }
    const [g] = await admin.describeGroups(['g'])
    expect(g).toMatchObject({ groupId: 'g', type: 'classic', state: 'Empty', coordinator: 2 })
    expect(sentTo(Apis.DescribeGroups)).toEqual([1, 2, 2, 2])
    expect(sentTo(Apis.FindCoordinator).length).toBeGreaterThanOrEqual(2)
  })

  it('routes partition requests to the new leader after NOT_LEADER_OR_FOLLOWER', async () => {
    fake.state.topics.set('t', {
      partitions: [
        [1, 5],
        [2, 5],
      ],
    })
    fake.handler = (nodeId, req, ctx) => {
      if (req.api !== Apis.ListOffsets) return false
      ctx.reply(req, {
        topics: req.body.topics.map((t: any) => ({
          name: t.name,
          partitions: t.partitions.map((p: any) => {
            const notLeader = nodeId === 1 && p.partitionIndex === 0
            if (notLeader) fake.state.topics.get('t')!.partitions[0] = [2, 6]
            return {
              partitionIndex: p.partitionIndex,
              errorCode: notLeader ? 6 : 0,
              offset: notLeader ? -1n : BigInt(100 + p.partitionIndex),
              timestamp: -1n,
              leaderEpoch: 6,
            }
          }),
        })),
      })
      return true
    }
    const offsets = await admin.listOffsets([
      { topic: 't', partition: 0, spec: 'latest' },
      { topic: 't', partition: 1, spec: 'latest' },
    ])
    expect(offsets.map((o) => o.offset)).toEqual([100n, 101n])
    const listOffsets = fake.requests().filter((r) => r.req.api === Apis.ListOffsets)
    expect(listOffsets[0]!.req.body.topics[0].partitions[0]).toMatchObject({ partitionIndex: 0, currentLeaderEpoch: 5 })
    const last = listOffsets.at(-1)!
    expect(last.nodeId).toBe(2)
    expect(last.req.body.topics[0].partitions).toEqual([
      expect.objectContaining({ partitionIndex: 0, currentLeaderEpoch: 6 }),
    ])
  })

  it('reports what still fails at the deadline per item, with the last error as cause', async () => {
    fake.state.coordinators.set('stuck', [0, 1])
    fake.state.coordinators.set('fine', [0, 2])
    fake.handler = (nodeId, req, ctx) => {
      if (req.api !== Apis.OffsetCommit) return false
      ctx.reply(req, {
        topics: req.body.topics.map((t: any) => ({
          name: t.name,
          partitions: t.partitions.map((p: any) => ({
            partitionIndex: p.partitionIndex,
            errorCode: nodeId === 1 ? 14 : 0,
          })),
        })),
      })
      return true
    }
    await admin.alterConsumerGroupOffsets('fine', [{ topic: 't', partition: 0, offset: 1 }])
    const started = Date.now()
    const error = await admin
      .alterConsumerGroupOffsets('stuck', [{ topic: 't', partition: 0, offset: 1 }], { timeoutMs: 300 })
      .catch((e) => e)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.errors[0]).toBeInstanceOf(TimeoutError)
    expect(error.errors[0]).toMatchObject({ topic: 't', partition: 0 })
    expect(error.errors[0].cause).toMatchObject({ code: 'COORDINATOR_LOAD_IN_PROGRESS' })
    expect(error.errors[0].message).toContain('group stuck')
  })

  it('retries a request whose connection dropped', async () => {
    let dropped = false
    fake.handler = (_nodeId, req, ctx) => {
      if (req.api !== Apis.DescribeCluster) return false
      if (!dropped) {
        dropped = true
        ctx.socket.destroy()
        return true
      }
      ctx.reply(req, {
        clusterId: 'fake-cluster',
        controllerId: 1,
        brokers: [{ brokerId: 1, host: '127.0.0.1', port: fake.brokers[0]!.port, rack: null }],
      })
      return true
    }
    const cluster = await admin.describeCluster()
    expect(cluster).toMatchObject({ clusterId: 'fake-cluster', controller: { nodeId: 1 } })
    expect(dropped).toBe(true)
  })
})

/**
 * Cluster against fake brokers: bootstrap over dead entries, metadata (tracked topics, unknown-topic
 * retries, coalesced refreshes, refresh on invalidating errors), routing, pools per workload,
 * coordinator lookup with batching and invalidation, retries bounded by deadlines, and redaction.
 */
import net from 'node:net'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Cluster } from '../../../src/cluster/cluster.js'
import { resolveCommonOptions } from '../../../src/cluster/options.js'
import {
  AuthenticationError,
  ClosedError,
  ConnectionError,
  ProtocolError,
  TimeoutError,
  UnknownTopicOrPartitionError,
} from '../../../src/errors.js'
import { Apis } from '../../../src/protocol/index.js'
import { type FakeCluster, startFakeCluster } from './fake-cluster.js'

let fake: FakeCluster | undefined
let cluster: Cluster | undefined
afterEach(async () => {
  await cluster?.close()
  await fake?.close()
  cluster = undefined
  fake = undefined
})

async function deadPort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as net.AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

function make(bootstrap: string, extra: Record<string, unknown> = {}): Cluster {
  cluster = new Cluster(
    resolveCommonOptions({
      bootstrapServers: bootstrap,
      requestTimeoutMs: 3000,
      retryBackoffMs: 10,
      retryBackoffMaxMs: 50,
      reconnectBackoffMs: 10,
      reconnectBackoffMaxMs: 50,
      ...extra,
    }),
  )
  return cluster
}

describe('Cluster (fake brokers)', () => {
  it('bootstraps from any entry of bootstrapServers, skipping dead ones', async () => {
    fake = await startFakeCluster(2)
    const dead = await deadPort()
    const c = make(`127.0.0.1:${dead},${fake.bootstrap}`)
    await c.connect()
    expect([...c.brokers.keys()]).toEqual([1, 2])
    expect(c.clusterId).toBe('fake-cluster')
    expect(c.controllerId).toBe(1)
    await c.connect() // idempotent
  })

  it('bootstrap fails with the last error when no server answers, within the timeout', async () => {
    const c = make(`127.0.0.1:${await deadPort()}`, { requestTimeoutMs: 500 })
    const started = Date.now()
    const err = await c.connect().catch((e) => e)
    expect(err).toBeInstanceOf(ConnectionError)
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('topicMetadata returns known topics, tracks them, and routes to leaders', async () => {
    fake = await startFakeCluster(3)
    fake.state.topics.set('t', {
      partitions: [
        [1, 0],
        [2, 0],
        [3, 0],
      ],
    })
    const c = make(fake.bootstrap)
    const md = await c.topicMetadata(['t'])
    expect(md.get('t')!.partitions.map((p) => p.leaderId)).toEqual([1, 2, 3])
    expect(c.leaderFor('t', 2)).toEqual({ nodeId: 3, leaderEpoch: 0 })
    expect(c.topic('t')!.topicId).toBe('AAAAAAAAAAAAAAAAAAAAAQ')
    const before = fake.requests().filter((r) => r.req.api === Apis.Metadata).length
    await c.topicMetadata(['t']) // cached: no I/O
    expect(fake.requests().filter((r) => r.req.api === Apis.Metadata).length).toBe(before)
  })

  it('unknown topics are retried until timeoutMs, then UnknownTopicOrPartitionError names the topic', async () => {
    fake = await startFakeCluster(1)
    const c = make(fake.bootstrap)
    const started = Date.now()
    const err = await c.topicMetadata(['nope'], { timeoutMs: 400 }).catch((e) => e)
    expect(err).toBeInstanceOf(UnknownTopicOrPartitionError)
    expect(err.topic).toBe('nope')
    expect(Date.now() - started).toBeLessThan(1500)
    expect(fake.requests().filter((r) => r.req.api === Apis.Metadata).length).toBeGreaterThan(2)
  })

  it('a topic that appears during the retries is returned', async () => {
    fake = await startFakeCluster(1)
    const c = make(fake.bootstrap)
    setTimeout(() => fake!.state.topics.set('late', { partitions: [[1, 0]] }), 150)
    const md = await c.topicMetadata(['late'], { timeoutMs: 3000 })
    expect(md.get('late')!.partitions).toHaveLength(1)
  })

  it('concurrent refreshes are coalesced', async () => {
    fake = await startFakeCluster(1)
    const c = make(fake.bootstrap)
    await c.connect()
    const count = () => fake!.requests().filter((r) => r.req.api === Apis.Metadata).length
    const before = count()
    await Promise.all(Array.from({ length: 20 }, () => c.refreshMetadata()))
    // One in flight, plus at most one more for the callers that arrived meanwhile.
    expect(count() - before).toBeLessThanOrEqual(2)
  })

  it('an error that invalidates metadata, once the client reports it (the consumer does for ListOffsets), triggers a prompt refresh', async () => {
    fake = await startFakeCluster(2)
    fake.state.topics.set('t', { partitions: [[1, 5]] })
    const c = make(fake.bootstrap)
    await c.topicMetadata(['t'])
    fake.handler = (_id, req, ctx) => {
      if (req.api !== Apis.ListOffsets) return false
      ctx.reply(req, {
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 6 /* NOT_LEADER_OR_FOLLOWER */ }] }],
      })
      return true
    }
    fake.state.topics.set('t', { partitions: [[2, 6]] }) // leadership moved
    const res = await c.send(1, Apis.ListOffsets, {
      replicaId: -1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
    })
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(6)
    // Cluster reads no error codes out of responses (send-contract.test.ts): the client reports it.
    c.invalidateMetadata({ topic: 't', reason: 'ListOffsets: NOT_LEADER_OR_FOLLOWER' })
    const deadline = Date.now() + 2000
    while (c.leaderFor('t', 0)?.nodeId !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(c.leaderFor('t', 0)).toEqual({ nodeId: 2, leaderEpoch: 6 })
  })

  it('keeps refreshing while a cached leader is unreachable, until the new leader shows up', async () => {
    fake = await startFakeCluster(2)
    fake.state.topics.set('t', { partitions: [[1, 3]] })
    const c = make(fake.bootstrap)
    await c.topicMetadata(['t'])
    await fake.brokers[0]!.close() // node 1, the leader, dies; the cluster has not noticed yet
    await expect(c.send(1, Apis.Metadata, { topics: [] })).rejects.toBeInstanceOf(ConnectionError)
    await new Promise((r) => setTimeout(r, 300)) // a few refreshes still name node 1
    fake.state.topics.set('t', { partitions: [[2, 4]] })
    const deadline = Date.now() + 3000
    while (c.leaderFor('t', 0)?.nodeId !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(c.leaderFor('t', 0)).toEqual({ nodeId: 2, leaderEpoch: 4 })
  })

  it('a newer leader epoch wins over a stale broker answer', async () => {
    fake = await startFakeCluster(2)
    fake.state.topics.set('t', { partitions: [[2, 9]] })
    const c = make(fake.bootstrap)
    await c.topicMetadata(['t'])
    fake.state.topics.set('t', { partitions: [[1, 8]] }) // a lagging broker's view
    await c.refreshMetadata()
    expect(c.leaderFor('t', 0)).toEqual({ nodeId: 2, leaderEpoch: 9 })
  })

  it('uses one connection per broker per workload', async () => {
    fake = await startFakeCluster(1)
    const c = make(fake.bootstrap)
    await c.connect()
    const before = fake.brokers[0]!.connections
    for (const workload of ['produce', 'fetch', 'group', 'admin', 'admin', 'fetch'] as const) {
      await c.send(1, Apis.Metadata, { topics: [] }, { workload })
    }
    expect(fake.brokers[0]!.connections - before).toBe(4)
  })

  it('send() to a broker that is down fails with a retriable ConnectionError; sendAny goes elsewhere', async () => {
    fake = await startFakeCluster(2)
    const c = make(fake.bootstrap)
    await c.connect()
    await fake.brokers[0]!.close()
    const err = await c.send(1, Apis.Metadata, { topics: [] }).catch((e) => e)
    expect(err).toBeInstanceOf(ConnectionError)
    expect(err.retriable).toBe(true)
    for (let i = 0; i < 5; i++) {
      const res = await c.sendAny(Apis.Metadata, { topics: [] })
      expect(res.clusterId).toBe('fake-cluster')
    }
  })

  it('a malformed frame fails that connection with ProtocolError; the next request uses a new connection', async () => {
    fake = await startFakeCluster(1)
    const c = make(fake.bootstrap)
    await c.connect()
    let garbage = true
    fake.handler = (_id, req, ctx) => {
      if (req.api !== Apis.Metadata || !garbage) return false
      garbage = false
      ctx.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]))
      return true
    }
    const before = fake.brokers[0]!.connections
    await expect(c.send(1, Apis.Metadata, { topics: [] })).rejects.toBeInstanceOf(ProtocolError)
    const res = await c.send(1, Apis.Metadata, { topics: [] })
    expect(res.clusterId).toBe('fake-cluster')
    expect(fake.brokers[0]!.connections - before).toBe(2)
  })

  it('sendToController goes to the controller from metadata', async () => {
    fake = await startFakeCluster(3)
    fake.state.controllerId = 3
    const c = make(fake.bootstrap)
    await c.connect()
    await c.sendToController(Apis.Metadata, { topics: [] })
    const last = fake
      .requests()
      .filter((r) => r.req.api === Apis.Metadata)
      .at(-1)!
    expect(last.nodeId).toBe(3)
  })

  it('sendAny gives up at its deadline with a typed error', async () => {
    fake = await startFakeCluster(1)
    const c = make(fake.bootstrap)
    await c.connect()
    fake.handler = (_id, req) => req.api === Apis.Metadata // never answer
    const started = Date.now()
    const err = await c.sendAny(Apis.Metadata, { topics: [] }, { timeoutMs: 300 }).catch((e) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('findCoordinator batches keys (v4+), caches, and invalidates', async () => {
    fake = await startFakeCluster(3)
    fake.state.coordinators.set('g1', [0, 2])
    fake.state.coordinators.set('g2', [0, 3])
    const c = make(fake.bootstrap)
    await c.connect()
    const [a, b] = await Promise.all([c.findCoordinator('group', 'g1'), c.findCoordinator('group', 'g2')])
    expect([a, b]).toEqual([2, 3])
    const finds = fake.requests().filter((r) => r.req.api === Apis.FindCoordinator)
    expect(finds).toHaveLength(1)
    expect(finds[0]!.req.body.coordinatorKeys.sort()).toEqual(['g1', 'g2'])
    await c.findCoordinator('group', 'g1')
    expect(fake.requests().filter((r) => r.req.api === Apis.FindCoordinator)).toHaveLength(1)
    fake.state.coordinators.set('g1', [0, 1])
    c.invalidateCoordinator('group', 'g1')
    expect(await c.findCoordinator('group', 'g1')).toBe(1)
  })

  it('findCoordinator retries COORDINATOR_NOT_AVAILABLE until it resolves', async () => {
    fake = await startFakeCluster(1)
    fake.state.coordinators.set('txn', [15, -1])
    const c = make(fake.bootstrap)
    setTimeout(() => fake!.state.coordinators.set('txn', [0, 1]), 100)
    expect(await c.findCoordinator('transaction', 'txn')).toBe(1)
    const keyTypes = fake
      .requests()
      .filter((r) => r.req.api === Apis.FindCoordinator)
      .map((r) => r.req.body.keyType)
    expect(new Set(keyTypes)).toEqual(new Set([1]))
  })

  it('findCoordinator with an old broker (FindCoordinator v3) sends one key per request', async () => {
    fake = await startFakeCluster(1)
    fake.state.coordinators.set('a', [0, 1])
    fake.state.coordinators.set('b', [0, 1])
    fake.handler = (_id, req, ctx) => {
      if (req.api !== Apis.ApiVersions) return false
      ctx.reply(req, {
        errorCode: 0,
        apiKeys: [
          { apiKey: 18, minVersion: 0, maxVersion: 3 },
          { apiKey: 3, minVersion: 0, maxVersion: 12 },
          { apiKey: 10, minVersion: 0, maxVersion: 3 },
        ],
      })
      return true
    }
    const c = make(fake.bootstrap)
    await c.connect()
    expect(await Promise.all([c.findCoordinator('group', 'a'), c.findCoordinator('group', 'b')])).toEqual([1, 1])
    const finds = fake.requests().filter((r) => r.req.api === Apis.FindCoordinator)
    expect(finds.map((f) => f.req.version)).toEqual([3, 3])
    expect(finds.map((f) => f.req.body.key).sort()).toEqual(['a', 'b'])
  })

  it('an AuthenticationError is thrown at once, never retried', async () => {
    fake = await startFakeCluster(1)
    fake.handler = (_id, req, ctx) => {
      if (req.api === Apis.SaslHandshake) {
        ctx.reply(req, { errorCode: 0, mechanisms: ['PLAIN'] })
        return true
      }
      if (req.api === Apis.SaslAuthenticate) {
        ctx.reply(req, {
          errorCode: 58,
          errorMessage: 'Authentication failed: Invalid username or password',
          authBytes: Buffer.alloc(0),
        })
        return true
      }
      return false
    }
    const c = make(fake.bootstrap, {
      requestTimeoutMs: 10_000,
      sasl: { mechanism: 'PLAIN', username: 'alice', password: 'wrong-password-xyz' },
    })
    const started = Date.now()
    const err = await c.connect().catch((e) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(fake.requests().filter((r) => r.req.api === Apis.SaslAuthenticate)).toHaveLength(1)
    expect(err.message).not.toContain('wrong-password-xyz')
  })

  it('after an AuthenticationError, connect() fails with it at once until the reconnect backoff has passed (no connection per call)', async () => {
    fake = await startFakeCluster(1)
    fake.handler = (_id, req, ctx) => {
      if (req.api === Apis.SaslHandshake) {
        ctx.reply(req, { errorCode: 0, mechanisms: ['PLAIN'] })
        return true
      }
      if (req.api === Apis.SaslAuthenticate) {
        ctx.reply(req, { errorCode: 58, errorMessage: 'Authentication failed', authBytes: Buffer.alloc(0) })
        return true
      }
      return false
    }
    const c = make(fake.bootstrap, {
      reconnectBackoffMs: 300,
      reconnectBackoffMaxMs: 300,
      sasl: { mechanism: 'PLAIN', username: 'alice', password: 'wrong-password-xyz' },
    })
    const attempts = () => fake!.requests().filter((r) => r.req.api === Apis.SaslAuthenticate).length
    const first = await c.connect().catch((e) => e)
    expect(first).toBeInstanceOf(AuthenticationError)
    // An application retrying in a loop: the same error, no new connection.
    for (let i = 0; i < 5; i++) expect(await c.connect().catch((e) => e)).toBe(first)
    expect(attempts()).toBe(1)
    // Once the backoff (300 ms ± 20%) has passed, the next call tries again.
    await vi.waitFor(
      async () => {
        await c.connect().catch(() => {})
        expect(attempts()).toBe(2)
      },
      { timeout: 5000, interval: 50 },
    )
  })

  it('closes idle connections after connectionsMaxIdleMs', async () => {
    fake = await startFakeCluster(1)
    const c = make(fake.bootstrap, { connectionsMaxIdleMs: 100 })
    await c.connect()
    await c.send(1, Apis.Metadata, { topics: [] })
    expect(fake.brokers[0]!.sockets.size).toBe(1)
    await new Promise((r) => setTimeout(r, 400))
    expect(fake.brokers[0]!.sockets.size).toBe(0)
    await c.send(1, Apis.Metadata, { topics: [] }) // reconnects on demand
  })

  it('close() fails pending requests with ClosedError and later calls too', async () => {
    fake = await startFakeCluster(1)
    const c = make(fake.bootstrap)
    await c.connect()
    fake.handler = (_id, req) => req.api === Apis.Metadata
    const p = c.send(1, Apis.Metadata, { topics: [] })
    await new Promise((r) => setTimeout(r, 20))
    await c.close()
    await expect(p).rejects.toBeInstanceOf(ClosedError)
    await expect(c.sendAny(Apis.Metadata, {})).rejects.toBeInstanceOf(ClosedError)
    await c.close()
  })

  it('never shows credentials in util.inspect, nor in connectionOptions()', async () => {
    fake = await startFakeCluster(1)
    fake.handler = (_id, req, ctx) => {
      if (req.api === Apis.SaslHandshake) ctx.reply(req, { errorCode: 0, mechanisms: ['PLAIN'] })
      else if (req.api === Apis.SaslAuthenticate) ctx.reply(req, { errorCode: 0, authBytes: Buffer.alloc(0) })
      else return false
      return true
    }
    const c = make(fake.bootstrap, { sasl: { mechanism: 'PLAIN', username: 'bob', password: 'b0b-pw-123' } })
    expect(inspect(c, { depth: 20 })).not.toContain('b0b-pw-123')
    expect(inspect(c.options, { depth: 20 })).not.toContain('b0b-pw-123')
    expect(inspect({ c }, { depth: 20, showHidden: false })).not.toContain('b0b-pw-123')
    await c.connect()
    const co = c.connectionOptions(1)!
    expect(co.sasl).toMatchObject({ username: 'bob', password: 'b0b-pw-123' }) // usable, e.g. by a worker thread
    expect(inspect(co, { depth: 20 })).not.toContain('b0b-pw-123')
    expect(structuredClone({ ...co, logger: undefined }).sasl).toEqual(co.sasl)
  })
})

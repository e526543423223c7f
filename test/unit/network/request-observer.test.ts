/**
 * The per-client request observer (src/network/request-observer.ts) against a scripted fake
 * broker: what a connection reports for answered, queued, timed-out and unanswered (acks=0)
 * requests, and that it reports nothing while the observer is inactive.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Cluster, resolveClientOptions, resolveCommonOptions, withRequestObserver } from '../../../src/cluster/index.js'
import { cloneableConnectionOptions } from '../../../src/consumer/group/heartbeat-protocol.js'
import { TimeoutError } from '../../../src/errors.js'
import {
  type CompletedRequest,
  connect,
  type ObservedRequest,
  type RequestObserver,
  type RequestQueueSize,
} from '../../../src/network/index.js'
import { Apis } from '../../../src/protocol/index.js'
import { encodeResponse, type FakeBroker, type FakeRequest, startFakeBroker } from './fake-broker.js'

let broker: FakeBroker | undefined
afterEach(async () => {
  await broker?.close()
  broker = undefined
})

const metadataBody = { brokers: [], clusterId: 'c', controllerId: 1, topics: [] }

class Recorder implements RequestObserver {
  active = true
  readonly completed: CompletedRequest[] = []
  readonly timedOut: ObservedRequest[] = []
  readonly queueSizes: RequestQueueSize[] = []
  requestCompleted(r: CompletedRequest): void {
    this.completed.push(r)
  }
  requestTimedOut(r: ObservedRequest): void {
    this.timedOut.push(r)
  }
  queueSizeChanged(q: RequestQueueSize): void {
    this.queueSizes.push(q)
  }
}

/** A broker that holds Metadata requests until `release()` answers the oldest. */
async function holdingBroker(): Promise<{ held: FakeRequest[]; release(): number }> {
  const held: FakeRequest[] = []
  const replies: (() => void)[] = []
  broker = await startFakeBroker((req, ctx) => {
    if (req.api !== Apis.Metadata) return false
    held.push(req)
    replies.push(() => ctx.reply(req, metadataBody))
    return true
  })
  return {
    held,
    release() {
      const req = held.shift()!
      replies.shift()!()
      return encodeResponse(req, metadataBody).length - 4 // the frame after its length prefix
    },
  }
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5))
}

describe('RequestObserver', () => {
  it('reports each answered request with kafkajs-style fields, ApiVersions included', async () => {
    broker = await startFakeBroker()
    const observer = new Recorder()
    const before = Date.now()
    const conn = await connect({ host: '127.0.0.1', port: broker.port, clientId: 'obs', requestObserver: observer })
    await conn.request(Apis.Metadata, { topics: [] })
    conn.close()
    expect(observer.completed.map((r) => r.apiName)).toEqual(['ApiVersions', 'Metadata'])
    const md = observer.completed[1]!
    const req = broker.requests.find((r) => r.api === Apis.Metadata)!
    const frameSize = encodeResponse(req, { brokers: [], clusterId: 'fake', controllerId: -1, topics: [] }).length - 4
    expect(md).toEqual({
      broker: `127.0.0.1:${broker.port}`,
      clientId: 'obs',
      correlationId: req.correlationId,
      createdAt: expect.any(Number),
      sentAt: expect.any(Number),
      pendingDuration: md.sentAt - md.createdAt,
      apiName: 'Metadata',
      apiKey: 3,
      apiVersion: req.version,
      size: frameSize,
      duration: expect.any(Number),
    })
    expect(md.createdAt).toBeGreaterThanOrEqual(before)
    expect(md.sentAt).toBeGreaterThanOrEqual(md.createdAt)
    expect(md.duration).toBeGreaterThanOrEqual(0)
    expect(observer.timedOut).toEqual([])
    expect(observer.queueSizes).toEqual([]) // nothing waited for a pipeline slot
  })

  it('reports nothing for requests created while it is inactive', async () => {
    broker = await startFakeBroker()
    const observer = new Recorder()
    observer.active = false
    const conn = await connect({ host: '127.0.0.1', port: broker.port, requestObserver: observer })
    await conn.request(Apis.Metadata, { topics: [] })
    observer.active = true
    await conn.request(Apis.Metadata, { topics: [] })
    conn.close()
    expect(observer.completed.map((r) => r.apiName)).toEqual(['Metadata'])
    expect(observer.completed[0]!.correlationId).toBe(2)
  })

  it('reports the queue growing behind a full pipeline and shrinking as requests are written', async () => {
    const b = await holdingBroker()
    const observer = new Recorder()
    const conn = await connect({
      host: '127.0.0.1',
      port: broker!.port,
      maxInFlightRequests: 1,
      requestObserver: observer,
    })
    const first = conn.request(Apis.Metadata, { topics: [] })
    const second = conn.request(Apis.Metadata, { topics: [] })
    const third = conn.request(Apis.Metadata, { topics: [] })
    expect(observer.queueSizes.map((q) => q.queueSize)).toEqual([1, 2])
    await until(() => b.held.length === 1)
    const size = b.release()
    await first
    expect(observer.queueSizes.map((q) => q.queueSize)).toEqual([1, 2, 1])
    await until(() => b.held.length === 1)
    b.release()
    await second
    await until(() => b.held.length === 1)
    b.release()
    await third
    expect(observer.queueSizes).toEqual(
      [1, 2, 1, 0].map((queueSize) => ({
        broker: `127.0.0.1:${broker!.port}`,
        clientId: 'kafka-wire',
        queueSize,
      })),
    )
    const metadata = observer.completed.filter((r) => r.apiName === 'Metadata')
    expect(metadata).toHaveLength(3)
    expect(metadata[0]!.size).toBe(size)
    // The third waited for two responses before it was written.
    expect(metadata[2]!.pendingDuration).toBe(metadata[2]!.sentAt - metadata[2]!.createdAt)
    expect(metadata[2]!.sentAt).toBeGreaterThanOrEqual(metadata[1]!.sentAt)
    conn.close()
  })

  it('reports a written request that timed out (not a queued one), and the queue emptied by the close', async () => {
    const b = await holdingBroker()
    const observer = new Recorder()
    const conn = await connect({
      host: '127.0.0.1',
      port: broker!.port,
      maxInFlightRequests: 1,
      requestObserver: observer,
    })
    const written = conn.request(Apis.Metadata, { topics: [] }, { timeoutMs: 300 })
    const queuedShort = conn.request(Apis.Metadata, { topics: [] }, { timeoutMs: 50 })
    const queuedLong = conn.request(Apis.Metadata, { topics: [] }, { timeoutMs: 60_000 })
    await expect(queuedShort).rejects.toBeInstanceOf(TimeoutError)
    expect(observer.timedOut).toEqual([])
    await expect(written).rejects.toBeInstanceOf(TimeoutError)
    await expect(queuedLong).rejects.toThrow()
    expect(observer.timedOut).toHaveLength(1)
    expect(observer.timedOut[0]).toMatchObject({
      apiName: 'Metadata',
      apiKey: 3,
      correlationId: b.held[0]!.correlationId,
      broker: `127.0.0.1:${broker!.port}`,
    })
    expect(Object.keys(observer.timedOut[0]!).sort()).toEqual(
      [
        'apiKey',
        'apiName',
        'apiVersion',
        'broker',
        'clientId',
        'correlationId',
        'createdAt',
        'pendingDuration',
        'sentAt',
      ].sort(),
    )
    // Queued 1, then 2; the timed-out queued one left silently; the close emptied the queue.
    expect(observer.queueSizes.map((q) => q.queueSize)).toEqual([1, 2, 0])
    expect(observer.completed.map((r) => r.apiName)).toEqual(['ApiVersions'])
  })

  it('an observer that throws breaks no request', async () => {
    const b = await holdingBroker()
    const calls: string[] = []
    const throwing: RequestObserver = {
      active: true,
      requestCompleted: (r) => {
        calls.push(r.apiName)
        throw new Error('observer failed')
      },
      requestTimedOut: () => {
        throw new Error('observer failed')
      },
      queueSizeChanged: (q) => {
        calls.push(`queue ${q.queueSize}`)
        throw new Error('observer failed')
      },
    }
    const conn = await connect({
      host: '127.0.0.1',
      port: broker!.port,
      maxInFlightRequests: 1,
      requestObserver: throwing,
    })
    const first = conn.request(Apis.Metadata, { topics: [] })
    const second = conn.request(Apis.Metadata, { topics: [] })
    await until(() => b.held.length === 1)
    b.release()
    await expect(first).resolves.toMatchObject({ clusterId: 'c' })
    await until(() => b.held.length === 1)
    b.release()
    await expect(second).resolves.toMatchObject({ clusterId: 'c' })
    expect(conn.closed).toBe(false)
    expect(calls).toEqual(['ApiVersions', 'queue 1', 'Metadata', 'queue 0', 'Metadata'])
    conn.close()
  })

  it('reports a request that expects no response (acks=0) once written, with size 0', async () => {
    broker = await startFakeBroker((req) => req.api === Apis.Produce)
    const observer = new Recorder()
    const conn = await connect({ host: '127.0.0.1', port: broker.port, requestObserver: observer })
    await conn.request(Apis.Produce, { acks: 0, timeoutMs: 1000, topicData: [] }, { expectResponse: false })
    conn.close()
    const produce = observer.completed.find((r) => r.apiName === 'Produce')!
    expect(produce).toMatchObject({ apiKey: 0, size: 0 })
    expect(produce.duration).toBeGreaterThanOrEqual(0)
  })
})

describe('RequestObserver through a client’s options', () => {
  it('reaches every connection of the client’s Cluster, and never a heartbeat thread’s', async () => {
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      ctx.reply(req, { ...metadataBody, brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker!.port, rack: null }] })
      return true
    })
    const observer = new Recorder()
    const options = withRequestObserver({ bootstrapServers: `127.0.0.1:${broker.port}`, clientId: 'c1' }, observer)
    // resolveClientOptions is what Producer, Consumer and Admin run: the symbol survives the split.
    const { common } = resolveClientOptions(options, new Set(), 'admin')
    expect(common.requestObserver).toBe(observer)
    expect(resolveCommonOptions(options).requestObserver).toBe(observer)
    expect(resolveCommonOptions({ bootstrapServers: 'x:1' }).requestObserver).toBeUndefined()
    const cluster = new Cluster(common)
    try {
      await cluster.connect({ timeoutMs: 5000 })
      await cluster.send(1, Apis.Metadata, { topics: [] }, { timeoutMs: 5000 })
      expect(observer.completed.filter((r) => r.apiName === 'Metadata').length).toBeGreaterThanOrEqual(2)
      expect(new Set(observer.completed.map((r) => r.clientId))).toEqual(new Set(['c1']))
      const forWorker = cloneableConnectionOptions(cluster.connectionOptions(1)!)
      expect('requestObserver' in forWorker).toBe(false)
      expect(() => structuredClone(forWorker)).not.toThrow()
    } finally {
      await cluster.close()
    }
  })
})

/**
 * Connections against the real broker: ApiVersions negotiation, pipelining of many concurrent
 * requests, acks=0, timeouts and abort, recovery after a connection failure, and multi-MiB Fetch
 * responses (read straight into a frame-sized buffer on plain TCP: network/direct-reader.ts).
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { parseBrokerAddress } from '../../../src/cluster/options.js'
import { AbortError, ClosedError, TimeoutError } from '../../../src/errors.js'
import { type Connection, connect } from '../../../src/network/index.js'
import { Apis } from '../../../src/protocol/index.js'
import { batches, RecordBatchBuilder } from '../../../src/protocol/records/index.js'
import { createTopic, longPollFetch, uniqueTopic } from './helpers.js'

const open: Connection[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

function plaintext(): { host: string; port: number } {
  return parseBrokerAddress(inject('kafkaBootstrapServers').split(',')[0]!)
}

async function conn(extra: Record<string, unknown> = {}): Promise<Connection> {
  const c = await connect({ ...plaintext(), clientId: 'kw-net-test', ...extra })
  open.push(c)
  return c
}

describe('Connection (real broker)', () => {
  it('negotiates API versions: the highest both sides support', async () => {
    const c = await conn()
    const v = c.versionFor(Apis.Metadata)
    const broker = c.apiVersions.brokerRange(Apis.Metadata.apiKey)!
    expect(v).toBe(Math.min(broker.maxVersion, Apis.Metadata.maxVersion))
    expect(c.supports(Apis.ApiVersions)).toBe(true)
    const md = await c.request(Apis.Metadata, { topics: [] })
    expect(md.brokers.length).toBeGreaterThan(0)
    expect(md.clusterId).toBeTruthy()
  })

  it('pipelines many concurrent requests on one connection; every response matches its request', async () => {
    const c = await conn({ maxInFlightRequests: 8 })
    const names = Array.from({ length: 300 }, (_, i) => `kw-pipeline-missing-${i}`)
    const results = await Promise.all(
      names.map((name) => c.request(Apis.Metadata, { topics: [{ name }], allowAutoTopicCreation: false })),
    )
    expect(results.map((r) => r.topics[0]!.name)).toEqual(names)
    expect(results.every((r) => r.topics[0]!.errorCode === 3)).toBe(true)
    expect(c.inFlight).toBe(0)
  })

  it('works with an older version of an API when asked', async () => {
    const c = await conn()
    const res = await c.request(Apis.Metadata, { topics: [] }, { version: 4 })
    expect(res.brokers.length).toBeGreaterThan(0)
  })

  it('acks=0 Produce resolves once written and the connection stays usable', async () => {
    const c = await conn()
    const res = await c.request(Apis.Produce, { acks: 0, timeoutMs: 1000, topicData: [] }, { expectResponse: false })
    expect(res).toBeUndefined()
    await expect(c.request(Apis.Metadata, { topics: [] })).resolves.toBeDefined()
  })

  it('abort: the request rejects at once, the late response is discarded, the connection stays usable', async () => {
    const c = await conn()
    const topic = uniqueTopic('kw-abort')
    const id = await createTopic(c, topic)
    const ac = new AbortController()
    // A Fetch that the broker holds for maxWaitMs.
    const p = c.request(Apis.Fetch, longPollFetch(c, topic, id, 1500), { signal: ac.signal })
    setTimeout(() => ac.abort(), 50)
    const started = Date.now()
    await expect(p).rejects.toBeInstanceOf(AbortError)
    expect(Date.now() - started).toBeLessThan(500)
    expect(c.inFlight).toBe(1) // its response is still due
    const md = await c.request(Apis.Metadata, { topics: [] })
    expect(md.brokers.length).toBeGreaterThan(0)
    expect(c.closed).toBe(false)
  })

  it('a request that outlives its timeout fails with TimeoutError and closes the connection', async () => {
    const c = await conn()
    const topic = uniqueTopic('kw-timeout')
    const id = await createTopic(c, topic)
    const started = Date.now()
    const err = await c.request(Apis.Fetch, longPollFetch(c, topic, id, 3000), { timeoutMs: 300 }).catch((e) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(c.closed).toBe(true)
    await expect(c.request(Apis.Metadata, {})).rejects.toBeInstanceOf(ClosedError)
    // A new connection works.
    const d = await conn()
    await expect(d.request(Apis.Metadata, { topics: [] })).resolves.toBeDefined()
  })
  it('a Fetch response of ~3 MiB arrives intact, and the connection keeps working after it', async () => {
    const c = await conn()
    const topic = uniqueTopic('kw-large-fetch')
    const topicId = await createTopic(c, topic)
    const values: Buffer[] = []
    // Three batches of ~900 KB (a batch must stay under the broker's max.message.bytes, 1 MiB).
    for (let b = 0; b < 3; b++) {
      const builder = new RecordBatchBuilder({ batchSizeLimit: 1_000_000 })
      for (let i = 0; i < 880; i++) {
        const value = randomBytes(1000)
        if (!builder.tryAppend(Date.now(), null, value)) break
        values.push(value)
      }
      const res = await c.request(Apis.Produce, {
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: topic, topicId, partitionData: [{ index: 0, records: builder.build() }] }],
      })
      expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0)
    }
    const v = c.versionFor(Apis.Fetch)
    const res = await c.request(Apis.Fetch, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 8 * 1024 * 1024,
      topics: [
        {
          ...(v >= 13 ? { topicId } : { topic }),
          partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 8 * 1024 * 1024 }],
        },
      ],
    })
    const records = res.responses[0]!.partitions[0]!.records!
    expect(records.length).toBeGreaterThan(2_500_000)
    const fetched = [...batches(records)].flatMap((batch) => [...batch.records()].map((r) => r.value!))
    expect(fetched.length).toBe(values.length)
    expect(fetched.every((value, i) => value.equals(values[i]!))).toBe(true)
    await expect(c.request(Apis.Metadata, { topics: [] })).resolves.toBeDefined()
  })
})

/**
 * Cluster.send's contract against fake brokers: the version is min(negotiated, maxVersion), chosen
 * in one place and handed to a build(version) body; a cap below what the broker accepts is an
 * UnsupportedVersionError; stale metadata is what clients report (invalidateMetadata), never read
 * out of responses (except the consumer's compatibility APIs).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Cluster } from '../../../src/cluster/cluster.js'
import { resolveCommonOptions } from '../../../src/cluster/options.js'
import { UnsupportedVersionError } from '../../../src/errors.js'
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

async function setup(brokers: number): Promise<{ f: FakeCluster; c: Cluster }> {
  const f = await startFakeCluster(brokers)
  fake = f
  f.state.topics.set('t', { partitions: [[1, 5]] })
  const c = new Cluster(
    resolveCommonOptions({
      bootstrapServers: f.bootstrap,
      requestTimeoutMs: 3000,
      retryBackoffMs: 10,
      retryBackoffMaxMs: 50,
    }),
  )
  cluster = c
  await c.topicMetadata(['t'])
  return { f, c }
}

const deleteRecords = { topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 1000 }

function answerDeleteRecords(f: FakeCluster, errorCode: number, versions: number[]): void {
  f.handler = (_id, req, ctx) => {
    if (req.api !== Apis.DeleteRecords) return false
    versions.push(req.version)
    ctx.reply(req, {
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, lowWatermark: 1n, errorCode }] }],
    })
    return true
  }
}

const metadataRequests = (f: FakeCluster) => f.requests().filter((r) => r.req.api === Apis.Metadata).length
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('Cluster.send contract (fake brokers)', () => {
  it('sends at the negotiated version, or at maxVersion when that is lower, and builds the body for it', async () => {
    const { f, c } = await setup(1)
    const versions: number[] = []
    answerDeleteRecords(f, 0, versions)
    await c.send(1, Apis.DeleteRecords, deleteRecords)
    const built: number[] = []
    await c.send(
      1,
      Apis.DeleteRecords,
      (v) => {
        built.push(v)
        return deleteRecords
      },
      { maxVersion: 1 },
    )
    await c.send(1, Apis.DeleteRecords, deleteRecords, { maxVersion: Apis.DeleteRecords.maxVersion + 5 })
    expect(versions).toEqual([Apis.DeleteRecords.maxVersion, 1, Apis.DeleteRecords.maxVersion])
    expect(built).toEqual([1])
  })

  it('rejects with UnsupportedVersionError naming the API when maxVersion is below what the broker accepts', async () => {
    const { c } = await setup(1)
    const err = await c
      .send(1, Apis.Produce, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [] }, { maxVersion: 2 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnsupportedVersionError)
    expect((err as Error).message).toMatch(/Produce v2 or older is needed, but broker 1 accepts Produce v3-v13/)
  })

  it('sendAny and sendToController take maxVersion and build(version) too', async () => {
    const { f, c } = await setup(1)
    const versions: number[] = []
    answerDeleteRecords(f, 0, versions)
    await c.sendAny(Apis.DeleteRecords, () => deleteRecords, { maxVersion: 0 })
    await c.sendToController(Apis.DeleteRecords, deleteRecords, { maxVersion: 1 })
    expect(versions).toEqual([0, 1])
  })

  it('does not read error codes out of responses: a client reports stale metadata with invalidateMetadata()', async () => {
    const { f, c } = await setup(2)
    answerDeleteRecords(f, 6 /* NOT_LEADER_OR_FOLLOWER */, [])
    f.state.topics.set('t', { partitions: [[2, 6]] }) // leadership moved
    const before = metadataRequests(f)
    const res = await c.send(1, Apis.DeleteRecords, deleteRecords)
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(6)
    await sleep(150)
    expect(metadataRequests(f)).toBe(before)
    expect(c.leaderFor('t', 0)).toEqual({ nodeId: 1, leaderEpoch: 5 })

    c.invalidateMetadata({ topic: 't', reason: 'NOT_LEADER_OR_FOLLOWER' })
    const deadline = Date.now() + 2000
    while (c.leaderFor('t', 0)?.nodeId !== 2 && Date.now() < deadline) await sleep(10)
    expect(c.leaderFor('t', 0)).toEqual({ nodeId: 2, leaderEpoch: 6 })
  })
})

/**
 * The admin executor against fake brokers: an operation declared as data runs through one place
 * (route, version cap, build, handle, fallback request), and item errors that say metadata is
 * stale are reported to the cluster explicitly (the cluster no longer reads them out of responses).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RoundReport } from '../../../src/admin/driver.js'
import { AdminExecutor } from '../../../src/admin/executor.js'
import { Admin, AdminAggregateError } from '../../../src/admin/index.js'
import { operation, request, singleOperation } from '../../../src/admin/operation.js'
import { Cluster } from '../../../src/cluster/cluster.js'
import { resolveCommonOptions } from '../../../src/cluster/options.js'
import { Apis } from '../../../src/protocol/index.js'
import { type FakeCluster, startFakeCluster } from '../cluster/fake-cluster.js'

let fake: FakeCluster
beforeEach(async () => {
  fake = await startFakeCluster(2)
})
afterEach(async () => {
  await fake.close()
})

const metadataRequests = () => fake.requests().filter((r) => r.req.api === Apis.Metadata).length
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('AdminExecutor (fake brokers)', () => {
  it('reports stale metadata to the cluster when an item fails with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const admin = new Admin({ bootstrapServers: fake.bootstrap, retryBackoffMs: 5, retryBackoffMaxMs: 20 })
    try {
      fake.handler = (_id, req, ctx) => {
        if (req.api !== Apis.DeleteTopics) return false
        ctx.reply(req, {
          responses: req.body.topics.map((t: any) => ({ name: t.name, errorCode: 3 /* UNKNOWN_TOPIC_OR_PARTITION */ })),
        })
        return true
      }
      await admin.listTopics() // connected
      const before = metadataRequests()
      const err = await admin.deleteTopics(['gone']).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AdminAggregateError)
      const deadline = Date.now() + 1000
      while (metadataRequests() === before && Date.now() < deadline) await sleep(10)
      expect(metadataRequests()).toBeGreaterThan(before)
    } finally {
      await admin.close()
    }
  })

  it('runs a declared operation: routed per item, capped at maxVersion, with a fallback when the broker lacks the API', async () => {
    const cluster = new Cluster(resolveCommonOptions({ bootstrapServers: fake.bootstrap, retryBackoffMs: 5 }))
    const closer = new AbortController()
    const executor = new AdminExecutor(
      cluster,
      { defaultApiTimeoutMs: 5000, requestTimeoutMs: 2000, retryBackoffMs: 5, retryBackoffMaxMs: 20 },
      closer.signal,
    )
    try {
      // Node 2 does not know DescribeCluster: its items fall back to Metadata.
      fake.handler = (nodeId, req, ctx) => {
        if (req.api === Apis.ApiVersions && nodeId === 2) {
          ctx.reply(req, {
            errorCode: 0,
            apiKeys: [...(Object.values(Apis) as any[])]
              .filter((a) => a !== Apis.DescribeCluster)
              .map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion })),
          })
          return true
        }
        if (req.api !== Apis.DescribeCluster) return false
        ctx.reply(req, { errorCode: 0, clusterId: `from-${nodeId}-v${req.version}`, controllerId: 1, brokers: [] })
        return true
      }
      const seen = await executor.call({}, () =>
        operation({
          name: 'whoAmI',
          itemKind: 'brokers',
          api: Apis.DescribeCluster,
          maxVersion: 0,
          route: 'broker',
          node: (item: number) => item,
          items: new Map([
            ['a', 1],
            ['b', 2],
          ]),
          build: () => ({ includeClusterAuthorizedOperations: false }),
          handle: (response, report: RoundReport<string>, ctx) => {
            for (const k of ctx.keys) report.ok(k, response.clusterId)
          },
          next: request({
            api: Apis.Metadata,
            build: () => ({ topics: [], allowAutoTopicCreation: false }),
            handle: (response, report: RoundReport<string>, ctx) => {
              for (const k of ctx.keys) report.ok(k, `metadata-${ctx.node}-${response.clusterId}`)
            },
          }),
        }),
      )
      expect(seen).toEqual(['from-1-v0', 'metadata-2-fake-cluster'])
      const single = await executor.call({}, () =>
        singleOperation({
          name: 'one',
          api: Apis.DescribeCluster,
          route: 'controller',
          build: () => ({ includeClusterAuthorizedOperations: false }),
          handle: (response, report: RoundReport<string>) => report.ok('call', response.clusterId),
        }),
      )
      expect(single).toBe(`from-1-v${Apis.DescribeCluster.maxVersion}`)
    } finally {
      closer.abort()
      await cluster.close()
    }
  })
})

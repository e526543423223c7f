// The telemetry driver against fake brokers (real sockets, the real codec): what goes on the wire.
// The state machine's timing is state.test.ts's; the broker's view is the integration test's.
import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { Cluster, metadataRequest } from '../../../../src/cluster/cluster.js'
import { resolveCommonOptions } from '../../../../src/cluster/options.js'
import { ClientTelemetryReporter, clientInstanceId, type Metric } from '../../../../src/cluster/telemetry/index.js'
import { ErrorCode } from '../../../../src/error-codes.js'
import { IllegalStateError } from '../../../../src/errors.js'
import { Apis } from '../../../../src/protocol/index.js'
import { defaultApiVersions } from '../../network/fake-broker.js'
import { type FakeCluster, startFakeCluster } from '../fake-cluster.js'

const ASSIGNED = 'sQ7b3sTqQkKx2xVd3fWnGA'

const metrics: Metric[] = [
  { name: 'record-send-total', group: 'producer-metrics', tags: {}, description: '', value: 4, type: 'sum' },
  { name: 'fetch-rate', group: 'consumer-fetch-manager-metrics', tags: {}, description: '', value: 1, type: 'gauge' },
]

function subscriptionResponse(over: Record<string, unknown> = {}) {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    clientInstanceId: ASSIGNED,
    subscriptionId: 11,
    acceptedCompressionTypes: [1],
    pushIntervalMs: 20,
    telemetryMaxBytes: 1 << 20,
    deltaTemporality: false,
    requestedMetrics: ['org.apache.kafka.producer.'],
    ...over,
  }
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10))
}

describe('ClientTelemetryReporter (the driver)', () => {
  let fake: FakeCluster | undefined
  let cluster: Cluster | undefined
  let reporter: ClientTelemetryReporter | undefined

  afterEach(async () => {
    await reporter?.close(Date.now())
    await cluster?.close()
    await fake?.close()
    fake = cluster = reporter = undefined
  })

  async function start(requestTimeoutMs = 30_000, logger?: { debug: (m: string) => void }) {
    fake = await startFakeCluster(1)
    cluster = new Cluster(
      resolveCommonOptions({
        bootstrapServers: fake.bootstrap,
        requestTimeoutMs,
        ...(logger ? { logger: { info() {}, warn() {}, error() {}, ...logger }, logLevel: 'debug' as const } : {}),
      }),
    )
    await cluster.connect()
    const telemetryRequests = () =>
      fake!.requests().filter((r) => r.req.api === Apis.GetTelemetrySubscriptions || r.req.api === Apis.PushTelemetry)
    return { fake, cluster, telemetryRequests }
  }

  it('pushes the selected metrics compressed with the codec the broker accepts, then terminates', async () => {
    const { fake, cluster, telemetryRequests } = await start()
    fake.handler = (_node, req, ctx) => {
      if (req.api === Apis.GetTelemetrySubscriptions) ctx.reply(req, subscriptionResponse())
      else if (req.api === Apis.PushTelemetry) ctx.reply(req, { throttleTimeMs: 0, errorCode: 0 })
      else return false
      return true
    }
    reporter = new ClientTelemetryReporter(cluster, { source: () => metrics, resource: { transactional_id: 'tx' } })
    await until(() => telemetryRequests().filter((r) => r.req.api === Apis.PushTelemetry).length >= 2)
    await reporter.close(Date.now() + 5000)
    const reqs = telemetryRequests().map((r) => r.req)
    expect(reqs[0]!.api).toBe(Apis.GetTelemetrySubscriptions)
    expect(reqs[0]!.body.clientInstanceId).toBe('AAAAAAAAAAAAAAAAAAAAAA')
    const pushes = reqs.filter((r) => r.api === Apis.PushTelemetry).map((r) => r.body)
    for (const p of pushes) {
      expect(p).toMatchObject({ clientInstanceId: ASSIGNED, subscriptionId: 11, compressionType: 1 })
      const otlp = gunzipSync(p.metrics)
      expect(otlp.includes('org.apache.kafka.producer.record.send.total')).toBe(true)
      // Not subscribed: left out.
      expect(otlp.includes('fetch.rate')).toBe(false)
      expect(otlp.includes('transactional_id')).toBe(true)
    }
    expect(pushes.map((p) => p.terminating)).toEqual([...pushes.slice(1).map(() => false), true])
    expect(reporter.clientInstanceId).toBe(ASSIGNED)
  })

  it('UNKNOWN_SUBSCRIPTION_ID: fetches the subscription again, as the client instance it was assigned', async () => {
    const { fake, cluster, telemetryRequests } = await start()
    let pushes = 0
    fake.handler = (_node, req, ctx) => {
      if (req.api === Apis.GetTelemetrySubscriptions) ctx.reply(req, subscriptionResponse())
      else if (req.api === Apis.PushTelemetry)
        ctx.reply(req, { throttleTimeMs: 0, errorCode: pushes++ === 0 ? ErrorCode.UNKNOWN_SUBSCRIPTION_ID : 0 })
      else return false
      return true
    }
    reporter = new ClientTelemetryReporter(cluster, { source: () => metrics })
    await until(() => telemetryRequests().filter((r) => r.req.api === Apis.PushTelemetry).length >= 2)
    const apis = telemetryRequests().map((r) => r.req.api.name)
    expect(apis.slice(0, 4)).toEqual([
      'GetTelemetrySubscriptions',
      'PushTelemetry',
      'GetTelemetrySubscriptions',
      'PushTelemetry',
    ])
    expect(telemetryRequests()[2]!.req.body.clientInstanceId).toBe(ASSIGNED)
  })

  it('close() is bounded by its deadline when the broker does not answer the terminating push', async () => {
    const { fake, cluster, telemetryRequests } = await start(600_000)
    fake.handler = (_node, req, ctx) => {
      if (req.api === Apis.GetTelemetrySubscriptions) ctx.reply(req, subscriptionResponse({ pushIntervalMs: 60_000 }))
      else if (req.api === Apis.PushTelemetry)
        return true // silence
      else return false
      return true
    }
    reporter = new ClientTelemetryReporter(cluster, { source: () => metrics })
    await until(() => reporter!.clientInstanceId !== undefined)
    // The request timeout is 10 minutes; the test's 30 s timeout fails if close() waits for it.
    await reporter.close(Date.now() + 200)
    expect(telemetryRequests().at(-1)!.req.body.terminating).toBe(true)
  })

  it('UNSUPPORTED_VERSION from the broker stops telemetry: no terminating push on close', async () => {
    const { fake, cluster, telemetryRequests } = await start()
    fake.handler = (_node, req, ctx) => {
      if (req.api === Apis.GetTelemetrySubscriptions) ctx.reply(req, subscriptionResponse())
      else if (req.api === Apis.PushTelemetry)
        ctx.reply(req, { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION })
      else return false
      return true
    }
    reporter = new ClientTelemetryReporter(cluster, { source: () => metrics })
    await until(() => telemetryRequests().some((r) => r.req.api === Apis.PushTelemetry))
    await until(() => !reporter!.enabled)
    await reporter.close(Date.now() + 5000)
    expect(reporter.state).toBe('TERMINATED')
    expect(telemetryRequests().filter((r) => r.req.api === Apis.PushTelemetry)).toHaveLength(1)
  })

  it('a broker without the telemetry APIs (no plugin): no request, and no connection opened to learn it', async () => {
    const debug: string[] = []
    const { fake, cluster, telemetryRequests } = await start(30_000, { debug: (m) => debug.push(m) })
    fake.handler = (_node, req, ctx) => {
      if (req.api !== Apis.ApiVersions) return false
      const apiKeys = defaultApiVersions().filter((k) => k.apiKey !== 71 && k.apiKey !== 72)
      ctx.reply(req, { errorCode: 0, apiKeys })
      return true
    }
    // The connection a producer has to the broker (telemetry would otherwise use an 'admin' one).
    await cluster.send(fake.nodeIds[0]!, Apis.Metadata, (v) => metadataRequest(v, [], false), { workload: 'produce' })
    const connections = fake.brokers[0]!.connections
    reporter = new ClientTelemetryReporter(cluster, { source: () => metrics })
    const failed = (m: string) =>
      m.startsWith('kafka-wire telemetry: request failed') && m.includes('api=GetTelemetrySubscriptions')
    await until(() => debug.some(failed))
    expect(debug.find(failed)).toMatch(/does not support GetTelemetrySubscriptions/)
    expect(telemetryRequests()).toEqual([])
    expect(fake.brokers[0]!.connections).toBe(connections)
    expect(reporter.enabled).toBe(true) // it asks again in 5 minutes (state.test.ts)
    expect(reporter.state).toBe('SUBSCRIPTION_NEEDED')
    // No id is coming from this broker: clientInstanceId() answers null at once, not after its timeout.
    const asked = Date.now()
    expect(await clientInstanceId(reporter, 60_000)).toBeNull()
    expect(Date.now() - asked).toBeLessThan(5000)
  })

  describe("clientInstanceId(timeoutMs) (Java's)", () => {
    it('waits for the first subscription and resolves every waiter with the id the broker assigned', async () => {
      const { fake, cluster } = await start()
      let answer: (() => void) | undefined
      fake.handler = (_node, req, ctx) => {
        if (req.api === Apis.GetTelemetrySubscriptions) answer = () => ctx.reply(req, subscriptionResponse())
        else if (req.api === Apis.PushTelemetry) ctx.reply(req, { throttleTimeMs: 0, errorCode: 0 })
        else return false
        return true
      }
      reporter = new ClientTelemetryReporter(cluster, { source: () => metrics })
      const first = clientInstanceId(reporter, 20_000)
      const second = clientInstanceId(reporter, 20_000)
      await until(() => answer !== undefined)
      let settled = false
      void first.then(() => {
        settled = true
      })
      await new Promise((r) => setTimeout(r, 50))
      expect(settled).toBe(false) // still waiting: the broker has not answered
      answer!()
      expect(await first).toBe(ASSIGNED)
      expect(await second).toBe(ASSIGNED)
      expect(await clientInstanceId(reporter, 0)).toBe(ASSIGNED)
    })

    it('null when no subscription came within the timeout; 0 does not wait', async () => {
      const { fake, cluster } = await start()
      fake.handler = (_node, req) => req.api === Apis.GetTelemetrySubscriptions // never answered
      reporter = new ClientTelemetryReporter(cluster, { source: () => metrics })
      expect(await clientInstanceId(reporter, 0)).toBeNull()
      const asked = Date.now()
      expect(await clientInstanceId(reporter, 300)).toBeNull()
      expect(Date.now() - asked).toBeGreaterThanOrEqual(250)
    })

    it('close() answers a waiting call with null at once', async () => {
      const { fake, cluster } = await start()
      fake.handler = (_node, req) => req.api === Apis.GetTelemetrySubscriptions
      reporter = new ClientTelemetryReporter(cluster, { source: () => metrics })
      const waiting = clientInstanceId(reporter, 600_000)
      await reporter.close(Date.now() + 100)
      expect(await waiting).toBeNull()
    })

    it('IllegalStateError without telemetry (enableMetricsPush: false), TypeError for a bad timeout', async () => {
      await expect(clientInstanceId(undefined, 1000)).rejects.toThrow(IllegalStateError)
      await expect(clientInstanceId(undefined, 1000)).rejects.toThrow(/enableMetricsPush/)
      await expect(clientInstanceId(undefined, -1)).rejects.toThrow(TypeError)
      await expect(clientInstanceId(undefined, Number.NaN)).rejects.toThrow(TypeError)
      await expect(clientInstanceId(undefined, '5' as unknown as number)).rejects.toThrow(TypeError)
    })
  })
})

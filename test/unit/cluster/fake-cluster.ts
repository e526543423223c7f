/**
 * A cluster of fake brokers (node:net on 127.0.0.1) sharing one state: each answers Metadata
 * with every fake broker and the topics in `state.topics`, and FindCoordinator from
 * `state.coordinators`. Tests override behaviour per request through `handler`.
 */
import { Apis } from '../../../src/protocol/index.js'
import { type FakeBroker, type FakeContext, type FakeRequest, startFakeBroker } from '../network/fake-broker.js'

export interface FakeTopic {
  id?: string
  errorCode?: number
  /** [leaderId, leaderEpoch] per partition. */
  partitions: [number, number][]
}

export interface FakeClusterState {
  topics: Map<string, FakeTopic>
  controllerId: number
  /** key → [errorCode, nodeId] */
  coordinators: Map<string, [number, number]>
}

export interface FakeCluster {
  brokers: FakeBroker[]
  nodeIds: number[]
  state: FakeClusterState
  /** Requests seen by every broker, with the node id that got each. */
  requests(): { nodeId: number; req: FakeRequest }[]
  bootstrap: string
  handler: ((nodeId: number, req: FakeRequest, ctx: FakeContext) => boolean | undefined) | undefined
  close(): Promise<void>
}

export async function startFakeCluster(n: number): Promise<FakeCluster> {
  const state: FakeClusterState = { topics: new Map(), controllerId: 1, coordinators: new Map() }
  const nodeIds = Array.from({ length: n }, (_, i) => i + 1)
  const brokers: FakeBroker[] = []
  const cluster: FakeCluster = {
    brokers,
    nodeIds,
    state,
    handler: undefined,
    bootstrap: '',
    requests: () => brokers.flatMap((b, i) => b.requests.map((req) => ({ nodeId: nodeIds[i]!, req }))),
    close: async () => {
      await Promise.all(brokers.map((b) => b.close()))
    },
  }
  for (const nodeId of nodeIds) {
    const b = await startFakeBroker((req, ctx) => {
      if (cluster.handler?.(nodeId, req, ctx) === true) return true
      if (req.api === Apis.Metadata) {
        const wanted: string[] | null = req.body.topics === null ? null : req.body.topics.map((t: any) => t.name)
        const names = wanted ?? [...state.topics.keys()]
        ctx.reply(req, {
          brokers: brokers.map((bb, i) => ({ nodeId: nodeIds[i], host: '127.0.0.1', port: bb.port, rack: null })),
          clusterId: 'fake-cluster',
          controllerId: state.controllerId,
          topics: names.map((name) => {
            const t = state.topics.get(name)
            if (t === undefined) return { errorCode: 3, name, partitions: [] }
            return {
              errorCode: t.errorCode ?? 0,
              name,
              topicId: t.id ?? 'AAAAAAAAAAAAAAAAAAAAAQ',
              partitions: t.partitions.map(([leaderId, leaderEpoch], i) => ({
                errorCode: 0,
                partitionIndex: i,
                leaderId,
                leaderEpoch,
                replicaNodes: nodeIds,
                isrNodes: nodeIds,
              })),
            }
          }),
        })
        return true
      }
      if (req.api === Apis.FindCoordinator) {
        const lookup = (key: string) => {
          const [errorCode, id] = state.coordinators.get(key) ?? [15, -1]
          const port = id > 0 ? brokers[nodeIds.indexOf(id)]!.port : -1
          return { key, errorCode, nodeId: id, host: id > 0 ? '127.0.0.1' : '', port }
        }
        if (req.version >= 4) ctx.reply(req, { coordinators: req.body.coordinatorKeys.map(lookup) })
        else ctx.reply(req, lookup(req.body.key))
        return true
      }
      return false
    })
    brokers.push(b)
  }
  cluster.bootstrap = brokers.map((b) => `127.0.0.1:${b.port}`).join(',')
  return cluster
}

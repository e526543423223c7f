/** An in-process fake of the Cluster parts the Producer uses, for Producer unit tests. */
import type { ProducerCluster } from '../../../src/producer/transport.js'
import { batches } from '../../../src/protocol/records/index.js'

export interface FakeCluster extends ProducerCluster {
  /** Produce requests received: (node, topic, partition, values). */
  produced: {
    node: number
    topic: string
    partition: number
    values: string[]
    /** Each record's headers as [key, UTF-8 value] pairs. */
    headers: [string, string | null][][]
  }[]
  /** When true, Produce requests wait until release() is called. */
  hold: boolean
  release(): void
  /** Error code to answer for the next Produce partitions (then 0). */
  nextErrorCode: number
}

export function fakeCluster(topics: Record<string, number>): FakeCluster {
  const md = new Map(
    Object.entries(topics).map(([name, n]) => [
      name,
      {
        name,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        isInternal: false,
        errorCode: 0,
        partitions: Array.from({ length: n }, (_, p) => ({
          partition: p,
          leaderId: p % 2,
          leaderEpoch: 0,
          replicas: [p % 2],
          isr: [p % 2],
          offlineReplicas: [],
          errorCode: 0,
        })),
      },
    ]),
  )
  const offsets = new Map<string, bigint>()
  const held: (() => void)[] = []
  const fake = {
    produced: [] as FakeCluster['produced'],
    hold: false,
    nextErrorCode: 0,
    release() {
      for (const r of held.splice(0)) r()
    },
    topic: (name: string) => md.get(name),
    async topicMetadata(names: string[], opts: { timeoutMs?: number } = {}) {
      const out = new Map()
      for (const n of names) {
        const t = md.get(n)
        if (t === undefined) {
          await new Promise((r) => setTimeout(r, opts.timeoutMs ?? 100))
          const { UnknownTopicOrPartitionError } = await import('../../../src/errors.js')
          throw new UnknownTopicOrPartitionError(3, null, { topic: n })
        }
        out.set(n, t)
      }
      return out
    },
    refreshMetadata: async () => {},
    requestMetadataRefresh: () => {},
    updateLeader: () => false,
    connect: async () => {},
    close: async () => {},
    sendAny: async () => ({ errorCode: 0, producerId: 7n, producerEpoch: 0, throttleTimeMs: 0 }),
    async send(node: number, _api: unknown, body: any) {
      if (fake.hold) await new Promise<void>((r) => held.push(r))
      const code = fake.nextErrorCode
      fake.nextErrorCode = 0
      return {
        throttleTimeMs: 0,
        responses: body.topicData.map((t: any) => ({
          name: t.name,
          topicId: t.topicId,
          partitionResponses: t.partitionData.map((p: any) => {
            const values: string[] = []
            const headers: [string, string | null][][] = []
            for (const b of batches(p.records)) {
              for (const r of b.records()) {
                values.push(r.value?.toString() ?? '')
                headers.push((r.headers ?? []).map((h) => [h.key, h.value?.toString() ?? null]))
              }
            }
            fake.produced.push({ node, topic: t.name, partition: p.index, values, headers })
            const k = `${t.name}-${p.index}`
            const base = offsets.get(k) ?? 0n
            if (code === 0) offsets.set(k, base + BigInt(values.length))
            return {
              index: p.index,
              errorCode: code,
              baseOffset: code === 0 ? base : -1n,
              logAppendTimeMs: -1n,
              logStartOffset: 0n,
              recordErrors: [],
              errorMessage: null,
            }
          }),
        })),
      }
    },
  }
  return fake as unknown as FakeCluster
}

// ensureAssignedTopicsMetadata (src/consumer/subscription-metadata.ts): the consumer's step between
// an assignment and its first Fetch. A topic whose metadata the cache holds costs no round trip;
// one it lacks (or holds with an error) is refreshed once; a failed refresh is tried again.
import { describe, expect, it } from 'vitest'
import type { TopicMetadata } from '../../../src/cluster/metadata.js'
import { ensureAssignedTopicsMetadata } from '../../../src/consumer/subscription-metadata.js'
import { SubscriptionState } from '../../../src/consumer/subscription-state.js'
import { ErrorCode } from '../../../src/errors.js'

function fakeCluster(cached: Record<string, { errorCode: number; partitions: number }>, fail = false) {
  const refreshed: string[][] = []
  return {
    refreshed,
    topic: (name: string) => {
      const t = cached[name]
      return (
        t && ({ errorCode: t.errorCode, partitions: Array.from({ length: t.partitions }) } as unknown as TopicMetadata)
      )
    },
    refreshMetadata: async ({ topics }: { topics?: string[] }) => {
      refreshed.push(topics ?? [])
      if (fail) throw new Error('broker gone')
    },
  }
}

function assigned(...topics: string[]) {
  const s = new SubscriptionState('earliest')
  s.subscribe(topics)
  s.assignFromSubscribed(topics.map((topic) => ({ topic, partition: 0 })))
  return s
}

describe('ensureAssignedTopicsMetadata', () => {
  it('sends no Metadata request for assigned topics the cache already holds', () => {
    const cluster = fakeCluster({ a: { errorCode: ErrorCode.NONE, partitions: 3 } })
    ensureAssignedTopicsMetadata(cluster as never, assigned('a'), new Set(), undefined)
    expect(cluster.refreshed).toEqual([])
  })

  it('refreshes, once, the topics missing from the cache or held with an error', () => {
    const cluster = fakeCluster({
      a: { errorCode: ErrorCode.NONE, partitions: 3 },
      b: { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, partitions: 0 },
    })
    const known = new Set<string>()
    const subs = assigned('a', 'b', 'c')
    ensureAssignedTopicsMetadata(cluster as never, subs, known, undefined)
    ensureAssignedTopicsMetadata(cluster as never, subs, known, undefined)
    expect(cluster.refreshed).toEqual([['b', 'c']])
  })

  it('forgets the topics of a refresh that failed, so that the next poll asks again', async () => {
    const cluster = fakeCluster({}, true)
    const known = new Set<string>()
    const subs = assigned('a')
    ensureAssignedTopicsMetadata(cluster as never, subs, known, undefined)
    await new Promise((r) => setImmediate(r))
    expect(known.has('a')).toBe(false)
    ensureAssignedTopicsMetadata(cluster as never, subs, known, undefined)
    expect(cluster.refreshed).toEqual([['a'], ['a']])
  })
})

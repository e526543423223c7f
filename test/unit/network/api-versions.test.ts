import { describe, expect, it } from 'vitest'
import { UnsupportedVersionError } from '../../../src/errors.js'
import { ApiVersionTable } from '../../../src/network/api-versions.js'
import { Apis } from '../../../src/protocol/index.js'

describe('ApiVersionTable', () => {
  it('picks the highest version both sides support', () => {
    const t = new ApiVersionTable([
      { apiKey: Apis.Metadata.apiKey, minVersion: 0, maxVersion: 99 },
      { apiKey: Apis.Produce.apiKey, minVersion: 3, maxVersion: 5 },
    ])
    expect(t.versionFor(Apis.Metadata)).toBe(Apis.Metadata.maxVersion)
    expect(t.versionFor(Apis.Produce)).toBe(5)
    expect(t.supports(Apis.Fetch)).toBe(false)
    expect(() => t.versionFor(Apis.Fetch)).toThrow(UnsupportedVersionError)
  })

  it('reports no common version', () => {
    const t = new ApiVersionTable([{ apiKey: Apis.Metadata.apiKey, minVersion: 100, maxVersion: 120 }])
    expect(t.supports(Apis.Metadata)).toBe(false)
    expect(() => t.versionFor(Apis.Metadata)).toThrow(/No common version of Metadata/)
  })

  it('names the feature and the release that has it when an older broker lacks an API', () => {
    // What a Kafka 3.9 broker (KIP-848 off) or a ZooKeeper-mode broker offers: no ConsumerGroupHeartbeat.
    const t = new ApiVersionTable([{ apiKey: Apis.Metadata.apiKey, minVersion: 0, maxVersion: 12 }])
    expect(() => t.versionFor(Apis.ConsumerGroupHeartbeat)).toThrow(
      /does not support ConsumerGroupHeartbeat \(API key 68\): the KIP-848 consumer group protocol needs Kafka 4\.0 or later/,
    )
    expect(() => t.versionFor(Apis.DescribeTransactions)).toThrow(/needs Kafka 3\.0 or later/)
    // A broker older than every version kafka-wire speaks (Produce v3 is Kafka 0.11).
    const ancient = new ApiVersionTable([{ apiKey: Apis.Produce.apiKey, minVersion: 0, maxVersion: 2 }])
    expect(() => ancient.versionFor(Apis.Produce)).toThrow(/kafka-wire needs Kafka 2\.1 or later/)
  })

  it("negotiates down to a Kafka 2.1 broker's ranges, the oldest kafka-wire supports", () => {
    // The highest versions a 2.1 broker announces for the APIs every client uses (Produce v7 and
    // Fetch v10 came with zstd in 2.1; OffsetForLeaderEpoch v2, kafka-wire's lowest, too).
    const v21: [keyof typeof Apis, number][] = [
      ['Produce', 7],
      ['Fetch', 10],
      ['ListOffsets', 4],
      ['Metadata', 7],
      ['OffsetCommit', 6],
      ['OffsetFetch', 5],
      ['FindCoordinator', 2],
      ['JoinGroup', 3],
      ['Heartbeat', 2],
      ['LeaveGroup', 2],
      ['SyncGroup', 2],
      ['OffsetForLeaderEpoch', 2],
      ['InitProducerId', 1],
      ['ApiVersions', 2],
    ]
    const t = new ApiVersionTable(
      v21.map(([name, max]) => ({ apiKey: Apis[name].apiKey, minVersion: 0, maxVersion: max })),
    )
    for (const [name, max] of v21) expect(t.versionFor(Apis[name]), name).toBe(max)
  })

  it('allows only versions within both ranges', () => {
    const t = new ApiVersionTable([{ apiKey: Apis.SaslHandshake.apiKey, minVersion: 0, maxVersion: 1 }])
    expect(t.allows(Apis.SaslHandshake, 1)).toBe(true)
    expect(t.allows(Apis.SaslHandshake, 2)).toBe(false)
    expect(t.allows(Apis.SaslAuthenticate, 0)).toBe(false)
  })
})

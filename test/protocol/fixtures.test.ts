/**
 * Response frames captured from a real Apache Kafka 4.3.1 broker (by
 * test/integration/protocol/broker-golden.test.ts with CAPTURE_FIXTURES=1), decoded without a
 * broker. Bytes our own writer produced can hide a bug the reader shares; these cannot.
 * Each frame (size prefix removed) is named `<api>-v<request version>[-note]-response.bin`.
 * Every one must decode, say what the broker said, and re-encode to exactly the same bytes.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { decodeResponse, responseHeaderVersion } from '../../src/protocol/header.js'
import { Apis } from '../../src/protocol/messages/index.js'
import { encodeMessage } from '../../src/protocol/schema/codec.js'
import type { ApiSchema } from '../../src/protocol/schema/dsl.js'

const dir = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
const apiByFileName = new Map<string, ApiSchema<any, any>>(Object.values(Apis).map((a) => [kebab(a.name), a]))

interface Fixture {
  readonly file: string
  readonly api: ApiSchema<any, any>
  readonly version: number
  readonly note: string
  readonly frame: Buffer
}

const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('-response.bin'))
  .sort()
  .map((file) => {
    const m = /^(.+?)-v(\d+)(-.+)?-response\.bin$/.exec(file)
    if (m === null) throw new Error(`fixture ${file} is not named <api>-v<version>[-note]-response.bin`)
    const api = apiByFileName.get(m[1]!)
    if (api === undefined) throw new Error(`fixture ${file}: no API called ${m[1]}`)
    return { file, api, version: Number(m[2]), note: m[3]?.slice(1) ?? '', frame: readFileSync(join(dir, file)) }
  })

const decode = (f: Fixture): any => decodeResponse(f.api, f.version, f.frame)
const of = (api: ApiSchema<any, any>, note = '') =>
  fixtures.filter((f) => f.api === api && f.note === note).map((f) => [f.file, f] as const)

it('there are fixtures for the core APIs', () => {
  const apis = new Set(fixtures.map((f) => f.api.name))
  for (const name of ['ApiVersions', 'Metadata', 'CreateTopics', 'DescribeConfigs', 'ListGroups', 'FindCoordinator']) {
    expect(apis.has(name), name).toBe(true)
  }
  expect(fixtures.length).toBeGreaterThanOrEqual(30)
})

describe.each(fixtures.map((f) => [f.file, f] as const))('%s', (_file, f) => {
  it('decodes and re-encodes to the broker’s exact bytes', () => {
    const decoded = decode(f)
    const headerLength = responseHeaderVersion(f.api, f.version) === 1 ? 5 : 4
    expect(encodeMessage(f.api.response, f.version, decoded).toString('hex')).toBe(
      f.frame.subarray(headerLength).toString('hex'),
    )
  })
})

// What the broker said, fixture by fixture. All were captured from one single-node cluster.
const clusterIds = new Set<string>()

describe.each(of(Apis.ApiVersions))('%s', (_file, f) => {
  it('lists the broker’s ranges', () => {
    const r = decode(f)
    expect(r.errorCode).toBe(0)
    const keys = new Map(r.apiKeys.map((k: any) => [k.apiKey, [k.minVersion, k.maxVersion]]))
    // Produce: Kafka 4.x still advertises v0 (KAFKA-18659, for old librdkafka) though it accepts only v3+.
    expect(keys.get(0)).toStrictEqual([0, 13])
    expect(keys.get(1)).toStrictEqual([4, 18]) // Fetch
    expect(keys.get(18)).toStrictEqual([0, 4]) // ApiVersions
    if (f.version >= 1) expect(r.throttleTimeMs).toBe(0)
    if (f.version >= 3) {
      expect(r.supportedFeatures.map((x: any) => x.name)).toContain('metadata.version')
      expect(r.finalizedFeaturesEpoch).toBeGreaterThan(0n)
      expect(r.finalizedFeatures.map((x: any) => x.name)).toContain('metadata.version')
    } else {
      expect(r.finalizedFeaturesEpoch).toBe(-1n) // absent before v3: the default
    }
  })
})

describe.each(of(Apis.ApiVersions, 'unsupported-version'))('%s', (_file, f) => {
  it('is a v0 response with UNSUPPORTED_VERSION and the ApiVersions range only', () => {
    const r = decode(f)
    expect(r.errorCode).toBe(35)
    expect(r.apiKeys).toStrictEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }])
  })
})

describe.each([...of(Apis.Metadata), ...of(Apis.Metadata, 'topic')])('%s', (_file, f) => {
  it('names the one broker and the cluster', () => {
    const r = decode(f)
    expect(r.brokers).toHaveLength(1)
    expect(r.brokers[0].host).toBe('127.0.0.1')
    expect(r.brokers[0].port).toBeGreaterThan(0)
    if (f.version >= 1) expect(r.controllerId).toBeGreaterThanOrEqual(0)
    if (f.version >= 2) {
      expect(r.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
      clusterIds.add(r.clusterId)
      expect(clusterIds.size).toBe(1)
    }
    if (f.note === 'topic') {
      expect(r.topics).toHaveLength(1)
      const t = r.topics[0]
      expect(t.errorCode).toBe(0)
      expect(t.name).toMatch(/^codec-golden-v\d+-/)
      expect(t.partitions.map((p: any) => p.partitionIndex).sort()).toStrictEqual([0, 1, 2])
      for (const p of t.partitions) {
        expect(p.leaderId).toBe(r.brokers[0].nodeId)
        expect(p.isrNodes).toStrictEqual([r.brokers[0].nodeId])
        expect(p.leaderEpoch).toBeGreaterThanOrEqual(0)
      }
    }
  })
})

describe.each(of(Apis.CreateTopics))('%s', (_file, f) => {
  it('reports the created topic', () => {
    const r = decode(f)
    expect(r.topics).toHaveLength(1)
    const t = r.topics[0]
    expect(t.errorCode).toBe(0)
    expect(t.name).toMatch(/^codec-golden-v\d+-/)
    if (f.version >= 5) {
      expect(t.numPartitions).toBe(3)
      expect(t.replicationFactor).toBe(1)
      const retention = t.configs.find((c: any) => c.name === 'retention.ms')
      expect(retention.value).toBe('3600000')
      expect(retention.configSource).toBe(1) // DYNAMIC_TOPIC_CONFIG
    }
    if (f.version >= 7) expect(t.topicId).not.toBe('AAAAAAAAAAAAAAAAAAAAAA')
  })
})

describe.each(of(Apis.DescribeConfigs))('%s', (_file, f) => {
  it('describes the broker’s num.partitions and log.dirs', () => {
    const r = decode(f)
    const result = r.results[0]
    expect(result.errorCode).toBe(0)
    expect(result.resourceType).toBe(4) // BROKER
    const names = result.configs.map((c: any) => c.name).sort()
    expect(names).toStrictEqual(['log.dirs', 'num.partitions'])
    const numPartitions = result.configs.find((c: any) => c.name === 'num.partitions')
    expect(numPartitions.value).toMatch(/^\d+$/)
    expect(numPartitions.synonyms.length).toBeGreaterThan(0)
    if (f.version >= 3) {
      expect(numPartitions.configType).toBe(3) // INT
      expect(numPartitions.documentation).toMatch(/partitions/i)
    }
  })
})

describe.each(of(Apis.FindCoordinator))('%s', (_file, f) => {
  it('finds the group coordinator', () => {
    const r = decode(f)
    if (f.version >= 4) {
      expect(r.coordinators).toHaveLength(1)
      expect(r.coordinators[0].key).toBe('codec-golden-group')
      expect(r.coordinators[0].errorCode).toBe(0)
      expect(r.coordinators[0].host).toBe('127.0.0.1')
    } else {
      expect(r.errorCode).toBe(0)
      expect(r.host).toBe('127.0.0.1')
    }
  })
})

describe.each(of(Apis.ListGroups))('%s', (_file, f) => {
  it('lists groups without error', () => {
    expect(decode(f).errorCode).toBe(0)
  })
})

describe.each(of(Apis.Produce))('%s', (_file, f) => {
  it('acknowledges the batch', () => {
    const r = decode(f)
    const p = r.responses[0].partitionResponses[0]
    expect(p.errorCode).toBe(0)
    expect(p.baseOffset).toBeGreaterThanOrEqual(0n)
    expect(p.errorMessage).toBeNull()
  })
})

describe.each(of(Apis.Fetch))('%s', (_file, f) => {
  it('returns the produced batches as a zero-copy slice of the frame', () => {
    const r = decode(f)
    const p = r.responses[0].partitions[0]
    expect(p.errorCode).toBe(0)
    expect(p.highWatermark).toBe(2n)
    expect(p.records.buffer).toBe(f.frame.buffer)
    const text = p.records.toString('latin1')
    expect(text).toContain('hello v9')
    expect(text).toContain('hello v13')
  })
})

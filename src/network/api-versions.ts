/**
 * API version negotiation (KIP-35, KIP-511): the broker's supported range per API key, read from an
 * ApiVersions response, and the version we use for each API = the highest both sides support.
 * Pure; the connection performs the ApiVersions exchange itself.
 */
import { UnsupportedVersionError } from '../errors.js'
import type { ApiSchema } from '../protocol/index.js'

export interface VersionRange {
  readonly minVersion: number
  readonly maxVersion: number
}

/**
 * What an API that not every supported broker (Kafka 2.1 and later) has is needed for, and the
 * first release that has it: an older broker's refusal then names the feature and the release
 * instead of only an API key (docs/compatibility.md).
 */
const NEEDS: Readonly<Record<string, string>> = {
  ConsumerGroupHeartbeat: 'the KIP-848 consumer group protocol needs Kafka 4.0 or later',
  ConsumerGroupDescribe: "describing KIP-848 ('consumer') groups needs Kafka 4.0 or later",
  DescribeProducers: 'describing producers needs Kafka 3.0 or later',
  WriteTxnMarkers: 'aborting a hanging transaction needs Kafka 2.8 or later (WriteTxnMarkers v1)',
  DescribeTransactions: 'describing transactions needs Kafka 3.0 or later',
  ListTransactions: 'listing transactions needs Kafka 3.0 or later',
  DescribeCluster: 'describing the cluster needs Kafka 2.8 or later',
  AlterUserScramCredentials: 'managing SCRAM credentials needs Kafka 2.7 or later',
  DescribeUserScramCredentials: 'describing SCRAM credentials needs Kafka 2.7 or later',
  OffsetDelete: 'deleting group offsets needs Kafka 2.4 or later',
  IncrementalAlterConfigs: 'incremental config changes need Kafka 2.3 or later',
}

/** ": <feature> needs Kafka X or later" for APIs in NEEDS, else "". */
function needs(api: ApiSchema<any, any>): string {
  const why = NEEDS[api.name]
  return why === undefined ? '' : `: ${why}`
}

export class ApiVersionTable {
  readonly #broker: ReadonlyMap<number, VersionRange>
  readonly #chosen = new Map<ApiSchema<any, any>, number>()

  constructor(apiKeys: readonly { apiKey: number; minVersion: number; maxVersion: number }[]) {
    const m = new Map<number, VersionRange>()
    for (const k of apiKeys) m.set(k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion })
    this.#broker = m
  }

  /** The broker's advertised range for an API key, if any. */
  brokerRange(apiKey: number): VersionRange | undefined {
    return this.#broker.get(apiKey)
  }

  /** The broker's advertised ranges, by API key. */
  get ranges(): ReadonlyMap<number, VersionRange> {
    return this.#broker
  }

  supports(api: ApiSchema<any, any>): boolean {
    return this.#negotiate(api) >= 0
  }

  /** The highest version both sides support; throws UnsupportedVersionError when there is none. */
  versionFor(api: ApiSchema<any, any>): number {
    const v = this.#negotiate(api)
    if (v < 0) {
      const r = this.#broker.get(api.apiKey)
      throw new UnsupportedVersionError(
        r === undefined
          ? `The broker does not support ${api.name} (API key ${api.apiKey})${needs(api)}`
          : `No common version of ${api.name}: the broker supports ${r.minVersion}-${r.maxVersion}, kafka-wire ${api.minVersion}-${api.maxVersion}` +
              (r.maxVersion < api.minVersion ? ' (kafka-wire needs Kafka 2.1 or later)' : ''),
        { apiKey: api.apiKey },
      )
    }
    return v
  }

  /** Whether `version` of `api` may be sent: within both our range and the broker's. */
  allows(api: ApiSchema<any, any>, version: number): boolean {
    const r = this.#broker.get(api.apiKey)
    return (
      r !== undefined &&
      version >= Math.max(r.minVersion, api.minVersion) &&
      version <= Math.min(r.maxVersion, api.maxVersion)
    )
  }

  #negotiate(api: ApiSchema<any, any>): number {
    let v = this.#chosen.get(api)
    if (v === undefined) {
      const r = this.#broker.get(api.apiKey)
      const max = r === undefined ? -1 : Math.min(r.maxVersion, api.maxVersion)
      v = r !== undefined && max >= Math.max(r.minVersion, api.minVersion) ? max : -1
      this.#chosen.set(api, v)
    }
    return v
  }
}

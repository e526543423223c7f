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
          ? `The broker does not support ${api.name} (API key ${api.apiKey})`
          : `No common version of ${api.name}: the broker supports ${r.minVersion}-${r.maxVersion}, kafka-wire ${api.minVersion}-${api.maxVersion}`,
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

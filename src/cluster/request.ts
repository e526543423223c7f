/**
 * What a request to a broker is, for Cluster: the send options, the body (or its builder), and the
 * one rule that picks its version.
 * Pure; cluster.ts is the only caller.
 */

import { UnsupportedVersionError } from '../errors.js'
import type { Connection, Workload } from '../network/index.js'
import type { ApiSchema, Apis, RequestOf } from '../protocol/index.js'

export interface SendOptions {
  /** Which of the broker's connections carries the request. Default 'admin'. */
  workload?: Workload
  signal?: AbortSignal
  /** Bound on the whole call (connecting included). Default requestTimeoutMs. */
  timeoutMs?: number
  /** false for Produce with acks=0: resolves with undefined once written. */
  expectResponse?: boolean
  /**
   * The highest version the caller can send (e.g. Produce v12 while a topic id is unknown): the
   * request goes out at min(negotiated, maxVersion). Rejects with UnsupportedVersionError when
   * that is below the lowest version the broker (or kafka-wire) accepts.
   */
  maxVersion?: number
}

/** A request body, or a function building it for the version chosen (called once, just before encoding). */
export type RequestBody<A extends ApiSchema<any, any>> = RequestOf<A> | ((version: number) => RequestOf<A>)

/** Why a client reports cached metadata stale (for the debug log). */
export interface StaleMetadata {
  /** The topic concerned, if one; it is tracked (included in refreshes) from now on. */
  topic?: string
  /** E.g. the Kafka error name that said so. */
  reason?: string
}

type MetadataApi = typeof Apis.Metadata

/**
 * The one place a request's version is chosen: the highest both sides support, capped at
 * `maxVersion`; UnsupportedVersionError (naming both ranges) when the cap is below what is accepted.
 */
export function chooseVersion(
  conn: Connection,
  api: ApiSchema<any, any>,
  maxVersion: number | undefined,
  node: number,
) {
  const negotiated = conn.versionFor(api)
  if (maxVersion === undefined || maxVersion >= negotiated) return negotiated
  if (conn.apiVersions.allows(api, maxVersion)) return maxVersion
  const r = conn.apiVersions.brokerRange(api.apiKey)
  throw new UnsupportedVersionError(
    `${api.name} v${maxVersion} or older is needed, but broker ${node} accepts ${api.name} ` +
      `v${Math.max(r?.minVersion ?? 0, api.minVersion)}-v${negotiated} only`,
    { apiKey: api.apiKey, broker: node },
  )
}

/** A MetadataRequest body for `version`: these topics, or all (null), never auto-creating unless asked. */
export function metadataRequest(
  version: number,
  topics: readonly string[] | 'all',
  allowAutoTopicCreation: boolean,
): RequestOf<MetadataApi> {
  return {
    topics: topics === 'all' ? (version >= 1 ? null : []) : topics.map((name) => ({ name })),
    allowAutoTopicCreation,
    includeTopicAuthorizedOperations: false,
  }
}

/**
 * Incremental fetch sessions (KIP-227), one handler per broker: Java's FetchSessionHandler.
 * Pure state: the fetcher asks it to `build()` the partitions to put in the next Fetch request
 * and hands it every response (or failure). Full fetches send every partition; incremental ones
 * send only partitions added or changed since the last request, plus the ones to forget.
 *
 * Session ids and epochs: epoch 0 with session id 0 is a full fetch creating a session; epoch 0
 * with a session id closes that session and creates a new one; -1 means "no session"; incremental
 * epochs run 1, 2, ... and wrap from INT32_MAX back to 1.
 *
 * groupByTopic() / groupForgotten(): a built request's partitions as the Fetch body's topic lists.
 */

import { ErrorCode } from '../error-codes.js'
import { ZERO_UUID } from '../protocol/index.js'

export const INVALID_SESSION_ID = 0
export const INITIAL_EPOCH = 0
export const FINAL_EPOCH = -1

export interface PartitionFetchData {
  topic: string
  topicId: string
  partition: number
  fetchOffset: bigint
  logStartOffset: bigint
  maxBytes: number
  currentLeaderEpoch: number
  lastFetchedEpoch: number
}

export interface FetchRequestData {
  sessionId: number
  sessionEpoch: number
  /** Partitions to put in the request (all on a full fetch; added + altered on an incremental one). */
  toSend: PartitionFetchData[]
  /** Partitions to remove from the session (incremental only). */
  toForget: PartitionFetchData[]
  /** Everything the session will hold once the broker accepts the request, in order. */
  sessionPartitions: Map<string, PartitionFetchData>
  full: boolean
}

function sameData(a: PartitionFetchData, b: PartitionFetchData): boolean {
  return (
    a.fetchOffset === b.fetchOffset &&
    a.maxBytes === b.maxBytes &&
    a.currentLeaderEpoch === b.currentLeaderEpoch &&
    a.logStartOffset === b.logStartOffset &&
    a.lastFetchedEpoch === b.lastFetchedEpoch &&
    a.topicId === b.topicId
  )
}

export class FetchSessionHandler {
  sessionId = INVALID_SESSION_ID
  epoch = INITIAL_EPOCH
  /** What the broker's session holds (after the last successful response). */
  #session = new Map<string, PartitionFetchData>()
  /** The request in flight, applied to #session when its response succeeds. */
  #pending: FetchRequestData | null = null

  get isFull(): boolean {
    return this.epoch === INITIAL_EPOCH || this.epoch === FINAL_EPOCH
  }

  /** Plans the next request from the partitions we want to fetch now (key = topicPartitionKey(topic, partition)), in order. */
  build(next: Map<string, PartitionFetchData>): FetchRequestData {
    if (this.isFull) {
      const req: FetchRequestData = {
        sessionId: this.sessionId,
        sessionEpoch: this.epoch,
        toSend: [...next.values()],
        toForget: [],
        sessionPartitions: next,
        full: true,
      }
      this.#pending = req
      return req
    }
    const toSend: PartitionFetchData[] = []
    const toForget: PartitionFetchData[] = []
    for (const [key, data] of this.#session) {
      const wanted = next.get(key)
      if (wanted === undefined || wanted.topicId !== data.topicId) toForget.push(data)
    }
    for (const [key, data] of next) {
      const prev = this.#session.get(key)
      if (prev === undefined || !sameData(prev, data)) toSend.push(data)
    }
    const req: FetchRequestData = {
      sessionId: this.sessionId,
      sessionEpoch: this.epoch,
      toSend,
      toForget,
      sessionPartitions: next,
      full: false,
    }
    this.#pending = req
    return req
  }

  /**
   * Digests a response's top-level error code and session id. Returns true if the partitions in the
   * response may be used (false when the session was rejected: the next fetch is a full one).
   */
  handleResponse(errorCode: number, responseSessionId: number): boolean {
    const pending = this.#pending
    this.#pending = null
    if (errorCode !== ErrorCode.NONE) {
      if (errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND) {
        this.sessionId = INVALID_SESSION_ID
        this.epoch = INITIAL_EPOCH
      } else {
        // INVALID_FETCH_SESSION_EPOCH and anything else: close the session and start a new one.
        this.epoch = INITIAL_EPOCH
      }
      this.#session = new Map()
      return false
    }
    if (pending !== null) this.#session = pending.sessionPartitions
    if (pending === null || pending.full) {
      if (responseSessionId === INVALID_SESSION_ID) {
        // The broker did not create a session (or we asked for none): keep doing full fetches.
        this.sessionId = INVALID_SESSION_ID
        this.epoch = INITIAL_EPOCH
      } else {
        this.sessionId = responseSessionId
        this.epoch = 1
      }
    } else {
      this.epoch = this.epoch === 2147483647 ? 1 : this.epoch + 1
    }
    return true
  }

  /** The request failed without a response (connection lost, timeout): the next one is a full fetch. */
  handleError(): void {
    this.#pending = null
    this.#session = new Map()
    this.epoch = INITIAL_EPOCH
  }

  /** Forget everything (broker gone, consumer closing). */
  reset(): void {
    this.#pending = null
    this.#session = new Map()
    this.sessionId = INVALID_SESSION_ID
    this.epoch = INITIAL_EPOCH
  }

  /** Partitions the broker's session holds (the response to an incremental fetch omits unchanged ones). */
  sessionPartitions(): ReadonlyMap<string, PartitionFetchData> {
    return this.#session
  }
}

/** A request's partitions (toSend) as the Fetch body's topics: by id from v13, by name below. */
export function groupByTopic(parts: PartitionFetchData[], useIds: boolean) {
  return byTopic(parts, useIds, (p) => ({
    partition: p.partition,
    currentLeaderEpoch: p.currentLeaderEpoch,
    fetchOffset: p.fetchOffset,
    lastFetchedEpoch: p.lastFetchedEpoch,
    logStartOffset: p.logStartOffset,
    partitionMaxBytes: p.maxBytes,
  })) as any[]
}

/** The partitions to forget (toForget) as the Fetch body's forgottenTopicsData. */
export function groupForgotten(parts: PartitionFetchData[], useIds: boolean) {
  return byTopic(parts, useIds, (p) => p.partition)
}

function byTopic<T>(parts: PartitionFetchData[], useIds: boolean, entry: (p: PartitionFetchData) => T) {
  const topics = new Map<string, { topic: string; topicId: string; partitions: T[] }>()
  for (const p of parts) {
    let t = topics.get(p.topic)
    if (t === undefined)
      topics.set(p.topic, (t = { topic: p.topic, topicId: useIds ? p.topicId : ZERO_UUID, partitions: [] }))
    t.partitions.push(entry(p))
  }
  return [...topics.values()]
}

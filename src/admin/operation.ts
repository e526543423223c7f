/**
 * What an admin operation is: data declared in the area files (topics.ts, configs.ts, groups.ts,
 * offsets.ts, acls.ts, scram.ts) and run by executor.ts. Types and the two declaring helpers only.
 *
 * An operation names its API, its route, its items (by key), how to build a request for some of
 * them at the version Cluster.send chose (min(negotiated, `maxVersion`)), and how to read the
 * response into per-item results, final errors or retries (a RoundReport, see driver.ts).
 */
import type { Cluster } from '../cluster/index.js'
import type { KafkaError } from '../errors.js'
import type { ApiSchema, RequestOf, ResponseOf } from '../protocol/index.js'
import type { DriveResult, ItemName, RoundReport } from './driver.js'

export type AnyApi = ApiSchema<any, any>

/** One admin call in progress. */
export interface AdminCall {
  readonly deadline: number
  readonly signal: AbortSignal
}

export type Route = 'any' | 'controller' | 'leaders' | 'coordinator' | 'broker'

export interface BuildContext {
  /** The version chosen for this broker: min(negotiated, maxVersion). */
  readonly version: number
  /** Time left for this request (requestTimeoutMs bounded by the call's deadline). */
  readonly timeoutMs: number
  readonly keys: readonly string[]
  /** The cached leader epoch of a 'leaders' item (-1 when unknown). */
  leaderEpoch(key: string): number
}

export interface HandleContext<I> {
  readonly node: number
  readonly version: number
  readonly keys: readonly string[]
  readonly items: readonly I[]
  readonly apiKey: number
  /** Forgets the cached coordinator of a group (after NOT_COORDINATOR and the like). */
  invalidateCoordinator(groupId: string): void
}

/** One request of an operation, for some of its items. */
export interface RequestSpec<A extends AnyApi, I, R> {
  readonly api: A
  /** Highest version the mapping understands (default: kafka-wire's). */
  readonly maxVersion?: number
  /** An error when `version` cannot serve the item: it fails instead of being sent. */
  readonly unsupported?: (item: I, version: number) => KafkaError | undefined
  build(items: readonly I[], ctx: BuildContext): RequestOf<A>
  /** Reads the response into `report`; may return the keys (string[]) to send `next` for. */
  handle(response: ResponseOf<A>, report: RoundReport<R>, ctx: HandleContext<I>): unknown
  /** A request on the same broker for the keys `handle` returned, or for every key when the broker lacks `api`. */
  readonly next?: RequestSpec<any, I, R>
}

/** An admin operation, declared as data. */
export interface Operation<A extends AnyApi, I, R, T = R[]> extends RequestSpec<A, I, R> {
  /** The public method's name, for errors. */
  readonly name: string
  /** What its items are called in an AdminAggregateError ('topics', 'partitions', ...). */
  readonly itemKind: string
  readonly route: Route
  /** 'coordinator': the group of every item (else each key is a group id). */
  readonly group?: string
  /** 'broker': the broker an item goes to (null: any broker). */
  readonly node?: (item: I, key: string) => number | null
  readonly items: ReadonlyMap<string, I>
  readonly itemName?: (key: string) => ItemName | string
  /** Topics to refresh before a retry ('leaders' routes). */
  readonly topics?: readonly string[]
  /** One item ('call') whose error is thrown as it is (no AdminAggregateError). */
  readonly single?: boolean
  /** The call's value from the items' values in key order (default: the values). */
  readonly result?: (values: R[]) => T
  /** Replaces settling: e.g. wait for new topics, merge another operation, aggregate differently. */
  readonly finish?: (outcome: DriveResult<R>, ctx: AdminContext) => Promise<T> | T
}

/** A call that composes operations (or needs work before them). */
export interface CompositeCall<T> {
  /** The public method's name (the `kafka-wire:admin:call` channel's `operation`). */
  readonly name?: string
  /** Nothing to do: resolves with undefined, without connecting. */
  readonly empty?: boolean
  run(ctx: AdminContext): Promise<T>
}

export type AnyOperation<T = unknown> = Operation<AnyApi, any, any, T>
export type AdminPlan<T> = AnyOperation<T> | CompositeCall<T>

/** Declares an operation with its API's request and response types checked. */
export function operation<A extends AnyApi, I, R, T = R[]>(op: Operation<A, I, R, T>): Operation<AnyApi, I, R, T> {
  return op as unknown as Operation<AnyApi, I, R, T>
}

/** Declares a `next` request with its API's types checked. */
export function request<A extends AnyApi, I, R>(spec: RequestSpec<A, I, R>): RequestSpec<any, I, R> {
  return spec
}

/** The key of the one item of a single operation. */
const SINGLE: ReadonlyMap<string, undefined> = new Map([['call', undefined]])

/**
 * Declares an operation without items of its own (one item, 'call'): retried as a whole, its
 * value is what `handle` reports with `report.ok('call', value)`, its error is thrown as it is.
 */
export function singleOperation<A extends AnyApi, R, T = R>(
  op: Omit<Operation<A, undefined, R, T>, 'items' | 'single' | 'itemKind'>,
): Operation<AnyApi, undefined, R, T> {
  return { ...op, items: SINGLE, single: true, itemKind: 'call' } as unknown as Operation<AnyApi, undefined, R, T>
}

/** What finish hooks and composite calls may use. */
export interface AdminContext {
  readonly call: AdminCall
  readonly cluster: Cluster
  /** Runs an operation's rounds (no settling). */
  execute<I, R>(op: Operation<AnyApi, I, R, any>): Promise<DriveResult<R>>
  /** Runs an operation to its value (settled, or finished). */
  run<T>(op: AnyOperation<T>): Promise<T>
  refreshMetadata(): Promise<void>
  /** Waits (best effort, until the deadline) until every broker sees `expected` topics with these partition counts. */
  awaitTopicsVisible(expected: ReadonlyMap<string, number>): Promise<void>
}

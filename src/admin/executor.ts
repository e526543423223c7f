/**
 * Runs admin operations. An operation is declared as data in its area file (topics.ts, configs.ts,
 * groups.ts, offsets.ts, acls.ts, scram.ts): the API, where it is routed, its items, how to build a
 * request for some of them and how to read the response into per-item results. This file is the
 * one place that does the I/O around them, the way Java's KafkaAdminClient does:
 *
 *   begin (deadline, abort) → validate (the area's declare function) → connect → drive rounds:
 *   route the pending items to brokers → send build(items, version) → handle(response) → settle
 *
 * Routes: 'controller' (topic creation/deletion: the controller metadata names), 'any' (a rotating
 * broker), 'leaders' (items keyed by tpKey, each partition's leader from metadata), 'coordinator'
 * (the group coordinator: of `group` for every item, or of each item whose key is a group id),
 * 'broker' (each item's own broker, `node(item)`; null: any broker). Requests to one broker fail as
 * a whole for the route's items only; requests of the single-target routes fail the round (drive()
 * retries retriable failures until the call's deadline).
 *
 * Metadata: an item error whose code invalidates metadata (errors.ts) is reported to the cluster
 * (`invalidateMetadata`), and a round with a 'metadata' retry refreshes before the next round.
 * Versions: Cluster.send picks min(negotiated, `maxVersion`) and hands it to `build`.
 *
 * Adding an operation is declaring one; admin.ts only names the public methods.
 */
import { type Cluster, raceWith, sleep } from '../cluster/index.js'
import { type AdminCallMessage, channels, traced } from '../diagnostics/index.js'
import { ErrorCode } from '../error-codes.js'
import {
  BrokerError,
  brokerError,
  ClosedError,
  ConnectionError,
  KafkaError,
  UnsupportedVersionError,
} from '../errors.js'
import { backoff } from '../internal/backoff.js'
import { Apis, type ResponseOf } from '../protocol/index.js'
import { groupBy, invalidArgument } from './common.js'
import { type DriveOptions, drive, type RoundReport, settle, throwIfAborted } from './driver.js'
import type { AdminCall, AdminContext, AdminPlan, AnyApi, AnyOperation, Operation, RequestSpec } from './operation.js'
import { buildMetadataRequest, topicsReady } from './topics.js'
import type { AdminCallOptions } from './types.js'

export interface ExecutorOptions {
  defaultApiTimeoutMs: number
  requestTimeoutMs: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
}

/** Thrown from a build when `unsupported` left nothing to send. */
class NothingToSend extends KafkaError {}

export class AdminExecutor {
  readonly #cluster: Cluster
  readonly #o: ExecutorOptions
  readonly #closer: AbortSignal
  #nextNode = 0

  constructor(cluster: Cluster, options: ExecutorOptions, closer: AbortSignal) {
    this.#cluster = cluster
    this.#o = options
    this.#closer = closer
  }

  /** begin → declare (validates) → connect → run. An operation without items resolves without I/O. */
  async call<T>(
    options: AdminCallOptions | undefined,
    declare: () => AdminPlan<T> | Promise<AdminPlan<T>>,
  ): Promise<T> {
    const call = this.#begin(options)
    const plan = await declare()
    if ('items' in plan && plan.items.size === 0) return plan.result ? plan.result([]) : ([] as T)
    if ('empty' in plan && plan.empty) return undefined as T
    if (!channels.adminCall.hasSubscribers) return this.#run(call, plan)
    const message: AdminCallMessage = {
      clientId: this.#cluster.options.clientId,
      operation: 'api' in plan ? plan.name : (plan.name ?? 'composite'),
      api: 'api' in plan ? plan.api.name : undefined,
    }
    return traced(channels.adminCall, message, () => this.#run(call, plan))
  }

  async #run<T>(call: AdminCall, plan: AdminPlan<T>): Promise<T> {
    await this.#connect(call)
    const ctx = this.#context(call)
    return 'items' in plan ? ctx.run(plan) : plan.run(ctx)
  }

  #context(call: AdminCall): AdminContext {
    const ctx: AdminContext = {
      call,
      cluster: this.#cluster,
      execute: (op) =>
        drive(op.single ? ['call'] : [...op.items.keys()], this.#rounds(call, op), this.#driveOptions(call, op.topics)),
      run: async <T>(op: AnyOperation<T>): Promise<T> => {
        const outcome = await ctx.execute(op)
        if (op.finish !== undefined) return op.finish(outcome, ctx)
        if (op.single) {
          const error = outcome.errors.get('call')
          if (error !== undefined) throw error
          return outcome.results.get('call') as T
        }
        const values = settle(op.name, op.itemKind, [...op.items.keys()], outcome, op.itemName)
        return op.result ? op.result(values) : (values as T)
      },
      refreshMetadata: () =>
        this.#single(call, () =>
          this.#cluster.refreshMetadata({ signal: call.signal, timeoutMs: this.#remaining(call) }),
        ),
      awaitTopicsVisible: (expected) => this.#awaitTopicsVisible(call, expected),
    }
    return ctx
  }

  #begin(options: AdminCallOptions | undefined): AdminCall {
    if (this.#closer.aborted) throw new ClosedError('The admin client is closed')
    const timeoutMs = options?.timeoutMs ?? this.#o.defaultApiTimeoutMs
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) throw invalidArgument('timeoutMs must be a number >= 0')
    const signal = options?.signal === undefined ? this.#closer : AbortSignal.any([this.#closer, options.signal])
    throwIfAborted(signal)
    return { deadline: Date.now() + timeoutMs, signal }
  }

  #driveOptions(call: AdminCall, topics?: readonly string[]): DriveOptions {
    return {
      deadline: call.deadline,
      signal: call.signal,
      retryBackoffMs: this.#o.retryBackoffMs,
      retryBackoffMaxMs: this.#o.retryBackoffMaxMs,
      refreshMetadata: () =>
        this.#cluster.refreshMetadata({
          ...(topics === undefined ? {} : { topics: [...topics] }),
          signal: call.signal,
          timeoutMs: this.#remaining(call),
        }),
    }
  }

  /** Time left for one request: the request timeout, bounded by the call's deadline. */
  #requestTimeout(call: AdminCall): number {
    return Math.max(1, Math.min(this.#o.requestTimeoutMs, call.deadline - Date.now()))
  }

  #remaining(call: AdminCall): number {
    return Math.max(1, call.deadline - Date.now())
  }

  /** Bootstraps (idempotent), retrying unreachable bootstrap servers until the call's deadline. */
  async #connect(call: AdminCall): Promise<void> {
    // The bootstrap is shared by every call (and keeps its own deadline): bound the wait by ours.
    await this.#single(call, () =>
      raceWith(
        this.#cluster.connect({ signal: call.signal, timeoutMs: this.#remaining(call) }),
        { signal: call.signal, deadline: call.deadline },
        'bootstrapping',
      ),
    )
  }

  /** Runs `fn` retried as a whole on retriable errors; rejects with its (last) error. */
  async #single<R>(call: AdminCall, fn: () => Promise<R>): Promise<R> {
    const outcome = await drive<R>(
      ['call'],
      async (_pending, report) => report.ok('call', await fn()),
      this.#driveOptions(call),
    )
    const error = outcome.errors.get('call')
    if (error !== undefined) throw error
    return outcome.results.get('call') as R
  }

  /** One round of `op` over the pending keys, routed per its declaration. */
  #rounds<I, R>(call: AdminCall, op: Operation<AnyApi, I, R, any>) {
    return async (pending: string[], report: RoundReport<R>): Promise<void> => {
      try {
        await this.#route(call, op, pending, report)
      } finally {
        this.#reportStaleMetadata(op, report)
      }
    }
  }

  async #route<I, R>(
    call: AdminCall,
    op: Operation<AnyApi, I, R, any>,
    pending: string[],
    report: RoundReport<R>,
  ): Promise<void> {
    const send = (node: number, keys: string[], epochs?: ReadonlyMap<string, number>) =>
      this.#exchange(call, op, op, node, keys, report, epochs)
    switch (op.route) {
      case 'any':
        return send(await this.#anyNode(call), pending)
      case 'controller':
        return send(await this.#controllerNode(call), pending)
      case 'coordinator': {
        const group = op.group
        if (group !== undefined) return this.#withCoordinator(call, group, (node) => send(node, pending))
        const invalidate = (g: string) => this.#cluster.invalidateCoordinator('group', g)
        const coordinators = await this.#coordinators(call, pending, report)
        return this.#fanOut(call, report, coordinators, send, (_node, groups) => groups.forEach(invalidate))
      }
      case 'leaders': {
        const leaders = await this.#leaders(call, pending, report)
        return this.#fanOut(call, report, leaders.groups, (node, keys) => send(node, keys, leaders.epochs))
      }
      case 'broker': {
        const nodeOf = op.node ?? (() => null)
        const groups = groupBy(pending, (k) => nodeOf(op.items.get(k) as I, k))
        return this.#fanOut(call, report, groups, async (target, keys) =>
          send(target ?? (await this.#anyNode(call)), keys),
        )
      }
    }
  }

  /** Sends one request of `op` to `node` for `keys` and hands the response to `spec.handle` (then `next`). */
  async #exchange<I, R>(
    call: AdminCall,
    op: Operation<AnyApi, I, R, any>,
    spec: RequestSpec<AnyApi, I, R>,
    node: number,
    keys: readonly string[],
    report: RoundReport<R>,
    epochs?: ReadonlyMap<string, number>,
  ): Promise<void> {
    throwIfAborted(call.signal)
    let version = -1
    let sent = keys
    let items: I[] = []
    const timeoutMs = this.#requestTimeout(call)
    let response: ResponseOf<AnyApi>
    try {
      response = await this.#cluster.send(
        node,
        spec.api,
        (v) => {
          version = v
          sent = spec.unsupported === undefined ? keys : keys.filter((k) => this.#supported(spec, op, k, v, report))
          if (sent.length === 0) throw new NothingToSend('')
          items = sent.map((k) => op.items.get(k) as I)
          return spec.build(items, { version: v, timeoutMs, keys: sent, leaderEpoch: (k) => epochs?.get(k) ?? -1 })
        },
        {
          workload: 'admin',
          signal: call.signal,
          timeoutMs,
          ...(spec.maxVersion === undefined ? {} : { maxVersion: spec.maxVersion }),
        },
      )
    } catch (e) {
      if (e instanceof NothingToSend) return
      // The broker lacks the API (no version was chosen): the fallback request takes every key.
      if (e instanceof UnsupportedVersionError && version < 0 && spec.next !== undefined) {
        return this.#exchange(call, op, spec.next, node, keys, report, epochs)
      }
      throw e
    }
    const more = spec.handle(response, report, {
      node,
      version,
      keys: sent,
      items,
      apiKey: spec.api.apiKey,
      invalidateCoordinator: (g) => this.#cluster.invalidateCoordinator('group', g),
    })
    if (spec.next !== undefined && Array.isArray(more) && more.length > 0) {
      await this.#exchange(call, op, spec.next, node, more, report, epochs)
    }
  }

  #supported<I, R>(
    spec: RequestSpec<AnyApi, I, R>,
    op: Operation<AnyApi, I, R, any>,
    key: string,
    version: number,
    report: RoundReport<R>,
  ): boolean {
    const error = spec.unsupported!(op.items.get(key) as I, version)
    if (error === undefined) return true
    report.fail(key, error)
    return false
  }

  /** Item errors that say cached metadata is stale are reported to the cluster (once a round). */
  #reportStaleMetadata(op: Operation<AnyApi, any, any, any>, report: RoundReport<unknown>): void {
    for (const list of [report.retries, report.errors]) {
      for (const error of list.values()) {
        if (error instanceof BrokerError && error.invalidatesMetadata) {
          this.#cluster.invalidateMetadata({ reason: `${op.name}: ${error.errorName}` })
          return
        }
      }
    }
  }

  /** Any known broker, rotating between calls so that one unreachable broker is not asked forever. */
  async #anyNode(call: AdminCall): Promise<number> {
    let ids = [...this.#cluster.brokers.keys()]
    if (ids.length === 0) {
      await this.#cluster.refreshMetadata({ signal: call.signal, timeoutMs: this.#remaining(call) })
      ids = [...this.#cluster.brokers.keys()]
    }
    if (ids.length === 0) throw new ConnectionError('No broker is known yet')
    return ids[this.#nextNode++ % ids.length]!
  }

  /** The controller as metadata reports it (KRaft: a broker that forwards to the quorum), else any broker. */
  async #controllerNode(call: AdminCall): Promise<number> {
    const id = this.#cluster.controllerId
    if (id >= 0 && this.#cluster.brokers.has(id)) return id
    return this.#anyNode(call)
  }

  /**
   * Runs `fn` for each node's share of the pending keys, in parallel. A node whose request fails
   * as a whole reports that error for each of its keys (retried when retriable); abort and close
   * end the call.
   */
  async #fanOut<N>(
    call: AdminCall,
    report: RoundReport<any>,
    groups: ReadonlyMap<N, string[]>,
    fn: (node: N, keys: string[]) => Promise<void>,
    onRetriable?: (node: N, keys: string[]) => void,
  ): Promise<void> {
    await Promise.all(
      [...groups].map(async ([node, keys]) => {
        try {
          await fn(node, keys)
        } catch (e) {
          throwIfAborted(call.signal)
          if (!(e instanceof KafkaError) || e instanceof ClosedError) throw e
          const pending = keys.filter((k) => !report.results.has(k) && !report.errors.has(k))
          report.failAll(pending, e, e.retriable)
          if (e.retriable) {
            report.refreshMetadata = true
            onRetriable?.(node, pending)
          }
        }
      }),
    )
  }

  /**
   * Waits until every broker's metadata shows `expected` (topic → minimum partition count) with
   * leaders: brokers learn of new topics and partitions from the metadata log a moment after the
   * controller answered. Best effort: gives up silently at the call's deadline (the change itself
   * succeeded); an abort or close still rejects.
   */
  async #awaitTopicsVisible(call: AdminCall, expected: ReadonlyMap<string, number>): Promise<void> {
    const topics = [...expected.keys()]
    for (let attempt = 0; ; attempt++) {
      const nodes = [...this.#cluster.brokers.keys()]
      const answers = await Promise.allSettled(
        nodes.map((node) =>
          this.#cluster.send(node, Apis.Metadata, (version) => buildMetadataRequest(topics, version), {
            workload: 'admin',
            signal: call.signal,
            timeoutMs: this.#requestTimeout(call),
          }),
        ),
      )
      throwIfAborted(call.signal)
      if (nodes.length > 0 && answers.every((a) => a.status === 'fulfilled' && topicsReady(a.value, expected))) {
        return
      }
      const wait = backoff(attempt, this.#o.retryBackoffMs, this.#o.retryBackoffMaxMs)
      if (Date.now() + wait >= call.deadline) return
      try {
        await sleep(wait, call.signal)
      } catch {
        throwIfAborted(call.signal)
      }
    }
  }

  /** Finds each group's coordinator; groups whose lookup failed are reported and left out. */
  async #coordinators(
    call: AdminCall,
    groupIds: readonly string[],
    report: RoundReport<any>,
  ): Promise<Map<number, string[]>> {
    const found = await Promise.all(
      groupIds.map(async (g) => {
        try {
          return [
            g,
            await this.#cluster.findCoordinator('group', g, {
              signal: call.signal,
              timeoutMs: this.#requestTimeout(call),
            }),
          ] as const
        } catch (e) {
          throwIfAborted(call.signal)
          if (!(e instanceof KafkaError) || e instanceof ClosedError) throw e
          report.failAll([g], e, e.retriable)
          return null
        }
      }),
    )
    const out = new Map<number, string[]>()
    for (const entry of found) {
      if (entry === null) continue
      const list = out.get(entry[1]) ?? []
      list.push(entry[0])
      out.set(entry[1], list)
    }
    return out
  }

  /** Runs `fn` against the group's coordinator; any retriable failure forgets the coordinator first. */
  async #withCoordinator<T>(call: AdminCall, groupId: string, fn: (node: number) => Promise<T>): Promise<T> {
    const node = await this.#cluster.findCoordinator('group', groupId, {
      signal: call.signal,
      timeoutMs: this.#requestTimeout(call),
    })
    try {
      return await fn(node)
    } catch (e) {
      if (e instanceof KafkaError && e.retriable) this.#cluster.invalidateCoordinator('group', groupId)
      throw e
    }
  }

  /**
   * Each pending partition's leader (from metadata, refreshed when stale). Partitions without a
   * known leader are reported for retry (with a metadata refresh); topics whose metadata lookup
   * failed are reported with that error.
   */
  async #leaders(
    call: AdminCall,
    pending: readonly string[],
    report: RoundReport<any>,
  ): Promise<{ groups: Map<number, string[]>; epochs: Map<string, number> }> {
    const byTopic = groupBy(pending, (k) => k.slice(0, k.lastIndexOf(':')))
    const groups = new Map<number, string[]>()
    const epochs = new Map<string, number>()
    await Promise.all(
      [...byTopic].map(async ([topic, keys]) => {
        let metadata: Awaited<ReturnType<Cluster['topicMetadata']>>
        try {
          metadata = await this.#cluster.topicMetadata([topic], {
            signal: call.signal,
            timeoutMs: this.#remaining(call),
            allowAutoTopicCreation: false,
          })
        } catch (e) {
          throwIfAborted(call.signal)
          if (!(e instanceof KafkaError) || e instanceof ClosedError) throw e
          report.failAll(keys, e, e.retriable)
          return
        }
        const md = metadata.get(topic)
        for (const key of keys) {
          const partition = Number(key.slice(key.lastIndexOf(':') + 1))
          const p = md?.partitions.find((x) => x.partition === partition)
          if (md === undefined || p === undefined) {
            report.retry(key, brokerError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, { topic, partition }))
            report.refreshMetadata = true
          } else if (p.leaderId < 0) {
            report.retry(key, brokerError(ErrorCode.LEADER_NOT_AVAILABLE, null, { topic, partition }))
            report.refreshMetadata = true
          } else {
            epochs.set(key, p.leaderEpoch)
            const list = groups.get(p.leaderId) ?? []
            list.push(key)
            groups.set(p.leaderId, list)
          }
        }
      }),
    )
    return { groups, epochs }
  }
}

/**
 * A Cluster that one client owns and another borrows for part of its life. kafka-wire/kafkajs's
 * consumer connects and loads its topics' metadata before run() builds the native Consumer; the
 * Consumer borrows that Cluster (the CONSUMER_CLUSTER seam, internal/seams.ts) instead of
 * bootstrapping a second one: one set of connections, and no second bootstrap before the first
 * record (docs/performance.md, "One cluster for the layer's consumer").
 *
 * The borrower's connection sensors (its network metrics) and topic-error hook are bound while it
 * holds the cluster; the owner's cluster settings apply, and only the owner closes it. Owner: the
 * kafkajs consumer (kafkajs/consumer.ts).
 */
import { CONSUMER_CLUSTER } from '../internal/seams.js'
import type { ConnectionSensors, SensedRequest } from '../network/index.js'
import { Cluster, type ClusterConfig } from './cluster.js'
import type { ResolvedCommonOptions } from './options.js'

/** What a borrower binds: the hooks it would have given a Cluster of its own. */
export interface BorrowerHooks {
  sensors?: ConnectionSensors
  onTopicErrors?: (errors: ReadonlyMap<string, number>) => void
}

export class SharedCluster {
  readonly cluster: Cluster
  #hooks: BorrowerHooks | null = null
  /** Per node, connections opened while the current borrower was bound: only their closing is its to count. */
  readonly #opened = new Map<number, number>()

  constructor(options: ResolvedCommonOptions, config: Omit<ClusterConfig, 'sensors' | 'onTopicErrors'> = {}) {
    const sensors: ConnectionSensors = {
      opened: (nodeId: number, now: number) => {
        const s = this.#hooks?.sensors
        if (s === undefined) return
        this.#opened.set(nodeId, (this.#opened.get(nodeId) ?? 0) + 1)
        s.opened(nodeId, now)
      },
      closed: (nodeId: number, now: number) => {
        const s = this.#hooks?.sensors
        const n = this.#opened.get(nodeId) ?? 0
        if (s === undefined || n === 0) return
        this.#opened.set(nodeId, n - 1)
        s.closed(nodeId, now)
      },
      sent: (nodeId: number, bytes: number, now: number, r: SensedRequest) =>
        this.#hooks?.sensors?.sent(nodeId, bytes, now, r),
      received: (nodeId: number, bytes: number, now: number, r: SensedRequest) =>
        this.#hooks?.sensors?.received(nodeId, bytes, now, r),
    }
    this.cluster = new Cluster(options, { ...config, sensors, onTopicErrors: (e) => this.#hooks?.onTopicErrors?.(e) })
  }

  /** Binds a borrower's hooks (replacing any); the returned function unbinds them. */
  borrow(hooks: BorrowerHooks): () => void {
    this.#hooks = hooks
    this.#opened.clear()
    return () => {
      if (this.#hooks === hooks) this.#hooks = null
    }
  }
}

/**
 * The Cluster a client works with: the SharedCluster given in `options[CONSUMER_CLUSTER]`, borrowed
 * (`release` unbinds the client's hooks and leaves the cluster open), else a Cluster of its own
 * (`release` closes it).
 */
export function ownOrBorrowed(
  options: object,
  resolved: ResolvedCommonOptions,
  config: ClusterConfig,
): { cluster: Cluster; release: () => Promise<void> } {
  const shared = (options as { [CONSUMER_CLUSTER]?: SharedCluster })[CONSUMER_CLUSTER]
  if (shared instanceof SharedCluster) {
    const unbind = shared.borrow({
      ...(config.sensors ? { sensors: config.sensors } : {}),
      ...(config.onTopicErrors ? { onTopicErrors: config.onTopicErrors } : {}),
    })
    return { cluster: shared.cluster, release: async () => unbind() }
  }
  const cluster = new Cluster(resolved, config)
  return { cluster, release: () => cluster.close() }
}

/**
 * A Cluster that one client owns and others borrow. kafka-wire/kafkajs connects a Cluster and loads
 * its topics' metadata before it builds native clients, and they borrow it (the SHARED_CLUSTER seam,
 * internal/seams.ts) instead of bootstrapping clusters of their own: one set of connections, and no
 * second bootstrap before the first record (docs/performance.md, "One cluster for the layer's
 * consumer"). The layer's consumer lends its cluster to the native Consumer of each run() and to the
 * native Admin it asks for topic lists and group descriptions; its producer lends one to every native
 * Producer it makes (one per acks/compression pair, and the transactional one).
 *
 * Each borrower's connection sensors (its network metrics) and topic-error hook are bound while it
 * holds the cluster. The connections are shared, so a borrower's network metrics count all their
 * traffic, its fellow borrowers' too; a connection's closing is counted only by borrowers that saw
 * it open. The owner's cluster settings apply, and only the owner closes the cluster. Owners: the
 * kafkajs consumer and producer (kafkajs/consumer.ts, kafkajs/producer.ts).
 */
import { SHARED_CLUSTER } from '../internal/seams.js'
import type { ConnectionSensors, SensedRequest } from '../network/index.js'
import { Cluster, type ClusterConfig } from './cluster.js'
import type { ResolvedCommonOptions } from './options.js'

/** What a borrower binds: the hooks it would have given a Cluster of its own. */
export interface BorrowerHooks {
  sensors?: ConnectionSensors
  onTopicErrors?: (errors: ReadonlyMap<string, number>) => void
}

interface Borrower {
  hooks: BorrowerHooks
  /** Per node, connections opened while this borrower was bound: only their closing is its to count. */
  opened: Map<number, number>
}

export class SharedCluster {
  readonly cluster: Cluster
  readonly #borrowers = new Set<Borrower>()

  constructor(options: ResolvedCommonOptions, config: Omit<ClusterConfig, 'sensors' | 'onTopicErrors'> = {}) {
    const sensors: ConnectionSensors = {
      opened: (nodeId: number, now: number) => {
        for (const b of this.#borrowers) {
          if (b.hooks.sensors === undefined) continue
          b.opened.set(nodeId, (b.opened.get(nodeId) ?? 0) + 1)
          b.hooks.sensors.opened(nodeId, now)
        }
      },
      closed: (nodeId: number, now: number) => {
        for (const b of this.#borrowers) {
          const n = b.opened.get(nodeId) ?? 0
          if (b.hooks.sensors === undefined || n === 0) continue
          b.opened.set(nodeId, n - 1)
          b.hooks.sensors.closed(nodeId, now)
        }
      },
      sent: (nodeId: number, bytes: number, now: number, r: SensedRequest) => {
        for (const b of this.#borrowers) b.hooks.sensors?.sent(nodeId, bytes, now, r)
      },
      received: (nodeId: number, bytes: number, now: number, r: SensedRequest) => {
        for (const b of this.#borrowers) b.hooks.sensors?.received(nodeId, bytes, now, r)
      },
    }
    const onTopicErrors = (errors: ReadonlyMap<string, number>) => {
      for (const b of this.#borrowers) b.hooks.onTopicErrors?.(errors)
    }
    this.cluster = new Cluster(options, { ...config, sensors, onTopicErrors })
  }

  /** Binds a borrower's hooks; the returned function unbinds them. */
  borrow(hooks: BorrowerHooks): () => void {
    const borrower: Borrower = { hooks, opened: new Map() }
    this.#borrowers.add(borrower)
    return () => {
      this.#borrowers.delete(borrower)
    }
  }
}

/**
 * The Cluster a client works with: the SharedCluster given in `options[SHARED_CLUSTER]`, borrowed
 * (`release` unbinds the client's hooks and leaves the cluster open), else a Cluster of its own
 * (`release` closes it).
 */
export function ownOrBorrowed(
  options: object,
  resolved: ResolvedCommonOptions,
  config: ClusterConfig,
): { cluster: Cluster; release: () => Promise<void> } {
  const shared = (options as { [SHARED_CLUSTER]?: SharedCluster })[SHARED_CLUSTER]
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

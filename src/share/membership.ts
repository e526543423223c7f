/**
 * The share group membership driver: sends ShareGroupHeartbeat to the group coordinator when
 * ShareHeartbeatState says one is due, and turns the assignment's topic ids into partitions with
 * names through the cluster's metadata. Owned by ShareConsumer.
 *
 * Heartbeats run on the main event loop with a timer (not on the consumer's heartbeat worker
 * thread): a share member has no max.poll.interval and no rebalance callbacks, the interval is
 * seconds (group.share.heartbeat.interval.ms, 5 s by default) against a 45 s session timeout, so
 * only an event loop blocked for most of a session timeout costs the member its partitions, and
 * then only its place in the queue (records are redelivered, nothing is lost).
 */
import type { Cluster } from '../cluster/index.js'
import { debug } from '../internal/logger.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import { Apis } from '../protocol/index.js'
import type { SharePartition } from './acknowledgements.js'
import { type HeartbeatOutcome, ShareHeartbeatState } from './heartbeat-state.js'

export interface ShareMembershipConfig {
  cluster: Cluster
  groupId: string
  clientRack: string | null
  retryBackoffMs: number
  requestTimeoutMs: number
  /** The member's partitions changed (already resolved to names). */
  onAssignment: (partitions: SharePartition[]) => void
  /** A fatal error (poll() raises it). */
  onFatal: (error: Error) => void
}

/** While an assigned topic id is not in the metadata yet, how soon to look again. */
const UNRESOLVED_RECHECK_MS = 500

export class ShareMembership {
  readonly state: ShareHeartbeatState
  readonly #config: ShareMembershipConfig
  #timer: NodeJS.Timeout | null = null
  #closed = false
  #resolved: SharePartition[] = []
  #unresolved = false

  constructor(config: ShareMembershipConfig) {
    this.#config = config
    this.state = new ShareHeartbeatState(config.groupId, config.clientRack, config.retryBackoffMs)
  }

  get memberId(): string {
    return this.state.memberId
  }

  get partitions(): readonly SharePartition[] {
    return this.#resolved
  }

  subscribe(topics: readonly string[]): void {
    this.state.subscribe(topics, Date.now())
    this.#schedule()
  }

  #schedule(): void {
    if (this.#closed) return
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    const s = this.state
    if (s.fatal !== null || s.inFlight || s.subscription.length === 0) return
    let at = s.nextAt
    if (this.#unresolved) at = Math.min(at, Date.now() + UNRESOLVED_RECHECK_MS)
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, at - Date.now()))
    // An unclosed share consumer must not keep the process alive on its own (as Consumer).
    this.#timer.unref()
  }

  async #tick(): Promise<void> {
    this.#timer = null
    if (this.#closed) return
    if (this.#unresolved) await this.#resolve()
    if (this.state.due(Date.now())) await this.#heartbeat()
    this.#schedule()
  }

  async #heartbeat(): Promise<void> {
    const { cluster, groupId } = this.#config
    const s = this.state
    s.inFlight = true
    const body = s.build()
    let outcome: HeartbeatOutcome
    try {
      const coordinator = await cluster.findCoordinator('group', groupId)
      const res = await cluster.send(coordinator, Apis.ShareGroupHeartbeat, body, {
        workload: 'group',
        timeoutMs: this.#config.requestTimeoutMs,
      })
      if (this.#closed) return
      outcome = s.onResponse(body, res, Date.now())
      if (outcome === 'coordinator') cluster.invalidateCoordinator('group', groupId)
    } catch (err) {
      if (this.#closed) return
      debug(
        this.#config.cluster.options.logger,
        `kafka-wire: share group ${groupId} heartbeat failed: ${(err as Error).message}`,
      )
      cluster.invalidateCoordinator('group', groupId)
      s.onError(Date.now())
      return
    }
    if (outcome === 'fatal') this.#config.onFatal(s.fatal!)
    else if (outcome === 'assignment' || outcome === 'fenced') await this.#resolve()
  }

  /** The assignment by topic id → partitions by name; unknown ids refresh the metadata and are retried. */
  async #resolve(): Promise<void> {
    const { cluster } = this.#config
    const lookup = () => {
      const out: SharePartition[] = []
      let missing = false
      for (const t of this.state.assignment) {
        const md = cluster.topicById(t.topicId)
        if (md === undefined) {
          missing = true
          continue
        }
        for (const partition of t.partitions) out.push({ topic: md.name, topicId: t.topicId, partition })
      }
      return { out, missing }
    }
    let r = lookup()
    if (r.missing) {
      await cluster.refreshMetadata({ topics: [...this.state.subscription] }).catch(() => {})
      if (this.#closed) return
      r = lookup()
    }
    this.#unresolved = r.missing
    const key = (ps: readonly SharePartition[]) => ps.map((p) => topicPartitionKey(p.topic, p.partition)).join(',')
    if (key(r.out) !== key(this.#resolved)) {
      this.#resolved = r.out
      this.#config.onAssignment(r.out)
    }
  }

  /** Leaves the group (heartbeat with epoch -1), best effort, and stops heartbeating. */
  async leave(timeoutMs: number): Promise<void> {
    this.#stop()
    const s = this.state
    if (s.epoch <= 0 && !s.inFlight) return
    const { cluster, groupId } = this.#config
    try {
      const coordinator = await cluster.findCoordinator('group', groupId, { timeoutMs })
      await cluster.send(coordinator, Apis.ShareGroupHeartbeat, s.buildLeave(), { workload: 'group', timeoutMs })
    } catch (err) {
      debug(
        this.#config.cluster.options.logger,
        `kafka-wire: leaving share group ${groupId} failed: ${(err as Error).message}`,
      )
    }
  }

  #stop(): void {
    this.#closed = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  close(): void {
    this.#stop()
  }
}

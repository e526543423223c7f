/**
 * The share group membership, main-thread side: finds the group coordinator for the heartbeat,
 * forwards the subscription and the leave to the member (share-member.ts), and turns the
 * assignments it reports (partitions by topic id) into partitions with names through the cluster's
 * metadata. Owned by ShareConsumer.
 *
 * ShareGroupHeartbeat runs on the consumer's heartbeat worker thread
 * (consumer/group/member-heartbeat-service.ts), as the other groups' heartbeats do, so an
 * application that blocks its event loop for longer than the session timeout keeps its place in
 * the group and its acquired records (`heartbeatThread: false` runs them on the main loop).
 */
import { randomBytes } from 'node:crypto'
import type { Cluster } from '../cluster/index.js'
import { createShareHeartbeat, type ShareHeartbeatHandle } from '../consumer/group/member-heartbeat-service.js'
import type { HeartbeatStats } from '../consumer/metrics.js'
import { brokerError, errorInfo } from '../errors.js'
import { topicPartitionKey } from '../internal/topic-partition.js'
import { Apis } from '../protocol/index.js'
import type { SharePartition } from './acknowledgements.js'
import type { TopicIdPartitions } from './heartbeat-state.js'
import type { ShareMemberNotice } from './share-member.js'

export interface ShareMembershipConfig {
  cluster: Cluster
  groupId: string
  clientRack: string | null
  retryBackoffMs: number
  requestTimeoutMs: number
  /** Heartbeats on the worker thread (default) or the main event loop. */
  heartbeatThread: boolean
  /** The member's partitions changed (already resolved to names). */
  onAssignment: (partitions: SharePartition[]) => void
  /** A fatal error (poll() raises it). */
  onFatal: (error: Error) => void
}

/** While an assigned topic id is not in the metadata yet, how soon to look again. */
const UNRESOLVED_RECHECK_MS = 500

export class ShareMembership {
  /** KIP-1082: the client chooses its member id, a UUID kept for the consumer's lifetime. */
  readonly memberId = randomBytes(16).toString('base64url')
  readonly #config: ShareMembershipConfig
  readonly #heartbeat: ShareHeartbeatHandle
  #subscription: string[] = []
  #assignment: TopicIdPartitions[] = []
  #memberEpoch = 0
  #resolved: SharePartition[] = []
  #recheck: NodeJS.Timeout | null = null
  #lookup: Promise<void> | null = null
  #closed = false
  #leaveWaiters: (() => void)[] = []

  constructor(config: ShareMembershipConfig) {
    this.#config = config
    this.#heartbeat = createShareHeartbeat({
      cluster: config.cluster,
      config: {
        groupId: config.groupId,
        memberId: this.memberId,
        clientRack: config.clientRack,
        retryBackoffMs: config.retryBackoffMs,
      },
      onNotice: (n) => this.#onNotice(n),
      useThread: config.heartbeatThread,
      logger: config.cluster.options.logger,
    })
  }

  get subscription(): readonly string[] {
    return this.#subscription
  }

  /** The member epoch the coordinator gave with the last assignment (0 before joining or after being fenced). */
  get memberEpoch(): number {
    return this.#memberEpoch
  }

  get partitions(): readonly SharePartition[] {
    return this.#resolved
  }

  get heartbeats(): HeartbeatStats {
    return this.#heartbeat.stats
  }

  subscribe(topics: readonly string[]): void {
    if (this.#closed) return
    this.#subscription = [...new Set(topics)].sort()
    this.#heartbeat.command({ type: 'subscribe', topics: [...this.#subscription] })
    if (this.#subscription.length > 0) this.#findCoordinator()
  }

  /** Looks the coordinator up (retrying with backoff) and points the heartbeat at it. */
  #findCoordinator(): void {
    if (this.#lookup !== null || this.#closed) return
    const { cluster, groupId, retryBackoffMs, requestTimeoutMs } = this.#config
    this.#lookup = (async () => {
      while (!this.#closed && this.#subscription.length > 0) {
        try {
          const coordinator = await cluster.findCoordinator('group', groupId, { timeoutMs: requestTimeoutMs })
          if (!this.#closed) await this.#heartbeat.setCoordinator(coordinator)
          return
        } catch (err) {
          cluster.options.logger.debug({ groupId, err }, 'kafka-wire share group: coordinator lookup failed')
          await new Promise((r) => setTimeout(r, retryBackoffMs).unref())
        }
      }
    })().finally(() => {
      this.#lookup = null
    })
  }

  #onNotice(n: ShareMemberNotice): void {
    if (this.#closed && n.type !== 'left') return
    const { cluster, groupId } = this.#config
    switch (n.type) {
      case 'assignment':
        this.#memberEpoch = n.memberEpoch
        this.#assignment = n.assignment
        void this.#resolve()
        break
      case 'fenced':
        cluster.options.logger.debug(
          { groupId, memberId: this.memberId, errorCode: errorInfo(n.errorCode).name },
          'kafka-wire share group: member fenced; rejoining',
        )
        this.#memberEpoch = 0
        this.#assignment = []
        void this.#resolve()
        // The member rejoins with epoch 0 by itself; a member lost with its worker needs its subscription again.
        this.#heartbeat.command({ type: 'subscribe', topics: [...this.#subscription] })
        break
      case 'coordinator':
        // NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or no answer: look it up again either way.
        cluster.invalidateCoordinator('group', groupId)
        void this.#heartbeat.setCoordinator(null)
        this.#findCoordinator()
        break
      case 'fatal':
        this.#config.onFatal(brokerError(n.errorCode, n.message, { apiKey: Apis.ShareGroupHeartbeat.apiKey }))
        break
      case 'left':
        for (const w of this.#leaveWaiters.splice(0)) w()
        break
    }
  }

  /** The assignment by topic id → partitions by name; unknown ids refresh the metadata and are retried. */
  async #resolve(): Promise<void> {
    const { cluster } = this.#config
    const lookup = () => {
      const out: SharePartition[] = []
      let missing = false
      for (const t of this.#assignment) {
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
      await cluster.refreshMetadata({ topics: [...this.#subscription] }).catch(() => {})
      if (this.#closed) return
      r = lookup()
    }
    if (this.#recheck !== null) clearTimeout(this.#recheck)
    this.#recheck = null
    if (r.missing) {
      this.#recheck = setTimeout(() => void this.#resolve(), UNRESOLVED_RECHECK_MS)
      this.#recheck.unref()
    }
    const key = (ps: readonly SharePartition[]) => ps.map((p) => topicPartitionKey(p.topic, p.partition)).join(',')
    if (key(r.out) !== key(this.#resolved)) {
      this.#resolved = r.out
      this.#config.onAssignment(r.out)
    }
  }

  /** Leaves the group (heartbeat with epoch -1), best effort within `timeoutMs`, and stops heartbeating. */
  async leave(timeoutMs: number): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const left = new Promise<void>((resolve) => {
      this.#leaveWaiters.push(resolve)
      this.#heartbeat.command({ type: 'leave' })
    })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        const { cluster, groupId } = this.#config
        cluster.options.logger.debug({ groupId, timeoutMs }, 'kafka-wire share group: no answer to leaving')
        resolve()
      }, timeoutMs)
    })
    await Promise.race([left, timeout])
    clearTimeout(timer)
    this.close()
  }

  close(): void {
    this.#closed = true
    if (this.#recheck !== null) clearTimeout(this.#recheck)
    this.#recheck = null
    this.#heartbeat.close()
  }
}

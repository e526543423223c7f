// The classic group state machine against a scripted coordinator (no network, no heartbeat thread):
// join/sync with MEMBER_ID_REQUIRED, leader assignment, eager and cooperative rebalances, lost
// partitions after a reset, a join that outlives a short poll(), fencing, commit generations.
import { describe, expect, it } from 'vitest'
import { createAssignors, selectRebalanceProtocol } from '../../../src/consumer/assignors/index.js'
import { FencedInstanceError } from '../../../src/consumer/errors.js'
import { ClassicMembership } from '../../../src/consumer/group/classic.js'
import { decodeSubscription, encodeAssignment } from '../../../src/consumer/group/consumer-protocol.js'
import type { HeartbeatHandle } from '../../../src/consumer/group/heartbeat-service.js'
import type { HeartbeatNotice, MemberIdentity } from '../../../src/consumer/group/heartbeat-state.js'
import { resolveConsumerOptions } from '../../../src/consumer/options.js'
import { SubscriptionState } from '../../../src/consumer/subscription-state.js'
import type { TopicPartition } from '../../../src/consumer/types.js'
import { KafkaError } from '../../../src/errors.js'

type Handler = (body: any) => any | Promise<any>

function setup(opts: { strategy?: string[]; groupInstanceId?: string; startError?: Error } = {}) {
  const options = resolveConsumerOptions({
    bootstrapServers: 'x:1',
    groupId: 'g',
    enableAutoCommit: false,
    partitionAssignmentStrategy: (opts.strategy ?? ['range']) as any,
    ...(opts.groupInstanceId ? { groupInstanceId: opts.groupInstanceId } : {}),
  })
  const assignors = createAssignors(options.partitionAssignmentStrategy as any)
  const subscriptions = new SubscriptionState('earliest')
  const requests: { api: string; body: any }[] = []
  const handlers: Record<string, Handler[]> = {}
  const heartbeat = { starts: [] as MemberIdentity[], stops: 0, notice: (_n: HeartbeatNotice) => {} }
  const cluster = {
    async findCoordinator() {
      return 1
    },
    invalidateCoordinator() {},
    async refreshMetadata() {},
    topic(name: string) {
      return name === 't'
        ? {
            name,
            topicId: 'x',
            isInternal: false,
            errorCode: 0,
            partitions: [0, 1, 2, 3].map((i) => ({
              partition: i,
              leaderId: 1,
              leaderEpoch: 0,
              replicas: [1],
              isr: [1],
              offlineReplicas: [],
              errorCode: 0,
            })),
          }
        : undefined
    },
    brokers: new Map(),
    connectionOptions: () => undefined,
    async send(_node: number, api: { name: string }, body: any) {
      requests.push({ api: api.name, body })
      const h = handlers[api.name]?.shift()
      if (h === undefined) throw new Error(`unexpected ${api.name}`)
      return h(body)
    },
  }
  const events: string[] = []
  const membership = new ClassicMembership({
    cluster: cluster as any,
    options,
    requestTimeoutMs: 1000,
    retryBackoffMs: 1,
    subscriptions,
    assignors,
    protocol: selectRebalanceProtocol(assignors),
    beforeRebalance: async () => {},
    wake: () => {},
    createHeartbeat: (o) => {
      heartbeat.notice = o.onNotice
      const handle: HeartbeatHandle = {
        notePoll() {},
        async start(identity) {
          heartbeat.starts.push({ ...identity })
          if (opts.startError !== undefined) throw opts.startError
        },
        stop() {
          heartbeat.stops++
        },
        async leave() {},
        close() {},
        stats: { sent: 0, received: 0, lastSentMs: 0 },
      }
      return handle
    },
  })
  const fmt = (tps: TopicPartition[]) => tps.map((t) => t.partition).join(',')
  subscriptions.subscribe(['t'], {
    onPartitionsAssigned: (tps) => {
      events.push(`assigned:${fmt(tps)}`)
    },
    onPartitionsRevoked: (tps) => {
      events.push(`revoked:${fmt(tps)}`)
    },
    onPartitionsLost: (tps) => {
      events.push(`lost:${fmt(tps)}`)
    },
  })
  const on = (api: string, h: Handler) => {
    ;(handlers[api] ??= []).push(h)
  }
  const joinOk = (memberId: string, generationId: number, leader = memberId, members?: any[]) =>
    on('JoinGroup', (body) => ({
      errorCode: 0,
      generationId,
      protocolName: body.protocols[0].name,
      leader,
      skipAssignment: false,
      memberId,
      members:
        members ??
        (leader === memberId ? [{ memberId, groupInstanceId: null, metadata: body.protocols[0].metadata }] : []),
    }))
  const syncWith = (partitions: number[]) =>
    on('SyncGroup', () => ({
      errorCode: 0,
      assignment: encodeAssignment({
        partitions: partitions.map((partition) => ({ topic: 't', partition })),
        userData: null,
      }),
    }))
  return { membership, subscriptions, requests, on, joinOk, syncWith, events, heartbeat }
}

const soon = () => Date.now() + 2000

describe('ClassicMembership', () => {
  it('joins (MEMBER_ID_REQUIRED first), assigns as leader, syncs and starts heartbeats', async () => {
    const t = setup()
    t.on('JoinGroup', () => ({
      errorCode: 79,
      memberId: 'm-1',
      generationId: -1,
      protocolName: null,
      leader: '',
      skipAssignment: false,
      members: [],
    }))
    t.joinOk('m-1', 1)
    t.on('SyncGroup', (body) => {
      expect(body.assignments).toHaveLength(1)
      return { errorCode: 0, assignment: body.assignments[0].assignment }
    })
    expect(await t.membership.poll(soon())).toBe(true)
    const joins = t.requests.filter((r) => r.api === 'JoinGroup')
    expect(joins.map((j) => j.body.memberId)).toEqual(['', 'm-1'])
    expect(decodeSubscription('m', null, joins[1]!.body.protocols[0].metadata).topics).toEqual(['t'])
    expect(t.membership.state).toBe('STABLE')
    expect(t.subscriptions.assignedPartitions().map((p) => p.partition)).toEqual([0, 1, 2, 3])
    expect(t.events).toEqual(['assigned:0,1,2,3'])
    expect(t.heartbeat.starts).toEqual([{ groupId: 'g', memberId: 'm-1', generationId: 1, groupInstanceId: null }])
    expect(t.membership.commitGeneration()).toEqual({ generationId: 1, memberId: 'm-1', groupInstanceId: null })
  })

  it('eager: a rebalance notice revokes everything before rejoining, then assigns the new share', async () => {
    const t = setup()
    t.joinOk('m-1', 1, 'other')
    t.syncWith([0, 1, 2, 3])
    await t.membership.poll(soon())
    t.heartbeat.notice({ type: 'rebalance', generationId: 1 })
    expect(t.membership.rejoinNeeded).toBe(true)
    t.on('JoinGroup', (body) => {
      // Revocation ran before the JoinGroup was sent.
      expect(t.events).toEqual(['assigned:0,1,2,3', 'revoked:0,1,2,3'])
      expect(body.memberId).toBe('m-1')
      return {
        errorCode: 0,
        generationId: 2,
        protocolName: 'range',
        leader: 'other',
        skipAssignment: false,
        memberId: 'm-1',
        members: [],
      }
    })
    t.syncWith([2, 3])
    expect(await t.membership.poll(soon())).toBe(true)
    expect(t.events).toEqual(['assigned:0,1,2,3', 'revoked:0,1,2,3', 'assigned:2,3'])
    expect(t.heartbeat.starts.at(-1)?.generationId).toBe(2)
  })

  it('a reset (UNKNOWN_MEMBER_ID from the heartbeat) makes the partitions lost and rejoins with no member id', async () => {
    const t = setup()
    t.joinOk('m-1', 1, 'other')
    t.syncWith([0, 1])
    await t.membership.poll(soon())
    t.heartbeat.notice({ type: 'reset', generationId: 1, errorCode: 25, resetMemberId: true })
    expect(t.membership.commitGeneration()).toBeNull()
    t.on('JoinGroup', (body) => {
      expect(body.memberId).toBe('')
      return {
        errorCode: 0,
        generationId: 3,
        protocolName: 'range',
        leader: 'other',
        skipAssignment: false,
        memberId: 'm-2',
        members: [],
      }
    })
    t.syncWith([0])
    await t.membership.poll(soon())
    expect(t.events).toEqual(['assigned:0,1', 'lost:0,1', 'assigned:0'])
    // A notice about an old generation is ignored.
    t.heartbeat.notice({ type: 'reset', generationId: 1, errorCode: 22, resetMemberId: false })
    expect(t.membership.state).toBe('STABLE')
  })

  it('cooperative: revokes only what moves, then rejoins for the second round', async () => {
    const t = setup({ strategy: ['cooperative-sticky'] })
    t.joinOk('m-1', 1, 'other')
    t.syncWith([0, 1, 2, 3])
    await t.membership.poll(soon())
    t.heartbeat.notice({ type: 'rebalance', generationId: 1 })
    t.on('JoinGroup', (body) => {
      expect(t.events).toEqual(['assigned:0,1,2,3']) // nothing revoked up front
      return {
        errorCode: 0,
        generationId: 2,
        protocolName: body.protocols[0].name,
        leader: 'other',
        skipAssignment: false,
        memberId: 'm-1',
        members: [],
      }
    })
    t.syncWith([0, 1])
    t.joinOk('m-1', 3, 'other')
    t.syncWith([0, 1])
    expect(await t.membership.poll(soon())).toBe(true)
    expect(t.events).toEqual(['assigned:0,1,2,3', 'revoked:2,3', 'assigned:', 'assigned:'])
    expect(t.requests.filter((r) => r.api === 'JoinGroup')).toHaveLength(3)
    const owned = decodeSubscription(
      'm',
      null,
      t.requests.filter((r) => r.api === 'JoinGroup')[1]!.body.protocols[0].metadata,
    )
    expect(owned.ownedPartitions.map((p) => p.partition)).toEqual([0, 1, 2, 3])
  })

  it('a join that outlives a short poll() is picked up by the next poll (one JoinGroup)', async () => {
    const t = setup()
    let release!: () => void
    t.on('JoinGroup', async () => {
      await new Promise<void>((r) => {
        release = r
      })
      return {
        errorCode: 0,
        generationId: 1,
        protocolName: 'range',
        leader: 'other',
        skipAssignment: false,
        memberId: 'm-1',
        members: [],
      }
    })
    t.syncWith([1])
    expect(await t.membership.poll(Date.now() + 30)).toBe(false)
    expect(t.membership.rebalanceInProgress).toBe(true)
    expect(t.membership.commitGeneration()).toBeNull()
    release()
    expect(await t.membership.poll(soon())).toBe(true)
    expect(t.requests.filter((r) => r.api === 'JoinGroup')).toHaveLength(1)
    expect(t.events).toEqual(['assigned:1'])
  })

  it('a heartbeat worker that cannot start is fatal: poll() throws its error instead of fetching without heartbeats', async () => {
    const missing = new KafkaError('heartbeat worker script is missing', 'ERR_HEARTBEAT_WORKER_MISSING')
    const t = setup({ startError: missing })
    t.joinOk('m-1', 1)
    t.syncWith([0, 1, 2, 3])
    await expect(t.membership.poll(soon())).rejects.toBe(missing)
    expect(t.heartbeat.starts).toHaveLength(1)
    await expect(t.membership.poll(soon())).rejects.toBe(missing)
  })

  it('other failures to start heartbeats are not fatal', async () => {
    const t = setup({ startError: new KafkaError('token endpoint down', 'ERR_SASL') })
    t.joinOk('m-1', 1)
    t.syncWith([0, 1, 2, 3])
    expect(await t.membership.poll(soon())).toBe(true)
    await new Promise((r) => setImmediate(r))
    expect(await t.membership.poll(soon())).toBe(true)
    expect(t.membership.state).toBe('STABLE')
  })

  it('FENCED_INSTANCE_ID is fatal for a static member', async () => {
    const t = setup({ groupInstanceId: 'i-1' })
    t.on('JoinGroup', () => ({
      errorCode: 82,
      generationId: -1,
      protocolName: null,
      leader: '',
      skipAssignment: false,
      memberId: '',
      members: [],
    }))
    await expect(t.membership.poll(soon())).rejects.toBeInstanceOf(FencedInstanceError)
    await expect(t.membership.poll(soon())).rejects.toBeInstanceOf(FencedInstanceError)
  })
})

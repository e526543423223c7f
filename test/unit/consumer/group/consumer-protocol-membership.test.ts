// The main-thread half of a KIP-848 member against a scripted worker (a fake heartbeat handle: the
// test plays the worker's notices and records the commands): reconciliation order (pending
// revocation → auto-commit → onPartitionsRevoked → assign → onPartitionsAssigned → reconciled),
// a newer target mid-reconciliation, topic ids resolved through metadata, fencing and poll
// timeout (onPartitionsLost, then subscribe + rejoin), fatal errors, leaving with -1 / -2.
import { describe, expect, it } from 'vitest'
import type { MemberCommand, MemberNotice } from '../../../../src/consumer/group/consumer-member.js'
import { ConsumerProtocolMembership } from '../../../../src/consumer/group/consumer-protocol-membership.js'
import type { ConsumerHeartbeatHandle } from '../../../../src/consumer/group/member-heartbeat-service.js'
import { resolveConsumerOptions } from '../../../../src/consumer/options.js'
import { SubscriptionState } from '../../../../src/consumer/subscription-state.js'
import type { TopicPartition } from '../../../../src/consumer/types.js'
import { ErrorCode } from '../../../../src/error-codes.js'

const ID_A = '00000000-0000-0000-0000-00000000000a'
const ID_B = '00000000-0000-0000-0000-00000000000b'

function setup(opts: { autoCommit?: boolean; groupInstanceId?: string; knownTopics?: Record<string, string> } = {}) {
  const options = resolveConsumerOptions({
    bootstrapServers: 'x:1',
    groupId: 'g',
    groupProtocol: 'consumer',
    enableAutoCommit: opts.autoCommit ?? false,
    ...(opts.groupInstanceId ? { groupInstanceId: opts.groupInstanceId } : {}),
  })
  const subscriptions = new SubscriptionState('earliest')
  const commands: MemberCommand[] = []
  const log: string[] = []
  const known = new Map(Object.entries(opts.knownTopics ?? { [ID_A]: 'a' }))
  const metadataTopics = new Map<string, string>([
    [ID_A, 'a'],
    [ID_B, 'b'],
  ])
  let notice: (n: MemberNotice) => void = () => {}
  let coordinatorSet: number | null = null
  const cluster = {
    async findCoordinator() {
      return 7
    },
    invalidateCoordinator() {},
    async refreshMetadata(o: { topics: string[] }) {
      log.push(`refresh ${o.topics.join(',')}`)
      for (const t of o.topics) for (const [id, name] of metadataTopics) if (name === t) known.set(id, name)
    },
    topicById(id: string) {
      const name = known.get(id)
      return name === undefined ? undefined : { name, topicId: id }
    },
    async sendAny(api: { name: string }) {
      log.push(api.name)
      return {
        topics: [...metadataTopics].map(([topicId, name]) => ({ name, topicId, errorCode: 0, partitions: [] })),
      }
    },
    connectionOptions: () => undefined,
  }
  const membership = new ConsumerProtocolMembership({
    cluster: cluster as any,
    options,
    requestTimeoutMs: 1000,
    retryBackoffMs: 1,
    retryBackoffMaxMs: 10,
    subscriptions,
    beforeRebalance: async () => {
      log.push(`commit owned=${fmt(subscriptions.assignedPartitions())}`)
    },
    wake: () => {},
    createHeartbeat: (o) => {
      notice = o.onNotice
      const handle: ConsumerHeartbeatHandle = {
        notePoll() {},
        async setCoordinator(id) {
          coordinatorSet = id
        },
        command(cmd) {
          commands.push(cmd)
          // The worker answers a leave at once.
          if (cmd.type === 'leave') queueMicrotask(() => notice({ type: 'left' }))
        },
        close() {},
        stats: { sent: 0, received: 0, lastSentMs: 0 },
      }
      return handle
    },
  })
  const listener = {
    onPartitionsRevoked: async (tps: TopicPartition[]) => {
      await new Promise((r) => setTimeout(r, 5))
      log.push(`revoked ${fmt(tps)} fetchable=${fmt(subscriptions.fetchablePartitions().map((s) => s.tp))}`)
    },
    onPartitionsAssigned: async (tps: TopicPartition[]) => {
      log.push(`assigned ${fmt(tps)} owned=${fmt(subscriptions.assignedPartitions())}`)
    },
    onPartitionsLost: async (tps: TopicPartition[]) => {
      log.push(`lost ${fmt(tps)}`)
    },
  }
  subscriptions.subscribe(['a', 'b'], listener)
  return {
    membership,
    subscriptions,
    commands,
    log,
    notice: (n: MemberNotice) => notice(n),
    coordinator: () => coordinatorSet,
    listener,
  }
}

function fmt(tps: TopicPartition[]): string {
  return tps.map((tp) => `${tp.topic}-${tp.partition}`).join(',')
}

function target(localEpoch: number, memberEpoch: number, parts: [string, number[]][], joinId = 1): MemberNotice {
  return {
    type: 'assignment',
    joinId,
    localEpoch,
    memberEpoch,
    target: parts.map(([topicId, partitions]) => ({ topicId, partitions })),
  }
}

describe('ConsumerProtocolMembership', () => {
  it('subscribes once, with sorted topic names, and tells the worker the coordinator', async () => {
    const h = setup()
    await h.membership.poll(Date.now() + 100)
    await h.membership.poll(Date.now() + 100)
    expect(h.commands).toEqual([{ type: 'subscribe', subscription: { topicNames: ['a', 'b'], regex: null } }])
    expect(h.coordinator()).toBe(7)
    expect(h.membership.state).toBe('JOINING')
    expect(h.membership.commitGeneration()).toBeNull()
    expect(h.membership.groupMetadata()).toMatchObject({ generationId: -1, memberId: '' })
  })

  it('reconciles a target: assign, onPartitionsAssigned, then reconciled; epoch in commits and groupMetadata', async () => {
    const h = setup()
    await h.membership.poll(Date.now() + 100)
    h.notice(target(1, 3, [[ID_A, [0, 1]]]))
    expect(await h.membership.poll(Date.now() + 100)).toBe(true)
    expect(h.log).toEqual(['assigned a-0,a-1 owned=a-0,a-1'])
    expect(h.commands.at(-1)).toEqual({
      type: 'reconciled',
      joinId: 1,
      localEpoch: 1,
      owned: [{ topicId: ID_A, partitions: [0, 1] }],
    })
    expect(h.membership.state).toBe('STABLE')
    expect(h.membership.commitGeneration()).toEqual({
      generationId: 3,
      memberId: h.membership.memberId,
      groupInstanceId: null,
    })
    expect(h.membership.groupMetadata()).toMatchObject({ generationId: 3, memberId: h.membership.memberId })
    expect(h.membership.memberId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('revokes before assigning: pending revocation (not fetchable), auto-commit, onPartitionsRevoked, then the rest', async () => {
    const h = setup({ autoCommit: true })
    await h.membership.poll(Date.now() + 100)
    h.notice(target(1, 1, [[ID_A, [0, 1]]]))
    await h.membership.poll(Date.now() + 100)
    for (const s of h.subscriptions.assignedStates()) h.subscriptions.seek(s.tp, 0n)
    h.log.length = 0
    h.notice(target(2, 2, [[ID_A, [1, 2]]]))
    await h.membership.poll(Date.now() + 100)
    expect(h.log).toEqual(['commit owned=a-0,a-1', 'revoked a-0 fetchable=a-1', 'assigned a-2 owned=a-1,a-2'])
    expect(h.commands.at(-1)).toMatchObject({ type: 'reconciled', localEpoch: 2 })
  })

  it('a newer target arriving during onPartitionsRevoked restarts the reconciliation from it', async () => {
    const h = setup()
    await h.membership.poll(Date.now() + 100)
    h.notice(target(1, 1, [[ID_A, [0, 1, 2]]]))
    await h.membership.poll(Date.now() + 100)
    h.log.length = 0
    const revoked = h.listener.onPartitionsRevoked
    h.listener.onPartitionsRevoked = async (tps) => {
      await revoked(tps)
      if (tps.some((tp) => tp.partition === 0)) h.notice(target(3, 3, [[ID_A, [2]]]))
    }
    h.notice(target(2, 2, [[ID_A, [1, 2]]]))
    await h.membership.poll(Date.now() + 100)
    expect(h.log).toEqual(['revoked a-0 fetchable=', 'revoked a-1 fetchable=', 'assigned  owned=a-2'])
    const reconciled = h.commands.filter((c) => c.type === 'reconciled')
    // Only the newest target was acknowledged after the first one.
    expect(reconciled.map((c) => (c as { localEpoch: number }).localEpoch)).toEqual([1, 3])
  })

  it('resolves unknown topic ids through a metadata request and starts tracking the topics', async () => {
    const h = setup({ knownTopics: {} })
    await h.membership.poll(Date.now() + 100)
    h.notice(target(1, 1, [[ID_B, [0]]]))
    await h.membership.poll(Date.now() + 100)
    expect(h.log).toEqual(['Metadata', 'refresh b', 'assigned b-0 owned=b-0'])
    expect(h.commands.at(-1)).toMatchObject({ owned: [{ topicId: ID_B, partitions: [0] }] })
  })

  it('fenced: onPartitionsLost, then subscribe again and rejoin (epoch 0)', async () => {
    const h = setup()
    await h.membership.poll(Date.now() + 100)
    h.notice(target(1, 4, [[ID_A, [0]]]))
    await h.membership.poll(Date.now() + 100)
    h.log.length = 0
    h.commands.length = 0
    h.notice({ type: 'fenced', errorCode: ErrorCode.FENCED_MEMBER_EPOCH, message: null })
    expect(h.membership.commitGeneration()).toBeNull()
    await h.membership.poll(Date.now() + 100)
    expect(h.log).toEqual(['lost a-0'])
    expect(h.subscriptions.assignedPartitions()).toEqual([])
    expect(h.commands).toEqual([
      { type: 'subscribe', subscription: { topicNames: ['a', 'b'], regex: null } },
      { type: 'rejoin' },
    ])
    expect(h.membership.memberEpoch).toBe(0)
  })

  it('stale (poll timeout): the next poll runs onPartitionsLost and rejoins', async () => {
    const h = setup()
    await h.membership.poll(Date.now() + 100)
    h.notice(target(1, 2, [[ID_A, [0]]]))
    await h.membership.poll(Date.now() + 100)
    h.log.length = 0
    h.notice({ type: 'stale' })
    await h.membership.poll(Date.now() + 100)
    expect(h.log).toEqual(['lost a-0'])
    expect(h.commands.at(-1)).toEqual({ type: 'rejoin' })
  })

  it('a fatal error runs onPartitionsLost once and every poll throws it', async () => {
    const h = setup()
    await h.membership.poll(Date.now() + 100)
    h.notice(target(1, 2, [[ID_A, [0]]]))
    await h.membership.poll(Date.now() + 100)
    h.log.length = 0
    h.notice({ type: 'fatal', errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED, message: 'full' })
    await expect(h.membership.poll(Date.now() + 100)).rejects.toMatchObject({
      errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED,
    })
    await expect(h.membership.poll(Date.now() + 100)).rejects.toMatchObject({
      errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED,
    })
    expect(h.log).toEqual(['lost a-0'])
  })

  it('UNSUPPORTED_VERSION says to use the classic protocol', async () => {
    const h = setup()
    await h.membership.poll(Date.now() + 100)
    h.notice({ type: 'fatal', errorCode: ErrorCode.UNSUPPORTED_VERSION, message: null })
    await expect(h.membership.poll(Date.now() + 100)).rejects.toThrow(/groupProtocol: 'classic'/)
  })

  it('leave: onPartitionsRevoked first, then the leave heartbeat with epoch -1; rejoins on the next poll', async () => {
    const h = setup()
    await h.membership.poll(Date.now() + 100)
    h.notice(target(1, 2, [[ID_A, [0]]]))
    await h.membership.poll(Date.now() + 100)
    h.log.length = 0
    await h.membership.leave('the consumer unsubscribed', Date.now() + 1000)
    expect(h.log).toEqual(['revoked a-0 fetchable='])
    expect(h.commands.at(-1)).toEqual({ type: 'leave', epoch: -1 })
    expect(h.membership.state).toBe('UNSUBSCRIBED')
    await h.membership.poll(Date.now() + 100)
    expect(h.commands.at(-1)).toMatchObject({ type: 'subscribe' })
  })

  it('a static member leaves with epoch -2', async () => {
    const h = setup({ groupInstanceId: 'i-1' })
    await h.membership.poll(Date.now() + 100)
    await h.membership.leave('the consumer is being closed', Date.now() + 1000)
    expect(h.commands.at(-1)).toEqual({ type: 'leave', epoch: -2 })
  })

  it('a broker-side regex is sent instead of topic names', async () => {
    const h = setup()
    h.membership.setRegex('^orders-.*')
    await h.membership.poll(Date.now() + 100)
    expect(h.commands[0]).toEqual({ type: 'subscribe', subscription: { topicNames: [], regex: '^orders-.*' } })
  })
})

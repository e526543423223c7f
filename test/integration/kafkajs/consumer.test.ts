// Differential tests of kafka-wire/kafkajs's Consumer: each program runs on kafkajs 2.2.4 and on the layer
// against the shared broker (differential.ts); the normalised transcripts must be equal. Topic names, member
// ids and timings are replaced by side-independent values (consumer-helpers.ts) before comparing.
import { describe, expect, it } from 'vitest'
import { committedOffsets, produce, recordEvents, summarise, text, until } from './consumer-helpers.js'
import { outcome, runDifferential } from './differential.js'

const FAST = { maxWaitTimeInMs: 200 }

describe('kafkajs layer: consumer', () => {
  it('eachMessage: the messages, GROUP_JOIN, batch events, commits after each batch, stop/disconnect events', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('each-message')
      const groupId = ctx.name('g-each-message')
      await ctx.createTopic(topic, 2)
      await produce(ctx.brokers, topic, [
        { partition: 0, key: 'k1', value: 'v1', headers: { h: 'x', multi: ['a', 'b'] } },
        { partition: 0, key: null, value: null },
        { partition: 1, key: 'k3', value: 'v3' },
        { partition: 0, value: 'v4' },
        { partition: 1, value: 'v5' },
      ])
      const consumer = new k.Kafka(ctx.kafkaConfig()).consumer({ groupId, ...FAST })
      const events = recordEvents(consumer)
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      const seen: Record<string, unknown>[] = []
      const payloadKeys: string[][] = []
      await consumer.run({
        eachMessage: async (p) => {
          payloadKeys.push(Object.keys(p).sort())
          seen.push(text(p.partition, p.message))
        },
      })
      await until(() => seen.length >= 5)
      await until(async () => {
        const c = await committedOffsets(ctx.brokers, groupId)
        return c[0] === '3' && c[1] === '2'
      })
      await consumer.disconnect()
      seen.sort((a, b) => (a.partition as number) - (b.partition as number) || Number(a.offset) - Number(b.offset))
      return {
        seen,
        payloadKeys: [...new Set(payloadKeys.map((k) => k.join()))],
        events: summarise(events, topic),
        committed: await committedOffsets(ctx.brokers, groupId),
      }
    })
    expect(layer).toEqual(kafkajs)
  })

  it('eachBatch: batch fields, resolveOffset without auto-resolve, uncommittedOffsets, commitOffsetsIfNecessary, isRunning/isStale', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('each-batch')
      const groupId = ctx.name('g-each-batch')
      await ctx.createTopic(topic, 1)
      await produce(
        ctx.brokers,
        topic,
        ['a', 'b', 'c', 'd'].map((value) => ({ partition: 0, value })),
      )
      const consumer = new k.Kafka(ctx.kafkaConfig()).consumer({ groupId, ...FAST })
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      const batches: unknown[] = []
      await consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async (p) => {
          if (p.batch.isEmpty()) return
          const b = p.batch
          const before = p.uncommittedOffsets()
          p.resolveOffset(b.messages[1]!.offset) // two of four processed
          const after = p.uncommittedOffsets()
          await p.commitOffsetsIfNecessary()
          batches.push({
            payloadKeys: Object.keys(p).sort(),
            highWatermark: b.highWatermark,
            firstOffset: b.firstOffset(),
            lastOffset: b.lastOffset(),
            offsetLag: b.offsetLag(),
            offsetLagLow: b.offsetLagLow(),
            isEmpty: b.isEmpty(),
            values: b.messages.map((m) => String(m.value)),
            before: before.topics.map((t) => t.partitions),
            after: after.topics.map((t) => t.partitions),
            isRunning: p.isRunning(),
            isStale: p.isStale(),
          })
        },
      })
      // The two unresolved messages come again in the next batch (kafkajs fetches from the last resolved offset).
      await until(() => batches.length >= 2)
      await until(async () => (await committedOffsets(ctx.brokers, groupId))[0] === '4')
      await consumer.disconnect()
      return { batches: batches.slice(0, 2), committed: await committedOffsets(ctx.brokers, groupId) }
    })
    expect(layer).toEqual(kafkajs)
  })

  it('a throwing eachMessage: resolved offsets committed, the message retried, then delivered once it succeeds', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('retry')
      const groupId = ctx.name('g-retry')
      await ctx.createTopic(topic, 1)
      await produce(
        ctx.brokers,
        topic,
        ['m0', 'm1', 'm2'].map((value) => ({ partition: 0, value })),
      )
      const consumer = new k.Kafka(ctx.kafkaConfig()).consumer({
        groupId,
        ...FAST,
        retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 200 },
      })
      const events = recordEvents(consumer)
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      const attempts: string[] = []
      let failures = 0
      let committedAtFailure: Record<number, string> | null = null
      await consumer.run({
        eachMessage: async ({ message }) => {
          attempts.push(String(message.value))
          if (String(message.value) === 'm1' && failures < 2) {
            failures++
            throw new Error('processing failed')
          }
        },
      })
      await until(() => attempts.filter((a) => a === 'm2').length >= 1)
      committedAtFailure = await committedOffsets(ctx.brokers, groupId)
      await until(async () => (await committedOffsets(ctx.brokers, groupId))[0] === '3')
      await consumer.disconnect()
      return {
        attempts,
        crashes: events.filter((e) => e.type === 'consumer.crash').length,
        committed: await committedOffsets(ctx.brokers, groupId),
        committedAtFailure: committedAtFailure !== null,
      }
    })
    expect(layer).toEqual(kafkajs)
  })

  it('CRASH: retries used up (restartOnFailure → false) and a TypeError (not retriable: no restart)', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const results: unknown[] = []
      for (const kind of ['retries', 'type-error'] as const) {
        const topic = ctx.name(`crash-${kind}`)
        const groupId = ctx.name(`g-crash-${kind}`)
        await ctx.createTopic(topic, 1)
        await produce(ctx.brokers, topic, [{ partition: 0, value: 'poison' }])
        const restartAsked: string[] = []
        const consumer = new k.Kafka(ctx.kafkaConfig()).consumer({
          groupId,
          ...FAST,
          retry: {
            retries: 1,
            initialRetryTime: 50,
            restartOnFailure: async (e) => {
              restartAsked.push(e.name)
              return false
            },
          },
        })
        const crashes: { payload: Record<string, unknown> }[] = []
        consumer.on(consumer.events.CRASH, (e) => crashes.push(e as never))
        const events = recordEvents(consumer)
        await consumer.connect()
        await consumer.subscribe({ topics: [topic], fromBeginning: true })
        let calls = 0
        await consumer.run({
          eachMessage: async () => {
            calls++
            if (kind === 'type-error') throw new TypeError('bad')
            throw new Error('always')
          },
        })
        await until(() => crashes.length > 0)
        await new Promise((r) => setTimeout(r, 300))
        await consumer.disconnect()
        results.push({
          kind,
          calls,
          restartAsked,
          crash: crashes.map((c) => ({
            keys: Object.keys(c.payload).sort(),
            error: c.payload.error,
            restart: c.payload.restart,
          })),
          order: (summarise(events, topic).order as string[]).filter((t) => t !== 'consumer.group_join'),
        })
      }
      return results
    })
    expect(layer).toEqual(kafkajs)
  })

  it('seek (auto-commit commits the sought offset), pause()/resume, paused(), commitOffsets, describeGroup', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const seekTopic = ctx.name('seek')
      const pauseTopic = ctx.name('pause')
      const groupId = ctx.name('g-control')
      await ctx.createTopic(seekTopic, 1)
      await ctx.createTopic(pauseTopic, 1)
      await produce(
        ctx.brokers,
        seekTopic,
        ['s0', 's1', 's2', 's3', 's4'].map((value) => ({ partition: 0, value })),
      )
      await produce(
        ctx.brokers,
        pauseTopic,
        ['p0', 'p1', 'p2'].map((value) => ({ partition: 0, value })),
      )
      const name = (t: string) => (t === seekTopic ? 'S' : t === pauseTopic ? 'P' : t)
      const consumer = new k.Kafka(ctx.kafkaConfig()).consumer({ groupId, ...FAST })
      await consumer.connect()
      await consumer.subscribe({ topics: [seekTopic, pauseTopic], fromBeginning: true })
      const seen: string[] = []
      let sought = false
      let resume: (() => void) | null = null
      let committedAtSeek: Record<number, string> = {}
      await consumer.run({
        eachMessage: async ({ topic, message, pause }) => {
          const v = String(message.value)
          seen.push(v)
          if (v === 's1' && !sought) {
            sought = true
            consumer.seek({ topic, partition: 0, offset: '3' })
          }
          if (v === 'p0') resume = pause()
        },
      })
      await until(() => seen.includes('s4') && seen.includes('p0'))
      await new Promise((r) => setTimeout(r, 500))
      const seenWhilePaused = seen.filter((v) => v.startsWith('p'))
      const paused = consumer.paused().map((p) => ({ ...p, topic: name(p.topic) }))
      ;(resume as (() => void) | null)?.()
      await until(() => seen.includes('p2'))
      await until(async () => (await committedOffsets(ctx.brokers, groupId))[0] === '5')
      committedAtSeek = await committedOffsets(ctx.brokers, groupId)
      const manual = await outcome(() =>
        consumer.commitOffsets([{ topic: seekTopic, partition: 0, offset: '1', metadata: 'm' }]),
      )
      const group = await consumer.describeGroup()
      const afterManual = await committedOffsets(ctx.brokers, groupId)
      await consumer.disconnect()
      const { AssignerProtocol } = k
      return {
        seen: { s: seen.filter((v) => v.startsWith('s')), p: seen.filter((v) => v.startsWith('p')) },
        paused,
        seenWhilePaused,
        pausedAfterResume: consumer.paused(),
        manual,
        committedAtSeek: Object.keys(committedAtSeek).length > 0,
        afterManual,
        group: {
          keys: Object.keys(group).sort(),
          state: group.state,
          protocol: group.protocol,
          protocolType: group.protocolType,
          members: group.members.map((m) => ({
            keys: Object.keys(m).sort(),
            topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata)!.topics.map(name).sort(),
            assignment: Object.entries(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)!.assignment)
              .map(([t, ps]) => `${name(t)}:${ps}`)
              .sort(),
          })),
        },
      }
    })
    expect(layer).toEqual(kafkajs)
  })

  it('argument and state errors, as kafkajs throws them', async () => {
    const { kafkajs, layer } = await runDifferential(
      async (k, ctx) => {
        const kafka = new k.Kafka(ctx.kafkaConfig())
        const topic = ctx.name('errors')
        await ctx.createTopic(topic, 1)
        const out: Record<string, unknown> = {}
        const sync = (fn: () => unknown) => {
          try {
            return fn()
          } catch (e) {
            return { threw: e }
          }
        }
        out.noGroupId = sync(() => kafka.consumer({} as never))
        out.heartbeat = sync(() => kafka.consumer({ groupId: 'x', sessionTimeout: 1000, heartbeatInterval: 1000 }))
        const consumer = kafka.consumer({ groupId: ctx.name('g-errors'), ...FAST })
        out.badEvent = sync(() => consumer.on('consumer.nope' as never, () => {}))
        out.seekBeforeRun = sync(() => consumer.seek({ topic, partition: 0, offset: '0' }))
        out.seekNegative = sync(() => consumer.seek({ topic, partition: 0, offset: '-5' }))
        out.seekBadOffset = sync(() => consumer.seek({ topic, partition: 0, offset: 'abc' }))
        out.seekNoTopic = sync(() => consumer.seek({ topic: '', partition: 0, offset: '1' }))
        out.pauseBeforeRun = sync(() => consumer.pause([{ topic }]))
        out.pauseBadPartitions = sync(() => consumer.pause([{ topic, partitions: 'x' as never }]))
        out.resumeNoTopic = sync(() => consumer.resume([{} as never]))
        out.pausedBeforeRun = consumer.paused()
        out.commitBeforeRun = await outcome(() => consumer.commitOffsets([{ topic, partition: 0, offset: '1' }]))
        out.commitNegative = await outcome(() => consumer.commitOffsets([{ topic, partition: 0, offset: '-1' }]))
        out.commitBadMetadata = await outcome(() =>
          consumer.commitOffsets([{ topic, partition: 0, offset: '1', metadata: 5 as never }]),
        )
        const unreachable = new k.Kafka(
          ctx.kafkaConfig({
            brokers: ['127.0.0.1:1'],
            connectionTimeout: 200,
            retry: { retries: 1, initialRetryTime: 50 },
          }),
        ).consumer({ groupId: 'x' })
        out.connectUnreachable = await outcome(() => unreachable.connect())
        await consumer.connect()
        out.subscribeNothing = await outcome(() => consumer.subscribe({} as never))
        out.subscribeNotArray = await outcome(() => consumer.subscribe({ topics: topic as never }))
        out.subscribeBadTopic = await outcome(() => consumer.subscribe({ topics: [5 as never] }))
        out.subscribeMissing = await outcome(() =>
          kafka
            .consumer({ groupId: 'x', allowAutoTopicCreation: false })
            .subscribe({ topics: [ctx.name('missing-topic')] }),
        )
        await consumer.subscribe({ topic, fromBeginning: true })
        await consumer.run({ eachMessage: async () => {} })
        out.runTwice = await outcome(() => consumer.run({ eachMessage: async () => {} }))
        out.subscribeWhileRunning = await outcome(() => consumer.subscribe({ topics: [topic] }))
        await consumer.stop()
        out.commitAfterStop = await outcome(() => consumer.commitOffsets([{ topic, partition: 0, offset: '1' }]))
        await consumer.disconnect()
        return out
      },
      {
        allow: [
          {
            path: /^connectUnreachable\..*message$/,
            reason: "connection errors carry kafka-wire's message (same classes)",
          },
        ],
      },
    )
    expect(layer).toEqual(kafkajs)
  })

  it('RegExp subscriptions (resolved at subscribe), a custom assigner through AssignerProtocol, autoCommitThreshold', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const prefix = ctx.name('regex')
      const t1 = `${prefix}-one`
      const t2 = `${prefix}-two`
      await ctx.createTopic(t1, 2)
      await ctx.createTopic(t2, 1)
      await produce(
        ctx.brokers,
        t1,
        [0, 1, 0, 1].map((partition, i) => ({ partition, value: `one-${i}` })),
      )
      await produce(
        ctx.brokers,
        t2,
        [0, 0, 0].map((partition, i) => ({ partition, value: `two-${i}` })),
      )
      const { AssignerProtocol } = k
      const allToLeader = () => ({
        name: 'AllToLeader',
        version: 1,
        protocol: ({ topics }: { topics: string[] }) => ({
          name: 'AllToLeader',
          metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from('ud') }),
        }),
        async assign({
          members,
          topics,
        }: {
          members: { memberId: string; memberMetadata: Buffer }[]
          topics: string[]
        }) {
          const meta = AssignerProtocol.MemberMetadata.decode(members[0]!.memberMetadata)!
          seenUserData.push(meta.userData.toString())
          const assignment: Record<string, number[]> = {}
          for (const t of [...topics].sort()) assignment[t] = t === t1 ? [0, 1] : [0]
          return members.map((m, i) => ({
            memberId: m.memberId,
            memberAssignment: AssignerProtocol.MemberAssignment.encode({
              version: 1,
              assignment: i === 0 ? assignment : {},
              userData: Buffer.alloc(0),
            }),
          }))
        },
      })
      const seenUserData: string[] = []
      const groupId = ctx.name('g-regex')
      const consumer = new k.Kafka(ctx.kafkaConfig()).consumer({
        groupId,
        ...FAST,
        partitionAssigners: [allToLeader as never],
      })
      const events = recordEvents(consumer)
      await consumer.connect()
      const escaped = prefix.replace(/[-]/g, '\\-')
      await consumer.subscribe({ topics: [new RegExp(`^${escaped}-(one|two)$`)], fromBeginning: true })
      const seen: string[] = []
      await consumer.run({
        autoCommitThreshold: 2,
        eachMessage: async ({ message }) => {
          seen.push(String(message.value))
        },
      })
      await until(() => seen.length >= 7)
      await new Promise((r) => setTimeout(r, 300))
      await consumer.disconnect()
      const joins = events
        .filter((e) => e.type === 'consumer.group_join')
        .map((e) => e.payload as Record<string, unknown>)
      return {
        seen: seen.sort(),
        seenUserData,
        groupProtocol: joins.map((j) => j.groupProtocol),
        assignment: joins.map((j) =>
          Object.entries(j.memberAssignment as Record<string, number[]>)
            .map(([t, ps]) => `${t === t1 ? 'one' : 'two'}:${ps.join(',')}`)
            .sort(),
        ),
      }
    })
    expect(layer).toEqual(kafkajs)
  })

  it('a crash with restart: the consumer restarts by itself and goes on from the last commit', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('restart')
      const groupId = ctx.name('g-restart')
      await ctx.createTopic(topic, 1)
      await produce(
        ctx.brokers,
        topic,
        ['m0', 'm1', 'm2'].map((value) => ({ partition: 0, value })),
      )
      const consumer = new k.Kafka(ctx.kafkaConfig()).consumer({
        groupId,
        ...FAST,
        // a short session: if a restart ever found the crashed member still in the group, it would not wait 30 s
        sessionTimeout: 10000,
        heartbeatInterval: 500,
        retry: { retries: 0, initialRetryTime: 100 },
      })
      const crashes: unknown[] = []
      consumer.on(consumer.events.CRASH, (e) => crashes.push({ error: e.payload.error, restart: e.payload.restart }))
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      const seen: string[] = []
      let failed = false
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(String(message.value))
          if (String(message.value) === 'm1' && !failed) {
            failed = true
            throw new Error('once')
          }
        },
      })
      await until(() => seen.includes('m2'), 30000)
      await until(async () => (await committedOffsets(ctx.brokers, groupId))[0] === '3')
      await consumer.disconnect()
      return { seen, crashes, committed: await committedOffsets(ctx.brokers, groupId) }
    })
    expect(layer).toEqual(kafkajs)
  })

  it('autoCommit off with eachBatch committing explicitly, partitionsConsumedConcurrently, stop() then run() and seek again', async () => {
    const { kafkajs, layer } = await runDifferential(async (k, ctx) => {
      const topic = ctx.name('manual')
      const groupId = ctx.name('g-manual')
      await ctx.createTopic(topic, 2)
      await produce(ctx.brokers, topic, [
        ...['a0', 'a1', 'a2'].map((value) => ({ partition: 0, value })),
        ...['b0', 'b1', 'b2'].map((value) => ({ partition: 1, value })),
      ])
      const consumer = new k.Kafka(ctx.kafkaConfig()).consumer({ groupId, ...FAST })
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      const first: string[] = []
      const uncommitted: unknown[] = []
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 2,
        eachBatch: async ({ batch, resolveOffset, uncommittedOffsets, commitOffsetsIfNecessary }) => {
          for (const m of batch.messages) {
            first.push(String(m.value))
            resolveOffset(m.offset)
          }
          uncommitted.push(uncommittedOffsets().topics.flatMap((t) => t.partitions))
          const next = String(Number(batch.lastOffset()) + 1)
          await commitOffsetsIfNecessary({
            topics: [{ topic, partitions: [{ partition: batch.partition, offset: next }] }],
          })
        },
      })
      await until(() => first.length >= 6)
      await until(async () => Object.values(await committedOffsets(ctx.brokers, groupId)).join() === '3,3')
      await consumer.stop()
      const afterStop = await committedOffsets(ctx.brokers, groupId)
      const second: string[] = []
      await consumer.run({ eachMessage: async ({ message }) => void second.push(String(message.value)) })
      consumer.seek({ topic, partition: 0, offset: '1' })
      await until(() => second.length >= 2)
      await until(async () => (await committedOffsets(ctx.brokers, groupId))[0] === '3')
      await consumer.disconnect()
      return {
        first: first.sort(),
        // which partition's batch ends first is a race under concurrency: compare what was reported, not when
        uncommitted: [...new Set(uncommitted.flatMap((u) => (u as object[]).map((p) => JSON.stringify(p))))].sort(),
        afterStop,
        second,
        committed: await committedOffsets(ctx.brokers, groupId),
      }
    })
    expect(layer).toEqual(kafkajs)
  })
})

// A share member whose event loop is blocked for 1.5 × its group's session timeout keeps its place
// in the group: ShareGroupHeartbeat runs on the heartbeat worker thread (issue #21: "heartbeats
// off the event loop, as for the other groups"). The control: with `heartbeatThread: false` the
// same block costs the member its place (the coordinator removes it; it rejoins with a new epoch).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { ShareConsumer } from '../../../src/share/index.js'
import { createTopic, ensureShareGroups, RawProducer, setGroupConfig, uniqueName, values, waitFor } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
/** The broker's group.share.min.session.timeout.ms in the test kit's config. */
const SESSION_TIMEOUT_MS = 6000

describe('ShareConsumer liveness', () => {
  let producer: RawProducer
  let admin: Admin
  beforeAll(async () => {
    await ensureShareGroups(bootstrapServers, inject('kafkaLibDir'))
    producer = new RawProducer(bootstrapServers)
    admin = new Admin({ bootstrapServers })
  })
  afterAll(async () => {
    await producer?.close()
    await admin?.close()
  })

  async function memberEpoch(groupId: string, memberId: string): Promise<number | undefined> {
    const [d] = await admin.describeShareGroups([groupId])
    return d?.members.find((m) => m.memberId === memberId)?.memberEpoch
  }

  /** Joins, blocks the event loop for 1.5 × the session timeout, and returns the member epochs before and after. */
  async function blockedMember(heartbeatThread: boolean) {
    const topic = uniqueName('share-busy')
    const groupId = uniqueName('sg-busy')
    await createTopic(bootstrapServers, topic, 1)
    await setGroupConfig(bootstrapServers, groupId, {
      'share.auto.offset.reset': 'earliest',
      'share.session.timeout.ms': String(SESSION_TIMEOUT_MS),
      'share.heartbeat.interval.ms': '500',
    })
    await producer.send(topic, 0, values('v', 5))
    const c = new ShareConsumer({ bootstrapServers, groupId, heartbeatThread })
    try {
      c.subscribe([topic])
      let got = 0
      await waitFor('the first records', async () => {
        got += (await c.poll(200)).length
        return got > 0 ? true : undefined
      })
      await c.commitSync()
      const before = await memberEpoch(groupId, c.memberId)
      // Block this thread (the event loop) without yielding, as a CPU-bound handler would.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SESSION_TIMEOUT_MS * 1.5)
      // Let the member answer whatever happened meanwhile, then look again.
      for (let i = 0; i < 10; i++) await c.poll(200)
      const after = await memberEpoch(groupId, c.memberId)
      return { before, after }
    } finally {
      await c.close(5000)
    }
  }

  it('heartbeats on the worker thread: a member blocked for 1.5 × the session timeout keeps its member epoch', async () => {
    const { before, after } = await blockedMember(true)
    expect(before).toBeGreaterThan(0)
    expect(after).toBe(before)
  })

  it('control: with heartbeatThread false the same block gets the member removed; it rejoins under a new epoch', async () => {
    const { before, after } = await blockedMember(false)
    expect(before).toBeGreaterThan(0)
    expect(after).not.toBe(before)
  })
})

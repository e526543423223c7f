// The heartbeat thread with SASL OAUTHBEARER and short-lived tokens, against a broker of our own
// that makes every SASL session end after 3 s (connections.max.reauth.ms, KIP-368). The worker
// thread cannot call the application's token callback; it asks the main thread for a fresh token
// whenever it opens a new connection. A member that does not poll for longer than its tokens live
// must keep its membership: without fresh tokens its heartbeat connection, once the broker ended
// the session, could only reconnect with the expired start token, and the member would be
// removed from the group after sessionTimeoutMs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { unsecuredJwt } from '../../../src/network/index.js'
import type { KafkaCluster } from '../../../src/testing/index.js'
import { startOAuthBearerKafka } from '../network/helpers.js'
import { uniqueName } from './helpers.js'

let kafka: KafkaCluster
let bootstrap: string

beforeAll(async () => {
  ;({ kafka, bootstrap } = await startOAuthBearerKafka({
    'connections.max.reauth.ms': '3000',
    'group.initial.rebalance.delay.ms': '0',
  }))
}, 180_000)

afterAll(async () => {
  await kafka?.stop()
})

describe('heartbeat thread with OAUTHBEARER', () => {
  it('a member idle for 3 token lifetimes keeps its generation: the worker reconnects with fresh tokens', async () => {
    const TOKEN_LIFETIME_MS = 6000
    let tokensIssued = 0
    const sasl = {
      mechanism: 'OAUTHBEARER' as const,
      token: async () => {
        tokensIssued++
        return { value: unsecuredJwt({ subject: 'alice', lifetimeMs: TOKEN_LIFETIME_MS }) }
      },
    }
    const topic = uniqueName('oauth-hb')
    const admin = new Admin({ bootstrapServers: bootstrap, sasl })
    try {
      await admin.createTopics([{ topic, numPartitions: 2, replicationFactor: 1 }])
    } finally {
      await admin.close()
    }
    const events: string[] = []
    const consumer = new Consumer({
      bootstrapServers: bootstrap,
      sasl,
      groupId: uniqueName('g-oauth-hb'),
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      maxPollIntervalMs: 120_000,
    })
    try {
      consumer.subscribe([topic], {
        onPartitionsAssigned: (tps) => {
          events.push(`assigned ${tps.length}`)
        },
        onPartitionsRevoked: (tps) => {
          events.push(`revoked ${tps.length}`)
        },
        onPartitionsLost: (tps) => {
          events.push(`lost ${tps.length}`)
        },
      })
      const joinBy = Date.now() + 30_000
      while (consumer.assignment().length < 2 && Date.now() < joinBy) await consumer.poll(200)
      expect(consumer.assignment()).toHaveLength(2)
      const generation = consumer.stats.generationId
      const heartbeatsBefore = consumer.stats.heartbeatsReceived
      const tokensBefore = tokensIssued

      // No poll for 3 token lifetimes: only the worker keeps the member alive.
      await new Promise((r) => setTimeout(r, 3 * TOKEN_LIFETIME_MS))

      // Heartbeats went on throughout (one per 500 ms; allow for a loaded machine), over
      // connections authenticated with tokens fetched while the application was not polling.
      expect(consumer.stats.heartbeatsReceived - heartbeatsBefore).toBeGreaterThan(12)
      expect(tokensIssued).toBeGreaterThan(tokensBefore)
      await consumer.poll(500)
      expect(consumer.stats.generationId).toBe(generation)
      expect(events).toEqual(['assigned 2'])
    } finally {
      await consumer.close()
    }
  }, 120_000)
})

/**
 * SASL OAUTHBEARER with a token-provider callback, against a broker of our own whose
 * SASL_PLAINTEXT listener enables OAUTHBEARER with Kafka's default *unsecured* JWT handler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster } from '../../../src/cluster/cluster.js'
import { fromProperties } from '../../../src/cluster/java-properties.js'
import { parseBrokerAddress, resolveCommonOptions } from '../../../src/cluster/options.js'
import { AuthenticationError } from '../../../src/errors.js'
import { connect, unsecuredJwt } from '../../../src/network/index.js'
import { Apis } from '../../../src/protocol/index.js'
import type { KafkaCluster } from '../../../src/testing/index.js'
import { runDocExample } from './doc-examples.js'
import { startOAuthBearerKafka } from './helpers.js'

let kafka: KafkaCluster
let bootstrap: string

beforeAll(async () => {
  ;({ kafka, bootstrap } = await startOAuthBearerKafka())
}, 180_000)

afterAll(async () => {
  await kafka?.stop()
})

describe('OAUTHBEARER', () => {
  it('authenticates with an unsecured JWT from a token-provider callback (with extensions)', async () => {
    let calls = 0
    const conn = await connect({
      ...parseBrokerAddress(bootstrap.split(',')[0]!),
      sasl: {
        mechanism: 'OAUTHBEARER',
        token: async () => {
          calls++
          return { value: unsecuredJwt({ subject: 'alice' }), extensions: { traceId: 'abc' } }
        },
      },
    })
    try {
      const md = await conn.request(Apis.Metadata, { topics: [] })
      expect(md.brokers.length).toBe(1)
      expect(calls).toBe(1)
    } finally {
      conn.close()
    }
  })

  it('a token the broker rejects (expired) → AuthenticationError carrying the broker detail', async () => {
    const err = await connect({
      ...parseBrokerAddress(bootstrap.split(',')[0]!),
      sasl: {
        mechanism: 'OAUTHBEARER',
        token: () => ({ value: unsecuredJwt({ subject: 'alice', now: Date.now() - 7_200_000, lifetimeMs: 60_000 }) }),
      },
    }).catch((e) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toMatch(/invalid_token/)
  })

  it('the OAUTHBEARER example of docs/configuration.md runs', async () => {
    const logged = await runDocExample('oauthbearer', { 'localhost:9097': bootstrap })
    expect(logged.join('\n')).toMatch(/authenticated with a bearer token/)
  })

  it('a Cluster bootstraps over OAUTHBEARER, also when configured from Java properties', async () => {
    const props = fromProperties(`
bootstrap.servers=${bootstrap}
security.protocol=SASL_PLAINTEXT
sasl.mechanism=OAUTHBEARER
sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";
`)
    const cluster = new Cluster(resolveCommonOptions(props as never))
    try {
      await cluster.connect()
      expect(cluster.brokers.size).toBe(1)
      const res = await cluster.sendAny(Apis.Metadata, { topics: [] })
      expect(res.clusterId).toBe(cluster.clusterId)
    } finally {
      await cluster.close()
    }
  })
})

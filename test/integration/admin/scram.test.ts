// SCRAM credentials: alter (the salted password computed client-side) and describe, then prove the
// credential works by authenticating with it on the shared broker's SASL_PLAINTEXT listener.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin, AdminAggregateError, type ScramMechanism } from '../../../src/admin/index.js'
import { eventually, uniqueName } from './helpers.js'

const info = inject('kafkaListeners')
const saslServers = info.listeners.SASL_PLAINTEXT!.bootstrapServers
let admin: Admin

beforeAll(() => {
  admin = new Admin({ bootstrapServers: inject('kafkaBootstrapServers'), clientId: 'admin-scram-test' })
})
afterAll(async () => {
  await admin.close()
})

async function login(mechanism: ScramMechanism, username: string, password: string) {
  await using client = new Admin({
    bootstrapServers: saslServers,
    sasl: { mechanism, username, password },
    defaultApiTimeoutMs: 10_000,
  })
  // `return await`: a plain `return` would dispose of the client before the call settles.
  return await client.describeCluster()
}

describe('SCRAM credentials', () => {
  it('upserts credentials that then authenticate, describes them, and deletes them', async () => {
    // Two alterations of one user: the admin sends them in two requests (a broker refuses both in one).
    const user = uniqueName('scram-user')
    const password = `pw-${uniqueName('x')}-€`
    await admin.alterUserScramCredentials([
      { op: 'upsert', user, mechanism: 'SCRAM-SHA-256', password },
      { op: 'upsert', user, mechanism: 'SCRAM-SHA-512', password, iterations: 8192 },
    ])
    // Brokers learn of credentials from the metadata log, a moment after the controller accepted them.
    await eventually(async () => {
      const [described] = await admin.describeUserScramCredentials([user])
      expect(described!.user).toBe(user)
      expect(described!.credentials).toHaveLength(2)
      expect(described!.credentials).toEqual(
        expect.arrayContaining([
          { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
          { mechanism: 'SCRAM-SHA-512', iterations: 8192 },
        ]),
      )
    })
    const all = await admin.describeUserScramCredentials()
    expect(all.map((u) => u.user)).toContain(user)

    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      const cluster = await eventually(() => login(mechanism, user, password))
      expect(cluster.brokers.length).toBeGreaterThan(0)
    }
    await expect(login('SCRAM-SHA-256', user, 'wrong-password')).rejects.toMatchObject({
      code: 'SASL_AUTHENTICATION_FAILED',
    })

    await admin.alterUserScramCredentials([{ op: 'delete', user, mechanism: 'SCRAM-SHA-256' }])
    await eventually(async () => {
      const [after] = await admin.describeUserScramCredentials([user])
      expect(after!.credentials).toEqual([{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }])
    })
    await eventually(async () => {
      await expect(login('SCRAM-SHA-256', user, password)).rejects.toMatchObject({
        code: 'SASL_AUTHENTICATION_FAILED',
      })
    })
    await admin.alterUserScramCredentials([{ op: 'delete', user, mechanism: 'SCRAM-SHA-512' }])
  })

  it('names each user whose credentials could not be described or altered', async () => {
    const good = uniqueName('scram-good')
    const weak = uniqueName('scram-weak')
    const unknown = uniqueName('scram-unknown')
    const error = await admin
      .alterUserScramCredentials([
        { op: 'upsert', user: good, mechanism: 'SCRAM-SHA-256', password: 'good-password' },
        { op: 'upsert', user: weak, mechanism: 'SCRAM-SHA-256', password: 'weak', iterations: 100 },
      ])
      .catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.failed).toEqual([`user ${weak}`])
    expect(error.errors[0]).toMatchObject({ code: 'UNACCEPTABLE_CREDENTIAL' })
    expect(error.errors[0].message).toContain(weak)
    expect(error.succeeded).toEqual([good])

    const described = await eventually(async () => {
      const e = await admin.describeUserScramCredentials([good, unknown]).catch((e) => e)
      expect(e.succeeded).toHaveLength(1)
      return e
    })
    expect(described).toBeInstanceOf(AdminAggregateError)
    expect(described.failed).toEqual([`user ${unknown}`])
    expect(described.errors[0]).toMatchObject({ code: 'RESOURCE_NOT_FOUND' })
    expect(described.succeeded[0]).toMatchObject({ user: good })
    await admin.alterUserScramCredentials([{ op: 'delete', user: good, mechanism: 'SCRAM-SHA-256' }])
  })
})

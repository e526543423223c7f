// Runs every example of docs/admin.md (except the ACL one, which acls.test.ts runs against a broker
// with an authorizer) against the shared broker, in order.
import { expect, inject, it } from 'vitest'
import { runDocExamples } from './helpers.js'

it('the examples of docs/admin.md run', async () => {
  const info = inject('kafkaListeners')
  const examples = await runDocExamples('', {
    plaintext: inject('kafkaBootstrapServers'),
    saslPlaintext: info.listeners.SASL_PLAINTEXT?.bootstrapServers,
  })
  expect(examples.blocks).toBeGreaterThan(15)
  await examples.run()
})

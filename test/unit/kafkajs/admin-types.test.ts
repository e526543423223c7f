// The layer's admin type-checks where kafkajs 2.2.4's does: an application that typed its admin
// with kafkajs's declarations (types/index.d.ts) accepts the layer's, and the other way round.
import type * as KafkaJS from 'kafkajs'
import { expect, it } from 'vitest'
import type * as Layer from '../../../src/kafkajs/index.js'
import { Kafka } from '../../../src/kafkajs/index.js'

it("the layer's Admin is assignable to kafkajs's Admin type", () => {
  const admin: KafkaJS.Admin = new Kafka({ brokers: ['localhost:9092'] }).admin()
  const back: Layer.Admin = admin as unknown as Layer.Admin
  const config: KafkaJS.ResourceConfigQuery = { type: 2 as Layer.ConfigResourceTypes, name: 't' }
  expect(typeof admin.fetchTopicOffsets).toBe('function')
  expect(back.events.CONNECT).toBe('admin.connect')
  expect(config.type).toBe(2)
})

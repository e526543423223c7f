// kafka-wire/kafkajs exports what kafkajs 2.2.4 exports, name for name (plus kafkajs 1.x's
// ResourceTypes), and nothing of its own plumbing; its default export is the same API, as kafkajs's
// module.exports is the default export of an ES module that imports it.
import { createRequire } from 'node:module'
import { expect, it } from 'vitest'
import layerDefault, * as layer from '../../../src/kafkajs/index.js'

const require = createRequire(import.meta.url)
const kafkajs = require('kafkajs') as Record<string, unknown>

it("exports kafkajs's values, name for name, and no helpers of its own", () => {
  const names = Object.keys(layer)
    .filter((n) => n !== 'default')
    .sort()
  expect(names).toEqual([...Object.keys(kafkajs), 'ResourceTypes'].sort())
  for (const n of Object.keys(kafkajs)) expect(typeof (layer as Record<string, unknown>)[n], n).toBe(typeof kafkajs[n])
})

it('the default export is the same API (`import kafkajs from …; kafkajs.Kafka`)', () => {
  const d = layerDefault as unknown as Record<string, unknown>
  expect(Object.keys(d).sort()).toEqual(
    Object.keys(layer)
      .filter((n) => n !== 'default')
      .sort(),
  )
  expect(d.Kafka).toBe(layer.Kafka)
  expect(d.KafkaJSError).toBe(layer.KafkaJSError)
})

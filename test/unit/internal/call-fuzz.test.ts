// Call fuzzing (issue #19, bad input): public methods given wrong types fail at once, before any
// I/O (the bootstrap server here does not exist), with a typed error whose message says what the
// call takes — never an engine message from deep inside ("x is not iterable", "Cannot read
// properties of undefined") and never a wait for a broker.
import { afterAll, describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { Consumer } from '../../../src/consumer/index.js'
import { KafkaError } from '../../../src/errors.js'
import { Producer } from '../../../src/producer/index.js'

const bootstrapServers = '127.0.0.1:1'
const producer = new Producer<any, any>({ bootstrapServers, maxBlockMs: 5000 })
const consumer = new Consumer<any, any>({ bootstrapServers, groupId: 'g', defaultApiTimeoutMs: 5000 })
const admin = new Admin({ bootstrapServers, defaultApiTimeoutMs: 5000 })
afterAll(async () => {
  await producer.close()
  await consumer.close()
  await admin.close()
})

const ENGINE = /is not iterable|Cannot read propert|is not a function|undefined is not|Cannot convert/

const calls: [string, () => unknown][] = [
  ['producer.send(null)', () => producer.send(null as never)],
  ['producer.send({ topic: 42 })', () => producer.send({ topic: 42, value: 'x' } as never)],
  ["producer.send({ topic: '' })", () => producer.send({ topic: '', value: 'x' })],
  ['producer.send partition -2', () => producer.send({ topic: 't', partition: -2, value: 'x' })],
  ["producer.send partition 'x'", () => producer.send({ topic: 't', partition: 'x' as never, value: 'x' })],
  ['producer.send key {}', () => producer.send({ topic: 't', key: {}, value: 'x' })],
  ['producer.send headers 42', () => producer.send({ topic: 't', value: 'x', headers: 42 as never })],
  ['producer.send headers [{}]', () => producer.send({ topic: 't', value: 'x', headers: [{}] as never })],
  ['producer.send timestamp NaN', () => producer.send({ topic: 't', value: 'x', timestamp: Number.NaN })],
  ['consumer.subscribe(42)', () => consumer.subscribe(42 as never)],
  ["consumer.subscribe([''])", () => consumer.subscribe([''])],
  ['consumer.assign(42)', () => consumer.assign(42 as never)],
  ['consumer.assign([{ topic: 1 }])', () => consumer.assign([{ topic: 1, partition: 0 }] as never)],
  ['consumer.pause(42)', () => consumer.pause(42 as never)],
  ['consumer.resume(null)', () => consumer.resume(null as never)],
  ["consumer.seek offset 'x'", () => consumer.seek({ topic: 't', partition: 0 }, 'x' as never)],
  ['consumer.seek tp null', () => consumer.seek(null as never, 0)],
  ['consumer.poll(-1)', () => consumer.poll(-1)],
  ['consumer.commitSync(42)', () => consumer.commitSync(42 as never)],
  ['consumer.commitSync offset -5', () => consumer.commitSync([{ topic: 't', partition: 0, offset: -5 }])],
  ["admin.createTopics('x')", () => admin.createTopics('x' as never)],
  ['admin.createTopics([{ topic: 42 }])', () => admin.createTopics([{ topic: 42 }] as never)],
  ['admin.listOffsets bad spec', () => admin.listOffsets([{ topic: 't', partition: 0, spec: 'bogus' as never }])],
]

describe('wrong arguments', () => {
  it.each(calls)('%s fails at once with a typed error', async (_name, call) => {
    const started = Date.now()
    let error: unknown
    try {
      await call()
    } catch (e) {
      error = e
    }
    expect(Date.now() - started).toBeLessThan(1000)
    expect(error instanceof TypeError || error instanceof RangeError || error instanceof KafkaError).toBe(true)
    expect((error as Error).message).not.toMatch(ENGINE)
  })
})

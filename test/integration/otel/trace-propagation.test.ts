/**
 * kafka-wire/otel across processes, against the real broker: a child process produces a record
 * under the instrumentation, another child process consumes it, each collecting its spans in an
 * InMemorySpanExporter. One trace: the consumer's `process <topic>` span is a child of the
 * producer's `send <topic>` span (the W3C trace context travelled in the record's headers), with
 * the messaging semantic conventions' attributes. Once with kafka-wire's own API (ESM, the async
 * iterator), once with kafka-wire/kafkajs (CommonJS, eachMessage). The children run the built
 * package (dist/), and each ends on every path (its own 60 s deadline; killed here after 90 s).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createTopic, uniqueName } from '../producer/helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
const here = import.meta.dirname
const PRODUCER = 3 // SpanKind.PRODUCER
const CONSUMER = 4 // SpanKind.CONSUMER

interface SpanJson {
  name: string
  kind: number
  traceId: string
  spanId: string
  parentSpanId: string | null
  attributes: Record<string, unknown>
  links: string[]
}

const children = new Set<ChildProcess>()
afterAll(() => {
  for (const c of children) c.kill('SIGKILL')
})

async function runChild(script: string, args: string[]): Promise<{ spans: SpanJson[]; output: string }> {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, script), ...args], {
      cwd: here,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.add(child)
    let text = ''
    child.stdout!.on('data', (d) => (text += d))
    child.stderr!.on('data', (d) => (text += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${script} ${args[0]} did not exit:\n${text}`))
    }, 90_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      children.delete(child)
      if (code === 0) resolve(text)
      else reject(new Error(`${script} ${args[0]} exited with ${code}:\n${text}`))
    })
  })
  const line = output.split('\n').find((l) => l.startsWith('SPANS '))
  expect(line, output).toBeDefined()
  return { spans: JSON.parse(line!.slice('SPANS '.length)), output }
}

describe.each([
  { api: 'kafka-wire (ESM, async iterator)', script: 'otel-child.mjs', key: 'order-1', clientId: 'otel-producer' },
  {
    api: 'kafka-wire/kafkajs (CommonJS, eachMessage)',
    script: 'otel-kafkajs-child.cjs',
    key: 'order-2',
    clientId: 'otel-kafkajs-produce',
  },
])('$api', ({ script, key, clientId }) => {
  it('one trace from the producer process to the consumer process: process is a child of send', async () => {
    const topic = uniqueName('otel')
    const groupId = `${topic}-group`
    await createTopic(bootstrapServers, topic, 1)

    const produced = await runChild(script, ['produce', bootstrapServers, topic])
    const send = produced.spans.find((s) => s.name === `send ${topic}`)
    expect(send, produced.output).toBeDefined()
    expect(send!.kind).toBe(PRODUCER)
    expect(send!.parentSpanId).toBeNull()
    expect(send!.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.client.id': clientId,
      'messaging.kafka.message.key': key,
      'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 0,
    })

    const consumed = await runChild(script, ['consume', bootstrapServers, topic, groupId])
    expect(consumed.output).toContain(`GOT ${key}`)
    expect(consumed.output).toContain('traceparent')
    const process = consumed.spans.find((s) => s.name === `process ${topic}`)
    expect(process, consumed.output).toBeDefined()
    expect(process!.kind).toBe(CONSUMER)
    expect(process!.traceId).toBe(send!.traceId)
    expect(process!.parentSpanId).toBe(send!.spanId)
    expect(process!.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 0,
      'messaging.kafka.message.key': key,
      'messaging.consumer.group.name': groupId,
    })
    // The poll that returned the record links to the producer's span (a batch receive).
    const poll = consumed.spans.find((s) => s.name === 'poll' && s.links.includes(send!.spanId))
    expect(poll, JSON.stringify(consumed.spans.map((s) => s.name))).toBeDefined()
    expect(poll!.kind).toBe(CONSUMER)
    expect(poll!.attributes).toMatchObject({
      'messaging.operation.type': 'receive',
      'messaging.consumer.group.name': groupId,
    })
  }, 200_000)
})

// The diagnostics channels (src/diagnostics): the producer's per-record send channel and the
// per-broker produce channel against an in-process fake cluster — payload fields, headers a
// subscriber adds being sent with the record, the settle events — and that nothing is published
// (no payload built) when nobody subscribes.
import dc from 'node:diagnostics_channel'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  channels,
  type ProducerProduceMessage,
  type ProducerSendMessage,
  type Traced,
} from '../../../src/diagnostics/index.js'
import { ClosedError } from '../../../src/errors.js'
import { PRODUCER_CLUSTER } from '../../../src/internal/seams.js'
import { Producer } from '../../../src/producer/producer.js'
import { type FakeCluster, fakeCluster } from '../producer/fake-cluster.js'

const open: Producer<any, any>[] = []
function make(cluster: FakeCluster, clientId = 'diag-client') {
  const p = new Producer<any, any>({
    bootstrapServers: 'fake:9092',
    clientId,
    lingerMs: 0,
    [PRODUCER_CLUSTER]: cluster,
  } as any)
  open.push(p)
  return p
}

type Events = { name: string; message: any }[]
/** Subscribes to every event of a tracing channel; returns the events seen and the unsubscribe. */
function record(channel: Traced<any>, events: Events, onStart?: (m: any) => void) {
  const handlers = {
    start: (m: any) => {
      events.push({ name: 'start', message: m })
      onStart?.(m)
    },
    end: (m: any) => events.push({ name: 'end', message: m }),
    asyncStart: (m: any) => events.push({ name: 'asyncStart', message: m }),
    asyncEnd: (m: any) => events.push({ name: 'asyncEnd', message: m }),
    error: (m: any) => events.push({ name: 'error', message: m }),
  }
  channel.subscribe(handlers)
  return () => channel.unsubscribe(handlers)
}

const unsubscribe: (() => void)[] = []
afterEach(async () => {
  for (const u of unsubscribe.splice(0)) u()
  vi.restoreAllMocks()
  await Promise.all(open.splice(0).map((p) => p.close({ timeoutMs: 1000 })))
})

describe('kafka-wire:producer:send', () => {
  it('publishes start before the record is encoded, and the headers a subscriber pushes are sent', async () => {
    const cluster = fakeCluster({ t: 3 })
    const p = make(cluster)
    const events: Events = []
    unsubscribe.push(
      record(channels.producerSend, events, (m: ProducerSendMessage) => {
        // The record is not in a batch yet when start is published.
        expect(p.bufferedBytes).toBe(0)
        m.headers.push(['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'])
      }),
    )
    const record1 = { topic: 't', key: 'k1', value: 'v1', partition: 2, headers: { app: 'x' } }
    const md = await p.send(record1)
    expect(events.map((e) => e.name)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    const m = events[0]!.message as ProducerSendMessage
    expect(events.every((e) => e.message === m)).toBe(true)
    expect(m).toMatchObject({ clientId: 'diag-client', topic: 't', partition: 2, key: 'k1' })
    expect(m.result).toEqual(md)
    expect(m.result).toMatchObject({ topic: 't', partition: 2, offset: 0n })
    expect(cluster.produced[0]!.headers[0]).toEqual([
      ['app', 'x'],
      ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
    ])
    // The application's own headers object is not changed.
    expect(record1.headers).toEqual({ app: 'x' })
  })

  it('gives a record without headers an empty array a subscriber can add to; array headers keep their order', async () => {
    const cluster = fakeCluster({ t: 1 })
    const p = make(cluster)
    const seen: ProducerSendMessage[] = []
    unsubscribe.push(
      record(channels.producerSend, [], (m: ProducerSendMessage) => {
        seen.push(m)
        m.headers.push(['added', null])
      }),
    )
    await p.send({ topic: 't', value: 'a' })
    await p.send({
      topic: 't',
      value: 'b',
      headers: [
        ['z', 'first'],
        ['a', Buffer.from('second')],
      ],
    })
    expect(seen[0]!.headers).toEqual([['added', null]])
    expect(seen[0]!.partition).toBeUndefined()
    expect(cluster.produced.flatMap((r) => r.headers)).toEqual([
      [['added', null]],
      [
        ['z', 'first'],
        ['a', 'second'],
        ['added', null],
      ],
    ])
  })

  it('publishes error (then asyncStart/asyncEnd) when the send fails, and the promise stays handled', async () => {
    const p = make(fakeCluster({ t: 1 }))
    await p.close()
    const events: Events = []
    unsubscribe.push(record(channels.producerSend, events))
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    try {
      void p.send({ topic: 't', value: 'x' }) // ignored: must not raise unhandledRejection
      await expect(p.send({ topic: 't', value: 'y' })).rejects.toBeInstanceOf(ClosedError)
      await new Promise((r) => setTimeout(r, 20))
    } finally {
      process.off('unhandledRejection', unhandled)
    }
    expect(unhandled).not.toHaveBeenCalled()
    expect(events.filter((e) => e.message.headers !== undefined).map((e) => e.name)).toEqual([
      'start',
      'end',
      'start',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
      'error',
      'asyncStart',
      'asyncEnd',
    ])
    expect(events.find((e) => e.name === 'error')!.message.error).toBeInstanceOf(ClosedError)
  })
})

describe('kafka-wire:producer:produce', () => {
  it('traces each Produce request with its broker and partitions', async () => {
    const cluster = fakeCluster({ t: 2 })
    const p = make(cluster, 'produce-client')
    const events: Events = []
    unsubscribe.push(record(channels.producerProduce, events))
    await Promise.all([
      p.send({ topic: 't', value: 'a', partition: 0 }),
      p.send({ topic: 't', value: 'b', partition: 1 }),
    ])
    const starts = events.filter((e) => e.name === 'start').map((e) => e.message as ProducerProduceMessage)
    // The fake cluster leads partition p on node p % 2: one request per broker.
    expect(starts.map((m) => [m.clientId, m.nodeId, m.partitions]).sort()).toEqual([
      ['produce-client', 0, [{ topic: 't', partition: 0 }]],
      ['produce-client', 1, [{ topic: 't', partition: 1 }]],
    ])
    expect(events.filter((e) => e.name === 'asyncEnd').every((e) => e.message.result !== undefined)).toBe(true)
  })
})

describe('no subscriber: nothing is built or published', () => {
  it('publishes on no channel and does not copy the record', async () => {
    for (const ch of Object.values(channels)) {
      expect(ch.hasSubscribers).toBe(false)
    }
    const publishes = Object.values(channels).flatMap((ch) =>
      'start' in ch
        ? [ch.start, ch.end, ch.asyncStart, ch.asyncEnd, ch.error].map((c) => vi.spyOn(c, 'publish'))
        : [vi.spyOn(ch, 'publish')],
    )
    const cluster = fakeCluster({ t: 1 })
    const p = make(cluster)
    const reads = new Map<string, number>()
    const rec = new Proxy(
      { topic: 't', key: 'k', value: 'v', headers: { h: '1' } },
      {
        get(target, prop, receiver) {
          reads.set(String(prop), (reads.get(String(prop)) ?? 0) + 1)
          return Reflect.get(target, prop, receiver)
        },
        ownKeys: (target) => {
          reads.set('ownKeys', (reads.get('ownKeys') ?? 0) + 1)
          return Reflect.ownKeys(target)
        },
      },
    )
    await p.send(rec)
    // The payload copies the record ({ ...record, headers }): not done without a subscriber.
    expect(reads.get('ownKeys')).toBeUndefined()
    for (const spy of publishes) expect(spy).not.toHaveBeenCalled()
    expect(cluster.produced[0]!.headers).toEqual([[['h', '1']]])
    // The same send observed does build it (the measure above can see the difference).
    unsubscribe.push(record(channels.producerSend, []))
    await p.send(rec)
    expect(reads.get('ownKeys')).toBe(1)
  })

  it('stops building payloads once the last subscriber leaves', async () => {
    const p = make(fakeCluster({ t: 1 }))
    const events: Events = []
    const off = record(channels.producerSend, events)
    await p.send({ topic: 't', value: 'a' })
    off()
    expect(channels.producerSend.hasSubscribers).toBe(false)
    const spy = vi.spyOn(channels.producerSend.start, 'publish')
    await p.send({ topic: 't', value: 'b' })
    expect(spy).not.toHaveBeenCalled()
    expect(events.filter((e) => e.name === 'start')).toHaveLength(1)
  })
})

describe('channel names', () => {
  it('are all under the kafka-wire: prefix, and reachable by name through node:diagnostics_channel', () => {
    const events: unknown[] = []
    const handler = (m: unknown) => events.push(m)
    dc.subscribe('tracing:kafka-wire:admin:call:start', handler)
    try {
      expect(channels.adminCall.hasSubscribers).toBe(true)
      expect(dc.channel('kafka-wire:connection:close')).toBe(channels.connectionClose)
    } finally {
      dc.unsubscribe('tracing:kafka-wire:admin:call:start', handler)
    }
    expect(channels.adminCall.hasSubscribers).toBe(false)
  })
})

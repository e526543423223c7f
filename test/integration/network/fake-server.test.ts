/**
 * Misbehaving servers next to the real broker: a fake TCP server that answers garbage, a truncated
 * frame, a 2 GB length prefix, or nothing. Each gives a typed error within the timeout, without a
 * crash or an unbounded allocation, and the client stays usable: the next request goes through a
 * new connection to the real broker. A Cluster whose bootstrap list holds all of them still
 * bootstraps from the real broker.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Cluster } from '../../../src/cluster/cluster.js'
import { parseBrokerAddress, resolveCommonOptions } from '../../../src/cluster/options.js'
import { ConnectionError, type KafkaError, ProtocolError, TimeoutError } from '../../../src/errors.js'
import { connect } from '../../../src/network/index.js'
import { Apis } from '../../../src/protocol/index.js'

type Behaviour = 'garbage' | 'truncated-close' | 'truncated-silent' | '2gb-prefix' | 'silent'

const servers = new Map<Behaviour, { port: number; server: net.Server; sockets: Set<net.Socket> }>()

async function start(behaviour: Behaviour) {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
    s.once('data', () => {
      const truncated = Buffer.alloc(20)
      truncated.writeInt32BE(1000, 0)
      switch (behaviour) {
        case 'garbage':
          s.write(Buffer.from('\x00\x00\x00\x10this is not kafka at all, sorry'))
          break
        case 'truncated-close':
          s.end(truncated)
          break
        case 'truncated-silent':
          s.write(truncated)
          break
        case '2gb-prefix':
          s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]))
          break
        case 'silent':
          break
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  servers.set(behaviour, { port: (server.address() as net.AddressInfo).port, server, sockets })
}

beforeAll(async () => {
  for (const b of ['garbage', 'truncated-close', 'truncated-silent', '2gb-prefix', 'silent'] as const) await start(b)
})

afterAll(async () => {
  for (const { server, sockets } of servers.values()) {
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => server.close(() => r()))
  }
})

const real = () => parseBrokerAddress(inject('kafkaBootstrapServers').split(',')[0]!)
const limits = { requestTimeoutMs: 1500, socketConnectionSetupTimeoutMs: 2000 }

describe('fake servers', () => {
  it.each([
    ['garbage', ProtocolError],
    ['truncated-close', ConnectionError], // retriable: the connection ended mid-frame (Java's NetworkException)
    ['truncated-silent', TimeoutError],
    ['2gb-prefix', ProtocolError],
    ['silent', TimeoutError],
  ] as const)('%s → %O within the timeout; then the real broker works', async (behaviour, type) => {
    const before = process.memoryUsage().arrayBuffers
    const started = Date.now()
    const err = await connect({ host: '127.0.0.1', port: servers.get(behaviour)!.port, ...limits }).catch((e) => e)
    expect(err).toBeInstanceOf(type)
    expect(Date.now() - started).toBeLessThan(limits.socketConnectionSetupTimeoutMs + 1000)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
    const conn = await connect({ ...real(), ...limits })
    try {
      const md = await conn.request(Apis.Metadata, { topics: [] })
      expect(md.brokers.length).toBeGreaterThan(0)
    } finally {
      conn.close()
    }
  })

  it('a Cluster bootstraps past every misbehaving server to the real broker and stays usable', async () => {
    const bootstrap = [...servers.values()].map((s) => `127.0.0.1:${s.port}`)
    const r = real()
    bootstrap.push(`${r.host}:${r.port}`)
    for (let round = 0; round < 3; round++) {
      // The starting entry is random: every round tries another order.
      const cluster = new Cluster(
        resolveCommonOptions({
          bootstrapServers: bootstrap,
          ...limits,
          requestTimeoutMs: 30_000,
          socketConnectionSetupTimeoutMs: 1500,
        }),
      )
      try {
        await cluster.connect()
        expect(cluster.brokers.size).toBeGreaterThan(0)
        const res = await cluster.sendAny(Apis.Metadata, { topics: [] })
        expect(res.brokers.length).toBeGreaterThan(0)
      } catch (err) {
        expect.fail(`bootstrap failed: ${(err as KafkaError).message}`)
      } finally {
        await cluster.close()
      }
    }
  })
})

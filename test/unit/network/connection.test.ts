/**
 * Connection behaviour against a scripted fake broker: pipelining, ordering, timeouts, abort,
 * close, acks=0, backpressure, ApiVersions fallback and malformed input. The same scenarios run
 * against the real broker in test/integration/network.
 */
import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  AbortError,
  ClosedError,
  ConnectionError,
  ProtocolError,
  TimeoutError,
  UnsupportedVersionError,
} from '../../../src/errors.js'
import { createLog } from '../../../src/internal/log.js'
import { DirectReader } from '../../../src/network/direct-reader.js'
import { connect } from '../../../src/network/index.js'
import { Apis } from '../../../src/protocol/index.js'
import {
  defaultApiVersions,
  encodeResponse,
  type FakeBroker,
  type FakeRequest,
  selfSignedCertificate,
  startFakeBroker,
} from './fake-broker.js'

let broker: FakeBroker | undefined
afterEach(async () => {
  await broker?.close()
  broker = undefined
})

const metadataBody = { brokers: [], clusterId: 'c', controllerId: 1, topics: [] }

describe('Connection against a fake broker', () => {
  it('negotiates versions and sends client software name and version (KIP-511)', async () => {
    broker = await startFakeBroker()
    const conn = await connect({ host: '127.0.0.1', port: broker.port, clientId: 'my-app' })
    const req = broker.requests[0]!
    expect(req.api).toBe(Apis.ApiVersions)
    expect(req.version).toBe(Apis.ApiVersions.maxVersion)
    expect(req.clientId).toBe('my-app')
    expect(req.body.clientSoftwareName).toBe('kafka-wire')
    expect(req.body.clientSoftwareVersion).toMatch(/^[0-9A-Za-z.-]+$/)
    expect(conn.versionFor(Apis.Metadata)).toBe(Apis.Metadata.maxVersion)
    conn.close()
  })

  it('falls back when the broker answers ApiVersions with UNSUPPORTED_VERSION in v0 format', async () => {
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.ApiVersions) return false
      if (req.version > 2) {
        ctx.reply(req, { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }] }, 0)
      } else {
        ctx.reply(req, {
          errorCode: 0,
          apiKeys: [
            { apiKey: 3, minVersion: 0, maxVersion: 9 },
            { apiKey: 18, minVersion: 0, maxVersion: 2 },
          ],
        })
      }
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    expect(broker.requests.map((r) => r.version)).toEqual([Apis.ApiVersions.maxVersion, 2])
    expect(conn.versionFor(Apis.Metadata)).toBe(9)
    expect(() => conn.versionFor(Apis.Produce)).toThrow(UnsupportedVersionError)
    await expect(conn.request(Apis.Produce, {})).rejects.toThrow(UnsupportedVersionError)
    conn.close()
  })

  it('pipelines many concurrent requests (queueing beyond the limit) and matches every response', async () => {
    let maxSeen = 0
    const held: FakeRequest[] = []
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      held.push(req)
      maxSeen = Math.max(maxSeen, held.length)
      // Answer in order, a little later, so that requests pile up.
      setTimeout(() => {
        const r = held.shift()!
        ctx.reply(r, { ...metadataBody, clusterId: `c-${r.body.topics[0].name}` })
      }, 2)
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port, maxInFlightRequests: 4 })
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => conn.request(Apis.Metadata, { topics: [{ name: `t${i}` }] })),
    )
    expect(results.map((r) => r.clusterId)).toEqual(Array.from({ length: 200 }, (_, i) => `c-t${i}`))
    expect(maxSeen).toBeLessThanOrEqual(4)
    expect(maxSeen).toBeGreaterThan(1)
    expect(conn.inFlight).toBe(0)
    expect(conn.queued).toBe(0)
    conn.close()
  })

  it('coalesces the frames of one tick into one write (cork/uncork)', async () => {
    const chunks: number[] = []
    broker = await startFakeBroker(undefined, {
      onConnect: (s) => s.on('data', (c: Buffer) => chunks.push(c.length)),
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port, maxInFlightRequests: 50 })
    await new Promise((r) => setTimeout(r, 20))
    chunks.length = 0
    await Promise.all(Array.from({ length: 20 }, () => conn.request(Apis.Metadata, { topics: [] })))
    // 20 frames arrive in (almost always) one segment, never one segment per frame.
    expect(chunks.length).toBeLessThanOrEqual(3)
    conn.close()
  })

  it('a written request that times out fails with TimeoutError and closes the connection', async () => {
    broker = await startFakeBroker((req) => req.api === Apis.Metadata) // never answers Metadata
    const conn = await connect({ host: '127.0.0.1', port: broker.port, maxInFlightRequests: 1 })
    const started = Date.now()
    const first = conn.request(Apis.Metadata, { topics: [] }, { timeoutMs: 200 })
    const second = conn.request(Apis.Metadata, { topics: [] }, { timeoutMs: 5000 })
    await expect(first).rejects.toBeInstanceOf(TimeoutError)
    expect(Date.now() - started).toBeLessThan(1500)
    const err = await second.catch((e) => e)
    expect(err).toBeInstanceOf(ConnectionError)
    expect(err.cause).toBeInstanceOf(TimeoutError)
    expect(conn.closed).toBe(true)
  })

  it('a queued request that times out is dropped without closing the connection', async () => {
    const held: [FakeRequest, (b: Buffer) => void][] = []
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      held.push([req, () => ctx.reply(req, metadataBody)])
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port, maxInFlightRequests: 1 })
    const first = conn.request(Apis.Metadata, { topics: [] }, { timeoutMs: 5000 })
    const queued = conn.request(Apis.Metadata, { topics: [] }, { timeoutMs: 100 })
    await expect(queued).rejects.toBeInstanceOf(TimeoutError)
    expect(conn.closed).toBe(false)
    await new Promise((r) => setTimeout(r, 20))
    held.shift()![1](Buffer.alloc(0))
    await expect(first).resolves.toMatchObject({ clusterId: 'c' })
    expect(broker.requests.filter((r) => r.api === Apis.Metadata)).toHaveLength(1)
    conn.close()
  })

  it('abort: a queued request is removed, an in-flight one rejects at once and its late response is ignored', async () => {
    const pending: (() => void)[] = []
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      pending.push(() => ctx.reply(req, { ...metadataBody, clusterId: req.body.topics[0].name }))
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port, maxInFlightRequests: 1 })
    const ac1 = new AbortController()
    const ac2 = new AbortController()
    const inflight = conn.request(Apis.Metadata, { topics: [{ name: 'a' }] }, { signal: ac1.signal })
    const queued = conn.request(Apis.Metadata, { topics: [{ name: 'b' }] }, { signal: ac2.signal })
    const third = conn.request(Apis.Metadata, { topics: [{ name: 'c' }] })
    await new Promise((r) => setTimeout(r, 20))
    ac2.abort()
    await expect(queued).rejects.toBeInstanceOf(AbortError)
    ac1.abort(new Error('user'))
    await expect(inflight).rejects.toBeInstanceOf(AbortError)
    expect(conn.inFlight).toBe(1) // the aborted one still holds its slot until its response arrives
    pending.shift()!() // the late response for 'a' is read and discarded
    await new Promise((r) => setTimeout(r, 20))
    pending.shift()!()
    await expect(third).resolves.toMatchObject({ clusterId: 'c' })
    expect(broker.requests.filter((r) => r.api === Apis.Metadata).map((r) => r.body.topics[0].name)).toEqual(['a', 'c'])
    const pre = new AbortController()
    pre.abort()
    await expect(conn.request(Apis.Metadata, {}, { signal: pre.signal })).rejects.toBeInstanceOf(AbortError)
    conn.close()
  })

  it('close() fails pending requests with ClosedError, and later requests too', async () => {
    broker = await startFakeBroker((req) => req.api === Apis.Metadata)
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    const p = conn.request(Apis.Metadata, {})
    conn.close()
    conn.close()
    await expect(p).rejects.toBeInstanceOf(ClosedError)
    await expect(conn.request(Apis.Metadata, {})).rejects.toBeInstanceOf(ClosedError)
  })

  it('logs one line per closed connection, with the broker in its context (close, closed by the broker, a timeout, garbage)', async () => {
    const lines: string[] = []
    const log = (m: string) => lines.push(m)
    const logger = createLog({ logger: { debug: log, info: log, warn: log, error: log }, logLevel: 'debug' }, 'test')
    const silent = (req: FakeRequest) => req.api === Apis.Metadata
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      if (req.clientId === 'garbage') ctx.write(Buffer.from('garbage!garbage!garbage!'))
      else if (req.clientId === 'hangup') ctx.socket.destroy()
      else return silent(req)
      return true
    })
    const closedLines = async (
      clientId: string,
      act: (conn: Awaited<ReturnType<typeof connect>>) => Promise<unknown>,
    ) => {
      lines.length = 0
      const conn = await connect({ host: '127.0.0.1', port: broker!.port, clientId, logger })
      await act(conn).catch(() => {})
      await vi.waitFor(() => expect(conn.closed).toBe(true))
      return lines.filter((l) => !l.startsWith('kafka-wire: connected'))
    }
    const where = `127.0.0.1:${broker.port}`
    for (const [clientId, act] of [
      ['close', async (c) => c.close()],
      ['hangup', (c) => c.request(Apis.Metadata, {})],
      ['timeout', (c) => c.request(Apis.Metadata, {}, { timeoutMs: 50 })],
      ['garbage', (c) => c.request(Apis.Metadata, {})],
    ] as const satisfies readonly (readonly [string, (c: Awaited<ReturnType<typeof connect>>) => Promise<unknown>])[]) {
      const logged = await closedLines(clientId, act)
      expect(logged, clientId).toHaveLength(1)
      expect(logged[0]).toMatch(/^kafka-wire: (connection closed|closing the connection): \w+Error: /)
      expect(logged[0]).toContain(`(clientId=test nodeId=-1 broker=${where})`)
    }
  })

  it('expectResponse false (acks=0) resolves with undefined once written', async () => {
    broker = await startFakeBroker((req) => req.api === Apis.Produce)
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    const res = await conn.request(Apis.Produce, { acks: 0, timeoutMs: 1000, topicData: [] }, { expectResponse: false })
    expect(res).toBeUndefined()
    expect(conn.inFlight).toBe(0)
    await new Promise((r) => setTimeout(r, 50))
    expect(broker.requests.at(-1)!.api).toBe(Apis.Produce)
    conn.close()
  })

  it('honours backpressure: stops writing while the socket buffer is full, resumes on drain', async () => {
    let server: net.Socket | undefined
    broker = await startFakeBroker(
      (req, ctx) => {
        if (req.api !== Apis.Produce) return false
        ctx.reply(req, { responses: [] })
        return true
      },
      {
        onConnect: (s) => {
          server = s
        },
      },
    )
    const conn = await connect({ host: '127.0.0.1', port: broker.port, maxInFlightRequests: 1000 })
    server!.pause() // the broker stops reading
    const big = Buffer.alloc(1024 * 1024, 7)
    const body = {
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: big }] }],
    }
    const all = Array.from({ length: 64 }, () => conn.request(Apis.Produce, body, { timeoutMs: 20_000 }))
    await new Promise((r) => setTimeout(r, 200))
    // 64 MiB cannot fit in the socket buffers: the rest waits in our queue, not in Node's buffer.
    expect(conn.queued).toBeGreaterThan(0)
    expect(conn.inFlight).toBeLessThan(64)
    server!.resume()
    const results = await Promise.all(all)
    expect(results).toHaveLength(64)
    conn.close()
  })

  it('SASL session lifetime (KIP-368): the connection retires before the session expires', async () => {
    broker = await startFakeBroker((req, ctx) => {
      if (req.api === Apis.SaslHandshake) ctx.reply(req, { errorCode: 0, mechanisms: ['PLAIN'] })
      else if (req.api === Apis.SaslAuthenticate) {
        expect(req.body.authBytes.toString()).toBe('\0u\0p')
        ctx.reply(req, { errorCode: 0, authBytes: Buffer.alloc(0), sessionLifetimeMs: 300n })
      } else return false
      return true
    })
    const conn = await connect({
      host: '127.0.0.1',
      port: broker.port,
      sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' },
    })
    expect(conn.expired).toBe(false)
    await new Promise((r) => setTimeout(r, 320))
    expect(conn.expired).toBe(true)
    await conn.request(Apis.Metadata, {}) // still usable for what is sent; closes once idle
    expect(conn.closed).toBe(true)
  })

  it('SASL mechanism not enabled → AuthenticationError naming the enabled ones', async () => {
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.SaslHandshake) return false
      ctx.reply(req, { errorCode: 33, mechanisms: ['SCRAM-SHA-512'] })
      return true
    })
    const err = await connect({
      host: '127.0.0.1',
      port: broker.port,
      sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' },
    }).catch((e) => e)
    expect(err.name).toBe('AuthenticationError')
    expect(err.message).toMatch(/PLAIN is not enabled.*SCRAM-SHA-512/)
  })

  it('a response with an unexpected correlation id fails the connection with ProtocolError', async () => {
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      ctx.reply({ ...req, correlationId: req.correlationId + 7 }, metadataBody)
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    await expect(conn.request(Apis.Metadata, {})).rejects.toBeInstanceOf(ProtocolError)
    expect(conn.closed).toBe(true)
  })

  it('an undecodable response body fails with ProtocolError and closes the connection', async () => {
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      const frame = Buffer.alloc(4 + 4 + 3)
      frame.writeInt32BE(7, 0)
      frame.writeInt32BE(req.correlationId, 4)
      ctx.write(frame)
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    await expect(conn.request(Apis.Metadata, {})).rejects.toBeInstanceOf(ProtocolError)
    expect(conn.closed).toBe(true)
  })
})

describe('Connection against misbehaving servers (typed error within the timeout, bounded memory)', () => {
  async function rawServer(
    onData: (s: net.Socket, chunk: Buffer) => void,
  ): Promise<{ port: number; close(): Promise<void> }> {
    const sockets = new Set<net.Socket>()
    const server = net.createServer((s) => {
      sockets.add(s)
      s.on('error', () => {})
      s.on('data', (c) => onData(s, c))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return {
      port: (server.address() as net.AddressInfo).port,
      close: () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy()
          server.close(() => r())
        }),
    }
  }

  const opts = { host: '127.0.0.1', requestTimeoutMs: 1000, socketConnectionSetupTimeoutMs: 1500 }

  it('garbage (an HTTP reply) → ProtocolError at once', async () => {
    const srv = await rawServer((s) => s.write('HTTP/1.1 400 Bad Request\r\n\r\n'))
    const started = Date.now()
    const err = await connect({ ...opts, port: srv.port }).catch((e) => e)
    expect(err).toBeInstanceOf(ProtocolError)
    expect(Date.now() - started).toBeLessThan(1000)
    await srv.close()
  })

  it('a 2 GB length prefix → ProtocolError at once, without allocating it', async () => {
    const srv = await rawServer((s) => s.write(Buffer.from([0x7f, 0xff, 0xff, 0xf0, 1, 2, 3])))
    const before = process.memoryUsage().arrayBuffers
    const err = await connect({ ...opts, port: srv.port }).catch((e) => e)
    expect(err).toBeInstanceOf(ProtocolError)
    expect(err.message).toMatch(/exceeds maxResponseBytes/)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
    await srv.close()
  })

  // The bytes were well-formed and the connection ended: retriable (a broker crash mid-response), as
  // Java's NetworkException; test/fault/network/proxy-faults.test.ts shows idempotent sends survive it.
  it('a truncated frame then close → a retriable ConnectionError', async () => {
    const srv = await rawServer((s) => {
      const b = Buffer.alloc(14)
      b.writeInt32BE(100, 0)
      s.end(b)
    })
    const err = await connect({ ...opts, port: srv.port }).catch((e) => e)
    expect(err).toBeInstanceOf(ConnectionError)
    expect(err.retriable).toBe(true)
    expect(err.message).toMatch(/middle of a response/)
    await srv.close()
  })

  it('a truncated frame and silence → TimeoutError within the timeout', async () => {
    const srv = await rawServer((s) => {
      const b = Buffer.alloc(14)
      b.writeInt32BE(100, 0)
      s.write(b)
    })
    const started = Date.now()
    const err = await connect({ ...opts, port: srv.port }).catch((e) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(Date.now() - started).toBeLessThan(2500)
    await srv.close()
  })

  it('nothing at all → TimeoutError within the timeout', async () => {
    const srv = await rawServer(() => {})
    const started = Date.now()
    const err = await connect({ ...opts, port: srv.port }).catch((e) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(Date.now() - started).toBeLessThan(2500)
    await srv.close()
  })

  it('connection refused → retriable ConnectionError', async () => {
    const srv = await rawServer(() => {})
    const port = srv.port
    await srv.close()
    const err = await connect({ ...opts, port }).catch((e) => e)
    expect(err).toBeInstanceOf(ConnectionError)
    expect(err.retriable).toBe(true)
  })

  it('abort during connect → AbortError', async () => {
    const srv = await rawServer(() => {})
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    const err = await connect({ ...opts, port: srv.port, signal: ac.signal }).catch((e) => e)
    expect(err).toBeInstanceOf(AbortError)
    await srv.close()
  })

  it('a good response and garbage in one read: the response is delivered, the next request fails', async () => {
    let held: FakeRequest | undefined
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      // Answer the first request together with the second's garbage, in one write.
      if (held === undefined) held = req
      else
        ctx.write(
          Buffer.concat([
            encodeResponse(held, { brokers: [], clusterId: 'ok', controllerId: -1, topics: [] }),
            Buffer.from('garbage!'),
          ]),
        )
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    const first = conn.request(Apis.Metadata, {})
    const second = conn.request(Apis.Metadata, {}).catch((e) => e)
    expect((await first).clusterId).toBe('ok')
    expect(await second).toBeInstanceOf(ProtocolError)
    expect(conn.closed).toBe(true)
  })

  it('garbage after a good handshake fails only that connection', async () => {
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      ctx.write(Buffer.from('garbage!garbage!garbage!'))
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    await expect(conn.request(Apis.Metadata, {})).rejects.toBeInstanceOf(ProtocolError)
    expect(conn.closed).toBe(true)
    expect(defaultApiVersions().length).toBeGreaterThan(10)
  })
})

describe('Connection: responses read through DirectReader (onread), plain TCP and TLS', () => {
  /** The records bytes of a fake Fetch response of about `size` bytes, unique per `seed`. */
  function recordsOf(size: number, seed: number): Buffer {
    const b = Buffer.alloc(size)
    for (let i = 0; i < size; i++) b[i] = (seed * 131 + i * 7 + (i >> 8)) & 0xff
    return b
  }

  function fetchBody(records: Buffer | null): object {
    return {
      responses: [
        {
          topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
          topic: 't',
          partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 0n, records }],
        },
      ],
    }
  }

  /** A Fetch whose maxBytes says how many record bytes the fake broker should answer with. */
  function fetchRequest(size: number) {
    return { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: size, topics: [] }
  }

  /**
   * Writes each response in pieces, a few ms apart, so that the client's reads split it: the length
   * prefix in two, then a few bytes, then the rest (which the kernel may split further). Responses
   * go out in order, one after another.
   */
  function splittingBroker(opts: Parameters<typeof startFakeBroker>[1] = {}): Promise<FakeBroker> {
    const queues = new WeakMap<net.Socket, Promise<void>>()
    const pause = () => new Promise((r) => setTimeout(r, 3))
    return startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Fetch) return false
      const bytes = encodeResponse(req, fetchBody(recordsOf(req.body.maxBytes, req.correlationId)))
      const previous = queues.get(ctx.socket) ?? Promise.resolve()
      queues.set(
        ctx.socket,
        previous.then(async () => {
          for (const [from, to] of [
            [0, 2],
            [2, 4],
            [4, 11],
            [11, bytes.length],
          ] as const) {
            ctx.write(bytes.subarray(from, to))
            await pause()
          }
        }),
      )
      return true
    }, opts)
  }

  it('large (200 KiB – 3 MiB) and small responses arrive intact, pipelined, with their prefixes split across reads', async () => {
    broker = await splittingBroker()
    const commit = vi.spyOn(DirectReader.prototype, 'commit')
    try {
      const conn = await connect({
        host: '127.0.0.1',
        port: broker.port,
        maxInFlightRequests: 4,
        requestTimeoutMs: 10_000,
      })
      const sizes = [10, 200 * 1024, 10, 3 * 1024 * 1024, 64 * 1024 - 200, 64 * 1024, 10, 200 * 1024]
      const responses = await Promise.all(sizes.map((size) => conn.request(Apis.Fetch, fetchRequest(size))))
      for (let i = 0; i < sizes.length; i++) {
        const records = responses[i]!.responses[0]!.partitions[0]!.records!
        expect(records.length).toBe(sizes[i])
        const expected = recordsOf(sizes[i]!, broker.requests.filter((r) => r.api === Apis.Fetch)[i]!.correlationId)
        expect(records.equals(expected)).toBe(true)
      }
      // Reads of more than the 64 KiB scratch buffer can only have gone into a large frame's own buffer.
      expect(commit.mock.calls.some(([n]) => n > 64 * 1024)).toBe(true)
      conn.close()
    } finally {
      commit.mockRestore()
    }
  })

  describe('over TLS (tls.connect takes onread too)', () => {
    const certificate = selfSignedCertificate()
    const tlsOptions = { ca: certificate.cert, verifyHostname: false }

    it('large and small responses arrive intact, pipelined, and a large frame is read into its own buffer', async () => {
      broker = await splittingBroker({ tls: certificate })
      const readBuffer = vi.spyOn(DirectReader.prototype, 'readBuffer')
      try {
        const conn = await connect({
          host: '127.0.0.1',
          port: broker.port,
          tls: tlsOptions,
          maxInFlightRequests: 4,
          requestTimeoutMs: 10_000,
        })
        const sizes = [10, 200 * 1024, 10, 3 * 1024 * 1024, 64 * 1024, 10]
        const responses = await Promise.all(sizes.map((size) => conn.request(Apis.Fetch, fetchRequest(size))))
        const fetches = broker.requests.filter((r) => r.api === Apis.Fetch)
        for (let i = 0; i < sizes.length; i++) {
          const records = responses[i]!.responses[0]!.partitions[0]!.records!
          expect(records.equals(recordsOf(sizes[i]!, fetches[i]!.correlationId))).toBe(true)
        }
        // The decrypted bytes went through the DirectReader (not the 'data' event), and the large
        // frames' reads into the rest of a buffer of their own (more than the 64 KiB scratch).
        expect(readBuffer.mock.results.some((r) => (r.value as Buffer).length > 64 * 1024)).toBe(true)
        conn.close()
      } finally {
        readBuffer.mockRestore()
      }
    })

    it('bytes from a server that speaks first fail the connection with a ProtocolError, not the process', async () => {
      broker = await startFakeBroker(() => true, {
        tls: certificate,
        onConnect: (socket) => socket.write(Buffer.from('garbage!garbage!garbage!')),
      })
      const err = await connect({ host: '127.0.0.1', port: broker.port, tls: tlsOptions }).catch((e) => e)
      expect(err).toBeInstanceOf(ProtocolError)
    })
  })

  it('the broker closing in the middle of a large response fails the pending requests with ConnectionError', async () => {
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Fetch) return false
      const bytes = encodeResponse(req, fetchBody(recordsOf(300_000, 1)))
      ctx.socket.end(bytes.subarray(0, 100_000))
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    const first = conn.request(Apis.Fetch, fetchRequest(1))
    const second = conn.request(Apis.Metadata, {})
    const err = await first.catch((e) => e)
    expect(err).toBeInstanceOf(ConnectionError)
    expect(err.message).toMatch(/middle of a response \(99996 of \d+ bytes\)/)
    await expect(second).rejects.toBeInstanceOf(ConnectionError)
    expect(conn.closed).toBe(true)
  })

  it('close() in the middle of a large response fails it with ClosedError; the rest of the response is ignored', async () => {
    let sent!: () => void
    const halfSent = new Promise<void>((r) => {
      sent = r
    })
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Fetch) return false
      const bytes = encodeResponse(req, fetchBody(recordsOf(2 * 1024 * 1024, 1)))
      ctx.write(bytes.subarray(0, 500_000))
      setTimeout(sent, 50)
      setTimeout(() => ctx.write(bytes.subarray(500_000)), 100)
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    const pending = conn.request(Apis.Fetch, fetchRequest(1))
    await halfSent
    conn.close()
    await expect(pending).rejects.toBeInstanceOf(ClosedError)
    await new Promise((r) => setTimeout(r, 150))
    expect(conn.closeReason).toBeInstanceOf(ClosedError)
  })

  it('an oversized length prefix after a good response fails the connection, not the process', async () => {
    let answered = false
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      if (answered) return true // the second request is never answered: the bad prefix ends the stream
      answered = true
      ctx.write(encodeResponse(req, metadataBody))
      // A separate read, while the first frame is read into the scratch buffer.
      setTimeout(() => ctx.write(Buffer.from([0x7f, 0xff, 0xff, 0xf0, 1, 2, 3])), 20)
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port, maxResponseBytes: 1024 * 1024 })
    const ok = conn.request(Apis.Metadata, {})
    const next = conn.request(Apis.Metadata, {})
    await expect(ok).resolves.toMatchObject({ clusterId: 'c' })
    const err = await next.catch((e) => e)
    expect(err).toBeInstanceOf(ProtocolError)
    expect(err.message).toMatch(/exceeds maxResponseBytes 1048576/)
    expect(conn.closed).toBe(true)
  })

  it('a frame after one that failed the connection, in the same read, is ignored', async () => {
    let answered = false
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Metadata) return false
      if (answered) return true
      answered = true
      // A response with a wrong correlation id, then a good response to the next request.
      const wrongId = encodeResponse({ ...req, correlationId: req.correlationId + 100 }, metadataBody)
      const next = encodeResponse({ ...req, correlationId: req.correlationId + 1 }, metadataBody)
      setTimeout(() => ctx.write(Buffer.concat([wrongId, next])), 20)
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    const first = conn.request(Apis.Metadata, {})
    const second = conn.request(Apis.Metadata, {})
    const err = await first.catch((e) => e)
    expect(err).toBeInstanceOf(ProtocolError)
    expect(err.message).toMatch(/Unexpected response correlation id/)
    await expect(second).rejects.toBeInstanceOf(ConnectionError)
  })

  it('an exception while reading (a frame buffer that cannot be allocated) fails the connection instead of escaping the onread callback', async () => {
    // The fake broker runs in this process: allocations fail only once it has encoded its response.
    let failAllocations = false
    broker = await startFakeBroker((req, ctx) => {
      if (req.api !== Apis.Fetch) return false
      const bytes = encodeResponse(req, fetchBody(recordsOf(500_000, 1)))
      failAllocations = true
      ctx.write(bytes)
      return true
    })
    const conn = await connect({ host: '127.0.0.1', port: broker.port })
    const realAlloc = Buffer.allocUnsafe
    const alloc = vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => {
      if (failAllocations && size >= 400_000) throw new RangeError('Array buffer allocation failed')
      return realAlloc(size)
    })
    try {
      const err = await conn.request(Apis.Fetch, fetchRequest(1)).catch((e) => e)
      expect(err).toBeInstanceOf(ConnectionError)
      expect(err.message).toMatch(/Cannot read a response .*Array buffer allocation failed/)
      expect(err.cause).toBeInstanceOf(RangeError)
      expect(conn.closed).toBe(true)
    } finally {
      alloc.mockRestore()
    }
  })
})

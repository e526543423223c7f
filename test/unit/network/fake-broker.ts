/**
 * A scriptable fake broker on 127.0.0.1 (port 0) for connection tests: it decodes requests with the
 * protocol codec and lets each test answer, misbehave or stay silent. Answers ApiVersions (with the
 * ranges of kafka-wire's own schemas) unless the test handles it. Over TLS with `opts.tls` (a key and
 * certificate, e.g. from selfSignedCertificate()).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import {
  type ApiSchema,
  Apis,
  ApisByKey,
  decodeRequest,
  encodeMessage,
  inRange,
  responseHeaderVersion,
} from '../../../src/protocol/index.js'

export interface FakeRequest {
  api: ApiSchema<any, any>
  version: number
  correlationId: number
  clientId: string | null
  body: any
}

export interface FakeContext {
  socket: net.Socket
  /** Writes a well-formed response to `req` (at `version`, default the request's). */
  reply(req: FakeRequest, body: object, version?: number): void
  /** Raw bytes. */
  write(bytes: Buffer): void
}

/** Returns true when it handled the request; false falls back to the default behaviour. */
export type FakeHandler = (req: FakeRequest, ctx: FakeContext) => unknown

export function encodeResponse(req: FakeRequest, body: object, version = req.version): Buffer {
  const payload = encodeMessage(req.api.response, version, body)
  const flexibleHeader = responseHeaderVersion(req.api, version) === 1
  const header = Buffer.alloc(flexibleHeader ? 5 : 4)
  header.writeInt32BE(req.correlationId, 0)
  const size = Buffer.alloc(4)
  size.writeInt32BE(header.length + payload.length, 0)
  return Buffer.concat([size, header, payload])
}

export function defaultApiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return [...ApisByKey.values()].map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }))
}

export interface FakeBroker {
  port: number
  requests: FakeRequest[]
  sockets: Set<net.Socket>
  /** Raw bytes received before any decoding (each connection's stream). */
  connections: number
  close(): Promise<void>
}

export async function startFakeBroker(
  handler: FakeHandler = () => false,
  opts: { onConnect?: (s: net.Socket) => void; tls?: { key: string; cert: string } } = {},
): Promise<FakeBroker> {
  const requests: FakeRequest[] = []
  const sockets = new Set<net.Socket>()
  const state = { connections: 0 }
  const onSocket = (socket: net.Socket) => {
    state.connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    opts.onConnect?.(socket)
    let buf = Buffer.alloc(0)
    const ctx: FakeContext = {
      socket,
      reply: (req, body, version) => {
        if (!socket.destroyed) socket.write(encodeResponse(req, body, version))
      },
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes)
      },
    }
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk])
      while (buf.length >= 4) {
        const size = buf.readInt32BE(0)
        if (buf.length < 4 + size) break
        const frame = buf.subarray(4, 4 + size)
        buf = buf.subarray(4 + size)
        const req = decodeRequest(frame, (k) => ApisByKey.get(k)) as FakeRequest
        requests.push(req)
        if (handler(req, ctx) === true) continue
        if (req.api === Apis.ApiVersions) {
          ctx.reply(req, { errorCode: 0, apiKeys: defaultApiVersions() })
        } else if (req.api === Apis.Metadata) {
          ctx.reply(req, { brokers: [], clusterId: 'fake', controllerId: -1, topics: [] })
        }
      }
    })
  }
  const server = opts.tls ? tls.createServer(opts.tls, onSocket) : net.createServer(onSocket)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    requests,
    sockets,
    get connections() {
      return state.connections
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A self-signed certificate for CN=localhost and its key (PEM), made with openssl. */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kw-fake-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export { inRange }

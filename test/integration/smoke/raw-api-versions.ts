/**
 * An ApiVersions v0 request written byte by byte, and its reply decoded by hand — no codec,
 * so the smoke tests check the broker (and the kit) independently of src/protocol.
 *
 * Request:  int32 size | int16 api_key=18 | int16 api_version=0 | int32 correlation_id |
 *           int16 client_id length + bytes          (request header v1; the v0 body is empty)
 * Response: int32 size | int32 correlation_id |     (response header v0)
 *           int16 error_code | int32 count | count × (int16 api_key, int16 min, int16 max)
 */
import net from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'

export interface ApiVersionsReply {
  size: number
  correlationId: number
  errorCode: number
  apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[]
}

export function apiVersionsV0Request(correlationId: number, clientId = 'kafka-wire-smoke'): Buffer {
  const id = Buffer.from(clientId, 'utf8')
  const bodyLength = 2 + 2 + 4 + 2 + id.length
  const buf = Buffer.alloc(4 + bodyLength)
  let o = 0
  buf.writeInt32BE(bodyLength, o)
  o += 4
  buf.writeInt16BE(18, o) // api_key: ApiVersions
  o += 2
  buf.writeInt16BE(0, o) // api_version
  o += 2
  buf.writeInt32BE(correlationId, o)
  o += 4
  buf.writeInt16BE(id.length, o)
  o += 2
  id.copy(buf, o)
  return buf
}

export function decodeApiVersionsV0(frame: Buffer): ApiVersionsReply {
  let o = 0
  const size = frame.readInt32BE(o)
  o += 4
  if (size !== frame.length - 4) throw new Error(`size ${size} does not match frame length ${frame.length - 4}`)
  const correlationId = frame.readInt32BE(o)
  o += 4
  const errorCode = frame.readInt16BE(o)
  o += 2
  const count = frame.readInt32BE(o)
  o += 4
  const apiKeys: ApiVersionsReply['apiKeys'] = []
  for (let i = 0; i < count; i++) {
    apiKeys.push({
      apiKey: frame.readInt16BE(o),
      minVersion: frame.readInt16BE(o + 2),
      maxVersion: frame.readInt16BE(o + 4),
    })
    o += 6
  }
  if (o !== frame.length) throw new Error(`${frame.length - o} trailing bytes`)
  return { size, correlationId, errorCode, apiKeys }
}

/** Send the request on an open stream and read one size-prefixed reply frame. */
export function exchange(socket: Duplex, request: Buffer, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0)
    const timer = setTimeout(() => finish(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs)
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        finish(undefined, buffered.subarray(0, 4 + buffered.readInt32BE(0)))
      }
    }
    const onEnd = (): void => finish(new Error('connection closed before a full reply'))
    const onError = (err: Error): void => finish(err)
    function finish(err?: Error, frame?: Buffer): void {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('close', onEnd)
      socket.off('error', onError)
      if (err) reject(err)
      else resolve(frame!)
    }
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('close', onEnd)
    socket.once('error', onError)
    socket.write(request)
  })
}

function parse(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(':')
  return { host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) }
}

/** Connect over plain TCP, send ApiVersions v0, decode the reply. */
export async function rawApiVersions(hostPort: string, correlationId = 7): Promise<ApiVersionsReply> {
  const { host, port } = parse(hostPort)
  const socket = net.connect({ host, port })
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    return decodeApiVersionsV0(await exchange(socket, apiVersionsV0Request(correlationId)))
  } finally {
    socket.destroy()
  }
}

/** Connect with TLS (options for node:tls), send ApiVersions v0, decode the reply. */
export async function tlsApiVersions(
  hostPort: string,
  options: tls.ConnectionOptions,
  correlationId = 8,
): Promise<ApiVersionsReply> {
  const { host, port } = parse(hostPort)
  const socket = tls.connect({ host, port, ...options })
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve)
      socket.once('error', reject)
    })
    return decodeApiVersionsV0(await exchange(socket, apiVersionsV0Request(correlationId)))
  } finally {
    socket.destroy()
  }
}

/**
 * A tiny raw client for the codec's broker tests: one node:net socket, requests framed by
 * `encodeRequest`, responses read one size-prefixed frame at a time. No client layer, no
 * retries, no pipelining beyond what a test does itself — so a test sees exactly what the
 * broker said about exactly the bytes we encoded.
 */
import { connect, type Socket } from 'node:net'
import { decodeResponse, encodeRequest, responseCorrelationId } from '../../../src/protocol/header.js'
import type { ApiSchema, RequestOf, ResponseOf } from '../../../src/protocol/schema/dsl.js'

export interface RawReply<A extends ApiSchema<any, any>> {
  /** The response frame after the 4-byte size: correlation id, header, body. */
  readonly frame: Buffer
  readonly response: ResponseOf<A>
}

export class RawConnection {
  readonly #socket: Socket
  #buffered: Buffer = Buffer.alloc(0)
  #waiting: { resolve: (frame: Buffer) => void; reject: (e: Error) => void } | null = null
  #failure: Error | null = null
  #nextId = 1

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk])
      this.#deliver()
    })
    const fail = (e: Error) => {
      this.#failure ??= e
      this.#waiting?.reject(e)
      this.#waiting = null
    }
    socket.on('error', fail)
    socket.on('close', () => fail(new Error('connection closed by the broker')))
  }

  /** Connects to 'host:port'. */
  static open(address: string, timeoutMs = 10_000): Promise<RawConnection> {
    const colon = address.lastIndexOf(':')
    const host = address.slice(0, colon)
    const port = Number(address.slice(colon + 1))
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`connect to ${address} timed out`))
      }, timeoutMs)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.setNoDelay(true)
        resolve(new RawConnection(socket))
      })
      socket.once('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
    })
  }

  #deliver(): void {
    if (this.#waiting === null || this.#buffered.length < 4) return
    const size = this.#buffered.readInt32BE(0)
    if (this.#buffered.length < 4 + size) return
    const frame = this.#buffered.subarray(4, 4 + size)
    this.#buffered = this.#buffered.subarray(4 + size)
    const w = this.#waiting
    this.#waiting = null
    w.resolve(Buffer.from(frame))
  }

  /** Sends raw frame bytes (size prefix included) and reads the next response frame. */
  async exchange(chunks: readonly Buffer[], timeoutMs = 15_000): Promise<Buffer> {
    if (this.#failure !== null) throw this.#failure
    const reply = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = null
        reject(new Error(`no response within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiting = {
        resolve: (f) => {
          clearTimeout(timer)
          resolve(f)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      }
    })
    this.#socket.cork()
    for (const c of chunks) this.#socket.write(c)
    this.#socket.uncork()
    this.#deliver()
    return reply
  }

  /** Encodes `body` with `encodeRequest`, sends it and decodes the reply with `decodeResponse`. */
  async request<A extends ApiSchema<any, any>>(api: A, version: number, body: RequestOf<A>): Promise<RawReply<A>> {
    const id = this.#nextId++
    const frame = await this.exchange(encodeRequest(api, version, id, 'kafka-wire-codec-test', body))
    const got = responseCorrelationId(frame)
    if (got !== id) throw new Error(`correlation id ${got}, expected ${id}`)
    return { frame, response: decodeResponse(api, version, frame) }
  }

  close(): void {
    this.#socket.destroy()
  }
}

/** The first bootstrap address of a 'host:port[,host:port]' list. */
export function firstAddress(servers: string): string {
  return servers.split(',')[0]!.trim()
}

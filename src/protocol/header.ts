/**
 * Request and response headers, and whole-frame encode/decode for one API call.
 *
 * Request header v1 (non-flexible API versions) is apiKey, apiVersion, correlationId and a
 * nullable int16-length clientId; v2 (flexible versions) adds an empty tagged-field section
 * and still writes clientId in the old form. Response header v0 is the correlation id; v1
 * adds tagged fields — except ApiVersions, whose response header is always v0 so that a
 * client can read a reply to a version the broker does not support.
 */
import { ProtocolError } from '../errors.js'
import { Reader } from './primitives/reader.js'
import { Writer } from './primitives/writer.js'
import { compile } from './schema/codec.js'
import { type ApiSchema, inRange, type MessageIn, type RequestOf, type ResponseOf } from './schema/dsl.js'

const API_VERSIONS_KEY = 18

export function requestHeaderVersion(api: ApiSchema<any, any>, version: number): 1 | 2 {
  return inRange(api.request.flexibleVersions, version) ? 2 : 1
}

export function responseHeaderVersion(api: ApiSchema<any, any>, version: number): 0 | 1 {
  if (api.apiKey === API_VERSIONS_KEY) return 0
  return inRange(api.response.flexibleVersions, version) ? 1 : 0
}

/**
 * Encodes a size-prefixed request frame. Returns chunks (usually one) suitable for
 * `socket.cork(); write each; uncork()`; large record buffers are referenced, not copied.
 */
export function encodeRequest<A extends ApiSchema<any, any>>(
  api: A,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: RequestOf<A>,
): Buffer[] {
  const compiled = compile(api.request, version)
  const w = new Writer(512)
  w.int32(0) // size, patched below
  w.int16(api.apiKey)
  w.int16(version)
  w.int32(correlationId)
  w.nullableString(clientId, false)
  if (compiled.flexible) w.uvarint(0)
  compiled.encode(w, body as object)
  const chunks = w.finish()
  chunks[0]!.writeInt32BE(w.length - 4, 0)
  return chunks
}

/**
 * Encodes a size-prefixed response frame (for fake brokers and tests; a client never sends one).
 * The header is v1 (with an empty tagged-field section) for flexible versions, v0 otherwise,
 * and always v0 for ApiVersions.
 */
export function encodeResponse<A extends ApiSchema<any, any>>(
  api: A,
  version: number,
  correlationId: number,
  body: MessageIn<A['response']>,
): Buffer[] {
  const compiled = compile(api.response, version)
  const w = new Writer(512)
  w.int32(0) // size, patched below
  w.int32(correlationId)
  if (responseHeaderVersion(api, version) === 1) w.uvarint(0)
  compiled.encode(w, body as object)
  const chunks = w.finish()
  chunks[0]!.writeInt32BE(w.length - 4, 0)
  return chunks
}

/** Reads the correlation id at the start of a response frame (the size prefix already removed). */
export function responseCorrelationId(frame: Buffer): number {
  if (frame.length < 4) throw new ProtocolError(`Response frame of ${frame.length} bytes has no correlation id`)
  return frame.readInt32BE(0)
}

/** Decodes a response frame (size prefix removed) of `api` at `version`. */
export function decodeResponse<A extends ApiSchema<any, any>>(api: A, version: number, frame: Buffer): ResponseOf<A> {
  const r = new Reader(frame)
  r.int32() // correlation id, matched by the connection
  if (responseHeaderVersion(api, version) === 1) skipTaggedFields(r)
  const body = compile(api.response, version).decode(r)
  if (r.remaining !== 0) {
    throw new ProtocolError(`${r.remaining} trailing bytes after ${api.name} response v${version}`)
  }
  return body
}

function skipTaggedFields(r: Reader): void {
  const n = r.uvarint()
  for (let i = 0; i < n; i++) {
    r.uvarint()
    r.slice(r.uvarint())
  }
}

/** Decodes a request frame (size prefix removed) — used by tests and fake brokers. */
export function decodeRequest(
  frame: Buffer,
  lookup: (apiKey: number) => ApiSchema<any, any> | undefined,
): { api: ApiSchema<any, any>; version: number; correlationId: number; clientId: string | null; body: any } {
  const r = new Reader(frame)
  const apiKey = r.int16()
  const version = r.int16()
  const correlationId = r.int32()
  const clientId = r.nullableString()
  const api = lookup(apiKey)
  if (api === undefined) throw new ProtocolError(`Unknown API key ${apiKey}`)
  if (requestHeaderVersion(api, version) === 2) skipTaggedFields(r)
  const body = compile(api.request, version).decode(r)
  if (r.remaining !== 0) {
    throw new ProtocolError(`${r.remaining} trailing bytes after ${api.name} request v${version}`)
  }
  return { api, version, correlationId, clientId, body }
}

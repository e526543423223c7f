/**
 * Key and value serializers. A serializer turns the application's value into the bytes of a
 * record: a Uint8Array (Buffer included), a string (written as UTF-8 straight into the batch,
 * without an intermediate Buffer), or null (a null key, or a tombstone value).
 *
 * A value the serializer cannot take makes it throw a TypeError; `send()` rejects with it at
 * once, before anything is buffered, and no other record is affected.
 */
import type { HeaderPairs } from './batch.js'

/**
 * Turns `data` into record bytes. Throw a TypeError for data it cannot take. `part` says whether
 * it is the record's key or value (Java's `isKey`), e.g. for error messages.
 */
export type Serializer<T> = (data: T, topic: string, part?: RecordPart) => Uint8Array | string | null

/** Which part of a record a serializer is given. */
export type RecordPart = 'key' | 'value'

/** The bytes a serializer may produce. */
export type SerializedData = Uint8Array | string | null

/** What the default serializer accepts: strings (UTF-8), bytes, or null. */
export type DefaultData = string | Uint8Array | null

/** The default: strings are written as UTF-8, Buffers / Uint8Arrays as they are, null as null. */
export function defaultSerializer(
  data: DefaultData | undefined,
  topic: string,
  part: RecordPart = 'value',
): SerializedData {
  if (typeof data === 'string' || data === null || data === undefined) return data ?? null
  if (data instanceof Uint8Array) return data
  throw new TypeError(
    `Cannot serialize a ${part} of type ${describe(data)} for topic ${topic}: the default serializer accepts ` +
      `string, Buffer, Uint8Array or null (set ${part}Serializer, e.g. serializers.json)`,
  )
}

/** Built-in serializers. */
export const serializers = {
  /** Strings as UTF-8; null stays null. */
  string: ((data: string | null, topic: string, part: RecordPart = 'value'): SerializedData => {
    if (typeof data === 'string' || data === null) return data
    throw new TypeError(`The string serializer got a ${describe(data)} as the ${part} for topic ${topic}`)
  }) as Serializer<string | null>,

  /** JSON.stringify as UTF-8; null stays null (a tombstone). */
  json: ((data: unknown, topic: string, part: RecordPart = 'value'): SerializedData => {
    if (data === null) return null
    let text: string | undefined
    try {
      text = JSON.stringify(data)
    } catch (err) {
      throw new TypeError(`Cannot serialize the ${part} for topic ${topic} as JSON: ${(err as Error).message}`, {
        cause: err,
      })
    }
    if (text === undefined) {
      throw new TypeError(`Cannot serialize a ${part} of type ${describe(data)} for topic ${topic} as JSON`)
    }
    return text
  }) as Serializer<unknown>,

  /** Buffers / Uint8Arrays as they are; null stays null. */
  bytes: ((data: Uint8Array | null, topic: string, part: RecordPart = 'value'): SerializedData => {
    if (data === null || data instanceof Uint8Array) return data
    throw new TypeError(`The bytes serializer got a ${describe(data)} as the ${part} for topic ${topic}`)
  }) as Serializer<Uint8Array | null>,
} as const

function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value !== 'object') return typeof value
  return (value as object).constructor?.name ?? 'object'
}

/** A header value: a string (UTF-8), bytes, or null. */
export type HeaderValue = string | Uint8Array | null

/**
 * Record headers: an object (a value may be an array to repeat the key) or an array of
 * [key, value] pairs (repeated keys allowed, order kept).
 */
export type RecordHeaders =
  | Record<string, HeaderValue | readonly HeaderValue[]>
  | ReadonlyArray<readonly [string, HeaderValue]>

/** Headers as the batch writer takes them: [key, value] pairs in order. */
export type NormalizedHeaders = ReadonlyArray<readonly [string, HeaderValue]>

/** Normalizes headers to pairs, checking types (TypeError on anything else). Null when absent or empty. */
export function normalizeHeaders(headers: RecordHeaders | null | undefined): NormalizedHeaders | null {
  if (headers === null || headers === undefined) return null
  if (Array.isArray(headers)) {
    if (headers.length === 0) return null
    for (const pair of headers as ReadonlyArray<readonly [string, HeaderValue]>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('A header must be a [key, value] pair')
      checkHeader(pair[0], pair[1])
    }
    return headers as NormalizedHeaders
  }
  if (typeof headers !== 'object') throw new TypeError(`headers must be an object or an array of pairs`)
  const out: [string, HeaderValue][] = []
  for (const key in headers) {
    if (!Object.hasOwn(headers, key)) continue
    const v = (headers as Record<string, HeaderValue | readonly HeaderValue[]>)[key]!
    if (Array.isArray(v)) {
      for (const item of v as readonly HeaderValue[]) {
        checkHeader(key, item)
        out.push([key, item])
      }
    } else {
      checkHeader(key, v as HeaderValue)
      out.push([key, v as HeaderValue])
    }
  }
  return out.length === 0 ? null : out
}

function checkHeader(key: unknown, value: unknown): void {
  if (typeof key !== 'string') throw new TypeError(`A header key must be a string, got ${describe(key)}`)
  if (value !== null && typeof value !== 'string' && !(value instanceof Uint8Array)) {
    throw new TypeError(
      `The value of header ${key} must be a string, Buffer, Uint8Array or null, got ${describe(value)}`,
    )
  }
}

/** Serializer output as record bytes (a string is UTF-8). */
export function toBytes(data: unknown, what: 'key' | 'value'): Uint8Array | null {
  if (data === null || data === undefined) return null
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (data instanceof Uint8Array) return data
  throw new TypeError(`The ${what} serializer returned ${typeof data}; expected a string, Uint8Array or null`)
}

/** Record headers (an object or [key, value] pairs) as the batch's header pairs; null when none. */
export function headerPairs(headers: RecordHeaders): HeaderPairs | null {
  const out: [string, Uint8Array | null][] = []
  const add = (key: unknown, value: unknown): void => {
    if (typeof key !== 'string') throw new TypeError(`A header key must be a string, got ${typeof key}`)
    if (value === null || value === undefined) out.push([key, null])
    else if (typeof value === 'string') out.push([key, Buffer.from(value, 'utf8')])
    else if (value instanceof Uint8Array) out.push([key, value])
    else throw new TypeError(`The value of header ${key} must be a string, Buffer, Uint8Array or null`)
  }
  if (Array.isArray(headers)) {
    for (const pair of headers as ReadonlyArray<readonly [string, unknown]>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('A header must be a [key, value] pair')
      add(pair[0], pair[1])
    }
  } else if (typeof headers === 'object') {
    for (const key of Object.keys(headers)) {
      const v = (headers as Record<string, unknown>)[key]
      if (Array.isArray(v)) for (const item of v) add(key, item)
      else add(key, v)
    }
  } else {
    throw new TypeError('headers must be an object or an array of [key, value] pairs')
  }
  return out.length === 0 ? null : out
}

/**
 * Built-in deserializers (the consumer's side of producer/serializers.ts) and a header lookup.
 * A deserializer that throws makes poll() fail with RecordDeserializationError naming the record
 * (see the consumer), so these throw plain errors with what went wrong.
 */
import type { Deserializer, RecordHeader } from './types.js'

export const deserializers = {
  /** UTF-8 text; null stays null. */
  string: ((data) => (data === null ? null : data.toString('utf8'))) as Deserializer<string | null>,

  /** JSON.parse of UTF-8 text; null (a tombstone) stays null. What serializers.json wrote. */
  json: ((data, context) => {
    if (data === null) return null
    try {
      return JSON.parse(data.toString('utf8'))
    } catch (err) {
      throw new SyntaxError(
        `Not JSON in a record of ${context.topic}-${context.partition}: ${(err as Error).message}`,
        {
          cause: err,
        },
      )
    }
  }) as Deserializer<unknown>,

  /** The bytes as they are (the default). */
  bytes: ((data) => data) as Deserializer<Buffer | null>,
} as const

/**
 * The value of the last header named `key` (Java's `Headers.lastHeader(key).value()`), decoded as
 * UTF-8 unless `encoding` is 'buffer'; undefined when the record has no such header.
 */
export function lastHeader(record: { headers: readonly RecordHeader[] }, key: string): string | null | undefined
export function lastHeader(
  record: { headers: readonly RecordHeader[] },
  key: string,
  encoding: 'buffer',
): Buffer | null | undefined
export function lastHeader(
  record: { headers: readonly RecordHeader[] },
  key: string,
  encoding: 'utf8' | 'buffer' = 'utf8',
): string | Buffer | null | undefined {
  for (let i = record.headers.length - 1; i >= 0; i--) {
    const h = record.headers[i]!
    if (h.key !== key) continue
    if (h.value === null) return null
    return encoding === 'buffer' ? h.value : h.value.toString('utf8')
  }
  return undefined
}

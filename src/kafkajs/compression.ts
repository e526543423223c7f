/**
 * kafkajs's CompressionTypes and CompressionCodecs (owner: core).
 *
 * kafka-wire has all four codecs built in (gzip, snappy, lz4, zstd), so nothing needs registering.
 * Applications that register a codec the kafkajs way (`CompressionCodecs[CompressionTypes.Snappy] =
 * SnappyCodec`) keep working: the assignment is accepted and ignored — kafka-wire's own codec
 * compresses and decompresses, and its output is what every Kafka client reads.
 */
import type { ProducerConfig } from '../producer/index.js'

type CompressionName = NonNullable<ProducerConfig['compressionType']>

export enum CompressionTypes {
  None = 0,
  GZIP = 1,
  Snappy = 2,
  LZ4 = 3,
  ZSTD = 4,
}

type CodecFactory = () => any

const builtIn =
  (name: string): CodecFactory =>
  () => ({ builtIn: name })

/** kafkajs's codec registry: writable for compatibility, not consulted (the codecs are built in). */
export const CompressionCodecs: {
  [CompressionTypes.GZIP]: CodecFactory
  [CompressionTypes.Snappy]: CodecFactory
  [CompressionTypes.LZ4]: CodecFactory
  [CompressionTypes.ZSTD]: CodecFactory
} = {
  [CompressionTypes.GZIP]: builtIn('gzip'),
  [CompressionTypes.Snappy]: builtIn('snappy'),
  [CompressionTypes.LZ4]: builtIn('lz4'),
  [CompressionTypes.ZSTD]: builtIn('zstd'),
}

const NAMES: Record<number, CompressionName> = {
  [CompressionTypes.None]: 'none',
  [CompressionTypes.GZIP]: 'gzip',
  [CompressionTypes.Snappy]: 'snappy',
  [CompressionTypes.LZ4]: 'lz4',
  [CompressionTypes.ZSTD]: 'zstd',
}

/** kafka-wire's codec name for a kafkajs CompressionTypes value; undefined for an unknown value. */
export function compressionName(type: CompressionTypes | number | undefined): CompressionName | undefined {
  return NAMES[type ?? CompressionTypes.None]
}

/** Compression type ids as they appear in RecordBatch attributes (bits 0–2), and the codec contract. */

export const CompressionType = {
  NONE: 0,
  GZIP: 1,
  SNAPPY: 2,
  LZ4: 3,
  ZSTD: 4,
} as const
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType]

/** Names as Kafka's `compression.type` config spells them. */
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

export const COMPRESSION_NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

/** Default bound on one decompressed records section: a batch that inflates beyond it is rejected. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024

/** One codec. Every method is synchronous; `decompress` never produces more than `maxSize` bytes. */
export interface Codec {
  compress(input: Buffer, level?: number): Buffer
  /** Throws ProtocolError for malformed input or output beyond `maxSize`. */
  decompress(input: Buffer, maxSize: number): Buffer
  /** Compresses off the main thread where the codec can; used for large inputs. */
  compressAsync?(input: Buffer, level?: number): Promise<Buffer>
}

/**
 * Records: RecordBatch v2 encoding and decoding, legacy message sets, compression codecs and
 * CRC-32C. The producer builds batches with `RecordBatchBuilder`; the consumer walks Fetch
 * `records` bytes with `batches()`.
 */

export { batches, RecordBatch, RecordCursor } from './batch-reader.js'
export {
  ASYNC_COMPRESS_THRESHOLD,
  COMPRESSION_NAMES,
  type Codec,
  type CompressionName,
  CompressionType,
  compress,
  compressAsync,
  compressionName,
  compressionTypeFromName,
  compressLz4Frame,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  decompress,
  decompressLz4Frame,
  isCodecAvailable,
  loadCodec,
} from './compression/index.js'
export { crc32c } from './crc32c.js'
export {
  type ControlRecord,
  ControlRecordType,
  type DecodeOptions,
  type KafkaRecord,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  RecordBatchBuilder,
  type RecordBatchBuilderOptions,
  type RecordHeader,
  recordBatchSizeUpperBound,
  setBaseOffset,
  setPartitionLeaderEpoch,
  setProducerState,
  TimestampType,
} from './record-batch.js'
export {
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  sizeOfVarlongNumber,
  VarintReader,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
  writeVarlongNumber,
} from './varint.js'

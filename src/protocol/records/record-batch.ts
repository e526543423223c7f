/**
 * RecordBatch v2, hand-written for the hot path (docs/message-format.md in the Kafka reference):
 * the header layout, the record types, and the writing side. The reading side (`batches()`,
 * `RecordBatch`, `RecordCursor`) is batch-reader.ts, which takes the layout from here.
 *
 * - `RecordBatchBuilder` (producer): records are varint-encoded straight into one growing
 *   Buffer as they are appended; `build()` compresses the records section if asked, writes
 *   the 61-byte header and the CRC-32C. An uncompressed batch is returned without a copy.
 * - `setProducerState` (producer): re-stamps producer id/epoch/base sequence on a built batch
 *   and recomputes its CRC, for sequence resets after an epoch bump.
 */
import { KafkaError } from '../../errors.js'
import { compress, compressAsync, compressOnThreadPool } from './compression/index.js'
import { CompressionType } from './compression/types.js'
import { crc32c } from './crc32c.js'
import { sizeOfVarint, sizeOfVarlongNumber, writeVarint, writeVarlongNumber } from './varint.js'

// Field offsets in a RecordBatch v2 header.
export const BATCH_LENGTH_OFFSET = 8
export const PARTITION_LEADER_EPOCH_OFFSET = 12
export const MAGIC_OFFSET = 16
export const CRC_OFFSET = 17
export const ATTRIBUTES_OFFSET = 21
export const LAST_OFFSET_DELTA_OFFSET = 23
export const BASE_TIMESTAMP_OFFSET = 27
export const MAX_TIMESTAMP_OFFSET = 35
export const PRODUCER_ID_OFFSET = 43
export const PRODUCER_EPOCH_OFFSET = 51
export const BASE_SEQUENCE_OFFSET = 53
export const RECORDS_COUNT_OFFSET = 57
/** Size of the v2 header; records start here. */
export const RECORD_BATCH_OVERHEAD = 61
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12
/** Smallest legal message (magic 0: crc, magic, attributes, key length, value length). */
export const MIN_MESSAGE_SIZE = 14

export const COMPRESSION_MASK = 0x07
export const TIMESTAMP_TYPE_MASK = 0x08
export const TRANSACTIONAL_MASK = 0x10
export const CONTROL_MASK = 0x20

export const TWO_32 = 4294967296

export const TimestampType = {
  CREATE_TIME: 0,
  LOG_APPEND_TIME: 1,
} as const
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType]

/** Types of control records (transaction markers). */
export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
} as const

/** A record header. The key is never null; the value may be. */
export interface RecordHeader {
  key: string
  value: Buffer | null
}

/** One decoded record. `key`/`value` share memory with the fetched (or decompressed) bytes. */
export interface KafkaRecord {
  offset: bigint
  /** Milliseconds since the epoch; -1 for magic-0 messages, which have none. */
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

/** The control record of a control batch (a transaction marker). */
export interface ControlRecord {
  offset: bigint
  timestamp: number
  version: number
  /** `ControlRecordType.ABORT` (0) or `ControlRecordType.COMMIT` (1); other values are future types. */
  type: number
  /** The transaction coordinator's epoch from the marker's value, or -1 if the value is absent or short. */
  coordinatorEpoch: number
}

export interface DecodeOptions {
  /** Verify each batch's CRC (CRC-32C for v2, CRC-32 for legacy messages). Default true. */
  checkCrcs?: boolean
  /** Largest decompressed records section accepted; larger ones throw ProtocolError. Default 64 MiB. */
  maxDecompressedBytes?: number
}

function writeInt64Number(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / TWO_32)
  buf.writeInt32BE(hi, pos)
  buf.writeUInt32BE(value - hi * TWO_32, pos + 4)
}

// ---------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------

export interface RecordBatchBuilderOptions {
  /** Codec for the records section. Default NONE. Non-built-in codecs must be loaded (`loadCodec`). */
  compression?: CompressionType
  /** Codec level (gzip 1–9, zstd 1–22); the codec's default when omitted. */
  compressionLevel?: number
  /**
   * `tryAppend` refuses a record that would take the (estimated) batch size past this many
   * bytes, except the first record, which always fits. Default 16384 (Kafka's `batch.size`).
   */
  batchSizeLimit?: number
  /**
   * Expected compressed/uncompressed size ratio, used to estimate a compressed batch's size
   * while it fills. Default 1 (no shrink assumed). Feed `compressionRatio` of earlier batches.
   */
  compressionRatioEstimate?: number
  /** Leave at 0 (the default) for Produce: Kafka 4 brokers reject client batches with another base offset. */
  baseOffset?: bigint
  partitionLeaderEpoch?: number
  producerId?: bigint
  producerEpoch?: number
  baseSequence?: number
  isTransactional?: boolean
  /** Writes a control batch (for tests and fakes; the broker writes real transaction markers). */
  isControl?: boolean
  /** Marks the batch LogAppendTime (for tests and fakes; a broker sets this). */
  logAppendTime?: boolean
  /** Start with this buffer (e.g. from a pool) instead of allocating. It grows by copying if too small. */
  buffer?: Buffer
  /** Initial capacity when no buffer is given. Default min(batchSizeLimit, 64 KiB). */
  initialCapacity?: number
}

/** Scratch for header key byte lengths, computed once per append for both sizing and writing. */
let headerKeyLengths = new Int32Array(16)

/** Byte length of a string in UTF-8, without a native call for short ASCII strings. */
function utf8Length(s: string): number {
  const n = s.length
  if (n > 64) return Buffer.byteLength(s, 'utf8')
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8')
  return n
}

/**
 * Copies `src` into `buf` at `pos`. TypedArray#set costs ~20 ns flat; a JS loop ~1 ns per
 * byte, so the loop only wins for very short keys.
 */
function copyBytes(src: Uint8Array, buf: Buffer, pos: number): number {
  const n = src.length
  if (n < 16) {
    for (let i = 0; i < n; i++) buf[pos + i] = src[i]!
  } else {
    buf.set(src, pos)
  }
  return pos + n
}

/** Largest |timestamp delta| whose zigzag encoding is exact in float math (2^52). */
const MAX_TIMESTAMP_DELTA = 4503599627370496

/**
 * An upper bound of the size of a batch holding only this record: the batch header plus the record
 * with every varint at its longest. The producer checks it against its limits before appending.
 */
export function recordBatchSizeUpperBound(
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: ReadonlyArray<readonly [string, Uint8Array | null]> | null,
): number {
  // length(5) attributes(1) timestampDelta(10) offsetDelta(5) keyLength(5) valueLength(5) headerCount(5)
  let size = RECORD_BATCH_OVERHEAD + 36 + (key === null ? 0 : key.length) + (value === null ? 0 : value.length)
  if (headers !== null) {
    // keyLength(5) valueLength(5) per header
    for (const [k, v] of headers) size += 10 + Buffer.byteLength(k, 'utf8') + (v === null ? 0 : v.length)
  }
  return size
}

/**
 * Builds one RecordBatch v2 incrementally. Records are encoded into the buffer as they are
 * appended, so `build()` only writes the header (and compresses). Not reusable after `build()`.
 *
 * The options object is kept by reference: `baseOffset`, `partitionLeaderEpoch`, the producer
 * fields, `isTransactional`, `isControl` and `logAppendTime` are read when `build()` runs, so
 * the producer may set its producer id/epoch/sequence on it just before building.
 */
export class RecordBatchBuilder {
  #buf: Buffer
  #pos = RECORD_BATCH_OVERHEAD
  #count = 0
  #baseTimestamp = 0
  #maxTimestamp = 0
  #built: Buffer | null = null
  /** The records compressed by compressInBackground(), once done; build() uses them. */
  #precompressed: Buffer | null = null
  #background: Promise<void> | null = null
  #compressionRatio = 1
  /** The producer state written into the built batch (for `buildFor` on a built batch). */
  #stampedProducerId = -1n
  #stampedProducerEpoch = -1
  #stampedBaseSequence = -1
  readonly #compression: CompressionType
  readonly #level: number | undefined
  readonly #limit: number
  readonly #ratioEstimate: number
  readonly #options: RecordBatchBuilderOptions

  constructor(options: RecordBatchBuilderOptions = {}) {
    this.#options = options
    this.#compression = options.compression ?? CompressionType.NONE
    if (!(this.#compression >= 0 && this.#compression <= 4)) {
      throw new KafkaError(`Unknown compression type ${this.#compression}`, 'ERR_CONFIG')
    }
    this.#level = options.compressionLevel
    this.#limit = options.batchSizeLimit ?? 16384
    this.#ratioEstimate = this.#compression === CompressionType.NONE ? 1 : (options.compressionRatioEstimate ?? 1)
    const initial = options.buffer
    if (initial !== undefined && initial.length >= RECORD_BATCH_OVERHEAD) {
      this.#buf = initial
    } else {
      const capacity = options.initialCapacity ?? Math.min(this.#limit, 64 * 1024)
      this.#buf = Buffer.allocUnsafe(Math.max(capacity, 256))
    }
  }

  get recordCount(): number {
    return this.#count
  }

  /** Bytes of records appended so far, uncompressed (without the 61-byte header). */
  get uncompressedRecordsSize(): number {
    return this.#pos - RECORD_BATCH_OVERHEAD
  }

  /** The batch size `build()` will produce; estimated with the compression ratio for compressed batches. */
  get estimatedSizeInBytes(): number {
    if (this.#built !== null) return this.#built.length
    return this.#estimate(this.#pos - RECORD_BATCH_OVERHEAD)
  }

  get baseTimestamp(): number {
    return this.#baseTimestamp
  }

  get maxTimestamp(): number {
    return this.#maxTimestamp
  }

  get isBuilt(): boolean {
    return this.#built !== null
  }

  /** After `build()`: compressed records size / uncompressed records size (1 when uncompressed). */
  get compressionRatio(): number {
    return this.#compressionRatio
  }

  #estimate(recordsSize: number): number {
    return (
      RECORD_BATCH_OVERHEAD + (this.#ratioEstimate === 1 ? recordsSize : Math.ceil(recordsSize * this.#ratioEstimate))
    )
  }

  /**
   * Appends a record unless it would take the batch past `batchSizeLimit` (the first record
   * always fits). `timestamp` is in ms, an integer. Returns whether the record was added.
   */
  tryAppend(
    timestamp: number,
    key: Buffer | null,
    value: Buffer | null,
    headers: ReadonlyArray<readonly [string, Buffer | null]> | null = null,
  ): boolean {
    if (this.#built !== null) throw new KafkaError('Cannot append to a record batch after build()', 'ERR_BATCH_CLOSED')
    if (this.#background !== null) return false
    const count = this.#count
    const timestampDelta = count === 0 ? 0 : timestamp - this.#baseTimestamp
    if (
      !Number.isSafeInteger(timestamp) ||
      !(timestampDelta > -MAX_TIMESTAMP_DELTA && timestampDelta < MAX_TIMESTAMP_DELTA)
    ) {
      throw new KafkaError(`Invalid record timestamp ${timestamp}`, 'ERR_INVALID_RECORD')
    }

    // Body size: attributes, timestamp delta, offset delta, key, value, headers.
    let body = 1 + sizeOfVarlongNumber(timestampDelta) + (count < 64 ? 1 : sizeOfVarint(count))
    const keyLength = key === null ? -1 : key.length
    const valueLength = value === null ? -1 : value.length
    body += keyLength < 0 ? 1 : keyLength + (keyLength < 64 ? 1 : sizeOfVarint(keyLength))
    body += valueLength < 0 ? 1 : valueLength + (valueLength < 64 ? 1 : sizeOfVarint(valueLength))
    const headerCount = headers === null ? 0 : headers.length
    if (headerCount === 0) {
      body += 1
    } else {
      body += sizeOfVarint(headerCount)
      if (headerKeyLengths.length < headerCount) headerKeyLengths = new Int32Array(headerCount * 2)
      for (let i = 0; i < headerCount; i++) {
        const h = headers![i]!
        const kLen = utf8Length(h[0])
        headerKeyLengths[i] = kLen
        const v = h[1]
        body += kLen + sizeOfVarint(kLen) + (v === null ? 1 : v.length + sizeOfVarint(v.length))
      }
    }
    const total = body + sizeOfVarint(body)

    let pos = this.#pos
    if (count > 0 && this.#estimate(pos - RECORD_BATCH_OVERHEAD + total) > this.#limit) return false
    let buf = this.#buf
    if (pos + total > buf.length) buf = this.#grow(pos + total)

    pos = writeVarint(buf, pos, body)
    buf[pos++] = 0 // attributes: unused
    pos = writeVarlongNumber(buf, pos, timestampDelta)
    pos = writeVarint(buf, pos, count)
    if (key === null) {
      buf[pos++] = 1 // zigzag(-1)
    } else {
      pos = writeVarint(buf, pos, keyLength)
      pos = copyBytes(key, buf, pos)
    }
    if (value === null) {
      buf[pos++] = 1
    } else {
      pos = writeVarint(buf, pos, valueLength)
      pos = copyBytes(value, buf, pos)
    }
    pos = writeVarint(buf, pos, headerCount)
    for (let i = 0; i < headerCount; i++) {
      const h = headers![i]!
      const k = h[0]
      const kLen = headerKeyLengths[i]!
      pos = writeVarint(buf, pos, kLen)
      if (kLen === k.length) {
        for (let j = 0; j < kLen; j++) buf[pos + j] = k.charCodeAt(j)
      } else {
        buf.write(k, pos, kLen, 'utf8')
      }
      pos += kLen
      const v = h[1]
      if (v === null) {
        buf[pos++] = 1
      } else {
        pos = writeVarint(buf, pos, v.length)
        pos = copyBytes(v, buf, pos)
      }
    }

    if (count === 0) {
      this.#baseTimestamp = timestamp
      this.#maxTimestamp = timestamp
    } else if (timestamp > this.#maxTimestamp) {
      this.#maxTimestamp = timestamp
    }
    this.#pos = pos
    this.#count = count + 1
    return true
  }

  #grow(needed: number): Buffer {
    let capacity = this.#buf.length * 2
    while (capacity < needed) capacity *= 2
    const next = Buffer.allocUnsafe(capacity)
    this.#buf.copy(next, 0, 0, this.#pos)
    this.#buf = next
    return next
  }

  /**
   * Finishes the batch: compresses the records section if configured, writes the header and
   * CRC. Returns the batch bytes; later calls return the same Buffer. Throws for an empty batch.
   */
  build(): Buffer {
    if (this.#built !== null) return this.#built
    const o = this.#options
    return this.buildFor(o.producerId ?? -1n, o.producerEpoch ?? -1, o.baseSequence ?? -1)
  }

  /**
   * `build()` with the producer state given explicitly (the idempotent producer numbers a batch
   * only when it drains it) instead of read from the options. Called again on a built batch with
   * another state, it re-stamps the batch in place (see `setProducerState`) and returns it.
   */
  buildFor(producerId: bigint, producerEpoch: number, baseSequence: number): Buffer {
    const built = this.#built
    if (built !== null) {
      if (
        producerId !== this.#stampedProducerId ||
        producerEpoch !== this.#stampedProducerEpoch ||
        baseSequence !== this.#stampedBaseSequence
      ) {
        setProducerState(built, producerId, producerEpoch, baseSequence)
        this.#stamped(producerId, producerEpoch, baseSequence)
      }
      return built
    }
    this.#checkNotEmpty()
    let compressed: Buffer | null = null
    if (this.#compression !== CompressionType.NONE) {
      compressed =
        this.#precompressed ??
        compress(this.#compression, this.#buf.subarray(RECORD_BATCH_OVERHEAD, this.#pos), this.#level)
    }
    return this.#finish(compressed, producerId, producerEpoch, baseSequence)
  }

  /**
   * Starts compressing the records off the event loop (the libuv thread pool, or the
   * compression worker thread for zstd-napi and pure-JS LZ4), so that `build()` later only
   * writes the header; no record can be appended from then on (`tryAppend` returns false).
   * Returns null when there is nothing to do off the event loop: no compression, no records,
   * already built, or no thread to do it (no build to start the worker from). The promise never
   * rejects: after a codec error (or the worker's loss) `build()` compresses on the event loop
   * (and throws there for a codec error). Called by the producer for a batch that no further
   * record fits, while it waits to be sent.
   */
  compressInBackground(): Promise<void> | null {
    if (this.#background !== null) return this.#background
    if (this.#compression === CompressionType.NONE || this.#count === 0 || this.#built !== null) return null
    const records = this.#buf.subarray(RECORD_BATCH_OVERHEAD, this.#pos)
    let pending: Promise<Buffer> | null
    try {
      pending = compressOnThreadPool(this.#compression, records, this.#level)
    } catch {
      return null // e.g. the codec package is missing: build() reports it
    }
    if (pending === null) return null
    this.#background = pending.then(
      (compressed) => {
        if (this.#built === null) this.#precompressed = compressed
      },
      () => {},
    )
    return this.#background
  }

  /**
   * Like `build()`, but loads the codec if needed and compresses large batches off the event
   * loop (see compressInBackground).
   */
  async buildAsync(): Promise<Buffer> {
    if (this.#built !== null) return this.#built
    this.#checkNotEmpty()
    const o = this.#options
    if (this.#compression === CompressionType.NONE) {
      return this.#finish(null, o.producerId ?? -1n, o.producerEpoch ?? -1, o.baseSequence ?? -1)
    }
    const records = this.#buf.subarray(RECORD_BATCH_OVERHEAD, this.#pos)
    const compressed = await compressAsync(this.#compression, records, this.#level)
    if (this.#built !== null) return this.#built
    return this.#finish(compressed, o.producerId ?? -1n, o.producerEpoch ?? -1, o.baseSequence ?? -1)
  }

  #checkNotEmpty(): void {
    if (this.#count === 0) throw new KafkaError('Cannot build a record batch without records', 'ERR_EMPTY_BATCH')
  }

  #stamped(producerId: bigint, producerEpoch: number, baseSequence: number): void {
    this.#stampedProducerId = producerId
    this.#stampedProducerEpoch = producerEpoch
    this.#stampedBaseSequence = baseSequence
  }

  #finish(compressed: Buffer | null, producerId: bigint, producerEpoch: number, baseSequence: number): Buffer {
    let out: Buffer
    if (compressed === null) {
      out = this.#buf.subarray(0, this.#pos)
    } else {
      out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length)
      out.set(compressed, RECORD_BATCH_OVERHEAD)
      this.#compressionRatio = compressed.length / (this.#pos - RECORD_BATCH_OVERHEAD)
    }
    const o = this.#options
    let attributes = this.#compression
    if (o.logAppendTime) attributes |= TIMESTAMP_TYPE_MASK
    if (o.isTransactional) attributes |= TRANSACTIONAL_MASK
    if (o.isControl) attributes |= CONTROL_MASK
    out.writeBigInt64BE(o.baseOffset ?? 0n, 0)
    out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET)
    out.writeInt32BE(o.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH_OFFSET)
    out[MAGIC_OFFSET] = 2
    out.writeUInt16BE(attributes, ATTRIBUTES_OFFSET)
    out.writeInt32BE(this.#count - 1, LAST_OFFSET_DELTA_OFFSET)
    writeInt64Number(out, BASE_TIMESTAMP_OFFSET, this.#baseTimestamp)
    writeInt64Number(out, MAX_TIMESTAMP_OFFSET, this.#maxTimestamp)
    out.writeBigInt64BE(producerId, PRODUCER_ID_OFFSET)
    out.writeInt16BE(producerEpoch, PRODUCER_EPOCH_OFFSET)
    out.writeInt32BE(baseSequence, BASE_SEQUENCE_OFFSET)
    out.writeInt32BE(this.#count, RECORDS_COUNT_OFFSET)
    out.writeUInt32BE(crc32c(out, ATTRIBUTES_OFFSET, out.length), CRC_OFFSET)
    this.#stamped(producerId, producerEpoch, baseSequence)
    this.#built = out
    return out
  }
}

/**
 * Re-stamps producer id, epoch and base sequence on a built v2 batch, in place, and
 * recomputes its CRC. The producer uses this when it resets sequences after an epoch bump.
 */
export function setProducerState(batch: Buffer, producerId: bigint, producerEpoch: number, baseSequence: number): void {
  checkBuiltBatch(batch)
  batch.writeBigInt64BE(producerId, PRODUCER_ID_OFFSET)
  batch.writeInt16BE(producerEpoch, PRODUCER_EPOCH_OFFSET)
  batch.writeInt32BE(baseSequence, BASE_SEQUENCE_OFFSET)
  batch.writeUInt32BE(crc32c(batch, ATTRIBUTES_OFFSET, batch.length), CRC_OFFSET)
}

/** Sets the base offset of a built v2 batch in place (not covered by the CRC). */
export function setBaseOffset(batch: Buffer, baseOffset: bigint): void {
  checkBuiltBatch(batch)
  batch.writeBigInt64BE(baseOffset, 0)
}

/** Sets the partition leader epoch of a built v2 batch in place (not covered by the CRC). */
export function setPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  checkBuiltBatch(batch)
  batch.writeInt32BE(epoch, PARTITION_LEADER_EPOCH_OFFSET)
}

function checkBuiltBatch(batch: Buffer): void {
  if (batch.length < RECORD_BATCH_OVERHEAD || batch[MAGIC_OFFSET] !== 2) {
    throw new KafkaError('Not a RecordBatch v2', 'ERR_INVALID_BATCH')
  }
  if (batch.readInt32BE(BATCH_LENGTH_OFFSET) !== batch.length - LOG_OVERHEAD) {
    throw new KafkaError('Buffer is not exactly one RecordBatch', 'ERR_INVALID_BATCH')
  }
}

/**
 * One producer batch: the records appended to one partition between two sends, encoded
 * incrementally into a RecordBatch v2 by a RecordsWriter, plus each record's promise.
 *
 * Per-record state is kept in parallel arrays (struct of arrays) rather than one object per
 * record: a batch of 16 KiB holds a few hundred small records and this is the hot path.
 * Promises are created with one shared executor, so send() allocates no closure.
 *
 * Lifecycle: open (appending) → closed (built, possibly re-stamped with a new producer
 * epoch / sequence on retry) → done (resolved or rejected exactly once). Owned by the
 * accumulator while queued and by the sender while in flight.
 */
import {
  type CompressionType,
  batches as decodeBatches,
  RecordBatchBuilder,
  type RecordBatchBuilderOptions,
  setProducerState,
} from '../protocol/records/index.js'

/** Record bytes as the batch takes them (serializer output converted to bytes). */
export type RecordBytes = Uint8Array | null
/** Headers as the batch takes them: [key, value] pairs in order. */
export type HeaderPairs = ReadonlyArray<readonly [string, Uint8Array | null]>

/** What send() resolves with. */
export interface RecordMetadata {
  topic: string
  partition: number
  /** The record's offset; -1n when acks is 0 (no response) or the broker did not say. */
  offset: bigint
  /** CreateTime given or taken at send(), or the broker's LogAppendTime when the topic uses it. */
  timestamp: number
  /** Bytes of the serialized key, -1 for a null key. */
  serializedKeySize: number
  /** Bytes of the serialized value, -1 for a null value. */
  serializedValueSize: number
}

/** Incremental RecordBatch v2 encoder for one batch (adapter over src/protocol/records). */
export interface RecordsWriter {
  /** Appends a record if it fits (the first record always fits). */
  tryAppend(timestamp: number, key: RecordBytes, value: RecordBytes, headers: HeaderPairs | null): boolean
  readonly recordCount: number
  /** Bytes the batch takes so far (an estimate when compressed). */
  readonly estimatedSizeInBytes: number
  /** No further record fits. */
  readonly isFull: boolean
  /** Closes the batch and encodes it (compressing if configured) with this producer state. */
  build(producerId: bigint, producerEpoch: number, baseSequence: number): Buffer
  /**
   * Starts compressing the closed batch off the event loop (see RecordBatchBuilder); null when
   * not worth it or not possible. The promise never rejects.
   */
  compressInBackground?(): Promise<void> | null
  /** After build(): compressed / uncompressed records size (Java's compression-rate-avg); 1 when uncompressed. */
  readonly compressionRatio?: number
}

export interface RecordsWriterFactory {
  /** A writer for a new batch of `topic`, writing into `buffer` (from the pool). */
  create(topic: string, buffer: Buffer): RecordsWriter
  /** Rewrites producer id, epoch and base sequence of a built batch (and its CRC). */
  restamp(batch: Buffer, producerId: bigint, producerEpoch: number, baseSequence: number): Buffer
  /** Buffer to allocate for a new batch of `topic` (default batchSize). */
  bufferSizeFor?(topic: string): number
}

/**
 * Shared promise executor: captures `resolve` without allocating a closure per record. The
 * reject function is not kept (fewer objects survive while records are in flight): a failed
 * record is resolved with a rejected promise, which rejects it.
 */
export type Resolve = (value: RecordMetadata | PromiseLike<RecordMetadata>) => void
let capturedResolve: Resolve = noop
function capture(resolve: Resolve): void {
  capturedResolve = resolve
}
function noop(): void {}

export const NO_SEQUENCE = -1

export class ProducerBatch {
  readonly topic: string
  readonly partition: number
  readonly createdMs: number
  /** When the last attempt started (createdMs before the first), for linger and backoff. */
  lastAttemptMs: number
  /** Not ready before this (retry backoff); 0 when not backing off. */
  retryAtMs = 0
  /** Sends so far. */
  attempts = 0
  /** The memory taken from the buffer pool, given back when the batch is done. */
  buffer: Buffer | null
  readonly bufferSize: number
  writer: RecordsWriter | null
  /** Compressed / uncompressed size once encoded (the producer's compression-rate-avg). */
  compressionRatio = 1

  // Per record, index = offset delta.
  // Preallocated to the expected record count: growing five arrays record by record produced
  // more garbage per record than the record's own promise.
  #count = 0
  readonly #resolves: Resolve[]
  readonly #promises: Promise<RecordMetadata>[]
  readonly #timestamps: number[]
  /** (keySize + 1) · 2^26 + (valueSize + 1): both serialized sizes in one number. */
  readonly #sizes: number[]

  // Idempotence: the producer state stamped on the batch (-1 when not idempotent).
  producerId = -1n
  producerEpoch = -1
  baseSequence = NO_SEQUENCE
  /** The sequence was rewritten after an epoch bump (responses for the old stamp are stale). */
  sequenceReset = false

  /** The encoded batch once closed; re-stamped when the producer state changes. */
  records: Buffer | null = null
  #recordsProducerId = -1n
  #recordsEpoch = -1
  #recordsSequence = NO_SEQUENCE

  /** On the wire now. */
  inFlight = false
  /** Delivery timeout passed while in flight: the late response only settles idempotence state. */
  expired = false
  done = false
  #appendsClosed = false
  #onDone: (() => void)[] | null = null

  constructor(
    topic: string,
    partition: number,
    writer: RecordsWriter,
    buffer: Buffer | null,
    bufferSize: number,
    now: number,
    expectedRecords = 16,
  ) {
    const n = Math.max(1, Math.min(expectedRecords, 65536))
    this.#resolves = new Array(n)
    this.#promises = new Array(n)
    this.#timestamps = new Array(n)
    this.#sizes = new Array(n)
    this.topic = topic
    this.partition = partition
    this.writer = writer
    this.buffer = buffer
    this.bufferSize = bufferSize
    this.createdMs = now
    this.lastAttemptMs = now
  }

  get recordCount(): number {
    return this.#count
  }

  get hasSequence(): boolean {
    return this.baseSequence !== NO_SEQUENCE
  }

  get lastSequence(): number {
    return incrementSequence(this.baseSequence, this.recordCount - 1)
  }

  get isFull(): boolean {
    return this.#appendsClosed || this.writer === null || this.writer.isFull
  }

  /** A record did not fit: no further appends (the next record starts a new batch). */
  closeForAppends(): void {
    this.#appendsClosed = true
  }

  /**
   * True while the batch is being compressed off the event loop: it is not drained until that
   * is done (compressing it again on the event loop would do the work twice).
   */
  compressing = false

  /**
   * Closes the batch for appends, as a record did not fit, and starts compressing it off the
   * event loop when the writer can; `onCompressed` runs when that is done (the sender then
   * looks again). The Java producer compresses while appending, on the caller's thread; doing it
   * on another thread once the batch is closed keeps the event loop free for the application.
   */
  seal(onCompressed: () => void): void {
    this.#appendsClosed = true
    const pending = this.writer?.compressInBackground?.()
    if (pending == null) return
    this.compressing = true
    void pending.then(() => {
      this.compressing = false
      onCompressed()
    })
  }

  get estimatedSizeInBytes(): number {
    return this.records !== null ? this.records.length : this.writer!.estimatedSizeInBytes
  }

  /**
   * Appends one record; returns its promise, or null when it does not fit. `keySize` and
   * `valueSize` are the serialized sizes reported in RecordMetadata (-1 for null). A send that
   * waited for memory passes its own promise and resolve function instead of getting new ones.
   */
  tryAppend(
    timestamp: number,
    key: RecordBytes,
    value: RecordBytes,
    headers: HeaderPairs | null,
    keySize: number,
    valueSize: number,
    existing?: { promise: Promise<RecordMetadata>; resolve: Resolve },
  ): Promise<RecordMetadata> | null {
    if (this.#appendsClosed || this.writer === null || !this.writer.tryAppend(timestamp, key, value, headers)) {
      return null
    }
    let promise: Promise<RecordMetadata>
    let resolve: Resolve
    if (existing === undefined) {
      promise = new Promise<RecordMetadata>(capture)
      resolve = capturedResolve
    } else {
      promise = existing.promise
      resolve = existing.resolve
    }
    const i = this.#count++
    this.#resolves[i] = resolve
    this.#promises[i] = promise
    this.#timestamps[i] = timestamp
    this.#sizes[i] = (keySize + 1) * 67108864 + valueSize + 1
    return promise
  }

  /** Stops appending and encodes the batch with the current producer state (first drain). */
  close(): Buffer {
    if (this.records === null) {
      this.records = this.writer!.build(this.producerId, this.producerEpoch, this.baseSequence)
      this.compressionRatio = this.writer!.compressionRatio ?? 1
      this.writer = null
      this.#recordsProducerId = this.producerId
      this.#recordsEpoch = this.producerEpoch
      this.#recordsSequence = this.baseSequence
    }
    return this.records
  }

  /** The encoded batch, re-stamped if producer id, epoch or sequence changed since it was built. */
  encoded(factory: RecordsWriterFactory): Buffer {
    const records = this.close()
    if (
      this.#recordsProducerId !== this.producerId ||
      this.#recordsEpoch !== this.producerEpoch ||
      this.#recordsSequence !== this.baseSequence
    ) {
      this.records = factory.restamp(records, this.producerId, this.producerEpoch, this.baseSequence)
      this.#recordsProducerId = this.producerId
      this.#recordsEpoch = this.producerEpoch
      this.#recordsSequence = this.baseSequence
    }
    return this.records!
  }

  setProducerState(producerId: bigint, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId
    this.producerEpoch = producerEpoch
    this.baseSequence = baseSequence
  }

  /** Resolves every record. `baseOffset` < 0 gives -1n offsets; `logAppendTime` ≥ 0 replaces CreateTime. */
  complete(baseOffset: bigint, logAppendTime: number): boolean {
    if (this.done) return false
    this.done = true
    const topic = this.topic
    const partition = this.partition
    const resolves = this.#resolves
    const n = this.#count
    const known = baseOffset >= 0n
    const sizes = this.#sizes
    for (let i = 0; i < n; i++) {
      const packed = sizes[i]!
      const keyPlus1 = Math.floor(packed / 67108864)
      resolves[i]!({
        topic,
        partition,
        offset: known ? baseOffset + bigIndex(i) : -1n,
        timestamp: logAppendTime >= 0 ? logAppendTime : this.#timestamps[i]!,
        serializedKeySize: keyPlus1 - 1,
        serializedValueSize: packed - keyPlus1 * 67108864 - 1,
      })
    }
    this.#finish()
    return true
  }

  /**
   * Rejects every record with `error`. Each promise is marked handled first, so a producer
   * used fire-and-forget never raises unhandledRejection; whoever awaits still gets the error.
   */
  fail(error: Error): boolean {
    if (this.done) return false
    this.done = true
    const resolves = this.#resolves
    const promises = this.#promises
    const rejected = Promise.reject(error)
    rejected.catch(noop)
    for (let i = 0; i < this.#count; i++) {
      promises[i]!.catch(noop)
      resolves[i]!(rejected)
    }
    this.#finish()
    return true
  }

  /**
   * Splits a batch the broker refused as a whole with MESSAGE_TOO_LARGE (it is above the topic's
   * `max.message.bytes`) into batches of at most half its records, in order. Each record keeps its
   * promise, CreateTime and reported sizes; this batch ends without settling any record, and its
   * `onDone` callbacks (flush) run once every part is done. The parts are closed for appends: the
   * sender stamps their sequences from this batch's range, so they must not grow.
   *
   * Halving rather than Java's re-split at `batchSize` (which loops when `batchSize` is above the
   * topic's limit, KAFKA-8350) converges: a part that is still too large is split again, down to
   * single records, which fail with RecordTooLargeError.
   */
  split(factory: RecordsWriterFactory): ProducerBatch[] {
    const n = this.#count
    const half = Math.ceil(n / 2)
    const encoded = this.close()
    const parts: ProducerBatch[] = []
    let part: ProducerBatch | null = null
    let i = 0
    // The batch was built here, so it decodes (CRC not checked: nothing crossed a wire).
    for (const batch of decodeBatches(encoded, { checkCrcs: false })) {
      for (const r of batch.records()) {
        const packed = this.#sizes[i]!
        const keyPlus1 = Math.floor(packed / 67108864)
        const headers = r.headers.length === 0 ? null : r.headers.map((h) => [h.key, h.value] as const)
        const existing = { promise: this.#promises[i]!, resolve: this.#resolves[i]! }
        const timestamp = this.#timestamps[i]!
        const args = [timestamp, r.key, r.value, headers, keyPlus1 - 1, packed - keyPlus1 * 67108864 - 1] as const
        if (part === null || part.recordCount >= half || part.tryAppend(...args, existing) === null) {
          part = new ProducerBatch(
            this.topic,
            this.partition,
            factory.create(this.topic, Buffer.allocUnsafe(Math.max(1024, this.bufferSize))),
            null,
            0,
            this.createdMs,
            half,
          )
          parts.push(part)
          part.tryAppend(...args, existing) // the first record always fits
        }
        i++
      }
    }
    if (i !== n) throw new Error(`Splitting ${this.topic}-${this.partition}: decoded ${i} of ${n} records`)
    for (const p of parts) p.closeForAppends()
    this.done = true
    const callbacks = this.#onDone
    this.#onDone = null
    this.#resolves.fill(noop as Resolve)
    this.#promises.length = 0
    if (callbacks !== null) {
      let left = parts.length
      const partDone = (): void => {
        if (--left === 0) for (const fn of callbacks) fn()
      }
      for (const p of parts) p.onDone(partDone)
    }
    return parts
  }

  /** Runs `fn` once the batch is done (at once if it is). Used by flush(). */
  onDone(fn: () => void): void {
    if (this.done) fn()
    else (this.#onDone ??= []).push(fn)
  }

  #finish(): void {
    // Drop the references (the records' promises may be long-lived in the application).
    this.#resolves.fill(noop as Resolve)
    this.#promises.length = 0
    const callbacks = this.#onDone
    this.#onDone = null
    if (callbacks !== null) for (const fn of callbacks) fn()
  }
}

/** BigInt(i) for offset deltas, cached: most batches hold a few hundred records. */
const BIG_INDEX: bigint[] = []
function bigIndex(i: number): bigint {
  if (i < 8192) {
    let b = BIG_INDEX[i]
    if (b === undefined) {
      for (let j = BIG_INDEX.length; j <= i; j++) BIG_INDEX.push(BigInt(j))
      b = BIG_INDEX[i]!
    }
    return b
  }
  return BigInt(i)
}

/** Kafka's sequence arithmetic: sequences wrap from 2^31-1 to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > 0x7fffffff - increment) return increment - (0x7fffffff - sequence) - 1
  return sequence + increment
}

/** Java's CompressionRatioEstimator steps: estimates worsen fast and improve slowly. */
const RATIO_DETERIORATE_STEP = 0.05
const RATIO_IMPROVE_STEP = 0.005

/**
 * The RecordsWriterFactory over src/protocol/records' RecordBatchBuilder. Keeps a compression
 * ratio estimate per topic (as Java's CompressionRatioEstimator) so compressed batches fill
 * to about `batchSize` bytes after compression.
 */
export function builderWriterFactory(config: {
  compression: CompressionType
  compressionLevel: number | undefined
  batchSize: number
  /** A transactional producer's batches carry the transactional attribute bit. */
  transactional?: boolean
}): RecordsWriterFactory {
  const ratios = new Map<string, number>()
  const compressed = config.compression !== 0
  return {
    create(topic: string, buffer: Buffer): RecordsWriter {
      const options: RecordBatchBuilderOptions = {
        compression: config.compression,
        batchSizeLimit: config.batchSize,
        buffer,
        producerId: -1n,
        producerEpoch: -1,
        baseSequence: -1,
      }
      if (config.transactional === true) options.isTransactional = true
      if (config.compressionLevel !== undefined) options.compressionLevel = config.compressionLevel
      if (compressed) options.compressionRatioEstimate = ratios.get(topic) ?? 1
      return new BuilderWriter(new RecordBatchBuilder(options), config.batchSize, compressed ? topic : null, ratios)
    },
    restamp(batch: Buffer, producerId: bigint, producerEpoch: number, baseSequence: number): Buffer {
      setProducerState(batch, producerId, producerEpoch, baseSequence)
      return batch
    },
    bufferSizeFor(topic: string): number {
      if (!compressed) return config.batchSize
      // A compressed batch fills to about batchSize / ratio uncompressed bytes: allocate that
      // (in whole batchSize units, which the pool reuses) so the builder does not outgrow it.
      const ratio = ratios.get(topic) ?? 1
      // needed ≤ header + (batchSize - header) / ratio ≤ batchSize / ratio.
      return config.batchSize * Math.min(8, Math.max(1, Math.ceil(1 / Math.max(ratio, 0.125) - 1e-9)))
    },
  }
}

/**
 * Closed batches with at least this many uncompressed bytes are compressed off the event loop
 * (the libuv thread pool, or the compression worker for zstd-napi and pure-JS LZ4) while they
 * wait for the sender (docs/performance.md, "Producer").
 */
export const BACKGROUND_COMPRESSION_MIN_BYTES = 128 * 1024

class BuilderWriter implements RecordsWriter {
  constructor(
    readonly builder: RecordBatchBuilder,
    readonly batchSize: number,
    readonly topic: string | null,
    readonly ratios: Map<string, number>,
  ) {}

  tryAppend(timestamp: number, key: RecordBytes, value: RecordBytes, headers: HeaderPairs | null): boolean {
    return this.builder.tryAppend(timestamp, key as Buffer | null, value as Buffer | null, headers as never)
  }

  get recordCount(): number {
    return this.builder.recordCount
  }

  get estimatedSizeInBytes(): number {
    return this.builder.estimatedSizeInBytes
  }

  get isFull(): boolean {
    return this.builder.estimatedSizeInBytes >= this.batchSize
  }

  get compressionRatio(): number {
    return this.builder.compressionRatio
  }

  compressInBackground(): Promise<void> | null {
    // Below this the thread-pool hand-off costs the event loop about as much as compressing.
    if (this.builder.uncompressedRecordsSize < BACKGROUND_COMPRESSION_MIN_BYTES) return null
    return this.builder.compressInBackground() // null when uncompressed
  }

  build(producerId: bigint, producerEpoch: number, baseSequence: number): Buffer {
    const out = this.builder.buildFor(producerId, producerEpoch, baseSequence)
    if (this.topic !== null) {
      const observed = this.builder.compressionRatio
      const current = this.ratios.get(this.topic) ?? 1
      let next = current
      if (observed > current) next = Math.max(current + RATIO_DETERIORATE_STEP, observed)
      else if (observed < current) next = Math.max(current - RATIO_IMPROVE_STEP, observed)
      this.ratios.set(this.topic, next)
    }
    return out
  }
}

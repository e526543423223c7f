/**
 * Sends that block (Java's KafkaProducer.waitOnMetadata and BufferPool.allocate's waiters): a
 * send() that cannot be appended at once waits, in order, first for its topic's metadata (one
 * queue per topic, one metadata request for the queue's head) and then for buffer memory (one
 * FIFO for the whole producer, as a blocked send() blocks the Java producer's calling thread),
 * each bounded by `maxBlockMs` from the send and by its AbortSignal. Owned by Producer, which
 * appends (`append`) and delivers; this module only holds and orders the waiting sends and
 * settles those that fail or are dropped (flush waits for them, close and abort fail them).
 */
import type { TopicMetadata } from '../cluster/metadata.js'
import { AbortError, KafkaError, TimeoutError } from '../errors.js'
import { sleep } from '../internal/deadline.js'
import type { RecordAccumulator } from './accumulator.js'
import type { HeaderPairs, RecordMetadata, Resolve } from './batch.js'
import type { BufferPool } from './buffer-pool.js'
import { Fifo } from './fifo.js'
import type { ProducerCluster } from './transport.js'

/** Everything a send needs once serialized (kept while it waits for metadata or memory). */
export interface PendingSend {
  topic: string
  /** -1: let the partitioner decide. */
  partition: number
  rawKey: unknown
  rawValue: unknown
  key: Uint8Array | null
  value: Uint8Array | null
  headers: HeaderPairs | null
  timestamp: number
  size: number
  deadline: number
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  promise: Promise<RecordMetadata> | null
  resolve: Resolve
  reject: (e: Error) => void
  settled: boolean
}

/** What the waiting sends need from their Producer. */
export interface BlockedSendsHost {
  cluster: Pick<ProducerCluster, 'topic' | 'topicMetadata' | 'refreshMetadata'>
  pool: BufferPool
  acc: RecordAccumulator
  maxBlockMs: number
  retryBackoffMs: number
  bufferMemory: number
  /** Appends a waiting send (into `buffer` when given); null while it still has to wait. */
  append(p: PendingSend, buffer: Buffer | null): Promise<RecordMetadata> | null
  /** Wakes the sender (memory is exhausted: everything queued becomes ready). */
  wakeup(): void
  /** A send failed: log it and call the onError hook. */
  onSendFailed(error: Error, topic: string, partition: number | undefined): void
}

const noop = (): void => {}

export class BlockedSends {
  readonly #o: BlockedSendsHost
  /** Sends waiting for topic metadata, per topic, in send order. */
  readonly #awaitingMetadata = new Map<string, Fifo<PendingSend>>()
  /** Sends with metadata, waiting for buffer memory, in send order. */
  readonly #awaitingMemory = new Fifo<PendingSend>()
  #memoryLoopRunning = false

  constructor(host: BlockedSendsHost) {
    this.#o = host
  }

  /** True when a new send to `topic` may be appended at once: nothing ahead of it is waiting. */
  canAppendNow(topic: string): boolean {
    return (
      this.#awaitingMemory.length === 0 && (this.#awaitingMetadata.size === 0 || !this.#awaitingMetadata.has(topic))
    )
  }

  /** Waiting sends, settled ones included until their queue drops them (Producer.waitingSends). */
  get size(): number {
    let n = this.#awaitingMemory.length
    for (const q of this.#awaitingMetadata.values()) n += q.length
    return n
  }

  /** Waiting sends not yet settled (a transaction's incomplete work). */
  get live(): number {
    let n = 0
    for (const p of this.#awaitingMemory) if (!p.settled) n++
    for (const q of this.#awaitingMetadata.values()) for (const p of q) if (!p.settled) n++
    return n
  }

  /**
   * Resolves once every send waiting now is appended or failed; null when none waits. The queues
   * are FIFO, so waiting for the last of each is enough.
   */
  allSettled(): Promise<void> | null {
    const tails: PendingSend[] = []
    const memoryTail = this.#awaitingMemory.last()
    if (memoryTail !== undefined) tails.push(memoryTail)
    for (const q of this.#awaitingMetadata.values()) {
      const tail = q.last()
      if (tail !== undefined) tails.push(tail)
    }
    if (tails.length === 0) return null
    return Promise.all(tails.map((p) => new Promise<void>((r) => whenSettled(p, r)))).then(noop)
  }

  /** Fails every waiting send with `error`. */
  failAll(error: Error): void {
    for (const q of this.#awaitingMetadata.values()) for (const p of q) this.settle(p, error)
    for (const p of this.#awaitingMemory) this.settle(p, error)
  }

  /** Queues a send that must wait for metadata or memory. */
  block(p: PendingSend): Promise<RecordMetadata> {
    const promise = new Promise<RecordMetadata>((resolve, reject) => {
      p.resolve = resolve
      p.reject = reject
    })
    p.promise = promise
    p.deadline = Date.now() + this.#o.maxBlockMs
    if (p.signal !== undefined) {
      const signal = p.signal
      p.onAbort = () => this.settle(p, abortError(signal))
      signal.addEventListener('abort', p.onAbort, { once: true })
    }
    const md = this.#o.cluster.topic(p.topic)
    const waiting = this.#awaitingMetadata.get(p.topic)
    if (waiting !== undefined) waiting.push(p)
    else if (md === undefined || md.partitions.length === 0 || p.partition >= md.partitions.length) {
      const queue = new Fifo<PendingSend>()
      queue.push(p)
      this.#awaitingMetadata.set(p.topic, queue)
      void this.#fetchMetadata(p.topic)
    } else {
      this.#awaitingMemory.push(p)
      this.#runMemoryQueue()
    }
    return promise
  }

  /** Waits for a topic's metadata on behalf of its queued sends, each bounded by its deadline. */
  async #fetchMetadata(topic: string): Promise<void> {
    const queue = this.#awaitingMetadata.get(topic)!
    while (queue.length > 0) {
      const head = queue.peek()!
      if (head.settled) {
        queue.shift()
        continue
      }
      try {
        const md = await this.topicMetadata(topic, head.deadline, undefined, head.partition)
        // Move every send this metadata satisfies, in order, to the memory stage.
        while (queue.length > 0 && (queue.peek()!.settled || queue.peek()!.partition < md.partitions.length)) {
          const p = queue.shift()!
          if (!p.settled) this.#awaitingMemory.push(p)
        }
        this.#runMemoryQueue()
      } catch (err) {
        // The head's deadline passed: fail every send whose deadline passed, keep the rest waiting.
        const now = Date.now()
        const error = this.#metadataError(topic, head, err)
        while (queue.length > 0 && (queue.peek()!.settled || queue.peek()!.deadline <= now)) {
          this.settle(queue.shift()!, error)
        }
        if (queue.peek() === head) this.settle(queue.shift()!, error)
      }
    }
    this.#awaitingMetadata.delete(topic)
  }

  async topicMetadata(topic: string, deadline: number, signal?: AbortSignal, partition = -1): Promise<TopicMetadata> {
    for (;;) {
      const timeoutMs = Math.max(1, deadline - Date.now())
      let md: TopicMetadata
      try {
        const map = await this.#o.cluster.topicMetadata([topic], {
          timeoutMs,
          allowAutoTopicCreation: true,
          ...(signal === undefined ? {} : { signal }),
        })
        md = map.get(topic)!
      } catch (err) {
        // The cluster gives up when its next retry would pass the deadline; keep trying until it.
        const remaining = deadline - Date.now()
        if (!(err instanceof KafkaError && err.retriable) || remaining <= 5 || signal?.aborted) throw err
        await sleep(Math.min(remaining, this.#o.retryBackoffMs))
        if (Date.now() >= deadline) throw err
        continue
      }
      if (partition < md.partitions.length) return md
      // An explicit partition beyond the known count: wait for the topic to grow (Java waits too).
      if (Date.now() + this.#o.retryBackoffMs >= deadline) {
        throw new TimeoutError(
          `Partition ${partition} of topic ${topic} with partition count ${md.partitions.length} is not present ` +
            `in metadata after ${this.#o.maxBlockMs} ms`,
          { topic, partition },
        )
      }
      await sleep(this.#o.retryBackoffMs)
      await this.#o.cluster.refreshMetadata({ topics: [topic], timeoutMs }).catch(noop)
    }
  }

  #metadataError(topic: string, p: PendingSend, err: unknown): Error {
    if (err instanceof AbortError) return err
    if (err instanceof TimeoutError && err.partition !== undefined) return err
    if (err instanceof KafkaError && !err.retriable && !(err.code === 'UNKNOWN_TOPIC_OR_PARTITION')) return err
    return new TimeoutError(
      `Topic ${topic} not present in metadata after ${this.#o.maxBlockMs} ms` +
        (err instanceof Error ? ` (${err.message})` : ''),
      { topic, ...(p.partition >= 0 ? { partition: p.partition } : {}), cause: err },
    )
  }

  /** Appends the memory queue's sends in order, waiting for buffer memory as needed. */
  #runMemoryQueue(): void {
    if (this.#memoryLoopRunning) return
    this.#memoryLoopRunning = true
    void this.#memoryLoop().finally(() => {
      this.#memoryLoopRunning = false
      if (this.#awaitingMemory.length > 0) this.#runMemoryQueue()
    })
  }

  async #memoryLoop(): Promise<void> {
    const queue = this.#awaitingMemory
    while (queue.length > 0) {
      const p = queue.peek()!
      if (p.settled) {
        queue.shift()
        continue
      }
      try {
        let promise = this.#o.append(p, null)
        if (promise === null) {
          // Metadata may have shrunk meanwhile; otherwise it is memory.
          const md = this.#o.cluster.topic(p.topic)
          if (md === undefined || p.partition >= md.partitions.length) {
            await this.topicMetadata(p.topic, p.deadline, p.signal, p.partition)
            continue
          }
          const remaining = p.deadline - Date.now()
          if (remaining <= 0) throw this.#memoryTimeout(p)
          this.#o.wakeup() // memory is exhausted: everything queued becomes ready
          const buffer = await this.#o.pool
            .allocate(this.#o.acc.batchSizeFor(p.topic, p.size), remaining, p.signal)
            .catch((err: unknown) => {
              throw err instanceof TimeoutError ? this.#memoryTimeout(p) : err
            })
          if (p.settled) {
            this.#o.pool.release(buffer, buffer.length)
            queue.shift()
            continue
          }
          promise = this.#o.append(p, buffer)
          if (promise === null) {
            this.#o.pool.release(buffer, buffer.length)
            continue
          }
        }
        queue.shift()
        this.#link(p, promise)
      } catch (err) {
        queue.shift()
        this.settle(p, err as Error)
      }
    }
  }

  #memoryTimeout(p: PendingSend): TimeoutError {
    return new TimeoutError(
      `Failed to allocate memory for a record to ${p.topic} within the configured maxBlockMs of ` +
        `${this.#o.maxBlockMs} ms (bufferMemory ${this.#o.bufferMemory} bytes is in use)`,
      { topic: p.topic },
    )
  }

  /** The send is in a batch (which settles its promise from now on). */
  #link(p: PendingSend, _promise: Promise<RecordMetadata>): void {
    if (p.settled) return
    p.settled = true
    this.#cleanup(p)
  }

  settle(p: PendingSend, error: Error): void {
    if (p.settled) return
    p.settled = true
    this.#cleanup(p)
    this.#o.onSendFailed(error, p.topic, p.partition >= 0 ? p.partition : undefined)
    this.#reject(p, error)
  }

  #reject(p: PendingSend, error: Error): void {
    // Marked handled first: a fire-and-forget send must not raise unhandledRejection.
    p.promise?.catch(noop)
    p.reject(error)
  }

  #cleanup(p: PendingSend): void {
    if (p.onAbort !== undefined) p.signal!.removeEventListener('abort', p.onAbort)
    p.onAbort = undefined
    const waiters = settledWaiters.get(p)
    if (waiters !== undefined) {
      settledWaiters.delete(p)
      for (const w of waiters) w()
    }
  }
}

const settledWaiters = new WeakMap<PendingSend, (() => void)[]>()

function whenSettled(p: PendingSend, fn: () => void): void {
  if (p.settled) {
    fn()
    return
  }
  let list = settledWaiters.get(p)
  if (list === undefined) settledWaiters.set(p, (list = []))
  list.push(fn)
}

export function abortError(signal: AbortSignal): Error {
  const reason = signal.reason
  return reason instanceof KafkaError ? reason : new AbortError(undefined, { cause: reason })
}

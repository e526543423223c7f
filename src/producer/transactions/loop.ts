/**
 * Drives a TransactionManager: polls it when woken or when a backoff ends, sends the one
 * request it plans through `TxnTransport`, and feeds the outcome back. One timer, one pending
 * setImmediate, at most one request on the wire (Java's transactional requests are serial).
 */

import { type Clock, systemClock } from '../../internal/clock.js'
import type { Log } from '../../internal/log.js'
import type { TransactionManager, TxnRequest, TxnResponse } from './transaction-manager.js'

export interface TxnTransport {
  /** FindCoordinator (key type 1 for a transactional id, 0 for a group); resolves the node id. */
  findCoordinator(keyType: 'transaction' | 'group', key: string): Promise<number>
  /** Sends a coordinator request at the negotiated version capped at `request.maxVersion`. */
  send(request: Exclude<TxnRequest, { kind: 'FindCoordinator' }>): Promise<TxnResponse>
}

export interface TransactionLoopOptions {
  clock?: Clock
  logger?: Log
  /** Batches of the transaction not yet settled, plus sends still waiting to be appended. */
  incompleteBatches(): number
  /** After every outcome (the sender may drain partitions just added, or drop unsent batches). */
  onChange?(): void
}

export class TransactionLoop {
  readonly #tm: TransactionManager
  readonly #transport: TxnTransport
  readonly #o: TransactionLoopOptions
  readonly #clock: Clock
  #immediate = false
  #timer: unknown
  #timerAt = Number.POSITIVE_INFINITY
  #stopped = false

  constructor(tm: TransactionManager, transport: TxnTransport, options: TransactionLoopOptions) {
    this.#tm = tm
    this.#transport = transport
    this.#o = options
    this.#clock = options.clock ?? systemClock
  }

  wakeup(): void {
    if (this.#immediate || this.#stopped) return
    this.#immediate = true
    this.#clock.setImmediate(this.#run)
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  readonly #run = (): void => {
    this.#immediate = false
    if (this.#stopped) return
    const now = this.#clock.now()
    const { request, nextPollMs } = this.#tm.poll(now, this.#o.incompleteBatches())
    if (request !== undefined) this.#dispatch(request)
    if (nextPollMs !== Number.POSITIVE_INFINITY) this.#wakeupAt(Math.max(nextPollMs, now + 1))
  }

  #wakeupAt(at: number): void {
    if (at >= this.#timerAt && this.#timer !== undefined) return
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined
        this.#timerAt = Number.POSITIVE_INFINITY
        this.#run()
      },
      Math.max(0, at - this.#clock.now()),
    )
  }

  #dispatch(request: TxnRequest): void {
    // A handler that throws (an invalid transition poisons the manager) must not become an
    // unhandled rejection: log it and go on polling.
    const settle =
      <T>(fn: (value: T) => void) =>
      (value: T): void => {
        try {
          fn(value)
          this.#o.onChange?.()
        } catch (err) {
          this.#o.logger?.error(
            { request: request.kind, err },
            'kafka-wire producer: handling a transaction response failed',
          )
        }
        this.wakeup()
      }
    if (request.kind === 'FindCoordinator') {
      this.#transport.findCoordinator(request.keyType, request.key).then(
        settle((nodeId: number) => this.#tm.onCoordinator(request, nodeId)),
        settle((err: unknown) => {
          this.#o.logger?.warn({ keyType: request.keyType, err }, 'kafka-wire producer: FindCoordinator failed')
          this.#tm.onError(request, err, this.#clock.now())
        }),
      )
      return
    }
    this.#transport.send(request).then(
      settle((response: TxnResponse) => this.#tm.onResponse(request, response, this.#clock.now())),
      settle((err: unknown) => {
        this.#o.logger?.debug({ request: request.kind, err }, 'kafka-wire producer: transaction request failed')
        this.#tm.onError(request, err, this.#clock.now())
      }),
    )
  }
}

/**
 * TV2: wait for the coordinator to finish the previous transaction before the next one's first
 * Produce. Under KIP-890 part 2 the partition leader adds a partition to the transaction itself
 * when a Produce arrives; while the coordinator still writes the previous transaction's markers
 * (PrepareCommit/PrepareAbort, answered to EndTxn before the markers are written) it answers
 * CONCURRENT_TRANSACTIONS and the leader holds the Produce for its
 * `add.partitions.to.txn.retry.backoff.ms` (20 ms) before trying again. A loop of small
 * transactions meets that race often (docs/performance.md, "Transactions").
 *
 * After a TV2 EndTxn, TransactionManager queues this probe: DescribeTransactions of its own
 * transactionalId (DESCRIBE, implied by the WRITE a transactional producer has), repeated with a
 * short backoff (1 ms doubling) while the state is Prepare*, at most PROBE_MAX_MS; the
 * transaction's partitions are drained, and its TxnOffsetCommit sent, once it answered otherwise
 * (the group coordinator adds __consumer_offsets the same way, and its CONCURRENT_TRANSACTIONS
 * costs the client a retry after retryBackoffMs). Any error, or a broker
 * without the API, ends the probe (the leader's own retry still keeps the Produce correct), and
 * an authorization or version error turns it off for the producer. Sans-IO: `now` is given.
 */
import { ErrorCode } from '../../error-codes.js'
import type { Apis, ResponseOf } from '../../protocol/index.js'
import type { Op } from './request-queue.js'
import type { TxnResponse } from './types.js'

/** Probe no longer than the leader's own retries would last (add.partitions.to.txn.retry.backoff.max.ms). */
export const PROBE_MAX_MS = 100
const PROBE_BACKOFF_MS = 1

export interface CompletionProbeHost {
  transactionalId: string
  /** The probe ended (the previous transaction completed, or it gave up). */
  done(): void
  /** The broker refuses the probe (authorization, version): do not probe again. */
  disable(): void
  /** Queue the op again after the backoff from `delayMs`. */
  retry(op: Op, now: number, delayMs: number): void
}

export function completionProbeOp(host: CompletionProbeHost, now: number): Op {
  const deadline = now + PROBE_MAX_MS
  const op: Op = {
    kind: 'DescribeTransactions',
    coordinator: 'transaction',
    retryAt: 0,
    attempts: 0,
    outlivesTransaction: true,
    build: (nodeId) => ({
      kind: 'DescribeTransactions',
      nodeId,
      maxVersion: 0,
      body: { transactionalIds: [host.transactionalId] },
    }),
    handle: (res: TxnResponse, now2: number) => {
      const state = (res as ResponseOf<typeof Apis.DescribeTransactions>).transactionStates?.[0]
      const code = state?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR
      if (code === ErrorCode.NONE && state!.transactionState.startsWith('Prepare') && now2 < deadline) {
        host.retry(op, now2, PROBE_BACKOFF_MS)
        return
      }
      // disable() first: done() after it leaves the probe off.
      if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.UNSUPPORTED_VERSION) {
        host.disable()
      } else host.done()
    },
    onError: () => host.done(),
  }
  return op
}

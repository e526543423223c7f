/**
 * Errors of the transactional producer, with the KIP-1050 category each one belongs to, so an
 * application can decide what to do from `category` alone (docs/transactions.md has the table):
 *
 * - 'abortable': abort the transaction (abortTransaction()) and retry it with the same producer;
 * - 'application-recoverable': this producer is dead (fenced, or its epoch is gone); close it,
 *   create a new one with the same transactionalId and re-read the input from the last commit;
 * - 'fatal': configuration or authorization is wrong; close the producer and fix the cause.
 *
 * Errors retriable inside the client (CONCURRENT_TRANSACTIONS, NOT_COORDINATOR, ...) never reach
 * the application: the transaction manager retries them.
 */
import { KafkaError, type KafkaErrorOptions } from '../../errors.js'

export type TransactionErrorCategory = 'abortable' | 'application-recoverable' | 'fatal'

/** The one IllegalStateError (errors.ts), also for calls the transaction's state does not allow. */
export { IllegalStateError } from '../../errors.js'

/** The application must abort the transaction and may then retry it (Java TransactionAbortableException). */
export class TransactionAbortableError extends KafkaError {
  readonly category: TransactionErrorCategory = 'abortable'
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_TRANSACTION_ABORTABLE', options)
  }
}

/** A record was dropped because its transaction was aborted before it was sent. */
export class TransactionAbortedError extends KafkaError {
  constructor(message = 'The transaction was aborted before the record was sent', options: KafkaErrorOptions = {}) {
    super(message, 'ERR_TRANSACTION_ABORTED', options)
  }
}

/**
 * A newer producer with the same transactionalId took over (PRODUCER_FENCED, or
 * INVALID_PRODUCER_EPOCH on transactional calls and on TV2 produces). The producer can only be closed.
 */
export class ProducerFencedError extends KafkaError {
  readonly category: TransactionErrorCategory = 'application-recoverable'
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'PRODUCER_FENCED', options)
  }
}

/** An unrecoverable transactional error (authorization, invalid state or configuration): close the producer. */
export class TransactionFatalError extends KafkaError {
  readonly category: TransactionErrorCategory
  constructor(message: string, category: TransactionErrorCategory = 'fatal', options: KafkaErrorOptions = {}) {
    super(message, 'ERR_TRANSACTION_FATAL', options)
    this.category = category
  }
}

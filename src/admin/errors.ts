/**
 * The error an admin call rejects with when some of its items (topics, partitions, groups,
 * config resources, ACLs, users) failed: each failure named, and what did succeed listed.
 */
import { KafkaAggregateError, type KafkaError } from '../errors.js'

/**
 * Some items of an admin call failed. `errors` holds one error per failed item, each naming its
 * item (a BrokerError with `topic`/`partition` set, or with the group / resource / user in its
 * message); `succeeded` holds the results of the items that did succeed (for calls without
 * per-item results: the item names), so a caller can tell exactly what was applied.
 */
export class AdminAggregateError<T = unknown> extends KafkaAggregateError {
  readonly succeeded: readonly T[]
  /** The failed items' labels, in the order of `errors`. */
  readonly failed: readonly string[]

  constructor(
    operation: string,
    itemKind: string,
    failures: readonly { label: string; error: KafkaError }[],
    succeeded: readonly { label: string; value: T }[],
  ) {
    const total = failures.length + succeeded.length
    const ok = succeeded.length > 0 ? ` (succeeded: ${succeeded.map((s) => s.label).join(', ')})` : ''
    super(
      `${operation} failed for ${failures.length} of ${total} ${itemKind}${ok}`,
      failures.map((f) => f.error),
    )
    this.succeeded = succeeded.map((s) => s.value)
    this.failed = failures.map((f) => f.label)
  }
}

/** The Admin client and its public types. */
export { Admin } from './admin.js'
export { AdminAggregateError } from './errors.js'
export type {
  ShareGroupDescription,
  ShareGroupMemberDescription,
  ShareGroupOffset,
  ShareGroupOffsetUpdate,
} from './share-groups.js'
export {
  type AbortTransactionSpec,
  type ListTransactionsOptions,
  type ProducerState as ActiveProducerState,
  type TransactionDescription,
  type TransactionListing,
  TransactionsAdmin,
} from './transactions.js'
export type * from './types.js'

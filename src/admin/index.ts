/** The Admin client and its public types. */
export { Admin } from './admin.js'
export { AdminAggregateError } from './errors.js'
export type * from './types.js'

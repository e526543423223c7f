/**
 * The protocol layer: pure encoding and decoding of Kafka's wire format.
 * No sockets, no timers, no imports from higher layers (enforced by the linter).
 */

export { ERROR_CODE_BY_NAME, ERROR_CODES, ErrorCode, type ErrorCodeInfo, type ErrorCodeName } from '../error-codes.js'
export * from './header.js'
export * from './messages/index.js'
export { Reader } from './primitives/reader.js'
export { ZERO_UUID } from './primitives/uuid.js'
export { Writer } from './primitives/writer.js'
export { type CompiledMessage, compile, decodeMessage, encodeMessage } from './schema/codec.js'
export * from './schema/dsl.js'

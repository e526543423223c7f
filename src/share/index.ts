/** Share groups (KIP-932): the ShareConsumer and its types. */
export type { SharePartition } from './acknowledgements.js'
export type { ShareAcknowledgementMode, ShareAcquireMode, ShareConsumerOptions } from './options.js'
export { ShareConsumer } from './share-consumer.js'
export type {
  AcknowledgedOffsets,
  AcknowledgementCommitCallback,
  AcknowledgeType,
  ShareConsumerRecord,
} from './types.js'

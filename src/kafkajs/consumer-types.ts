/**
 * kafkajs 2.2.4's consumer type names (types/index.d.ts) that applications import: the event types,
 * `Consumer`, `ConsumerGroup`, `SeekEntry`, ... so code that type-checked against kafkajs type-checks
 * against the layer. Owner: the kafkajs consumer.
 */
import type { InstrumentationEvent, PartitionOffset, TopicOffsets } from './types.js'

export type SeekEntry = PartitionOffset

export interface ISerializer<T> {
  encode(value: T): Buffer
  decode(buffer: Buffer): T | null
}

export interface IMemberAssignment {
  [key: string]: number[]
}

export interface OffsetsByTopicPartition {
  topics: TopicOffsets[]
}

export type ConsumerGroup = {
  groupId: string
  generationId: number
  memberId: string
  coordinator: unknown
}

export type ConsumerHeartbeatEvent = InstrumentationEvent<{
  groupId: string
  memberId: string
  groupGenerationId: number
}>

export type ConsumerCommitOffsetsEvent = InstrumentationEvent<{
  groupId: string
  memberId: string
  groupGenerationId: number
  topics: TopicOffsets[]
}>

export type ConsumerGroupJoinEvent = InstrumentationEvent<{
  duration: number
  groupId: string
  isLeader: boolean
  leaderId: string
  groupProtocol: string
  memberId: string
  memberAssignment: IMemberAssignment
}>

export type ConsumerFetchStartEvent = InstrumentationEvent<{ nodeId: number }>

export type ConsumerFetchEvent = InstrumentationEvent<{
  numberOfBatches: number
  duration: number
  nodeId: number
}>

interface IBatchProcessEvent {
  topic: string
  partition: number
  highWatermark: string
  offsetLag: string
  offsetLagLow: string
  batchSize: number
  firstOffset: string
  lastOffset: string
}

export type ConsumerStartBatchProcessEvent = InstrumentationEvent<IBatchProcessEvent>
export type ConsumerEndBatchProcessEvent = InstrumentationEvent<IBatchProcessEvent & { duration: number }>

export type ConsumerCrashEvent = InstrumentationEvent<{
  error: Error
  groupId: string
  restart: boolean
}>

export type ConsumerRebalancingEvent = InstrumentationEvent<{
  groupId: string
  memberId: string
}>

export type ConsumerReceivedUnsubcribedTopicsEvent = InstrumentationEvent<{
  groupId: string
  generationId: number
  memberId: string
  assignedTopics: string[]
  topicsSubscribed: string[]
  topicsNotSubscribed: string[]
}>

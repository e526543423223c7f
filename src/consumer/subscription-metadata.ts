/**
 * The subscription's side of metadata, for the Consumer's periodic check: a client-side RegExp
 * subscription is matched against every topic (a change makes the member send its new topic list,
 * or rejoin under the classic protocol); the classic leader learns of partition count changes.
 * Also the broker-side pattern type (groupProtocol 'consumer'), and the metadata (leaders) an
 * assignment needs before its first Fetch.
 */
import { type Cluster, isUsableTopic } from '../cluster/index.js'
import { ConfigError, ErrorCode } from '../errors.js'
import type { Log } from '../internal/log.js'
import { Apis } from '../protocol/index.js'
import type { GroupMembership } from './group/membership.js'
import type { SubscriptionState } from './subscription-state.js'

/**
 * A regular expression the broker evaluates (Java's SubscriptionPattern; RE2J syntax), with
 * groupProtocol 'consumer': `consumer.subscribe({ pattern: '^orders-.*' })`. Topics created later
 * that match are assigned without a client-side metadata scan.
 */
export interface SubscriptionPattern {
  pattern: string
}

export function isSubscriptionPattern(x: unknown): x is SubscriptionPattern {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof RegExp) && 'pattern' in x
}

/** The regex of subscribe({ pattern }); a ConfigError under the classic protocol (Java: unsupported there). */
export function brokerSideRegex(p: SubscriptionPattern, consumerProtocol: boolean): string {
  if (!consumerProtocol) {
    throw new ConfigError(
      'groupProtocol',
      "subscribe({ pattern }) (a regex the broker resolves) needs groupProtocol 'consumer'; use a RegExp for a client-side pattern",
    )
  }
  if (typeof p.pattern !== 'string' || p.pattern === '') {
    throw new TypeError('subscribe({ pattern }) takes a non-empty RE2J regular expression string')
  }
  return p.pattern
}

export interface SubscriptionMetadataContext {
  cluster: Pick<Cluster, 'sendAny' | 'refreshMetadata' | 'topic'>
  subscriptions: SubscriptionState
  membership: GroupMembership
  excludeInternalTopics: boolean
  isClosed: () => boolean
}

/** Pattern subscriptions: topics that now match. Leader: partition counts it assigned from. */
export async function checkSubscriptionMetadata(ctx: SubscriptionMetadataContext): Promise<void> {
  const subs = ctx.subscriptions
  const membership = ctx.membership
  if (subs.type === 'AUTO_PATTERN') {
    const res = await ctx.cluster.sendAny(Apis.Metadata, { topics: null, allowAutoTopicCreation: false })
    if (ctx.isClosed() || subs.type !== 'AUTO_PATTERN') return
    const pattern = subs.pattern!
    const matching: string[] = []
    for (const t of res.topics) {
      if (t.name === null || t.errorCode !== ErrorCode.NONE) continue
      if (ctx.excludeInternalTopics && t.isInternal) continue
      pattern.lastIndex = 0
      if (pattern.test(t.name)) matching.push(t.name)
    }
    if (subs.subscribeFromPattern(matching)) {
      membership.requestRejoin('the topics matching the subscribed pattern changed')
      return
    }
    // Only the group's topics: the leader compares them with those it assigned from both ways.
    const subscribed = subs.metadataTopics()
    const counts = new Map<string, number>()
    for (const t of res.topics) {
      if (t.name !== null && t.errorCode === ErrorCode.NONE && subscribed.has(t.name))
        counts.set(t.name, t.partitions.length)
    }
    membership.checkMetadata(counts)
    return
  }
  const topics = [...subs.metadataTopics()]
  if (topics.length === 0) return
  await ctx.cluster.refreshMetadata({ topics })
  const counts = new Map<string, number>()
  for (const t of topics) {
    const md = ctx.cluster.topic(t)
    if (md !== undefined && md.errorCode === ErrorCode.NONE) counts.set(t, md.partitions.length)
  }
  membership.checkMetadata(counts)
}

/**
 * Makes sure metadata (leaders) is known for the assigned topics. A topic the cache already holds
 * (the classic leader's assignment or the subscription's check loaded it) costs no round trip
 * between the assignment and the first Fetch; `known` remembers the topics seen, so that this runs
 * once per topic (a refresh that fails forgets them, to try again at the next poll).
 */
export function ensureAssignedTopicsMetadata(
  cluster: Pick<Cluster, 'refreshMetadata' | 'topic'>,
  subscriptions: SubscriptionState,
  known: Set<string>,
  log: Log | undefined,
): void {
  const missing: string[] = []
  for (const { topic } of subscriptions.assignedStates()) {
    if (known.has(topic)) continue
    known.add(topic)
    if (!isUsableTopic(cluster.topic(topic))) missing.push(topic)
  }
  if (missing.length === 0) return
  cluster.refreshMetadata({ topics: missing }).catch((err) => {
    for (const t of missing) known.delete(t)
    log?.debug({ topics: missing, err }, 'kafka-wire consumer: metadata refresh failed')
  })
}

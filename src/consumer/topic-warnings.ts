/**
 * Warnings for subscribed topics that metadata reports missing (UNKNOWN_TOPIC_OR_PARTITION, or
 * another topic error), so that a consumer subscribed to a topic that does not exist is not
 * silent. Java's NetworkClient logs such errors at WARN on every metadata response; here at most
 * once per topic and error per `intervalMs`, driven by `now` (no timers), and only
 * UNKNOWN_TOPIC_OR_PARTITION and non-retriable errors (TOPIC_AUTHORIZATION_FAILED, ...).
 */

import { ERROR_CODES, ErrorCode } from '../error-codes.js'
import { formatText, type Log } from '../internal/log.js'

export class TopicErrorWarnings {
  readonly #last = new Map<string, number>()

  constructor(
    private readonly logger: Log | undefined,
    private readonly allowAutoCreateTopics: boolean,
    private readonly intervalMs = 30_000,
  ) {}

  /** Warns for the errors of `subscribed` topics not warned about within intervalMs; returns the lines. */
  report(errors: ReadonlyMap<string, number>, subscribed: ReadonlySet<string>, now: number): string[] {
    const lines: string[] = []
    for (const [topic, code] of errors) {
      if (!subscribed.has(topic)) continue
      // Transient states of a topic being created or moved (LEADER_NOT_AVAILABLE, ...) are not news.
      const info = ERROR_CODES.get(code)
      if (code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && info?.retriable) continue
      const key = `${topic}\u0000${code}`
      if (now - (this.#last.get(key) ?? Number.NEGATIVE_INFINITY) < this.intervalMs) continue
      this.#last.set(key, now)
      const errorCode = info?.name ?? `error ${code}`
      const hint =
        code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          ? this.allowAutoCreateTopics
            ? 'the topic does not exist; the broker creates it only with auto.create.topics.enable'
            : 'the topic does not exist; allowAutoCreateTopics is false'
          : undefined
      const context = { topic, errorCode, hint }
      const msg = 'kafka-wire consumer: a subscribed topic is unavailable; waiting for it'
      this.logger?.warn(context, msg)
      lines.push(formatText(msg, hint === undefined ? { topic, errorCode } : context))
    }
    return lines
  }
}

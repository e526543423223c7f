/**
 * The one string key of a topic-partition, for every per-partition Map and Set in kafka-wire and for
 * the public maps keyed by partition (the `CommitCallback` offsets, `OffsetOutOfRangeNoResetError.offsets`).
 *
 * The format is `topic-partition`, as Java's `TopicPartition.toString()` prints it ("orders-3"). It is
 * unambiguous although topic names may contain '-': a partition number never does, so the key splits at
 * its last '-'. Build and parse keys only through these two functions, never by hand.
 */

/** `topic-partition`, e.g. `topicPartitionKey('orders', 3) === 'orders-3'`. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`
}

/** The topic and partition of a key made by `topicPartitionKey()`; throws a TypeError for anything else. */
export function parseTopicPartitionKey(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf('-')
  const digits = key.slice(i + 1)
  if (i <= 0 || !/^\d+$/.test(digits)) throw new TypeError(`not a topic-partition key: ${JSON.stringify(key)}`)
  return { topic: key.slice(0, i), partition: Number(digits) }
}
